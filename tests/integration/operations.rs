//! Timeline operations end to end: rolling deploys, preboot, type changes, shutdown grace, boot
//! timeouts, add-on pools and failovers, schema changes, worker queues, client retries,
//! determinism and first deploys. Each scenario is small and uses constant provisioning and boot
//! times (`[platform] provision`, `processes.boot`) and, where a count is exact, constant
//! arrivals placed so that no arrival coincides with an operation's boundary.

use super::support::{at, b, f, run, scenario, u};
use std::io;

use serde_json::Value;
use spacesim::metrics::{JobRow, ProcessRow, SeriesSink, TrafficRow};
use spacesim::model::sim::{self, RunOutput};
use spacesim::report::{summarize, summary};
use spacesim::scenario::Scenario;

/// `summary.json` of a run, as JSON.
fn json(s: &Scenario, out: &RunOutput) -> Value {
    serde_json::to_value(summarize(s, out)).expect("summary serializes")
}

/// Runs `text` and returns the summary as JSON.
fn run_json(text: &str) -> Value {
    let s = scenario(text);
    let out = run(&s);
    json(&s, &out)
}

/// `(start_s, up_s, dynos)` of each batch of operation `op`.
fn batches(v: &Value, op: &str) -> Vec<(f64, Option<f64>, u64)> {
    at(v, &format!("operations.{op}.batches"))
        .as_array()
        .expect("batches is a list")
        .iter()
        .map(|b| {
            (
                b["start_s"].as_f64().unwrap(),
                b["up_s"].as_f64(),
                b["dynos"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The zero-downtime checker's condition `name` of operation `op`: `(pass, detail)`.
fn condition(v: &Value, op: &str, name: &str) -> (bool, String) {
    let conds = at(v, &format!("operations.{op}.zero_downtime.conditions"));
    let c = conds
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{op} has no condition {name}: {conds}"));
    (
        c["pass"].as_bool().unwrap(),
        c["detail"].as_str().unwrap().to_string(),
    )
}

/// The rows of the per-second series that tests look at.
#[derive(Default)]
struct Rows {
    /// `(second, process, dynos by state, busy)`.
    process: Vec<(u64, String, [u64; 6], u64)>,
    /// `(second, job, waiting, running)`.
    jobs: Vec<(u64, String, u64, u64)>,
}

impl SeriesSink for Rows {
    fn traffic(&mut self, _: &TrafficRow<'_>) -> io::Result<()> {
        Ok(())
    }
    fn process(&mut self, row: &ProcessRow<'_>) -> io::Result<()> {
        self.process
            .push((row.time_s, row.process.to_string(), row.dynos, row.busy));
        Ok(())
    }
    fn jobs(&mut self, row: &JobRow<'_>) -> io::Result<()> {
        self.jobs
            .push((row.time_s, row.job.to_string(), row.waiting, row.running));
        Ok(())
    }
}

fn run_rows(s: &Scenario) -> (RunOutput, Rows) {
    let mut rows = Rows::default();
    let out = sim::run(s, &mut rows).expect("run");
    (out, rows)
}

/// Indices into `ProcessRow::dynos` (`DynoState::ALL` order).
const PROVISIONING: usize = 0;
const STARTING: usize = 1;
const UP: usize = 2;
const STOPPING: usize = 3;
const CRASHED: usize = 5;

// ---------------------------------------------------------------------------------------------
// 1. Rolling deploys in a Private Space: batch sizes and order.

/// A web formation of `web` dynos and a worker formation of `workers`, a light constant load,
/// provisioning 30 s and boot 10 s (so every batch takes exactly 40 s), one deploy at 60 s.
fn rolling(web: u32, workers: u32, extra: &str) -> String {
    format!(
        r#"
        duration = "10m"
        seed = 7
        [platform]
        provision = "30s"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = {web}
        concurrency = 5
        boot = "10s"
        [[apps.processes]]
        type = "worker"
        count = {workers}
        boot = "10s"
        [[apps.traffic]]
        name = "default"
        arrival = {{ process = "constant", rate = "10/s" }}
        service = "100ms"
        {extra}
        [[timeline]]
        at = "60s"
        action = "deploy"
        "#
    )
}

/// 8 web dynos roll in 4 batches of ceil(25% × 8) = 2, one after the other, each 40 s
/// (provisioning + boot); 3 workers roll beside them in their own batches of ceil(25% × 3) = 1.
/// The deploy ends when the last batch is up.
#[test]
fn rolling_deploy_of_eight_web_dynos_is_four_batches_of_two() {
    let v = run_json(&rolling(8, 3, ""));
    let all = batches(&v, "deploy-1");
    let web: Vec<_> = all.iter().filter(|b| b.2 == 2).copied().collect();
    let worker: Vec<_> = all.iter().filter(|b| b.2 == 1).copied().collect();
    assert_eq!(all.len(), web.len() + worker.len(), "{all:?}");
    assert_eq!(
        web,
        vec![
            (60.0, Some(100.0), 2),
            (100.0, Some(140.0), 2),
            (140.0, Some(180.0), 2),
            (180.0, Some(220.0), 2),
        ]
    );
    assert_eq!(
        worker,
        vec![
            (60.0, Some(100.0), 1),
            (100.0, Some(140.0), 1),
            (140.0, Some(180.0), 1),
        ]
    );
    // Within a process type, a batch starts only when the previous one is up.
    for w in [&web, &worker] {
        for pair in w.windows(2) {
            assert!(pair[1].0 >= pair[0].1.unwrap(), "{pair:?}");
        }
    }
    assert_eq!(f(&v, "operations.deploy-1.start_s"), 60.0);
    assert_eq!(f(&v, "operations.deploy-1.end_s"), 220.0);
    assert_eq!(f(&v, "operations.deploy-1.duration_s"), 160.0);
    // 10/s × 0.1 s = 1 busy slot on 6 × 5 remaining: no request is lost.
    assert_eq!(u(&v, "operations.deploy-1.requests.failed"), 0);
    assert!(b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(b(&v, "operations.deploy-1.zero_downtime.observed"));
    // Minimum capacity: 6 up web dynos × 5 slots while a batch of 2 is replaced.
    assert_eq!(u(&v, "operations.deploy-1.min_capacity_slots"), 30);
}

/// 5 dynos: batches of ceil(1.25) = 2, so 2, 2 and the 1 left.
#[test]
fn rolling_deploy_of_five_dynos_is_batches_of_two_two_one() {
    let v = run_json(&rolling(5, 1, ""));
    let all = batches(&v, "deploy-1");
    // The single worker rolls in one batch of 1 beside the first web batch.
    assert_eq!(
        all,
        vec![
            (60.0, Some(100.0), 2),
            (60.0, Some(100.0), 1),
            (100.0, Some(140.0), 2),
            (140.0, Some(180.0), 1),
        ]
    );
    assert_eq!(f(&v, "operations.deploy-1.end_s"), 180.0);
    // One worker: the checker's capacity condition fails on it (at least 2 needed) even though
    // the web process has headroom.
    let (pass, detail) = condition(&v, "deploy-1", "capacity");
    assert!(!pass);
    assert!(
        detail.ends_with("worker: 1 dyno, 1 replaced at a time (at least 2 needed)"),
        "{detail}"
    );
}

/// One web dyno at 30% utilisation (3/s × 100 ms on 1 slot): the deploy stops the only dyno and
/// its replacement is up 40 s later. Every request arriving in between fails at once with H14
/// ("brief downtime"), and the checker said so (`capacity`: fewer than 2 dynos).
///
/// Deploy at 60.5 s, replacement up at 100.5 s; arrivals every 1/3 s: those at 60.67 .. 100.33 s,
/// 120 of them, fail. The ones before were served by the old dyno as it drained.
#[test]
fn rolling_deploy_of_one_dyno_is_brief_downtime() {
    let text = r#"
        duration = "3m"
        [platform]
        provision = "30s"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 1
        concurrency = 1
        boot = "10s"
        [[apps.traffic]]
        name = "default"
        arrival = { process = "constant", rate = "3/s" }
        service = "100ms"
        [[timeline]]
        at = "60.5s"
        action = "deploy"
    "#;
    let s = scenario(text);
    let out = run(&s);
    let v = json(&s, &out);
    assert_eq!(batches(&v, "deploy-1"), vec![(60.5, Some(100.5), 1)]);
    assert_eq!(f(&v, "operations.deploy-1.end_s"), 100.5);
    assert_eq!(u(&v, "operations.deploy-1.requests.failed"), 120);
    assert_eq!(u(&v, "operations.deploy-1.errors.H14"), 120);
    assert_eq!(u(&v, "errors.H14"), 120);
    assert_eq!(u(&v, "requests.failed"), 120);
    assert_eq!(u(&v, "operations.deploy-1.min_capacity_slots"), 0);
    // Seconds 61 .. 100 are down: every request ending in them failed, except in second 100,
    // where 2 of 3 did.
    assert_eq!(u(&v, "downtime_s"), 40);
    assert_eq!(u(&v, "operations.deploy-1.downtime_s"), 40);
    assert!(!b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(!b(&v, "operations.deploy-1.zero_downtime.observed"));
    let (pass, detail) = condition(&v, "deploy-1", "capacity");
    assert!(!pass);
    assert!(
        detail.starts_with("web: 1 dyno, 1 replaced at a time (at least 2 needed)"),
        "{detail}"
    );
    assert!(!b(&v, "zero_downtime.predicted"));
    assert!(
        at(&v, "zero_downtime.disagreements")
            .as_array()
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Utilisation decides whether a rolling deploy loses requests, and the checker foresees it.

/// Four web dynos × 5 slots at `rate` requests a second of 100 ms (exponential), Poisson.
fn four_dynos_at(rate: u32) -> String {
    format!(
        r#"
        duration = "12m"
        seed = 11
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 4
        concurrency = 5
        [[apps.traffic]]
        name = "default"
        arrival = {{ process = "poisson", rate = "{rate}/s" }}
        service = {{ dist = "exponential", mean = "100ms" }}
        [[timeline]]
        at = "5m"
        action = "deploy"
        "#
    )
}

/// Utilisation arithmetic (offered busy slots = rate × mean service; the checker divides them by
/// the slots left while a batch of ceil(25% × 4) = 1 dyno is replaced, 3 × 5 = 15):
/// - 100/s × 0.1 s = 10 busy slots: 50% of the full 20 slots, 66.7% of the 15 remaining ≤ 80%:
///   predicted zero downtime, and no request fails.
/// - 180/s × 0.1 s = 18 busy slots: 90% of the full 20, 120% of the 15 remaining > 80%: predicted
///   downtime; during each batch (provisioning 30–90 s + boot 10 s) the three remaining dynos
///   get 180/s for 150/s of capacity. Their backlogs fill (1024 requests, about 20 s of work at
///   50/s a dyno, so under the 30 s router timeout) and further requests routed to a full
///   backlog are refused: the failures are H21, not H12.
#[test]
fn rolling_deploy_at_half_load_loses_nothing_and_at_ninety_percent_loses_requests() {
    let v = run_json(&four_dynos_at(100));
    assert_eq!(u(&v, "operations.deploy-1.requests.failed"), 0);
    assert!(u(&v, "operations.deploy-1.requests.ok") > 10_000);
    assert_eq!(u(&v, "requests.failed"), 0);
    assert!(b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(b(&v, "operations.deploy-1.zero_downtime.observed"));
    let (pass, detail) = condition(&v, "deploy-1", "capacity");
    assert!(pass);
    assert!(
        detail.contains(
            "offered 10 busy slots (100 req/s at 5m) on 15 remaining (3 × 5) → 66.7% ≤ 80%"
        ),
        "{detail}"
    );
    assert_eq!(
        batches(&v, "deploy-1")
            .iter()
            .map(|b| b.2)
            .collect::<Vec<_>>(),
        [1, 1, 1, 1]
    );
    assert!(
        at(&v, "zero_downtime.disagreements")
            .as_array()
            .unwrap()
            .is_empty()
    );

    let v = run_json(&four_dynos_at(180));
    let failed = u(&v, "operations.deploy-1.requests.failed");
    assert!(failed > 1000, "{failed}");
    assert_eq!(u(&v, "operations.deploy-1.errors.H21"), failed);
    assert!(!b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(!b(&v, "operations.deploy-1.zero_downtime.observed"));
    let (pass, detail) = condition(&v, "deploy-1", "capacity");
    assert!(!pass);
    assert!(
        detail.contains(
            "offered 18 busy slots (180 req/s at 5m) on 15 remaining (3 × 5) → 120% > 80%"
        ),
        "{detail}"
    );
    assert!(
        at(&v, "zero_downtime.disagreements")
            .as_array()
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------------------------------------
// 3. The Common Runtime: preboot, and deploys without it.

/// Two standard-1x web dynos with room for every request (concurrency 100), 2 requests a second
/// of 100 ms, a deploy at 60.25 s (between arrivals).
fn common(preboot: bool, boot: &str) -> String {
    format!(
        r#"
        duration = "5m"
        [space]
        runtime = "common"
        [[apps]]
        name = "api"
        preboot = {preboot}
        [[apps.processes]]
        type = "web"
        count = 2
        concurrency = 100
        boot = "{boot}"
        [[apps.traffic]]
        name = "default"
        arrival = {{ process = "constant", rate = "2/s" }}
        service = "100ms"
        [[timeline]]
        at = "60.25s"
        action = "deploy"
        "#
    )
}

/// Preboot: the new web dynos boot beside the old ones (up at 70.25 s, unroutable), traffic
/// switches boot_timeout (60 s) + preboot_extra (2 min) = 3 min after the deploy started, at
/// 240.25 s, and the old dynos then drain and stop. No request fails.
#[test]
fn common_runtime_preboot_switches_after_three_minutes_and_loses_nothing() {
    let s = scenario(&common(true, "10s"));
    let (out, rows) = run_rows(&s);
    let v = json(&s, &out);
    assert_eq!(f(&v, "operations.deploy-1.start_s"), 60.25);
    assert_eq!(f(&v, "operations.deploy-1.end_s"), 240.25);
    assert_eq!(u(&v, "requests.failed"), 0);
    assert_eq!(u(&v, "operations.deploy-1.requests.failed"), 0);
    assert!(b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(b(&v, "operations.deploy-1.zero_downtime.observed"));
    // Old and new side by side from the new ones' boot until the switch, then only the new.
    let up = |t: u64| {
        rows.process
            .iter()
            .find(|r| r.0 == t && r.1 == "web")
            .map(|r| r.2[UP])
            .unwrap()
    };
    assert_eq!(up(59), 2);
    assert_eq!(up(69), 2);
    for t in 70..=239 {
        assert_eq!(up(t), 4, "second {t}");
    }
    for t in 240..300 {
        assert_eq!(up(t), 2, "second {t}");
    }
    // The new dynos took the traffic at the switch: the old ones stopped then, not before.
    let stopping: u64 = rows.process.iter().map(|r| r.2[STOPPING]).sum();
    assert_eq!(
        stopping, 0,
        "old dynos drain 100 ms requests within the second"
    );

    // The switch follows the boot timeout: 90 s + 2 min after the start.
    let text = common(true, "10s").replace(
        "[space]",
        "[platform]\n        boot_timeout = \"90s\"\n        [space]",
    );
    let v = run_json(&text);
    assert_eq!(f(&v, "operations.deploy-1.end_s"), 60.25 + 210.0);
    assert_eq!(u(&v, "requests.failed"), 0);
}

/// Without preboot every dyno restarts at once (SIGTERM to the old, the new ones boot for 45 s);
/// the router holds requests while no dyno is up. A held request fails with H12 when the router
/// timeout (30 s) passes before a dyno comes up: H12 and not H20, because H20 needs the 75 s hold
/// to run out, and a web dyno that boots (≤ 60 s, else R10) is always up before that. So the
/// requests arriving in the first 15 s of the 45 s boot fail: arrivals at 60.5 .. 75.0 s, 30 of
/// them (the one at 75.5 s is answered at 105.35 s, 29.85 s after it arrived). The rest are held
/// and served when the new dynos come up at 105.25 s.
#[test]
fn common_runtime_without_preboot_loses_held_requests_with_h12() {
    let v = run_json(&common(false, "45s"));
    assert_eq!(u(&v, "errors.H12"), 30);
    assert_eq!(u(&v, "errors.H20"), 0);
    assert_eq!(u(&v, "requests.failed"), 30);
    assert_eq!(u(&v, "operations.deploy-1.requests.failed"), 30);
    assert_eq!(f(&v, "operations.deploy-1.end_s"), 105.25);
    // Held, not failed at once: the slowest success waited almost the whole 30 s.
    assert!(
        f(&v, "latency_ms.max") > 29_800.0,
        "{}",
        at(&v, "latency_ms")
    );
    assert!(!b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(!b(&v, "operations.deploy-1.zero_downtime.observed"));
    let (pass, detail) = condition(&v, "deploy-1", "rolling_runtime");
    assert!(!pass);
    assert_eq!(
        detail,
        "Common Runtime without preboot restarts all dynos together"
    );

    // With a short boot the hold bridges the gap: nothing fails, requests only wait.
    let v = run_json(&common(false, "10s"));
    assert_eq!(u(&v, "requests.failed"), 0);
    assert!(f(&v, "latency_ms.max") > 9_000.0);
}

/// H20 needs the hold to run out first: with the router timeout raised to 2 min and new web
/// dynos that never come up (90 s boot: R10 at 60 s, then crash cool-offs), every request held
/// after the deploy fails with H20 75 s after it arrived: arrivals at 60.5 .. 224.5 s (329);
/// the 150 later ones are still held when the run ends at 300 s. The deploy never ends.
#[test]
fn common_runtime_hold_runs_out_with_h20_when_no_dyno_comes_up() {
    let text = common(false, "90s").replace(
        "[space]",
        "[router]\n        timeout = \"2m\"\n        [space]",
    );
    let v = run_json(&text);
    assert_eq!(u(&v, "errors.H20"), 329);
    assert_eq!(u(&v, "errors.H12"), 0);
    assert_eq!(u(&v, "requests.failed"), 329);
    assert_eq!(u(&v, "requests.in_flight"), 150);
    assert!(at(&v, "operations.deploy-1.end_s").is_null());
}

// ---------------------------------------------------------------------------------------------
// 4. A dyno-type change has a gap.

/// Two private-m web dynos (default concurrency 5) change to private-l (default 17) at 60.1 s.
/// The new dynos are provisioned (30 s) and boot (10 s): up at 100.1 s, unroutable; the old ones
/// stop then, and traffic reaches the new ones after the 20 s `type_change_gap`, at 120.1 s.
/// Arrivals every 250 ms in between, at 100.25 .. 120.0 s (80), fail at once with H14.
///
/// Down seconds: 101 .. 120 (20): every request ending in them failed (second 100 also has four
/// successes of requests that arrived at 99.x s; second 120 has only the failure at 120.0 s,
/// the requests after it end at 121.25 s and later).
///
/// After the change, a load of 25 requests a second of 1 s needs 25 busy slots, more than the
/// 2 × 5 the old type had: the new dynos' default concurrency (17) carries it.
#[test]
fn change_type_has_a_gap_and_new_dynos_get_the_new_default_concurrency() {
    let text = r#"
        duration = "6m"
        seed = 3
        [platform]
        provision = "30s"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 2
        dyno_type = "private-m"
        boot = "10s"
        [[apps.traffic]]
        name = "default"
        arrival = { process = "constant", rate = "4/s" }
        service = "1s"
        [[timeline]]
        at = "60.1s"
        action = "change_type"
        process = "web"
        to = "private-l"
        [[timeline]]
        at = "200s"
        action = "traffic"
        class = "default"
        rate = "25/s"
    "#;
    let s = scenario(text);
    let (out, rows) = run_rows(&s);
    let v = json(&s, &out);
    let op = "operations.change_type-1";
    assert_eq!(f(&v, &format!("{op}.start_s")), 60.1);
    assert_eq!(f(&v, &format!("{op}.end_s")), 120.1);
    assert_eq!(batches(&v, "change_type-1"), vec![(60.1, Some(120.1), 2)]);
    assert_eq!(u(&v, &format!("{op}.errors.H14")), 80);
    assert_eq!(u(&v, &format!("{op}.requests.failed")), 80);
    assert_eq!(u(&v, &format!("{op}.min_capacity_slots")), 0);
    assert_eq!(u(&v, &format!("{op}.downtime_s")), 20);
    assert_eq!(u(&v, "downtime_s"), 20);
    assert_eq!(u(&v, "errors.H14"), 80);
    assert_eq!(u(&v, "requests.failed"), 80);
    assert!(!b(&v, &format!("{op}.zero_downtime.predicted")));
    assert!(!b(&v, &format!("{op}.zero_downtime.observed")));
    let (pass, detail) = condition(&v, "change_type-1", "no_type_change");
    assert!(!pass);
    assert!(detail.contains("private-m→private-l"), "{detail}");
    // Both types ran: private-m from 0 until the old dynos drained their last 1 s requests
    // after the SIGTERM at 100.1 s (by 101 s), private-l from 60.1 s to the end.
    let hours = at(&v, "dyno_hours").as_object().unwrap();
    assert_eq!(
        hours.keys().collect::<Vec<_>>(),
        ["private-l", "private-m"],
        "{hours:?}"
    );
    let m_s = f(&v, "dyno_hours.private-m") * 3600.0;
    assert!((2.0 * 100.1..=2.0 * 101.0 + 0.01).contains(&m_s), "{m_s}");
    assert!((f(&v, "dyno_hours.private-l") - 2.0 * (360.0 - 60.1) / 3600.0).abs() < 1e-5);
    // More than the old type's 10 slots are busy at once after the traffic rise.
    let busy = rows
        .process
        .iter()
        .filter(|r| r.0 >= 210)
        .map(|r| r.3)
        .max()
        .unwrap();
    assert!(busy > 10 && busy <= 34, "busy {busy}");
}

// ---------------------------------------------------------------------------------------------
// 5. A stopping dyno's in-flight requests: done within the 30 s grace, or H13.

/// Two web dynos, round-robin routing, one request a second (at 1, 2, 3, ... s) of constant
/// `service`; web scales to 1 at 100.5 s and web.2 gets SIGTERM. Router timeout 2 min so a 60 s
/// request is not an H12.
fn scale_down(service: &str) -> String {
    format!(
        r#"
        duration = "4m"
        [router]
        policy = "round_robin"
        timeout = "2m"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 2
        concurrency = 64
        [[apps.traffic]]
        name = "default"
        arrival = {{ process = "constant", rate = "1/s" }}
        service = "{service}"
        [[timeline]]
        at = "100.5s"
        action = "scale"
        process = "web"
        count = 1
        "#
    )
}

/// 60 s requests: web.2 is killed at 130.5 s; the requests it holds then are those that arrived
/// after 70.5 s (they would end after 130.5 s): 30 arrivals at 71 .. 100 s, every other one on
/// web.2: 15 H13s, stamped at the kill, which ends the scale. With 10 s requests web.2 is empty
/// 10 s after its last request started, well inside the grace: nothing fails.
#[test]
fn stopping_dyno_finishes_within_the_grace_or_fails_with_h13() {
    let v = run_json(&scale_down("60s"));
    assert_eq!(u(&v, "errors.H13"), 15);
    assert_eq!(u(&v, "requests.failed"), 15);
    assert_eq!(u(&v, "operations.scale-1.errors.H13"), 15);
    assert_eq!(f(&v, "operations.scale-1.end_s"), 130.5);
    assert_eq!(batches(&v, "scale-1"), vec![(100.5, Some(130.5), 1)]);

    let v = run_json(&scale_down("10s"));
    assert_eq!(u(&v, "requests.failed"), 0);
    assert_eq!(u(&v, "errors.H13"), 0);
    // web.2's last request started at 99 s or 100 s and ended 10 s later.
    let end = f(&v, "operations.scale-1.end_s");
    assert!(end == 109.0 || end == 110.0, "{end}");
}

// ---------------------------------------------------------------------------------------------
// 6. Boot past the 60 s boot timeout: R10 for web dynos only.

/// A web process whose dynos take 90 s to boot: the one added at 60 s (provisioned in 30 s,
/// starting at 90 s) crashes at 150 s (R10) and, in a Private Space, restarts at once, again and
/// again: the scale never ends and the formation never has a third up dyno. A worker with the
/// same boot time is not bound by the deadline (it binds no port) and comes up at 180 s.
#[test]
fn boot_past_sixty_seconds_crash_loops_web_dynos_but_not_workers() {
    let text = r#"
        duration = "10m"
        [platform]
        provision = "30s"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 2
        boot = "90s"
        [[apps.processes]]
        type = "worker"
        count = 1
        boot = "90s"
        [[apps.traffic]]
        name = "default"
        arrival = { process = "constant", rate = "5/s" }
        service = "50ms"
        [[timeline]]
        at = "60s"
        action = "scale"
        name = "web-up"
        process = "web"
        count = 3
        [[timeline]]
        at = "60s"
        action = "scale"
        name = "worker-up"
        process = "worker"
        count = 2
    "#;
    let s = scenario(text);
    let (out, rows) = run_rows(&s);
    let v = json(&s, &out);
    assert!(at(&v, "operations.web-up.end_s").is_null());
    assert_eq!(f(&v, "operations.web-up.duration_s"), 540.0);
    assert_eq!(batches(&v, "web-up"), vec![(60.0, None, 1)]);
    assert_eq!(f(&v, "operations.worker-up.end_s"), 180.0);
    assert_eq!(batches(&v, "worker-up"), vec![(60.0, Some(180.0), 1)]);
    assert_eq!(u(&v, "requests.failed"), 0);
    let web: Vec<_> = rows.process.iter().filter(|r| r.1 == "web").collect();
    for r in &web {
        assert_eq!(r.2[UP], 2, "second {}: {:?}", r.0, r.2);
        // No cool-off: a crashed dyno is starting again at once, never crashed at a second's end.
        assert_eq!(r.2[CRASHED], 0, "second {}", r.0);
        if r.0 >= 90 {
            assert_eq!(r.2[STARTING], 1, "second {}", r.0);
        } else if r.0 >= 60 {
            assert_eq!(r.2[PROVISIONING], 1, "second {}", r.0);
        }
    }
    let worker_up: Vec<u64> = rows
        .process
        .iter()
        .filter(|r| r.1 == "worker")
        .map(|r| r.2[UP])
        .collect();
    assert_eq!(worker_up[179], 1);
    assert_eq!(worker_up[180], 2);
}

/// In the Common Runtime the same crash-looping dyno waits a cool-off after its second crash
/// (up to 20 min): it is seen `crashed` at the end of a second.
#[test]
fn common_runtime_crash_loops_cool_off() {
    let text = r#"
        duration = "10m"
        [space]
        runtime = "common"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 2
        boot = "90s"
        [[apps.traffic]]
        name = "default"
        arrival = { process = "constant", rate = "5/s" }
        service = "50ms"
        [[timeline]]
        at = "60s"
        action = "scale"
        process = "web"
        count = 3
    "#;
    let s = scenario(text);
    let (out, rows) = run_rows(&s);
    let v = json(&s, &out);
    assert!(at(&v, "operations.scale-1.end_s").is_null());
    let crashed = rows.process.iter().filter(|r| r.2[CRASHED] == 1).count();
    // First crash at 120 s restarts at once; the second at 180 s waits U(0, 20 min).
    assert!(crashed > 0);
    assert!(rows.process.iter().all(|r| r.2[UP] == 2));
}

/// Preboot's single batch (the new web formation and the restarted workers) is up when the new
/// dynos are, 10 s after the deploy starts, long before the switch-over.
#[test]
fn common_runtime_preboot_batch_records_when_the_new_dynos_are_up() {
    let v = run_json(&common(true, "10s"));
    let all = batches(&v, "deploy-1");
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!((all[0].0, all[0].2), (60.25, 2));
    // Up when the new dynos are (70.25 s) or, like a type change, when they take traffic.
    let up = all[0].1.expect("the new dynos came up");
    assert!(up == 70.25 || up == 240.25, "{up}");
}

// ---------------------------------------------------------------------------------------------
// 7. Postgres: pool exhaustion and failover.

/// 150 requests a second of 200 ms, each holding a database connection throughout: 30
/// connections wanted on average, on 4 dynos × 250 slots (threads), each of which waits for a
/// connection once it has a request.
fn pool(plan: &str) -> String {
    format!(
        r#"
        duration = "2m"
        seed = 5
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 4
        concurrency = 250
        [[apps.addons]]
        name = "DATABASE"
        kind = "postgres"
        plan = "{plan}"
        [[apps.traffic]]
        name = "default"
        arrival = {{ process = "poisson", rate = "150/s" }}
        service = "200ms"
        addons = [{{ addon = "DATABASE", hold = "100%" }}]
        "#
    )
}

/// essential-0 allows 20 connections for 30 wanted: 20 connections serve 100 requests a second,
/// the slots fill up with requests waiting for a connection (about 980 of them, 9.8 s of
/// waiting), and those waiting more than the 5 s pool timeout fail (`pool_timeout`). private-2's
/// 400 connections are plenty: nothing fails.
///
/// The waiting happens in slots: with as many slots as connections, requests would wait in the
/// dyno's backlog instead, where no pool timeout applies.
#[test]
fn postgres_pool_exhaustion_fails_requests_with_pool_timeout() {
    let v = run_json(&pool("essential-0"));
    let timeouts = u(&v, "errors.pool_timeout");
    assert!(timeouts > 1000, "{timeouts}");
    // At most 20 requests at once hold a connection: at most 100 answered a second.
    let ok = u(&v, "requests.ok");
    assert!(ok <= 100 * 120 && ok > 90 * 110, "{ok}");

    let v = run_json(&pool("private-2"));
    assert_eq!(u(&v, "errors.pool_timeout"), 0);
    assert_eq!(u(&v, "requests.failed"), 0);
}

/// A 2-minute failover at 60.05 s: the database class's requests (every 100 ms, 10 ms each, so
/// each starts service as it arrives) fail with `addon_unavailable` exactly when they arrive
/// at 60.1 .. 180.0 s: 1200 of them. The class that does not use the database loses nothing.
#[test]
fn postgres_failover_fails_exactly_the_requests_arriving_while_it_is_down() {
    let text = r#"
        duration = "4m"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 2
        [[apps.addons]]
        name = "DATABASE"
        kind = "postgres"
        plan = "private-2"
        [[apps.traffic]]
        name = "db"
        arrival = { process = "constant", rate = "10/s" }
        service = "10ms"
        addons = [{ addon = "DATABASE" }]
        [[apps.traffic]]
        name = "static"
        arrival = { process = "constant", rate = "10/s" }
        service = "10ms"
        [[timeline]]
        at = "60.05s"
        action = "failover"
        addon = "DATABASE"
    "#;
    let v = run_json(text);
    assert_eq!(u(&v, "apps.api.traffic.db.errors.addon_unavailable"), 1200);
    assert_eq!(u(&v, "apps.api.traffic.db.requests.failed"), 1200);
    assert_eq!(u(&v, "apps.api.traffic.static.requests.failed"), 0);
    assert_eq!(u(&v, "errors.addon_unavailable"), 1200);
    assert_eq!(u(&v, "requests.failed"), 1200);
    assert_eq!(f(&v, "operations.failover-1.end_s"), 180.05);
    assert_eq!(
        u(&v, "operations.failover-1.errors.addon_unavailable"),
        1200
    );
    // A failover is not deploy-like: no verdict.
    assert!(at(&v, "operations.failover-1.zero_downtime").is_null());
}

// ---------------------------------------------------------------------------------------------
// 8. Incompatible schema changes.

/// Four web dynos, a database class and a static one, 20 requests a second each; a deploy at
/// 60 s rolls in four 40 s batches of one dyno.
fn schema_deploy(schema: &str) -> String {
    format!(
        r#"
        duration = "5m"
        seed = 9
        [platform]
        provision = "30s"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 4
        boot = "10s"
        [[apps.addons]]
        name = "DATABASE"
        kind = "postgres"
        plan = "private-2"
        [[apps.traffic]]
        name = "db"
        arrival = {{ process = "constant", rate = "20/s" }}
        service = "20ms"
        addons = [{{ addon = "DATABASE" }}]
        [[apps.traffic]]
        name = "static"
        arrival = {{ process = "constant", rate = "20/s" }}
        service = "20ms"
        [[timeline]]
        at = "60.01s"
        action = "deploy"
        schema = "{schema}"
        "#
    )
}

/// Incompatible: from the rollout's start, database requests on old-release dynos fail
/// (`schema_mismatch`). While batch 1 provisions (40 s) every routable dyno is old, then 2 of
/// 3, then 1 of 3, then none: 20/s × (40 + 40 × 2/3 + 40 × 1/3) s = 1600 expected, the first
/// 800 exactly; the rest depends on random routing (± 100 is over 4 standard deviations).
#[test]
fn incompatible_schema_deploy_fails_database_requests_on_old_dynos() {
    let v = run_json(&schema_deploy("incompatible"));
    let mismatches = u(&v, "errors.schema_mismatch");
    assert!((1500..=1700).contains(&mismatches), "{mismatches}");
    assert_eq!(
        u(&v, "apps.api.traffic.db.errors.schema_mismatch"),
        mismatches
    );
    assert_eq!(u(&v, "apps.api.traffic.static.requests.failed"), 0);
    assert_eq!(u(&v, "requests.failed"), mismatches);
    // All during the rollout.
    assert_eq!(f(&v, "operations.deploy-1.end_s"), 220.01);
    assert_eq!(
        u(&v, "operations.deploy-1.errors.schema_mismatch"),
        mismatches
    );
    assert!(!b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(!b(&v, "operations.deploy-1.zero_downtime.observed"));
    assert!(!condition(&v, "deploy-1", "schema_compatible").0);
    assert!(condition(&v, "deploy-1", "capacity").0);
    assert!(condition(&v, "deploy-1", "deployed_and_running").0);

    let v = run_json(&schema_deploy("compatible"));
    assert_eq!(u(&v, "errors.schema_mismatch"), 0);
    assert_eq!(u(&v, "requests.failed"), 0);
    assert!(b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(b(&v, "operations.deploy-1.zero_downtime.observed"));
    assert!(condition(&v, "deploy-1", "schema_compatible").0);
}

// ---------------------------------------------------------------------------------------------
// 9. Workers lose no job across a rolling deploy.

/// Web requests (2 a second, Poisson, for the first 4 minutes) each enqueue one 45 s job, worked
/// by 4 workers × 32 slots. A deploy at 60 s rolls the workers one at a time (batches of 40 s):
/// each old worker gets SIGTERM with jobs running and is killed 30 s later; the jobs that
/// started in the 15 s before the SIGTERM have not finished and go back to the queue.
fn worker_deploy(duration: &str, job: &str) -> String {
    format!(
        r#"
        duration = "{duration}"
        seed = 13
        [platform]
        provision = "30s"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 2
        boot = "10s"
        [[apps.processes]]
        type = "worker"
        count = 4
        concurrency = 32
        boot = "10s"
        [[apps.traffic]]
        name = "default"
        arrival = {{ process = "steps", steps = [{{ at = "0s", rate = "2/s" }}, {{ at = "4m", rate = "0/s" }}] }}
        service = "50ms"
        enqueue = {{ job = "email", per_request = 1 }}
        [[apps.jobs]]
        name = "email"
        process = "worker"
        service = "{job}"
        [[timeline]]
        at = "60s"
        action = "deploy"
        "#
    )
}

#[test]
fn workers_lose_no_job_across_a_rolling_deploy() {
    // Cut while jobs still run: every job is done, waiting or running.
    let v = run_json(&worker_deploy("3m", "45s"));
    let j = "apps.api.jobs.email";
    let enqueued = u(&v, &format!("{j}.enqueued"));
    assert_eq!(enqueued, u(&v, "apps.api.requests.ok"));
    assert_eq!(
        enqueued,
        u(&v, &format!("{j}.done"))
            + u(&v, &format!("{j}.waiting"))
            + u(&v, &format!("{j}.running"))
    );
    assert!(u(&v, &format!("{j}.running")) > 0);
    assert!(u(&v, &format!("{j}.requeued")) > 0);

    // Long enough after the last enqueue (4 min) for every job to finish.
    let v = run_json(&worker_deploy("8m", "45s"));
    let enqueued = u(&v, &format!("{j}.enqueued"));
    assert!(enqueued > 400, "{enqueued}");
    assert_eq!(enqueued, u(&v, "apps.api.requests.ok"));
    assert_eq!(u(&v, &format!("{j}.done")), enqueued);
    assert_eq!(u(&v, &format!("{j}.waiting")), 0);
    assert_eq!(u(&v, &format!("{j}.running")), 0);
    let requeued = u(&v, &format!("{j}.requeued"));
    assert!(requeued > 0, "jobs outlasting the grace are requeued");
    assert_eq!(
        batches(&v, "deploy-1").iter().filter(|b| b.2 == 1).count(),
        4 + 2
    );
    assert_eq!(u(&v, "requests.failed"), 0);

    // 10 s jobs all finish within the 30 s grace: none is requeued.
    let v = run_json(&worker_deploy("8m", "10s"));
    let enqueued = u(&v, &format!("{j}.enqueued"));
    assert_eq!(u(&v, &format!("{j}.done")), enqueued);
    assert_eq!(u(&v, &format!("{j}.requeued")), 0);
}

/// Jobs interrupted by SIGKILL go back to the queue; idle up workers must pick them up even
/// when nothing else happens afterwards. About ten 60 s jobs arrive in the first 10 s (Poisson,
/// 1/s) and worker.1 takes them; a deploy at 20.5 s (no provisioning, 5 s boot) replaces both
/// workers by 30.5 s; the old worker.1, still holding the jobs, is killed at 50.5 s and its jobs
/// are requeued while the two new workers sit idle. They should run again at once and be done
/// by 110.5 s.
#[test]
fn requeued_jobs_are_picked_up_by_idle_workers() {
    let text = r#"
        duration = "5m"
        seed = 2
        [platform]
        provision = "0s"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 1
        [[apps.processes]]
        type = "worker"
        count = 2
        concurrency = 20
        boot = "5s"
        [[apps.jobs]]
        name = "report"
        process = "worker"
        arrival = { process = "steps", steps = [{ at = "0s", rate = "1/s" }, { at = "10s", rate = "0/s" }] }
        service = "60s"
        [[timeline]]
        at = "20.5s"
        action = "deploy"
    "#;
    let v = run_json(text);
    let j = "apps.api.jobs.report";
    let enqueued = u(&v, &format!("{j}.enqueued"));
    assert!(enqueued > 0);
    assert_eq!(u(&v, &format!("{j}.requeued")), enqueued);
    assert_eq!(u(&v, &format!("{j}.done")), enqueued);
    assert_eq!(u(&v, &format!("{j}.waiting")), 0);
}

// ---------------------------------------------------------------------------------------------
// 10. Client timeouts and retries.

/// One dyno, one slot, requests of 1 s arriving every `1/rate` s (constant) from clients that
/// give up after 2 s (H27, 499) and retry twice, 1 s then 2 s later.
fn clients(rate: &str) -> String {
    format!(
        r#"
        duration = "1m"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 1
        concurrency = 1
        [[apps.traffic]]
        name = "default"
        arrival = {{ process = "constant", rate = "{rate}" }}
        service = "1s"
        client = {{ timeout = "2s", retries = 2, backoff = "1s" }}
        "#
    )
}

/// Five requests a second for one a second of capacity: the backlog grows, clients give up
/// after 2 s and retry. Retries are arrivals too: the total is the 299 first attempts (at
/// 0.2 .. 59.8 s) plus the retries. Every retry follows a failure of the attempt before it, so
/// there are at most two per first attempt.
#[test]
fn client_timeouts_fail_with_h27_and_are_retried() {
    let v = run_json(&clients("5/s"));
    let total = u(&v, "requests.total");
    let retries = u(&v, "requests.retries");
    let h27 = u(&v, "errors.H27");
    assert!(h27 > 100, "{h27}");
    assert!(retries > 100, "{retries}");
    assert_eq!(total - retries, 299);
    assert!(retries <= 2 * 299);
    assert!(retries <= u(&v, "requests.failed"));
    // Successful requests were all answered within the client's 2 s.
    assert!(f(&v, "latency_ms.max") <= 2000.0);

    // Half a request a second: no queueing, no give-up, no retry.
    let v = run_json(&clients("0.5/s"));
    assert_eq!(u(&v, "requests.retries"), 0);
    assert_eq!(u(&v, "errors.H27"), 0);
    assert_eq!(u(&v, "requests.failed"), 0);
    assert_eq!(u(&v, "requests.total"), 29);
}

// ---------------------------------------------------------------------------------------------
// 11. Determinism with every operation type.

const EVERYTHING: &str = r#"
    name = "everything"
    duration = "25m"
    seed = 21
    [[apps]]
    name = "api"
    [[apps.processes]]
    type = "web"
    count = 4
    autoscale = { min = 2, max = 6, p95 = "400ms" }
    [[apps.processes]]
    type = "worker"
    count = 2
    [[apps.addons]]
    name = "DATABASE"
    kind = "postgres"
    plan = "private-0"
    [[apps.addons]]
    name = "REDIS"
    kind = "redis"
    plan = "private-7"
    [[apps.jobs]]
    name = "email"
    process = "worker"
    service = { dist = "exponential", mean = "3s" }
    [[apps.traffic]]
    name = "browse"
    arrival = { process = "poisson", rate = "40/s" }
    service = { dist = "lognormal", median = "60ms", p99 = "900ms" }
    client = { timeout = "5s", retries = 1 }
    addons = [{ addon = "DATABASE", hold = "50%" }, { addon = "REDIS", hold = "5ms" }]
    enqueue = { job = "email", per_request = 0.2 }
    [[apps.traffic]]
    name = "static"
    arrival = { process = "constant", rate = "10/s" }
    service = "5ms"
    [[apps]]
    name = "admin"
    new = true
    [[apps.processes]]
    type = "web"
    count = 2
    [[apps.traffic]]
    name = "default"
    arrival = { process = "poisson", rate = "2/s" }
    service = "30ms"
    [[timeline]]
    at = "1m"
    action = "deploy"
    release_phase = "30s"
    app = "api"
    [[timeline]]
    at = "1m"
    action = "deploy"
    app = "admin"
    [[timeline]]
    at = "4m"
    action = "config_change"
    app = "api"
    [[timeline]]
    at = "6m"
    action = "scale"
    app = "api"
    process = "worker"
    count = 3
    [[timeline]]
    at = "8m"
    action = "change_type"
    app = "api"
    process = "worker"
    to = "private-l"
    [[timeline]]
    at = "10m"
    action = "restart"
    app = "api"
    process = "web"
    dyno = 2
    [[timeline]]
    at = "11m"
    action = "crash"
    app = "api"
    process = "web"
    [[timeline]]
    at = "12m"
    action = "traffic"
    app = "api"
    class = "browse"
    rate = "90/s"
    duration = "3m"
    [[timeline]]
    at = "16m"
    action = "failover"
    app = "api"
    addon = "DATABASE"
    [[timeline]]
    at = "19m"
    action = "maintenance"
    app = "api"
    addon = "REDIS"
    duration = "30s"
    [[timeline]]
    at = "20m"
    action = "deploy"
    app = "api"
    schema = "incompatible"
    [[timeline]]
    at = "23m"
    action = "deploy"
    app = "api"
    release_phase = "20s"
    release_fails = true
"#;

/// Two runs of the same scenario and seed give byte-identical `summary.json`; another seed
/// gives another one.
#[test]
fn every_operation_type_runs_deterministically() {
    let s = scenario(EVERYTHING);
    let first = summary::to_json(&summarize(&s, &run(&s)));
    let second = summary::to_json(&summarize(&s, &run(&s)));
    assert!(
        first == second,
        "summary.json differs between identical runs"
    );
    // Every operation is in it.
    let v: Value = serde_json::from_str(&first).unwrap();
    let ops = at(&v, "operations").as_object().unwrap();
    let actions: std::collections::BTreeSet<&str> = ops
        .values()
        .map(|o| o["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.into_iter().collect::<Vec<_>>(),
        [
            "change_type",
            "config_change",
            "crash",
            "deploy",
            "failover",
            "maintenance",
            "restart",
            "scale",
            "traffic"
        ]
    );
    assert!(at(&v, "operations.deploy-4.aborted").is_string());
    assert!(u(&v, "apps.api.jobs.email.done") > 0);

    let mut other = scenario(EVERYTHING);
    other.seed = 22;
    let third = summary::to_json(&summarize(&other, &run(&other)));
    assert!(third != first);
}

// ---------------------------------------------------------------------------------------------
// 12. A new app's first deploy.

/// A new app serves nothing: every request fails at once (H14) until its first deploy is up.
/// The deploy at 60.5 s spends `first_deploy_setup` (5 min) on the space's infrastructure, then
/// provisions (30 s) and boots (10 s) every dyno: up at 400.5 s. Arrivals once a second at
/// 1 .. 400 s fail (400), 340 of them after the deploy started. A second deploy later is judged
/// on a running app and loses nothing.
#[test]
fn a_new_app_serves_nothing_until_its_first_deploy_is_up() {
    let text = r#"
        duration = "10m"
        [platform]
        provision = "30s"
        [[apps]]
        name = "api"
        new = true
        [[apps.processes]]
        type = "web"
        count = 2
        boot = "10s"
        [[apps.processes]]
        type = "worker"
        count = 2
        boot = "10s"
        [[apps.traffic]]
        name = "default"
        arrival = { process = "constant", rate = "1/s" }
        service = "100ms"
        [[timeline]]
        at = "60.5s"
        action = "deploy"
        [[timeline]]
        at = "8m"
        action = "deploy"
    "#;
    let v = run_json(text);
    assert_eq!(u(&v, "errors.H14"), 400);
    assert_eq!(u(&v, "requests.failed"), 400);
    assert_eq!(u(&v, "requests.ok"), 599 - 400);
    assert_eq!(f(&v, "operations.deploy-1.start_s"), 60.5);
    assert_eq!(f(&v, "operations.deploy-1.end_s"), 400.5);
    assert_eq!(batches(&v, "deploy-1"), vec![(360.5, Some(400.5), 4)]);
    assert_eq!(u(&v, "operations.deploy-1.errors.H14"), 340);
    assert_eq!(u(&v, "operations.deploy-1.min_capacity_slots"), 0);
    assert!(!b(&v, "operations.deploy-1.zero_downtime.predicted"));
    assert!(!b(&v, "operations.deploy-1.zero_downtime.observed"));
    let (pass, detail) = condition(&v, "deploy-1", "deployed_and_running");
    assert!(!pass);
    assert!(detail.contains("is new"), "{detail}");

    let (pass, detail) = condition(&v, "deploy-2", "deployed_and_running");
    assert!(pass, "{detail}");
    assert!(b(&v, "operations.deploy-2.zero_downtime.predicted"));
    assert!(b(&v, "operations.deploy-2.zero_downtime.observed"));
    assert_eq!(u(&v, "operations.deploy-2.requests.failed"), 0);
}

// ---------------------------------------------------------------------------------------------
// Speed factors, daily cycling, autoscaling and the Common Runtime's retries.

/// `[speeds]` gives each dyno type a service-time divisor; a type change picks up the new
/// type's. Constant 400 ms service, one slot each: 400 ms before, 200 ms after moving to a
/// type twice as fast.
#[test]
fn type_change_picks_up_the_new_types_speed() {
    let text = r#"
        duration = "10m"
        [speeds]
        "private-l" = 2.0
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 2
        concurrency = 1
        [[apps.traffic]]
        name = "default"
        arrival = { process = "constant", rate = "1/s" }
        service = "400ms"
        [[timeline]]
        at = "2m"
        action = "change_type"
        process = "web"
        to = "private-l"
        concurrency = 1
    "#;
    let v = run_json(text);
    assert_eq!(f(&v, "latency_ms.max"), 400.0);
    // HDR keeps three significant digits: 200 ms reads as 200.063 ms.
    assert!(
        (f(&v, "latency_ms.p50") - 200.0).abs() < 0.2,
        "most requests come after the change"
    );
    let s = scenario(text);
    assert_eq!(s.speeds.get("private-l"), Some(&2.0));
    assert_eq!(
        s.apps[0].processes[0].speed, 1.0,
        "private-m is not listed: 1.0"
    );
}

/// Daily cycling (facts §2): each dyno restarts once between 24 h and 24 h + 216 min after it
/// came up. Over 30 h one dyno is seen starting exactly once, inside that window.
#[test]
fn daily_cycling_restarts_each_dyno_once_a_day() {
    let text = r#"
        duration = "30h"
        [platform]
        cycling = true
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 1
        boot = "20s"
        [[apps.traffic]]
        name = "default"
        arrival = { process = "constant", rate = "0.01/s" }
        service = "10ms"
    "#;
    let (_, rows) = run_rows(&scenario(text));
    let starting: Vec<u64> = rows
        .process
        .iter()
        .filter(|r| r.2[STARTING] > 0)
        .map(|r| r.0)
        .collect();
    assert!(!starting.is_empty(), "the dyno was cycled");
    let (first, last) = (starting[0], *starting.last().unwrap());
    assert!(
        (86_400..86_400 + 216 * 60).contains(&first),
        "cycled at {first} s"
    );
    assert!(
        last - first < 20,
        "one 20 s boot, not several: {starting:?}"
    );
    // A Private Space router holds nothing: requests arriving in the 20 s restart gap of the
    // only dyno fail at once (H14), and nothing else fails.
    let v = run_json(text);
    assert_eq!(u(&v, "requests.failed"), u(&v, "errors.H14"));
    assert!(u(&v, "errors.H14") <= 3, "{}", u(&v, "errors.H14"));
}

/// The autoscaler adds web dynos while the p95 is above the target (one per minute at most,
/// up to `max`) and the latency comes down.
#[test]
fn autoscaling_adds_dynos_until_the_p95_meets_the_target() {
    let text = r#"
        duration = "30m"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 2
        concurrency = 4
        autoscale = { min = 2, max = 8, p95 = "500ms" }
        [[apps.traffic]]
        name = "default"
        arrival = { process = "poisson", rate = "40/s" }
        service = { dist = "exponential", mean = "200ms" }
    "#;
    let v = run_json(text);
    // 40/s × 0.2 s = 8 busy slots on 8: saturated until dynos are added.
    let added = u(&v, "apps.api.autoscale.added");
    assert!((2..=6).contains(&added), "added {added}");
    assert!(u(&v, "apps.api.autoscale.removed") <= added);
    let (_, rows) = run_rows(&scenario(text));
    let up_at = |s: u64| {
        rows.process
            .iter()
            .find(|r| r.0 == s)
            .map(|r| r.2[UP])
            .unwrap()
    };
    assert_eq!(up_at(30), 2);
    assert!(up_at(1790) >= 3, "{}", up_at(1790));
    // Never more than one change a minute: at most 30 changes in 30 minutes, and monotone
    // growth while overloaded.
    assert!(added <= 30);
}

/// The Common Runtime router retries a refusing dyno's request on other dynos and quarantines
/// the refuser for 5 s (facts §1.2); the Private Space router does not retry. One slot and no
/// backlog per dyno, 1 s requests at 1.5 per second on two dynos: the second router finds the
/// other dyno free when the first is busy, so only the Private Space loses requests to H21.
#[test]
fn common_runtime_retries_refused_connections_private_space_does_not() {
    let text = |runtime: &str| {
        format!(
            r#"
            duration = "10m"
            [router]
            policy = "round_robin"
            [space]
            runtime = "{runtime}"
            [[apps]]
            name = "api"
            [[apps.processes]]
            type = "web"
            count = 2
            concurrency = 1
            backlog = 0
            [[apps.traffic]]
            name = "default"
            arrival = {{ process = "poisson", rate = "1.5/s" }}
            service = "1s"
            "#
        )
    };
    let private = run_json(&text("private"));
    let common = run_json(&text("common"));
    assert_eq!(
        u(&private, "requests.total"),
        u(&common, "requests.total"),
        "same arrivals"
    );
    let (p, c) = (u(&private, "errors.H21"), u(&common, "errors.H21"));
    assert!(p > 0, "private refuses: {p}");
    assert!(c < p, "common retries on the other dyno: {c} vs {p}");
}
