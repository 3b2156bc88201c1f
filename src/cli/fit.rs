//! `spacesim fit` (being written).

use std::path::PathBuf;

/// Arguments of `spacesim fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Inputs.
    pub inputs: Vec<PathBuf>,
}

/// Runs the command; returns the exit code.
pub fn run(_args: &FitArgs) -> anyhow::Result<u8> {
    anyhow::bail!("spacesim fit is not built yet")
}
