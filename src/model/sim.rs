//! One simulation run: the state of every app, dyno, request and job, and the event loop.
//!
//! The request flow lives in `flow.rs`, dyno lifecycles in `lifecycle.rs`, timeline operations
//! in `rollout.rs`, the space's own operations and state in `space.rs` and worker queues in
//! `jobs.rs`; all are `impl Simulation` blocks over the state defined here. The network rules a
//! request meets (trusted IPs, TLS, external calls) are in [`crate::model::network`].
//!
//! # The space
//! When `space.network.allocation` is set the run starts with the space's creation: it is
//! `allocating` until then and no dyno starts; at allocation every deployed app's formation is
//! provisioned and booted. Requests before that fail as when no web dyno is up (H14).
//!
//! # Lifecycle of a request
//! An arrival goes to its app's router. With no routable web dyno it fails at once (H14) in a
//! Private Space; the Common Runtime router holds it up to 75 s for a dyno to come up (H20).
//! When the run already holds `simulator.max_in_flight` requests it fails at once (H11). The
//! router picks a dyno (policy), which serves it in a free slot, queues it in its backlog, or,
//! with the backlog full, refuses it (H21; the Common Runtime retries other dynos first). A
//! request unanswered `router.timeout` after arrival fails with H12; as on the platform the
//! dyno is not told and still serves it later, so its slot stays busy (facts §1.3).
//!
//! # Determinism
//! Events are ordered by (time, insertion order); every random draw comes from a stream named
//! after its consumer (`traffic/<app>/<class>/arrival`, `.../service`, `router/<app>`,
//! `dyno/<app>/<process>` for boot and provisioning times, `ops` for operations,
//! `network/<app>/<class>/client` and `.../outbound` for client and outbound addresses), so a
//! routing policy change does not change arrival or service times (common random numbers).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::engine::{Due, EventQueue, NANOS_PER_SEC, SimDuration, SimTime, Stream, stream};
use crate::metrics::operations::OpRecorder;
use crate::metrics::{JobRow, LatencyStats, ProcessRow, SeriesAccumulator, SeriesSink};
use crate::model::arrival::ArrivalGen;
use crate::model::authority;
use crate::model::dyno::{Dyno, DynoState};
use crate::model::dyno_type::DynoType;
use crate::model::network::{self, CallPlan, Reach};
use crate::model::observe::{DynoChange, DynoRef, Observer};
use crate::model::request::Requests;
pub use crate::model::results::{
    AppResult, ClassResult, Counts, JobResult, Partial, RunError, RunOutput, SpaceResult,
    StopReason,
};
use crate::model::router::Router;
use crate::model::zero_downtime;
use crate::scenario::Scenario;
use crate::scenario::units::Rate;

/// Everything that happens.
#[derive(Copy, Clone, Debug)]
pub(crate) enum Event {
    /// The next arrival of a traffic class (`epoch` changes when a traffic op swaps sources).
    Arrival { class: u32, epoch: u32 },
    /// A client retries a request of class `class`.
    Retry { class: u32, attempt: u32 },
    /// A dyno finished serving a request or job.
    Complete { dyno: u32, handle: u64 },
    /// The router's timeout for a request.
    Timeout { handle: u64 },
    /// The client's own timeout for a request.
    ClientTimeout { handle: u64 },
    /// A dyno became routable or left quarantine: held requests may be routed.
    DispatchHeld { app: u32 },
    /// The Common Runtime router's hold on a request ends.
    HoldExpired { handle: u64 },
    /// A request waiting for an add-on connection gives up.
    PoolTimeout { handle: u64 },
    /// A request gives its add-on connection back.
    ConnectionReleased { app: u32, addon: u32 },
    /// The next own arrival of a job kind.
    JobArrival { job: u32 },
    /// A dyno's instance is provisioned; it starts booting.
    Provisioned { dyno: u32, epoch: u32 },
    /// A dyno bound its port: up.
    Booted { dyno: u32, epoch: u32 },
    /// A dyno did not boot in time: R10, crashed.
    BootTimeout { dyno: u32, epoch: u32 },
    /// A crashed dyno restarts.
    Restart { dyno: u32, epoch: u32 },
    /// The shutdown grace of a stopping dyno ends: SIGKILL.
    Kill { dyno: u32, epoch: u32 },
    /// Daily cycling of a dyno.
    Cycle { dyno: u32, epoch: u32 },
    /// A timeline operation starts.
    OpStart { op: u32 },
    /// A timeline operation's next step (release phase done, switch-over, revert, ...).
    OpStep { op: u32, step: u32 },
    /// The autoscaler evaluates a process type.
    Autoscale { app: u32, process: u32 },
    /// The space is allocated: formations start.
    Allocated,
    /// The command of the one-off dyno a `run` operation started ends.
    OneOffExit { op: u32 },
}

/// One traffic class's sources and measurements.
pub(crate) struct Class<'s> {
    pub app: usize,
    pub index_in_app: usize,
    pub arrivals: ArrivalGen,
    pub arrival_epoch: u32,
    pub override_rate: Option<Rate>,
    pub override_rng: Stream,
    pub service_rng: Stream,
    pub client_rng: Stream,
    /// Client addresses, drawn only when the trusted ranges make the outcome uncertain.
    pub net_rng: Stream,
    /// Outbound addresses of external calls, drawn only when the outcome is uncertain.
    pub outbound_rng: Stream,
    /// How the current trusted ranges treat its clients.
    pub reach: Reach,
    /// Its HTTPS requests fail the TLS handshake.
    pub tls_fails: bool,
    /// The external calls each request makes.
    pub calls: Vec<CallPlan>,
    /// The client's timeout, with the event-queue lane of its delay.
    pub client_timeout: Option<(usize, SimDuration)>,
    /// The event-queue lane of its arrivals, if it has one.
    pub arrival_lane: Option<usize>,
    /// Network time added to each request's time on the dyno (outside add-ons, calls).
    pub network_time: SimDuration,
    pub spec: &'s crate::scenario::TrafficSpec,
    pub counts: Counts,
    pub latency: LatencyStats,
    pub queue: LatencyStats,
    pub live: u64,
}

/// A connection pool of one add-on.
pub(crate) struct Pool {
    pub free: u32,
    pub waiters: VecDeque<u64>,
    pub unavailable_until: SimTime,
}

/// One process type's live formation.
pub(crate) struct Process {
    pub dyno_type: &'static DynoType,
    pub concurrency: u32,
    pub speed: f64,
    /// Dynos that belong to the formation (not stopping, down or replaced), by id.
    pub members: Vec<u32>,
    pub next_number: u32,
    pub rng: Stream,
    pub last_scale: SimTime,
}

/// One app's live state.
pub(crate) struct App {
    /// Created and not destroyed: it exists in the space.
    pub exists: bool,
    pub router: Router,
    pub release: u32,
    pub deployed: bool,
    pub processes: Vec<Process>,
    /// Up, routable web dynos (ids).
    pub routable: Vec<u32>,
    /// Requests the Common Runtime router holds while no dyno is routable.
    pub held: VecDeque<u64>,
    /// Requests the router has open (for the Common Runtime's H11 cap).
    pub router_open: u64,
    pub pools: Vec<Pool>,
    /// During an incompatible schema rollout: dynos of an older release fail database requests.
    pub schema_release: Option<u32>,
    /// Names of active operations (for the time series), in start order.
    pub active_ops: Vec<String>,
    pub ops_label: String,
    /// Latencies of the last autoscaler minute; None when no process of the app autoscales.
    pub window_latency: Option<LatencyStats>,
    pub autoscale_up: u64,
    pub autoscale_down: u64,
    pub autoscale_refused: u64,
}

/// A queued or running background job.
pub(crate) struct Job {
    pub kind: u32,
    pub enqueued: SimTime,
    pub service: SimDuration,
    pub counted: bool,
}

/// One job kind's queue and measurements.
pub(crate) struct JobKind {
    pub app: usize,
    pub process: usize,
    pub arrivals: Option<ArrivalGen>,
    pub service_rng: Stream,
    pub enqueued: u64,
    pub done: u64,
    pub waiting: u64,
    pub running: u64,
    pub requeued: u64,
    pub latency: LatencyStats,
    pub second_enqueued: u64,
    pub second_done: u64,
}

/// A run in progress.
pub struct Simulation<'s> {
    pub(crate) scenario: &'s Scenario,
    pub(crate) queue: EventQueue<Event>,
    pub(crate) classes: Vec<Class<'s>>,
    pub(crate) apps: Vec<App>,
    pub(crate) dynos: Vec<Dyno>,
    pub(crate) requests: Requests,
    pub(crate) jobs: crate::model::jobs::Jobs,
    pub(crate) job_kinds: Vec<JobKind>,
    pub(crate) series: SeriesAccumulator,
    pub(crate) ops: OpRecorder,
    pub(crate) op_state: Vec<crate::model::rollout::OpState>,
    pub(crate) ops_rng: Stream,
    pub(crate) next_second: u64,
    pub(crate) end: SimTime,
    pub(crate) warmup_end: SimTime,
    pub(crate) peak_in_flight: u64,
    pub(crate) space: crate::model::space::SpaceRun,
    /// Told of every request that ends and every dyno change (`--router-log`); None: nobody
    /// watches and nothing is recorded for it.
    pub(crate) observer: Option<&'s mut (dyn Observer + 's)>,
    /// Client addresses drawn for requests in flight, kept only while an observer watches.
    pub(crate) client_addrs: std::collections::HashMap<u64, std::net::IpAddr>,
    /// Polled every [`POLL_EVERY`] events: when set, the run stops with partial results.
    stop: Option<&'s AtomicBool>,
    /// Check the invariants at every closed second and at the end.
    check: bool,
}

/// The event-queue lane of router timeouts: an owner-kept lane holding the next one due (the
/// request slab's deadline list has the rest; see [`crate::model::request`]).
pub(crate) const ROUTER_TIMEOUT_LANE: usize = 0;

/// The router timeout due next, as the front of its lane.
pub(crate) fn next_router_timeout(requests: &Requests) -> Option<(u128, Event)> {
    requests
        .first_deadline()
        .map(|(key, handle)| (key, Event::Timeout { handle }))
}

/// A class's client timeout with its lane, and its arrival lane.
type ClassLanes = (Option<(usize, SimDuration)>, Option<usize>);

/// The event-queue lanes of each class's client timeout (one lane per distinct delay, after
/// the router's) and of its arrivals (one single lane per class, after those, for the first
/// [`ARRIVAL_LANES`] classes; the others' arrivals go to the heap).
fn lanes(scenario: &Scenario) -> Vec<ClassLanes> {
    let mut delays: Vec<SimDuration> = Vec::new();
    let mut client = Vec::new();
    for t in scenario.apps.iter().flat_map(|a| &a.traffic) {
        client.push(t.client.as_ref().and_then(|c| c.timeout).map(|d| {
            let i = delays.iter().position(|&x| x == d).unwrap_or_else(|| {
                delays.push(d);
                delays.len() - 1
            });
            (ROUTER_TIMEOUT_LANE + 1 + i, d)
        }));
    }
    let first_arrival_lane = ROUTER_TIMEOUT_LANE + 1 + delays.len();
    client
        .into_iter()
        .enumerate()
        .map(|(c, timeout)| {
            (
                timeout,
                (c < ARRIVAL_LANES).then_some(first_arrival_lane + c),
            )
        })
        .collect()
}

/// Classes whose arrivals get a lane of their own: every pop looks at every lane's front, so
/// lanes pay only while they are few (**assumption**: measured on the reference model, where a
/// lane for the one class's arrivals saves a heap push and pop per request).
const ARRIVAL_LANES: usize = 4;

/// Events between two looks at the wall clock and the stop flag.
const POLL_EVERY: u64 = 4096;

/// Runs `scenario` to its end, streaming closed seconds to `sink`.
pub fn run(scenario: &Scenario, sink: &mut dyn SeriesSink) -> Result<RunOutput, RunError> {
    Simulation::new(scenario)?.run(sink)
}

/// As [`run`], telling `observer` of every request that ends and every dyno change, in
/// simulated-time order (see [`crate::model::observe`]).
pub fn run_observed<'s>(
    scenario: &'s Scenario,
    sink: &mut dyn SeriesSink,
    observer: &'s mut (dyn Observer + 's),
) -> Result<RunOutput, RunError> {
    Simulation::with_observer(scenario, Some(observer))?.run(sink)
}

/// As [`run_observed`] with an optional observer, stopping early with partial results
/// ([`RunOutput::partial`]) when `stop` is set (polled every few thousand events).
pub fn run_controlled<'s>(
    scenario: &'s Scenario,
    sink: &mut dyn SeriesSink,
    observer: Option<&'s mut (dyn Observer + 's)>,
    stop: Option<&'s AtomicBool>,
) -> Result<RunOutput, RunError> {
    let mut sim = Simulation::with_observer(scenario, observer)?;
    sim.stop = stop;
    sim.run(sink)
}

impl<'s> Simulation<'s> {
    /// Sets up dynos, routers, traffic and job sources, and the timeline at time zero.
    pub fn new(scenario: &'s Scenario) -> Result<Self, RunError> {
        Self::with_observer(scenario, None)
    }

    /// As [`Simulation::new`], with an observer told of everything from time zero on (the
    /// dynos a run starts with included).
    pub fn with_observer(
        scenario: &'s Scenario,
        observer: Option<&'s mut (dyn Observer + 's)>,
    ) -> Result<Self, RunError> {
        if let Some(message) = crate::model::bounds::refusal(scenario) {
            return Err(RunError::TooBig(message));
        }
        let seed = scenario.seed;
        let mut apps = Vec::new();
        let mut classes = Vec::new();
        let mut class_apps = Vec::new();
        let mut job_kinds = Vec::new();
        let created = authority::created_by_timeline(scenario);
        let trusted = scenario.space.network.trusted_ips.clone();
        let lanes = lanes(scenario);
        let private = scenario.space.runtime == crate::scenario::Runtime::Private;
        for (ai, app) in scenario.apps.iter().enumerate() {
            apps.push(App {
                exists: !created[ai],
                router: Router::new(
                    scenario.router.policy,
                    stream(seed, &format!("router/{}", app.name)),
                ),
                release: if app.new { 0 } else { 1 },
                deployed: !app.new,
                processes: app
                    .processes
                    .iter()
                    .map(|p| Process {
                        dyno_type: p.dyno_type,
                        concurrency: p.concurrency,
                        speed: p.speed,
                        members: Vec::new(),
                        next_number: 1,
                        rng: stream(seed, &format!("dyno/{}/{}", app.name, p.kind)),
                        last_scale: SimTime::ZERO,
                    })
                    .collect(),
                routable: Vec::new(),
                held: VecDeque::new(),
                router_open: 0,
                pools: app
                    .addons
                    .iter()
                    .map(|a| Pool {
                        free: a.connections,
                        waiters: VecDeque::new(),
                        unavailable_until: SimTime::ZERO,
                    })
                    .collect(),
                schema_release: None,
                active_ops: Vec::new(),
                ops_label: String::new(),
                window_latency: app
                    .processes
                    .iter()
                    .any(|p| p.autoscale.is_some())
                    .then(LatencyStats::new),
                autoscale_up: 0,
                autoscale_down: 0,
                autoscale_refused: 0,
            });
            for (ti, t) in app.traffic.iter().enumerate() {
                let prefix = format!("traffic/{}/{}", app.name, t.name);
                let net = format!("network/{}/{}", app.name, t.name);
                let calls = network::call_plans(scenario, t);
                let arrivals =
                    ArrivalGen::new(&t.arrival, stream(seed, &format!("{prefix}/arrival")))
                        .map_err(|message| RunError::Traffic {
                            class: format!("{}/{}", app.name, t.name),
                            message,
                        })?;
                classes.push(Class {
                    app: ai,
                    index_in_app: ti,
                    arrivals,
                    arrival_epoch: 0,
                    override_rate: None,
                    override_rng: stream(seed, &format!("{prefix}/override")),
                    service_rng: stream(seed, &format!("{prefix}/service")),
                    client_rng: stream(seed, &format!("{prefix}/client")),
                    net_rng: stream(seed, &format!("{net}/client")),
                    outbound_rng: stream(seed, &format!("{net}/outbound")),
                    // Trusted IP ranges guard Private Space routers only.
                    reach: if private {
                        network::reach(&t.network.clients, &trusted)
                    } else {
                        Reach::All
                    },
                    tls_fails: network::tls_fails(scenario.space.runtime, app, t),
                    network_time: network::network_time(app, t, &calls),
                    calls,
                    client_timeout: lanes[classes.len()].0,
                    arrival_lane: lanes[classes.len()].1,
                    spec: t,
                    counts: Counts::default(),
                    latency: LatencyStats::new(),
                    queue: LatencyStats::new(),
                    live: 0,
                });
                class_apps.push(ai);
            }
            for j in &app.jobs {
                let prefix = format!("jobs/{}/{}", app.name, j.name);
                let arrivals = match &j.arrival {
                    Some(a) => Some(
                        ArrivalGen::new(a, stream(seed, &format!("{prefix}/arrival"))).map_err(
                            |message| RunError::Traffic {
                                class: format!("{}/jobs/{}", app.name, j.name),
                                message,
                            },
                        )?,
                    ),
                    None => None,
                };
                job_kinds.push(JobKind {
                    app: ai,
                    process: j.process,
                    arrivals,
                    service_rng: stream(seed, &format!("{prefix}/service")),
                    enqueued: 0,
                    done: 0,
                    waiting: 0,
                    running: 0,
                    requeued: 0,
                    latency: LatencyStats::new(),
                    second_enqueued: 0,
                    second_done: 0,
                });
            }
        }
        let mut sim = Simulation {
            scenario,
            queue: EventQueue::new(),
            series: SeriesAccumulator::new(
                &class_apps,
                apps.len(),
                scenario.downtime_threshold,
                scenario.warmup,
            ),
            classes,
            apps,
            dynos: Vec::new(),
            requests: Requests::default(),
            jobs: Default::default(),
            job_kinds,
            ops: OpRecorder::new(scenario),
            op_state: scenario
                .timeline
                .iter()
                .map(|_| Default::default())
                .collect(),
            ops_rng: stream(seed, "ops"),
            next_second: 0,
            end: SimTime::ZERO + scenario.duration,
            warmup_end: SimTime::ZERO + scenario.warmup,
            peak_in_flight: 0,
            space: crate::model::space::SpaceRun::new(scenario),
            observer,
            client_addrs: Default::default(),
            stop: None,
            check: scenario.simulator.check_invariants || cfg!(debug_assertions),
        };
        match scenario.space.network.allocation {
            // The run starts with the space's creation: formations start when it is allocated.
            Some(d) if SimTime::ZERO + d < sim.end => {
                sim.queue.schedule(SimTime::ZERO + d, Event::Allocated)
            }
            Some(_) => {}
            // Apps start deployed and in steady state: every dyno up at t = 0 (new apps: none).
            None => sim.start_formations(SimTime::ZERO, false),
        }
        for c in 0..sim.classes.len() {
            sim.schedule_next_arrival(c, SimTime::ZERO)?;
        }
        for j in 0..sim.job_kinds.len() {
            sim.schedule_next_job(j)?;
        }
        for (i, op) in scenario.timeline.iter().enumerate() {
            let at = SimTime::ZERO + op.at;
            if at < sim.end {
                sim.queue.schedule(at, Event::OpStart { op: i as u32 });
            }
        }
        Ok(sim)
    }

    /// Tells the observer, if any, that dyno `d` changed.
    pub(crate) fn observe_dyno(&mut self, now: SimTime, d: u32, change: DynoChange) {
        if let Some(o) = self.observer.as_deref_mut() {
            o.dyno_changed(now, dyno_ref(&self.dynos, d), change);
        }
    }

    /// `app/class` of class `c`, for messages.
    pub(crate) fn class_label(&self, c: usize) -> String {
        let app = &self.scenario.apps[self.classes[c].app];
        format!(
            "{}/{}",
            app.name, app.traffic[self.classes[c].index_in_app].name
        )
    }

    /// Runs to the end of the scenario's duration, or until its wall-clock budget, its event
    /// limit or the stop flag ends it early with partial results.
    pub fn run(mut self, sink: &mut dyn SeriesSink) -> Result<RunOutput, RunError> {
        let deadline = self
            .scenario
            .simulator
            .wall_budget
            .map(|budget| Instant::now() + budget);
        self.series.record_latencies(sink.keeps_rows());
        let mut partial = None;
        // The stop conditions are looked at when the event count reaches `next_look`: the next
        // multiple of POLL_EVERY, or the event limit if that comes first.
        let max_events = self.scenario.simulator.max_events;
        let mut next_look = max_events.min(POLL_EVERY);
        loop {
            if self.queue.events_processed() >= next_look
                && let Some(reason) = self.stop_reason(deadline)
                && self.queue.peek_time().is_some_and(|t| t < self.end)
            {
                // The results cover what happened up to the last event processed.
                self.end = self.queue.now();
                partial = Some(Partial {
                    reason,
                    simulated: self.end.since(SimTime::ZERO),
                });
                break;
            }
            // A timeout whose request was answered is a cancelled timer, not an event.
            let requests = &self.requests;
            let next = self.queue.pop_live_before(self.end, |e| match *e {
                Event::Timeout { handle } if requests.is_answered(handle) => {
                    Due::Replaced(next_router_timeout(requests))
                }
                Event::ClientTimeout { handle } if requests.is_answered(handle) => Due::Cancelled,
                _ => Due::Live,
            });
            let Some((now, event)) = next else {
                break;
            };
            let done = self.queue.events_processed();
            if done > next_look {
                next_look = max_events.min((done / POLL_EVERY + 1) * POLL_EVERY);
            }
            self.close_seconds_through(now, sink)?;
            self.dispatch(now, event)?;
        }
        self.close_seconds_through(self.end, sink)?;
        // A run whose length is not a whole number of seconds has a last, partial second.
        if self.next_second * NANOS_PER_SEC < self.end.as_nanos() {
            self.close_second(sink)?;
        }
        if self.check {
            self.check_invariants()?;
        }
        let mut output = self.finish();
        output.partial = partial;
        Ok(output)
    }

    /// Why the run must stop now, if it must. The loop asks only when the event count reaches
    /// the event limit or a multiple of [`POLL_EVERY`], so the wall clock and the stop flag are
    /// looked at every [`POLL_EVERY`] events.
    fn stop_reason(&self, deadline: Option<Instant>) -> Option<StopReason> {
        let done = self.queue.events_processed();
        if done >= self.scenario.simulator.max_events {
            return Some(StopReason::MaxEvents);
        }
        if self.stop.is_some_and(|flag| flag.load(Ordering::Relaxed)) {
            Some(StopReason::Interrupted)
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            Some(StopReason::WallBudget)
        } else {
            None
        }
    }

    /// Handles one event. Arrivals and completions, which every request has, are handled here;
    /// every other kind goes to [`Simulation::dispatch_rare`].
    fn dispatch(&mut self, now: SimTime, event: Event) -> Result<(), RunError> {
        match event {
            Event::Arrival { class, epoch } => {
                if self.classes[class as usize].arrival_epoch == epoch {
                    self.schedule_next_arrival(class as usize, now)?;
                    self.arrive(now, class as usize, 0);
                }
                Ok(())
            }
            Event::Complete { dyno, handle } => {
                self.on_complete(now, dyno, handle);
                Ok(())
            }
            other => self.dispatch_rare(now, other),
        }
    }

    /// Every event but arrivals and completions. Out of line, so that those two, the events of
    /// every request, do not pay for saving and restoring the registers the largest of these
    /// arms needs (4% of the reference model's instructions).
    #[inline(never)]
    fn dispatch_rare(&mut self, now: SimTime, event: Event) -> Result<(), RunError> {
        match event {
            Event::Arrival { .. } | Event::Complete { .. } => {
                unreachable!("dispatched by Simulation::dispatch")
            }
            Event::Retry { class, attempt } => self.arrive(now, class as usize, attempt),
            Event::Timeout { handle } => self.on_router_timeout(now, handle),
            Event::ClientTimeout { handle } => self.on_client_timeout(now, handle),
            Event::HoldExpired { handle } => self.on_hold_expired(now, handle),
            Event::DispatchHeld { app } => self.dispatch_held(now, app as usize),
            Event::PoolTimeout { handle } => self.on_pool_timeout(now, handle),
            Event::ConnectionReleased { app, addon } => {
                self.on_connection_released(now, app as usize, addon as usize)
            }
            Event::JobArrival { job } => {
                self.schedule_next_job(job as usize)?;
                // An app that does not exist (yet, or any more) takes no jobs.
                if self.apps[self.job_kinds[job as usize].app].exists {
                    self.enqueue_job(now, job as usize);
                }
            }
            Event::Provisioned { dyno, epoch } => {
                if self.dynos[dyno as usize].epoch == epoch {
                    self.start_boot(dyno, now);
                }
            }
            Event::Booted { dyno, epoch } => {
                if self.dynos[dyno as usize].epoch == epoch {
                    self.dyno_up(dyno, now);
                }
            }
            Event::BootTimeout { dyno, epoch } => {
                if self.dynos[dyno as usize].epoch == epoch {
                    self.observe_dyno(now, dyno, DynoChange::BootTimeout);
                    self.crash(dyno, now);
                }
            }
            Event::Restart { dyno, epoch } => {
                if self.dynos[dyno as usize].epoch == epoch {
                    self.start_boot(dyno, now);
                }
            }
            Event::Kill { dyno, epoch } => {
                if self.dynos[dyno as usize].epoch == epoch {
                    self.kill(dyno, now);
                }
            }
            Event::Cycle { dyno, epoch } => {
                if self.dynos[dyno as usize].epoch == epoch {
                    self.observe_dyno(now, dyno, DynoChange::Cycling);
                    self.cycle(dyno, now);
                }
            }
            Event::OpStart { op } => self.op_start(now, op as usize),
            Event::OpStep { op, step } => self.op_step(now, op as usize, step),
            Event::Autoscale { app, process } => {
                self.autoscale(now, app as usize, process as usize)
            }
            Event::Allocated => self.allocated(now),
            Event::OneOffExit { op } => self.one_off_exit(now, op as usize),
        }
        Ok(())
    }

    /// Schedules class `c`'s next arrival after `now`, from its override rate if a traffic
    /// operation set one, else from its own process.
    pub(crate) fn schedule_next_arrival(&mut self, c: usize, now: SimTime) -> Result<(), RunError> {
        let class = &mut self.classes[c];
        let next = match class.override_rate {
            Some(rate) => {
                if rate.as_per_sec() <= 0.0 {
                    None
                } else {
                    let gap: f64 = rand_distr::Distribution::sample(
                        &rand_distr::Exp1,
                        &mut class.override_rng,
                    );
                    Some(now + SimDuration::from_secs_f64(gap / rate.as_per_sec()))
                }
            }
            None => loop {
                let t = match class.arrivals.next_arrival() {
                    Ok(t) => t,
                    Err(message) => {
                        return Err(RunError::Traffic {
                            class: self.class_label(c),
                            message,
                        });
                    }
                };
                // After a traffic operation ends, skip the arrivals its own process would have
                // made meanwhile.
                match t {
                    Some(t) if t < now => continue,
                    other => break other,
                }
            },
        };
        if let Some(t) = next
            && t < self.end
        {
            let class = &self.classes[c];
            let event = Event::Arrival {
                class: c as u32,
                epoch: class.arrival_epoch,
            };
            match class.arrival_lane {
                Some(lane) => self.queue.schedule_in_slot(lane, t, event),
                None => self.queue.schedule(t, event),
            }
        }
        Ok(())
    }

    /// Closes every second that ends at or before `t`. Called for every event, and almost
    /// always with nothing to close: inlined, so that case is one comparison.
    #[inline(always)]
    fn close_seconds_through(
        &mut self,
        t: SimTime,
        sink: &mut dyn SeriesSink,
    ) -> Result<(), RunError> {
        while (self.next_second + 1) * NANOS_PER_SEC <= t.as_nanos() {
            self.close_second(sink)?;
        }
        Ok(())
    }

    fn close_second(&mut self, sink: &mut dyn SeriesSink) -> Result<(), RunError> {
        let time_s = self.next_second;
        let scenario = self.scenario;
        let labels: Vec<&str> = self.apps.iter().map(|a| a.ops_label.as_str()).collect();
        let names: Vec<(&str, &str, &str)> = self
            .classes
            .iter()
            .map(|c| {
                let app = &scenario.apps[c.app];
                (
                    app.name.as_str(),
                    app.traffic[c.index_in_app].name.as_str(),
                    labels[c.app],
                )
            })
            .collect();
        let live: Vec<u64> = self.classes.iter().map(|c| c.live).collect();
        let down = self
            .series
            .close_second(time_s, |c| names[c], |c| live[c], sink)?;
        // One pass over the dynos: (by state, busy, backlog) per (app, process type).
        let mut tally: Vec<Vec<([u64; 6], u64, u64)>> = scenario
            .apps
            .iter()
            .map(|a| vec![([0u64; 6], 0, 0); a.processes.len()])
            .collect();
        for d in self.dynos.iter().filter(|d| d.state != DynoState::Down) {
            let t = &mut tally[d.app as usize][d.process as usize];
            t.0[d.state as usize] += 1;
            t.1 += u64::from(d.busy());
            t.2 += d.waiting.len() as u64;
        }
        for (ai, app) in scenario.apps.iter().enumerate() {
            for (pi, p) in app.processes.iter().enumerate() {
                let (dynos, busy, backlog) = tally[ai][pi];
                sink.process(&ProcessRow {
                    time_s,
                    app: &app.name,
                    process: &p.kind,
                    dynos,
                    busy,
                    backlog,
                    operations: labels[ai],
                })?;
            }
        }
        let firsts: Vec<usize> = (0..scenario.apps.len())
            .map(|a| self.job_first_index(a))
            .collect();
        for (j, kind) in self.job_kinds.iter_mut().enumerate() {
            let app = &scenario.apps[kind.app];
            let first = firsts[kind.app];
            sink.jobs(&JobRow {
                time_s,
                app: &app.name,
                job: &app.jobs[j - first].name,
                enqueued: kind.second_enqueued,
                done: kind.second_done,
                waiting: kind.waiting,
                running: kind.running,
                operations: labels[kind.app],
            })?;
            kind.second_enqueued = 0;
            kind.second_done = 0;
        }
        for (ai, is_down) in down.into_iter().enumerate() {
            self.ops.second_closed(ai, time_s, is_down);
        }
        self.next_second += 1;
        if self.check {
            self.check_invariants()?;
        }
        Ok(())
    }

    /// Index of the first job kind of app `app` in `job_kinds`.
    pub(crate) fn job_first_index(&self, app: usize) -> usize {
        self.scenario.apps[..app].iter().map(|a| a.jobs.len()).sum()
    }

    fn finish(mut self) -> RunOutput {
        for r in self.requests.iter() {
            if r.counted && !r.answered {
                self.classes[r.class as usize].counts.in_flight += 1;
            }
        }
        let scenario = self.scenario;
        let classes = self
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                debug_assert_eq!(
                    c.counts.total,
                    c.counts.ok + c.counts.failed() + c.counts.blocked + c.counts.in_flight,
                    "every counted request ends exactly once"
                );
                ClassResult {
                    app: c.app,
                    name: c.spec.name.clone(),
                    counts: c.counts.clone(),
                    latency: c.latency.clone(),
                    queue: c.queue.clone(),
                    downtime_s: self.series.class_downtime_s(i),
                }
            })
            .collect();
        let apps = scenario
            .apps
            .iter()
            .enumerate()
            .map(|(a, app)| AppResult {
                name: app.name.clone(),
                downtime_s: self.series.app_downtime_s(a),
                autoscale_up: self.apps[a].autoscale_up,
                autoscale_down: self.apps[a].autoscale_down,
                autoscale_refused: self.apps[a].autoscale_refused,
            })
            .collect();
        let jobs = self
            .job_kinds
            .iter()
            .enumerate()
            .map(|(j, k)| {
                debug_assert_eq!(k.enqueued, k.done + k.waiting + k.running, "no job is lost");
                JobResult {
                    app: k.app,
                    name: scenario.apps[k.app].jobs[j - self.job_first_index(k.app)]
                        .name
                        .clone(),
                    enqueued: k.enqueued,
                    done: k.done,
                    waiting: k.waiting,
                    running: k.running,
                    requeued: k.requeued,
                    latency: k.latency.clone(),
                }
            })
            .collect();
        let mut seconds = std::collections::BTreeMap::<&str, f64>::new();
        let one_offs = self
            .space
            .one_offs
            .iter()
            .map(|o| (o.dyno_type, o.born, o.died));
        for (dyno_type, born, died) in self
            .dynos
            .iter()
            .map(|d| (d.dyno_type, d.born, d.died))
            .chain(one_offs)
        {
            let until = died.unwrap_or(self.end).min(self.end);
            *seconds.entry(dyno_type.name).or_default() +=
                until.since(born.min(until)).as_secs_f64();
        }
        let space = self.space_result();
        let predictions = zero_downtime::predict(scenario);
        let operations = self.ops.finish(self.end, &predictions);
        RunOutput {
            classes,
            apps,
            jobs,
            space,
            downtime_s: self.series.total_downtime_s(),
            events: self.queue.events_processed(),
            peak_in_flight: self.peak_in_flight,
            operations,
            predictions,
            dyno_seconds: seconds
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            partial: None,
        }
    }
}

/// How an observer names dyno `d`.
pub(crate) fn dyno_ref(dynos: &[Dyno], d: u32) -> DynoRef {
    let dyno = &dynos[d as usize];
    DynoRef {
        id: d,
        app: dyno.app,
        process: dyno.process,
        number: dyno.number,
    }
}
