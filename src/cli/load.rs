//! `spacesim load`: send a scenario's traffic to a real HTTP service and write the same
//! outputs as `spacesim run`; with `--calibrate`, measure service times and write a fragment.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;

use super::{overrides_with, print_stdout};
use crate::engine::SimDuration;
use crate::load::calibrate::{self, CalibrateOptions};
use crate::load::target::Target;
use crate::load::{self, LoadOptions, Mode};
use crate::report::timeseries::CsvSeries;
use crate::report::{self, OutputDir, TIMESERIES_FILE};
use crate::scenario::{self, units};

/// Name of the calibration fragment in the output directory.
pub const CALIBRATION_FILE: &str = "calibration.toml";

/// Arguments of `spacesim load`.
#[derive(Debug, clap::Args)]
pub struct LoadArgs {
    /// The scenario file (TOML); its traffic classes say what to send and when.
    pub scenario: PathBuf,
    /// The service's URL: http://host[:port][/base] (plain HTTP/1.1; each class's `path` is
    /// appended to the base).
    #[arg(long, value_name = "URL")]
    pub target: String,
    /// The app whose traffic to send [default: the only app with traffic].
    #[arg(long, value_name = "NAME")]
    pub app: Option<String>,
    /// Output directory (default: `results/<scenario file stem>-load/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override a scenario value (repeatable), as in `spacesim run`.
    #[arg(long, value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Root random seed, replacing the scenario's `seed` (it draws the schedule).
    #[arg(long)]
    pub seed: Option<u64>,
    /// How long to send, replacing the scenario's `duration` (e.g. "30s").
    #[arg(long, value_name = "DURATION")]
    pub duration: Option<String>,
    /// Leave requests due before this out of statistics [default: the scenario's `warmup` when
    /// shorter than the duration, else 0s].
    #[arg(long, value_name = "DURATION")]
    pub warmup: Option<String>,
    /// Closed loop: N virtual users, each sending when its previous request is answered
    /// (instead of the open-loop schedule).
    #[arg(long, value_name = "N")]
    pub users: Option<u64>,
    /// Per-request timeout, from the send to the last byte [default: the scenario's router
    /// timeout].
    #[arg(long, value_name = "DURATION")]
    pub timeout: Option<String>,
    /// A send later than this behind its scheduled time counts as late.
    #[arg(long, value_name = "DURATION", default_value = "10ms")]
    pub late_threshold: String,
    /// Most requests waiting for an answer at once; a request due beyond it is dropped (and
    /// counted).
    #[arg(long, value_name = "N", default_value_t = load::DEFAULT_MAX_OUTSTANDING)]
    pub max_outstanding: u64,
    /// Most requests a run may schedule; a longer schedule is refused before sending.
    #[arg(long, value_name = "N", default_value_t = load::DEFAULT_MAX_REQUESTS)]
    pub max_requests: u64,
    /// Measure each class's service time at low load and write a scenario fragment
    /// (calibration.toml) instead of a load run.
    #[arg(long)]
    pub calibrate: bool,
    /// Requests per class when calibrating.
    #[arg(long, value_name = "N", default_value_t = calibrate::DEFAULT_REQUESTS)]
    pub calibrate_requests: u64,
    /// Pace of calibration requests, one at a time (e.g. "10/s").
    #[arg(long, value_name = "RATE", default_value = "10/s")]
    pub calibrate_rate: String,
    /// Do not draw timeline.png and latency.png.
    #[arg(long)]
    pub no_plots: bool,
    /// Print nothing but warnings and errors.
    #[arg(long, short)]
    pub quiet: bool,
}

fn duration(flag: &str, text: &str) -> anyhow::Result<SimDuration> {
    units::parse_duration(text).map_err(|e| anyhow::anyhow!("--{flag} {text:?}: {e}"))
}

/// Runs the command; returns the exit code.
pub fn run(args: &LoadArgs) -> anyhow::Result<u8> {
    let target = Target::parse(&args.target)?;
    let mut scenario = scenario::load_with(&args.scenario, &overrides_with(&args.set, &[])?)?;
    if let Some(seed) = args.seed {
        scenario.seed = seed;
    }
    let opt = |flag, v: &Option<String>| v.as_deref().map(|t| duration(flag, t)).transpose();
    let late = duration("late-threshold", &args.late_threshold)?;
    let opts = LoadOptions {
        target,
        app: args.app.clone(),
        mode: args
            .users
            .map_or(Mode::Open, |users| Mode::Closed { users }),
        duration: opt("duration", &args.duration)?,
        warmup: opt("warmup", &args.warmup)?,
        timeout: opt("timeout", &args.timeout)?,
        late_threshold: Duration::from_nanos(late.as_nanos()),
        max_outstanding: args.max_outstanding.max(1),
        max_requests: args.max_requests,
    };
    let dir = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("results").join(format!("{stem}-load"))
    });
    let out = OutputDir::create(&dir).context("cannot use the output directory")?;
    if args.calibrate {
        return run_calibrate(args, &scenario, &opts, out);
    }
    let (scoped, _) = load::scoped(
        &scenario,
        load::pick_app(&scenario, args.app.as_deref())?,
        &opts,
    )?;
    if opts.warmup.is_none() && scoped.warmup != scenario.warmup && !args.quiet {
        eprintln!(
            "note: the scenario's warm-up ({}) is not shorter than the duration ({}); no \
             warm-up is left out (set one with --warmup)",
            scenario.warmup, scoped.duration
        );
    }
    let started = Instant::now();
    let measurement = match load::measure(&scenario, &opts) {
        Ok(m) => m,
        Err(e) => {
            out.discard_if_empty();
            return Err(e)
                .with_context(|| format!("{}: the load run failed", args.scenario.display()));
        }
    };
    let wall = started.elapsed();
    let staged = out.staged(TIMESERIES_FILE)?;
    let mut csv = CsvSeries::new(staged)
        .with_context(|| format!("writing {}", dir.join(TIMESERIES_FILE).display()))?;
    let (output, measured) = load::tally(&measurement, &mut csv)
        .with_context(|| format!("writing {}", dir.join(TIMESERIES_FILE).display()))?;
    let staged = csv
        .finish()
        .with_context(|| format!("writing {}", dir.join(TIMESERIES_FILE).display()))?;
    staged.commit()?;
    let warnings = load::generator_warnings(&measured.generator);
    let summary = report::write_measured_results(&measurement.scenario, &output, measured, &out)?;
    // A picture that cannot be drawn is a warning: the data files are written.
    if !args.no_plots
        && scenario.report.plots
        && let Err(e) = report::plot::draw_run(out.path())
    {
        eprintln!("warning: plots not drawn: {:#}", anyhow::Error::new(e));
    }
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    if !args.quiet {
        let mut text = report::print::render(&summary, wall);
        text.push_str(&format!("results in {}/\n", out.path().display()));
        print_stdout(&text)?;
    }
    Ok(0)
}

fn run_calibrate(
    args: &LoadArgs,
    scenario: &scenario::Scenario,
    opts: &LoadOptions,
    out: OutputDir,
) -> anyhow::Result<u8> {
    let rate = units::parse_rate(&args.calibrate_rate)
        .map_err(|e| anyhow::anyhow!("--calibrate-rate {:?}: {e}", args.calibrate_rate))?;
    let copts = CalibrateOptions {
        requests: args.calibrate_requests,
        rate_per_s: rate.as_per_sec(),
    };
    let cal = match calibrate::calibrate(scenario, opts, &copts) {
        Ok(c) => c,
        Err(e) => {
            out.discard_if_empty();
            return Err(e)
                .with_context(|| format!("{}: calibration failed", args.scenario.display()));
        }
    };
    let path = out.write(CALIBRATION_FILE, cal.fragment.as_bytes())?;
    if !args.quiet {
        print_stdout(&format!(
            "{}# written to {}\n",
            cal.fragment,
            path.display()
        ))?;
    }
    Ok(0)
}
