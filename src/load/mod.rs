//! `spacesim load`: the scenario's traffic sent to a real HTTP service, measured like a
//! simulation, so the two can be compared.
//!
//! The flow: [`target`] checks the URL; [`schedule`] draws the open-loop schedule from the
//! same arrival generators and named random streams as the simulation; [`client`] sends one
//! request over hyper and classifies the outcome; [`drive`] runs the open loop (each request
//! at its due time, latency from the due time: no coordinated omission) or the closed loop
//! (virtual users); [`record`] adds the records up into a simulation-shaped result and the
//! per-second series; [`measure`] and [`write`] tie them together. [`calibrate`] measures
//! service times at low load and writes a `spacesim fit`-style fragment; [`compare`] puts two
//! run directories side by side.
//!
//! Bounds: a run never schedules more than `max_requests` requests (it refuses before sending
//! anything), never keeps more than `max_outstanding` waiting (later ones are dropped and
//! counted), and ends at most one timeout after its duration.

pub mod calibrate;
pub mod client;
pub mod compare;
pub mod drive;
pub mod record;
pub mod schedule;
pub mod target;

use std::sync::Arc;
use std::time::Duration;

use crate::engine::{NANOS_PER_MILLI, SimDuration};
use crate::metrics::SeriesSink;
use crate::report::measured::{Generator, Measured};
use crate::scenario::Scenario;
use client::Client;
use drive::{DriveOptions, GeneratorStats, Record};
use target::Target;

/// Default threshold above which a send is late: 10 ms behind its due time.
pub const DEFAULT_LATE_THRESHOLD: Duration = Duration::from_millis(10);
/// Default cap on outstanding requests.
pub const DEFAULT_MAX_OUTSTANDING: u64 = 10_000;
/// Default cap on the number of requests a run may schedule.
pub const DEFAULT_MAX_REQUESTS: u64 = 1_000_000;

/// Open or closed loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Each request at its scheduled time.
    Open,
    /// This many virtual users, each sending when its previous request is answered.
    Closed {
        /// Virtual users, 1 or more.
        users: u64,
    },
}

/// What `spacesim load` was asked to do.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// Where requests go.
    pub target: Target,
    /// The app whose traffic is sent; `None`: the only app with traffic.
    pub app: Option<String>,
    /// Open or closed loop.
    pub mode: Mode,
    /// How long to send; `None`: the scenario's `duration`.
    pub duration: Option<SimDuration>,
    /// Statistics leave out requests due before this; `None`: the scenario's `warmup` when it
    /// is shorter than the duration, else none.
    pub warmup: Option<SimDuration>,
    /// Per-request timeout; `None`: the scenario's router timeout.
    pub timeout: Option<SimDuration>,
    /// A send later than this behind its due time is late.
    pub late_threshold: Duration,
    /// Most requests waiting for an answer at once.
    pub max_outstanding: u64,
    /// Most requests a run may schedule.
    pub max_requests: u64,
}

/// Why a load run could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// No app has traffic.
    #[error("no app of the scenario has a traffic class; add an [[apps.traffic]] table")]
    NoTraffic,
    /// Several apps have traffic and `--app` was not given.
    #[error("several apps have traffic ({0}); choose one with --app NAME")]
    AmbiguousApp(String),
    /// `--app` names no app with traffic.
    #[error("--app {name:?}: no app of that name has traffic; apps with traffic: {apps}")]
    UnknownApp {
        /// The name given.
        name: String,
        /// The apps with traffic.
        apps: String,
    },
    /// An option's value is out of range.
    #[error("{0}")]
    Option(String),
    /// The target URL.
    #[error(transparent)]
    Target(#[from] target::TargetError),
    /// The schedule.
    #[error(transparent)]
    Schedule(#[from] schedule::ScheduleError),
    /// A class's request.
    #[error(transparent)]
    Prepare(#[from] client::PrepareError),
    /// The async runtime could not start.
    #[error("cannot start the HTTP runtime: {0}")]
    Runtime(std::io::Error),
}

/// A finished measured run.
pub struct Measurement {
    /// The scenario as measured: only the chosen app, with the duration and warm-up used.
    pub scenario: Scenario,
    /// Every request.
    pub records: Vec<Record>,
    /// The generator's record.
    pub generator: GeneratorStats,
    /// How it was run.
    pub mode: Mode,
    /// The target.
    pub target: Target,
    /// The per-request timeout used.
    pub timeout: SimDuration,
    /// The late threshold used.
    pub late_threshold: Duration,
    /// The outstanding cap used.
    pub max_outstanding: u64,
}

/// The index of the app to send: `name`, or the only app with traffic.
pub fn pick_app(scenario: &Scenario, name: Option<&str>) -> Result<usize, LoadError> {
    let with_traffic: Vec<usize> = (0..scenario.apps.len())
        .filter(|&i| !scenario.apps[i].traffic.is_empty())
        .collect();
    let names = || {
        with_traffic
            .iter()
            .map(|&i| scenario.apps[i].name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(n) => with_traffic
            .iter()
            .copied()
            .find(|&i| scenario.apps[i].name == n)
            .ok_or_else(|| LoadError::UnknownApp {
                name: n.to_string(),
                apps: names(),
            }),
        None => match with_traffic.as_slice() {
            [] => Err(LoadError::NoTraffic),
            [one] => Ok(*one),
            _ => Err(LoadError::AmbiguousApp(names())),
        },
    }
}

/// The scenario cut to app `app`, with the duration, warm-up and timeout `opts` ask for.
pub fn scoped(
    scenario: &Scenario,
    app: usize,
    opts: &LoadOptions,
) -> Result<(Scenario, SimDuration), LoadError> {
    let mut s = scenario.clone();
    s.apps = vec![scenario.apps[app].clone()];
    s.duration = opts.duration.unwrap_or(scenario.duration);
    if s.duration == SimDuration::ZERO {
        return Err(LoadError::Option("--duration must be more than 0s".into()));
    }
    s.warmup = match opts.warmup {
        Some(w) if w >= s.duration => {
            return Err(LoadError::Option(format!(
                "--warmup {w} is not shorter than the duration {}",
                s.duration
            )));
        }
        Some(w) => w,
        None if scenario.warmup < s.duration => scenario.warmup,
        None => SimDuration::ZERO,
    };
    let timeout = opts.timeout.unwrap_or(scenario.router.timeout);
    if timeout == SimDuration::ZERO {
        return Err(LoadError::Option("--timeout must be more than 0s".into()));
    }
    Ok((s, timeout))
}

/// Sends `scenario`'s traffic (one app) to the target and records every request.
pub fn measure(scenario: &Scenario, opts: &LoadOptions) -> Result<Measurement, LoadError> {
    let app_index = pick_app(scenario, opts.app.as_deref())?;
    let (scoped, timeout) = scoped(scenario, app_index, opts)?;
    let app = &scoped.apps[0];
    let addr = opts.target.resolve()?;
    let classes: Vec<_> = app
        .traffic
        .iter()
        .map(|t| (t.name.clone(), t.http.clone()))
        .collect();
    let timeout_std = Duration::from_nanos(timeout.as_nanos());
    let client = Arc::new(Client::new(&opts.target, addr, &classes, timeout_std)?);
    let runtime = runtime()?;
    let (records, generator) = match opts.mode {
        Mode::Open => {
            let due = schedule::open_loop(app, scoped.seed, scoped.duration, opts.max_requests)?;
            let drive = DriveOptions {
                late_threshold: opts.late_threshold,
                max_outstanding: opts.max_outstanding,
            };
            runtime.block_on(drive::open_loop(client, &due, &drive))
        }
        Mode::Closed { users } => {
            if users == 0 {
                return Err(LoadError::Option("--users must be 1 or more".into()));
            }
            let horizon = scoped.duration;
            let weights: Vec<f64> = app
                .traffic
                .iter()
                .map(|t| t.arrival.mean_rate(horizon).unwrap_or(1.0).max(0.0))
                .collect();
            let weights = if weights.iter().sum::<f64>() > 0.0 {
                weights
            } else {
                vec![1.0; weights.len()]
            };
            runtime.block_on(drive::closed_loop(
                client,
                users,
                Duration::from_nanos(scoped.duration.as_nanos()),
                opts.max_requests,
                &weights,
                scoped.seed,
            ))
        }
    };
    // Connection drivers left idle in the pool end here.
    runtime.shutdown_timeout(Duration::from_millis(100));
    Ok(Measurement {
        scenario: scoped,
        records,
        generator,
        mode: opts.mode,
        target: opts.target.clone(),
        timeout,
        late_threshold: opts.late_threshold,
        max_outstanding: opts.max_outstanding,
    })
}

/// A small multi-threaded runtime: two workers are plenty for a generator and keep a shared
/// machine usable.
pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, LoadError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(LoadError::Runtime)
}

/// Adds up `m` into the series (streamed to `sink`) and the summary's inputs: the run's
/// results and its `measured` block.
pub fn tally(
    m: &Measurement,
    sink: &mut dyn SeriesSink,
) -> std::io::Result<(crate::model::results::RunOutput, Measured)> {
    let s = &m.scenario;
    let t = record::tally(
        &s.apps[0],
        &m.records,
        s.duration,
        s.warmup,
        s.downtime_threshold,
        sink,
    )?;
    let mut output = t.output;
    output.peak_in_flight = m.generator.peak_outstanding;
    let g = &m.generator;
    let measured = Measured {
        mode: match m.mode {
            Mode::Open => "open".into(),
            Mode::Closed { .. } => "closed".into(),
        },
        target: m.target.url.clone(),
        users: match m.mode {
            Mode::Open => None,
            Mode::Closed { users } => Some(users),
        },
        timeout_ms: m.timeout.as_millis_f64(),
        http: t.http,
        transport: t.transport,
        generator: Generator {
            scheduled: g.scheduled,
            sent: g.sent,
            late: g.late,
            dropped: g.dropped,
            max_lag_ms: crate::metrics::latency::round_us(
                g.max_lag_ns as f64 / NANOS_PER_MILLI as f64,
            ),
            late_threshold_ms: m.late_threshold.as_secs_f64() * 1_000.0,
            max_outstanding: m.max_outstanding,
        },
    };
    Ok((output, measured))
}

/// Warnings about the generator, to print: never hidden when it fell behind.
pub fn generator_warnings(g: &Generator) -> Vec<String> {
    let mut w = Vec::new();
    if g.late > 0 {
        w.push(format!(
            "the load generator fell behind its schedule: {} of {} sends were more than {} ms \
             late (worst {} ms); latencies count from the scheduled time, so they include it, \
             but the server saw less load than scheduled",
            g.late, g.sent, g.late_threshold_ms, g.max_lag_ms
        ));
    }
    if g.dropped > 0 {
        w.push(format!(
            "{} of {} scheduled requests were dropped unsent: {} were already waiting for \
             answers (--max-outstanding); they count as failed",
            g.dropped, g.scheduled, g.max_outstanding
        ));
    }
    w
}
