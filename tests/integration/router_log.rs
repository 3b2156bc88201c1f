//! `spacesim run --router-log FILE`: every line in the platform's format (facts §1.7), counts
//! that agree with `summary.json`, dyno state lines in lifecycle order, byte-identical reruns.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use regex::Regex;
use serde_json::Value;
use tempfile::TempDir;

fn spacesim() -> Command {
    Command::cargo_bin("spacesim").expect("the spacesim binary is built for integration tests")
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// A router line, strictly: timestamp with microseconds in UTC, the optional `sock=client`
/// of H27, `at=`, `code=`/`desc=` for H codes, then the fields in the platform's order; `dyno`,
/// `connect`, `service` and `bytes` all empty or all set.
const ROUTER: &str = r#"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00) heroku\[router\]: (?:(?P<sock>sock=client) )?at=(?P<at>info|warning|error) (?:code=(?P<code>H\d\d) desc="(?P<desc>[^"]+)" )?method=GET path=/[a-z0-9_-]* host=(?P<host>[a-z0-9-]+)\.herokuapp\.com request_id=[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12} fwd="(?P<fwd>[0-9a-f.:]+)" (?:dyno=(?P<dyno>[a-z0-9_-]+\.\d+) connect=(?P<connect>\d+)ms service=(?P<service>\d+)ms status=(?P<status>\d{3}) bytes=(?P<bytes>\d+)|dyno= connect= service= status=(?P<status0>\d{3}) bytes=) protocol=https?$"#;

/// A dyno-manager line.
const DYNO: &str = r"^(?P<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00) heroku\[(?P<dyno>[a-z0-9_-]+\.\d+)\]: (?P<msg>State changed from (?P<from>created|provisioning|starting|up|down|crashed) to (?P<to>provisioning|starting|up|down|crashed)|Stopping all processes with SIGTERM|Process exited with status (?:143|137|1)|Stopping process with SIGKILL|Cycling|Error R10 \(Boot timeout\) -> Web process failed to bind to \$PORT within \d+ seconds of launch|Error R12 \(Exit timeout\) -> Process failed to exit within \d+ seconds of SIGTERM)$";

/// What a log holds, tallied.
#[derive(Default, Debug)]
struct Tally {
    /// Router lines by (status, code or "").
    router: BTreeMap<(u16, String), u64>,
    /// Dyno-manager lines, in order: (dyno, message).
    dyno: Vec<(String, String)>,
}

/// Runs `spacesim run` on `scenario` with `args`; returns the log's path and summary.json.
fn run_logged(dir: &Path, scenario: &Path, args: &[&str]) -> (PathBuf, Value) {
    let out = dir.join("out");
    let log = dir.join("logs/router.log");
    spacesim()
        .arg("run")
        .arg(scenario)
        .args(["--set", "warmup=0s", "-q", "--no-plots", "--out"])
        .arg(&out)
        .arg("--router-log")
        .arg(&log)
        .args(args)
        .assert()
        .success();
    let summary = serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    (log, summary)
}

/// Parses every line strictly (panics naming the first that does not match), checks time
/// order, and tallies.
fn parse(log: &Path) -> Tally {
    let router = Regex::new(ROUTER).unwrap();
    let dyno = Regex::new(DYNO).unwrap();
    let mut tally = Tally::default();
    let mut last = String::new();
    let file = BufReader::new(fs::File::open(log).unwrap());
    for (i, line) in file.lines().enumerate() {
        let line = line.unwrap();
        let ts = if let Some(c) = router.captures(&line) {
            let code = c.name("code").map_or("", |m| m.as_str()).to_string();
            let status: u16 = c
                .name("status")
                .or(c.name("status0"))
                .unwrap()
                .as_str()
                .parse()
                .unwrap();
            let at = &c["at"];
            match code.as_str() {
                "" => assert_eq!(at, "info", "line {}: {line}", i + 1),
                "H27" => {
                    assert_eq!((at, status), ("warning", 499), "line {}: {line}", i + 1);
                    assert!(c.name("sock").is_some(), "line {}: {line}", i + 1);
                }
                _ => assert_eq!(at, "error", "line {}: {line}", i + 1),
            }
            if code == "H12" {
                assert_eq!(&c["service"], "30000", "line {}: {line}", i + 1);
            }
            if let Some(connect) = c.name("connect") {
                let total: u64 =
                    connect.as_str().parse::<u64>().unwrap() + c["service"].parse::<u64>().unwrap();
                assert!(total <= 30_000, "line {}: {line}", i + 1);
            }
            *tally.router.entry((status, code)).or_default() += 1;
            c["ts"].to_string()
        } else if let Some(c) = dyno.captures(&line) {
            tally
                .dyno
                .push((c["dyno"].to_string(), c["msg"].to_string()));
            c["ts"].to_string()
        } else {
            panic!("line {} is not in the platform's format: {line}", i + 1);
        };
        assert!(ts >= last, "line {} goes back in time: {line}", i + 1);
        last = ts;
    }
    tally
}

/// Router lines the summary predicts, by (status, code or ""): with no warm-up, every request
/// that ended, except the TLS failures, which never reach HTTP.
fn expected(summary: &Value) -> BTreeMap<(u16, String), u64> {
    let n = |v: &Value| v.as_u64().unwrap();
    let mut want = BTreeMap::new();
    want.insert((200, String::new()), n(&summary["requests"]["ok"]));
    for (key, count) in summary["errors"].as_object().unwrap() {
        let key_status = match key.as_str() {
            "tls_handshake" => continue,
            "H27" => (499, "H27".to_string()),
            "no_such_app" => (404, String::new()),
            k if k.starts_with('H') => (503, k.to_string()),
            _ => (500, String::new()),
        };
        *want.entry(key_status).or_default() += n(count);
    }
    want.retain(|_, v| *v > 0);
    want
}

/// Each dyno's `State changed` lines form a chain: each starts where the last one ended.
fn assert_state_chains(tally: &Tally) {
    let re = Regex::new(r"^State changed from (\w+) to (\w+)$").unwrap();
    let mut state: HashMap<&str, String> = HashMap::new();
    for (dyno, msg) in &tally.dyno {
        if let Some(c) = re.captures(msg) {
            if let Some(prev) = state.get(dyno.as_str()) {
                assert_eq!(prev, &c[1], "{dyno}: `{msg}` after `{prev}`");
            }
            state.insert(dyno, c[2].to_string());
        }
    }
}

#[test]
fn every_line_has_the_platform_format_and_counts_match_the_summary() {
    // Between them: ok, H11, H12, H13, H14, H21, H27, 500s, 404s, blocked and TLS failures
    // (not logged), crashes, restarts and deploys.
    for (name, args) in [
        ("space-acme", &[][..]),
        ("client-retries", &[][..]),
        ("traffic-spike", &[][..]),
        ("common-runtime-preboot", &[][..]),
        ("incompatible-schema", &["--set", "duration=8m"][..]),
        ("crash", &["--set", "duration=12m"][..]),
    ] {
        let dir = TempDir::new().unwrap();
        let scenario = repo_path(&format!("scenarios/{name}.toml"));
        let (log, summary) = run_logged(dir.path(), &scenario, args);
        let tally = parse(&log);
        assert_eq!(
            tally.router,
            expected(&summary),
            "{name}: router lines by status"
        );
        // Dyno lines do not name their app (as in `heroku logs`): chains are per app.
        if summary["apps"].as_object().map_or(1, |a| a.len()) == 1 {
            assert_state_chains(&tally);
        }
        assert_eq!(
            summary["requests"]["warmup"].as_u64(),
            Some(0),
            "{name}: the count check assumes no warm-up"
        );
    }
}

#[test]
fn warm_up_requests_are_logged_too() {
    let dir = TempDir::new().unwrap();
    let scenario = repo_path("scenarios/poisson.toml");
    let out = dir.path().join("out");
    let log = dir.path().join("router.log");
    spacesim()
        .arg("run")
        .arg(&scenario)
        .args(["-q", "--no-plots", "--out"])
        .arg(&out)
        .arg("--router-log")
        .arg(&log)
        .assert()
        .success();
    let summary: Value =
        serde_json::from_slice(&fs::read(out.join("summary.json")).unwrap()).unwrap();
    let r = &summary["requests"];
    let lines: u64 = parse(&log).router.values().sum();
    let ended = r["ok"].as_u64().unwrap() + r["failed"].as_u64().unwrap();
    // Warm-up arrivals that ended are logged; the summary counts them only in `warmup`.
    assert!(lines > ended, "{lines} lines, {ended} counted requests");
    assert!(lines <= ended + r["warmup"].as_u64().unwrap());
}

/// A rolling deploy in a Private Space, small: four dynos replaced one at a time, each by a
/// new dedicated instance.
const ROLLING: &str = r#"
name = "rolling-small"
seed = 7
start = "2026-12-01T05:30:00Z"
duration = "12m"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 4
dyno_type = "private-m"

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "20/s" }
service = { dist = "lognormal", median = "45ms", p99 = "600ms" }

[[timeline]]
at = "2m"
action = "deploy"
name = "deploy"
"#;

#[test]
fn rolling_deploy_dyno_lines_come_in_lifecycle_order() {
    let dir = TempDir::new().unwrap();
    let scenario = dir.path().join("rolling.toml");
    fs::write(&scenario, ROLLING).unwrap();
    let (log, summary) = run_logged(dir.path(), &scenario, &[]);
    let tally = parse(&log);
    assert_eq!(tally.router, expected(&summary));
    assert_state_chains(&tally);
    let text = fs::read_to_string(&log).unwrap();
    assert!(
        text.starts_with("2026-12-01T05:30:"),
        "the clock starts at `start`"
    );
    for n in 1..=4 {
        let dyno = format!("web.{n}");
        let msgs: Vec<&str> = tally
            .dyno
            .iter()
            .filter(|(d, _)| *d == dyno)
            .map(|(_, m)| m.as_str())
            .collect();
        // The old dyno drains while its replacement is provisioned: the exit comes before or
        // after the replacement takes the name, depending on what the old one still held.
        assert_eq!(
            msgs[0], "Stopping all processes with SIGTERM",
            "{dyno}: {msgs:?}"
        );
        let pos = |m: &str| {
            msgs.iter()
                .position(|x| x.ends_with(m))
                .unwrap_or_else(|| panic!("{dyno}: no `{m}` in {msgs:?}"))
        };
        assert!(pos("to provisioning") < pos("provisioning to starting"));
        assert!(pos("provisioning to starting") < pos("starting to up"));
        assert_eq!(msgs.last(), Some(&"State changed from starting to up"));
        assert!(msgs.contains(&"Process exited with status 143"), "{msgs:?}");
        assert_eq!(
            msgs.len(),
            5 + usize::from(msgs.contains(&"State changed from up to down"))
        );
    }
    // One batch at a time: web.n+1 gets SIGTERM only once web.n is up again.
    let order: Vec<String> = tally
        .dyno
        .iter()
        .filter(|(_, m)| m.ends_with("SIGTERM") || m.ends_with("to up"))
        .map(|(d, m)| format!("{d} {}", if m.ends_with("SIGTERM") { "term" } else { "up" }))
        .collect();
    assert_eq!(
        order,
        [
            "web.1 term",
            "web.1 up",
            "web.2 term",
            "web.2 up",
            "web.3 term",
            "web.3 up",
            "web.4 term",
            "web.4 up"
        ]
    );
}

#[test]
fn crashes_log_the_exit_and_the_restart() {
    let dir = TempDir::new().unwrap();
    let scenario = repo_path("scenarios/crash.toml");
    let (log, _) = run_logged(dir.path(), &scenario, &["--set", "duration=12m"]);
    let tally = parse(&log);
    let msgs: Vec<&str> = tally.dyno.iter().map(|(_, m)| m.as_str()).collect();
    let i = msgs
        .iter()
        .position(|m| *m == "State changed from up to crashed")
        .expect("a crash");
    assert_eq!(msgs[i - 1], "Process exited with status 1");
    assert_eq!(msgs[i + 1], "State changed from crashed to starting");
}

#[test]
fn two_runs_write_identical_bytes() {
    let a = TempDir::new().unwrap();
    let b = TempDir::new().unwrap();
    let scenario = repo_path("scenarios/space-acme.toml");
    let (log_a, _) = run_logged(a.path(), &scenario, &[]);
    let (log_b, _) = run_logged(b.path(), &scenario, &[]);
    assert!(fs::read(log_a).unwrap() == fs::read(log_b).unwrap());
}

#[test]
fn the_log_changes_no_other_output() {
    let a = TempDir::new().unwrap();
    let b = TempDir::new().unwrap();
    let scenario = repo_path("scenarios/crash.toml");
    let (_, _) = run_logged(a.path(), &scenario, &["--set", "duration=12m"]);
    spacesim()
        .arg("run")
        .arg(&scenario)
        .args([
            "--set",
            "warmup=0s",
            "--set",
            "duration=12m",
            "-q",
            "--no-plots",
            "--out",
        ])
        .arg(b.path().join("out"))
        .assert()
        .success();
    for file in ["summary.json", "timeseries.csv"] {
        let x = fs::read(a.path().join("out").join(file)).unwrap();
        let y = fs::read(b.path().join("out").join(file)).unwrap();
        assert!(x == y, "{file} differs with --router-log");
    }
}

/// Half the clients are outside the trusted range: they are blocked and not logged; the
/// others' lines carry the address the model drew for them.
const TRUSTED: &str = r#"
name = "trusted"
seed = 3
duration = "1m"

[space]
trusted_ips = ["198.51.100.0/24"]

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 2

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "50/s" }
service = { dist = "exponential", mean = "20ms" }
clients = ["198.51.100.0/24", "192.0.2.0/24"]
"#;

#[test]
fn drawn_client_addresses_are_the_fwd_and_blocked_requests_are_not_logged() {
    let dir = TempDir::new().unwrap();
    let scenario = dir.path().join("trusted.toml");
    fs::write(&scenario, TRUSTED).unwrap();
    let (log, summary) = run_logged(dir.path(), &scenario, &[]);
    let tally = parse(&log);
    assert!(summary["requests"]["blocked"].as_u64().unwrap() > 0);
    assert_eq!(tally.router, expected(&summary));
    let text = fs::read_to_string(&log).unwrap();
    let lines = text.lines().count();
    assert_eq!(text.matches("fwd=\"198.51.100.").count(), lines);
}

/// `[report]` asks for the same outputs as `--router-log` and `--no-plots`, from the file.
#[test]
fn the_scenario_file_can_ask_for_a_router_log_and_no_plots() {
    let dir = TempDir::new().unwrap();
    let base = fs::read_to_string(repo_path("tests/fixtures/sweep/tiny.toml")).unwrap();
    let with = |report: &str| {
        let path = dir.path().join("s.toml");
        fs::write(&path, format!("{base}\n[report]\n{report}\n")).unwrap();
        path
    };
    let out = dir.path().join("out");
    let file = with("plots = false\nrouter_log = \"router.log\"");
    spacesim()
        .arg("run")
        .arg(&file)
        .args(["-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let log = fs::read_to_string(out.join("router.log")).unwrap();
    assert!(log.lines().count() > 1000, "one line per request");
    assert!(!out.join("timeline.png").exists() && !out.join("latency.png").exists());
    // The command line wins: the log goes where --router-log says.
    let elsewhere = dir.path().join("elsewhere.log");
    spacesim()
        .arg("run")
        .arg(&file)
        .args(["-q", "--out"])
        .arg(dir.path().join("out2"))
        .arg("--router-log")
        .arg(&elsewhere)
        .assert()
        .success();
    assert_eq!(
        fs::read_to_string(&elsewhere).unwrap(),
        log,
        "same run, same bytes"
    );
    assert!(!dir.path().join("out2/router.log").exists());
    // A name outside the output directory is refused.
    let bad = with("router_log = \"../escape.log\"");
    let o = spacesim()
        .arg("run")
        .arg(&bad)
        .args(["-q", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("report.router_log"));
}
