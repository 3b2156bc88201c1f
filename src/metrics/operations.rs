//! What each timeline operation cost, measured while the simulation runs.
//!
//! # Lifecycle
//! Build an [`OpRecorder`] from the scenario before the run. The simulation then reports, in
//! time order: each operation's [`started`](OpRecorder::started) and
//! [`ended`](OpRecorder::ended) (or [`refused`](OpRecorder::refused) /
//! [`aborted`](OpRecorder::aborted)), the rollout's batches, every ended request, every change
//! of an app's web serving capacity and every closed second. [`OpRecorder::finish`] turns it into
//! one [`OpResult`] per operation, in timeline order.
//!
//! # Windows
//! - An operation is *active* from its start to its end; requests that end up to
//!   `platform.shutdown_grace` after its end still count against it, inclusive, because the
//!   last old dynos are SIGKILLed exactly at end + grace and the H13 failures of the requests
//!   they held are stamped with that time. An operation that never ends is active to the end
//!   of the run.
//! - The *before* window is the [`BEFORE_WINDOW`] (5 minutes) before the operation's
//!   *scheduled* time (`at`), clipped at the run's start: the baseline its latency during is
//!   compared with. It is fixed rather than the rollout's expected length so that every
//!   operation's baseline means the same thing.
//! - Minimum capacity is taken over the active window only (start to end, no grace), starting
//!   from the capacity at the start.
//! - A closed second counts as downtime of an operation when it overlaps the operation's
//!   window including the grace.
//!
//! # Pitfalls
//! Nothing here is filtered by the warm-up: the simulation decides what it reports. Until the
//! simulation reports an app's capacity, the recorder assumes the scenario's web formation is
//! up (zero for a `new` app, and for every app of a space that starts allocating).
//! Operations on the space itself (`destroy_space`, `trusted_ips`, `change_region`) belong to
//! no app: they count no requests and have no capacity.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::{NANOS_PER_SEC, SimDuration, SimTime};
use crate::metrics::LatencyStats;
use crate::model::codes::ErrorCode;
use crate::model::zero_downtime::{Condition, Prediction};
use crate::scenario::{OpKind, Scenario};

/// Length of the "before" latency window preceding an operation's scheduled time.
pub const BEFORE_WINDOW: SimDuration = SimDuration::from_secs(5 * 60);

/// Records what each operation of a run cost.
#[derive(Debug)]
pub struct OpRecorder {
    ops: Vec<OpState>,
    /// Operation indices per app, in timeline order.
    by_app: Vec<Vec<usize>>,
    /// Current web serving slots per app.
    capacity: Vec<u64>,
    /// App names, by index.
    app_names: Vec<String>,
}

#[derive(Debug)]
struct OpState {
    name: String,
    action: &'static str,
    app: Option<usize>,
    deploy_like: bool,
    /// Requests ending this long after the end still count: the shutdown grace for operations
    /// that stop dynos, zero for the others.
    grace: SimDuration,
    at: SimTime,
    start: Option<SimTime>,
    end: Option<SimTime>,
    batches: Vec<Batch>,
    ok: u64,
    failed_by_code: [u64; ErrorCode::ALL.len()],
    during: LatencyStats,
    before: LatencyStats,
    min_capacity: Option<u64>,
    downtime_s: u64,
    refused: Option<String>,
    aborted: Option<String>,
}

#[derive(Debug)]
struct Batch {
    start: SimTime,
    up: Option<SimTime>,
    dynos: u32,
}

impl OpState {
    /// True when a request ending at `t` counts against this operation.
    fn attributes(&self, t: SimTime) -> bool {
        match (self.start, self.end) {
            (Some(s), None) => t >= s,
            (Some(s), Some(e)) => t >= s && t <= e + self.grace,
            (None, _) => false,
        }
    }

    /// True when `t` is in the before window `[at − BEFORE_WINDOW, at)` and the operation has
    /// not started.
    fn before_window(&self, t: SimTime) -> bool {
        self.start.is_none() && t < self.at && t.0 >= self.at.0.saturating_sub(BEFORE_WINDOW.0)
    }
}

impl OpRecorder {
    /// A recorder for every operation of `scenario.timeline`.
    pub fn new(scenario: &Scenario) -> OpRecorder {
        let mut by_app = vec![Vec::new(); scenario.apps.len()];
        let ops = scenario
            .timeline
            .iter()
            .enumerate()
            .map(|(i, op)| {
                if let Some(a) = op.kind.app() {
                    by_app[a].push(i);
                }
                OpState {
                    name: op.name.clone(),
                    action: op.kind.action(),
                    app: op.kind.app(),
                    deploy_like: op.kind.is_deploy_like(),
                    grace: match op.kind {
                        OpKind::Deploy { .. }
                        | OpKind::Scale { .. }
                        | OpKind::ChangeType { .. }
                        | OpKind::Restart { .. }
                        | OpKind::DestroyApp { .. } => scenario.platform.shutdown_grace,
                        _ => SimDuration::ZERO,
                    },
                    at: SimTime::ZERO + op.at,
                    start: None,
                    end: None,
                    batches: Vec::new(),
                    ok: 0,
                    failed_by_code: [0; ErrorCode::ALL.len()],
                    during: LatencyStats::new(),
                    before: LatencyStats::new(),
                    min_capacity: None,
                    downtime_s: 0,
                    refused: None,
                    aborted: None,
                }
            })
            .collect();
        let allocating = scenario.space.network.allocation.is_some();
        let capacity = scenario
            .apps
            .iter()
            .map(|app| match app.web() {
                Some(w) if !app.new && !allocating => u64::from(w.count) * u64::from(w.concurrency),
                _ => 0,
            })
            .collect();
        OpRecorder {
            ops,
            by_app,
            capacity,
            app_names: scenario.apps.iter().map(|a| a.name.clone()).collect(),
        }
    }

    /// Operation `op` started at `t`. Panics if it already started (a simulation bug).
    pub fn started(&mut self, op: usize, t: SimTime) {
        let cap = self.ops[op].app.map(|a| self.capacity[a]);
        let o = &mut self.ops[op];
        assert!(o.start.is_none(), "operation \"{}\" started twice", o.name);
        o.start = Some(t);
        o.min_capacity = cap;
    }

    /// Operation `op` finished at `t`. After [`aborted`](Self::aborted), which already ended
    /// it, this does nothing. Panics if it never started or `t` is before its start.
    pub fn ended(&mut self, op: usize, t: SimTime) {
        let o = &mut self.ops[op];
        let start = o
            .start
            .unwrap_or_else(|| panic!("operation \"{}\" ended before it started", o.name));
        assert!(
            t >= start,
            "operation \"{}\" ended before its start",
            o.name
        );
        if o.end.is_none() {
            o.end = Some(t);
        } else {
            assert!(o.aborted.is_some(), "operation \"{}\" ended twice", o.name);
        }
    }

    /// The platform refused operation `op`; it never starts.
    pub fn refused(&mut self, op: usize, reason: String) {
        self.ops[op].refused = Some(reason);
    }

    /// Operation `op` was aborted at `t` (e.g. its release phase failed); this ends it at `t`
    /// unless it already ended. An operation aborted before it started is taken to start at
    /// `t`.
    pub fn aborted(&mut self, op: usize, t: SimTime, reason: String) {
        if self.ops[op].start.is_none() {
            self.started(op, t);
        }
        let o = &mut self.ops[op];
        o.aborted = Some(reason);
        if o.end.is_none() {
            o.end = Some(t);
        }
    }

    /// A batch of `dynos` replacements of operation `op` began at `t`.
    /// Returns the batch's number within the operation, for [`OpRecorder::batch_up`] (process
    /// types roll out side by side, so batches of one operation overlap).
    pub fn batch_started(&mut self, op: usize, t: SimTime, dynos: u32) -> usize {
        self.ops[op].batches.push(Batch {
            start: t,
            up: None,
            dynos,
        });
        self.ops[op].batches.len() - 1
    }

    /// The replacements of operation `op`'s batch `batch` are all up at `t`. Panics if that
    /// batch is not waiting (a simulation bug).
    pub fn batch_up(&mut self, op: usize, batch: usize, t: SimTime) {
        let o = &mut self.ops[op];
        let batch = o
            .batches
            .get_mut(batch)
            .filter(|b| b.up.is_none())
            .unwrap_or_else(|| panic!("operation \"{}\": batch up with none waiting", o.name));
        assert!(
            t >= batch.start,
            "operation \"{}\": batch up before its start",
            o.name
        );
        batch.up = Some(t);
    }

    /// A request of `app` ended at `t`: with its latency, or failed with a code.
    #[inline]
    pub fn request_ended(
        &mut self,
        app: usize,
        t: SimTime,
        outcome: Result<SimDuration, ErrorCode>,
    ) {
        // Most requests end with no operation on their app's timeline: one check, no call.
        if !self.by_app[app].is_empty() {
            self.attribute(app, t, outcome);
        }
    }

    fn attribute(&mut self, app: usize, t: SimTime, outcome: Result<SimDuration, ErrorCode>) {
        for &i in &self.by_app[app] {
            let o = &mut self.ops[i];
            if o.attributes(t) {
                match outcome {
                    Ok(latency) => {
                        o.ok += 1;
                        o.during.record(latency);
                    }
                    Err(code) => o.failed_by_code[code.index()] += 1,
                }
            } else if let Ok(latency) = outcome
                && o.before_window(t)
            {
                o.before.record(latency);
            }
        }
    }

    /// `app`'s web serving capacity (up web dynos × concurrency) is `serving_slots` from `t`.
    pub fn capacity(&mut self, app: usize, t: SimTime, serving_slots: u64) {
        self.capacity[app] = serving_slots;
        for &i in &self.by_app[app] {
            let o = &mut self.ops[i];
            if o.start.is_some_and(|s| s <= t) && o.end.is_none() {
                o.min_capacity = Some(
                    o.min_capacity
                        .map_or(serving_slots, |m| m.min(serving_slots)),
                );
            }
        }
    }

    /// Second `[second, second + 1)` of `app` closed; `down` when its failed share exceeded the
    /// downtime threshold.
    pub fn second_closed(&mut self, app: usize, second: u64, down: bool) {
        if !down {
            return;
        }
        let from = SimTime(second.saturating_mul(NANOS_PER_SEC));
        let to = SimTime(second.saturating_add(1).saturating_mul(NANOS_PER_SEC));
        for &i in &self.by_app[app] {
            let o = &mut self.ops[i];
            let Some(start) = o.start else { continue };
            let overlaps = to > start && o.end.is_none_or(|e| from <= e + o.grace);
            if overlaps {
                o.downtime_s += 1;
            }
        }
    }

    /// Results in timeline order; `run_end` closes operations still running. Deploy-like
    /// operations with a prediction get a [`ZeroDowntime`] verdict.
    pub fn finish(self, run_end: SimTime, predictions: &[Prediction]) -> Vec<OpResult> {
        let secs = |t: SimTime| t.as_secs_f64();
        self.ops
            .into_iter()
            .enumerate()
            .map(|(i, o)| {
                let failed: u64 = o.failed_by_code.iter().sum();
                let start = o.start.unwrap_or(o.at);
                let duration = match (o.start, o.end) {
                    (Some(s), Some(e)) => e.since(s),
                    (Some(s), None) => run_end
                        .0
                        .checked_sub(s.0)
                        .map_or(SimDuration::ZERO, SimDuration),
                    (None, _) => SimDuration::ZERO,
                };
                // A refused operation took no time: it ends where it was scheduled.
                let end = match (o.end, &o.refused, o.start) {
                    (Some(e), _, _) => Some(e),
                    (None, Some(_), None) => Some(o.at),
                    _ => None,
                };
                let zero_downtime = if o.deploy_like {
                    predictions
                        .iter()
                        .find(|p| p.op == i)
                        .map(|p| ZeroDowntime {
                            predicted: p.predicted,
                            observed: o.start.map(|_| failed == 0),
                            conditions: p.conditions.clone(),
                        })
                } else {
                    None
                };
                OpResult {
                    name: o.name,
                    action: o.action,
                    app: o.app.map(|a| self.app_names[a].clone()),
                    start_s: secs(start),
                    end_s: end.map(secs),
                    duration_s: duration.as_secs_f64(),
                    batches: o
                        .batches
                        .iter()
                        .map(|b| BatchResult {
                            start_s: secs(b.start),
                            up_s: b.up.map(secs),
                            dynos: b.dynos,
                        })
                        .collect(),
                    requests: OpRequests { ok: o.ok, failed },
                    failed,
                    errors: ErrorCode::ALL
                        .iter()
                        .map(|c| (c.key(), o.failed_by_code[c.index()]))
                        .collect(),
                    latency_ms: OpLatency {
                        during: Percentiles::of(&o.during),
                        before: Percentiles::of(&o.before),
                    },
                    min_capacity_slots: o.min_capacity,
                    downtime_s: o.downtime_s,
                    refused: o.refused,
                    aborted: o.aborted,
                    zero_downtime,
                }
            })
            .collect()
    }
}

/// What one operation cost.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpResult {
    /// Operation name (unique in the timeline); the summary's key, not written inside.
    #[serde(skip)]
    pub name: String,
    /// Action, as written in scenario files (`deploy`, `scale`, ...).
    pub action: &'static str,
    /// The app it acted on; None for operations on the space itself.
    pub app: Option<String>,
    /// When it started; its scheduled time if it never started.
    pub start_s: f64,
    /// When it ended; null if it was still running at the end of the run. A refused
    /// operation ends at its scheduled time.
    pub end_s: Option<f64>,
    /// End − start; to the run's end if it never ended; zero if it never started.
    pub duration_s: f64,
    /// The rollout's batches, in order.
    pub batches: Vec<BatchResult>,
    /// Requests of the app that ended during the operation (and its shutdown grace).
    pub requests: OpRequests,
    /// Of those, the failed ones (all codes): `operations.<name>.failed`, the number most
    /// assertions want.
    pub failed: u64,
    /// Failed requests during it by code; every code always present.
    pub errors: BTreeMap<&'static str, u64>,
    /// Latency of successful requests during it and in the 5 minutes before it.
    pub latency_ms: OpLatency,
    /// Fewest web serving slots (up web dynos × concurrency) while it ran; null if it never
    /// started or acts on the space itself.
    pub min_capacity_slots: Option<u64>,
    /// Down seconds of the app overlapping it (and its shutdown grace).
    pub downtime_s: u64,
    /// Why the platform refused it, if it did.
    pub refused: Option<String>,
    /// Why it was aborted, if it was.
    pub aborted: Option<String>,
    /// Predicted against observed, for deploy-like operations.
    pub zero_downtime: Option<ZeroDowntime>,
}

/// One batch of a rolling replacement.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BatchResult {
    /// When its dynos were stopped or started.
    pub start_s: f64,
    /// When its replacements were all up; null if never.
    pub up_s: Option<f64>,
    /// Dynos replaced.
    pub dynos: u32,
}

/// Request counts of an operation's window.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpRequests {
    /// Answered successfully.
    pub ok: u64,
    /// Failed (any code).
    pub failed: u64,
}

/// Latency during and before an operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpLatency {
    /// While it was active.
    pub during: Percentiles,
    /// In the [`BEFORE_WINDOW`] before its scheduled time.
    pub before: Percentiles,
}

/// Median and 99th percentile in milliseconds; null without samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Percentiles {
    /// Median.
    pub p50: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
}

impl Percentiles {
    fn of(stats: &LatencyStats) -> Percentiles {
        Percentiles {
            p50: stats.quantile_ms(0.50),
            p99: stats.quantile_ms(0.99),
        }
    }
}

/// The checker's prediction beside what happened.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZeroDowntime {
    /// Every condition passed.
    pub predicted: bool,
    /// No request of the app failed during the operation; null if it never started.
    pub observed: Option<bool>,
    /// The checker's conditions.
    pub conditions: Vec<Condition>,
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::zero_downtime::predict;
    use crate::scenario::{OpKind, Operation, SchemaChange, parse};

    fn scenario() -> Scenario {
        let text = r#"
            name = "ops"
            duration = "1h"
            [[apps]]
            name = "api"
            [[apps.processes]]
            type = "web"
            count = 4
            dyno_type = "private-m"
            concurrency = 5
            [[apps.traffic]]
            name = "default"
            arrival = { process = "poisson", rate = "10/s" }
            service = "100ms"
            [[apps]]
            name = "other"
            [[apps.processes]]
            type = "web"
            count = 2
            dyno_type = "private-m"
            [[apps.traffic]]
            name = "default"
            arrival = { process = "poisson", rate = "10/s" }
            service = "100ms"
        "#;
        let mut s = parse(text, "ops.toml", Path::new("."), None).expect("valid scenario");
        let deploy = OpKind::Deploy {
            app: 0,
            build: true,
            release_phase: None,
            release_fails: false,
            schema: SchemaChange::Compatible,
        };
        for (name, at, kind) in [
            ("deploy-1", 600, deploy.clone()),
            (
                "scale-1",
                1200,
                OpKind::Scale {
                    app: 0,
                    process: 0,
                    count: 6,
                },
            ),
            ("deploy-2", 1800, deploy),
        ] {
            s.timeline.push(Operation {
                name: name.to_string(),
                at: SimDuration::from_secs(at),
                kind,
                actor: None,
                line: 1,
            });
        }
        s
    }

    fn t(secs: u64) -> SimTime {
        SimTime(secs * NANOS_PER_SEC)
    }

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    fn us(n: u64) -> SimDuration {
        SimDuration(n * 1_000)
    }

    #[test]
    fn a_hand_driven_rollout_is_measured_exactly() {
        let s = scenario();
        let predictions = predict(&s);
        let mut r = OpRecorder::new(&s);

        // Before window of deploy-1 is [300 s, 600 s): 299 s is outside, 300 s inside.
        r.request_ended(0, t(299), Ok(us(2047)));
        r.request_ended(0, t(300), Ok(us(1000)));
        r.request_ended(0, t(599), Ok(us(2000)));
        r.request_ended(0, t(599), Err(ErrorCode::H12)); // failures are not latencies
        r.request_ended(1, t(599), Ok(ms(500))); // another app

        r.started(0, t(600));
        let b0 = r.batch_started(0, t(600), 1);
        r.capacity(0, t(600), 15);
        r.request_ended(0, t(601), Ok(us(1500)));
        r.request_ended(0, t(602), Err(ErrorCode::H13));
        r.request_ended(0, t(602), Err(ErrorCode::H13));
        r.request_ended(0, t(603), Err(ErrorCode::H14));
        r.request_ended(1, t(603), Err(ErrorCode::H14)); // another app: not counted
        r.second_closed(0, 599, true); // before the start: not counted
        r.second_closed(0, 602, true);
        r.second_closed(0, 603, false);
        r.second_closed(1, 604, true); // another app
        r.batch_up(0, b0, t(640));
        r.capacity(0, t(640), 20);
        let b1 = r.batch_started(0, t(640), 1);
        r.capacity(0, t(641), 10); // the minimum
        r.batch_up(0, b1, t(680));
        r.capacity(0, t(680), 20);
        r.ended(0, t(700));
        r.capacity(0, t(701), 0); // after the end: not its minimum
        // Within the grace (30 s, inclusive) still counted; after it not.
        r.request_ended(0, t(730), Err(ErrorCode::H13));
        r.second_closed(0, 730, true);
        r.request_ended(0, t(731), Err(ErrorCode::H13));
        r.second_closed(0, 731, true);

        // scale-1 starts and never ends; deploy-2 never starts.
        r.started(1, t(1200));
        r.request_ended(0, t(1499), Ok(us(300)));
        r.request_ended(0, t(1600), Ok(us(500))); // also in deploy-2's before window

        let res = r.finish(t(3600), &predictions);
        assert_eq!(res.len(), 3);

        let d = &res[0];
        assert_eq!(
            (d.name.as_str(), d.action, d.app.as_deref()),
            ("deploy-1", "deploy", Some("api"))
        );
        assert_eq!(
            (d.start_s, d.end_s, d.duration_s),
            (600.0, Some(700.0), 100.0)
        );
        assert_eq!(
            d.batches,
            vec![
                BatchResult {
                    start_s: 600.0,
                    up_s: Some(640.0),
                    dynos: 1
                },
                BatchResult {
                    start_s: 640.0,
                    up_s: Some(680.0),
                    dynos: 1
                },
            ]
        );
        assert_eq!(d.requests, OpRequests { ok: 1, failed: 4 });
        assert_eq!(d.errors.len(), ErrorCode::ALL.len());
        assert_eq!(
            (d.errors["H13"], d.errors["H14"], d.errors["H12"]),
            (3, 1, 0)
        );
        // HDR is exact below 2048 µs, so these latencies come back exactly.
        let during = &d.latency_ms.during;
        assert_eq!((during.p50, during.p99), (Some(1.5), Some(1.5)));
        let before = &d.latency_ms.before;
        assert_eq!((before.p50, before.p99), (Some(1.0), Some(2.0)));
        assert_eq!(d.min_capacity_slots, Some(10));
        assert_eq!(d.downtime_s, 2); // seconds 602 and 730
        assert_eq!((d.refused.as_ref(), d.aborted.as_ref()), (None, None));
        let zd = d.zero_downtime.as_ref().expect("a deploy has a verdict");
        assert!(zd.predicted);
        assert_eq!(zd.observed, Some(false));
        assert_eq!(zd.conditions.len(), 3);

        let sc = &res[1];
        assert_eq!(
            (sc.start_s, sc.end_s, sc.duration_s),
            (1200.0, None, 2400.0)
        );
        assert_eq!(sc.requests, OpRequests { ok: 2, failed: 0 });
        // Capacity was last reported as 0 (at 701 s): scale-1 starts with it.
        assert_eq!(sc.min_capacity_slots, Some(0));
        assert_eq!(sc.zero_downtime, None);
        // Nothing ended in scale-1's before window [900 s, 1200 s).
        assert_eq!(sc.latency_ms.before.p50, None);

        let d2 = &res[2];
        assert_eq!((d2.start_s, d2.end_s, d2.duration_s), (1800.0, None, 0.0));
        assert_eq!(d2.requests, OpRequests { ok: 0, failed: 0 });
        assert_eq!(d2.latency_ms.during.p50, None);
        assert_eq!(d2.latency_ms.before.p50, Some(0.5));
        assert_eq!(d2.min_capacity_slots, None);
        let zd2 = d2.zero_downtime.as_ref().unwrap();
        assert_eq!(zd2.observed, None);
    }

    #[test]
    fn refused_and_aborted_operations() {
        let s = scenario();
        let mut r = OpRecorder::new(&s);
        r.refused(1, "scale beyond the space's limit".to_string());
        r.started(0, t(600));
        r.aborted(0, t(610), "release phase failed".to_string());
        r.ended(0, t(620)); // ignored: the abort ended it
        r.aborted(2, t(1810), "release phase failed".to_string());
        r.request_ended(0, t(1811), Ok(ms(5)));
        let res = r.finish(t(3600), &predict(&s));
        assert_eq!((res[0].end_s, res[0].duration_s), (Some(610.0), 10.0));
        assert_eq!(res[0].aborted.as_deref(), Some("release phase failed"));
        assert_eq!(res[0].zero_downtime.as_ref().unwrap().observed, Some(true));
        assert_eq!(
            (res[1].start_s, res[1].end_s, res[1].duration_s),
            (1200.0, Some(1200.0), 0.0)
        );
        assert_eq!(
            res[1].refused.as_deref(),
            Some("scale beyond the space's limit")
        );
        assert_eq!(res[1].min_capacity_slots, None);
        // Aborted before it started: it starts and ends at the abort; grace still applies.
        assert_eq!((res[2].start_s, res[2].end_s), (1810.0, Some(1810.0)));
        assert_eq!(res[2].requests, OpRequests { ok: 1, failed: 0 });
        assert_eq!(res[2].min_capacity_slots, Some(20));
    }

    #[test]
    fn the_initial_capacity_is_the_formation_and_zero_for_a_new_app() {
        let mut s = scenario();
        s.apps[1].new = true;
        s.timeline.push(Operation {
            name: "deploy-other".to_string(),
            at: SimDuration::from_secs(10),
            kind: OpKind::Deploy {
                app: 1,
                build: true,
                release_phase: None,
                release_fails: false,
                schema: SchemaChange::Compatible,
            },
            actor: None,
            line: 1,
        });
        let mut r = OpRecorder::new(&s);
        r.started(0, t(600));
        r.started(3, t(10));
        let res = r.finish(t(3600), &[]);
        assert_eq!(res[0].min_capacity_slots, Some(20));
        assert_eq!(res[3].min_capacity_slots, Some(0));
        // No predictions given: no verdict.
        assert_eq!(res[3].zero_downtime, None);
    }

    #[test]
    #[should_panic(expected = "started twice")]
    fn starting_twice_is_a_bug() {
        let s = scenario();
        let mut r = OpRecorder::new(&s);
        r.started(0, t(600));
        r.started(0, t(601));
    }
}
