//! Running a sweep (or one shard of it) on a rayon pool, journalling each run as it finishes.
//!
//! Every grid point's scenario is built before the first run, so a bad grid value fails at
//! once rather than hours in. Runs then go to a pool of `jobs` threads in any order; each
//! finished run is appended to the journal. When all are done the journal is rewritten in run
//! order and the tables are written, atomically. When `stop` is raised (Ctrl-C), runs not yet
//! started are skipped, runs in progress finish, and the journal holds every finished run for
//! `--resume`.

use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use super::SweepError;
use super::journal::{Header, Index, JOURNAL, Record, Writer, metrics_of};
use super::plan::{Plan, Shard};
use super::replicate::summary_of;
use super::tables::{self, POINTS, RUNS};
use crate::report::{self, OutputDir, ReportError};

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Output directory.
    pub out: PathBuf,
    /// Worker threads (None: one per core). Results do not depend on it.
    pub jobs: Option<usize>,
    /// Run only this slice of the run list.
    pub shard: Option<Shard>,
    /// Continue the journal in `out`, skipping finished runs.
    pub resume: bool,
    /// Also write each run's full results (summary, time series, histograms) under
    /// `out/runs/run-<index>/`.
    pub keep_runs: bool,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
}

/// How a sweep ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every run of the slice finished; the files written.
    Complete {
        /// Runs in this slice.
        runs: u64,
        /// Of which this invocation ran (the rest came from the journal).
        ran: u64,
        /// Files written.
        files: Vec<PathBuf>,
    },
    /// Stopped early; finished runs are in the journal.
    Interrupted {
        /// Runs finished so far (this invocation and earlier ones).
        done: u64,
        /// Runs in this slice.
        runs: u64,
    },
}

/// Runs `plan`'s slice as `opts` says; `stop` is polled between runs.
pub fn execute(plan: &Plan, opts: &SweepOptions, stop: &AtomicBool) -> Result<Outcome, SweepError> {
    let slice: Vec<u64> = (0..plan.runs())
        .filter(|&i| opts.shard.is_none_or(|s| s.holds(i)))
        .collect();

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .build()
        .map_err(|e| SweepError::Refused(format!("cannot start worker threads: {e}")))?;

    // Every point this slice touches must make a valid scenario of admissible size before
    // anything runs.
    let points: BTreeSet<u64> = slice.iter().map(|&i| plan.locate(i).0).collect();
    let points: Vec<u64> = points.into_iter().collect();
    pool.install(|| {
        points
            .par_iter()
            .map(|&p| {
                let s = plan.point_scenario(p)?;
                match crate::model::bounds::refusal(&s) {
                    Some(m) => Err(SweepError::Refused(format!(
                        "grid point {p} ({}): {m}",
                        plan.describe_point(p)
                    ))),
                    None => Ok(()),
                }
            })
            .collect::<Result<Vec<()>, SweepError>>()
    })?;

    let out = OutputDir::create(&opts.out)?;
    let mut manifest = plan.manifest.clone();
    manifest.shard = opts.shard;
    let header = Header {
        sweep_id: manifest.sweep_id.clone(),
        shard: opts.shard,
    };
    let journal_path = opts.out.join(JOURNAL);
    let (journal, finished) = if opts.resume {
        Writer::resume(&journal_path, &header)?
    } else {
        // Files of an earlier sweep in this directory would contradict the new journal.
        for stale in [RUNS, POINTS] {
            remove_if_present(&opts.out.join(stale))?;
        }
        (Writer::create(&journal_path, &header)?, BTreeSet::new())
    };
    tables::write_manifest(&out, &manifest)?;

    let todo: Vec<u64> = slice
        .iter()
        .copied()
        .filter(|i| !finished.contains(i))
        .collect();
    let bar = progress_bar(
        opts.progress,
        slice.len() as u64,
        (slice.len() - todo.len()) as u64,
    );

    pool.install(|| {
        todo.par_iter().try_for_each(|&i| {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let record = run_one(plan, i, opts.keep_runs.then_some(out.path()))?;
            journal.append(&record)?;
            bar.inc(1);
            Ok::<(), SweepError>(())
        })
    })?;
    bar.finish_and_clear();
    drop(journal);

    let mut index = Index::default();
    index.scan(&journal_path, 0)?;
    let done = slice.iter().filter(|i| index.runs.contains_key(i)).count() as u64;
    if done < slice.len() as u64 {
        return Ok(Outcome::Interrupted {
            done,
            runs: slice.len() as u64,
        });
    }
    let files = tables::write_all(&out, &manifest, &index)?;
    Ok(Outcome::Complete {
        runs: slice.len() as u64,
        ran: todo.len() as u64,
        files,
    })
}

/// Runs run `i`; with `keep`, also writes its full results under `keep/runs/run-<i>/`.
fn run_one(plan: &Plan, i: u64, keep: Option<&Path>) -> Result<Record, SweepError> {
    let (point, replication) = plan.locate(i);
    let mut scenario = plan.point_scenario(point)?;
    scenario.seed = plan.seed(i);
    let failed = |cause| SweepError::Run {
        run: i,
        values: plan.describe_point(point),
        seed: scenario.seed,
        cause,
    };
    let summary = match keep {
        None => summary_of(&scenario).map_err(failed)?,
        Some(dir) => {
            let out = OutputDir::create(&dir.join("runs").join(format!("run-{i:06}")))?;
            let (output, series) =
                report::run_with_series(&scenario, &out).map_err(|e| match e {
                    ReportError::Run(e) => failed(e),
                    ReportError::Output(e) => SweepError::Output(e),
                })?;
            series.commit()?;
            let summary = report::write_results(&scenario, &output, &out)?;
            serde_json::to_value(&summary).expect("summaries serialize")
        }
    };
    Ok(Record {
        run: i,
        point,
        replication,
        seed: scenario.seed,
        metrics: metrics_of(&summary),
    })
}

fn remove_if_present(path: &Path) -> Result<(), SweepError> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(SweepError::io(path, e)),
        _ => Ok(()),
    }
}

/// A bar with rate and ETA on a terminal; hidden otherwise.
fn progress_bar(wanted: bool, len: u64, done: u64) -> ProgressBar {
    if !wanted || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} runs  {per_sec}  elapsed {elapsed}  ETA {eta}",
        )
        .expect("the template is valid"),
    );
    bar.set_position(done);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}
