//! Turning a run into files: the summary, the time series and latency histograms.
//!
//! Exporters are small: each turns results into bytes; [`output::OutputDir`] decides where the
//! bytes go and writes them atomically.

pub mod hgrm;
pub mod measured;
pub mod operations;
pub mod output;
pub mod plot;
pub mod print;
pub mod router_log;
pub mod summary;
pub mod timeseries;

pub use output::{OutputDir, OutputError, StagedFile};
pub use summary::{Summary, summarize};

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::metrics::LatencyStats;
use crate::model::sim::{self, RunOutput};
use crate::scenario::Scenario;

/// Name of the time-series file.
pub const TIMESERIES_FILE: &str = "timeseries.csv";
/// Name of the summary file.
pub const SUMMARY_FILE: &str = "summary.json";

/// A failed run or export.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The simulation stopped.
    #[error(transparent)]
    Run(#[from] sim::RunError),
    /// A file could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// A finished time series waiting to be renamed into place.
pub struct PendingSeries(StagedFile);

impl PendingSeries {
    /// Renames the file into place.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        self.0.commit()
    }
}

/// A finished router log waiting to be renamed into place.
pub struct PendingLog(StagedFile);

impl PendingLog {
    /// Renames the file into place.
    pub fn commit(self) -> Result<PathBuf, OutputError> {
        self.0.commit()
    }
}

/// Runs `scenario`, streaming its time series into a staged `timeseries.csv` in `out`.
pub fn run_with_series(
    scenario: &Scenario,
    out: &OutputDir,
) -> Result<(RunOutput, PendingSeries), ReportError> {
    let (output, series, _) = run_with_outputs(scenario, out, None, None)?;
    Ok((output, series))
}

/// As [`run_with_series`], and, when `router_log` is given, writes the run's router log
/// ([`router_log`]) to a staged file at that path (created with its parent directories when
/// committed; the path is used as given, relative to the working directory). The run stops
/// early, with partial results, when `stop` is set.
pub fn run_with_outputs(
    scenario: &Scenario,
    out: &OutputDir,
    router_log: Option<&Path>,
    stop: Option<&AtomicBool>,
) -> Result<(RunOutput, PendingSeries, Option<PendingLog>), ReportError> {
    let staged = out.staged(TIMESERIES_FILE)?;
    // A time-series write that fails (a full disk) names the file it was for, not the staged
    // temporary, with the system's own words.
    let series_errors = |r: Result<RunOutput, sim::RunError>| {
        r.map_err(|e| match e {
            sim::RunError::Output(io) => ReportError::Output(OutputError {
                path: out.path().join(TIMESERIES_FILE),
                source: plain(io),
            }),
            other => other.into(),
        })
    };
    let mut csv = timeseries::CsvSeries::new(staged).map_err(|e| OutputError {
        path: out.path().join(TIMESERIES_FILE),
        source: e,
    })?;
    let (output, log) = match router_log {
        None => (
            series_errors(sim::run_controlled(scenario, &mut csv, None, stop))?,
            None,
        ),
        Some(path) => {
            let staged = stage_anywhere(path)?;
            let mut log = router_log::RouterLog::new(scenario, staged);
            let output = series_errors(sim::run_controlled(
                scenario,
                &mut csv,
                Some(&mut log),
                stop,
            ))?;
            let staged = log.finish().map_err(|source| OutputError {
                path: path.to_path_buf(),
                source,
            })?;
            (output, Some(PendingLog(staged)))
        }
    };
    let staged = csv.finish().map_err(|e| OutputError {
        path: out.path().join(TIMESERIES_FILE),
        source: plain(e),
    })?;
    Ok((output, PendingSeries(staged), log))
}

/// `e` as the system reported it, without the wrappers (the csv writer's, the staged
/// temporary's path) between it and the cause: the OS error when one is reachable, else the
/// innermost error kind.
fn plain(e: std::io::Error) -> std::io::Error {
    use std::error::Error;
    let mut kind = e.kind();
    let mut os = e.raw_os_error();
    let mut cause: Option<&(dyn Error + 'static)> = e.get_ref().map(|i| i as _);
    while let (None, Some(c)) = (os, cause) {
        if let Some(io) = c.downcast_ref::<std::io::Error>() {
            (kind, os) = (io.kind(), io.raw_os_error());
            cause = io.get_ref().map(|i| i as _);
        } else if let Some(csv::ErrorKind::Io(io)) =
            c.downcast_ref::<csv::Error>().map(|e| e.kind())
        {
            cause = Some(io);
        } else {
            cause = c.source();
        }
    }
    match os {
        Some(code) => std::io::Error::from_raw_os_error(code),
        None if kind != e.kind() => std::io::Error::from(kind),
        None => e,
    }
}

/// A staged file at `path`, anywhere (its directory is created if needed).
fn stage_anywhere(path: &Path) -> Result<StagedFile, OutputError> {
    let err = |source| OutputError {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| err(std::io::Error::other("not a file name")))?;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    OutputDir::create(dir)?.staged(name)
}

/// Writes `summary.json` and the latency histograms of a finished run; returns the summary.
pub fn write_results(
    scenario: &Scenario,
    output: &RunOutput,
    out: &OutputDir,
) -> Result<Summary, OutputError> {
    write_summary(scenario, output, summarize(scenario, output), out)
}

/// As [`write_results`] for a measured run (`spacesim load`): the summary carries `measured`.
pub fn write_measured_results(
    scenario: &Scenario,
    output: &RunOutput,
    measured: measured::Measured,
    out: &OutputDir,
) -> Result<Summary, OutputError> {
    let mut summary = summarize(scenario, output);
    summary.measured = Some(measured);
    write_summary(scenario, output, summary, out)
}

/// Writes `summary` and the latency histograms of `output`.
fn write_summary(
    scenario: &Scenario,
    output: &RunOutput,
    summary: Summary,
    out: &OutputDir,
) -> Result<Summary, OutputError> {
    out.write(SUMMARY_FILE, summary::to_json(&summary).as_bytes())?;
    let hists = summary::histograms(scenario, output);
    write_hgrm(out, "latency.hgrm", &hists.all)?;
    for (app, h) in &hists.apps {
        write_hgrm(out, &format!("latency.{app}.hgrm"), h)?;
    }
    for ((app, class), h) in &hists.classes {
        write_hgrm(out, &format!("latency.{app}.{class}.hgrm"), h)?;
    }
    Ok(summary)
}

/// Latencies are recorded in microseconds; the files are in milliseconds.
fn write_hgrm(out: &OutputDir, name: &str, stats: &LatencyStats) -> Result<(), OutputError> {
    let mut bytes = Vec::new();
    hgrm::write_percentile_distribution(&stats.day_histogram(), 1_000.0, &mut bytes)
        .expect("writing to memory cannot fail");
    out.write(name, &bytes)?;
    Ok(())
}
