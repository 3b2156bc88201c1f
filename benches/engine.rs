//! Engine throughput on the reference model: random routing over 5 dynos × 8 slots, Poisson
//! arrivals at 32,000/s, exponential service with a 1 ms mean (80% utilisation), unbounded
//! backlogs, HDR latency recording. Reports simulated requests per wall-clock second.
//!
//! The yardstick is the same model as a bare event loop (a `BinaryHeap` of events ordered by
//! (time, sequence), ChaCha8 streams, an HDR histogram of response times, nothing else): about
//! what the machine can do. The same bare loop also runs on spacesim's event structures (the next
//! arrival held apart, departures in spacesim's 4-ary heap): it pops the same events in the same
//! order, so its results equal the yardstick's exactly, and its rate shows what the event
//! structure buys, apart from the features. spacesim runs the model through
//! `spacesim::model::sim::run` with every feature compiled in. Rates are reported as ratios to
//! the yardstick measured in the same invocation, all interleaved, best of `BENCH_REPEAT`
//! (default 5) each. The mean response times are printed: the same model must give the same mean
//! (within sampling noise).
//!
//! Run with `cargo bench --bench engine`.

#[path = "support/table.rs"]
mod table;

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::path::Path;

use hdrhistogram::Histogram;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1};

use spacesim::engine::heap::QuadHeap;
use spacesim::engine::queue::time_of;
use spacesim::metrics::NullSink;
use spacesim::model::sim;
use spacesim::scenario;
use table::{Row, print_table, repetitions, timed};

/// Simulated seconds per run.
const DURATION_S: u64 = 60;
const DYNOS: usize = 5;
const SLOTS: u32 = 8;
const RATE_PER_S: f64 = 32_000.0;
const SERVICE_MEAN_NS: f64 = 1_000_000.0;

/// The reference model as a scenario, from the same constants the yardstick uses.
fn reference_scenario() -> String {
    format!(
        r#"
name = "reference"
duration = "{DURATION_S}s"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = {DYNOS}
concurrency = {SLOTS}
backlog = 1000000

[[apps.traffic]]
name = "default"
arrival = {{ process = "poisson", rate = "{RATE_PER_S}/s" }}
service = {{ dist = "exponential", mean = "{}ms" }}
"#,
        SERVICE_MEAN_NS / 1e6
    )
}

/// What one run of either implementation measured.
struct Measured {
    requests: u64,
    events: u64,
    mean_ms: f64,
}

/// The best (shortest) of a benchmark's repetitions.
struct Best {
    measured: Option<Measured>,
    wall_s: f64,
}

impl Best {
    fn new() -> Self {
        Best {
            measured: None,
            wall_s: f64::INFINITY,
        }
    }

    /// Times `f`, keeping its result and the best wall time so far.
    fn time(&mut self, f: impl FnOnce() -> Measured) {
        let (m, wall) = timed(f);
        self.wall_s = self.wall_s.min(wall);
        self.measured = Some(m);
    }

    fn measured(&self) -> &Measured {
        self.measured.as_ref().expect("ran at least once")
    }

    fn rate(&self) -> f64 {
        self.measured().requests as f64 / self.wall_s
    }

    fn row(&self, name: &str, yardstick: &Best) -> Row {
        Row {
            name: name.into(),
            requests: self.measured().requests,
            wall_s: self.wall_s,
            ratio: Some(self.rate() / yardstick.rate()),
        }
    }
}

fn main() {
    let text = reference_scenario();
    let s = scenario::parse(&text, "reference.toml", Path::new("."), None).expect("valid");
    let n = repetitions(5);
    let (mut bare, mut structures, mut spacesim) = (Best::new(), Best::new(), Best::new());
    for rep in 0..n {
        // Interleaved, so all see the same machine load; a new seed each repetition.
        let seed = rep as u64 + 1;
        bare.time(|| bare_loop::<BinaryHeap<Reverse<Event>>>(seed));
        structures.time(|| bare_loop::<SpacesimQueue>(seed));
        spacesim.time(|| {
            let out = sim::run(&s, &mut NullSink).expect("run");
            let c = &out.classes[0];
            Measured {
                requests: c.counts.total,
                events: out.events,
                mean_ms: c.latency.mean().expect("requests finished").as_nanos() as f64 / 1e6,
            }
        });
    }
    // The two bare loops pop the same events in the same order: the same results exactly.
    let (y, q) = (bare.measured(), structures.measured());
    assert_eq!((y.requests, y.events), (q.requests, q.events));
    assert_eq!(y.mean_ms.to_bits(), q.mean_ms.to_bits());
    println!("reference model: 5 dynos x 8 slots, random routing, Poisson 32k/s, exponential 1 ms");
    println!("({DURATION_S} s simulated, best of {n}, interleaved)\n");
    print_table(
        "requests",
        "ratio to yardstick",
        &[
            bare.row("yardstick (bare BinaryHeap loop)", &bare),
            structures.row("bare loop on spacesim's event queue", &bare),
            spacesim.row("spacesim sim::run (all features)", &bare),
        ],
    );
    println!();
    let events_m = |b: &Best| b.measured().events as f64 / b.wall_s / 1e6;
    println!(
        "events/s: yardstick {:.2} M, spacesim {:.2} M",
        events_m(&bare),
        events_m(&spacesim)
    );
    let (y, m) = (bare.measured().mean_ms, spacesim.measured().mean_ms);
    let diff = (m / y - 1.0) * 100.0;
    println!("mean response time: yardstick {y:.4} ms, spacesim {m:.4} ms ({diff:+.2}%)");
}

/// An event of the bare loop; the heap pops the smallest (time, seq) first.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Event {
    time_ns: u64,
    seq: u64,
    kind: Kind,
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Arrival,
    /// A request that arrived at `arrived_ns` finishes on `dyno`.
    Departure {
        dyno: usize,
        arrived_ns: u64,
    },
}

/// The reference model as a bare event loop on the event queue `Q`: with a `BinaryHeap`, the
/// yardstick.
#[inline(never)] // a symbol of its own, for profilers
fn bare_loop<Q: BareQueue>(seed: u64) -> Measured {
    let mut arrivals = ChaCha8Rng::seed_from_u64(seed);
    let mut service = ChaCha8Rng::seed_from_u64(seed ^ 0x5e41_1ce0);
    let mut routing = ChaCha8Rng::seed_from_u64(seed ^ 0x40a7_1e00);
    let gap_mean_ns = 1e9 / RATE_PER_S;
    let end_ns = DURATION_S * 1_000_000_000;

    let mut heap = Q::default();
    let mut seq = 0u64;
    let mut push = |heap: &mut Q, time_ns, kind| {
        heap.push(Event { time_ns, seq, kind });
        seq += 1;
    };
    let mut busy = [0u32; DYNOS];
    let mut backlog: [VecDeque<u64>; DYNOS] = Default::default();
    let mut hist = Histogram::<u64>::new_with_bounds(1, 86_400 * 1_000_000, 3).expect("bounds");
    let (mut requests, mut events, mut sum_ns) = (0u64, 0u64, 0u128);

    let first: f64 = Exp1.sample(&mut arrivals);
    push(&mut heap, (first * gap_mean_ns) as u64, Kind::Arrival);
    while let Some(e) = heap.pop() {
        if e.time_ns >= end_ns {
            break;
        }
        events += 1;
        let now = e.time_ns;
        match e.kind {
            Kind::Arrival => {
                requests += 1;
                let gap: f64 = Exp1.sample(&mut arrivals);
                push(&mut heap, now + (gap * gap_mean_ns) as u64, Kind::Arrival);
                let dyno = routing.random_range(0..DYNOS);
                if busy[dyno] < SLOTS {
                    busy[dyno] += 1;
                    let s: f64 = Exp1.sample(&mut service);
                    let kind = Kind::Departure {
                        dyno,
                        arrived_ns: now,
                    };
                    push(&mut heap, now + (s * SERVICE_MEAN_NS) as u64, kind);
                } else {
                    backlog[dyno].push_back(now);
                }
            }
            Kind::Departure { dyno, arrived_ns } => {
                let ns = now - arrived_ns;
                sum_ns += u128::from(ns);
                hist.saturating_record((ns / 1_000).max(1));
                if let Some(arrived_ns) = backlog[dyno].pop_front() {
                    let s: f64 = Exp1.sample(&mut service);
                    let kind = Kind::Departure { dyno, arrived_ns };
                    push(&mut heap, now + (s * SERVICE_MEAN_NS) as u64, kind);
                } else {
                    busy[dyno] -= 1;
                }
            }
        }
    }
    Measured {
        requests,
        events,
        mean_ms: sum_ns as f64 / hist.len() as f64 / 1e6,
    }
}

/// The event queue of a bare loop.
trait BareQueue: Default {
    fn push(&mut self, e: Event);
    /// Removes the smallest (time, seq).
    fn pop(&mut self) -> Option<Event>;
}

/// The yardstick's queue: the standard library's binary heap.
impl BareQueue for BinaryHeap<Reverse<Event>> {
    fn push(&mut self, e: Event) {
        BinaryHeap::push(self, Reverse(e));
    }
    fn pop(&mut self) -> Option<Event> {
        BinaryHeap::pop(self).map(|Reverse(e)| e)
    }
}

/// spacesim's event structures in a bare loop: the next arrival held apart (one at a time, as
/// the event queue's single lane holds it), departures in spacesim's 4-ary heap.
#[derive(Default)]
struct SpacesimQueue {
    arrival: Option<Event>,
    heap: QuadHeap<Kind>,
}

impl BareQueue for SpacesimQueue {
    fn push(&mut self, e: Event) {
        if e.kind == Kind::Arrival {
            debug_assert!(self.arrival.is_none(), "one arrival at a time");
            self.arrival = Some(e);
        } else {
            self.heap.push(key(&e), e.kind);
        }
    }
    fn pop(&mut self) -> Option<Event> {
        let departure = self.heap.peek_key();
        match (self.arrival, departure) {
            (Some(a), Some(k)) if key(&a) > k => self.pop_departure(),
            (Some(_), _) => self.arrival.take(),
            (None, _) => self.pop_departure(),
        }
    }
}

impl SpacesimQueue {
    fn pop_departure(&mut self) -> Option<Event> {
        self.heap.pop().map(|(k, kind)| Event {
            time_ns: time_of(k).0,
            seq: k as u64,
            kind,
        })
    }
}

/// The 128-bit key of `e`, as spacesim's event queue makes it: time, then sequence.
fn key(e: &Event) -> u128 {
    (u128::from(e.time_ns) << 64) | u128::from(e.seq)
}
