//! Requests in flight, in a slab whose size follows the number in flight, never the number
//! simulated. Handles carry a generation so a stale timer cannot touch a reused slot.
//!
//! The slab also keeps the *deadlines*: the unanswered requests in arrival order, each with the
//! event-queue key of its router timeout, as a list threaded through the slots. Every request's
//! timeout comes the same fixed delay after its arrival, so the list's head is always the next
//! timeout due; an answered request leaves the list at once. The event queue then holds one
//! timeout (the head's) instead of one per request that arrived within the last timeout period
//! (960,000 at 32,000 requests/s and 30 s), each of which had to be skipped when it came due.

use crate::engine::{SimDuration, SimTime};

/// One request between its arrival and the end of its service.
#[derive(Clone, Debug)]
pub struct Request {
    /// When it reached the router.
    pub arrival: SimTime,
    /// Service time at speed 1.0.
    pub service: SimDuration,
    /// Flattened traffic-class index.
    pub class: u32,
    /// The dyno it was routed to ([`NO_DYNO`] before routing).
    pub dyno: u32,
    /// The client already has an answer (an error): the dyno's work is no longer awaited.
    pub answered: bool,
    /// Arrived after the warm-up, so it counts in statistics.
    pub counted: bool,
    /// 0 for a first attempt, n for the client's n-th retry.
    pub attempt: u32,
    /// Where it is.
    pub stage: Stage,
    /// Add-on uses of its class acquired so far (connections held).
    pub connections: u8,
}

/// `Request::dyno` before the request reaches a dyno.
pub const NO_DYNO: u32 = u32::MAX;

/// Where a request is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Held by the Common Runtime router, waiting for a routable dyno.
    Held,
    /// In a dyno's backlog.
    Queued,
    /// In a slot, waiting for an add-on connection.
    WaitingConnection,
    /// In a slot, being served.
    Serving,
}

struct Slot {
    generation: u32,
    /// The neighbours in the deadline list ([`NIL`] at its ends).
    prev: u32,
    next: u32,
    /// In the deadline list.
    listed: bool,
    /// The key of its router timeout in the event queue, while it is in the deadline list (a
    /// flag beside a bare key keeps a slot at 64 bytes, where an `Option<u128>` takes 32).
    deadline: u128,
    request: Option<Request>,
}

/// No slot: the end of the deadline list.
const NIL: u32 = u32::MAX;

/// Slab of requests in flight.
pub struct Requests {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
    /// The oldest and newest request in the deadline list.
    head: u32,
    tail: u32,
}

impl Default for Requests {
    fn default() -> Self {
        Requests {
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            head: NIL,
            tail: NIL,
        }
    }
}

impl Requests {
    /// Requests held (answered or not).
    pub fn len(&self) -> usize {
        self.live
    }

    /// True when none is held.
    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Stores `request` and returns its handle.
    pub fn insert(&mut self, request: Request) -> u64 {
        self.live += 1;
        match self.free.pop() {
            Some(i) => {
                let slot = &mut self.slots[i as usize];
                debug_assert!(slot.request.is_none() && !slot.listed);
                slot.request = Some(request);
                handle(i, slot.generation)
            }
            None => {
                let i =
                    u32::try_from(self.slots.len()).expect("fewer than 2^32 requests in flight");
                self.slots.push(Slot {
                    generation: 0,
                    prev: NIL,
                    next: NIL,
                    listed: false,
                    deadline: 0,
                    request: Some(request),
                });
                handle(i, 0)
            }
        }
    }

    /// The request behind `h`, unless it was removed since.
    pub fn get_mut(&mut self, h: u64) -> Option<&mut Request> {
        let (i, generation) = split(h);
        let slot = self.slots.get_mut(i as usize)?;
        if slot.generation == generation {
            slot.request.as_mut()
        } else {
            None
        }
    }

    /// The request behind `h`, unless it was removed since.
    pub fn get(&self, h: u64) -> Option<&Request> {
        let (i, generation) = split(h);
        let slot = self.slots.get(i as usize)?;
        if slot.generation == generation {
            slot.request.as_ref()
        } else {
            None
        }
    }

    /// True when the request behind `h` was answered or is gone: its timeouts no longer matter.
    pub fn is_answered(&self, h: u64) -> bool {
        self.get(h).is_none_or(|r| r.answered)
    }

    /// Removes and returns the request behind `h`, unless it was removed already.
    pub fn take(&mut self, h: u64) -> Option<Request> {
        self.get(h)?;
        Some(self.remove(h))
    }

    /// Removes and returns the request behind `h`; panics on a stale handle (a model bug).
    pub fn remove(&mut self, h: u64) -> Request {
        let (i, generation) = split(h);
        let slot = &mut self.slots[i as usize];
        assert_eq!(slot.generation, generation, "stale request handle");
        debug_assert!(!slot.listed, "a request leaves once answered");
        let r = slot.request.take().expect("request present");
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(i);
        self.live -= 1;
        r
    }

    /// Puts request `h` at the end of the deadline list, its router timeout at event-queue key
    /// `key` (no earlier than any key in the list: requests join in arrival order). Returns true
    /// when it is the list's head: the next timeout due.
    pub fn add_deadline(&mut self, h: u64, key: u128) -> bool {
        let (i, _) = split(h);
        debug_assert!(self.get(h).is_some(), "a live request");
        let tail = self.tail;
        let slot = &mut self.slots[i as usize];
        debug_assert!(!slot.listed, "one deadline per request");
        (slot.listed, slot.deadline, slot.prev, slot.next) = (true, key, tail, NIL);
        self.tail = i;
        if tail == NIL {
            self.head = i;
            true
        } else {
            debug_assert!(self.slots[tail as usize].deadline <= key);
            self.slots[tail as usize].next = i;
            false
        }
    }

    /// Takes request `h` out of the deadline list (it was answered), if it is in it.
    pub fn drop_deadline(&mut self, h: u64) {
        let (i, generation) = split(h);
        let slot = &mut self.slots[i as usize];
        debug_assert_eq!(slot.generation, generation, "stale request handle");
        if !slot.listed {
            return;
        }
        slot.listed = false;
        let (prev, next) = (slot.prev, slot.next);
        match prev {
            NIL => self.head = next,
            p => self.slots[p as usize].next = next,
        }
        match next {
            NIL => self.tail = prev,
            n => self.slots[n as usize].prev = prev,
        }
    }

    /// The next router timeout due: its event-queue key and the request's handle.
    pub fn first_deadline(&self) -> Option<(u128, u64)> {
        let slot = self.slots.get(self.head as usize)?;
        debug_assert!(slot.listed);
        Some((slot.deadline, handle(self.head, slot.generation)))
    }

    /// The deadline list from its head: each listed request's timeout key and handle (for the
    /// invariants; it stops after as many steps as there are slots, even if the list is broken).
    pub fn deadlines(&self) -> impl Iterator<Item = (u128, u64)> + '_ {
        let mut at = self.head;
        std::iter::from_fn(move || {
            let slot = self.slots.get(at as usize)?;
            let item = (slot.deadline, handle(at, slot.generation));
            at = slot.next;
            Some(item)
        })
        .take(self.slots.len())
    }

    /// Every request held, in slot order (deterministic).
    pub fn iter(&self) -> impl Iterator<Item = &Request> {
        self.slots.iter().filter_map(|s| s.request.as_ref())
    }
}

fn handle(index: u32, generation: u32) -> u64 {
    (u64::from(generation) << 32) | u64::from(index)
}

fn split(h: u64) -> (u32, u32) {
    (h as u32, (h >> 32) as u32)
}

#[cfg(test)]
impl Request {
    /// A counted, unanswered first attempt of class 0 that arrived at time zero, for tests.
    pub(crate) fn for_test(stage: Stage) -> Request {
        Request {
            arrival: SimTime(0),
            service: SimDuration(1),
            class: 0,
            dyno: NO_DYNO,
            answered: false,
            counted: true,
            attempt: 0,
            stage,
            connections: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> Request {
        Request::for_test(Stage::Queued)
    }

    #[test]
    fn slots_are_reused_and_stale_handles_miss() {
        let mut r = Requests::default();
        let a = r.insert(req());
        r.remove(a);
        let b = r.insert(req());
        assert_ne!(a, b, "a reused slot gets a new generation");
        assert!(r.get_mut(a).is_none());
        assert!(r.get_mut(b).is_some());
        assert_eq!(r.len(), 1);
        assert_eq!(r.slots.len(), 1, "memory follows requests in flight");
        assert_eq!(
            std::mem::size_of::<Slot>(),
            64,
            "a slot fills one cache line"
        );
    }

    #[test]
    fn deadlines_come_in_arrival_order_and_answered_requests_leave() {
        let mut r = Requests::default();
        let hs: Vec<u64> = (0..4).map(|_| r.insert(req())).collect();
        assert_eq!(r.first_deadline(), None);
        assert!(r.add_deadline(hs[0], 10), "the first is the head");
        for (k, &h) in hs.iter().enumerate().skip(1) {
            assert!(!r.add_deadline(h, 10 + k as u128));
        }
        r.drop_deadline(hs[2]); // a middle one
        r.drop_deadline(hs[2]); // not in the list any more: nothing happens
        assert_eq!(r.first_deadline(), Some((10, hs[0])));
        r.drop_deadline(hs[0]); // the head
        assert_eq!(r.first_deadline(), Some((11, hs[1])));
        r.drop_deadline(hs[3]); // the tail
        let h4 = r.insert(req());
        assert!(!r.add_deadline(h4, 20));
        r.drop_deadline(hs[1]);
        assert_eq!(r.first_deadline(), Some((20, h4)));
        assert_eq!(r.deadlines().collect::<Vec<_>>(), vec![(20, h4)]);
        r.drop_deadline(h4);
        assert_eq!(r.first_deadline(), None);
        assert_eq!(r.deadlines().count(), 0);
        assert!(r.add_deadline(hs[3], 30), "an empty list starts again");
        assert_eq!(r.first_deadline(), Some((30, hs[3])));
    }
}
