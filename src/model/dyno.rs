//! A dyno: concurrency slots and a FIFO listen backlog.

use std::collections::VecDeque;

/// Lifecycle state of a dyno. The core simulates steady state, where every dyno is up.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DynoState {
    /// Booted and receiving requests.
    Up,
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
    /// State.
    pub state: DynoState,
    /// Requests served at once.
    pub concurrency: u32,
    /// Most requests waiting beyond `concurrency`.
    pub backlog_cap: u32,
    /// Service-time divisor.
    pub speed: f64,
    /// Slots serving a request now.
    pub busy: u32,
    /// Requests waiting for a slot, oldest first (request handles).
    pub waiting: VecDeque<u64>,
    /// Requests the router has open on this dyno (routed and not yet answered or failed).
    pub open: u32,
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
    /// Offers request `handle` to the dyno.
    pub fn admit(&mut self, handle: u64) -> Admission {
        debug_assert_eq!(self.state, DynoState::Up, "only up dynos receive requests");
        if self.busy < self.concurrency {
            self.busy += 1;
            Admission::Serve
        } else if self.waiting.len() < self.backlog_cap as usize {
            self.waiting.push_back(handle);
            Admission::Queued
        } else {
            Admission::Refused
        }
    }

    /// A slot finished its request: returns the next waiting request, which takes the slot.
    pub fn finish(&mut self) -> Option<u64> {
        assert!(
            self.busy > 0,
            "a dyno finished a request it was not serving"
        );
        match self.waiting.pop_front() {
            Some(next) => Some(next),
            None => {
                self.busy -= 1;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_then_backlog_then_refusal() {
        let mut d = Dyno {
            app: 0,
            process: 0,
            number: 1,
            state: DynoState::Up,
            concurrency: 2,
            backlog_cap: 1,
            speed: 1.0,
            busy: 0,
            waiting: VecDeque::new(),
            open: 0,
        };
        assert_eq!(d.admit(1), Admission::Serve);
        assert_eq!(d.admit(2), Admission::Serve);
        assert_eq!(d.admit(3), Admission::Queued);
        assert_eq!(d.admit(4), Admission::Refused);
        assert_eq!(d.finish(), Some(3));
        assert_eq!(d.busy, 2);
        assert_eq!(d.finish(), None);
        assert_eq!(d.finish(), None);
        assert_eq!(d.busy, 0);
    }
}
