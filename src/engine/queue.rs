//! The event queue: a priority queue ordered by (time, insertion sequence).
//!
//! Events at equal times come out first-in first-out, so ties break the same way on every run.
//!
//! Besides the heap (a 4-ary heap, [`super::heap`]), the queue has *lanes*, each holding events
//! whose order is known in advance, so they never need the heap:
//! - a *FIFO lane* holds events scheduled a fixed delay after the clock (a class's client
//!   timeouts): their times never decrease within the lane, so it is a plain queue with O(1)
//!   insertion and removal ([`EventQueue::schedule_in_lane`]);
//! - a *single lane* holds one event: the next of a series in which each event schedules the
//!   next (a class's arrivals, [`EventQueue::schedule_in_slot`]), or the earliest of a list its
//!   owner keeps elsewhere (the router timeouts, [`EventQueue::set_lane_front`]). Two stores to
//!   schedule, two to pop.
//!
//! `pop` takes the earliest (time, sequence) among the heap's top and the lanes' fronts, so the
//! order is exactly the one a single heap would give; an event a lane cannot take (out of order,
//! or a single lane already full) goes to the heap. Profiles of the reference model showed why:
//! with every request's timeout in the heap, 46% of the time was in the heap's `pop`; with them
//! in a FIFO lane, the lane was a 30 MB stream through memory at 32,000 requests/s.
//! The queue refuses to schedule into the past and asserts that its sequence counter never wraps
//! (at one event per nanosecond it would take 584 years).

use std::collections::VecDeque;

use super::heap::QuadHeap;
use super::time::SimTime;

/// [`EventQueue::earliest`]'s name for the heap.
const HEAP: usize = usize::MAX;

/// The front key of an empty lane: later than any event.
const EMPTY: u128 = u128::MAX;

/// The time of an event's key (`time · 2⁶⁴ + seq`: one number in the order of (time, seq)).
pub fn time_of(key: u128) -> SimTime {
    SimTime((key >> 64) as u64)
}

/// A lane's events (its front's key is in [`EventQueue::fronts`]).
enum Lane<E> {
    /// Not used yet.
    Unused,
    /// Events in (time, sequence) order.
    Fifo(VecDeque<(u128, E)>),
    /// At most one event.
    Single(Option<E>),
}

/// A deterministic future-event list with a simulation clock.
pub struct EventQueue<E> {
    heap: QuadHeap<E>,
    lanes: Vec<Lane<E>>,
    /// The key of each lane's front event ([`EMPTY`] for an empty lane), side by side so that
    /// finding the earliest event is one pass over a few numbers.
    fronts: Vec<u128>,
    next_seq: u64,
    now: SimTime,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue with the clock at zero.
    pub fn new() -> Self {
        EventQueue {
            heap: QuadHeap::default(),
            lanes: Vec::new(),
            fronts: Vec::new(),
            next_seq: 0,
            now: SimTime::ZERO,
            popped: 0,
        }
    }

    /// The time of the event popped last (the simulation clock).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// How many events have been popped so far.
    pub fn events_processed(&self) -> u64 {
        self.popped
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        let in_lanes = self.lanes.iter().map(|lane| match lane {
            Lane::Unused => 0,
            Lane::Fifo(queue) => queue.len(),
            Lane::Single(one) => usize::from(one.is_some()),
        });
        self.heap.len() + in_lanes.sum::<usize>()
    }

    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Schedules `event` at `time`, which must not be before the clock.
    pub fn schedule(&mut self, time: SimTime, event: E) {
        let key = self.key(time);
        self.heap.push(key, event);
    }

    /// Schedules `event` at `time` in FIFO lane `lane` (any small number; lanes are created on
    /// first use). Meant for events a fixed delay after the clock, whose times never decrease
    /// within the lane; an event earlier than the lane's last goes to the heap instead, so the
    /// order is right whatever the caller does.
    pub fn schedule_in_lane(&mut self, lane: usize, time: SimTime, event: E) {
        let key = self.key(time);
        let Lane::Fifo(queue) = self.lane(lane, || Lane::Fifo(VecDeque::new())) else {
            panic!("lane {lane} is a single lane");
        };
        match queue.back() {
            Some(&(last, _)) if last > key => self.heap.push(key, event),
            Some(_) => queue.push_back((key, event)),
            None => {
                queue.push_back((key, event));
                self.fronts[lane] = key;
            }
        }
    }

    /// Schedules `event` at `time` in single lane `lane` (created on first use): meant for a
    /// series in which each event schedules the next, so the lane is usually empty by then;
    /// when it is not, the event goes to the heap.
    pub fn schedule_in_slot(&mut self, lane: usize, time: SimTime, event: E) {
        let key = self.key(time);
        match self.lane(lane, || Lane::Single(None)) {
            Lane::Single(slot @ None) => {
                *slot = Some(event);
                self.fronts[lane] = key;
            }
            Lane::Single(Some(_)) => self.heap.push(key, event),
            _ => panic!("lane {lane} is a FIFO lane"),
        }
    }

    /// Makes single lane `lane` an *owner-kept* lane, or refills it: it holds at most one
    /// event, the earliest of a list its owner keeps elsewhere (its key from
    /// [`EventQueue::reserve`]). The owner may leave a front in place after it stopped
    /// mattering (a timeout whose request was answered): when it comes due, the owner's verdict
    /// ([`Due::Replaced`]) drops it and names the list's new front. After a live front is
    /// popped the lane is empty until the owner sets it again.
    pub fn set_lane_front(&mut self, lane: usize, front: Option<(u128, E)>) {
        let now = self.now;
        let Lane::Single(slot) = self.lane(lane, || Lane::Single(None)) else {
            panic!("lane {lane} is a FIFO lane");
        };
        self.fronts[lane] = match front {
            Some((key, event)) => {
                assert!(time_of(key) >= now, "a lane front in the past");
                *slot = Some(event);
                key
            }
            None => {
                *slot = None;
                EMPTY
            }
        };
    }

    /// The key of lane `lane`'s front event, if it holds one.
    pub fn lane_front(&self, lane: usize) -> Option<u128> {
        self.fronts.get(lane).copied().filter(|&key| key != EMPTY)
    }

    /// The key of an event at `time` that will be given to [`EventQueue::set_lane_front`]
    /// later: it takes its place in the (time, insertion) order now.
    pub fn reserve(&mut self, time: SimTime) -> u128 {
        self.key(time)
    }

    /// Lane `lane`, made by `make` if it is not used yet.
    #[inline]
    fn lane(&mut self, lane: usize, make: impl FnOnce() -> Lane<E>) -> &mut Lane<E> {
        if lane >= self.lanes.len() {
            self.lanes.resize_with(lane + 1, || Lane::Unused);
            self.fronts.resize(lane + 1, EMPTY);
        }
        let slot = &mut self.lanes[lane];
        if let Lane::Unused = slot {
            *slot = make();
        }
        slot
    }

    /// The key of an event at `time`, taking the next sequence number.
    fn key(&mut self, time: SimTime) -> u128 {
        assert!(
            time >= self.now,
            "event scheduled in the past: {time} < now {}",
            self.now
        );
        let seq = self.next_seq;
        self.next_seq = seq.checked_add(1).expect("event sequence counter wrapped");
        (u128::from(time.0) << 64) | u128::from(seq)
    }

    /// The earliest event's key and where it is: [`HEAP`] or a lane's index.
    fn earliest(&self) -> Option<(u128, usize)> {
        let (mut best, mut source) = (self.heap.peek_key().unwrap_or(EMPTY), HEAP);
        for (i, &key) in self.fronts.iter().enumerate() {
            if key < best {
                (best, source) = (key, i);
            }
        }
        (best != EMPTY).then_some((best, source))
    }

    /// The time of the next event, if any, without removing it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.earliest().map(|(key, _)| time_of(key))
    }

    /// Removes the earliest event, advances the clock to its time and returns both.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        self.pop_before(SimTime(u64::MAX))
    }

    /// As [`EventQueue::pop`] when the earliest event is before `end`; otherwise leaves it and
    /// returns `None`.
    pub fn pop_before(&mut self, end: SimTime) -> Option<(SimTime, E)> {
        self.pop_live_before(end, |_| Due::Live)
    }

    /// As [`EventQueue::pop_before`], first asking `due` about each lane event that comes to
    /// the front: a lane cannot remove an event from its middle when it stops mattering (a
    /// timeout whose request was answered), so it is dropped when it comes due
    /// ([`Due::Cancelled`], or [`Due::Replaced`] for an owner-kept lane). Dropped events do not
    /// move the clock and are not counted in [`EventQueue::events_processed`].
    pub fn pop_live_before(
        &mut self,
        end: SimTime,
        mut due: impl FnMut(&E) -> Due<E>,
    ) -> Option<(SimTime, E)> {
        loop {
            let (key, source) = self.earliest()?;
            let time = time_of(key);
            if time >= end {
                return None;
            }
            let event = if source == HEAP {
                self.heap.pop()?.1
            } else {
                let event = match &mut self.lanes[source] {
                    Lane::Fifo(queue) => {
                        let (_, event) = queue.pop_front()?;
                        self.fronts[source] = queue.front().map_or(EMPTY, |&(k, _)| k);
                        event
                    }
                    Lane::Single(slot) => {
                        self.fronts[source] = EMPTY;
                        slot.take()?
                    }
                    Lane::Unused => unreachable!("an unused lane has no front"),
                };
                match due(&event) {
                    Due::Live => event,
                    Due::Cancelled => continue,
                    Due::Replaced(front) => {
                        debug_assert!(front.as_ref().is_none_or(|(k, _)| *k >= key));
                        self.set_lane_front(source, front);
                        continue;
                    }
                }
            };
            debug_assert!(time >= self.now, "time went backwards");
            self.now = time;
            self.popped += 1;
            return Some((time, event));
        }
    }
}

/// The owner's verdict on a lane event that came due ([`EventQueue::pop_live_before`]).
pub enum Due<E> {
    /// It happens.
    Live,
    /// It no longer matters: dropped unseen.
    Cancelled,
    /// It no longer matters, and the owner-kept lane's front is now this one (or none).
    Replaced(Option<(u128, E)>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), "b");
        q.schedule(SimTime(5), "a");
        q.schedule(SimTime(10), "c");
        q.schedule(SimTime(10), "d");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (SimTime(5), "a"),
                (SimTime(10), "b"),
                (SimTime(10), "c"),
                (SimTime(10), "d")
            ]
        );
        assert_eq!(q.events_processed(), 4);
        assert_eq!(q.now(), SimTime(10));
    }

    #[test]
    #[should_panic(expected = "event scheduled in the past")]
    fn scheduling_in_the_past_is_a_bug() {
        let mut q = EventQueue::new();
        q.schedule(SimTime(10), ());
        q.pop();
        q.schedule(SimTime(9), ());
    }

    #[test]
    fn lanes_pop_in_exactly_the_order_of_a_single_heap() {
        use rand::{RngExt, SeedableRng};
        // Random schedules: each step pops one event and schedules up to three (1.5 on average,
        // so the population grows until scheduling stops at 5,000 pops), some in the
        // heap at random delays, some in two FIFO lanes at fixed delays (and a few out of
        // order, which must fall back to the heap), some in a single lane at random delays
        // (which must fall back to the heap while it is full).
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut with_lanes = EventQueue::new();
        let mut heap_only = EventQueue::new();
        let mut id = 0u32;
        for _ in 0..20 {
            with_lanes.schedule(SimTime(0), id);
            heap_only.schedule(SimTime(0), id);
            id += 1;
        }
        let mut popped = 0;
        while let Some((now, event)) = heap_only.pop() {
            assert_eq!(
                with_lanes.pop(),
                Some((now, event)),
                "after {popped} events"
            );
            assert_eq!(with_lanes.len(), heap_only.len());
            popped += 1;
            if popped > 5_000 {
                continue;
            }
            for _ in 0..rng.random_range(0..4) {
                let (lane, delay) = match rng.random_range(0..12) {
                    0..4 => (None, rng.random_range(0..50)),
                    4..7 => (Some(0), 30),
                    7..9 => (Some(1), 75),
                    9 => (Some(1), rng.random_range(0..5)),
                    _ => (Some(2), rng.random_range(0..40)),
                };
                let at = SimTime(now.0 + delay);
                heap_only.schedule(at, id);
                match lane {
                    None => with_lanes.schedule(at, id),
                    Some(2) => with_lanes.schedule_in_slot(2, at, id),
                    Some(l) => with_lanes.schedule_in_lane(l, at, id),
                }
                id += 1;
            }
        }
        assert!(popped > 5_000);
        assert!(with_lanes.is_empty());
        assert_eq!(with_lanes.events_processed(), heap_only.events_processed());
    }

    #[test]
    fn an_owner_kept_lane_holds_its_lists_front_and_stale_fronts_are_replaced() {
        // The owner's list: timers at 10, 20, 30 with their reserved keys; the one at 10 is
        // cancelled after it became the lane's front, so it must be replaced by 20 unseen.
        let mut q = EventQueue::new();
        let keys: Vec<u128> = [10, 20, 30].map(|t| q.reserve(SimTime(t))).to_vec();
        q.schedule(SimTime(20), "heap at 20");
        assert!(q.lane_front(0).is_none());
        q.set_lane_front(0, Some((keys[0], "timer 10")));
        assert!(q.lane_front(0).is_some());
        let mut list = vec![(keys[1], "timer 20"), (keys[2], "timer 30")];
        let mut verdict = |e: &&str| match *e {
            "timer 10" => Due::Replaced(Some(list.remove(0))),
            _ => Due::Live,
        };
        // The timer at 20 was reserved before the heap event at 20: it comes first.
        assert_eq!(
            q.pop_live_before(SimTime(100), &mut verdict),
            Some((SimTime(20), "timer 20"))
        );
        assert_eq!(
            q.events_processed(),
            1,
            "the replaced front is not an event"
        );
        assert!(
            q.lane_front(0).is_none(),
            "a live front leaves the lane empty"
        );
        assert_eq!(q.pop(), Some((SimTime(20), "heap at 20")));
        q.set_lane_front(0, Some(list.remove(0)));
        assert_eq!(q.pop(), Some((SimTime(30), "timer 30")));
        assert_eq!(q.pop(), None);
    }
}
