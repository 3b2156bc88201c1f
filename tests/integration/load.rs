//! `spacesim load` and `spacesim compare` against a test server started here on 127.0.0.1
//! (`load_server.rs`). Only loopback addresses are targeted. Every run is bounded: a few
//! seconds at 100 requests per second or less, a per-request timeout, and `--max-requests`.
//! Measured runs are not byte-identical, and the machine may be two busy shared cores: every
//! tolerance below is generous and says why.

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

use crate::load_server::{Behaviour, Delay, Server};
use crate::support::{f, u};

fn spacesim() -> Command {
    Command::cargo_bin("spacesim").expect("the spacesim binary is built for integration tests")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// A one-app scenario: one web dyno with `concurrency` slots and room to queue, one class.
fn scenario(dir: &Path, name: &str, arrival: &str, service: &str, concurrency: u32) -> PathBuf {
    let text = format!(
        "name = \"{name}\"\nduration = \"4s\"\nwarmup = \"0s\"\n\n[router]\ntimeout = \"10s\"\n\n\
         [[apps]]\nname = \"api\"\n\n[[apps.processes]]\ntype = \"web\"\ncount = 1\n\
         concurrency = {concurrency}\nbacklog = 100000\n\n[[apps.traffic]]\nname = \"default\"\n\
         arrival = {arrival}\nservice = {service}\nmethod = \"GET\"\npath = \"/ping\"\n\
         headers = {{ \"x-load-test\" = \"1\" }}\n"
    );
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `spacesim load` (no plots, quiet) and returns its summary.
fn load(scenario: &Path, target: &str, out: &Path, extra: &[&str]) -> Value {
    let output = spacesim()
        .arg("load")
        .arg(scenario)
        .args([
            "--target",
            target,
            "--no-plots",
            "-q",
            "--max-requests",
            "2000",
        ])
        .arg("--out")
        .arg(out)
        .args(extra)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "spacesim load failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    read_json(&out.join("summary.json"))
}

fn run(scenario: &Path, out: &Path, extra: &[&str]) -> Value {
    spacesim()
        .arg("run")
        .arg(scenario)
        .args(["--no-plots", "-q", "--out"])
        .arg(out)
        .args(extra)
        .timeout(Duration::from_secs(120))
        .assert()
        .success();
    read_json(&out.join("summary.json"))
}

fn schema_errors(doc: &Value) -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/summary.schema.json");
    let schema = read_json(Path::new(path));
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn fast_server() -> Server {
    Server::start(Behaviour {
        delay: Delay::Constant(Duration::from_millis(2)),
        concurrency: 64,
        stall: None,
    })
}

#[test]
fn the_open_loop_keeps_its_schedule_and_sends_what_the_simulation_simulates() {
    let tmp = TempDir::new().unwrap();
    let s = scenario(
        tmp.path(),
        "sched",
        r#"{ process = "poisson", rate = "50/s" }"#,
        r#""2ms""#,
        64,
    );
    let server = fast_server();
    let measured = load(
        &s,
        &server.url(),
        &tmp.path().join("load"),
        &["--duration", "3s"],
    );
    assert!(
        schema_errors(&measured).is_empty(),
        "{:?}",
        schema_errors(&measured)
    );
    let simulated = run(&s, &tmp.path().join("run"), &["--set", "duration=3s"]);
    // Exact: the schedule is drawn by the simulation's own generator and named stream.
    let scheduled = u(&measured, "measured.generator.scheduled");
    assert_eq!(scheduled, u(&simulated, "requests.total"));
    assert_eq!(u(&measured, "requests.total"), scheduled);
    assert_eq!(u(&measured, "measured.generator.sent"), scheduled);
    assert_eq!(u(&measured, "measured.generator.dropped"), 0);
    assert_eq!(u(&measured, "requests.ok"), scheduled);
    assert_eq!(u(&measured, "measured.http.200"), scheduled);
    // Tolerance: on two busy shared cores a timer wake-up can occasionally come more than the
    // 10 ms threshold late; at most 5% of sends may, and none by more than 250 ms.
    let late = u(&measured, "measured.generator.late");
    let lag = f(&measured, "measured.generator.max_lag_ms");
    eprintln!("schedule: {scheduled} scheduled, {late} late, max lag {lag} ms");
    assert!(late * 20 <= scheduled, "{late} of {scheduled} sends late");
    assert!(lag < 250.0, "max lag {lag} ms");
    // The time series has one traffic row per second at least for the 3 s, arrivals adding up.
    let csv = std::fs::read_to_string(tmp.path().join("load/timeseries.csv")).unwrap();
    let arrivals: u64 = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(arrivals, scheduled);
    assert!(csv.lines().count() > 3);
}

#[test]
fn a_stall_shows_in_open_loop_percentiles_and_hides_from_a_closed_loop() {
    let tmp = TempDir::new().unwrap();
    let s = scenario(
        tmp.path(),
        "stall",
        r#"{ process = "constant", rate = "20/s" }"#,
        r#""5ms""#,
        1,
    );
    let stalling = || {
        Server::start(Behaviour {
            delay: Delay::Constant(Duration::from_millis(5)),
            concurrency: 1,
            stall: Some((Duration::from_millis(1500), Duration::from_secs(1))),
        })
    };
    let server = stalling();
    let open = load(
        &s,
        &server.url(),
        &tmp.path().join("open"),
        &["--duration", "4s"],
    );
    drop(server);
    // About 20 requests are due during the 1 s stall; counted from their due times they waited
    // up to ~1 s, and they are ~25% of the 80 requests, so p99 is deep inside the stall.
    let p99 = f(&open, "latency_ms.p99");
    let p50 = f(&open, "latency_ms.p50");
    eprintln!("open loop: p50 {p50} ms, p99 {p99} ms");
    assert!(p99 >= 800.0, "open-loop p99 {p99} ms hides the stall");
    // A closed loop (one user, the naive measure) sends nothing while it waits: one request
    // sees the stall, and hundreds of fast ones bury it below p99.
    let server = stalling();
    let closed = load(
        &s,
        &server.url(),
        &tmp.path().join("closed"),
        &["--duration", "4s", "--users", "1"],
    );
    let cp99 = f(&closed, "latency_ms.p99");
    let cmax = f(&closed, "latency_ms.max");
    eprintln!("closed loop: p99 {cp99} ms, max {cmax} ms");
    assert!(cp99 < 800.0, "closed loop p99 {cp99} ms");
    assert!(cmax >= 800.0, "the one stalled request, {cmax} ms");
    assert_eq!(closed["measured"]["mode"], "closed");
    assert_eq!(u(&closed, "measured.users"), 1);
}

#[test]
fn simulation_and_measurement_of_the_same_model_agree() {
    let tmp = TempDir::new().unwrap();
    // M/M/2 at 40% utilisation: 40/s, exponential 20 ms, 2 slots.
    let s = scenario(
        tmp.path(),
        "agree",
        r#"{ process = "poisson", rate = "40/s" }"#,
        r#"{ dist = "exponential", mean = "20ms" }"#,
        2,
    );
    let server = Server::start(Behaviour {
        delay: Delay::Exponential(Duration::from_millis(20)),
        concurrency: 2,
        stall: None,
    });
    let load_dir = tmp.path().join("load");
    let measured = load(&s, &server.url(), &load_dir, &["--duration", "5s"]);
    drop(server);
    // The model's distribution, from a long simulation (ten minutes, ~24,000 requests).
    let run_dir = tmp.path().join("run");
    let simulated = run(&s, &run_dir, &["--set", "duration=10m"]);
    let (sm, mm) = (
        f(&simulated, "latency_ms.mean"),
        f(&measured, "latency_ms.mean"),
    );
    let (s50, m50) = (
        f(&simulated, "latency_ms.p50"),
        f(&measured, "latency_ms.p50"),
    );
    let (s99, m99) = (
        f(&simulated, "latency_ms.p99"),
        f(&measured, "latency_ms.p99"),
    );
    let out = spacesim()
        .arg("compare")
        .arg(&run_dir)
        .arg(&load_dir)
        .args(["--no-plots", "--max-ks", "0.25", "--out"])
        .arg(tmp.path().join("cmp"))
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    eprintln!(
        "simulated mean {sm} p50 {s50} p99 {s99}; measured mean {mm} p50 {m50} p99 {m99}\n{text}"
    );
    // ~200 measured requests: the sample mean of a ~30 ms-mean, roughly exponential response
    // time has a standard error of ~7%; the measurement adds loopback HTTP and the server's 1 ms
    // timer granularity (~1-2 ms). 35% is several standard errors and the overhead.
    assert!(
        (mm - sm).abs() <= 0.35 * sm,
        "mean: simulated {sm}, measured {mm}"
    );
    assert!(
        (m50 - s50).abs() <= 0.35 * s50 + 2.0,
        "p50: simulated {s50}, measured {m50}"
    );
    // KS: the 1% critical value for n = 200 against a known distribution is 0.115; 0.25 leaves
    // room for the overhead's shift on a busy machine.
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("KS distance D = "), "{text}");
}

#[test]
fn calibrate_writes_a_fragment_that_parses_and_recovers_the_delay() {
    let tmp = TempDir::new().unwrap();
    let s = scenario(
        tmp.path(),
        "cal",
        r#"{ process = "poisson", rate = "20/s" }"#,
        r#""1ms""#,
        4,
    );
    let server = Server::start(Behaviour {
        delay: Delay::Exponential(Duration::from_millis(20)),
        concurrency: 4,
        stall: None,
    });
    let out = tmp.path().join("cal");
    let output = spacesim()
        .arg("load")
        .arg(&s)
        .args(["--target", &server.url(), "--calibrate"])
        .args([
            "--calibrate-requests",
            "80",
            "--calibrate-rate",
            "40/s",
            "--out",
        ])
        .arg(&out)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let fragment = std::fs::read_to_string(out.join("calibration.toml")).unwrap();
    assert!(String::from_utf8_lossy(&output.stdout).contains(&fragment));
    let text = format!(
        "name = \"c\"\nduration = \"1m\"\n\n[[apps]]\nname = \"api\"\n\n[[apps.processes]]\n\
         type = \"web\"\ncount = 1\n\n{fragment}"
    );
    let parsed = spacesim::scenario::parse(&text, "calibration.toml", tmp.path(), None)
        .unwrap_or_else(|e| panic!("the fragment does not parse: {e}\n{text}"));
    let class = &parsed.apps[0].traffic[0];
    assert_eq!(class.name, "default");
    assert_eq!(class.http.path, "/ping");
    let mean_ms = class.service.mean_secs() * 1_000.0;
    eprintln!("calibrated mean {mean_ms} ms\n{fragment}");
    // 80 exponential samples: standard error of the mean ~11%; loopback HTTP and the server's
    // 1 ms timer add ~1-2 ms. Within 40% of 20 ms.
    assert!(
        (mean_ms - 20.0).abs() <= 8.0,
        "calibrated mean {mean_ms} ms"
    );
}

#[test]
fn compare_prints_a_table_and_answers_with_its_exit_code() {
    let tmp = TempDir::new().unwrap();
    let fast = scenario(
        tmp.path(),
        "fast",
        r#"{ process = "poisson", rate = "50/s" }"#,
        r#"{ dist = "exponential", mean = "20ms" }"#,
        8,
    );
    let slow = scenario(
        tmp.path(),
        "slow",
        r#"{ process = "poisson", rate = "50/s" }"#,
        r#"{ dist = "exponential", mean = "80ms" }"#,
        8,
    );
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    run(&fast, &a, &["--set", "duration=1m"]);
    run(&slow, &b, &["--set", "duration=1m"]);
    let cmp = tmp.path().join("cmp");
    let same = spacesim()
        .arg("compare")
        .arg(&a)
        .arg(&a)
        .args(["--max-ks", "0.01", "--out"])
        .arg(&cmp)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&same.stdout);
    assert_eq!(same.status.code(), Some(0), "{text}");
    for row in [
        "latency ms p50",
        "latency ms p99.9",
        "throughput req/s",
        "KS distance D = 0.0000",
    ] {
        assert!(text.contains(row), "{row}:\n{text}");
    }
    assert!(cmp.join("compare.png").is_file());
    assert!(cmp.join("compare.txt").is_file());
    let differ = spacesim()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .args(["--max-ks", "0.2", "--no-plots", "--out"])
        .arg(&cmp)
        .output()
        .unwrap();
    assert_eq!(
        differ.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&differ.stdout)
    );
    let missing = tmp.path().join("nope");
    let gone = spacesim()
        .arg("compare")
        .arg(&a)
        .arg(&missing)
        .args(["--out"])
        .arg(&cmp)
        .output()
        .unwrap();
    assert_eq!(gone.status.code(), Some(2));
    let err = String::from_utf8_lossy(&gone.stderr);
    assert!(err.contains("nope/summary.json"), "{err}");
}

#[test]
fn transport_errors_are_counted_refused_and_timeout() {
    let tmp = TempDir::new().unwrap();
    let s = scenario(
        tmp.path(),
        "errs",
        r#"{ process = "constant", rate = "10/s" }"#,
        r#""1ms""#,
        1,
    );
    // A closed port: bind, note the port, close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = load(
        &s,
        &format!("http://127.0.0.1:{port}/"),
        &tmp.path().join("refused"),
        &["--duration", "1s"],
    );
    // A constant 10/s sends its n-th request at n/10 s: 0.1 s to 0.9 s in the first second.
    let total = u(&refused, "requests.total");
    assert_eq!(total, 9);
    assert_eq!(u(&refused, "measured.transport.refused"), total);
    assert_eq!(u(&refused, "requests.failed"), total);
    assert_eq!(u(&refused, "requests.ok"), 0);
    assert!(
        schema_errors(&refused).is_empty(),
        "{:?}",
        schema_errors(&refused)
    );
    let slow = Server::start(Behaviour {
        delay: Delay::Constant(Duration::from_millis(600)),
        concurrency: 64,
        stall: None,
    });
    let timed_out = load(
        &s,
        &slow.url(),
        &tmp.path().join("timeout"),
        &["--duration", "1s", "--timeout", "100ms"],
    );
    assert_eq!(u(&timed_out, "measured.transport.timeout"), 9);
    assert_eq!(u(&timed_out, "requests.failed"), 9);
    assert_eq!(timed_out["measured"]["timeout_ms"], 100.0);
}

fn stderr_of_load(scenario: &Path, target: &str) -> (Option<i32>, String) {
    let out = spacesim()
        .arg("load")
        .arg(scenario)
        .args([
            "--target",
            target,
            "--no-plots",
            "--duration",
            "1s",
            "--out",
        ])
        .arg(scenario.with_extension("out"))
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[test]
fn bad_targets_and_request_keys_are_input_errors_naming_file_line_and_key() {
    let tmp = TempDir::new().unwrap();
    let good = scenario(
        tmp.path(),
        "good",
        r#"{ process = "constant", rate = "1/s" }"#,
        r#""1ms""#,
        1,
    );
    for url in [
        "https://127.0.0.1:9/",
        "ftp://127.0.0.1/",
        "127.0.0.1:9",
        "http://127.0.0.1:9/?q=1",
    ] {
        let (code, err) = stderr_of_load(&good, url);
        assert_eq!(code, Some(2), "{url}: {err}");
        assert!(err.contains("--target"), "{url}: {err}");
    }
    let base = std::fs::read_to_string(&good).unwrap();
    for (from, to, key) in [
        (
            "method = \"GET\"",
            "method = \"GE T\"",
            "apps[0].traffic[0].method",
        ),
        (
            "path = \"/ping\"",
            "path = \"ping\"",
            "apps[0].traffic[0].path",
        ),
        (
            "\"x-load-test\" = \"1\"",
            "\"bad header\" = \"1\"",
            "apps[0].traffic[0].headers.bad header",
        ),
        (
            "method = \"GET\"",
            "method = 3",
            "apps[0].traffic[0].method",
        ),
    ] {
        let path = tmp.path().join("bad.toml");
        std::fs::write(&path, base.replace(from, to)).unwrap();
        let line = base
            .replace(from, to)
            .lines()
            .position(|l| l.contains(to))
            .unwrap()
            + 1;
        let (code, err) = stderr_of_load(&path, "http://127.0.0.1:9/");
        assert_eq!(code, Some(2), "{to}: {err}");
        assert!(
            err.contains(&format!("bad.toml:{line}:")),
            "{to}: line {line}: {err}"
        );
        assert!(err.contains(key), "{to}: {key}: {err}");
        // The simulation refuses it the same way: one parser.
        let run = spacesim()
            .arg("run")
            .arg(&path)
            .arg("--no-plots")
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(2));
    }
}
