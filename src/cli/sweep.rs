//! `spacesim sweep` and `spacesim merge`.

use std::path::PathBuf;
use std::time::Instant;

use super::interrupt::{EXIT_INTERRUPTED, stop_flag};
use super::{MergeArgs, SweepArgs, overrides_with, print_stdout, refuse_violations};
use crate::sweep::{self, Outcome, Plan, Shard, SweepOptions};

/// Runs a sweep (or one shard of it); returns the exit code.
pub fn run(args: &SweepArgs) -> anyhow::Result<u8> {
    let shard = args
        .shard
        .as_deref()
        .map(|s| Shard::parse(s, |k| std::env::var(k).ok()))
        .transpose()
        .map_err(anyhow::Error::msg)?;
    let max_events = super::max_events_override(args.max_events);
    let plan = Plan::load(&args.scenario, overrides_with(&args.set, &max_events)?)?;
    if refuse_violations(&args.scenario, &plan.base, args.allow_violations) {
        return Ok(1);
    }
    let out = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("results").join(format!("{stem}-sweep"))
    });
    let opts = SweepOptions {
        out: out.clone(),
        jobs: args.jobs,
        shard,
        resume: args.resume,
        keep_runs: args.keep_runs,
        progress: !args.quiet,
    };
    let m = &plan.manifest;
    let slice = shard.map_or_else(String::new, |s| format!(", shard {s}"));
    if !args.quiet {
        eprintln!(
            "sweep {}: {} grid point(s) × {} replication(s) = {} runs{slice}",
            m.scenario,
            m.points.len(),
            m.replications,
            m.runs
        );
    }
    let started = Instant::now();
    match sweep::execute(&plan, &opts, stop_flag())? {
        Outcome::Complete { runs, ran, files } => {
            if !args.quiet {
                let mut text = format!(
                    "{runs} runs ({ran} run now, {} from the journal) in {:.1} s\n",
                    runs - ran,
                    started.elapsed().as_secs_f64()
                );
                for f in files {
                    text.push_str(&format!("wrote {}\n", f.display()));
                }
                print_stdout(&text)?;
            }
            Ok(0)
        }
        Outcome::Interrupted { done, runs } => {
            eprintln!(
                "interrupted: {done} of {runs} runs finished and are kept in {}/journal.jsonl; \
                 continue with the same command and --resume",
                out.display()
            );
            Ok(EXIT_INTERRUPTED)
        }
    }
}

/// Merges shard directories; returns the exit code.
pub fn merge(args: &MergeArgs) -> anyhow::Result<u8> {
    let files = sweep::merge(&args.dirs, &args.out)?;
    if !args.quiet {
        let text: String = files
            .iter()
            .map(|f| format!("wrote {}\n", f.display()))
            .collect();
        print_stdout(&text)?;
    }
    Ok(0)
}
