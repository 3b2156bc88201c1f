//! `spacesim check`: run scenarios, judge their `[[expect]]` assertions and compare them with a
//! baseline, for CI.
//!
//! Scenarios run in parallel (rayon), each on its own seeds, and outcomes are collected in input
//! order, so the report is the same whatever the thread count. A scenario without assertions
//! must simply load and run. Exporters: the printed table (in `cli`), [`junit`], [`json`].

pub mod baseline;
pub mod eval;
pub mod json;
pub mod junit;
pub mod report;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::Value;

use self::baseline::Baseline;
use self::report::{AssertionResult, CheckReport, Kind, ScenarioOutcome, Status};
use crate::scenario;
use crate::sweep;

/// A scenario's name and its baseline metrics by path.
pub type ScenarioMetrics = (String, BTreeMap<String, f64>);

/// How to check.
#[derive(Clone, Debug)]
pub struct CheckOptions {
    /// Runs per scenario (seeds derived from the scenario's seed).
    pub replications: u32,
    /// Baseline to compare with.
    pub baseline: Option<Baseline>,
    /// Default relative tolerance for baseline comparisons.
    pub tolerance: f64,
    /// Run scenarios that break platform rules instead of failing them (one failed result per
    /// lint error, and no run, without it).
    pub allow_violations: bool,
    /// Applied to every scenario as it loads (`--max-events`, `--budget`, ...).
    pub overrides: Vec<crate::scenario::Override>,
}

/// The scenario files under `paths` (files as given; folders: their `*.toml`, sorted, not
/// recursing), or a message naming a path that does not exist.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("{}: cannot list the folder: {e}", p.display()))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml") && f.is_file())
                .collect();
            found.sort();
            files.extend(found);
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            return Err(format!("{}: no such file or folder", p.display()));
        }
    }
    Ok(files)
}

pub use crate::sweep::replication_seed;

/// Runs and judges every file; outcomes in file order, plus each scenario's baseline metrics
/// (from its first replication) for `--update-baseline`.
pub fn check(
    files: &[PathBuf],
    opts: &CheckOptions,
) -> (CheckReport, BTreeMap<String, BTreeMap<String, f64>>) {
    let done: Vec<(ScenarioOutcome, Option<ScenarioMetrics>)> =
        files.par_iter().map(|f| check_one(f, opts)).collect();
    let mut metrics = BTreeMap::new();
    let mut report = CheckReport::default();
    for (outcome, m) in done {
        if let Some((name, m)) = m {
            metrics.insert(name, m);
        }
        report.scenarios.push(outcome);
    }
    (report, metrics)
}

fn error_result(assertion: &str, message: String) -> AssertionResult {
    AssertionResult {
        kind: Kind::Runs,
        assertion: assertion.to_string(),
        metric: None,
        observed: None,
        bound: "loads and runs".to_string(),
        status: Status::Error,
        message: Some(message),
    }
}

fn check_one(file: &Path, opts: &CheckOptions) -> (ScenarioOutcome, Option<ScenarioMetrics>) {
    let stem = file.file_stem().map_or_else(
        || file.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    );
    let mut outcome = ScenarioOutcome {
        file: file.to_path_buf(),
        name: stem,
        replications: opts.replications,
        results: Vec::new(),
    };
    let s = match scenario::load_with(file, &opts.overrides) {
        Ok(s) => s,
        Err(e) => {
            outcome
                .results
                .push(error_result("scenario is valid", e.to_string()));
            return (outcome, None);
        }
    };
    outcome.name = s.name.clone();
    if !opts.allow_violations {
        let file_name = file.display().to_string();
        let errors: Vec<AssertionResult> = crate::lint::findings(&s)
            .iter()
            .filter(|f| f.level == crate::scenario::space::Level::Error)
            .map(|f| AssertionResult {
                kind: Kind::Lint,
                assertion: format!("lint: {}", f.rule),
                metric: None,
                observed: None,
                bound: "no platform rule broken".to_string(),
                status: Status::Fail,
                message: Some(crate::lint::report::render_finding(&file_name, f)),
            })
            .collect();
        if !errors.is_empty() {
            // The platform would never have let this space exist: judging a run of it would
            // mislead (`spacesim run` refuses it too).
            outcome.results = errors;
            return (outcome, None);
        }
    }
    let summaries: Vec<Value> = match sweep::replicate(&s, opts.replications) {
        Ok(summaries) => summaries,
        Err(e) => {
            outcome.results.push(error_result(
                "scenario runs",
                format!("{}: {e}", file.display()),
            ));
            return (outcome, None);
        }
    };
    let partial = summaries.iter().filter(|s| s["partial"] == true).count();
    if partial > 0 {
        // Numbers of a run cut short are not the scenario's: the check cannot say yes.
        outcome.results.push(AssertionResult {
            kind: Kind::Runs,
            assertion: "runs to the end".to_string(),
            metric: None,
            observed: Some(format!(
                "{partial} of {} runs stopped early ({})",
                summaries.len(),
                summaries
                    .iter()
                    .find_map(|s| s["partial_reason"].as_str())
                    .unwrap_or("partial")
            )),
            bound: "the whole duration simulated".to_string(),
            status: Status::Fail,
            message: None,
        });
    }
    for e in &s.expect {
        outcome.results.push(eval::judge(e, &summaries));
    }
    let current = baseline::metrics(&summaries[0]);
    if let Some(b) = &opts.baseline
        && let Some(results) = b.compare(&s.name, &current, opts.tolerance)
    {
        outcome.results.extend(results);
    }
    if outcome.results.is_empty() {
        outcome.results.push(AssertionResult {
            kind: Kind::Runs,
            assertion: "runs cleanly (no assertions)".to_string(),
            metric: None,
            observed: Some(format!("{} requests", summaries[0]["requests"]["total"])),
            bound: "loads and runs".to_string(),
            status: Status::Pass,
            message: None,
        });
    }
    (outcome, Some((s.name.clone(), current)))
}
