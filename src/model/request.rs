//! Requests in flight, in a slab whose size follows the number in flight, never the number
//! simulated. Handles carry a generation so a stale timer cannot touch a reused slot.

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
    request: Option<Request>,
}

/// Slab of requests in flight.
#[derive(Default)]
pub struct Requests {
    slots: Vec<Slot>,
    free: Vec<u32>,
    live: usize,
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
                debug_assert!(slot.request.is_none());
                slot.request = Some(request);
                handle(i, slot.generation)
            }
            None => {
                let i =
                    u32::try_from(self.slots.len()).expect("fewer than 2^32 requests in flight");
                self.slots.push(Slot {
                    generation: 0,
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
        let r = slot.request.take().expect("request present");
        slot.generation = slot.generation.wrapping_add(1);
        self.free.push(i);
        self.live -= 1;
        r
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
mod tests {
    use super::*;

    fn req() -> Request {
        Request {
            arrival: SimTime(0),
            service: SimDuration(1),
            class: 0,
            dyno: NO_DYNO,
            answered: false,
            counted: true,
            attempt: 0,
            stage: Stage::Queued,
            connections: 0,
        }
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
    }
}
