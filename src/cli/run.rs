//! `spacesim run`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;

use super::interrupt::{EXIT_INTERRUPTED, stop_flag};
use super::{RunArgs, overrides_with, print_stdout, refuse_violations};
use crate::model::{bounds, capacity};
use crate::report::{self, OutputDir};
use crate::scenario;

/// Runs one scenario and writes its results; returns the exit code.
pub fn run(args: &RunArgs) -> anyhow::Result<u8> {
    let mut scenario = scenario::load_with(
        &args.scenario,
        &overrides_with(&args.set, &args.limits.overrides())?,
    )?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    if refuse_violations(&args.scenario, &scenario, args.allow_violations) {
        return Ok(1);
    }
    for warning in capacity::warnings(&scenario) {
        eprintln!("warning: {warning}");
    }
    if let Some(sweep) = &scenario.sweep
        && !args.quiet
    {
        eprintln!(
            "note: this scenario has a [sweep] of {} runs; `spacesim run` runs it once as \
             written; run the grid with `spacesim sweep {}`",
            sweep.runs(),
            args.scenario.display()
        );
    }
    let dir = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_os_string());
        PathBuf::from("results").join(stem)
    });
    // Refused before anything is created; the engine would refuse it too.
    if let Some(message) = bounds::refusal(&scenario) {
        anyhow::bail!("{}: refused: {message}", args.scenario.display());
    }
    let out = OutputDir::create(&dir).context("cannot use the output directory")?;

    let started = Instant::now();
    // The command line wins over the scenario's `[report]`.
    let in_out = scenario
        .report
        .router_log
        .as_ref()
        .map(|name| dir.join(name));
    let router_log = args.router_log.as_deref().or(in_out.as_deref());
    let (output, series, log) =
        match report::run_with_outputs(&scenario, &out, router_log, Some(stop_flag())) {
            Ok(done) => done,
            Err(e) => {
                out.discard_if_empty();
                return Err(e)
                    .with_context(|| format!("{}: the run failed", args.scenario.display()));
            }
        };
    let wall = started.elapsed();
    series.commit()?;
    let log = log.map(|l| l.commit()).transpose()?;
    let summary = report::write_results(&scenario, &output, &out)?;
    if !args.no_plots && scenario.report.plots {
        // Pictures are drawn from the files just written; a picture that cannot be drawn is a
        // warning, never a lost run.
        if let Err(e) = report::plot::draw_run(out.path()) {
            eprintln!("warning: plots not drawn: {:#}", anyhow::Error::new(e));
        }
    }
    let interrupted = output
        .partial
        .is_some_and(|p| p.reason == crate::model::sim::StopReason::Interrupted);
    if let Some(p) = output.partial {
        eprintln!(
            "warning: the run stopped early ({}) after {} of simulated time; its results are \
             partial (summary.json: partial = true)",
            p.reason.name().replace('_', " "),
            p.simulated.whole_seconds()
        );
    }
    if !args.quiet {
        let mut text = report::print::render(&summary, wall);
        text.push_str(&format!("results in {}/\n", out.path().display()));
        if let Some(log) = log {
            text.push_str(&format!("router log in {}\n", log.display()));
        }
        print_stdout(&text)?;
    }
    Ok(if interrupted { EXIT_INTERRUPTED } else { 0 })
}
