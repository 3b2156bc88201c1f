//! Many runs of one scenario: replications, parameter sweeps, sharding and capacity search.
//!
//! A sweep ([`plan`]) expands a scenario's `[sweep]` into a run list; [`execute()`] runs a slice
//! of it in parallel, appending each finished run to the [`journal`]; [`tables`] turns the
//! journal into `runs.csv` and `points.csv`; [`merge()`] joins the journals of shards that ran
//! on other machines into the same files. [`capacity`] searches for the largest load (or the
//! smallest formation) that meets service-level objectives.

pub mod capacity;
pub mod execute;
pub mod journal;
pub mod merge;
pub mod plan;
pub mod replicate;
pub mod tables;

use std::io;
use std::path::{Path, PathBuf};

pub use execute::{Outcome, SweepOptions, execute};
pub use merge::merge;
pub use plan::{Manifest, Plan, Shard};
pub use replicate::{replicate, replication_seed, summary_of};

use crate::model::results::RunError;
use crate::report::output::OutputError;
use crate::scenario::ScenarioError;

/// Why a sweep or merge could not go on. Every variant is about the input or the environment
/// (exit code 2); finished runs stay in the journal whatever happens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SweepError {
    /// The scenario file is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The scenario has no `[sweep]`.
    #[error(
        "{}: the scenario has no [sweep] section; add one with a [sweep.grid] (see the README) \
         or run it once with `spacesim run`",
        .0.display()
    )]
    NoSweep(PathBuf),
    /// One grid point makes an invalid scenario.
    #[error("grid point {point} ({values}): {cause}")]
    Point {
        /// Point number.
        point: u64,
        /// Its values, `path=value, ...`.
        values: String,
        /// What is wrong (not a `source`: the message already says it).
        cause: Box<ScenarioError>,
    },
    /// A run failed while running.
    #[error("run {run} (grid point {values}, seed {seed}): {cause}")]
    Run {
        /// Run index.
        run: u64,
        /// Its point's values.
        values: String,
        /// Its seed.
        seed: u64,
        /// What failed (not a `source`: the message already says it).
        cause: RunError,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// A result file could not be written.
    #[error("cannot write {0}: {src}", src = .0.source)]
    Output(#[from] OutputError),
    /// A CSV table could not be written.
    #[error("writing the CSV tables: {0}")]
    Csv(String),
    /// A journal line is not what spacesim writes.
    #[error("{}:{line}: not a spacesim journal line: {message}", path.display())]
    Journal {
        /// The journal.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A resume or merge that would mix different sweeps, or miss runs.
    #[error("{0}")]
    Refused(String),
}

impl SweepError {
    fn io(path: &Path, source: io::Error) -> SweepError {
        SweepError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}
