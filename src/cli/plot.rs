//! `spacesim plot` (being written).

use std::path::PathBuf;

/// Arguments of `spacesim plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// Inputs.
    pub inputs: Vec<PathBuf>,
}

/// Runs the command; returns the exit code.
pub fn run(_args: &PlotArgs) -> anyhow::Result<u8> {
    anyhow::bail!("spacesim plot is not built yet")
}
