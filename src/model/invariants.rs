//! The model's invariants, checked at every closed second and at the end of a run when
//! `simulator.check_invariants` is set (`spacesim run --check-invariants`) and always in debug
//! builds. A broken invariant is a bug in spacesim: the run stops with
//! [`RunError::Invariant`] naming it.
//!
//! - Conservation: every counted request that arrived is ok, failed, blocked or in flight, and
//!   each class's in-flight count matches the requests held; every job enqueued is done,
//!   waiting or running.
//! - Capacity is never negative: no dyno serves more than its concurrency, no pool lends more
//!   connections than it has.
//! - A dyno is in exactly one state, and its state agrees with what it holds: only up or
//!   stopping dynos serve, down dynos hold nothing, the router's routable list holds only up,
//!   routable dynos, each once.
//! - No request is served by a dyno that is not up (or draining): a request in service is in
//!   its dyno's slots, and its dyno is up or stopping.
//! - Time never goes backwards: the event queue refuses to schedule into the past
//!   ([`crate::engine::EventQueue::schedule`]).

use crate::model::dyno::DynoState;
use crate::model::request::{NO_DYNO, Stage};
use crate::model::sim::{RunError, Simulation};

impl Simulation<'_> {
    /// Checks every invariant; the first broken one is the error.
    pub(crate) fn check_invariants(&self) -> Result<(), RunError> {
        self.invariant_message().map_or(Ok(()), |message| {
            Err(RunError::Invariant {
                at_s: self
                    .queue
                    .now()
                    .since(crate::engine::SimTime::ZERO)
                    .as_secs_f64(),
                message,
            })
        })
    }

    fn invariant_message(&self) -> Option<String> {
        self.conservation()
            .or_else(|| self.capacity())
            .or_else(|| self.service_places())
    }

    /// Requests and jobs are neither lost nor counted twice.
    fn conservation(&self) -> Option<String> {
        let mut unanswered = vec![0u64; self.classes.len()];
        let mut counted_in_flight = vec![0u64; self.classes.len()];
        for r in self.requests.iter().filter(|r| !r.answered) {
            unanswered[r.class as usize] += 1;
            counted_in_flight[r.class as usize] += u64::from(r.counted);
        }
        for (c, class) in self.classes.iter().enumerate() {
            let n = &class.counts;
            let accounted = n.ok + n.failed() + n.blocked + counted_in_flight[c];
            if n.total != accounted {
                return Some(format!(
                    "class {}: {} requests arrived but ok {} + failed {} + blocked {} + in \
                     flight {} = {accounted}",
                    self.class_label(c),
                    n.total,
                    n.ok,
                    n.failed(),
                    n.blocked,
                    counted_in_flight[c]
                ));
            }
            if class.live != unanswered[c] {
                return Some(format!(
                    "class {}: {} requests counted in flight but {} held unanswered",
                    self.class_label(c),
                    class.live,
                    unanswered[c]
                ));
            }
        }
        for (j, kind) in self.job_kinds.iter().enumerate() {
            if kind.enqueued != kind.done + kind.waiting + kind.running {
                return Some(format!(
                    "job kind {j}: {} enqueued but done {} + waiting {} + running {}",
                    kind.enqueued, kind.done, kind.waiting, kind.running
                ));
            }
        }
        None
    }

    /// No slot or connection is used twice.
    fn capacity(&self) -> Option<String> {
        for (d, dyno) in self.dynos.iter().enumerate() {
            if dyno.busy() > dyno.concurrency {
                return Some(format!(
                    "dyno {d} serves {} at once with {} slots",
                    dyno.busy(),
                    dyno.concurrency
                ));
            }
        }
        for (a, app) in self.apps.iter().enumerate() {
            for (p, pool) in app.pools.iter().enumerate() {
                let size = self.scenario.apps[a].addons[p].connections;
                if pool.free > size {
                    return Some(format!(
                        "app {a} add-on {p}: {} connections free of {size}",
                        pool.free
                    ));
                }
            }
        }
        None
    }

    /// Every request in service is on an up (or draining) dyno that holds it, and the routers
    /// route to up dynos only.
    fn service_places(&self) -> Option<String> {
        let mut in_slots = 0usize;
        for (d, dyno) in self.dynos.iter().enumerate() {
            let requests = dyno
                .serving
                .iter()
                .filter(|&&h| !self.jobs.contains(h))
                .filter_map(|&h| self.requests.get(h));
            for r in requests {
                in_slots += 1;
                if r.dyno != d as u32 {
                    return Some(format!("dyno {d} serves a request routed to {}", r.dyno));
                }
                if !matches!(dyno.state, DynoState::Up | DynoState::Stopping) {
                    return Some(format!(
                        "dyno {d} serves a request while {}",
                        dyno.state.name()
                    ));
                }
            }
            if dyno.state == DynoState::Down && !dyno.is_idle() {
                return Some(format!(
                    "dyno {d} is down but holds {} in slots and {} in its backlog",
                    dyno.busy(),
                    dyno.waiting.len()
                ));
            }
        }
        let serving = self
            .requests
            .iter()
            .filter(|r| matches!(r.stage, Stage::Serving | Stage::WaitingConnection))
            .filter(|r| r.dyno != NO_DYNO)
            .count();
        if serving != in_slots {
            return Some(format!(
                "{serving} requests are in service but dynos' slots hold {in_slots}"
            ));
        }
        for (a, app) in self.apps.iter().enumerate() {
            for (i, &d) in app.routable.iter().enumerate() {
                let dyno = &self.dynos[d as usize];
                if dyno.state != DynoState::Up || !dyno.routable {
                    return Some(format!(
                        "app {a} routes to dyno {d}, which is {}{}",
                        dyno.state.name(),
                        if dyno.routable {
                            ""
                        } else {
                            " and not routable"
                        }
                    ));
                }
                if app.routable[..i].contains(&d) {
                    return Some(format!("app {a} lists dyno {d} as routable twice"));
                }
            }
        }
        None
    }
}
