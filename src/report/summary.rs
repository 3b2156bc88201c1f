//! `summary.json`: the run's contract with everything downstream.
//!
//! The same metric paths are used by `--set`, assertions, sweeps and baselines:
//! `requests.ok`, `errors.H12`, `latency_ms.p99`, `apps.<app>.latency_ms.p99`,
//! `apps.<app>.traffic.<class>.errors.H21`, ... Every error code the model can emit is always
//! present (zero when it did not occur). Maps are sorted by key, so the file's bytes depend only
//! on the scenario and the seed: nothing that varies between identical runs (wall time, events
//! per second) goes in it.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::{LatencyStats, LatencySummary};
use crate::model::codes::ErrorCode;
use crate::model::sim::{Counts, RunOutput};
use crate::scenario::Scenario;

/// The whole summary.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Scenario name.
    pub scenario: String,
    /// Where the numbers come from.
    pub provenance: Provenance,
    /// Simulated seconds the results cover (less than the scenario's duration when partial).
    pub duration_s: f64,
    /// The run stopped before the end of its duration (wall-clock budget, event limit or
    /// interrupt): every number covers `duration_s` only.
    pub partial: bool,
    /// Why a partial run stopped: `wall_budget`, `max_events` or `interrupted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partial_reason: Option<&'static str>,
    /// The scenario's duration, when the run is partial.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_duration_s: Option<f64>,
    /// Seconds of warm-up left out of statistics.
    pub warmup_s: f64,
    /// Metrics over every app.
    #[serde(flatten)]
    pub stats: Stats,
    /// Events the engine processed (timeouts of requests already answered are cancelled timers,
    /// not events).
    pub events: u64,
    /// Most requests held at once, including those a dyno still serves after an H12.
    pub peak_in_flight: u64,
    /// Per app, by name.
    pub apps: BTreeMap<String, AppSummary>,
    /// The space itself.
    pub space: SpaceSummary,
    /// `operations.<name>`, `zero_downtime`, `dyno_hours` and `cost`.
    #[serde(flatten)]
    pub operations: super::operations::OperationSections,
    /// Only in a measured run (`spacesim load`): HTTP statuses, transport errors, generator lag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub measured: Option<super::measured::Measured>,
}

/// Provenance of a summary.
#[derive(Clone, Debug, Serialize)]
pub struct Provenance {
    /// spacesim version that produced it.
    pub spacesim_version: String,
    /// SHA-256 of the scenario file.
    pub scenario_sha256: String,
    /// Root seed used.
    pub seed: u64,
    /// Command-line overrides, as `path=value`, in order.
    pub overrides: Vec<String>,
}

/// Metrics of a set of requests (everything, one app or one traffic class).
#[derive(Clone, Debug, Serialize)]
pub struct Stats {
    /// Request counts.
    pub requests: RequestCounts,
    /// Failed requests by code; every code always present.
    pub errors: BTreeMap<&'static str, u64>,
    /// failed / (ok + failed); null when nothing ended.
    pub error_rate: Option<f64>,
    /// ok / (ok + failed); null when nothing ended.
    pub availability: Option<f64>,
    /// Response time of successful requests (arrival at the router to the answer).
    pub latency_ms: LatencySummary,
    /// Time successful requests waited in a dyno's backlog before service.
    pub queue_ms: LatencySummary,
    /// Seconds in which the share of failed requests exceeded `downtime_threshold`.
    pub downtime_s: u64,
}

/// `requests.*`: `total = ok + failed + blocked + in_flight`.
#[derive(Clone, Debug, Serialize)]
pub struct RequestCounts {
    /// Every arrival after the warm-up.
    pub total: u64,
    /// Answered successfully.
    pub ok: u64,
    /// Failed (any code).
    pub failed: u64,
    /// Refused before reaching a dyno.
    pub blocked: u64,
    /// Unanswered at the end.
    pub in_flight: u64,
    /// Arrivals during the warm-up, simulated but not counted above.
    pub warmup: u64,
    /// Of `total`, the client retries.
    pub retries: u64,
}

/// One job kind: `enqueued = done + waiting + running`.
#[derive(Clone, Debug, Serialize)]
pub struct JobSummary {
    /// Jobs enqueued over the run.
    pub enqueued: u64,
    /// Jobs finished.
    pub done: u64,
    /// Jobs waiting in the queue at the end.
    pub waiting: u64,
    /// Jobs being worked at the end.
    pub running: u64,
    /// Times a job was interrupted (SIGTERM past the grace, crash) and put back in the queue.
    pub requeued: u64,
    /// Enqueue to finish, of jobs enqueued after the warm-up.
    pub latency_ms: LatencySummary,
}

/// Dynos the autoscaler added and removed.
#[derive(Clone, Debug, Serialize)]
pub struct AutoscaleCounts {
    /// Dynos added.
    pub added: u64,
    /// Dynos removed.
    pub removed: u64,
    /// Dynos it would have added but a limit refused (printed, not written: the JSON keeps
    /// `added` and `removed`).
    #[serde(skip)]
    pub refused: u64,
}

/// `space`: what happened to the space itself.
#[derive(Clone, Debug, Serialize)]
pub struct SpaceSummary {
    /// When it was allocated, seconds from the start: 0 when it existed before the run; null
    /// when it was still allocating at the end.
    pub allocated_s: Option<f64>,
    /// When a `destroy_space` destroyed it; null if none did.
    pub destroyed_s: Option<f64>,
    /// Apps that existed at the end.
    pub apps: u64,
    /// One-off dynos started by `run` operations.
    pub one_off_dynos: u64,
    /// Timeline operations the platform refused (`operations.<name>.refused` says why).
    pub operations_refused: u64,
}

/// One app.
#[derive(Clone, Debug, Serialize)]
pub struct AppSummary {
    /// Metrics over the app's traffic classes.
    #[serde(flatten)]
    pub stats: Stats,
    /// Per traffic class, by name.
    pub traffic: BTreeMap<String, Stats>,
    /// Per job kind, by name.
    pub jobs: BTreeMap<String, JobSummary>,
    /// What the autoscaler did.
    pub autoscale: AutoscaleCounts,
}

fn stats(counts: &Counts, latency: &LatencyStats, queue: &LatencyStats, downtime_s: u64) -> Stats {
    let failed = counts.failed();
    let ended = counts.ok + failed;
    let frac = |n: u64| (ended > 0).then(|| n as f64 / ended as f64);
    Stats {
        requests: RequestCounts {
            total: counts.total,
            ok: counts.ok,
            failed,
            blocked: counts.blocked,
            in_flight: counts.in_flight,
            warmup: counts.warmup,
            retries: counts.retries,
        },
        errors: ErrorCode::ALL
            .iter()
            .zip(counts.failed_by_code)
            .map(|(code, n)| (code.key(), n))
            .collect(),
        error_rate: frac(failed),
        availability: frac(counts.ok),
        latency_ms: latency.summary(),
        queue_ms: queue.summary(),
        downtime_s,
    }
}

/// Aggregate latency, queue and counts over a set of classes.
struct Totals {
    counts: Counts,
    latency: LatencyStats,
    queue: LatencyStats,
}

impl Totals {
    fn new() -> Self {
        Totals {
            counts: Counts::default(),
            latency: LatencyStats::new(),
            queue: LatencyStats::new(),
        }
    }
}

/// Aggregated histograms, for the `.hgrm` files: overall, per app, per class.
pub struct Histograms<'a> {
    /// Over every request.
    pub all: LatencyStats,
    /// Per app name.
    pub apps: BTreeMap<String, LatencyStats>,
    /// Per (app, class).
    pub classes: BTreeMap<(String, String), &'a LatencyStats>,
}

/// Builds the summary of `output`, a run of `scenario`.
pub fn summarize(scenario: &Scenario, output: &RunOutput) -> Summary {
    let mut all = Totals::new();
    let mut apps = BTreeMap::new();
    for (ai, app) in output.apps.iter().enumerate() {
        let mut totals = Totals::new();
        let mut traffic = BTreeMap::new();
        for c in output.classes.iter().filter(|c| c.app == ai) {
            totals.counts.add(&c.counts);
            totals.latency.merge(&c.latency);
            totals.queue.merge(&c.queue);
            traffic.insert(
                c.name.clone(),
                stats(&c.counts, &c.latency, &c.queue, c.downtime_s),
            );
        }
        all.counts.add(&totals.counts);
        all.latency.merge(&totals.latency);
        all.queue.merge(&totals.queue);
        let app_stats = stats(
            &totals.counts,
            &totals.latency,
            &totals.queue,
            app.downtime_s,
        );
        let jobs = output
            .jobs
            .iter()
            .filter(|j| j.app == ai)
            .map(|j| {
                let summary = JobSummary {
                    enqueued: j.enqueued,
                    done: j.done,
                    waiting: j.waiting,
                    running: j.running,
                    requeued: j.requeued,
                    latency_ms: j.latency.summary(),
                };
                (j.name.clone(), summary)
            })
            .collect();
        let autoscale = AutoscaleCounts {
            added: app.autoscale_up,
            removed: app.autoscale_down,
            refused: app.autoscale_refused,
        };
        apps.insert(
            app.name.clone(),
            AppSummary {
                stats: app_stats,
                traffic,
                jobs,
                autoscale,
            },
        );
    }
    Summary {
        scenario: scenario.name.clone(),
        provenance: Provenance {
            spacesim_version: env!("CARGO_PKG_VERSION").to_string(),
            scenario_sha256: scenario.source.sha256.clone(),
            seed: scenario.seed,
            overrides: scenario.source.overrides.clone(),
        },
        duration_s: output
            .partial
            .map_or(scenario.duration, |p| p.simulated)
            .as_secs_f64(),
        partial: output.partial.is_some(),
        partial_reason: output.partial.map(|p| p.reason.name()),
        planned_duration_s: output.partial.map(|_| scenario.duration.as_secs_f64()),
        warmup_s: scenario.warmup.as_secs_f64(),
        stats: stats(&all.counts, &all.latency, &all.queue, output.downtime_s),
        events: output.events,
        peak_in_flight: output.peak_in_flight,
        apps,
        space: SpaceSummary {
            allocated_s: output.space.allocated_s,
            destroyed_s: output.space.destroyed_s,
            apps: output.space.apps,
            one_off_dynos: output.space.one_off_dynos,
            operations_refused: output.space.operations_refused,
        },
        operations: super::operations::sections(
            output.operations.clone(),
            &output.predictions,
            &output.dyno_seconds,
            &scenario.prices,
        ),
        measured: None,
    }
}

/// The latency histograms of `output`, merged per app and overall.
pub fn histograms<'a>(scenario: &Scenario, output: &'a RunOutput) -> Histograms<'a> {
    let mut all = LatencyStats::new();
    let mut apps = BTreeMap::new();
    let mut classes = BTreeMap::new();
    for c in &output.classes {
        let app = scenario.apps[c.app].name.clone();
        all.merge(&c.latency);
        apps.entry(app.clone())
            .or_insert_with(LatencyStats::new)
            .merge(&c.latency);
        classes.insert((app, c.name.clone()), &c.latency);
    }
    Histograms { all, apps, classes }
}

/// The summary as pretty JSON with a trailing newline.
pub fn to_json(summary: &Summary) -> String {
    let mut s = serde_json::to_string_pretty(summary).expect("a summary always serializes");
    s.push('\n');
    s
}
