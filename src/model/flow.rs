//! The request flow: arrival, routing, service, add-on connections, answers and retries.
//!
//! Router behaviour by runtime (facts §1.2): the Private Space router does not retry and
//! answers at once when no dyno is routable (H14, an assumption: the platform does not document
//! it); the Common Runtime router caps requests in flight at 200 per up web dyno (H11), retries
//! a refusing dyno's request on other dynos with a 5 s quarantine (H21 when all refuse), and
//! holds requests for up to 75 s while no dyno is routable (H20; H99 when up dynos stayed
//! quarantined). The router timeout (H12, 30 s) runs from arrival, so with the defaults a held
//! request fails with H12 before the hold ends (facts §3.1: "30 s H12 still applies").
//!
//! Before routing, the space's network has its say ([`crate::model::network`]): a request to an
//! app that does not exist fails (`no_such_app`), one from outside the trusted IP ranges is
//! blocked, one whose TLS handshake cannot succeed fails (`tls_handshake`); at the dyno, a
//! refused external call fails the request (`external_refused`).

use crate::engine::{SimDuration, SimTime};
use crate::model::codes::ErrorCode;
use crate::model::dyno::{Admission, DynoState};
use crate::model::observe::RequestEnd;
use crate::model::request::{NO_DYNO, Request, Stage};
use crate::model::sim::{Event, ROUTER_TIMEOUT_LANE, Simulation, next_router_timeout};
use crate::scenario::{AddonKind, Hold, Runtime};

impl Simulation<'_> {
    fn common_runtime(&self) -> bool {
        self.scenario.space.runtime == Runtime::Common
    }

    /// A request of class `c` arrives (its client's `attempt`-th retry when above 0).
    pub(crate) fn arrive(&mut self, now: SimTime, c: usize, attempt: u32) {
        let counted = now >= self.warmup_end;
        let class = &mut self.classes[c];
        if counted {
            class.counts.total += 1;
            if attempt > 0 {
                class.counts.retries += 1;
            }
        } else {
            class.counts.warmup += 1;
        }
        self.series.arrival(c);
        let service = class.spec.service.sample(&mut class.service_rng);

        let a = class.app;
        if !self.apps[a].exists {
            self.fail_unrouted(now, c, ErrorCode::NoSuchApp, counted, attempt, None);
            return;
        }
        let (admitted, client) = self.client_admitted(c);
        if !admitted {
            // Refused by the router before TLS or a dyno: not a failure, and the client does
            // not retry from the same address.
            if counted {
                self.classes[c].counts.blocked += 1;
            }
            self.series.blocked(c);
            return;
        }
        if self.classes[c].tls_fails {
            self.fail_unrouted(now, c, ErrorCode::TlsHandshake, counted, attempt, client);
            return;
        }
        if self.requests.len() as u64 >= self.scenario.simulator.max_in_flight {
            self.fail_unrouted(now, c, ErrorCode::H11, counted, attempt, client);
            return;
        }
        let handle = self.requests.insert(Request {
            arrival: now,
            service,
            class: c as u32,
            dyno: NO_DYNO,
            answered: false,
            counted,
            attempt,
            stage: Stage::Held,
            connections: 0,
        });
        if let Some(addr) = client
            && self.observer.is_some()
        {
            self.client_addrs.insert(handle, addr);
        }
        self.classes[c].live += 1;
        self.peak_in_flight = self.peak_in_flight.max(self.requests.len() as u64);
        // The router's timeout runs from arrival, time held included: facts §3.1 reports H12s
        // during restarts without preboot ([3P]); the documented 30 s window (§1.3) starts when
        // the request reaches the dyno, which is the same moment for requests not held.
        // Router timeouts come a fixed delay after arrival, so they fall due in arrival order:
        // the request slab keeps them as a list, and the queue holds only the first.
        // An answered request leaves the list at once, but its timeout may stay the lane's
        // front until it comes due (then the list's head replaces it, unseen).
        let key = self.queue.reserve(now + self.scenario.router.timeout);
        if self.requests.add_deadline(handle, key)
            && self.queue.lane_front(ROUTER_TIMEOUT_LANE).is_none()
        {
            self.queue
                .set_lane_front(ROUTER_TIMEOUT_LANE, Some((key, Event::Timeout { handle })));
        }
        if let Some((lane, timeout)) = self.classes[c].client_timeout {
            self.queue
                .schedule_in_lane(lane, now + timeout, Event::ClientTimeout { handle });
        }
        self.route(now, handle, c, true);
    }

    /// Sends request `handle` of class `c` to a dyno, holds it, or fails it.
    fn route(&mut self, now: SimTime, handle: u64, c: usize, first_time: bool) {
        let a = self.classes[c].app;
        if self.common_runtime() {
            self.route_common(now, handle, a, first_time);
        } else {
            self.route_private(now, handle, a);
        }
    }

    /// The Private Space router picks once among the routable dynos: no retry, and an answer
    /// at once when there is none (H14) or the one picked refuses (H21).
    fn route_private(&mut self, now: SimTime, handle: u64, a: usize) {
        let dynos = &self.dynos;
        let app = &mut self.apps[a];
        let Some(d) = app.router.pick(&app.routable, |d| dynos[d as usize].open) else {
            self.fail_held(now, handle, ErrorCode::H14);
            return;
        };
        match self.dynos[d as usize].admit(handle) {
            Admission::Refused => self.fail_held(now, handle, ErrorCode::H21),
            admission => self.admitted(now, handle, a, d, admission),
        }
    }

    /// The Common Runtime router caps requests in flight (H11), skips quarantined dynos, and
    /// tries others when one refuses; with no routable dyno it holds the request while one may
    /// come up.
    fn route_common(&mut self, now: SimTime, handle: u64, a: usize, first_time: bool) {
        let platform = &self.scenario.platform;
        let app = &self.apps[a];
        if !app.routable.is_empty() {
            let cap = u64::from(platform.router_cap_per_dyno) * app.routable.len() as u64;
            if app.router_open >= cap {
                self.fail_held(now, handle, ErrorCode::H11);
                return;
            }
        }
        let mut candidates: Vec<u32> = app
            .routable
            .iter()
            .copied()
            .filter(|&d| self.dynos[d as usize].quarantined_until <= now)
            .collect();
        let mut refused = false;
        for _ in 0..platform.max_attempts.max(1) {
            let dynos = &self.dynos;
            let Some(d) = self.apps[a]
                .router
                .pick(&candidates, |d| dynos[d as usize].open)
            else {
                break;
            };
            match self.dynos[d as usize].admit(handle) {
                Admission::Refused => {
                    refused = true;
                    // The Common Runtime router skips a refusing dyno for a while and tries
                    // another (facts §1.2).
                    let until = now + self.scenario.platform.quarantine;
                    self.dynos[d as usize].quarantined_until = until;
                    self.queue
                        .schedule(until, Event::DispatchHeld { app: a as u32 });
                    candidates.retain(|&x| x != d);
                }
                admission => {
                    self.admitted(now, handle, a, d, admission);
                    return;
                }
            }
        }
        if refused {
            self.fail_held(now, handle, ErrorCode::H21);
        } else if self.web_may_come_up(a) {
            // Held until a dyno is routable, for up to 75 s (the expiry is set once).
            self.apps[a].held.push_back(handle);
            if first_time {
                self.queue.schedule(
                    now + self.scenario.platform.hold_timeout,
                    Event::HoldExpired { handle },
                );
            }
        } else {
            self.fail_held(now, handle, ErrorCode::H14);
        }
    }

    /// Dyno `d` of app `a` took request `handle` into a slot or its backlog.
    fn admitted(&mut self, now: SimTime, handle: u64, a: usize, d: u32, admission: Admission) {
        self.dynos[d as usize].open += 1;
        self.apps[a].router_open += 1;
        let r = self.requests.get_mut(handle).expect("held");
        r.dyno = d;
        r.stage = Stage::Queued;
        if admission == Admission::Serve && !self.start_service(now, d, handle) {
            self.free_slot(now, d, handle);
        }
    }

    /// True when the app's web process has dynos that may become routable (booting, or up but
    /// quarantined or unroutable), so the Common Runtime router holds requests for them.
    fn web_may_come_up(&self, a: usize) -> bool {
        let Some(web) = self.scenario.apps[a]
            .processes
            .iter()
            .position(|p| p.is_web())
        else {
            return false;
        };
        self.dynos.iter().any(|d| {
            d.app as usize == a
                && d.process as usize == web
                && matches!(
                    d.state,
                    DynoState::Provisioning
                        | DynoState::Starting
                        | DynoState::Up
                        | DynoState::Crashed
                )
        })
    }

    /// Routes the requests the Common Runtime router holds, now that a dyno may be routable.
    /// Requests that still find none are held again, in their order.
    pub(crate) fn dispatch_held(&mut self, now: SimTime, a: usize) {
        let pending: Vec<u64> = self.apps[a].held.drain(..).collect();
        for h in pending {
            let Some(r) = self.requests.get(h) else {
                continue;
            };
            if r.stage != Stage::Held {
                continue;
            }
            if r.answered {
                // The client has its error already; the router forwards nothing.
                self.requests.remove(h);
                continue;
            }
            let c = r.class as usize;
            self.route(now, h, c, false);
        }
    }

    pub(crate) fn on_hold_expired(&mut self, now: SimTime, handle: u64) {
        let Some(r) = self.requests.get(handle) else {
            return;
        };
        if r.stage != Stage::Held {
            return;
        }
        let a = self.classes[r.class as usize].app;
        self.apps[a].held.retain(|&h| h != handle);
        if r.answered {
            self.requests.remove(handle);
            return;
        }
        let code = if self.apps[a].routable.is_empty() {
            ErrorCode::H20
        } else {
            ErrorCode::H99
        };
        self.fail_held(now, handle, code);
    }

    /// A request got a slot on dyno `d`: checks the database, takes connections, then serves.
    /// Returns false when the request ended at once (a fast application error): the caller
    /// frees the slot.
    pub(crate) fn start_service(&mut self, now: SimTime, d: u32, handle: u64) -> bool {
        let r = self
            .requests
            .get_mut(handle)
            .expect("a request being served is held");
        let c = r.class as usize;
        let a = self.classes[c].app;
        let spec = self.classes[c].spec;
        if r.stage == Stage::Queued && r.counted && !r.answered {
            self.classes[c].queue.record(now.since(r.arrival));
        }
        r.stage = Stage::WaitingConnection;
        let release = self.dynos[d as usize].release;
        for u in &spec.addons {
            let addon = &self.scenario.apps[a].addons[u.addon];
            let code = if self.apps[a].pools[u.addon].unavailable_until > now {
                ErrorCode::AddonUnavailable
            } else if addon.kind == AddonKind::Postgres
                && self.apps[a].schema_release.is_some_and(|new| release < new)
            {
                ErrorCode::SchemaMismatch
            } else {
                continue;
            };
            self.end_at_dyno(now, handle, code);
            return false;
        }
        let class = &mut self.classes[c];
        if !class
            .calls
            .iter()
            .all(|call| call.accepted(&mut class.outbound_rng))
        {
            self.end_at_dyno(now, handle, ErrorCode::ExternalRefused);
            return false;
        }
        if spec.addons.is_empty() {
            self.serve(now, handle, 0);
        } else {
            self.acquire_connections(now, handle);
        }
        true
    }

    /// Takes the class's add-on connections in order; waits on the first pool with none free.
    fn acquire_connections(&mut self, now: SimTime, handle: u64) {
        let r = self.requests.get(handle).expect("held");
        let c = r.class as usize;
        let a = self.classes[c].app;
        let spec = self.classes[c].spec;
        let mut held = r.connections as usize;
        while held < spec.addons.len() {
            let pool = &mut self.apps[a].pools[spec.addons[held].addon];
            if pool.free == 0 {
                pool.waiters.push_back(handle);
                if held == 0 {
                    let wait = self.scenario.apps[a].addons[spec.addons[held].addon].pool_timeout;
                    self.queue
                        .schedule(now + wait, Event::PoolTimeout { handle });
                }
                self.requests.get_mut(handle).expect("held").connections = held as u8;
                return;
            }
            pool.free -= 1;
            held += 1;
        }
        self.serve(now, handle, held as u8);
    }

    /// Request `handle` holds all its `connections`: it is served, and its completion and the
    /// release of each connection are scheduled.
    fn serve(&mut self, now: SimTime, handle: u64, connections: u8) {
        let r = self.requests.get_mut(handle).expect("held");
        r.connections = connections;
        r.stage = Stage::Serving;
        let (c, d) = (r.class as usize, r.dyno as usize);
        let (a, spec) = (self.classes[c].app, self.classes[c].spec);
        let speed = self.dynos[d].speed;
        let compute = if speed == 1.0 {
            r.service
        } else {
            SimDuration::from_secs_f64(r.service.as_secs_f64() / speed)
        };
        // Round trips to add-ons outside the space and to external services add to the time on
        // the dyno, at any speed.
        let service = compute + self.classes[c].network_time;
        let app = &self.scenario.apps[a];
        for u in &spec.addons {
            let hold = match u.hold {
                Hold::Share(f) => SimDuration::from_secs_f64(compute.as_secs_f64() * f),
                Hold::Fixed(t) => t.min(compute),
            } + crate::model::network::outside_latency(app, u.addon);
            self.queue.schedule(
                now + hold,
                Event::ConnectionReleased {
                    app: a as u32,
                    addon: u.addon as u32,
                },
            );
        }
        self.queue.schedule(
            now + service,
            Event::Complete {
                dyno: d as u32,
                handle,
            },
        );
    }

    /// A connection comes back to its pool; the first live waiter takes it.
    pub(crate) fn on_connection_released(&mut self, now: SimTime, a: usize, addon: usize) {
        self.apps[a].pools[addon].free += 1;
        while let Some(h) = self.apps[a].pools[addon].waiters.pop_front() {
            match self.requests.get(h) {
                Some(r) if r.stage == Stage::WaitingConnection => {
                    self.apps[a].pools[addon].free -= 1;
                    let r = self.requests.get_mut(h).expect("checked");
                    r.connections += 1;
                    self.acquire_connections(now, h);
                    return;
                }
                _ => continue,
            }
        }
    }

    pub(crate) fn on_pool_timeout(&mut self, now: SimTime, handle: u64) {
        let Some(r) = self.requests.get(handle) else {
            return;
        };
        if r.stage != Stage::WaitingConnection {
            return;
        }
        let d = r.dyno;
        self.release_waiting_connections(now, handle);
        self.end_at_dyno(now, handle, ErrorCode::PoolTimeout);
        self.free_slot(now, d, handle);
    }

    /// Gives back the connections a request waiting for more holds, and leaves the wait list.
    pub(crate) fn release_waiting_connections(&mut self, now: SimTime, handle: u64) {
        let r = self.requests.get(handle).expect("held");
        let c = r.class as usize;
        let a = self.classes[c].app;
        let held = r.connections as usize;
        let uses: Vec<usize> = self.classes[c]
            .spec
            .addons
            .iter()
            .map(|u| u.addon)
            .collect();
        for pool in &mut self.apps[a].pools {
            pool.waiters.retain(|&h| h != handle);
        }
        self.requests.get_mut(handle).expect("held").connections = 0;
        for &addon in &uses[..held] {
            self.on_connection_released(now, a, addon);
        }
    }

    /// The request in a slot ends without being served (a fast application error). The caller
    /// frees the slot.
    fn end_at_dyno(&mut self, now: SimTime, handle: u64, code: ErrorCode) {
        let answered = self.requests.get(handle).expect("held").answered;
        if !answered {
            self.answer(now, handle, Err(code));
        }
        self.requests.remove(handle);
    }

    /// The slot `handle` held on dyno `d` is free again: the next waiting requests take it (a
    /// loop, not recursion: a failover can fail a whole backlog at once).
    pub(crate) fn free_slot(&mut self, now: SimTime, d: u32, handle: u64) {
        let mut next = self.dynos[d as usize].finish(handle);
        while let Some(n) = next {
            if self.start_service(now, d, n) {
                break;
            }
            next = self.dynos[d as usize].finish(n);
        }
        self.after_dyno_freed(now, d);
    }

    pub(crate) fn on_complete(&mut self, now: SimTime, d: u32, handle: u64) {
        if self.jobs.contains(handle) {
            self.on_job_done(now, d, handle);
            return;
        }
        let Some(r) = self.requests.get(handle) else {
            return;
        };
        if r.dyno != d || r.stage != Stage::Serving {
            return; // killed and replaced meanwhile
        }
        if !r.answered {
            let latency = now.since(r.arrival);
            self.answer(now, handle, Ok(latency));
        }
        self.requests.remove(handle);
        self.free_slot(now, d, handle);
    }

    pub(crate) fn on_router_timeout(&mut self, now: SimTime, handle: u64) {
        match self.requests.get(handle) {
            Some(r) if !r.answered => self.answer(now, handle, Err(ErrorCode::H12)),
            _ => {}
        }
        // The popped timeout left the queue: the next one due takes its place.
        let front = next_router_timeout(&self.requests);
        self.queue.set_lane_front(ROUTER_TIMEOUT_LANE, front);
    }

    pub(crate) fn on_client_timeout(&mut self, now: SimTime, handle: u64) {
        match self.requests.get(handle) {
            Some(r) if !r.answered => self.answer(now, handle, Err(ErrorCode::H27)),
            _ => {}
        }
    }

    /// A held (unrouted) request fails and leaves the system.
    fn fail_held(&mut self, now: SimTime, handle: u64, code: ErrorCode) {
        let answered = self.requests.get(handle).expect("held").answered;
        if !answered {
            self.answer(now, handle, Err(code));
        }
        self.requests.remove(handle);
    }

    /// The client gets its answer: ok with a latency, or an error. Counts it, closes the router's
    /// side and, for errors, schedules the client's retry.
    pub(crate) fn answer(
        &mut self,
        now: SimTime,
        handle: u64,
        outcome: Result<SimDuration, ErrorCode>,
    ) {
        let r = self
            .requests
            .get_mut(handle)
            .expect("answered requests are held");
        debug_assert!(!r.answered, "a request is answered once");
        r.answered = true;
        let (c, d, counted, attempt) = (r.class as usize, r.dyno, r.counted, r.attempt);
        let arrival = r.arrival;
        self.requests.drop_deadline(handle);
        let a = self.classes[c].app;
        if let Some(o) = self.observer.as_deref_mut() {
            o.request_ended(&RequestEnd {
                arrival,
                ended: now,
                app: a as u32,
                class_in_app: self.classes[c].index_in_app as u32,
                dyno: (d != NO_DYNO).then(|| crate::model::sim::dyno_ref(&self.dynos, d)),
                outcome: outcome.map(|_| ()),
                client: self.client_addrs.remove(&handle),
                counted,
                attempt,
            });
        }
        self.classes[c].live -= 1;
        if d != NO_DYNO {
            self.dynos[d as usize].open -= 1;
            self.apps[a].router_open -= 1;
        }
        match outcome {
            Ok(latency) => self.record_ok(now, c, latency, counted),
            Err(code) => self.record_failure(now, c, code, counted, attempt),
        }
    }

    /// A request that never entered the system (no such app, TLS, the in-flight limit) fails.
    fn fail_unrouted(
        &mut self,
        now: SimTime,
        c: usize,
        code: ErrorCode,
        counted: bool,
        attempt: u32,
        client: Option<std::net::IpAddr>,
    ) {
        if let Some(o) = self.observer.as_deref_mut() {
            o.request_ended(&RequestEnd {
                arrival: now,
                ended: now,
                app: self.classes[c].app as u32,
                class_in_app: self.classes[c].index_in_app as u32,
                dyno: None,
                outcome: Err(code),
                client,
                counted,
                attempt,
            });
        }
        self.record_failure(now, c, code, counted, attempt);
    }

    fn record_ok(&mut self, now: SimTime, c: usize, latency: SimDuration, counted: bool) {
        let a = self.classes[c].app;
        let class = &mut self.classes[c];
        if counted {
            class.counts.ok += 1;
            class.latency.record(latency);
        }
        self.series.ok(c, latency);
        if let Some(window) = &mut self.apps[a].window_latency {
            window.record(latency);
        }
        self.ops.request_ended(a, now, Ok(latency));
        if let Some(enqueue) = &class.spec.enqueue {
            let whole = enqueue.per_request.floor() as u64;
            let frac = enqueue.per_request - whole as f64;
            let extra =
                u64::from(frac > 0.0 && rand::RngExt::random::<f64>(&mut class.client_rng) < frac);
            let job = self.job_first_index(a) + enqueue.job;
            for _ in 0..whole + extra {
                self.enqueue_job(now, job);
            }
        }
    }

    fn record_failure(
        &mut self,
        now: SimTime,
        c: usize,
        code: ErrorCode,
        counted: bool,
        attempt: u32,
    ) {
        if counted {
            self.classes[c].counts.failed_by_code[code.index()] += 1;
        }
        self.series.failed(c, code);
        let a = self.classes[c].app;
        if code.charged_to_operations() {
            self.ops.request_ended(a, now, Err(code));
        }
        if let Some(client) = &self.classes[c].spec.client
            && attempt < client.retries
        {
            let delay = SimDuration(
                client
                    .backoff
                    .as_nanos()
                    .saturating_mul(1u64 << attempt.min(32)),
            );
            let at = now + delay;
            if at < self.end {
                self.queue.schedule(
                    at,
                    Event::Retry {
                        class: c as u32,
                        attempt: attempt + 1,
                    },
                );
            }
        }
    }
}
