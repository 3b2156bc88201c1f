//! `spacesim check`: assertions, exit codes, JUnit, JSON, baselines, replications.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

const BASE: &str = r#"
name = "NAME"
seed = 3
duration = "5m"
[[apps]]
name = "api"
[[apps.processes]]
type = "web"
count = 2
concurrency = 4
[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "20/s" }
service = { dist = "exponential", mean = "100ms" }
"#;

fn write(dir: &Path, name: &str, expect: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    fs::write(&path, format!("{}{expect}", BASE.replace("NAME", name))).unwrap();
    path
}

fn expect(metric: &str, op: &str, value: &str) -> String {
    format!("\n[[expect]]\nmetric = \"{metric}\"\nop = \"{op}\"\nvalue = {value}\n")
}

fn check(args: &[&Path], extra: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("spacesim")
        .unwrap()
        .arg("check")
        .args(args)
        .args(extra)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn passing_assertions_exit_0_and_print_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "ok",
        &(expect("latency_ms.p99", "<", "\"5s\"") + &expect("errors.H12", "==", "0")),
    );
    let (code, out, _) = check(&[&f], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("latency_ms.p99 < 5s"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("ok ") && l.ends_with("pass")),
        "{out}"
    );
    assert!(out.ends_with("check: 2 passed, 0 failed\n"), "{out}");
}

#[test]
fn a_failing_assertion_exits_1_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "slow",
        &expect("latency_ms.p99", "<", "\"10ms\""),
    );
    let (code, out, _) = check(&[&f], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FAIL"), "{out}");
    assert!(out.contains("is not < 10 ms"), "{out}");
    assert!(out.contains("check: 0 passed, 1 failed"), "{out}");
}

#[test]
fn an_unknown_metric_is_an_error_never_a_pass_and_2_wins_over_1() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad", &expect("latency_ms.p98", "<", "\"1s\""));
    let slow = write(
        dir.path(),
        "slow",
        &expect("latency_ms.p99", "<", "\"1ms\""),
    );
    let (code, out, _) = check(&[&bad, &slow], &[]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("unknown metric `latency_ms.p98`"), "{out}");
    assert!(out.contains("check: 1 errors: invalid input"), "{out}");
    // An invalid scenario file is an error too, and so is a path that does not exist.
    let broken = dir.path().join("broken.toml");
    fs::write(&broken, "duration = 5").unwrap();
    assert_eq!(check(&[&broken], &[]).0, 2);
    let (code, _, err) = check(&[&dir.path().join("nope")], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no such file or folder"), "{err}");
}

#[test]
fn scenarios_without_assertions_must_run_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", "");
    write(dir.path(), "b", "");
    let (code, out, _) = check(&[dir.path()], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("runs cleanly"), "{out}");
    assert!(out.contains("check: 2 passed, 0 failed"), "{out}");
}

#[test]
fn junit_and_json_describe_every_assertion() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(
        dir.path(),
        "mixed",
        &(expect("latency_ms.p99", "<", "\"5s\"") + &expect("requests.ok", ">", "1000000")),
    );
    let junit = dir.path().join("out/junit.xml");
    let json = dir.path().join("out/check.json");
    let (code, _, _) = check(
        &[&f],
        &[
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_eq!(code, 1);
    // Parse the XML: one testcase per assertion, one failure, `<` escaped in names.
    let xml = fs::read_to_string(&junit).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut cases, mut failures, mut names) = (0, 0, Vec::new());
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    "testcase" => {
                        cases += 1;
                        let name = e.try_get_attribute("name").unwrap().unwrap();
                        names.push(
                            name.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .unwrap()
                                .to_string(),
                        );
                    }
                    "failure" => failures += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    assert_eq!((cases, failures), (2, 1), "{xml}");
    assert!(
        names.contains(&"latency_ms.p99 < 5s".to_string()),
        "{names:?}"
    );
    let v: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(v["summary"]["passed"], 1);
    assert_eq!(v["summary"]["failed"], 1);
    assert_eq!(v["summary"]["exit_code"], 1);
}

#[test]
fn baselines_catch_regressions_beyond_the_tolerance() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "svc", "");
    let baseline = dir.path().join("baseline.json");
    let b = baseline.to_str().unwrap();
    // A baseline that does not exist is an input error, unless it is being written.
    assert_eq!(check(&[&f], &["--baseline", b]).0, 2);
    assert_eq!(check(&[&f], &["--baseline", b, "--update-baseline"]).0, 0);
    let (code, out, _) = check(&[&f], &["--baseline", b]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("metrics within tolerance"), "{out}");

    // Service 10% slower: latency regresses past 5% (backlog waits more than double) but not
    // past 150%.
    let original = fs::read_to_string(&f).unwrap();
    fs::write(
        &f,
        original.replace("concurrency = 4", "concurrency = 4\nspeed = 0.9"),
    )
    .unwrap();
    let (code, out, _) = check(&[&f], &["--baseline", b]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("latency_ms.p99 <= baseline + 5%"), "{out}");
    assert!(out.contains("regressed from"), "{out}");
    let (code, out, _) = check(&[&f], &["--baseline", b, "--tolerance", "150%"]);
    assert_eq!(code, 0, "{out}");
    // A per-metric override in the file does the same for the metrics it names.
    let mut v: Value = serde_json::from_str(&fs::read_to_string(&baseline).unwrap()).unwrap();
    v["tolerances"] = serde_json::json!({"latency_ms": 1.5});
    for suffix in ["p50", "p90", "p99", "p999", "max", "mean"] {
        v["tolerances"][suffix] = serde_json::json!(1.5);
    }
    fs::write(&baseline, serde_json::to_string(&v).unwrap()).unwrap();
    let (code, out, _) = check(&[&f], &["--baseline", b]);
    assert_eq!(code, 0, "{out}");
    // Half the slots: far past any of those.
    fs::write(&f, original.replace("concurrency = 4", "concurrency = 2")).unwrap();
    let (code, out, _) = check(&[&f], &["--baseline", b]);
    assert_eq!(code, 1, "{out}");
}

#[test]
fn confidence_bounds_use_the_replications() {
    let dir = tempfile::tempdir().unwrap();
    // First find the mean p99 over five replications, then assert a bound just above it: the
    // mean passes, the upper 95% confidence limit does not.
    let probe = write(dir.path(), "probe", &expect("latency_ms.p99", ">", "0"));
    let json = dir.path().join("probe.json");
    check(
        &[&probe],
        &["--replications", "5", "--json", json.to_str().unwrap()],
    );
    let v: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let observed = v["scenarios"][0]["results"][0]["observed"]
        .as_str()
        .unwrap()
        .to_string();
    let mean: f64 = observed.split(' ').next().unwrap().parse().unwrap();
    let bound = format!("\"{}ms\"", (mean * 1.001).round() as u64 + 1);
    let point = write(dir.path(), "point", &expect("latency_ms.p99", "<", &bound));
    assert_eq!(
        check(&[&point], &["--replications", "5"]).0,
        0,
        "mean {mean} < {bound}"
    );
    let conf = write(
        dir.path(),
        "conf",
        &format!(
            "{}confidence = 0.95\n",
            expect("latency_ms.p99", "<", &bound)
        ),
    );
    let (code, out, _) = check(&[&conf], &["--replications", "5"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("95% CI"), "{out}");
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for n in ["a", "b", "c", "d"] {
        write(dir.path(), n, &expect("latency_ms.p99", "<", "\"2s\""));
    }
    let run = |jobs: &str| {
        let json = dir.path().join(format!("j{jobs}.json"));
        check(
            &[dir.path()],
            &[
                "--jobs",
                jobs,
                "--replications",
                "2",
                "--json",
                json.to_str().unwrap(),
            ],
        );
        fs::read_to_string(json).unwrap()
    };
    assert_eq!(run("1"), run("3"));
}

#[test]
fn bad_check_inputs_exit_2_and_name_the_problem() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "svc", "");
    // A baseline that is not JSON, or of another format version.
    let baseline = dir.path().join("baseline.json");
    fs::write(&baseline, "{ not json").unwrap();
    let (code, _, err) = check(&[&f], &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("baseline.json") && err.contains("not a spacesim baseline file"),
        "{err}"
    );
    fs::write(&baseline, r#"{"spacesim_baseline": 7}"#).unwrap();
    let (code, _, err) = check(&[&f], &["--baseline", baseline.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("baseline format 7"), "{err}");
    // A tolerance that is not a percentage or a fraction.
    let (code, _, err) = check(&[&f], &["--tolerance", "lots"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--tolerance") && err.contains("5% or 0.05"),
        "{err}"
    );
    // --update-baseline without a file to write.
    let (code, _, err) = check(&[&f], &["--update-baseline"]);
    assert_eq!(code, 2);
    assert!(err.contains("needs --baseline"), "{err}");
}

/// Bad `[[expect]]` values and `[speeds]` entries are scenario errors: file, line, key, and
/// what was expected; exit 2; nothing written.
#[test]
fn bad_expectations_and_speeds_are_scenario_errors() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            expect("latency_ms.p99", "<", "\"fast\""),
            "expect[0].value",
            "cannot read \"fast\" as a bound",
        ),
        (
            format!(
                "{}confidence = 1.5\n",
                expect("latency_ms.p99", "<", "\"1s\"")
            ),
            "expect[0].confidence",
            "between 0 and 1",
        ),
        (
            expect("zero_downtime.observed", "<", "true"),
            "expect[0].op",
            "a boolean bound takes == or !=",
        ),
        (
            "\n[speeds]\n\"private-q\" = 2.0\n".to_string(),
            "speeds.private-q",
            "unknown dyno type \"private-q\"",
        ),
        (
            "\n[speeds]\n\"private-l\" = 0\n".to_string(),
            "speeds.private-l",
            "a speed must be a number above 0",
        ),
    ];
    for (extra, key, words) in cases {
        let f = write(dir.path(), "bad", &extra);
        let out_dir = dir.path().join("out");
        let out = Command::cargo_bin("spacesim")
            .unwrap()
            .args([
                "run",
                f.to_str().unwrap(),
                "--out",
                out_dir.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("bad.toml:") && err.contains(&format!("`{key}`")) && err.contains(words),
            "{err}"
        );
        assert!(!out_dir.exists(), "nothing written for {key}");
    }
}
