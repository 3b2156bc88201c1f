//! `spacesim fit`: read router logs, print (or write) a scenario fragment fitted to them.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::EXIT_INPUT;
use crate::fit::fragment::{FragmentOptions, render};
use crate::fit::{Collector, analyse, arrival};

/// Arguments of `spacesim fit`.
#[derive(Debug, clap::Args)]
pub struct FitArgs {
    /// Router log files: `heroku logs` output or syslog-drain captures (octet-counted RFC 5424);
    /// lines that are not router lines are skipped and counted.
    #[arg(required = true, value_name = "LOGFILE")]
    pub inputs: Vec<PathBuf>,
    /// Keep only the router lines of this app: `host=` equal to NAME or starting with `NAME.`,
    /// or a syslog HOSTNAME equal to NAME.
    #[arg(long, value_name = "NAME")]
    pub app: Option<String>,
    /// Write the fragment to this file (atomically) instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the estimated arrival times as a trace CSV for `process = "trace"` replay.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
}

/// Runs the command; returns the exit code.
pub fn run(args: &FitArgs) -> anyhow::Result<u8> {
    let mut collector = Collector::new(args.app.clone());
    for path in &args.inputs {
        if let Err(e) = read_log(path, &mut collector) {
            eprintln!("spacesim fit: {e:#}");
            return Ok(EXIT_INPUT);
        }
    }
    let Some(fit) = analyse(&collector) else {
        let other = if args.app.is_some() {
            format!(
                ", and {} router line(s) of other apps than --app {}",
                collector.other_apps,
                args.app.as_deref().unwrap_or_default()
            )
        } else {
            String::new()
        };
        eprintln!(
            "spacesim fit: no router lines found in {} ({} line(s) skipped as not router lines{other}); \
             expected `heroku logs` lines such as `2024-04-26T16:58:32+00:00 heroku[router]: at=info \
             method=GET ... service=18ms status=200` or syslog-drain frames from `heroku router`",
            list(&args.inputs),
            collector.skipped
        );
        return Ok(EXIT_INPUT);
    };
    let trace_ref = match &args.trace {
        Some(path) => {
            let mut bytes = Vec::new();
            arrival::write_trace(&fit.arrivals_ns, &mut bytes)?;
            if let Err(e) = write_atomically(path, &bytes) {
                eprintln!("spacesim fit: {e:#}");
                return Ok(EXIT_INPUT);
            }
            Some(trace_reference(path, args.out.as_deref()))
        }
        None => None,
    };
    let text = render(
        &fit,
        &FragmentOptions {
            sources: args
                .inputs
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            app: args.app.clone(),
            trace: trace_ref,
        },
    );
    match &args.out {
        Some(path) => {
            if let Err(e) = write_atomically(path, text.as_bytes()) {
                eprintln!("spacesim fit: {e:#}");
                return Ok(EXIT_INPUT);
            }
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => {}
                // A closed pipe (`| head`) is not an error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(0),
                Err(e) => return Err(e).context("cannot write to standard output"),
            }
        }
    }
    eprintln!(
        "spacesim fit: {} router line(s) used, {} skipped as not router lines{}",
        fit.requests,
        fit.skipped,
        if args.app.is_some() {
            format!(", {} of other apps", fit.other_apps)
        } else {
            String::new()
        }
    );
    Ok(0)
}

/// Feeds every line of `path` to `collector`; invalid UTF-8 is replaced, not fatal.
fn read_log(path: &Path, collector: &mut Collector) -> anyhow::Result<()> {
    let file = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = reader
            .read_until(b'\n', &mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            return Ok(());
        }
        collector.add_line(&String::from_utf8_lossy(&buf));
    }
}

/// How the fragment should name the trace file: relative to the fragment's folder when both are
/// in the same folder, else as given (relative to the current folder) or absolute.
fn trace_reference(trace: &Path, out: Option<&Path>) -> String {
    let Some(out) = out else {
        return trace.display().to_string();
    };
    let dir = |p: &Path| {
        let parent = p
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        parent.canonicalize().ok()
    };
    match (dir(trace), dir(out), trace.file_name()) {
        (Some(a), Some(b), Some(name)) if a == b => name.to_string_lossy().into_owned(),
        (Some(a), _, Some(name)) => a.join(name).display().to_string(),
        _ => trace.display().to_string(),
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed into place.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".spacesim-fit-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

fn list(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
