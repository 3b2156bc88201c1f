//! Engine throughput on the reference model: random routing over 5 dynos × 8 slots, Poisson
//! arrivals, exponential service, HDR latency recording, at 80% utilisation. Reports simulated
//! requests per wall-clock second (best of three runs).
//!
//! Run with `cargo bench --bench engine`.

use std::path::Path;
use std::time::Instant;

use spacesim::metrics::NullSink;
use spacesim::model::sim;
use spacesim::scenario;

const REFERENCE: &str = r#"
name = "reference"
duration = "60s"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 5
concurrency = 8
backlog = 1000000

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "32k/s" }
service = { dist = "exponential", mean = "1ms" }
"#;

fn main() {
    let s = scenario::parse(REFERENCE, "reference.toml", Path::new("."), None).expect("valid");
    let mut best = f64::INFINITY;
    let mut requests = 0;
    let mut events = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let out = sim::run(&s, &mut NullSink).expect("run");
        best = best.min(started.elapsed().as_secs_f64());
        requests = out.classes[0].counts.total;
        events = out.events;
    }
    println!(
        "{:<40} {:>14} {:>12} {:>16}",
        "benchmark", "requests", "wall s", "requests/s"
    );
    println!(
        "{:<40} {:>14} {:>12.3} {:>16.0}",
        "reference model (5x8, random, M/M)",
        requests,
        best,
        requests as f64 / best
    );
    println!(
        "({events} events, {:.2} M events/s)",
        events as f64 / best / 1e6
    );
}
