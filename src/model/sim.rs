//! One simulation run: traffic arrives, the router picks a dyno, the dyno serves or queues,
//! and every request ends as ok, failed (by code), blocked or still in flight.
//!
//! # Lifecycle of a request
//! An arrival goes to its app's router. With no up web dyno it fails at once (H14); when the
//! run already holds `simulator.max_in_flight` requests it fails at once (H11). Otherwise the
//! router picks a dyno (policy), which serves it in a free slot, queues it in its backlog, or,
//! with the backlog full, refuses it (H21). A request unanswered `router.timeout` after arrival
//! fails with H12; as on the platform the dyno is not told and still serves it later, so its
//! slot stays busy (facts §1.3: the app keeps running after H12).
//!
//! # Determinism
//! Events are ordered by (time, insertion order); every random draw comes from a stream named
//! after its consumer (`traffic/<app>/<class>/arrival`, `.../service`, `router/<app>`), so a
//! routing policy change does not change arrival or service times (common random numbers).

use crate::engine::{EventQueue, NANOS_PER_SEC, SimDuration, SimTime, Stream, stream};
use crate::metrics::series::CODES;
use crate::metrics::{LatencyStats, ProcessRow, SeriesAccumulator, SeriesSink};
use crate::model::arrival::ArrivalGen;
use crate::model::codes::ErrorCode;
use crate::model::dyno::{Admission, Dyno, DynoState};
use crate::model::request::{Request, Requests};
use crate::model::router::Router;
use crate::model::service::ServiceDist;
use crate::scenario::Scenario;

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
}

/// Request counts of one traffic class. Counts cover requests that arrived after the warm-up;
/// `warmup` counts the others. `total = ok + failed + blocked + in_flight`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Arrivals after the warm-up.
    pub total: u64,
    /// Answered successfully.
    pub ok: u64,
    /// Failed, by code, in [`ErrorCode::ALL`] order.
    pub failed_by_code: [u64; CODES],
    /// Refused before reaching a dyno.
    pub blocked: u64,
    /// Unanswered when the run ended.
    pub in_flight: u64,
    /// Arrivals during the warm-up (simulated, not counted above).
    pub warmup: u64,
}

impl Counts {
    /// Failed requests, all codes.
    pub fn failed(&self) -> u64 {
        self.failed_by_code.iter().sum()
    }

    /// Adds `other` to these counts.
    pub fn add(&mut self, other: &Counts) {
        self.total += other.total;
        self.ok += other.ok;
        for (a, b) in self.failed_by_code.iter_mut().zip(other.failed_by_code) {
            *a += b;
        }
        self.blocked += other.blocked;
        self.in_flight += other.in_flight;
        self.warmup += other.warmup;
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

/// What one app saw (its classes are in [`RunOutput::classes`]).
#[derive(Clone, Debug)]
pub struct AppResult {
    /// App name.
    pub name: String,
    /// Seconds counted as downtime for the app.
    pub downtime_s: u64,
}

/// Everything a run measured.
#[derive(Clone, Debug)]
pub struct RunOutput {
    /// Per traffic class, apps in file order, classes in file order.
    pub classes: Vec<ClassResult>,
    /// Per app, in file order.
    pub apps: Vec<AppResult>,
    /// Seconds counted as downtime over all apps.
    pub downtime_s: u64,
    /// Events processed.
    pub events: u64,
    /// Most requests held at once (answered or not).
    pub peak_in_flight: u64,
}

#[derive(Copy, Clone, Debug)]
enum Event {
    Arrival { class: u32 },
    Complete { dyno: u32, request: u64 },
    Timeout { request: u64 },
}

struct Class<'s> {
    app: usize,
    arrivals: ArrivalGen,
    service_rng: Stream,
    service: &'s ServiceDist,
    counts: Counts,
    latency: LatencyStats,
    queue: LatencyStats,
    live: u64,
}

struct App {
    router: Router,
    up_web: Vec<u32>,
}

/// A run in progress.
pub struct Simulation<'s> {
    scenario: &'s Scenario,
    queue: EventQueue<Event>,
    classes: Vec<Class<'s>>,
    apps: Vec<App>,
    dynos: Vec<Dyno>,
    requests: Requests,
    series: SeriesAccumulator,
    next_second: u64,
    end: SimTime,
    warmup_end: SimTime,
    peak_in_flight: u64,
}

/// Runs `scenario` to its end, streaming closed seconds to `sink`.
pub fn run(scenario: &Scenario, sink: &mut dyn SeriesSink) -> Result<RunOutput, RunError> {
    Simulation::new(scenario)?.run(sink)
}

impl<'s> Simulation<'s> {
    /// Sets up dynos, routers and traffic sources at time zero.
    pub fn new(scenario: &'s Scenario) -> Result<Self, RunError> {
        let seed = scenario.seed;
        let mut dynos = Vec::new();
        let mut apps = Vec::new();
        let mut classes = Vec::new();
        let mut class_apps = Vec::new();
        for (ai, app) in scenario.apps.iter().enumerate() {
            let mut up_web = Vec::new();
            for (pi, p) in app.processes.iter().enumerate() {
                for n in 0..p.count {
                    let id = u32::try_from(dynos.len()).expect("fewer than 2^32 dynos");
                    if p.is_web() {
                        up_web.push(id);
                    }
                    dynos.push(Dyno {
                        app: ai as u32,
                        process: pi as u32,
                        number: n + 1,
                        state: DynoState::Up,
                        concurrency: p.concurrency,
                        backlog_cap: p.backlog,
                        speed: p.speed,
                        busy: 0,
                        waiting: Default::default(),
                        open: 0,
                    });
                }
            }
            apps.push(App {
                router: Router::new(
                    scenario.router.policy,
                    stream(seed, &format!("router/{}", app.name)),
                ),
                up_web,
            });
            for t in &app.traffic {
                let prefix = format!("traffic/{}/{}", app.name, t.name);
                let arrivals =
                    ArrivalGen::new(&t.arrival, stream(seed, &format!("{prefix}/arrival")))
                        .map_err(|message| RunError::Traffic {
                            class: format!("{}/{}", app.name, t.name),
                            message,
                        })?;
                classes.push(Class {
                    app: ai,
                    arrivals,
                    service_rng: stream(seed, &format!("{prefix}/service")),
                    service: &t.service,
                    counts: Counts::default(),
                    latency: LatencyStats::new(),
                    queue: LatencyStats::new(),
                    live: 0,
                });
                class_apps.push(ai);
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
            dynos,
            requests: Requests::default(),
            next_second: 0,
            end: SimTime::ZERO + scenario.duration,
            warmup_end: SimTime::ZERO + scenario.warmup,
            peak_in_flight: 0,
        };
        for c in 0..sim.classes.len() {
            sim.schedule_next_arrival(c)?;
        }
        Ok(sim)
    }

    fn class_label(&self, c: usize) -> String {
        let app = &self.scenario.apps[self.classes[c].app];
        let index_in_app = c - self
            .classes
            .iter()
            .position(|k| k.app == self.classes[c].app)
            .unwrap_or(0);
        format!("{}/{}", app.name, app.traffic[index_in_app].name)
    }

    fn schedule_next_arrival(&mut self, c: usize) -> Result<(), RunError> {
        let next =
            self.classes[c]
                .arrivals
                .next_arrival()
                .map_err(|message| RunError::Traffic {
                    class: self.class_label(c),
                    message,
                })?;
        if let Some(t) = next
            && t < self.end
        {
            self.queue.schedule(t, Event::Arrival { class: c as u32 });
        }
        Ok(())
    }

    /// Runs to the end of the scenario's duration.
    pub fn run(mut self, sink: &mut dyn SeriesSink) -> Result<RunOutput, RunError> {
        while let Some(t) = self.queue.peek_time() {
            if t >= self.end {
                break;
            }
            self.close_seconds_through(t, sink)?;
            let (now, event) = self.queue.pop().expect("peeked");
            match event {
                Event::Arrival { class } => self.on_arrival(now, class as usize)?,
                Event::Complete { dyno, request } => self.on_complete(now, dyno, request),
                Event::Timeout { request } => self.on_timeout(request),
            }
        }
        self.close_seconds_through(self.end, sink)?;
        // A run whose length is not a whole number of seconds has a last, partial second.
        if self.next_second * NANOS_PER_SEC < self.end.as_nanos() {
            self.close_second(sink)?;
        }
        Ok(self.finish())
    }

    /// Closes every second that ends at or before `t`.
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
        let names: Vec<(&str, &str)> = scenario
            .apps
            .iter()
            .flat_map(|a| {
                a.traffic
                    .iter()
                    .map(move |t| (a.name.as_str(), t.name.as_str()))
            })
            .collect();
        let live: Vec<u64> = self.classes.iter().map(|c| c.live).collect();
        self.series
            .close_second(time_s, |c| names[c], |c| live[c], sink)?;
        for (ai, app) in scenario.apps.iter().enumerate() {
            for (pi, p) in app.processes.iter().enumerate() {
                let (mut up, mut busy, mut backlog) = (0u64, 0u64, 0u64);
                for d in self
                    .dynos
                    .iter()
                    .filter(|d| d.app as usize == ai && d.process as usize == pi)
                {
                    if d.state == DynoState::Up {
                        up += 1;
                    }
                    busy += u64::from(d.busy);
                    backlog += d.waiting.len() as u64;
                }
                sink.process(&ProcessRow {
                    time_s,
                    app: &app.name,
                    process: &p.kind,
                    dynos_up: up,
                    busy,
                    backlog,
                })?;
            }
        }
        self.next_second += 1;
        Ok(())
    }

    fn on_arrival(&mut self, now: SimTime, c: usize) -> Result<(), RunError> {
        self.schedule_next_arrival(c)?;
        let counted = now >= self.warmup_end;
        let class = &mut self.classes[c];
        if counted {
            class.counts.total += 1;
        } else {
            class.counts.warmup += 1;
        }
        self.series.arrival(c);
        let app = class.app;
        let service = class.service.sample(&mut class.service_rng);

        if self.requests.len() as u64 >= self.scenario.simulator.max_in_flight {
            self.fail(c, ErrorCode::H11, counted);
            return Ok(());
        }
        let dynos = &self.dynos;
        let App { router, up_web } = &mut self.apps[app];
        let Some(d) = router.pick(up_web, |d| dynos[d as usize].open) else {
            self.fail(c, ErrorCode::H14, counted);
            return Ok(());
        };
        let handle = self.requests.insert(Request {
            arrival: now,
            service,
            class: c as u32,
            dyno: d,
            answered: false,
            counted,
        });
        match self.dynos[d as usize].admit(handle) {
            Admission::Serve => self.start_service(now, d, handle),
            Admission::Queued => {}
            Admission::Refused => {
                self.requests.remove(handle);
                self.fail(c, ErrorCode::H21, counted);
                return Ok(());
            }
        }
        self.dynos[d as usize].open += 1;
        self.classes[c].live += 1;
        self.peak_in_flight = self.peak_in_flight.max(self.requests.len() as u64);
        self.queue.schedule(
            now + self.scenario.router.timeout,
            Event::Timeout { request: handle },
        );
        Ok(())
    }

    fn start_service(&mut self, now: SimTime, d: u32, handle: u64) {
        let dyno = &self.dynos[d as usize];
        let r = self
            .requests
            .get_mut(handle)
            .expect("a request being served is held");
        let service = if dyno.speed == 1.0 {
            r.service
        } else {
            SimDuration::from_secs_f64(r.service.as_secs_f64() / dyno.speed)
        };
        if r.counted && !r.answered {
            self.classes[r.class as usize]
                .queue
                .record(now.since(r.arrival));
        }
        self.queue.schedule(
            now + service,
            Event::Complete {
                dyno: d,
                request: handle,
            },
        );
    }

    fn on_complete(&mut self, now: SimTime, d: u32, handle: u64) {
        let r = self.requests.remove(handle);
        if !r.answered {
            let c = r.class as usize;
            let latency = now.since(r.arrival);
            let class = &mut self.classes[c];
            class.live -= 1;
            if r.counted {
                class.counts.ok += 1;
                class.latency.record(latency);
            }
            self.series.ok(c, latency);
            self.dynos[d as usize].open -= 1;
        }
        if let Some(next) = self.dynos[d as usize].finish() {
            self.start_service(now, d, next);
        }
    }

    fn on_timeout(&mut self, handle: u64) {
        let Some(r) = self.requests.get_mut(handle) else {
            return; // answered and gone already
        };
        if r.answered {
            return;
        }
        r.answered = true;
        let (c, d, counted) = (r.class as usize, r.dyno, r.counted);
        self.classes[c].live -= 1;
        self.dynos[d as usize].open -= 1;
        self.fail(c, ErrorCode::H12, counted);
    }

    fn fail(&mut self, c: usize, code: ErrorCode, counted: bool) {
        if counted {
            let i = ErrorCode::ALL
                .iter()
                .position(|&k| k == code)
                .expect("listed");
            self.classes[c].counts.failed_by_code[i] += 1;
        }
        self.series.failed(c, code);
    }

    fn finish(mut self) -> RunOutput {
        for r in self.requests.iter() {
            if r.counted && !r.answered {
                self.classes[r.class as usize].counts.in_flight += 1;
            }
        }
        let classes = self
            .classes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let app = &self.scenario.apps[c.app];
                let first = self
                    .classes
                    .iter()
                    .position(|k| k.app == c.app)
                    .expect("own app");
                debug_assert_eq!(
                    c.counts.total,
                    c.counts.ok + c.counts.failed() + c.counts.blocked + c.counts.in_flight,
                    "every counted request ends exactly once"
                );
                ClassResult {
                    app: c.app,
                    name: app.traffic[i - first].name.clone(),
                    counts: c.counts.clone(),
                    latency: c.latency.clone(),
                    queue: c.queue.clone(),
                    downtime_s: self.series.class_downtime_s(i),
                }
            })
            .collect();
        let apps = self
            .scenario
            .apps
            .iter()
            .enumerate()
            .map(|(a, app)| AppResult {
                name: app.name.clone(),
                downtime_s: self.series.app_downtime_s(a),
            })
            .collect();
        RunOutput {
            classes,
            apps,
            downtime_s: self.series.total_downtime_s(),
            events: self.queue.events_processed(),
            peak_in_flight: self.peak_in_flight,
        }
    }
}
