//! The command line: parse arguments, run the command, map the outcome to an exit code.
//!
//! Exit codes, everywhere: 0 the answer is yes (ran, passed, clean); 1 the answer is no (an
//! assertion failed, a rule is broken); 2 the input or environment is wrong (unreadable or
//! invalid file, unwritable output); 130 interrupted.

mod capacity;
mod check;
mod compare;
mod fit;
mod interrupt;
mod lint;
mod load;
mod plot;
mod run;
mod sweep;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code: the input or the environment is wrong.
pub const EXIT_INPUT: u8 = 2;

/// spacesim: simulate a Heroku-style Private Space before you touch production.
#[derive(Debug, Parser)]
#[command(name = "spacesim", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate one scenario; print a summary and write summary.json, timeseries.csv and
    /// latency histograms (.hgrm).
    Run(RunArgs),
    /// Run scenarios and judge their `[[expect]]` assertions (and a baseline), for CI.
    Check(CheckArgs),
    /// Check scenario files against the platform's rules without simulating: CIDR ranges,
    /// regions, trusted IPs, limits, allow-lists, add-ons, refused operations.
    Lint(LintArgs),
    /// Run every grid point × replication of a scenario's `[sweep]` in parallel; write runs.csv
    /// and points.csv.
    Sweep(SweepArgs),
    /// Join the shard directories of one sweep into the files an unsharded sweep writes.
    Merge(MergeArgs),
    /// Draw the plots of a run, sweep or capacity search from its CSVs.
    Plot(plot::PlotArgs),
    /// Fit a scenario fragment (arrivals, service times, errors) to real router logs.
    Fit(fit::FitArgs),
    /// Find the largest arrival rate (or the smallest dyno count) that meets SLOs.
    Capacity(capacity::CapacityArgs),
    /// Send a scenario's traffic to a real HTTP service (open loop, coordinated-omission-free,
    /// or closed loop) and write the same outputs as `run`; `--calibrate` measures service times.
    Load(load::LoadArgs),
    /// Put two run directories (simulated or measured) side by side, with the
    /// Kolmogorov–Smirnov distance between their latency distributions.
    Compare(compare::CompareArgs),
}

/// Arguments of `spacesim check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Scenario files and folders (their *.toml) [default: scenarios/].
    pub paths: Vec<PathBuf>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Runs per scenario; assertions judge the mean, or with `confidence` the confidence limit.
    #[arg(long, default_value_t = 1)]
    pub replications: u32,
    /// Write JUnit XML (one testcase per assertion) to this file.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Compare each scenario's metrics with this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Relative regression allowed against the baseline.
    #[arg(long, default_value = "5%")]
    pub tolerance: String,
    /// Rewrite the baseline file with this run's metrics.
    #[arg(long)]
    pub update_baseline: bool,
    /// Event limit, wall-clock budget and invariant checks of each run.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Run scenarios whose space or formation breaks a platform rule (lint errors) instead of
    /// failing them.
    #[arg(long)]
    pub allow_violations: bool,
    /// Print only the verdict.
    #[arg(long, short)]
    pub quiet: bool,
}

/// How far a run may go: the flags of the commands that simulate one scenario at a time.
#[derive(Debug, Default, clap::Args)]
pub struct LimitArgs {
    /// Refuse runs estimated above N events (`simulator.max_events`; default 1e9, enough for
    /// 24 hours at 2,000 requests/s); a run that reaches N anyway stops with partial results.
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_events: Option<u64>,
    /// Stop each run after this much wall-clock time (e.g. `90s`, `10m`) with partial results,
    /// marked `partial = true` in summary.json (`simulator.wall_budget`).
    #[arg(long, value_name = "DURATION", value_parser = parse_budget)]
    pub budget: Option<String>,
    /// Check the model's invariants (conservation, capacity, dyno states) every simulated
    /// second; a broken one stops the run with an error (`simulator.check_invariants`).
    #[arg(long)]
    pub check_invariants: bool,
}

impl LimitArgs {
    /// The flags as scenario overrides (`simulator.*`), after any `--set`.
    pub fn overrides(&self) -> Vec<String> {
        let mut out = max_events_override(self.max_events);
        if let Some(b) = &self.budget {
            out.push(format!("simulator.wall_budget={b}"));
        }
        if self.check_invariants {
            out.push("simulator.check_invariants=true".to_string());
        }
        out
    }
}

/// `--max-events N` as a scenario override.
fn max_events_override(n: Option<u64>) -> Vec<String> {
    n.map(|n| format!("simulator.max_events={n}"))
        .into_iter()
        .collect()
}

/// `--budget`: a duration of more than zero, kept as written (it becomes an override).
fn parse_budget(text: &str) -> Result<String, String> {
    match crate::scenario::units::parse_duration(text) {
        Ok(d) if d.as_nanos() > 0 => Ok(text.to_string()),
        Ok(_) => Err("the budget must be more than 0s".to_string()),
        Err(e) => Err(e),
    }
}

/// A count on the command line: `2000000000`, `2_000_000_000` or `2e9`.
fn parse_count(text: &str) -> Result<u64, String> {
    let plain = text.replace('_', "");
    if let Ok(n) = plain.parse::<u64>() {
        return Ok(n);
    }
    match plain.parse::<f64>() {
        Ok(f) if (1.0..1.8e19).contains(&f) && f.fract() == 0.0 => Ok(f as u64),
        _ => Err(format!(
            "\"{text}\" is not a count: write a whole number of at least 1, such as 2000000000 \
             or 2e9"
        )),
    }
}

/// Arguments of `spacesim lint`.
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Scenario files and folders (their *.toml) [default: scenarios/].
    pub paths: Vec<PathBuf>,
    /// Also write the findings as JSON to this file.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Print errors and the verdict only (no warnings).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `spacesim run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// Root random seed, replacing the scenario's `seed`.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (default: `results/<scenario file stem>/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario value: `--set apps.api.processes.web.count=6` (repeatable).
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Run even when the space or formation breaks a platform rule (lint errors); refused
    /// operations are simulated as refused either way.
    #[arg(long)]
    pub allow_violations: bool,
    /// Do not draw timeline.png and latency.png.
    #[arg(long)]
    pub no_plots: bool,
    /// Also write one line per request (and per dyno state change) in the platform's router
    /// log format to FILE.
    #[arg(long, value_name = "FILE")]
    pub router_log: Option<PathBuf>,
    /// Event limit, wall-clock budget and invariant checks.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Print nothing but warnings and errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `spacesim sweep`.
#[derive(Debug, clap::Args)]
pub struct SweepArgs {
    /// The scenario file, with a `[sweep]` section.
    pub scenario: PathBuf,
    /// Output directory (default: `results/<scenario file stem>-sweep/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only slice K of N (1 <= K <= N), or `auto/N` to take K from SLURM_ARRAY_TASK_ID
    /// (1-based) or JOB_COMPLETION_INDEX (0-based).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Continue an interrupted sweep from the journal in the output directory.
    #[arg(long)]
    pub resume: bool,
    /// Also write each run's summary, time series and histograms under `runs/run-<index>/`.
    #[arg(long)]
    pub keep_runs: bool,
    /// Override a scenario value before the grid applies (repeatable).
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Sweep even when the space or formation breaks a platform rule (lint errors).
    #[arg(long)]
    pub allow_violations: bool,
    /// Refuse runs estimated above N events (`simulator.max_events`, default 1e9).
    #[arg(long, value_name = "N", value_parser = parse_count)]
    pub max_events: Option<u64>,
    /// No progress bar or messages.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Arguments of `spacesim merge`.
#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// The shard directories (the --out of each `spacesim sweep --shard`).
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the merged sweep.
    #[arg(long, required = true)]
    pub out: PathBuf,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses the process's arguments, runs the command and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Check(args) => check::run(&args),
        Command::Lint(args) => lint::run(&args),
        Command::Capacity(args) => capacity::run(&args),
        Command::Sweep(args) => sweep::run(&args),
        Command::Merge(args) => sweep::merge(&args),
        Command::Plot(args) => plot::run(&args),
        Command::Fit(args) => fit::run(&args),
        Command::Load(args) => load::run(&args),
        Command::Compare(args) => compare::run(&args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(EXIT_INPUT)
        }
    }
}

/// Prints the scenario's lint findings to stderr; true when it breaks a platform rule (an error
/// finding) and `allow` is not set: the run must not start.
fn refuse_violations(
    path: &std::path::Path,
    scenario: &crate::scenario::Scenario,
    allow: bool,
) -> bool {
    let findings = crate::lint::findings(scenario);
    let file = path.display().to_string();
    for f in &findings {
        eprintln!("{}", crate::lint::report::render_finding(&file, f));
    }
    if crate::lint::has_errors(&findings) && !allow {
        eprintln!(
            "error: {file}: the space or formation breaks the platform rules above: the \
             platform would never have let it exist; fix the scenario, or pass \
             --allow-violations to simulate it anyway"
        );
        return true;
    }
    false
}

/// `--set` assignments followed by `extra` ones (from flags such as `--max-events`).
fn overrides_with(
    args: &[String],
    extra: &[String],
) -> anyhow::Result<Vec<crate::scenario::Override>> {
    args.iter()
        .chain(extra)
        .map(|a| crate::scenario::Override::parse_assignment(a).map_err(anyhow::Error::msg))
        .collect()
}

/// Writes `text` to stdout; a closed pipe (`spacesim run x | head`) is not an error.
fn print_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
