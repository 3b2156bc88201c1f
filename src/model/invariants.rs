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
//! - Every unanswered request's router timeout is pending: the deadline list holds exactly the
//!   unanswered requests, in the order their timeouts fall due, and the event queue's timeout
//!   lane holds a front no later than the list's first.
//! - Time never goes backwards: the event queue refuses to schedule into the past
//!   ([`crate::engine::EventQueue::schedule`]).

use crate::engine::queue::time_of;
use crate::model::dyno::DynoState;
use crate::model::request::{NO_DYNO, Stage};
use crate::model::sim::{ROUTER_TIMEOUT_LANE, RunError, Simulation};

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
            .or_else(|| self.router_timeouts())
    }

    /// No unanswered request can miss its router timeout (H12).
    fn router_timeouts(&self) -> Option<String> {
        let (mut listed, mut last) = (0usize, 0u128);
        for (key, h) in self.requests.deadlines() {
            if self.requests.is_answered(h) {
                return Some(format!(
                    "request {h:#x} waits for its router timeout but was answered"
                ));
            }
            if key < last {
                return Some("the router timeouts are out of order".into());
            }
            (listed, last) = (listed + 1, key);
        }
        let unanswered = self.requests.iter().filter(|r| !r.answered).count();
        if listed != unanswered {
            return Some(format!(
                "{unanswered} requests are unanswered but {listed} wait for a router timeout"
            ));
        }
        // Seconds close after an event is popped and before it is handled: a timeout due now
        // may have just left the lane, and its request is answered next.
        let just_popped = |key: u128| time_of(key) == self.queue.now();
        match (
            self.requests.first_deadline(),
            self.queue.lane_front(ROUTER_TIMEOUT_LANE),
        ) {
            (Some((first, _)), None) if !just_popped(first) => {
                Some("the next router timeout is not in the event queue".into())
            }
            (Some((first, _)), Some(front)) if front > first => Some(format!(
                "the event queue's next router timeout is later than the list's first ({front} > \
                 {first})"
            )),
            _ => None,
        }
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::{self, Scenario};

    const TEXT: &str = r#"name = "inv"
duration = "10s"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 2
concurrency = 2

[[apps.processes]]
type = "worker"
count = 1

[[apps.jobs]]
name = "mail"
process = "worker"
arrival = { process = "poisson", rate = "5/s" }
service = "100ms"

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "20/s" }
service = "50ms"
"#;

    fn scenario() -> Scenario {
        scenario::parse(TEXT, "inv.toml", Path::new("."), None).expect("valid")
    }

    /// The message of the first broken invariant after `tamper`.
    fn broken(tamper: impl FnOnce(&mut Simulation)) -> String {
        let s = scenario();
        let mut sim = Simulation::new(&s).expect("starts");
        assert_eq!(sim.invariant_message(), None, "a fresh run holds them all");
        tamper(&mut sim);
        match sim.check_invariants() {
            Err(RunError::Invariant { message, .. }) => message,
            other => panic!("not caught: {other:?}"),
        }
    }

    #[test]
    fn a_lost_or_extra_request_breaks_conservation() {
        let m = broken(|sim| sim.classes[0].counts.total += 1);
        assert!(m.contains("1 requests arrived but ok 0"), "{m}");
        let m = broken(|sim| sim.classes[0].live += 1);
        assert!(m.contains("counted in flight"), "{m}");
        let m = broken(|sim| sim.job_kinds[0].enqueued += 1);
        assert!(m.contains("job kind 0: 1 enqueued"), "{m}");
    }

    #[test]
    fn negative_capacity_is_caught() {
        let m = broken(|sim| sim.dynos[0].serving.extend([1, 2, 3]));
        assert!(m.contains("serves 3 at once with 2 slots"), "{m}");
    }

    #[test]
    fn routing_to_a_dyno_that_is_not_up_is_caught() {
        let m = broken(|sim| {
            let d = sim.apps[0].routable[0];
            sim.dynos[d as usize].state = DynoState::Crashed;
        });
        assert!(m.contains("which is crashed"), "{m}");
        let m = broken(|sim| {
            let d = sim.apps[0].routable[0];
            sim.apps[0].routable.push(d);
        });
        assert!(m.contains("routable twice"), "{m}");
    }

    #[test]
    fn a_down_dyno_holding_work_is_caught() {
        let m = broken(|sim| {
            let d = sim.apps[0].routable[0] as usize;
            sim.dynos[d].state = DynoState::Down;
            sim.dynos[d].waiting.push_back(7);
            sim.apps[0].routable.retain(|&r| r as usize != d);
        });
        assert!(
            m.contains("is down but holds 0 in slots and 1 in its backlog"),
            "{m}"
        );
    }

    #[test]
    fn a_request_without_its_router_timeout_is_caught() {
        use crate::engine::SimTime;
        use crate::model::request::Request;
        let arrived = |sim: &mut Simulation| {
            sim.classes[0].counts.total += 1;
            sim.classes[0].live += 1;
            sim.requests.insert(Request::for_test(Stage::Held))
        };
        let m = broken(|sim| {
            arrived(sim);
        });
        assert!(m.contains("1 requests are unanswered but 0 wait"), "{m}");
        let m = broken(|sim| {
            let h = arrived(sim);
            let key = sim.queue.reserve(SimTime(30));
            sim.requests.add_deadline(h, key);
        });
        assert!(m.contains("not in the event queue"), "{m}");
        let m = broken(|sim| {
            let h = arrived(sim);
            let key = sim.queue.reserve(SimTime(30));
            let later = sim.queue.reserve(SimTime(31));
            sim.requests.add_deadline(h, key);
            let event = crate::model::sim::Event::Timeout { handle: h };
            sim.queue
                .set_lane_front(ROUTER_TIMEOUT_LANE, Some((later, event)));
        });
        assert!(m.contains("later than the list's first"), "{m}");
        let m = broken(|sim| {
            let h = arrived(sim);
            sim.requests.add_deadline(h, 5);
            sim.requests.get_mut(h).expect("held").answered = true;
            sim.classes[0].live -= 1;
            sim.classes[0].counts.failed_by_code[0] += 1;
        });
        assert!(m.contains("was answered"), "{m}");
    }

    #[test]
    fn a_whole_run_with_checks_on_holds_them() {
        let mut s = scenario();
        s.simulator.check_invariants = true;
        let out = crate::model::sim::run(&s, &mut crate::metrics::NullSink).expect("holds");
        assert!(out.classes[0].counts.ok > 100);
    }
}
