//! `spacesim capacity`: the largest arrival rate, or the smallest dyno count, that meets SLOs.
//!
//! Parses the options into a [`Capacity`] search, runs it on a rayon pool of `--jobs` threads
//! (replications of a probe in parallel, probes in sequence), writes `capacity.csv` after every
//! probe and `capacity.json` at the end, and maps the outcome to the exit code: 0 an answer,
//! 1 no value meets the SLOs, 2 bad input (including SLOs that never bind on the searched
//! range, and a probe budget too small to bracket the boundary), 130 interrupted: the first
//! Ctrl-C stops the search after the probe in progress, keeping `capacity.csv`.

use std::path::PathBuf;
use std::sync::atomic::Ordering;

use anyhow::{Context, bail};

use super::interrupt::{EXIT_INTERRUPTED, stop_flag};
use super::print_stdout;
use crate::report::OutputDir;
use crate::sweep::capacity::{
    self, Capacity, CapacityError, Options, Outcome, Slo, Target, export,
};

/// Arguments of `spacesim capacity`.
#[derive(Debug, clap::Args)]
pub struct CapacityArgs {
    /// The scenario file (TOML).
    pub scenario: PathBuf,
    /// A service-level objective, as an assertion on one line: "latency_ms.p99<300ms",
    /// "error_rate<0.1%" (metric paths and units as in [[expect]]). Repeat for several.
    #[arg(long = "slo", value_name = "EXPR", required = true)]
    pub slos: Vec<String>,
    /// The rate to search for the largest that meets the SLOs [default: the arrival rate of
    /// the scenario's only traffic class with one].
    #[arg(long, value_name = "PATH", conflicts_with = "minimize")]
    pub vary: Option<String>,
    /// Search instead for the smallest integer at PATH that meets the SLOs, e.g.
    /// apps.api.processes.web.count.
    #[arg(long, value_name = "PATH")]
    pub minimize: Option<String>,
    /// With --minimize: the largest value probed [default: 1000].
    #[arg(long, value_name = "N", requires = "minimize")]
    pub max_value: Option<u64>,
    /// Runs per probe (at least 2); probes use the same seeds (common random numbers).
    #[arg(long, default_value_t = capacity::DEFAULT_REPLICATIONS)]
    pub replications: u32,
    /// Confidence level of each probe's intervals and of the answer's interval.
    #[arg(long, default_value_t = capacity::DEFAULT_CONFIDENCE)]
    pub confidence: f64,
    /// Rate searches: stop bisecting when the bracket is this narrow, relative to its top
    /// ("1%" or 0.01) [default: 1%].
    #[arg(long, value_name = "P", conflicts_with = "minimize")]
    pub precision: Option<String>,
    /// Most probes of the search.
    #[arg(long, value_name = "N", default_value_t = capacity::DEFAULT_MAX_PROBES)]
    pub max_probes: u32,
    /// Worker threads [default: one per core]; results do not depend on it.
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Override a scenario value before the search, e.g. --set apps.api.processes.web.count=6.
    /// Repeatable.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Search even when the space or formation breaks a platform rule (lint errors).
    #[arg(long)]
    pub allow_violations: bool,
    /// Refuse probe runs estimated above N events (`simulator.max_events`, default 1e9).
    #[arg(long, value_name = "N", value_parser = super::parse_count)]
    pub max_events: Option<u64>,
    /// Output directory [default: results/<scenario file stem>-capacity/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print only the answer.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the capacity search; returns the exit code.
pub fn run(args: &CapacityArgs) -> anyhow::Result<u8> {
    let slos = args
        .slos
        .iter()
        .map(|s| Slo::parse(s))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let max_events = super::max_events_override(args.max_events);
    let overrides = super::overrides_with(&args.set, &max_events)?;
    let target = match &args.minimize {
        Some(path) => Target::MinValue {
            path: path.clone(),
            max: args.max_value.unwrap_or(capacity::DEFAULT_MAX_VALUE),
        },
        None => Target::MaxRate {
            path: args.vary.clone(),
            precision: match &args.precision {
                Some(p) => parse_precision(p)?,
                None => capacity::DEFAULT_PRECISION,
            },
        },
    };
    let options = Options {
        target,
        slos,
        replications: args.replications,
        confidence: args.confidence,
        max_probes: args.max_probes,
    };
    // Errors name the file themselves (a scenario's) or the option at fault.
    let search = Capacity::prepare(&args.scenario, overrides, options)?;
    if super::refuse_violations(&args.scenario, &search.base, args.allow_violations) {
        return Ok(1);
    }

    let dir = args.out.clone().unwrap_or_else(|| {
        let stem = args
            .scenario
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy().into_owned());
        PathBuf::from("results").join(format!("{stem}-capacity"))
    });
    let out = OutputDir::create(&dir).context("cannot use the output directory")?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.jobs.unwrap_or(0))
        .build()
        .context("cannot start the worker threads")?;

    if !args.quiet {
        print_stdout(&(export::heading(&search) + &export::table_header(&search)))?;
    }
    let stop = stop_flag();
    let mut print_error = None;
    let result = pool.install(|| {
        search.run(|probes| {
            // Written after every probe, so an interrupted search keeps its table.
            out.write("capacity.csv", &export::csv(&search, probes))?;
            if !args.quiet && print_error.is_none() {
                let row = export::table_row(probes.last().expect("called after a probe"), &search);
                print_error = print_stdout(&row).err();
            }
            if stop.load(Ordering::SeqCst) {
                return Err(CapacityError::Interrupted);
            }
            Ok(())
        })
    });
    let report = match result {
        Ok(report) => report,
        Err(CapacityError::Interrupted) => {
            eprintln!(
                "interrupted: the probes finished are in {}",
                out.path().join("capacity.csv").display()
            );
            return Ok(EXIT_INTERRUPTED);
        }
        Err(e) => {
            out.discard_if_empty();
            return Err(e.into());
        }
    };
    if let Some(e) = print_error {
        return Err(e).context("cannot print the probe table");
    }
    out.write("capacity.csv", &export::csv(&search, &report.probes))?;
    out.write("capacity.json", &export::json(&search, &report))?;

    let mut text = export::verdict(&search, &report);
    if !args.quiet {
        text.push_str(&format!("results in {}/\n", out.path().display()));
    }
    match &report.outcome {
        Outcome::Found(_) => {
            print_stdout(&text)?;
            Ok(0)
        }
        Outcome::NoneMeets { .. } => {
            print_stdout(&text)?;
            Ok(1)
        }
        Outcome::AlwaysMeets { .. } => {
            print_stdout(&text)?;
            bail!(
                "the SLOs do not limit {path} between the scenario's rate and {} times it; check \
                 that they depend on the load, or start higher with --set {path}=RATE",
                2u32.pow(capacity::axis::RATE_OCTAVES as u32),
                path = search.axis.path
            )
        }
        Outcome::OutOfProbes { .. } => {
            print_stdout(&text)?;
            bail!(
                "raise --max-probes (now {}), or start nearer the boundary with --set {}=VALUE",
                args.max_probes,
                search.axis.path
            )
        }
    }
}

/// A relative precision: `"1%"` or `0.01`, more than 0 and less than 1.
fn parse_precision(text: &str) -> anyhow::Result<f64> {
    let t = text.trim();
    let value = match t.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => t.parse::<f64>(),
    };
    match value {
        Ok(v) if v > 0.0 && v < 1.0 => Ok(v),
        _ => bail!(
            "--precision {text}: write the relative width of the final bracket, more than 0% \
             and less than 100%, such as 1% or 0.01"
        ),
    }
}
