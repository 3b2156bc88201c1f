//! Property tests (issue 10): random valid scenarios, written as TOML text, parse; their runs
//! never panic and never break an invariant (the engine checks them every simulated second with
//! `simulator.check_invariants = true`); every request and job is accounted for; the time series
//! agrees with the summary; and the same scenario and seed give byte-identical results.
//! Near-miss inputs (a misspelt key, a bad value) are refused with a located error, never a panic.
//!
//! Cases are bounded ([`CASES`] per property, a few milliseconds each in release) and the random
//! source is fixed ([`SEED`]), so `cargo test` explores the same scenarios every time and a
//! failure reproduces as is. To explore further, set `PROPTEST_RNG_SEED=<n>` and/or
//! `PROPTEST_CASES=<n>`. Failures are not persisted to files (`failure_persistence: None`): with
//! a fixed seed the failing case comes back on every run anyway, and proptest prints the shrunk
//! scenario; a failure worth keeping becomes a named regression test.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, RngAlgorithm, RngSeed};
use spacesim::metrics::{JobRow, ProcessRow, SeriesSink, TrafficRow};
use spacesim::model::sim::{self, RunError, RunOutput};
use spacesim::report::summary;
use spacesim::report::timeseries::CsvSeries;
use spacesim::scenario::{self, Scenario, ScenarioError};

/// Cases per property in `cargo test` (unless `PROPTEST_CASES` says otherwise).
const CASES: u32 = 128;
/// The fixed seed of the case generator (unless `PROPTEST_RNG_SEED` says otherwise).
const SEED: u64 = 0x5ace_51a1_0010;

fn config(cases: u32) -> ProptestConfig {
    let env = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<u64>().ok());
    ProptestConfig {
        cases: env("PROPTEST_CASES").map_or(cases, |c| c as u32),
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(env("PROPTEST_RNG_SEED").unwrap_or(SEED)),
        failure_persistence: None,
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------------------------------------
// The generator: a small model of a scenario, rendered as TOML.

/// A random scenario; [`Gen::toml`] renders it (cross references are resolved modulo the
/// number of things they may name, and operations that cannot apply are dropped, so every
/// value of this type renders a valid scenario).
#[derive(Clone, Debug)]
struct Gen {
    seed: u64,
    duration_s: u32,
    warmup_s: u32,
    policy: &'static str,
    router_timeout_s: Option<u32>,
    common: bool,
    max_in_flight: Option<u64>,
    apps: Vec<GenApp>,
    timeline: Vec<GenOp>,
}

#[derive(Clone, Debug)]
struct GenApp {
    web: GenProcess,
    /// A worker process with its job kinds (at least one).
    worker: Option<(GenProcess, Vec<GenJob>)>,
    classes: Vec<GenClass>,
    postgres: Option<u32>,
    redis: bool,
    /// `autoscale = { min, max }` around the web count (Private Spaces only).
    autoscale: bool,
    preboot: bool,
}

#[derive(Clone, Debug)]
struct GenProcess {
    count: u32,
    /// Index into the runtime's dyno types.
    dyno_type: usize,
    concurrency: Option<u32>,
    backlog: u32,
    boot: Option<String>,
}

#[derive(Clone, Debug)]
struct GenJob {
    arrival: Option<String>,
    service: String,
}

#[derive(Clone, Debug)]
struct GenClass {
    arrival: String,
    service: String,
    client: Option<String>,
    /// Hold a Postgres (or Redis) connection for this share/duration of service.
    addon_hold: Option<String>,
    /// Enqueue jobs per request.
    enqueue: Option<f64>,
}

#[derive(Clone, Debug)]
struct GenOp {
    /// Fraction of the duration at which it happens, in per mille.
    at_permille: u32,
    app: usize,
    kind: OpKind,
}

#[derive(Clone, Debug)]
enum OpKind {
    Deploy {
        release_phase: Option<u32>,
        fails: bool,
        incompatible: bool,
    },
    ConfigChange,
    Restart {
        worker: bool,
        dyno: Option<u32>,
    },
    Scale {
        worker: bool,
        count: u32,
    },
    Crash {
        worker: bool,
        dyno: Option<u32>,
    },
    ChangeType {
        to: usize,
        concurrency: Option<u32>,
    },
    Traffic {
        class: usize,
        rate: u32,
        duration_s: Option<u32>,
    },
    Failover,
    Maintenance {
        duration_s: Option<u32>,
    },
}

const PRIVATE_TYPES: [&str; 4] = ["private-s", "private-m", "private-l", "shield-m"];
const COMMON_TYPES: [&str; 4] = [
    "standard-1x",
    "standard-2x",
    "performance-m",
    "performance-l",
];
const POLICIES: [&str; 4] = ["random", "round_robin", "least_connections", "power_of_two"];

fn dyno_types(common: bool) -> &'static [&'static str] {
    // shield-m needs a Shield space: keep the private list to the first three.
    if common {
        &COMMON_TYPES
    } else {
        &PRIVATE_TYPES[..3]
    }
}

fn rate() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..120).prop_map(|r| format!("{r}/s")),
        (1u32..100).prop_map(|r| format!("{}.5/s", r)),
        (60u32..3000).prop_map(|r| format!("{r}/min")),
    ]
}

/// A rate that may be zero (bases, troughs).
fn low_rate() -> impl Strategy<Value = String> {
    (0u32..20).prop_map(|r| format!("{r}/s"))
}

fn ms(lo: u32, hi: u32) -> impl Strategy<Value = String> {
    (lo..hi).prop_map(|v| format!("{v}ms"))
}

fn arrival(duration_s: u32) -> impl Strategy<Value = String> {
    let d = duration_s.max(2);
    prop_oneof![
        rate().prop_map(|r| format!("{{ process = \"constant\", rate = \"{r}\" }}")),
        rate().prop_map(|r| format!("{{ process = \"poisson\", rate = \"{r}\" }}")),
        (low_rate(), rate(), 0..d / 2, 1..d).prop_map(|(from, to, start, len)| format!(
            "{{ process = \"ramp\", from = \"{from}\", to = \"{to}\", start = \"{start}s\", \
             end = \"{}s\" }}",
            start + len
        )),
        proptest::collection::vec((1..d, rate()), 1..4).prop_map(|mut steps| {
            // Steps strictly in time order, after the first at 0 s.
            steps.sort_by_key(|s| s.0);
            steps.dedup_by_key(|s| s.0);
            let mut s =
                String::from("{ process = \"steps\", steps = [{ at = \"0s\", rate = \"5/s\" }");
            for (at, r) in steps {
                let _ = write!(s, ", {{ at = \"{at}s\", rate = \"{r}\" }}");
            }
            s.push_str("] }");
            s
        }),
        // The peak must be at least the trough.
        (0u32..20, 0u32..100, 0..d, 2..2 * d).prop_map(|(trough, extra, at, period)| format!(
            "{{ process = \"diurnal\", trough = \"{trough}/s\", peak = \"{}/s\", \
             peak_at = \"{at}s\", period = \"{period}s\" }}",
            trough + extra
        )),
        (low_rate(), rate(), 1..10u32, 1..20u32, 0..d).prop_map(|(base, r, on, off, start)| {
            format!(
                "{{ process = \"burst\", base = \"{base}\", rate = \"{r}\", on = \"{on}s\", \
                 off = \"{off}s\", start = \"{start}s\" }}"
            )
        }),
    ]
}

fn service() -> impl Strategy<Value = String> {
    prop_oneof![
        ms(1, 400).prop_map(|v| format!("\"{v}\"")),
        ms(1, 400).prop_map(|v| format!("{{ dist = \"constant\", value = \"{v}\" }}")),
        (1u32..100, 1u32..300).prop_map(|(a, b)| format!(
            "{{ dist = \"uniform\", min = \"{a}ms\", max = \"{}ms\" }}",
            a + b
        )),
        ms(1, 400).prop_map(|v| format!("{{ dist = \"exponential\", mean = \"{v}\" }}")),
        (10u32..300, 1u32..100).prop_map(|(m, sd)| format!(
            "{{ dist = \"normal\", mean = \"{m}ms\", sd = \"{sd}ms\" }}"
        )),
        (5u32..300, 1u32..20).prop_map(|(m, cv)| format!(
            "{{ dist = \"lognormal\", mean = \"{m}ms\", cv = {} }}",
            f64::from(cv) / 10.0
        )),
        (5u32..200, 1u32..1000).prop_map(|(m, extra)| format!(
            "{{ dist = \"lognormal\", median = \"{m}ms\", p99 = \"{}ms\" }}",
            m + extra
        )),
        (5u32..300, 1u32..20).prop_map(|(m, cv)| format!(
            "{{ dist = \"gamma\", mean = \"{m}ms\", cv = {} }}",
            f64::from(cv) / 10.0
        )),
        (5u32..300, 1u32..6)
            .prop_map(|(m, k)| format!("{{ dist = \"erlang\", k = {k}, mean = \"{m}ms\" }}")),
        (1u32..100, 11u32..40).prop_map(|(m, shape)| format!(
            "{{ dist = \"pareto\", min = \"{m}ms\", shape = {} }}",
            f64::from(shape) / 10.0
        )),
        (1u32..50, 1u32..200, 1u32..2000).prop_map(|(a, b, c)| format!(
            "{{ dist = \"empirical\", quantiles = [[0.0, \"{a}ms\"], [0.5, \"{}ms\"], \
             [1.0, \"{}ms\"]] }}",
            a + b,
            a + b + c
        )),
    ]
}

fn process(common: bool) -> impl Strategy<Value = GenProcess> {
    let types = dyno_types(common).len();
    (
        0u32..7,
        0..types,
        proptest::option::of(1u32..9),
        prop_oneof![0u32..4, 1000u32..100_000],
        proptest::option::of(prop_oneof![
            ms(100, 5000).prop_map(|v| format!("\"{v}\"")),
            (1u32..5, 1u32..10).prop_map(|(a, b)| format!(
                "{{ dist = \"uniform\", min = \"{a}s\", max = \"{}s\" }}",
                a + b
            )),
        ]),
    )
        .prop_map(
            |(count, dyno_type, concurrency, backlog, boot)| GenProcess {
                count,
                dyno_type,
                concurrency,
                backlog,
                boot,
            },
        )
}

fn class(duration_s: u32) -> impl Strategy<Value = GenClass> {
    (
        arrival(duration_s),
        service(),
        proptest::option::of(
            (
                proptest::option::of(1u32..5000),
                0u32..4,
                proptest::option::of(1u32..1000),
            )
                .prop_map(|(timeout, retries, backoff)| {
                    let mut parts = Vec::new();
                    if let Some(t) = timeout {
                        parts.push(format!("timeout = \"{t}ms\""));
                    }
                    parts.push(format!("retries = {retries}"));
                    if let Some(b) = backoff {
                        parts.push(format!("backoff = \"{b}ms\""));
                    }
                    format!("{{ {} }}", parts.join(", "))
                }),
        ),
        proptest::option::of(prop_oneof![
            (1u32..101).prop_map(|p| format!("\"{p}%\"")),
            ms(1, 50).prop_map(|v| format!("\"{v}\"")),
        ]),
        proptest::option::of(prop_oneof![Just(1.0), Just(0.3), Just(2.0), Just(0.05)]),
    )
        .prop_map(|(arrival, service, client, addon_hold, enqueue)| GenClass {
            arrival,
            service,
            client,
            addon_hold,
            enqueue,
        })
}

fn app(common: bool, duration_s: u32) -> impl Strategy<Value = GenApp> {
    let job = (
        proptest::option::of(
            rate().prop_map(|r| format!("{{ process = \"poisson\", rate = \"{r}\" }}")),
        ),
        service(),
    )
        .prop_map(|(arrival, service)| GenJob { arrival, service });
    (
        process(common),
        proptest::option::of((process(common), proptest::collection::vec(job, 1..3))),
        proptest::collection::vec(class(duration_s), 1..3),
        proptest::option::of(1u32..40),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(web, worker, classes, postgres, redis, autoscale, preboot)| GenApp {
                web,
                worker,
                classes,
                postgres,
                redis,
                autoscale,
                preboot,
            },
        )
}

fn op() -> impl Strategy<Value = GenOp> {
    let kind = prop_oneof![
        (proptest::option::of(1u32..20), any::<bool>(), any::<bool>()).prop_map(
            |(release_phase, fails, incompatible)| OpKind::Deploy {
                release_phase,
                fails,
                incompatible
            }
        ),
        Just(OpKind::ConfigChange),
        (any::<bool>(), proptest::option::of(1u32..7))
            .prop_map(|(worker, dyno)| OpKind::Restart { worker, dyno }),
        (any::<bool>(), 0u32..9).prop_map(|(worker, count)| OpKind::Scale { worker, count }),
        (any::<bool>(), proptest::option::of(1u32..7))
            .prop_map(|(worker, dyno)| OpKind::Crash { worker, dyno }),
        (0usize..4, proptest::option::of(1u32..9))
            .prop_map(|(to, concurrency)| OpKind::ChangeType { to, concurrency }),
        (0usize..3, 1u32..150, proptest::option::of(1u32..30)).prop_map(
            |(class, rate, duration_s)| OpKind::Traffic {
                class,
                rate,
                duration_s
            }
        ),
        Just(OpKind::Failover),
        proptest::option::of(1u32..30).prop_map(|duration_s| OpKind::Maintenance { duration_s }),
    ];
    (0u32..1000, 0usize..3, kind).prop_map(|(at_permille, app, kind)| GenOp {
        at_permille,
        app,
        kind,
    })
}

fn scenario_gen() -> impl Strategy<Value = Gen> {
    (5u32..61, any::<bool>()).prop_flat_map(|(duration_s, common)| {
        (
            any::<u64>(),
            Just(duration_s),
            prop_oneof![Just(0u32), 0..duration_s],
            proptest::sample::select(&POLICIES[..]),
            proptest::option::of(1u32..40),
            Just(common),
            proptest::option::of(prop_oneof![1u64..50, 1000u64..100_000]),
            proptest::collection::vec(app(common, duration_s), 1..4),
            proptest::collection::vec(op(), 0..6),
        )
            .prop_map(
                |(
                    seed,
                    duration_s,
                    warmup_s,
                    policy,
                    router_timeout_s,
                    common,
                    max_in_flight,
                    apps,
                    timeline,
                )| Gen {
                    seed,
                    duration_s,
                    warmup_s,
                    policy,
                    router_timeout_s,
                    common,
                    max_in_flight,
                    apps,
                    timeline,
                },
            )
    })
}

impl GenProcess {
    fn toml(&self, kind: &str, common: bool, autoscale: bool) -> String {
        let types = dyno_types(common);
        let mut s = format!(
            "\n[[apps.processes]]\ntype = \"{kind}\"\ncount = {}\ndyno_type = \"{}\"\nbacklog = {}\n",
            self.count, types[self.dyno_type], self.backlog
        );
        if let Some(c) = self.concurrency {
            let _ = writeln!(s, "concurrency = {c}");
        }
        if let Some(b) = &self.boot {
            let _ = writeln!(s, "boot = {b}");
        }
        // Autoscaling needs 1 <= min <= count <= max and a dedicated (performance/private) type.
        let dedicated = !types[self.dyno_type].starts_with("standard");
        if autoscale && kind == "web" && self.count >= 1 && dedicated {
            let _ = writeln!(
                s,
                "autoscale = {{ min = 1, max = {}, p95 = \"200ms\" }}",
                self.count + 2
            );
        }
        s
    }
}

impl Gen {
    fn app_name(i: usize) -> String {
        format!("app{i}")
    }

    /// The scenario as TOML text.
    fn toml(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "name = \"prop\"\nseed = {}", self.seed);
        let _ = writeln!(s, "duration = \"{}s\"", self.duration_s);
        if self.warmup_s > 0 {
            let _ = writeln!(s, "warmup = \"{}s\"", self.warmup_s);
        }
        let _ = writeln!(s, "\n[simulator]\ncheck_invariants = true");
        if let Some(m) = self.max_in_flight {
            let _ = writeln!(s, "max_in_flight = {m}");
        }
        let _ = writeln!(s, "\n[router]\npolicy = \"{}\"", self.policy);
        if let Some(t) = self.router_timeout_s {
            let _ = writeln!(s, "timeout = \"{t}s\"");
        }
        if self.common {
            let _ = writeln!(s, "\n[space]\nruntime = \"common\"");
        }
        for (i, app) in self.apps.iter().enumerate() {
            let _ = writeln!(s, "\n[[apps]]\nname = \"{}\"", Self::app_name(i));
            if self.common && app.preboot {
                let _ = writeln!(s, "preboot = true");
            }
            s.push_str(
                &app.web
                    .toml("web", self.common, app.autoscale && !self.common),
            );
            if let Some((worker, jobs)) = &app.worker {
                s.push_str(&worker.toml("worker", self.common, false));
                for (j, job) in jobs.iter().enumerate() {
                    let _ = writeln!(
                        s,
                        "\n[[apps.jobs]]\nname = \"job{j}\"\nprocess = \"worker\"\nservice = {}",
                        job.service
                    );
                    if let Some(a) = &job.arrival {
                        let _ = writeln!(s, "arrival = {a}");
                    }
                }
            }
            let addon = self.addon_of(app);
            if let (Some(conns), false) = (app.postgres, self.common) {
                let _ = writeln!(
                    s,
                    "\n[[apps.addons]]\nname = \"DATABASE\"\nkind = \"postgres\"\n\
                     plan = \"private-2\"\nconnections = {conns}\npool_timeout = \"2s\""
                );
            }
            if app.redis && !self.common {
                let _ = writeln!(
                    s,
                    "\n[[apps.addons]]\nname = \"REDIS\"\nkind = \"redis\"\nplan = \"private-7\""
                );
            }
            for (c, class) in app.classes.iter().enumerate() {
                let _ = writeln!(
                    s,
                    "\n[[apps.traffic]]\nname = \"class{c}\"\narrival = {}\nservice = {}",
                    class.arrival, class.service
                );
                if let Some(client) = &class.client {
                    let _ = writeln!(s, "client = {client}");
                }
                if let (Some(hold), Some(addon)) = (&class.addon_hold, addon) {
                    let _ = writeln!(s, "addons = [{{ addon = \"{addon}\", hold = {hold} }}]");
                }
                if let (Some(per), Some(_)) = (class.enqueue, &app.worker) {
                    let _ = writeln!(s, "enqueue = {{ job = \"job0\", per_request = {per:?} }}");
                }
            }
        }
        let types = dyno_types(self.common);
        for op in &self.timeline {
            let a = op.app % self.apps.len();
            let app = &self.apps[a];
            // Moments are whole milliseconds before the end.
            let at_ms = u64::from(self.duration_s) * u64::from(op.at_permille);
            let mut body = String::new();
            let worker = |w: bool| w && app.worker.is_some();
            let count_of = |w: bool| {
                if worker(w) {
                    app.worker.as_ref().map_or(0, |(p, _)| p.count)
                } else {
                    app.web.count
                }
            };
            let process = |w: bool| if worker(w) { "worker" } else { "web" };
            let action = match &op.kind {
                OpKind::Deploy {
                    release_phase,
                    fails,
                    incompatible,
                } => {
                    if let Some(r) = release_phase {
                        let _ = writeln!(body, "release_phase = \"{r}s\"");
                        if *fails {
                            let _ = writeln!(body, "release_fails = true");
                        }
                    }
                    if *incompatible {
                        let _ = writeln!(body, "schema = \"incompatible\"");
                    }
                    "deploy"
                }
                OpKind::ConfigChange => "config_change",
                OpKind::Restart { worker: w, dyno } => {
                    let _ = writeln!(body, "process = \"{}\"", process(*w));
                    if let Some(d) = dyno.filter(|d| *d <= count_of(*w)) {
                        let _ = writeln!(body, "dyno = {d}");
                    }
                    "restart"
                }
                OpKind::Scale { worker: w, count } => {
                    let _ = writeln!(body, "process = \"{}\"\ncount = {count}", process(*w));
                    "scale"
                }
                OpKind::Crash { worker: w, dyno } => {
                    if count_of(*w) == 0 {
                        continue;
                    }
                    let _ = writeln!(body, "process = \"{}\"", process(*w));
                    if let Some(d) = dyno.filter(|d| *d <= count_of(*w)) {
                        let _ = writeln!(body, "dyno = {d}");
                    }
                    "crash"
                }
                OpKind::ChangeType { to, concurrency } => {
                    let _ = writeln!(
                        body,
                        "process = \"web\"\nto = \"{}\"",
                        types[to % types.len()]
                    );
                    if let Some(c) = concurrency {
                        let _ = writeln!(body, "concurrency = {c}");
                    }
                    "change_type"
                }
                OpKind::Traffic {
                    class,
                    rate,
                    duration_s,
                } => {
                    let _ = writeln!(
                        body,
                        "class = \"class{}\"\nrate = \"{rate}/s\"",
                        class % app.classes.len()
                    );
                    if let Some(d) = duration_s {
                        let _ = writeln!(body, "duration = \"{d}s\"");
                    }
                    "traffic"
                }
                OpKind::Failover => {
                    if app.postgres.is_none() || self.common {
                        continue;
                    }
                    let _ = writeln!(body, "addon = \"DATABASE\"");
                    "failover"
                }
                OpKind::Maintenance { duration_s } => {
                    let Some(addon) = self.addon_of(app) else {
                        continue;
                    };
                    let _ = writeln!(body, "addon = \"{addon}\"");
                    if let Some(d) = duration_s {
                        let _ = writeln!(body, "duration = \"{d}s\"");
                    }
                    "maintenance"
                }
            };
            let _ = write!(
                s,
                "\n[[timeline]]\nat = \"{at_ms}ms\"\naction = \"{action}\"\napp = \"{}\"\n{body}",
                Self::app_name(a)
            );
        }
        s
    }

    /// The add-on classes of `app` use, if it has one.
    fn addon_of(&self, app: &GenApp) -> Option<&'static str> {
        if self.common {
            None
        } else if app.postgres.is_some() {
            Some("DATABASE")
        } else if app.redis {
            Some("REDIS")
        } else {
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checks.

fn parse(text: &str) -> Result<Scenario, ScenarioError> {
    scenario::parse(text, "prop.toml", Path::new("."), None)
}

/// Parses a generated scenario; a failure is a generator or parser bug and shows the text.
fn parse_generated(text: &str) -> Result<Scenario, TestCaseError> {
    parse(text)
        .map_err(|e| TestCaseError::fail(format!("generated scenario refused: {e}\n---\n{text}")))
}

/// Runs a scenario; a panic, an invariant break or any other error fails the case.
fn run_checked(
    s: &Scenario,
    sink: &mut dyn SeriesSink,
    text: &str,
) -> Result<RunOutput, TestCaseError> {
    match sim::run(s, sink) {
        Ok(out) => Ok(out),
        Err(RunError::Invariant { at_s, message }) => Err(TestCaseError::fail(format!(
            "invariant broken at {at_s} s: {message}\n---\n{text}"
        ))),
        Err(e) => Err(TestCaseError::fail(format!("run failed: {e}\n---\n{text}"))),
    }
}

/// One traffic class's rows summed over the run.
#[derive(Default)]
struct ClassSums {
    arrivals: u64,
    ok: u64,
    /// By code.
    failed: Vec<u64>,
    blocked: u64,
    /// `in_flight` of the last row.
    last_in_flight: u64,
    rows: u64,
}

/// A sink that keeps per-class and per-job totals over all seconds.
#[derive(Default)]
struct Totals {
    /// By (app, class).
    traffic: std::collections::BTreeMap<(String, String), ClassSums>,
    /// (app, job) → (enqueued, done, last waiting, last running).
    jobs: std::collections::BTreeMap<(String, String), (u64, u64, u64, u64)>,
    /// Seconds seen, in order.
    seconds: Vec<u64>,
}

impl SeriesSink for Totals {
    fn traffic(&mut self, row: &TrafficRow<'_>) -> io::Result<()> {
        if self.seconds.last() != Some(&row.time_s) {
            self.seconds.push(row.time_s);
        }
        let e = self
            .traffic
            .entry((row.app.to_string(), row.class.to_string()))
            .or_insert_with(|| ClassSums {
                failed: vec![0; row.failed.len()],
                ..ClassSums::default()
            });
        e.arrivals += row.arrivals;
        e.ok += row.ok;
        for (a, b) in e.failed.iter_mut().zip(row.failed) {
            *a += b;
        }
        e.blocked += row.blocked;
        e.last_in_flight = row.in_flight;
        e.rows += 1;
        Ok(())
    }
    fn process(&mut self, _: &ProcessRow<'_>) -> io::Result<()> {
        Ok(())
    }
    fn jobs(&mut self, row: &JobRow<'_>) -> io::Result<()> {
        let e = self
            .jobs
            .entry((row.app.to_string(), row.job.to_string()))
            .or_default();
        e.0 += row.enqueued;
        e.1 += row.done;
        e.2 = row.waiting;
        e.3 = row.running;
        Ok(())
    }
}

/// Conservation from the outputs alone, and agreement of the time series with them.
fn check_conservation(
    s: &Scenario,
    out: &RunOutput,
    series: &Totals,
    text: &str,
) -> Result<(), TestCaseError> {
    prop_assert!(out.partial.is_none(), "a short run stopped early\n{text}");
    for c in &out.classes {
        let k = &c.counts;
        prop_assert_eq!(
            k.total,
            k.ok + k.failed() + k.blocked + k.in_flight,
            "class {}: total != ok + failed + blocked + in_flight ({:?})\n{}",
            c.name,
            k,
            text
        );
        prop_assert!(k.retries <= k.total, "more retries than arrivals: {:?}", k);
        let key = (s.apps[c.app].name.clone(), c.name.clone());
        let row = series.traffic.get(&key).ok_or_else(|| {
            TestCaseError::fail(format!("no time series rows for {key:?}\n{text}"))
        })?;
        // The series counts every arrival, warm-up included, and every outcome in the second it
        // happens; the summary counts only requests that arrived after the warm-up.
        prop_assert_eq!(
            row.arrivals,
            k.total + k.warmup,
            "series arrivals vs summary for {:?}\n{}",
            key,
            text
        );
        // One row per simulated second (durations here are whole seconds).
        prop_assert_eq!(
            row.rows,
            s.duration.as_nanos().div_ceil(1_000_000_000),
            "rows of {:?}\n{}",
            key,
            text
        );
        if s.warmup.as_nanos() == 0 {
            prop_assert_eq!(row.ok, k.ok, "series ok vs summary for {:?}\n{}", key, text);
            prop_assert_eq!(
                &row.failed[..],
                &k.failed_by_code[..],
                "series failed vs summary for {:?}\n{}",
                key,
                text
            );
            prop_assert_eq!(
                row.blocked,
                k.blocked,
                "series blocked vs summary for {:?}\n{}",
                key,
                text
            );
            prop_assert_eq!(
                row.last_in_flight,
                k.in_flight,
                "last in_flight vs summary for {:?}\n{}",
                key,
                text
            );
        } else {
            prop_assert!(
                row.ok >= k.ok && row.blocked >= k.blocked,
                "series below summary for {:?}\n{}",
                key,
                text
            );
        }
    }
    for j in &out.jobs {
        prop_assert_eq!(
            j.enqueued,
            j.done + j.waiting + j.running,
            "job {}: enqueued != done + waiting + running ({:?})\n{}",
            j.name,
            j,
            text
        );
        let key = (s.apps[j.app].name.clone(), j.name.clone());
        let row = series
            .jobs
            .get(&key)
            .ok_or_else(|| TestCaseError::fail(format!("no job rows for {key:?}\n{text}")))?;
        prop_assert_eq!(
            row.0,
            j.enqueued,
            "series enqueued vs summary for {:?}\n{}",
            key,
            text
        );
        prop_assert_eq!(
            row.1,
            j.done,
            "series done vs summary for {:?}\n{}",
            key,
            text
        );
        prop_assert_eq!(
            (row.2, row.3),
            (j.waiting, j.running),
            "last job gauges for {:?}\n{}",
            key,
            text
        );
    }
    // The seconds come in order, one row set per second.
    prop_assert!(
        series.seconds.windows(2).all(|w| w[1] == w[0] + 1),
        "seconds out of order"
    );
    Ok(())
}

/// The summary JSON and the CSV time series of one run.
fn rendered(s: &Scenario, text: &str) -> Result<(String, Vec<u8>), TestCaseError> {
    let mut csv = CsvSeries::new(Vec::new()).expect("writing to memory");
    let out = run_checked(s, &mut csv, text)?;
    let bytes = csv.finish().expect("writing to memory");
    Ok((summary::to_json(&summary::summarize(s, &out)), bytes))
}

proptest! {
    #![proptest_config(config(CASES))]

    /// Every generated scenario parses, runs without panic or broken invariant, and accounts
    /// for every request and job, in the summary and in the time series.
    #[test]
    fn generated_scenarios_run_and_conserve(g in scenario_gen()) {
        let text = g.toml();
        let s = parse_generated(&text)?;
        let mut series = Totals::default();
        let out = run_checked(&s, &mut series, &text)?;
        check_conservation(&s, &out, &series, &text)?;
    }

    /// The same scenario and seed twice: identical summary JSON and byte-identical time series.
    #[test]
    fn same_seed_same_results(g in scenario_gen()) {
        let text = g.toml();
        let s = parse_generated(&text)?;
        let first = rendered(&s, &text)?;
        // Parsed again from the text, so nothing carries over between the runs.
        let again = parse_generated(&text)?;
        let second = rendered(&again, &text)?;
        prop_assert!(first.0 == second.0, "summaries differ\n{}\n{}\n---\n{}", first.0, second.0, text);
        prop_assert!(first.1 == second.1, "time series differ\n---\n{}", text);
    }
}

// ---------------------------------------------------------------------------------------------
// Near misses: a valid scenario with one thing broken is refused with a located error.

/// How to break a generated scenario.
#[derive(Clone, Debug)]
enum Mutation {
    /// Misspell the `n`-th key (`count` → `coutn`).
    MisspellKey(usize),
    /// Replace the `n`-th duration or rate string with garbage.
    BadUnit(usize, &'static str),
    /// Replace the `n`-th integer value with a bad one.
    BadNumber(usize, &'static str),
    /// Drop `duration`.
    DropDuration,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<usize>().prop_map(Mutation::MisspellKey),
        (
            any::<usize>(),
            proptest::sample::select(vec![
                "12 parsecs",
                "-5s",
                "infs",
                "NaNs",
                "1e400s",
                "",
                "5/fortnight",
                "s",
                "1e308/s",
                "99999999999999999999h",
            ])
        )
            .prop_map(|(n, v)| Mutation::BadUnit(n, v)),
        (
            any::<usize>(),
            proptest::sample::select(vec![
                "-1",
                "1e30",
                "18446744073709551616",
                "\"three\"",
                "nan",
                "[]"
            ])
        )
            .prop_map(|(n, v)| Mutation::BadNumber(n, v)),
        Just(Mutation::DropDuration),
    ]
}

/// Applies `m` to `text`; `None` when it does not apply (no such key or value).
fn mutate(text: &str, m: &Mutation) -> Option<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let is_kv = |l: &str| !l.starts_with('[') && l.contains(" = ");
    match m {
        Mutation::MisspellKey(n) => {
            let kv: Vec<usize> = (0..lines.len()).filter(|&i| is_kv(&lines[i])).collect();
            let i = kv[n % kv.len()];
            let (key, rest) = lines[i].split_once(" = ")?;
            // Keys that are free-form names (dyno types in [prices]) are not generated.
            lines[i] = format!("{key}_typo = {rest}");
        }
        Mutation::BadUnit(n, v) => {
            // A top-level `key = "<digits><unit>"` line: duration, warmup, at, rate, timeout.
            let unit: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    lines[i].split_once(" = \"").is_some_and(|(k, v)| {
                        [
                            "duration",
                            "warmup",
                            "at",
                            "rate",
                            "timeout",
                            "release_phase",
                        ]
                        .contains(&k)
                            && v.starts_with(|c: char| c.is_ascii_digit())
                    })
                })
                .collect();
            if unit.is_empty() {
                return None;
            }
            let i = unit[n % unit.len()];
            let (key, _) = lines[i].split_once(" = ")?;
            lines[i] = format!("{key} = \"{v}\"");
        }
        Mutation::BadNumber(n, v) => {
            let num: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    lines[i].split_once(" = ").is_some_and(|(k, v)| {
                        [
                            "count",
                            "concurrency",
                            "backlog",
                            "connections",
                            "max_in_flight",
                        ]
                        .contains(&k)
                            && v.parse::<u64>().is_ok()
                    })
                })
                .collect();
            if num.is_empty() {
                return None;
            }
            let i = num[n % num.len()];
            let (key, _) = lines[i].split_once(" = ")?;
            lines[i] = format!("{key} = {v}");
        }
        Mutation::DropDuration => {
            lines.retain(|l| !l.starts_with("duration = "));
        }
    }
    Some(lines.join("\n"))
}

proptest! {
    #![proptest_config(config(CASES * 2))]

    /// A generated scenario with one key misspelt, one unit or number broken, or `duration`
    /// missing is refused, never panics, and the error names the file and (for anything but a
    /// missing key) the line.
    #[test]
    fn near_misses_are_refused_with_a_location(g in scenario_gen(), m in mutation()) {
        let text = g.toml();
        let Some(bad) = mutate(&text, &m) else { return Ok(()) };
        match parse(&bad) {
            Ok(_) => prop_assert!(false, "accepted after {:?}\n---\n{}", m, bad),
            Err(e) => {
                let loc = e.location().ok_or_else(|| TestCaseError::fail(format!("no location: {e}")))?;
                prop_assert_eq!(&loc.file, "prop.toml");
                if !matches!(m, Mutation::DropDuration) {
                    prop_assert!(loc.line.is_some(), "no line in `{}` after {:?}\n---\n{}", e, m, bad);
                }
            }
        }
    }
}

/// The generator is not degenerate: across a fixed sample it makes every arrival process,
/// operation and both runtimes (so the properties above exercise them).
#[test]
fn generator_covers_the_schema() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::new(config(1));
    let mut all = String::new();
    for _ in 0..200 {
        let g = scenario_gen()
            .new_tree(&mut runner)
            .expect("a tree")
            .current();
        all.push_str(&g.toml());
    }
    for needle in [
        "\"constant\"",
        "\"poisson\"",
        "\"ramp\"",
        "\"steps\"",
        "\"diurnal\"",
        "\"burst\"",
        "\"uniform\"",
        "\"lognormal\"",
        "\"gamma\"",
        "\"erlang\"",
        "\"pareto\"",
        "\"empirical\"",
        "action = \"deploy\"",
        "action = \"restart\"",
        "action = \"scale\"",
        "action = \"crash\"",
        "action = \"change_type\"",
        "action = \"traffic\"",
        "action = \"failover\"",
        "action = \"maintenance\"",
        "action = \"config_change\"",
        "runtime = \"common\"",
        "autoscale",
        "client = ",
        "enqueue = ",
        "addons = ",
        "warmup",
        "[[apps.jobs]]",
    ] {
        assert!(all.contains(needle), "no generated scenario has {needle}");
    }
}

/// The harness on a fixed, hand-computed scenario: 10 requests/s, evenly spaced (the n-th at
/// n/rate, n from 1), for 5 s is 49 arrivals (the 50th falls at the end), all answered by one
/// idle dyno in 10 ms; the conservation checks pass on it.
#[test]
fn harness_on_a_fixed_scenario() {
    let text = "name = \"p\"\nduration = \"5s\"\n[simulator]\ncheck_invariants = true\n\
                [[apps]]\nname = \"a\"\n[[apps.processes]]\ntype = \"web\"\ncount = 1\n\
                [[apps.traffic]]\nname = \"c\"\narrival = { process = \"constant\", rate = \"10/s\" }\n\
                service = \"10ms\"\n";
    let s = parse(text).expect("valid");
    let mut series = Totals::default();
    let out = sim::run(&s, &mut series).expect("runs");
    assert_eq!(out.classes[0].counts.total, 49);
    assert_eq!(out.classes[0].counts.ok, 49);
    assert_eq!(series.seconds, vec![0, 1, 2, 3, 4]);
    check_conservation(&s, &out, &series, text).expect("conserves");
}
