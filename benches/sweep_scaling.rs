//! Sweep scaling and per-run start-up overhead, through the library's sweep API
//! (`spacesim::sweep::{Plan, execute}`, as `spacesim sweep` calls it), each sweep writing its
//! journal and tables into a fresh temporary directory.
//!
//! - Scaling: the same sweep of 200 small runs (2 grid points × 100 replications of one
//!   simulated minute at 500 requests/s) with 1 and with 2 worker threads, interleaved, best of
//!   `BENCH_REPEAT` (default 3) each. Target: 2 threads give at least 1.8× the runs per second.
//! - Start-up overhead: 2,000 tiny runs (one simulated second at 10 requests/s, about ten
//!   requests each) on 1 thread; wall time per run is nearly all start-up (scenario, streams,
//!   histograms, summary, journal line). Target: under 2 ms, so 100,000 tiny runs take minutes.
//!
//! Run with `cargo bench --bench sweep_scaling`.

#[path = "support/table.rs"]
mod table;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use spacesim::sweep::{self, Outcome, Plan, SweepOptions};
use table::{Row, cpu_seconds, print_table, repetitions, timed};

const SMALL: &str = r#"
name = "small"
seed = 3
duration = "1m"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 4
dyno_type = "private-m"
concurrency = 8

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "500/s" }
service = { dist = "lognormal", median = "30ms", p99 = "200ms" }

[sweep]
replications = 100

[sweep.grid]
"router.policy" = ["random", "least_connections"]
"#;

const TINY: &str = r#"
name = "tiny"
seed = 4
duration = "1s"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 2
dyno_type = "private-m"

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "10/s" }
service = { dist = "exponential", mean = "50ms" }

[sweep]
replications = 2000
"#;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let small = plan(dir.path(), "small.toml", SMALL);
    let tiny = plan(dir.path(), "tiny.toml", TINY);
    let n = repetitions(3);

    let (mut one, mut two) = (Timing::NONE, Timing::NONE);
    for rep in 0..n {
        one = one.best(sweep_timed(
            &small,
            1,
            &dir.path().join(format!("one-{rep}")),
        ));
        two = two.best(sweep_timed(
            &small,
            2,
            &dir.path().join(format!("two-{rep}")),
        ));
    }
    let mut tiny_t = Timing::NONE;
    for rep in 0..n {
        tiny_t = tiny_t.best(sweep_timed(
            &tiny,
            1,
            &dir.path().join(format!("tiny-{rep}")),
        ));
    }
    let (one_cpu, two_cpu) = (one.cpu_s, two.cpu_s);
    let (one, two, tiny_wall) = (one.wall_s, two.wall_s, tiny_t.wall_s);

    let runs = small.runs();
    println!(
        "sweep of {runs} small runs (1 simulated minute at 500 req/s each), best of {n}, interleaved\n"
    );
    print_table(
        "runs",
        "speedup",
        &[
            Row {
                name: "sweep, 1 thread".into(),
                requests: runs,
                wall_s: one,
                ratio: Some(1.0),
            },
            Row {
                name: "sweep, 2 threads".into(),
                requests: runs,
                wall_s: two,
                ratio: Some(one / two),
            },
            Row {
                name: "tiny runs (1 s at 10 req/s), 1 thread".into(),
                requests: tiny.runs(),
                wall_s: tiny_wall,
                ratio: None,
            },
        ],
    );
    println!();
    println!(
        "speedup with 2 threads: {:.2}x (target >= 1.8x on 2 cores)",
        one / two
    );
    if let (Some(c1), Some(c2)) = (one_cpu, two_cpu) {
        // On a loaded machine the wall-clock speedup says more about the other processes than
        // about spacesim; CPU time shows whether a second thread adds work (contention) and how
        // many cores the sweep actually got.
        println!(
            "CPU s: 1 thread {c1:.2} ({:.2} cores busy), 2 threads {c2:.2} ({:.2} cores busy); \
             CPU per run 2 threads / 1 thread: {:.2}",
            c1 / one,
            c2 / two,
            c2 / c1
        );
        println!(
            "upper bound on 2 free cores (CPU-time bound, serial phases counted as parallel): \
             {:.2}x",
            2.0 * c1 / c2
        );
    }
    println!(
        "per-run start-up overhead: {:.3} ms (target < 2 ms)",
        tiny_wall / tiny.runs() as f64 * 1e3
    );
}

/// Wall and CPU seconds of one sweep.
#[derive(Clone, Copy)]
struct Timing {
    wall_s: f64,
    cpu_s: Option<f64>,
}

impl Timing {
    const NONE: Timing = Timing {
        wall_s: f64::INFINITY,
        cpu_s: None,
    };

    /// The faster of the two.
    fn best(self, other: Timing) -> Timing {
        if other.wall_s < self.wall_s {
            other
        } else {
            self
        }
    }
}

/// Writes `text` to `dir/name` and loads its sweep.
fn plan(dir: &Path, name: &str, text: &str) -> Plan {
    let file = dir.join(name);
    std::fs::write(&file, text).expect("writing the scenario");
    Plan::load(&file, Vec::new()).expect("the sweep scenario is valid")
}

/// Runs the whole of `plan` on `jobs` threads into `out`; returns its wall and CPU time.
fn sweep_timed(plan: &Plan, jobs: usize, out: &Path) -> Timing {
    let opts = SweepOptions {
        out: out.to_path_buf(),
        jobs: Some(jobs),
        shard: None,
        resume: false,
        keep_runs: false,
        progress: false,
    };
    let cpu_before = cpu_seconds();
    let (outcome, wall_s) = timed(|| sweep::execute(plan, &opts, &AtomicBool::new(false)));
    let cpu_s = cpu_seconds()
        .zip(cpu_before)
        .map(|(after, before)| after - before);
    match outcome.expect("the sweep runs") {
        Outcome::Complete { runs, .. } => assert_eq!(runs, plan.runs()),
        other => panic!("the sweep did not complete: {other:?}"),
    }
    Timing { wall_s, cpu_s }
}
