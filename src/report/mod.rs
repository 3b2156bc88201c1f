//! Turning a run into files: the summary, the time series and latency histograms.
//!
//! Exporters are small: each turns results into bytes; [`output::OutputDir`] decides where the
//! bytes go and writes them atomically.

pub mod hgrm;
pub mod operations;
pub mod output;
pub mod print;
pub mod summary;
pub mod timeseries;

pub use output::{OutputDir, OutputError, StagedFile};
pub use summary::{Summary, summarize};

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
    pub fn commit(self) -> Result<std::path::PathBuf, OutputError> {
        self.0.commit()
    }
}

/// Runs `scenario`, streaming its time series into a staged `timeseries.csv` in `out`.
pub fn run_with_series(
    scenario: &Scenario,
    out: &OutputDir,
) -> Result<(RunOutput, PendingSeries), ReportError> {
    let staged = out.staged(TIMESERIES_FILE)?;
    let mut csv = timeseries::CsvSeries::new(staged).map_err(|e| OutputError {
        path: out.path().join(TIMESERIES_FILE),
        source: e,
    })?;
    let output = sim::run(scenario, &mut csv)?;
    let staged = csv.finish().map_err(|e| OutputError {
        path: out.path().join(TIMESERIES_FILE),
        source: e,
    })?;
    Ok((output, PendingSeries(staged)))
}

/// Writes `summary.json` and the latency histograms of a finished run; returns the summary.
pub fn write_results(
    scenario: &Scenario,
    output: &RunOutput,
    out: &OutputDir,
) -> Result<Summary, OutputError> {
    let summary = summarize(scenario, output);
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
    hgrm::write_percentile_distribution(stats.histogram(), 1_000.0, &mut bytes)
        .expect("writing to memory cannot fail");
    out.write(name, &bytes)?;
    Ok(())
}
