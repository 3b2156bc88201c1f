//! Capacity search: the largest arrival rate (or the smallest dyno count) that meets SLOs.
//!
//! `spacesim capacity` varies one scenario value — by default the only traffic class's arrival
//! rate, or any rate with `--vary PATH`, or an integer such as a dyno count with `--minimize
//! PATH` — and runs *probes*: each probe is the scenario with that value overridden (after the
//! `--set` overrides), run for a number of replications.
//!
//! # Lifecycle
//! 1. [`Capacity::prepare`] reads the scenario once, applies `--set`, validates it, and finds
//!    the searched value and its start ([`Target`] → [`Axis`]). Bad paths, bad values and an
//!    invalid scenario are errors here, before anything runs.
//! 2. [`Capacity::run`] searches ([`search`]): bracket from the start, bisect on the point
//!    verdict, refine the confident bounds. After each probe it calls back with every probe so
//!    far, so the caller can write the probe table as it grows (a crash or Ctrl-C keeps it).
//! 3. The [`Report`] holds the probes and the [`Outcome`]; [`export`] turns it into
//!    `capacity.csv`, `capacity.json` and the printed table.
//!
//! # Verdicts and the interval
//! Each SLO is judged on its metric's values across the replications ([`slo`]). A probe
//! *meets* the SLOs when every SLO's mean meets its bound; it *confidently passes* when every
//! SLO's whole confidence interval does, and *confidently fails* when some SLO's whole interval
//! misses. The answer is the best probed value that meets (largest rate, smallest count); the
//! interval runs from the closest probe that confidently passes to the closest that
//! confidently fails. It is the range where the boundary may lie given the noise of the
//! replications at the stated confidence; it is not adjusted for the number of probes.
//!
//! # Determinism
//! Replication r of every probe runs on the same seed (common random numbers, from the
//! scenario's `seed`): differences between probes are then differences of the parameter, not
//! of the random streams, and the means move smoothly with the parameter. Replications of a
//! probe run in parallel on the current rayon pool; probes run one after another, each chosen
//! from the verdicts before it. So the probe sequence and every output byte are the same for
//! any number of threads.
//!
//! # Pitfalls
//! - The search assumes the SLOs get worse as the rate grows (or the count shrinks). Where they
//!   do not, bisection still ends, on some boundary.
//! - Only the base value is varied: `[[timeline]]` changes of the same rate keep their values.
//! - A probe's cost grows with its rate: bracketing upwards doubles it each step.
//! - Metrics that are `null` in a replication (nothing measured) count as a miss.

pub mod axis;
pub mod export;
pub mod search;
pub mod slo;
pub mod target;

use std::path::{Path, PathBuf};

use serde_json::Value;

pub use axis::{Axis, AxisKind};
pub use search::{Found, Outcome, Stage, Verdict};
pub use slo::{Confident, Slo, SloVerdict};
pub use target::Target;

use super::replicate::replicate;
use crate::model::results::RunError;
use crate::report::OutputError;
use crate::scenario::overrides::{self, Override};
use crate::scenario::{self, Scenario, ScenarioError};

/// Replications per probe when not told: enough for a Student t interval that is not very
/// wide (t = 2.78 at 95% with 4 degrees of freedom), few enough to probe often.
pub const DEFAULT_REPLICATIONS: u32 = 5;
/// Confidence level of the interval when not told.
pub const DEFAULT_CONFIDENCE: f64 = 0.95;
/// Relative width of the final rate bracket when not told (1%).
pub const DEFAULT_PRECISION: f64 = 0.01;
/// Most probes of one search when not told: bracketing takes up to 11, bisecting at 1%
/// precision about 7 more, leaving room to refine the interval.
pub const DEFAULT_MAX_PROBES: u32 = 40;
/// Largest value of an integer search when not told.
pub const DEFAULT_MAX_VALUE: u64 = 1000;

/// A capacity search problem.
#[derive(Clone, Debug)]
pub struct Options {
    /// What to vary.
    pub target: Target,
    /// The SLOs, at least one.
    pub slos: Vec<Slo>,
    /// Replications per probe, at least 2 (an interval needs two values).
    pub replications: u32,
    /// Confidence level of the intervals, strictly between 0 and 1.
    pub confidence: f64,
    /// Most probes, at least 1.
    pub max_probes: u32,
}

/// Why a search could not run or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CapacityError {
    /// The scenario cannot be read, or is invalid with a probe's value.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A search option is wrong (`--vary`, `--minimize`, `--replications`, ...).
    #[error("{0}")]
    Options(String),
    /// An SLO's metric is unknown or not a number.
    #[error("--slo \"{slo}\": {message}")]
    Metric {
        /// The SLO as written.
        slo: String,
        /// What is wrong.
        message: String,
    },
    /// A probe's run failed.
    #[error("the probe at {value} failed: {cause}")]
    Run {
        /// The probe's value, as set.
        value: String,
        /// Why (not a `source`: the message already says it).
        cause: RunError,
    },
    /// Results could not be written.
    #[error("cannot write the results: {0}")]
    Output(#[from] OutputError),
    /// The caller asked the search to stop (Ctrl-C), after the probe in progress.
    #[error("interrupted")]
    Interrupted,
}

/// One probe: a value, its replications' verdict on each SLO and overall.
#[derive(Clone, Debug, PartialEq)]
pub struct Probe {
    /// 1-based position in the search.
    pub index: u32,
    /// Which part of the search chose it.
    pub stage: Stage,
    /// The value probed (per second for a rate).
    pub value: f64,
    /// The value as set in the scenario: `"7.875/s"`, `"4"`.
    pub text: String,
    /// Each SLO's verdict, in the order of the SLOs.
    pub slos: Vec<SloVerdict>,
    /// Every SLO's mean meets its bound.
    pub meets: bool,
    /// The confident verdict over all SLOs.
    pub confident: Confident,
}

/// A finished search.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// Every probe, in the order run.
    pub probes: Vec<Probe>,
    /// Where the boundary is.
    pub outcome: Outcome,
}

/// A prepared search: the scenario text, its overrides and the axis.
pub struct Capacity {
    file: PathBuf,
    text: String,
    overrides: Vec<Override>,
    /// The scenario with the `--set` overrides, as validated before the search.
    pub base: Scenario,
    /// The searched value.
    pub axis: Axis,
    /// The problem.
    pub options: Options,
}

impl Capacity {
    /// Reads the scenario at `file`, applies `overrides` and finds the searched value.
    pub fn prepare(
        file: &Path,
        overrides: Vec<Override>,
        options: Options,
    ) -> Result<Capacity, CapacityError> {
        if options.slos.is_empty() {
            return Err(CapacityError::Options(
                "give at least one --slo, e.g. --slo \"latency_ms.p99<300ms\"".into(),
            ));
        }
        if options.replications < 2 {
            return Err(CapacityError::Options(format!(
                "--replications {}: a confidence interval needs at least 2 replications per probe",
                options.replications
            )));
        }
        if !(options.confidence > 0.0 && options.confidence < 1.0) {
            return Err(CapacityError::Options(format!(
                "--confidence {}: a confidence level is between 0 and 1, e.g. 0.95",
                options.confidence
            )));
        }
        if let Target::MaxRate { precision, .. } = options.target
            && !(precision > 0.0 && precision < 1.0)
        {
            return Err(CapacityError::Options(format!(
                "--precision {}: the relative width of the final bracket is between 0% and \
                 100%, e.g. 1%",
                precision * 100.0
            )));
        }
        if options.max_probes == 0 {
            return Err(CapacityError::Options(
                "--max-probes 0: a search needs at least one probe".into(),
            ));
        }
        let text = scenario::load::read_text(file)?;
        let base = scenario::load::parse_file_text(file, &text, &overrides)?;
        let name = file.display().to_string();
        let rendered = overrides::apply(&text, &name, &overrides)?;
        let doc: toml::Table = rendered.parse().map_err(|e: toml::de::Error| {
            CapacityError::Options(format!("{name}: {}", e.message()))
        })?;
        let axis = options.target.axis(&doc).map_err(CapacityError::Options)?;
        Ok(Capacity {
            file: file.to_path_buf(),
            text,
            overrides,
            base,
            axis,
            options,
        })
    }

    /// The overrides of a probe at `value`: the `--set` ones, then the searched value.
    pub fn probe_overrides(&self, value: f64) -> Vec<Override> {
        let text = self.axis.text(value);
        let mut all = self.overrides.clone();
        all.push(Override {
            path: self.axis.path.clone(),
            value: overrides::parse_value(&text),
            origin: format!("capacity probe {}={text}", self.axis.path),
        });
        all
    }

    /// Runs the replications of a probe at `value` and judges the SLOs.
    pub fn probe(&self, index: u32, stage: Stage, value: f64) -> Result<Probe, CapacityError> {
        let scenario =
            scenario::load::parse_file_text(&self.file, &self.text, &self.probe_overrides(value))?;
        let text = self.axis.text(value);
        let summaries = replicate(&scenario, self.options.replications).map_err(|cause| {
            CapacityError::Run {
                value: format!("{}={text}", self.axis.path),
                cause,
            }
        })?;
        let slos = self.judge(&summaries)?;
        Ok(Probe {
            index,
            stage,
            value,
            text,
            meets: slos.iter().all(|v| v.meets),
            confident: Confident::all(slos.iter().map(|v| v.confident)),
            slos,
        })
    }

    fn judge(&self, summaries: &[Value]) -> Result<Vec<SloVerdict>, CapacityError> {
        self.options
            .slos
            .iter()
            .map(|slo| {
                slo.judge(summaries, self.options.confidence)
                    .map_err(|message| CapacityError::Metric {
                        slo: slo.text.clone(),
                        message,
                    })
            })
            .collect()
    }

    /// Runs the search; `on_probe` gets every probe so far after each one, and may stop the
    /// search by returning an error (e.g. [`CapacityError::Interrupted`]).
    pub fn run(
        &self,
        mut on_probe: impl FnMut(&[Probe]) -> Result<(), CapacityError>,
    ) -> Result<Report, CapacityError> {
        let mut probes: Vec<Probe> = Vec::new();
        let outcome = search::search(&self.axis, self.options.max_probes, |value, stage| {
            let probe = self.probe(probes.len() as u32 + 1, stage, value)?;
            let verdict = Verdict {
                meets: probe.meets,
                confident: probe.confident,
            };
            probes.push(probe);
            on_probe(&probes)?;
            Ok::<_, CapacityError>(verdict)
        })?;
        Ok(Report { probes, outcome })
    }
}
