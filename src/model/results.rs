//! What a run measured: counts, latency statistics and results per traffic class, job kind,
//! app and operation, and why a run may stop early.

use crate::metrics::LatencyStats;
use crate::metrics::operations::OpResult;
use crate::metrics::series::CODES;
use crate::model::zero_downtime::Prediction;

/// Why a run stopped before its end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// A traffic source failed while running (e.g. a trace file became unreadable).
    #[error("traffic class {class}: {message}")]
    Traffic {
        /// `app/class`.
        class: String,
        /// What went wrong.
        message: String,
    },
    /// The time series could not be written.
    #[error("writing the time series: {0}")]
    Output(#[from] std::io::Error),
    /// The scenario asks for more work than `simulator.max_events` allows; nothing ran.
    #[error("{0}")]
    TooBig(String),
    /// An invariant of the model broke: a bug in spacesim, never in the scenario.
    #[error(
        "invariant broken at {at_s:.3} s of simulated time: {message} (this is a bug in \
         spacesim; please report it with the scenario and seed)"
    )]
    Invariant {
        /// Simulated seconds from the start.
        at_s: f64,
        /// Which invariant, with the numbers.
        message: String,
    },
}

/// Why a run stopped before the end of its scenario's duration.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// It used its `simulator.wall_budget`.
    WallBudget,
    /// It processed `simulator.max_events` events.
    MaxEvents,
    /// It was interrupted (Ctrl-C).
    Interrupted,
}

impl StopReason {
    /// The name the summary writes.
    pub fn name(self) -> &'static str {
        match self {
            StopReason::WallBudget => "wall_budget",
            StopReason::MaxEvents => "max_events",
            StopReason::Interrupted => "interrupted",
        }
    }
}

/// A run that stopped early: its results cover `[0, simulated]` only.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Partial {
    /// Why it stopped.
    pub reason: StopReason,
    /// Simulated time covered.
    pub simulated: crate::engine::SimDuration,
}

/// Request counts of one traffic class. Counts cover requests that arrived after the warm-up;
/// `warmup` counts the others. `total = ok + failed + blocked + in_flight`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Arrivals after the warm-up, client retries included.
    pub total: u64,
    /// Answered successfully.
    pub ok: u64,
    /// Failed, by code, in [`crate::model::codes::ErrorCode::ALL`] order.
    pub failed_by_code: [u64; CODES],
    /// Failed without a router code: a measured run's (`spacesim load`) HTTP error statuses
    /// and transport errors. Always 0 in a simulation.
    pub failed_other: u64,
    /// Refused before reaching a dyno.
    pub blocked: u64,
    /// Unanswered when the run ended.
    pub in_flight: u64,
    /// Arrivals during the warm-up (simulated, not counted above).
    pub warmup: u64,
    /// Of `total`, the arrivals that were client retries.
    pub retries: u64,
}

impl Counts {
    /// Failed requests, all codes.
    pub fn failed(&self) -> u64 {
        self.failed_by_code.iter().sum::<u64>() + self.failed_other
    }

    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Counts) {
        self.total += other.total;
        self.ok += other.ok;
        for (a, b) in self.failed_by_code.iter_mut().zip(other.failed_by_code) {
            *a += b;
        }
        self.failed_other += other.failed_other;
        self.blocked += other.blocked;
        self.in_flight += other.in_flight;
        self.warmup += other.warmup;
        self.retries += other.retries;
    }
}

/// What one traffic class saw.
#[derive(Clone, Debug)]
pub struct ClassResult {
    /// Index of its app.
    pub app: usize,
    /// Class name.
    pub name: String,
    /// Request counts.
    pub counts: Counts,
    /// Response time (arrival to answer) of successful requests.
    pub latency: LatencyStats,
    /// Time successful requests waited in a dyno's backlog before service.
    pub queue: LatencyStats,
    /// Seconds counted as downtime for this class.
    pub downtime_s: u64,
}

/// What one job kind saw. `enqueued = done + waiting + running`.
#[derive(Clone, Debug)]
pub struct JobResult {
    /// Index of its app.
    pub app: usize,
    /// Job kind.
    pub name: String,
    /// Jobs enqueued (by requests and by their own arrivals).
    pub enqueued: u64,
    /// Jobs finished.
    pub done: u64,
    /// Jobs still waiting in the queue at the end.
    pub waiting: u64,
    /// Jobs being worked at the end.
    pub running: u64,
    /// Times a job was interrupted (SIGTERM, crash) and put back in the queue.
    pub requeued: u64,
    /// Enqueue to finish.
    pub latency: LatencyStats,
}

/// What one app saw (its classes are in [`RunOutput::classes`]).
#[derive(Clone, Debug)]
pub struct AppResult {
    /// App name.
    pub name: String,
    /// Seconds counted as downtime for the app.
    pub downtime_s: u64,
    /// Dynos the autoscaler added and removed.
    pub autoscale_up: u64,
    /// Dynos the autoscaler removed.
    pub autoscale_down: u64,
    /// Dynos the autoscaler wanted to add but a limit refused.
    pub autoscale_refused: u64,
}

/// What happened to the space itself.
#[derive(Clone, Debug, PartialEq)]
pub struct SpaceResult {
    /// When the space was allocated, seconds from the start: 0 when it existed before the run;
    /// None when it was still allocating at the end.
    pub allocated_s: Option<f64>,
    /// When it was destroyed, if it was.
    pub destroyed_s: Option<f64>,
    /// Apps that existed at the end.
    pub apps: u64,
    /// One-off dynos started (`run` operations accepted).
    pub one_off_dynos: u64,
    /// Timeline operations the platform refused.
    pub operations_refused: u64,
}

/// Everything a run measured.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Per traffic class, apps in file order, classes in file order.
    pub classes: Vec<ClassResult>,
    /// Per app, in file order.
    pub apps: Vec<AppResult>,
    /// Per job kind, apps in file order, jobs in file order.
    pub jobs: Vec<JobResult>,
    /// The space.
    pub space: SpaceResult,
    /// Seconds counted as downtime over all apps.
    pub downtime_s: u64,
    /// Events processed.
    pub events: u64,
    /// Most requests held at once (answered or not).
    pub peak_in_flight: u64,
    /// Per timeline operation, in timeline order.
    pub operations: Vec<OpResult>,
    /// The zero-downtime checker's predictions.
    pub predictions: Vec<Prediction>,
    /// Seconds each dyno type was alive (provisioning to down; one-off dynos from creation to
    /// the end of their command), sorted by type name.
    pub dyno_seconds: Vec<(String, f64)>,
    /// Set when the run stopped before the end of its duration: its results are partial.
    pub partial: Option<Partial>,
}
