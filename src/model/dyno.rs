//! A dyno: its lifecycle state, concurrency slots and FIFO listen backlog.
//!
//! # Lifecycle
//! `provisioning → starting → up → stopping → down`, and `crashed` from any running state.
//! Only `up` dynos that are routable receive requests. A stopping dyno takes no new requests and
//! finishes what it holds (its slots and its backlog) for up to the shutdown grace (30 s), then is
//! killed; what is left fails (H13).

use std::collections::VecDeque;

use crate::engine::SimTime;
use crate::model::dyno_type::DynoType;

/// Lifecycle state of a dyno (facts §2: the states the dyno manager logs).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DynoState {
    /// A dedicated instance is being provisioned.
    Provisioning,
    /// Booting: the process has started and not yet bound its port.
    Starting,
    /// Running and (if routable) receiving requests.
    Up,
    /// SIGTERM sent: draining, no new requests.
    Stopping,
    /// Stopped for good.
    Down,
    /// Crashed; restarts per the runtime's crash policy.
    Crashed,
}

impl DynoState {
    /// Every state, in the order time-series columns are written.
    pub const ALL: [DynoState; 6] = [
        DynoState::Provisioning,
        DynoState::Starting,
        DynoState::Up,
        DynoState::Stopping,
        DynoState::Down,
        DynoState::Crashed,
    ];

    /// The name the dyno manager logs.
    pub fn name(self) -> &'static str {
        match self {
            DynoState::Provisioning => "provisioning",
            DynoState::Starting => "starting",
            DynoState::Up => "up",
            DynoState::Stopping => "stopping",
            DynoState::Down => "down",
            DynoState::Crashed => "crashed",
        }
    }

    /// True while the dyno exists and is billed (from provisioning until down).
    pub fn is_alive(self) -> bool {
        !matches!(self, DynoState::Down)
    }
}

/// One dyno of an app's formation.
#[derive(Debug)]
pub struct Dyno {
    /// Index of the app in the scenario.
    pub app: u32,
    /// Index of the process type in the app.
    pub process: u32,
    /// 1-based number within its process type (`web.3`).
    pub number: u32,
    /// Release it runs.
    pub release: u32,
    /// Its dyno type.
    pub dyno_type: &'static DynoType,
    /// State.
    pub state: DynoState,
    /// Receives requests when up (false while prebooting or during a type change's switch).
    pub routable: bool,
    /// Requests (or jobs) served at once.
    pub concurrency: u32,
    /// Most requests waiting beyond `concurrency`.
    pub backlog_cap: u32,
    /// Service-time divisor.
    pub speed: f64,
    /// Slots serving now, with the handle each serves.
    pub serving: Vec<u64>,
    /// Requests waiting for a slot, oldest first (request handles).
    pub waiting: VecDeque<u64>,
    /// Requests the router has open on this dyno (routed and not yet answered or failed).
    pub open: u32,
    /// The router skips this dyno until then (Common Runtime quarantine).
    pub quarantined_until: SimTime,
    /// Changes each time the dyno (re)starts, so stale lifecycle events are ignored.
    pub epoch: u32,
    /// Consecutive crashes (reset when it comes up), for the Common Runtime's back-off.
    pub crashes: u32,
    /// When it began to exist (billing starts).
    pub born: SimTime,
    /// When it went down for good.
    pub died: Option<SimTime>,
}

/// What a dyno does with a request routed to it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// A slot is free: service starts now.
    Serve,
    /// All slots are busy: the request waits in the backlog.
    Queued,
    /// The backlog is full: the connection is refused.
    Refused,
}

impl Dyno {
    /// Slots serving a request or job.
    pub fn busy(&self) -> u32 {
        self.serving.len() as u32
    }

    /// True when it holds nothing.
    pub fn is_idle(&self) -> bool {
        self.serving.is_empty() && self.waiting.is_empty()
    }

    /// Offers request `handle` to the dyno.
    pub fn admit(&mut self, handle: u64) -> Admission {
        debug_assert_eq!(self.state, DynoState::Up, "only up dynos receive requests");
        if self.busy() < self.concurrency {
            self.serving.push(handle);
            Admission::Serve
        } else if self.waiting.len() < self.backlog_cap as usize {
            self.waiting.push_back(handle);
            Admission::Queued
        } else {
            Admission::Refused
        }
    }

    /// Slot of `handle` finished: frees it and returns the next waiting request, which takes
    /// the slot.
    pub fn finish(&mut self, handle: u64) -> Option<u64> {
        let i = self
            .serving
            .iter()
            .position(|&h| h == handle)
            .expect("a dyno finished a request it was not serving");
        self.serving.swap_remove(i);
        let next = self.waiting.pop_front()?;
        self.serving.push(next);
        Some(next)
    }

    /// Name as the platform logs it: `web.3`.
    pub fn label(&self, process: &str) -> String {
        format!("{process}.{}", self.number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dyno_type::lookup;

    pub(crate) fn dyno(concurrency: u32, backlog_cap: u32) -> Dyno {
        Dyno {
            app: 0,
            process: 0,
            number: 1,
            release: 1,
            dyno_type: lookup("private-m").unwrap(),
            state: DynoState::Up,
            routable: true,
            concurrency,
            backlog_cap,
            speed: 1.0,
            serving: Vec::new(),
            waiting: VecDeque::new(),
            open: 0,
            quarantined_until: SimTime::ZERO,
            epoch: 0,
            crashes: 0,
            born: SimTime::ZERO,
            died: None,
        }
    }

    #[test]
    fn slots_then_backlog_then_refusal() {
        let mut d = dyno(2, 1);
        assert_eq!(d.admit(1), Admission::Serve);
        assert_eq!(d.admit(2), Admission::Serve);
        assert_eq!(d.admit(3), Admission::Queued);
        assert_eq!(d.admit(4), Admission::Refused);
        assert_eq!(d.finish(1), Some(3));
        assert_eq!(d.busy(), 2);
        assert_eq!(d.finish(2), None);
        assert_eq!(d.finish(3), None);
        assert!(d.is_idle());
    }
}
