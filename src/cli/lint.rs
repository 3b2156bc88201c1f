//! `spacesim lint`.

use std::path::PathBuf;

use super::{LintArgs, print_stdout};
use crate::lint;

/// Lints the files and returns the exit code: 0 no errors, 1 a rule is broken, 2 a file cannot
/// be read or parsed.
pub fn run(args: &LintArgs) -> anyhow::Result<u8> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths.clone()
    };
    let report = lint::lint(&paths);
    if report.files.is_empty() {
        anyhow::bail!(
            "no scenario files (*.toml) in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some(path) = &args.json {
        super::check::write_file(path, report.to_json().as_bytes())?;
    }
    print_stdout(&report.render(args.quiet))?;
    Ok(report.exit_code())
}
