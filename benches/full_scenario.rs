//! Throughput of a full-featured scenario: two apps, one with a Postgres add-on whose
//! connection pool every checkout uses and a worker process working enqueued and scheduled
//! jobs, the other a plain web app; a rolling deploy of each during the run and a scale-out.
//! Reports simulated requests per wall-clock second, best of `BENCH_REPEAT` (default 3), with
//! the per-second time series accumulated (into a sink that drops the rows) as `spacesim run`
//! does.
//!
//! Run with `cargo bench --bench full_scenario`.

#[path = "support/table.rs"]
mod table;

use std::path::Path;

use spacesim::metrics::NullSink;
use spacesim::model::sim;
use spacesim::scenario;
use table::{Row, print_table, repetitions, timed};

const FULL: &str = r#"
name = "full-scenario"
seed = 8
duration = "10m"
warmup = "30s"

[[apps]]
name = "shop"

[[apps.processes]]
type = "web"
count = 8
dyno_type = "private-m"
concurrency = 16

[[apps.processes]]
type = "worker"
count = 4
dyno_type = "private-m"

[[apps.addons]]
name = "DATABASE"
kind = "postgres"
plan = "private-2"

[[apps.jobs]]
name = "receipt"
process = "worker"
service = { dist = "exponential", mean = "20ms" }

[[apps.jobs]]
name = "report"
process = "worker"
arrival = { process = "poisson", rate = "1/s" }
service = { dist = "uniform", min = "1s", max = "3s" }

[[apps.traffic]]
name = "checkout"
arrival = { process = "poisson", rate = "2k/s" }
service = { dist = "lognormal", mean = "30ms", cv = 0.8 }
addons = [{ addon = "DATABASE", hold = "60%" }]
enqueue = { job = "receipt", per_request = 0.3 }

[[apps.traffic]]
name = "static"
arrival = { process = "poisson", rate = "4k/s" }
service = { dist = "exponential", mean = "5ms" }

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 6
dyno_type = "private-m"
concurrency = 16

[[apps.traffic]]
name = "default"
arrival = { process = "diurnal", trough = "1k/s", peak = "3k/s", peak_at = "5m" }
service = { dist = "gamma", mean = "20ms", cv = 1.2 }

[[timeline]]
at = "2m"
action = "deploy"
app = "shop"
name = "deploy-shop"

[[timeline]]
at = "5m"
action = "deploy"
app = "api"
name = "deploy-api"

[[timeline]]
at = "8m"
action = "scale"
app = "api"
process = "web"
count = 8
name = "scale-api"
"#;

fn main() {
    let s = scenario::parse(FULL, "full-scenario.toml", Path::new("."), None)
        .expect("the full scenario parses");
    let n = repetitions(3);
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..n {
        let (o, wall) = timed(|| sim::run(&s, &mut NullSink).expect("run"));
        best = best.min(wall);
        out = Some(o);
    }
    let out = out.expect("ran");
    let requests: u64 = out.classes.iter().map(|c| c.counts.total).sum();
    let jobs: u64 = out.jobs.iter().map(|j| j.enqueued).sum();
    let failed: u64 = out.classes.iter().map(|c| c.counts.failed()).sum();
    println!(
        "full scenario: 2 apps (14 web dynos), Postgres pool, 4 workers, 2 rolling deploys, a scale"
    );
    println!("(10 min simulated, best of {n})\n");
    print_table(
        "requests",
        "ratio",
        &[Row {
            name: "full scenario sim::run".into(),
            requests,
            wall_s: best,
            ratio: None,
        }],
    );
    println!();
    println!(
        "{} events ({:.2} M events/s), {jobs} jobs, {failed} failed requests, {} operations",
        out.events,
        out.events as f64 / best / 1e6,
        out.operations.len()
    );
}
