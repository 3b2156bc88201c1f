//! Engine throughput on the reference model: random routing over 5 dynos × 8 slots, Poisson
//! arrivals at 32,000/s, exponential service with a 1 ms mean (80% utilisation), unbounded
//! backlogs, HDR latency recording. Reports simulated requests per wall-clock second.
//!
//! The yardstick is the same model as a bare event loop (a `BinaryHeap` of events ordered by
//! (time, sequence), ChaCha8 streams, an HDR histogram of response times, nothing else): about
//! what the machine can do. spacesim runs the model through `spacesim::model::sim::run` with every
//! feature compiled in; its rate is reported as a ratio to the yardstick measured in the same
//! invocation, the two interleaved, best of `BENCH_REPEAT` (default 5) each. Both mean response
//! times are printed: the same model must give the same mean (within sampling noise).
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

fn main() {
    let text = reference_scenario();
    let s = scenario::parse(&text, "reference.toml", Path::new("."), None).expect("valid");
    let n = repetitions(5);
    let (mut bare_best, mut sim_best) = (f64::INFINITY, f64::INFINITY);
    let (mut bare, mut spacesim) = (None, None);
    for rep in 0..n {
        // Interleaved, so both see the same machine load; a new seed each repetition.
        let (m, wall) = timed(|| yardstick(rep as u64 + 1));
        bare_best = bare_best.min(wall);
        bare = Some(m);
        let (m, wall) = timed(|| {
            let out = sim::run(&s, &mut NullSink).expect("run");
            let c = &out.classes[0];
            Measured {
                requests: c.counts.total,
                events: out.events,
                mean_ms: c.latency.mean().expect("requests finished").as_nanos() as f64 / 1e6,
            }
        });
        sim_best = sim_best.min(wall);
        spacesim = Some(m);
    }
    let (bare, spacesim) = (bare.expect("ran"), spacesim.expect("ran"));
    let bare_rate = bare.requests as f64 / bare_best;
    let sim_rate = spacesim.requests as f64 / sim_best;
    println!("reference model: 5 dynos x 8 slots, random routing, Poisson 32k/s, exponential 1 ms");
    println!("({DURATION_S} s simulated, best of {n}, interleaved)\n");
    print_table(
        "requests",
        "ratio to yardstick",
        &[
            Row {
                name: "yardstick (bare BinaryHeap loop)".into(),
                requests: bare.requests,
                wall_s: bare_best,
                ratio: Some(1.0),
            },
            Row {
                name: "spacesim sim::run (all features)".into(),
                requests: spacesim.requests,
                wall_s: sim_best,
                ratio: Some(sim_rate / bare_rate),
            },
        ],
    );
    println!();
    println!(
        "events/s: yardstick {:.2} M, spacesim {:.2} M",
        bare.events as f64 / bare_best / 1e6,
        spacesim.events as f64 / sim_best / 1e6
    );
    let diff = (spacesim.mean_ms / bare.mean_ms - 1.0) * 100.0;
    println!(
        "mean response time: yardstick {:.4} ms, spacesim {:.4} ms ({diff:+.2}%)",
        bare.mean_ms, spacesim.mean_ms
    );
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

/// The reference model as a bare event loop: the yardstick.
fn yardstick(seed: u64) -> Measured {
    let mut arrivals = ChaCha8Rng::seed_from_u64(seed);
    let mut service = ChaCha8Rng::seed_from_u64(seed ^ 0x5e41_1ce0);
    let mut routing = ChaCha8Rng::seed_from_u64(seed ^ 0x40a7_1e00);
    let gap_mean_ns = 1e9 / RATE_PER_S;
    let end_ns = DURATION_S * 1_000_000_000;

    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<Reverse<Event>>, time_ns, kind| {
        heap.push(Reverse(Event { time_ns, seq, kind }));
        seq += 1;
    };
    let mut busy = [0u32; DYNOS];
    let mut backlog: [VecDeque<u64>; DYNOS] = Default::default();
    let mut hist = Histogram::<u64>::new_with_bounds(1, 86_400 * 1_000_000, 3).expect("bounds");
    let (mut requests, mut events, mut sum_ns) = (0u64, 0u64, 0u128);

    let first: f64 = Exp1.sample(&mut arrivals);
    push(&mut heap, (first * gap_mean_ns) as u64, Kind::Arrival);
    while let Some(Reverse(e)) = heap.pop() {
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
