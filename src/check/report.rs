//! What `spacesim check` found: one outcome per scenario, one result per assertion.
//!
//! Exporters (the printed table, JUnit XML, JSON) read these types; they decide nothing.

use std::path::PathBuf;

use serde::Serialize;

/// The whole check, scenarios in the order they were given (folders sorted by file name).
#[derive(Clone, Debug, Default, Serialize)]
pub struct CheckReport {
    /// One per scenario file.
    pub scenarios: Vec<ScenarioOutcome>,
}

/// One scenario file.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioOutcome {
    /// The file as given or found.
    pub file: PathBuf,
    /// The scenario's name (the file stem when it could not be read).
    pub name: String,
    /// Runs made (1, or `--replications`).
    pub replications: u32,
    /// Its assertions, baseline comparisons, or the single "runs cleanly" result.
    pub results: Vec<AssertionResult>,
}

/// Where a result comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An `[[expect]]` entry of the scenario.
    Expect,
    /// A comparison with the baseline file.
    Baseline,
    /// A scenario without assertions: it must load and run.
    Runs,
    /// A platform rule the scenario's space or formation breaks (a lint error).
    Lint,
}

/// The verdict on one result.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The bound holds.
    Pass,
    /// The bound does not hold (exit 1).
    Fail,
    /// The input is wrong: unreadable or invalid scenario, unknown metric (exit 2).
    Error,
}

/// One assertion (or baseline metric, or clean run) and its verdict.
#[derive(Clone, Debug, Serialize)]
pub struct AssertionResult {
    /// Source of the result.
    pub kind: Kind,
    /// The assertion as a person reads it: `latency_ms.p99 < 300ms`.
    pub assertion: String,
    /// The metric path, when there is one.
    pub metric: Option<String>,
    /// What was observed, with its unit (`212.4 ms`), or null when nothing could be.
    pub observed: Option<String>,
    /// The bound: `< 300 ms`, `<= 105% of 212.4 ms (baseline)`.
    pub bound: String,
    /// The verdict.
    pub status: Status,
    /// Why it failed or errored, in a sentence.
    pub message: Option<String>,
}

impl CheckReport {
    /// (passed, failed, errors) over every result.
    pub fn counts(&self) -> (usize, usize, usize) {
        let mut c = (0, 0, 0);
        for r in self.scenarios.iter().flat_map(|s| &s.results) {
            match r.status {
                Status::Pass => c.0 += 1,
                Status::Fail => c.1 += 1,
                Status::Error => c.2 += 1,
            }
        }
        c
    }

    /// 0 all pass; 1 an assertion failed; 2 invalid input (2 wins when both happen).
    pub fn exit_code(&self) -> u8 {
        match self.counts() {
            (_, _, e) if e > 0 => 2,
            (_, f, _) if f > 0 => 1,
            _ => 0,
        }
    }
}
