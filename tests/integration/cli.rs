//! `spacesim run` from the outside: exit codes, error messages, the files a run writes, their
//! determinism, what it prints, and the committed schema of `summary.json`.
//!
//! Every run happens in its own temporary directory (also the working directory, so a default
//! `--out` or a stray file would show up there). Scenarios are short: the whole module runs in
//! a few seconds with `cargo test --release`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use spacesim::model::codes::ErrorCode;
use spacesim::report::hgrm::parse_percentile_distribution;
use spacesim::report::timeseries::columns;
use tempfile::TempDir;

fn spacesim() -> Command {
    Command::cargo_bin("spacesim").expect("the spacesim binary is built for integration tests")
}

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn fixture(name: &str) -> PathBuf {
    repo_path("tests/fixtures/cli").join(name)
}

/// Names of the entries of `dir`, sorted.
fn listing(dir: &Path) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A finished successful run of a fixture in a fresh directory.
struct Run {
    /// The working directory of the run, with `out` inside; removed when the run is dropped.
    _dir: TempDir,
    out: PathBuf,
    stdout: String,
    stderr: String,
}

impl Run {
    fn summary(&self) -> Value {
        read_json(&self.out.join("summary.json"))
    }

    fn file(&self, name: &str) -> Vec<u8> {
        fs::read(self.out.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }
}

/// Runs `spacesim run SCENARIO --out <tmp>/out ARGS…` and asserts it exits 0.
fn run_ok(scenario: &Path, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let output = spacesim()
        .current_dir(dir.path())
        .arg("run")
        .arg(scenario)
        .arg("--out")
        .arg(&out)
        .args(args)
        .output()
        .unwrap();
    let (stdout, stderr) = (stdout_of(&output), stderr_of(&output));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{} failed\nstdout:\n{stdout}\nstderr:\n{stderr}",
        scenario.display()
    );
    Run {
        _dir: dir,
        out,
        stdout,
        stderr,
    }
}

fn u64_at(v: &Value, pointer: &str) -> u64 {
    v.pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{pointer} is not an unsigned integer in {v}"))
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .cloned()
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Bad input: exit 2, a message naming file, line:col, key and what was expected, no output.
// ---------------------------------------------------------------------------------------------

/// A valid scenario the bad-input cases edit. Line numbers in the cases refer to this text:
/// 1 `duration`, 4 the app's `name`, 7 `type`, 8 `count`, 12 `arrival`, 13 `service`; 13 lines,
/// so a table appended after a blank line starts on line 15.
const VALID: &str = r#"duration = "1m"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 2

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "10/s" }
service = "20ms"
"#;

/// `VALID` with the one occurrence of `from` replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(VALID.matches(from).count(), 1, "{from:?} must occur once");
    VALID.replacen(from, to, 1)
}

/// `VALID` followed by a blank line and `tail`.
fn append(tail: &str) -> String {
    format!("{VALID}\n{tail}")
}

/// Writes `toml` to `case.toml` in a fresh directory, runs it with `--out out/run`, and asserts
/// exit code 2, an empty stdout, a one-line stderr `error: case.toml:LOC: `KEY`: …` containing
/// every word, and that nothing but `case.toml` is left in the directory.
fn assert_rejected(toml: &str, loc: &str, key: Option<&str>, words: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("case.toml"), toml).unwrap();
    let output = spacesim()
        .current_dir(dir.path())
        .args(["run", "case.toml", "--out", "out/run"])
        .output()
        .unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stdout_of(&output), "", "nothing on stdout");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    let prefix = match key {
        Some(key) => format!("error: case.toml:{loc}: `{key}`: "),
        None => format!("error: case.toml:{loc}: "),
    };
    assert!(
        stderr.starts_with(&prefix),
        "expected {prefix:?} at the start of {stderr:?}"
    );
    if key.is_none() {
        assert!(!stderr[prefix.len()..].starts_with('`'), "no key: {stderr}");
    }
    for word in words {
        assert!(stderr.contains(word), "expected {word:?} in {stderr:?}");
    }
    assert_eq!(
        listing(dir.path()),
        set(&["case.toml"]),
        "neither --out nor results/ may be created for invalid input"
    );
}

/// One test per case: `name: toml, "line:col", key, [words];`.
macro_rules! rejected {
    ($($name:ident: $toml:expr, $loc:expr, $key:expr, [$($word:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                assert_rejected(&$toml, $loc, $key, &[$($word),*]);
            }
        )*
    };
}

#[test]
fn the_valid_base_scenario_runs() {
    // The bad-input cases are edits of VALID: each must fail because of its edit alone.
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("case.toml"), VALID).unwrap();
    spacesim()
        .current_dir(dir.path())
        .args(["run", "case.toml", "--out", "out/run", "--quiet"])
        .assert()
        .code(0)
        .stderr("");
    assert!(dir.path().join("out/run/summary.json").is_file());
}

rejected! {
    rejects_toml_syntax_error:
        edit("count = 2", "count = = 2"), "8:9", None, ["extra `=`", "expected"];
    rejects_unknown_top_level_key:
        format!("bogus = 1\n{VALID}"), "1:1", Some("bogus"),
        ["unknown field `bogus`", "expected one of", "`duration`"];
    rejects_unknown_process_key:
        edit("count = 2\n", "count = 2\ncolour = \"red\"\n"), "9:1",
        Some("apps[0].processes[0].colour"),
        ["unknown field `colour`", "expected one of", "`backlog`"];
    rejects_unknown_arrival_key:
        edit(r#"rate = "10/s" }"#, r#"rate = "10/s", burst = 3 }"#), "12:11",
        Some("apps[0].traffic[0].arrival"), ["unknown field `burst`", "expected `rate`"];
    rejects_wrong_type:
        edit("count = 2", "count = \"two\""), "8:9", Some("apps[0].processes[0].count"),
        ["invalid type: string \"two\", expected u32"];
    rejects_negative_duration:
        edit(r#"duration = "1m""#, r#"duration = "-1m""#), "1:12", Some("duration"),
        ["\"-1m\" is negative", "durations must be zero or more"];
    rejects_duration_without_unit:
        edit(r#"duration = "1m""#, r#"duration = "10""#), "1:12", Some("duration"),
        ["\"10\" has a number without a unit", "expected a duration such as \"250ms\""];
    rejects_unparsable_rate:
        edit("10/s", "ten per second"), "12:11", Some("apps[0].traffic[0].arrival"),
        ["\"ten per second\"", "expected a rate such as \"200/s\""];
    rejects_missing_trace_file:
        edit(r#"{ process = "poisson", rate = "10/s" }"#,
             r#"{ process = "trace", file = "no-such-arrivals.csv" }"#),
        "12:11", Some("apps[0].traffic[0].arrival"),
        ["cannot open trace file", "no-such-arrivals.csv"];
    rejects_missing_empirical_samples_file:
        edit(r#"service = "20ms""#,
             r#"service = { dist = "empirical", file = "no-such-samples.csv" }"#),
        "13:11", Some("apps[0].traffic[0].service"),
        ["cannot open empirical samples file", "no-such-samples.csv"];
    rejects_unknown_dyno_type:
        edit("count = 2\n", "count = 2\ndyno_type = \"private-xxl\"\n"), "9:13",
        Some("apps[0].processes[0].dyno_type"),
        ["unknown dyno type \"private-xxl\"", "known types:", "private-m"];
    rejects_unknown_router_policy:
        append("[router]\npolicy = \"fastest\"\n"), "16:10", Some("router.policy"),
        ["unknown variant `fastest`", "expected one of", "`round_robin`"];
    rejects_warmup_not_shorter_than_duration:
        edit(r#"duration = "1m""#, "duration = \"1m\"\nwarmup = \"60s\""), "2:10",
        Some("warmup"), ["must be shorter than `duration`"];
    rejects_duplicate_app_name:
        append("[[apps]]\nname = \"api\"\n"), "16:8", Some("apps[1].name"),
        ["app \"api\" is defined twice"];
    rejects_traffic_without_web_process:
        edit("type = \"web\"", "type = \"worker\""), "3:1", Some("apps[0].processes"),
        ["has traffic but no `web` process", "type = \"web\""];
    rejects_app_name_with_a_dot:
        edit("name = \"api\"", "name = \"api.v2\""), "4:8", Some("apps[0].name"),
        ["\"api.v2\" is not a valid name", "letters, digits, `-` or `_`"];
    rejects_unknown_timeline_action:
        append("[[timeline]]\nat = \"10s\"\naction = \"redeploy\"\n"), "17:10",
        Some("timeline[0].action"), ["unknown variant `redeploy`", "expected one of", "`deploy`"];
    rejects_unknown_sweep_key:
        append("[sweep]\ncount = [1, 2]\n"), "16:1", Some("sweep.count"),
        ["unknown field `count`", "`replications`, `independent`, `grid`, `zip`"];
    rejects_an_empty_sweep_list:
        append("[sweep.grid]\n\"seed\" = []\n"), "16:10", Some("sweep.grid.\"seed\""),
        ["an empty list"];
    rejects_unknown_expect_operator:
        append("[[expect]]\nmetric = \"latency_ms.p99\"\nop = \"=<\"\nvalue = \"300ms\"\n"),
        "17:6", Some("expect[0].op"), ["unknown operator \"=<\"", "< <= == != >= >"];
    rejects_unknown_addon_plan:
        append("[[apps.addons]]\nname = \"DATABASE\"\nkind = \"postgres\"\nplan = \"hobby-dev\"\n"),
        "18:8", Some("apps[0].addons[0].plan"),
        ["unknown postgres plan \"hobby-dev\"", "postgres plans", "private-2"];
}

#[test]
fn rejects_nonexistent_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    spacesim()
        .current_dir(dir.path())
        .args(["run", "missing.toml", "--out", "out/run"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error: missing.toml: cannot read the scenario file",
        ));
    assert!(listing(dir.path()).is_empty(), "nothing is created");
}

#[test]
fn rejects_unwritable_out_dir() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("case.toml"), VALID).unwrap();
    fs::write(dir.path().join("plain"), "a regular file").unwrap();
    spacesim()
        .current_dir(dir.path())
        .args(["run", "case.toml", "--out", "plain/sub"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error: cannot use the output directory: plain/sub",
        ));
    assert_eq!(listing(dir.path()), set(&["case.toml", "plain"]));
    assert_eq!(
        fs::read_to_string(dir.path().join("plain")).unwrap(),
        "a regular file"
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Outputs.
// ---------------------------------------------------------------------------------------------

/// `tests/fixtures/cli/mixed.toml`: 120.5 s, 10 s warm-up, seed 11.
const MIXED_SECONDS: u64 = 121;
const MIXED_CLASSES: [(&str, &str); 3] =
    [("admin", "reports"), ("api", "batch"), ("api", "browse")];
const MIXED_PROCESSES: [(&str, &str); 3] = [("admin", "web"), ("api", "web"), ("api", "worker")];

const REQUEST_KEYS: [&str; 7] = [
    "total",
    "ok",
    "failed",
    "blocked",
    "in_flight",
    "warmup",
    "retries",
];
const LATENCY_KEYS: [&str; 6] = ["mean", "p50", "p90", "p99", "p999", "max"];

fn error_keys() -> BTreeSet<String> {
    ErrorCode::ALL.iter().map(|c| c.key().to_string()).collect()
}

/// Checks one level of statistics (everything, an app or a class); returns its request counts
/// and failures by code, to compare with the levels below.
fn check_stats(s: &Value, at: &str) -> BTreeMap<String, u64> {
    let r = &s["requests"];
    assert_eq!(keys(r), set(&REQUEST_KEYS), "{at}.requests");
    let n = |k: &str| u64_at(r, &format!("/{k}"));
    let (total, ok, failed) = (n("total"), n("ok"), n("failed"));
    assert_eq!(
        total,
        ok + failed + n("blocked") + n("in_flight"),
        "{at}: total = ok + failed + blocked + in_flight"
    );
    assert!(n("retries") <= total, "{at}: retries are part of total");
    assert_eq!(keys(&s["errors"]), error_keys(), "{at}.errors");
    let by_code: u64 = error_keys()
        .iter()
        .map(|k| u64_at(s, &format!("/errors/{k}")))
        .sum();
    assert_eq!(by_code, failed, "{at}: failed = sum of errors");

    let ended = ok + failed;
    for (key, part) in [("error_rate", failed), ("availability", ok)] {
        if ended == 0 {
            assert!(s[key].is_null(), "{at}.{key}: null when nothing ended");
        } else {
            let v = s[key].as_f64().unwrap_or_else(|| panic!("{at}.{key}"));
            let want = part as f64 / ended as f64;
            assert!((v - want).abs() < 1e-12, "{at}.{key} = {v}, want {want}");
        }
    }
    for key in ["latency_ms", "queue_ms"] {
        let l = &s[key];
        assert_eq!(keys(l), set(&LATENCY_KEYS), "{at}.{key}");
        if ok == 0 {
            assert!(LATENCY_KEYS.iter().all(|k| l[k].is_null()), "{at}.{key}");
        } else {
            let v: Vec<f64> = LATENCY_KEYS
                .iter()
                .map(|k| l[k].as_f64().unwrap())
                .collect();
            // p50 <= p90 <= p99 <= p999, all >= 0.
            assert!(
                v[1] >= 0.0 && v[1] <= v[2] && v[2] <= v[3] && v[3] <= v[4],
                "{at}.{key}"
            );
        }
    }
    assert!(s["downtime_s"].is_u64(), "{at}.downtime_s");

    let mut counts: BTreeMap<String, u64> =
        REQUEST_KEYS.iter().map(|k| (k.to_string(), n(k))).collect();
    for k in error_keys() {
        counts.insert(format!("errors.{k}"), u64_at(s, &format!("/errors/{k}")));
    }
    counts
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_default() += v;
    }
}

#[test]
fn summary_counts_add_up_at_every_level() {
    let run = run_ok(&fixture("mixed.toml"), &["--quiet"]);
    let s = run.summary();
    let top = check_stats(&s, "summary");
    assert!(top["total"] > 1000 && top["warmup"] > 0, "{top:?}");
    assert!(u64_at(&s, "/events") > top["total"], "events");
    assert_eq!(s["scenario"], "mixed");
    assert_eq!(s["duration_s"].as_f64(), Some(120.5));
    assert_eq!(s["warmup_s"].as_f64(), Some(10.0));

    let mut classes_seen = BTreeSet::new();
    let mut apps_sum = BTreeMap::new();
    for (app, a) in s["apps"].as_object().unwrap() {
        let app_counts = check_stats(a, &format!("apps.{app}"));
        let mut classes_sum = BTreeMap::new();
        for (class, c) in a["traffic"].as_object().unwrap() {
            let c = check_stats(c, &format!("apps.{app}.traffic.{class}"));
            assert!(c["total"] > 0, "{app}/{class} received traffic");
            add_counts(&mut classes_sum, &c);
            classes_seen.insert((app.clone(), class.clone()));
        }
        assert_eq!(classes_sum, app_counts, "apps.{app} = sum of its classes");
        add_counts(&mut apps_sum, &app_counts);
    }
    assert_eq!(apps_sum, top, "top level = sum of apps");
    let want: BTreeSet<_> = MIXED_CLASSES
        .iter()
        .map(|(a, c)| (a.to_string(), c.to_string()))
        .collect();
    assert_eq!(classes_seen, want);

    // Beside the request statistics: no jobs, no autoscaling, no operations, and dyno-hours
    // of the formation over the whole run (admin web + api worker on private-m, 3 api web on
    // private-s), unpriced.
    for (app, a) in s["apps"].as_object().unwrap() {
        assert_eq!(a["jobs"], serde_json::json!({}), "apps.{app}.jobs");
        assert_eq!(
            a["autoscale"],
            serde_json::json!({ "added": 0, "removed": 0 }),
            "apps.{app}.autoscale"
        );
    }
    assert_eq!(s["operations"], serde_json::json!({}));
    assert_eq!(
        s["zero_downtime"],
        serde_json::json!({ "predicted": null, "observed": null, "disagreements": [] })
    );
    let hours = |dynos: f64| ((dynos * 120.5 / 3600.0) * 1e6).round() / 1e6;
    assert_eq!(
        s["dyno_hours"],
        serde_json::json!({ "private-m": hours(2.0), "private-s": hours(3.0) })
    );
    assert!(s["cost"].is_null(), "no [prices]: no cost");
}

#[test]
fn summary_provenance_names_version_file_hash_and_seed() {
    let path = fixture("mixed.toml");
    let run = run_ok(&path, &["--quiet"]);
    let p = &run.summary()["provenance"];
    assert_eq!(p["spacesim_version"], env!("CARGO_PKG_VERSION"));
    let sha: String = Sha256::digest(fs::read(&path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(p["scenario_sha256"], sha.as_str());
    assert_eq!(p["seed"], 11, "the scenario's seed");
    assert_eq!(p["overrides"], serde_json::json!([]));
}

#[test]
fn seed_flag_replaces_the_scenario_seed() {
    let run = run_ok(&fixture("mixed.toml"), &["--quiet", "--seed", "7"]);
    assert_eq!(run.summary()["provenance"]["seed"], 7);
}

#[test]
fn timeseries_has_the_documented_header_and_a_row_per_second_and_key() {
    let run = run_ok(&fixture("mixed.toml"), &["--quiet"]);
    let s = run.summary();
    let bytes = run.file("timeseries.csv");
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.lines().next(), Some(columns().join(",").as_str()));

    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (time, app, kind, name, arrivals) = (
        col("time_s"),
        col("app"),
        col("kind"),
        col("name"),
        col("arrivals"),
    );
    let mut traffic = BTreeSet::new();
    let mut process = BTreeSet::new();
    let mut arrivals_sum = 0u64;
    let mut last_time = 0u64;
    for rec in reader.records() {
        let rec = rec.unwrap();
        assert_eq!(rec.len(), header.len(), "every row has every column");
        let t: u64 = rec[time].parse().unwrap();
        assert!(t >= last_time, "rows are in time order");
        last_time = t;
        let key = (t, rec[app].to_string(), rec[name].to_string());
        let fresh = match &rec[kind] {
            "traffic" => {
                arrivals_sum += rec[arrivals].parse::<u64>().unwrap();
                traffic.insert(key)
            }
            "process" => process.insert(key),
            other => panic!("unknown kind {other:?}"),
        };
        assert!(fresh, "one row per (second, app, name, kind): {rec:?}");
    }
    let expect = |pairs: &[(&str, &str)]| -> BTreeSet<(u64, String, String)> {
        (0..MIXED_SECONDS)
            .flat_map(|t| {
                pairs
                    .iter()
                    .map(move |(a, n)| (t, a.to_string(), n.to_string()))
            })
            .collect()
    };
    assert_eq!(traffic, expect(&MIXED_CLASSES), "traffic rows");
    assert_eq!(process, expect(&MIXED_PROCESSES), "process rows");
    assert_eq!(
        arrivals_sum,
        u64_at(&s, "/requests/total") + u64_at(&s, "/requests/warmup"),
        "every arrival, warm-up included, is in the series"
    );
}

#[test]
fn hgrm_files_cover_the_run_each_app_and_class() {
    let run = run_ok(&fixture("mixed.toml"), &["--quiet"]);
    let s = run.summary();
    let mut want: Vec<(String, u64)> = vec![("latency.hgrm".into(), u64_at(&s, "/requests/ok"))];
    for app in ["admin", "api"] {
        want.push((
            format!("latency.{app}.hgrm"),
            u64_at(&s, &format!("/apps/{app}/requests/ok")),
        ));
    }
    for (app, class) in MIXED_CLASSES {
        want.push((
            format!("latency.{app}.{class}.hgrm"),
            u64_at(&s, &format!("/apps/{app}/traffic/{class}/requests/ok")),
        ));
    }
    let mut files: BTreeSet<String> = want.iter().map(|(f, _)| f.clone()).collect();
    files.extend(set(&["summary.json", "timeseries.csv"]));
    let mut drawn = files.clone();
    drawn.extend(set(&["timeline.png", "latency.png"]));
    assert_eq!(
        listing(&run.out),
        drawn,
        "exactly these files and the two plots, no temporaries"
    );
    let bare = run_ok(&fixture("mixed.toml"), &["--quiet", "--no-plots"]);
    assert_eq!(listing(&bare.out), files, "--no-plots draws nothing");

    for (file, ok) in want {
        assert!(ok > 0, "{file}: the fixture answers requests");
        let text = String::from_utf8(run.file(&file)).unwrap();
        let rows = parse_percentile_distribution(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        let &(_, percentile, count) = rows.last().unwrap_or_else(|| panic!("{file}: no rows"));
        assert_eq!(percentile, 1.0, "{file}: the last row is at 100%");
        assert_eq!(count, ok, "{file}: final total count = requests.ok");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Determinism and the default output directory.
// ---------------------------------------------------------------------------------------------

#[test]
fn same_scenario_same_seed_gives_identical_files() {
    let scenario = fixture("mixed.toml");
    let a = run_ok(&scenario, &["--quiet"]);
    let b = run_ok(&scenario, &["--quiet"]);
    let names = listing(&a.out);
    assert_eq!(names, listing(&b.out));
    assert_eq!(names.iter().filter(|n| n.ends_with(".hgrm")).count(), 6);
    for name in &names {
        assert!(a.file(name) == b.file(name), "{name} differs between runs");
    }

    let c = run_ok(&scenario, &["--quiet", "--seed", "2"]);
    let without_provenance = |run: &Run| {
        let mut s = run.summary();
        s.as_object_mut().unwrap().remove("provenance");
        s
    };
    assert_ne!(
        without_provenance(&a),
        without_provenance(&c),
        "--seed 2 changes the results, not only provenance.seed"
    );
    assert!(a.file("timeseries.csv") != c.file("timeseries.csv"));
}

#[test]
fn default_out_is_results_stem_under_the_current_dir() {
    let scenario = fixture("mixed.toml");
    let dir = tempfile::tempdir().unwrap();
    let output = spacesim()
        .current_dir(dir.path())
        .arg("run")
        .arg(&scenario)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("results in results/mixed/"));
    assert_eq!(listing(dir.path()), set(&["results"]));
    assert_eq!(listing(&dir.path().join("results")), set(&["mixed"]));
    let default_out = dir.path().join("results/mixed");
    let explicit = run_ok(&scenario, &["--quiet"]);
    for name in listing(&explicit.out) {
        assert!(
            fs::read(default_out.join(&name)).unwrap() == explicit.file(&name),
            "{name}: the default --out holds the same results"
        );
    }
    assert!(
        !listing(&fixture("")).contains("results"),
        "nothing is written beside the scenario"
    );
}

// ---------------------------------------------------------------------------------------------
// 4. What a run prints, and capacity warnings.
// ---------------------------------------------------------------------------------------------

use spacesim::report::print::thousands;

#[test]
fn quiet_prints_nothing_on_stdout() {
    let run = run_ok(&fixture("mixed.toml"), &["--quiet"]);
    assert_eq!(run.stdout, "");
    assert_eq!(run.stderr, "");
    assert!(
        run.out.join("summary.json").is_file(),
        "--quiet still writes results"
    );
}

#[test]
fn without_quiet_stdout_shows_counts_p99_availability_and_events() {
    let run = run_ok(&fixture("mixed.toml"), &[]);
    let s = run.summary();
    let out = &run.stdout;
    for key in ["total", "ok", "failed", "in_flight"] {
        let label = key.replace('_', " ");
        let n = thousands(u64_at(&s, &format!("/requests/{key}")));
        assert!(
            out.contains(&format!("{label} {n}")),
            "{label} {n} in:\n{out}"
        );
    }
    let p99 = s["latency_ms"]["p99"].as_f64().unwrap();
    assert!(out.contains(&format!("p99 {p99:.1}")), "p99 in:\n{out}");
    assert!(
        out.contains("availability 100.000%"),
        "availability in:\n{out}"
    );
    let events = thousands(u64_at(&s, "/events"));
    assert!(
        out.contains(&format!("{events} events")),
        "events in:\n{out}"
    );
    assert_eq!(run.stderr, "");
}

#[test]
fn unbounded_overload_warns_and_fails_with_h11() {
    let run = run_ok(&fixture("unbounded.toml"), &["--quiet"]);
    assert!(
        run.stderr.starts_with("warning: app \"api\""),
        "stderr: {}",
        run.stderr
    );
    assert!(run.stderr.contains("max_in_flight") && run.stderr.contains("H11"));
    assert_eq!(run.stdout, "");
    let s = run.summary();
    assert!(
        u64_at(&s, "/errors/H11") > 0,
        "H11 counted: {}",
        s["errors"]
    );
    assert!(u64_at(&s, "/peak_in_flight") <= 100, "the limit holds");
    assert_eq!(u64_at(&s, "/errors/H21"), 0);
}

#[test]
fn bounded_overload_fails_with_h21_and_h12_without_warning() {
    let run = run_ok(&fixture("bounded.toml"), &["--quiet"]);
    assert_eq!(run.stderr, "", "no capacity warning for a bounded queue");
    let s = run.summary();
    assert!(u64_at(&s, "/errors/H21") > 0, "{}", s["errors"]);
    assert!(u64_at(&s, "/errors/H12") > 0, "{}", s["errors"]);
    assert_eq!(u64_at(&s, "/errors/H11"), 0);
}

// ---------------------------------------------------------------------------------------------
// 5. Every example scenario runs.
// ---------------------------------------------------------------------------------------------

#[test]
fn every_example_scenario_runs() {
    let dir = repo_path("scenarios");
    let scenarios: Vec<PathBuf> = listing(&dir)
        .into_iter()
        .filter(|n| n.ends_with(".toml"))
        .map(|n| dir.join(n))
        .collect();
    assert!(
        scenarios.iter().any(|p| p.ends_with("quickstart.toml")),
        "{scenarios:?}"
    );
    for scenario in scenarios {
        let run = run_ok(&scenario, &["--quiet"]);
        let total = u64_at(&run.summary(), "/requests/total");
        assert!(total > 0, "{}: no requests", scenario.display());
    }
}

// ---------------------------------------------------------------------------------------------
// 6. The committed schema of summary.json.
// ---------------------------------------------------------------------------------------------

pub(crate) fn schema_validator() -> jsonschema::Validator {
    let schema = read_json(&repo_path("schema/summary.schema.json"));
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    jsonschema::meta::validate(&schema).expect("a valid draft 2020-12 schema");
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

pub(crate) fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Every operation, a `new` app, add-on, job, client retries and a partly priced formation: the
/// summary sections operations add, with their nulls (a deploy still running at the end, a
/// release that fails, non-deploy-like operations, an app with no "before" latency).
const OPS: &str = r#"name = "ops"
duration = "10m"

[prices]
"private-m" = 0.69

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 4
boot = "5s"

[[apps.processes]]
type = "worker"
count = 2
boot = "5s"

[[apps.addons]]
name = "DATABASE"
kind = "postgres"
plan = "private-0"

[[apps.jobs]]
name = "email"
process = "worker"
service = "500ms"

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "20/s" }
service = { dist = "exponential", mean = "50ms" }
client = { retries = 1, backoff = "1s" }
addons = [{ addon = "DATABASE", hold = "50%" }]
enqueue = { job = "email", per_request = 0.2 }

[[apps]]
name = "fresh"
new = true

[[apps.processes]]
type = "web"
count = 2
boot = "5s"

[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "5/s" }
service = "20ms"

[[timeline]]
at = "1m"
action = "deploy"
app = "api"
release_phase = "10s"

[[timeline]]
at = "1m"
action = "deploy"
app = "fresh"

[[timeline]]
at = "2m"
action = "config_change"
app = "api"
release_phase = "5s"
release_fails = true

[[timeline]]
at = "3m"
action = "scale"
app = "api"
process = "web"
count = 5

[[timeline]]
at = "4m"
action = "change_type"
app = "api"
process = "worker"
to = "private-l"

[[timeline]]
at = "5m"
action = "restart"
app = "api"
process = "web"
dyno = 2

[[timeline]]
at = "6m"
action = "traffic"
app = "api"
class = "default"
rate = "60/s"
duration = "30s"

[[timeline]]
at = "7m"
action = "failover"
app = "api"
addon = "DATABASE"
duration = "5s"

[[timeline]]
at = "7m30s"
action = "maintenance"
app = "api"
addon = "DATABASE"
duration = "5s"

[[timeline]]
at = "9m55s"
action = "deploy"
app = "api"
name = "late-deploy"
"#;

/// Runs `OPS` in a fresh directory and returns its summary.
fn ops_summary() -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ops.toml");
    fs::write(&path, OPS).unwrap();
    run_ok(&path, &["--quiet"]).summary()
}

#[test]
fn summaries_match_the_committed_schema() {
    let validator = schema_validator();
    // Numbers everywhere, failures by several codes, and nulls (a class with no traffic).
    let dir = tempfile::tempdir().unwrap();
    let idle = dir.path().join("idle.toml");
    fs::write(
        &idle,
        edit(r#"rate = "10/s""#, r#"rate = "0/s""#).replace("\"1m\"", "\"5s\""),
    )
    .unwrap();
    for scenario in [fixture("mixed.toml"), fixture("bounded.toml"), idle] {
        let run = run_ok(&scenario, &["--quiet"]);
        let s = run.summary();
        let errors = schema_errors(&validator, &s);
        assert!(errors.is_empty(), "{}: {errors:#?}", scenario.display());
        if scenario.ends_with("idle.toml") {
            assert!(s["latency_ms"]["p99"].is_null() && s["availability"].is_null());
        }
    }

    let s = ops_summary();
    let errors = schema_errors(&validator, &s);
    assert!(errors.is_empty(), "ops: {errors:#?}");
    // The summary exercises what the schema describes, nulls included.
    let ops = s["operations"].as_object().unwrap();
    assert_eq!(ops.len(), 10);
    let actions: BTreeSet<&str> = ops
        .values()
        .map(|o| o["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        BTreeSet::from([
            "deploy",
            "config_change",
            "scale",
            "change_type",
            "restart",
            "traffic",
            "failover",
            "maintenance"
        ])
    );
    assert!(ops["late-deploy"]["end_s"].is_null());
    assert!(ops["late-deploy"]["batches"][0]["up_s"].is_null());
    assert!(ops["config_change-1"]["aborted"].is_string());
    assert!(ops["scale-1"]["zero_downtime"].is_null());
    assert!(ops["deploy-2"]["latency_ms"]["before"]["p99"].is_null());
    assert_eq!(ops["change_type-1"]["zero_downtime"]["predicted"], false);
    assert!(u64_at(&s, "/requests/retries") > 0);
    assert!(u64_at(&s, "/apps/api/jobs/email/done") > 0);
    assert_eq!(s["cost"]["unpriced"], serde_json::json!(["private-l"]));
}

#[test]
fn schema_rejects_extra_missing_and_mistyped_keys() {
    let validator = schema_validator();
    let run = run_ok(&fixture("mixed.toml"), &["--quiet"]);
    let good = run.summary();
    assert!(validator.is_valid(&good));

    type Mutation = fn(&mut Value);
    let cases: [(&str, Mutation); 8] = [
        ("extra top-level key", |s| {
            s["extra"] = 1.into();
        }),
        ("extra key in a class", |s| {
            s["apps"]["api"]["traffic"]["browse"]["extra"] = 1.into();
        }),
        ("extra error code", |s| {
            s["apps"]["admin"]["errors"]["H98"] = 0.into();
        }),
        ("missing top-level key", |s| {
            s.as_object_mut().unwrap().remove("events");
        }),
        ("missing count in an app", |s| {
            s["apps"]["api"]["requests"]
                .as_object_mut()
                .unwrap()
                .remove("warmup");
        }),
        ("missing error code in a class", |s| {
            s["apps"]["admin"]["traffic"]["reports"]["errors"]
                .as_object_mut()
                .unwrap()
                .remove("H12");
        }),
        ("count as a string", |s| {
            s["requests"]["total"] = "10".into();
        }),
        ("app name with a dot", |s| {
            let app = s["apps"]["api"].clone();
            s["apps"]["api.v2"] = app;
        }),
    ];
    for (what, mutate) in cases {
        let mut doc = good.clone();
        mutate(&mut doc);
        assert!(!validator.is_valid(&doc), "{what}: must fail validation");
    }

    let good = ops_summary();
    assert!(validator.is_valid(&good));
    let cases: [(&str, Mutation); 12] = [
        ("missing retries", |s| {
            s["requests"].as_object_mut().unwrap().remove("retries");
        }),
        ("missing application failure code", |s| {
            s["apps"]["api"]["errors"]
                .as_object_mut()
                .unwrap()
                .remove("pool_timeout");
        }),
        ("extra key in a job", |s| {
            s["apps"]["api"]["jobs"]["email"]["extra"] = 1.into();
        }),
        ("missing autoscale", |s| {
            s["apps"]["api"]
                .as_object_mut()
                .unwrap()
                .remove("autoscale");
        }),
        ("extra key in an operation", |s| {
            s["operations"]["deploy-1"]["extra"] = 1.into();
        }),
        ("missing key in an operation", |s| {
            s["operations"]["deploy-1"]
                .as_object_mut()
                .unwrap()
                .remove("min_capacity_slots");
        }),
        ("unknown action", |s| {
            s["operations"]["deploy-1"]["action"] = "redeploy".into();
        }),
        ("unknown zero-downtime condition", |s| {
            s["operations"]["deploy-1"]["zero_downtime"]["conditions"][0]["name"] = "luck".into();
        }),
        ("batch count as a string", |s| {
            s["operations"]["deploy-1"]["batches"][0]["dynos"] = "1".into();
        }),
        ("missing disagreements", |s| {
            s["zero_downtime"]
                .as_object_mut()
                .unwrap()
                .remove("disagreements");
        }),
        ("unknown dyno type in dyno_hours", |s| {
            s["dyno_hours"]["private-xxl"] = 1.0.into();
        }),
        ("cost as a number", |s| {
            s["cost"] = 0.75.into();
        }),
    ];
    for (what, mutate) in cases {
        let mut doc = good.clone();
        mutate(&mut doc);
        assert!(!validator.is_valid(&doc), "{what}: must fail validation");
    }
}
