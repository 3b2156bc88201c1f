//! `spacesim check`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::{CheckArgs, print_stdout};
use crate::check::baseline::{self, Baseline};
use crate::check::report::{CheckReport, Status};
use crate::check::{CheckOptions, check, discover, json, junit};
use crate::report::OutputDir;

/// Runs the check and returns its exit code: 0 all pass, 1 a failure, 2 invalid input.
pub fn run(args: &CheckArgs) -> anyhow::Result<u8> {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from("scenarios")]
    } else {
        args.paths.clone()
    };
    let files = discover(&paths).map_err(anyhow::Error::msg)?;
    if files.is_empty() {
        bail!(
            "no scenario files (*.toml) in {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let tolerance = parse_tolerance(&args.tolerance)?;
    let stored = match &args.baseline {
        Some(path) if path.exists() => Some(read_baseline(path)?),
        Some(path) if !args.update_baseline => {
            bail!(
                "{}: no such baseline file (create it with --update-baseline)",
                path.display()
            )
        }
        _ => None,
    };
    if args.update_baseline && args.baseline.is_none() {
        bail!("--update-baseline needs --baseline FILE: the file to write");
    }
    let opts = CheckOptions {
        replications: args.replications.max(1),
        baseline: if args.update_baseline {
            None
        } else {
            stored.clone()
        },
        tolerance,
        allow_violations: args.allow_violations,
        overrides: super::overrides_with(&[], &args.limits.overrides())?,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;
    let (report, metrics) = pool.install(|| check(&files, &opts));

    if let Some(path) = &args.junit {
        write_file(path, junit::to_junit(&report).as_bytes())?;
    }
    if let Some(path) = &args.json {
        write_file(path, json::to_json(&report).as_bytes())?;
    }
    if args.update_baseline {
        let path = args.baseline.as_ref().expect("checked above");
        let mut b = stored.unwrap_or(Baseline {
            spacesim_baseline: baseline::VERSION,
            ..Default::default()
        });
        b.scenarios.extend(metrics);
        let mut text = serde_json::to_string_pretty(&b).expect("baselines serialize");
        text.push('\n');
        write_file(path, text.as_bytes())?;
        eprintln!(
            "wrote the baseline of {} scenarios to {}",
            b.scenarios.len(),
            path.display()
        );
    }
    print_stdout(&render(&report, args.quiet))?;
    Ok(report.exit_code())
}

/// A relative tolerance: `"5%"` or `0.05`, zero or more (above 100% is allowed).
fn parse_tolerance(text: &str) -> anyhow::Result<f64> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    };
    match value {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => bail!(
            "--tolerance: cannot read \"{text}\"; write a relative tolerance such as 5% or 0.05"
        ),
    }
}

fn read_baseline(path: &Path) -> anyhow::Result<Baseline> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the baseline", path.display()))?;
    let b: Baseline = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a spacesim baseline file", path.display()))?;
    if b.spacesim_baseline != baseline::VERSION {
        bail!(
            "{}: baseline format {} is not {}; rewrite it with --update-baseline",
            path.display(),
            b.spacesim_baseline,
            baseline::VERSION
        );
    }
    Ok(b)
}

/// Writes `bytes` to `path` atomically, creating its folder.
pub(super) fn write_file(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let out = OutputDir::create(dir).context("cannot write the output")?;
    out.write(&name.to_string_lossy(), bytes)
        .context("cannot write the output")?;
    Ok(())
}

/// The table (unless `quiet`) and the closing verdict line.
pub fn render(report: &CheckReport, quiet: bool) -> String {
    let mut rows: Vec<[String; 5]> = Vec::new();
    let mut notes: Vec<(usize, String)> = Vec::new();
    for s in &report.scenarios {
        for r in &s.results {
            let status = match r.status {
                Status::Pass => "pass",
                Status::Fail => "FAIL",
                Status::Error => "ERROR",
            };
            rows.push([
                s.name.clone(),
                r.assertion.clone(),
                r.observed.clone().unwrap_or_else(|| "-".to_string()),
                r.bound.clone(),
                status.to_string(),
            ]);
            if r.status != Status::Pass
                && let Some(m) = &r.message
            {
                notes.push((rows.len() - 1, m.clone()));
            }
        }
    }
    let mut out = String::new();
    if !quiet {
        let header = ["scenario", "assertion", "observed", "bound", "result"].map(String::from);
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String; 5]| {
            let mut l = String::new();
            for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
                if i == 4 {
                    l.push_str(cell);
                } else {
                    l.push_str(&format!("{cell:<w$}  "));
                }
            }
            l.trim_end().to_string() + "\n"
        };
        out.push_str(&line(&header));
        for (i, row) in rows.iter().enumerate() {
            out.push_str(&line(row));
            for (_, note) in notes.iter().filter(|(r, _)| *r == i) {
                out.push_str(&format!("    {note}\n"));
            }
        }
    }
    let (passed, failed, errors) = report.counts();
    out.push_str(&format!("check: {passed} passed, {failed} failed\n"));
    if errors > 0 {
        out.push_str(&format!("check: {errors} errors: invalid input (exit 2)\n"));
    }
    out
}
