//! Resource bounds and partial results: absurd scenarios are refused up front with their
//! estimate (exit 2, nothing written), `--max-events` moves the limit, a wall-clock budget, the
//! event limit and Ctrl-C stop a run cleanly with `partial = true`, and an output that cannot be
//! written is a clear error that leaves earlier results intact.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use spacesim::model::bounds;
use spacesim::scenario::DEFAULT_MAX_EVENTS;
use tempfile::TempDir;

use super::support::{b, f, scenario, signal, u};

fn spacesim() -> Command {
    Command::cargo_bin("spacesim").expect("the spacesim binary is built for integration tests")
}

fn quickstart() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml")
}

/// `spacesim ARGS --out OUT scenarios/quickstart.toml`.
fn quick(args: &[&str], out: &Path) -> Output {
    spacesim()
        .args(args)
        .arg("--out")
        .arg(out)
        .arg(quickstart())
        .output()
        .unwrap()
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn summary(dir: &Path) -> Value {
    let text = fs::read_to_string(dir.join("summary.json")).expect("summary.json written");
    serde_json::from_str(&text).expect("summary.json is JSON")
}

/// One app with `count` web dynos and Poisson traffic at `rate` for `duration`.
fn sized(rate: &str, duration: &str, count: u64) -> String {
    format!(
        r#"name = "sized"
duration = "{duration}"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = {count}

[[apps.traffic]]
name = "default"
arrival = {{ process = "poisson", rate = "{rate}" }}
service = "50ms"
"#
    )
}

#[test]
fn absurd_scenarios_are_refused_up_front_with_their_estimate() {
    // (what, scenario, what the message must name)
    let cases = [
        (
            "10^12 requests",
            sized("1M/s", "1000000s", 4),
            "about 1.0e12 requests",
        ),
        (
            "10^9 dynos",
            sized("10/s", "1m", 1_000_000_000),
            "1.0 G dynos",
        ),
        (
            "a year at 10^6 requests/s",
            sized("1M/s", "365d", 4),
            "about 3.2e13 requests",
        ),
    ];
    for (what, text, names) in cases {
        let dir = TempDir::new().unwrap();
        let file = dir.path().join("absurd.toml");
        fs::write(&file, text).unwrap();
        let out_dir = dir.path().join("out");
        let out = spacesim()
            .args(["run", "--allow-violations", "--no-plots", "--out"])
            .arg(&out_dir)
            .arg(&file)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        for part in [
            "absurd.toml: refused:",
            names,
            "events, which would take about",
            "the limit is 1.0 G events",
            "--max-events N",
        ] {
            assert!(err.contains(part), "{what}: no {part:?} in {err}");
        }
        assert!(!out_dir.exists(), "{what}: a refused run wrote nothing");
    }
}

#[test]
fn the_default_limit_admits_a_day_at_2000_requests_per_second() {
    let s = scenario(&sized("2k/s", "24h", 10));
    let e = bounds::estimate(&s);
    // The estimate uses the exact mean rate: 2,000/s × 86,400 s.
    assert!((e.requests - 172.8e6).abs() < 1.0, "{e:?}");
    assert!(e.events < DEFAULT_MAX_EVENTS as f64, "{e:?}");
    assert_eq!(bounds::refusal(&s), None);
    // Half as much again is still admitted; ten times as much is not.
    assert_eq!(bounds::refusal(&scenario(&sized("2k/s", "36h", 10))), None);
    assert!(bounds::refusal(&scenario(&sized("20k/s", "24h", 10))).is_some());
}

#[test]
fn max_events_lowers_and_raises_the_limit_from_the_command_line_and_the_file() {
    let dir = TempDir::new().unwrap();
    // Lowered on the command line: the 4.9 M-request quickstart is refused.
    let out = quick(
        &["run", "--no-plots", "--max-events", "1e6"],
        &dir.path().join("low"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("the limit is 1.0 M events"));
    // Lowered in the file (via --set, as a scenario key).
    let out = quick(
        &["run", "--no-plots", "--set", "simulator.max_events=5000"],
        &dir.path().join("low2"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("the limit is 5000 events"));
    // Raised: the refusal goes away (checked on the estimate; such a run would take days).
    let mut s = scenario(&sized("1M/s", "365d", 4));
    assert!(bounds::refusal(&s).is_some());
    s.simulator.max_events = u64::MAX;
    assert_eq!(bounds::refusal(&s), None);
    // Bad values are input errors.
    for bad in ["0", "-3", "lots", "1.5"] {
        let out = quick(&["run", "--max-events", bad], &dir.path().join("bad"));
        assert_eq!(out.status.code(), Some(2), "--max-events {bad}");
    }
    let out = quick(
        &["run", "--set", "simulator.max_events=0"],
        &dir.path().join("zero"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("`simulator.max_events` must be at least 1"));
}

#[test]
fn bad_budgets_are_input_errors_naming_the_flag_or_key() {
    let dir = TempDir::new().unwrap();
    for (args, says) in [
        (vec!["run", "--budget", "soon"], "--budget"),
        (vec!["run", "--budget", "0s"], "more than 0s"),
        (vec!["run", "--budget=-5s"], "negative"),
        (
            vec!["run", "--set", "simulator.wall_budget=0s"],
            "`simulator.wall_budget` must be more than 0s",
        ),
    ] {
        let out_dir = dir.path().join("bad-budget");
        let out = quick(&args, &out_dir);
        let err = stderr_of(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: no {says:?} in {err}");
        assert!(!out_dir.exists(), "{args:?}: nothing written");
    }
}

#[test]
fn a_wall_clock_budget_stops_the_run_with_partial_results() {
    // The 24-hour quickstart takes seconds; a 200 ms budget stops it early.
    let dir = TempDir::new().unwrap();
    let out_dir = dir.path().join("out");
    let out = quick(&["run", "--no-plots", "--budget", "200ms"], &out_dir);
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("the run stopped early (wall budget)"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("PARTIAL"));
    let s = summary(&out_dir);
    assert!(b(&s, "partial"));
    assert_eq!(s["partial_reason"], "wall_budget");
    assert_eq!(f(&s, "planned_duration_s"), 86_400.0);
    let covered = f(&s, "duration_s");
    assert!(covered > 0.0 && covered < 86_400.0, "{covered}");
    // The partial results still add up, and the file keeps its contract.
    assert_eq!(
        u(&s, "requests.total"),
        u(&s, "requests.ok")
            + u(&s, "requests.failed")
            + u(&s, "requests.blocked")
            + u(&s, "requests.in_flight")
    );
    let validator = super::cli::schema_validator();
    assert_eq!(
        super::cli::schema_errors(&validator, &s),
        Vec::<String>::new()
    );
    // The time series covers the simulated part only.
    let series = fs::read_to_string(out_dir.join("timeseries.csv")).unwrap();
    let last_second = series
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next()?.parse::<u64>().ok())
        .max()
        .unwrap();
    assert!((last_second as f64) <= covered, "{last_second} > {covered}");

    // The same from the scenario file; and a complete run says partial = false.
    let out = quick(
        &[
            "run",
            "-q",
            "--no-plots",
            "--set",
            "simulator.wall_budget=200ms",
        ],
        &dir.path().join("file"),
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(b(&summary(&dir.path().join("file")), "partial"));
    let out = quick(
        &[
            "run",
            "-q",
            "--no-plots",
            "--set",
            "duration=1m",
            "--set",
            "warmup=0s",
        ],
        &dir.path().join("whole"),
    );
    assert_eq!(out.status.code(), Some(0));
    let whole = summary(&dir.path().join("whole"));
    assert!(!b(&whole, "partial"));
    assert!(whole.get("partial_reason").is_none());
}

#[test]
fn a_run_that_reaches_max_events_stops_with_partial_results() {
    // Every request fails at once (no web dyno) and its client retries five times: six arrivals
    // per request where the estimate counts one, so the run outgrows an estimate-sized limit.
    let text = r#"name = "retry-storm"
duration = "100s"

[simulator]
max_events = 40000

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 0

[[apps.traffic]]
name = "default"
arrival = { process = "constant", rate = "100/s" }
service = "50ms"
client = { retries = 5, backoff = "10ms" }
"#;
    let s = scenario(text);
    assert_eq!(bounds::refusal(&s), None, "{:?}", bounds::estimate(&s));
    let out = spacesim::model::sim::run(&s, &mut spacesim::metrics::NullSink).unwrap();
    let partial = out.partial.expect("stopped at the event limit");
    assert_eq!(partial.reason, spacesim::model::sim::StopReason::MaxEvents);
    assert!(partial.simulated.as_secs_f64() < 100.0);
    assert_eq!(out.events, 40_000);
    let c = &out.classes[0].counts;
    assert_eq!(c.total, c.ok + c.failed() + c.blocked + c.in_flight);
}

#[test]
fn check_fails_a_run_cut_short() {
    let dir = TempDir::new().unwrap();
    let out = spacesim()
        .args(["check", "--budget", "100ms", "--junit"])
        .arg(dir.path().join("junit.xml"))
        .arg(quickstart())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr_of(&out));
    assert!(text.contains("runs to the end"), "{text}");
    assert!(text.contains("stopped early (wall_budget)"), "{text}");
}

#[test]
fn an_interrupted_run_keeps_its_partial_results_and_exits_130() {
    let dir = TempDir::new().unwrap();
    let out_dir = dir.path().join("out");
    let mut child = std::process::Command::cargo_bin("spacesim")
        .unwrap()
        .args(["run", "-q", "--no-plots", "--set", "duration=30d", "--out"])
        .arg(&out_dir)
        .arg(quickstart())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let it get going (30 days take minutes), then Ctrl-C.
    std::thread::sleep(Duration::from_millis(700));
    signal(&child, "-INT");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run did not stop after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130));
    let s = summary(&out_dir);
    assert!(b(&s, "partial"));
    assert_eq!(s["partial_reason"], "interrupted");
    assert!(out_dir.join("timeseries.csv").exists());
}

#[test]
fn an_unwritable_output_is_a_clear_error() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("not-a-dir");
    fs::write(&file, "x").unwrap();
    let out = quick(
        &[
            "run",
            "--no-plots",
            "--set",
            "duration=10s",
            "--set",
            "warmup=0s",
        ],
        &file.join("out"),
    );
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not-a-dir/out"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_full_disk_leaves_earlier_results_intact() {
    // A file-size limit stands in for a full disk: writes past 64 KiB fail with EFBIG (the
    // signal that would kill the process is ignored, as a shell's `trap '' XFSZ` does).
    let dir = TempDir::new().unwrap();
    let out_dir = dir.path().join("out");
    let bin = assert_cmd::cargo::cargo_bin("spacesim");
    let first = std::process::Command::new(&bin)
        .args([
            "run",
            "-q",
            "--no-plots",
            "--set",
            "duration=2m",
            "--set",
            "warmup=0s",
            "--out",
        ])
        .arg(&out_dir)
        .arg(quickstart())
        .status()
        .unwrap();
    assert!(first.success());
    let before = fs::read(out_dir.join("summary.json")).unwrap();
    let listing = |d: &Path| {
        let mut names: Vec<String> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let files_before = listing(&out_dir);
    // The full day writes a multi-megabyte time series: it cannot fit.
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 64; exec "$0" run -q --no-plots --set duration=6h --out "$1" "$2""#)
        .arg(&bin)
        .arg(&out_dir)
        .arg(quickstart())
        .output()
        .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("File too large") || err.contains("too large"),
        "{err}"
    );
    assert!(err.contains("timeseries.csv"), "{err}");
    assert_eq!(fs::read(out_dir.join("summary.json")).unwrap(), before);
    assert_eq!(
        listing(&out_dir),
        files_before,
        "no half-written file is left"
    );
}

#[test]
fn check_sweep_and_capacity_refuse_what_exceeds_max_events() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = TempDir::new().unwrap();
    let sweep_out = dir.path().join("sweep");
    let cases: [(&str, Vec<std::ffi::OsString>); 3] = [
        (
            "check",
            vec![
                "check".into(),
                quickstart().into(),
                "--max-events".into(),
                "1000".into(),
            ],
        ),
        (
            "sweep",
            vec![
                "sweep".into(),
                root.join("scenarios/sweep-routing.toml").into(),
                "--max-events".into(),
                "1000".into(),
                "--out".into(),
                sweep_out.clone().into(),
            ],
        ),
        (
            "capacity",
            vec![
                "capacity".into(),
                root.join("tests/fixtures/capacity/mm1.toml").into(),
                "--slo".into(),
                "latency_ms.mean<500ms".into(),
                "--max-events".into(),
                "100".into(),
                "--out".into(),
                dir.path().join("capacity").into(),
            ],
        ),
    ];
    for (what, args) in cases {
        let out = spacesim().args(&args).output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr_of(&out)
        );
        assert_eq!(out.status.code(), Some(2), "{what}: {all}");
        assert!(
            all.contains("this run would simulate about"),
            "{what}: {all}"
        );
        assert_eq!(
            all.matches("this run would simulate").count(),
            1,
            "{what}: said once: {all}"
        );
    }
    assert!(!sweep_out.exists(), "a refused sweep writes nothing");
}
