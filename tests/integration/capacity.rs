//! `spacesim capacity` from the outside: answers checked against queueing theory, exit codes
//! and messages, and the determinism of the probe table.
//!
//! The fixtures (tests/fixtures/capacity/) are queues with closed forms: an M/M/1 (largest rate
//! with mean latency under 500 ms: 8/s) and 34/s on single-slot dynos (smallest dyno count, and
//! smallest concurrency of one dyno by Erlang C). Each search takes about a second with
//! `cargo test --release`; seeds are fixed, and the M/M/1 answer was within 1% of 8/s, with 8/s
//! inside the interval, for each of seeds 1 to 30.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/capacity")
        .join(name)
}

/// A finished `spacesim capacity` in its own temporary working directory.
struct Search {
    dir: TempDir,
    code: i32,
    stdout: String,
    stderr: String,
}

impl Search {
    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn json(&self) -> Value {
        let text = fs::read_to_string(self.out().join("capacity.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn csv(&self) -> Vec<u8> {
        fs::read(self.out().join("capacity.csv")).unwrap()
    }

    /// The probe table as (value, meets) pairs.
    fn probes(&self) -> Vec<(f64, bool)> {
        let bytes = self.csv();
        let mut r = csv::Reader::from_reader(&bytes[..]);
        r.records()
            .map(|row| {
                let row = row.unwrap();
                (row[2].parse().unwrap(), &row[4] == "true")
            })
            .collect()
    }
}

/// Runs `spacesim capacity SCENARIO --out out ARGS…` in a fresh directory.
fn capacity(scenario: &Path, args: &[&str]) -> Search {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("spacesim")
        .unwrap()
        .current_dir(dir.path())
        .arg("capacity")
        .arg(scenario)
        .args(["--out", "out"])
        .args(args)
        .output()
        .unwrap();
    Search {
        dir,
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn assert_code(s: &Search, code: i32) {
    assert_eq!(s.code, code, "stdout:\n{}\nstderr:\n{}", s.stdout, s.stderr);
}

/// W = 1 / (mu - lambda) < 500 ms with mu = 10/s: lambda* = 8/s.
#[test]
fn mm1_finds_the_analytic_rate_within_its_interval() {
    let s = capacity(&fixture("mm1.toml"), &["--slo", "latency_ms.mean<500ms"]);
    assert_code(&s, 0);
    let j = s.json();
    assert_eq!(j["outcome"], "found");
    assert_eq!(j["parameter"], "apps.api.traffic.default.arrival.rate");
    let answer = j["answer"].as_f64().unwrap();
    assert!(
        (answer - 8.0).abs() / 8.0 < 0.02,
        "answer {answer}/s, expected 8/s ± 2%"
    );
    let (low, high) = (
        j["interval"]["low"].as_f64().unwrap(),
        j["interval"]["high"].as_f64().unwrap(),
    );
    assert!(low <= 8.0 && 8.0 <= high, "8/s is not in {low} .. {high}");
    assert!(low <= answer && answer <= high);
    // The printed answer says the same.
    let line = format!(
        "capacity: {} meets latency_ms.mean < 500ms (95% confidence interval of the boundary: \
         {low}/s .. {high}/s)",
        j["answer_text"].as_str().unwrap(),
    );
    assert!(s.stdout.contains(&line), "{}", s.stdout);
    // The table: one row per probe, from the scenario's 6/s, brackets before bisection.
    let probes = s.probes();
    assert_eq!(probes.len() as u64, j["probes"].as_u64().unwrap());
    assert_eq!(probes[0], (6.0, true));
    assert_eq!(probes[1], (12.0, false));
    let header = String::from_utf8(s.csv()).unwrap();
    assert!(
        header.starts_with(
            "probe,stage,apps.api.traffic.default.arrival.rate_per_s,replications,meets,\
             confident,latency_ms.mean.mean,latency_ms.mean.ci_low,latency_ms.mean.ci_high,\
             latency_ms.mean.bound\n1,bracket,6,5,true,pass,"
        ),
        "{header}"
    );
}

/// Random routing splits 34/s into c M/M/1 queues: W = 1 / (10 - 34/c) is 666.7 ms for c = 4
/// and 312.5 ms for c = 5.
#[test]
fn minimize_finds_the_smallest_dyno_count() {
    let s = capacity(
        &fixture("mmc.toml"),
        &[
            "--slo",
            "latency_ms.mean<500ms",
            "--minimize",
            "apps.api.processes.web.count",
        ],
    );
    assert_code(&s, 0);
    let j = s.json();
    assert_eq!(
        (j["answer"].as_f64(), j["miss"].as_f64()),
        (Some(5.0), Some(4.0))
    );
    assert_eq!(j["confident_pass"].as_f64(), Some(5.0));
    let probes = s.probes();
    assert!(
        probes.contains(&(4.0, false)) && probes.contains(&(5.0, true)),
        "{probes:?}"
    );
    assert!(
        s.stdout
            .contains("capacity: 5 meets latency_ms.mean < 500ms"),
        "{}",
        s.stdout
    );
}

/// One dyno serving c requests from one backlog is M/M/c: by Erlang C with a = 3.4 the mean
/// latency is 214.9 ms for c = 4 and 121.7 ms for c = 5.
#[test]
fn minimize_matches_erlang_c() {
    let s = capacity(
        &fixture("mmc.toml"),
        &[
            "--slo",
            "latency_ms.mean<150ms",
            "--set",
            "apps.api.processes.web.count=1",
            "--minimize",
            "apps.api.processes.web.concurrency",
        ],
    );
    assert_code(&s, 0);
    let j = s.json();
    assert_eq!(
        (j["answer"].as_f64(), j["miss"].as_f64()),
        (Some(5.0), Some(4.0))
    );
    assert_eq!(j["overrides"][0], "apps.api.processes.web.count=1");
    // Probe 5's mean latency is near Erlang C's 121.7 ms.
    let bytes = s.csv();
    let mut r = csv::Reader::from_reader(&bytes[..]);
    let at_5 = r
        .records()
        .map(Result::unwrap)
        .find(|row| &row[2] == "5")
        .unwrap();
    let mean: f64 = at_5[6].parse().unwrap();
    assert!(
        (mean - 121.7).abs() < 5.0,
        "mean latency at c = 5: {mean} ms"
    );
}

#[test]
fn no_rate_meets_exits_1() {
    // Service alone takes 100 ms on average.
    let s = capacity(
        &fixture("mm1.toml"),
        &["--slo", "latency_ms.mean<50ms", "--replications", "2"],
    );
    assert_code(&s, 1);
    assert!(
        s.stdout
            .contains("capacity: no rate meets latency_ms.mean < 50ms"),
        "{}",
        s.stdout
    );
    assert_eq!(s.json()["outcome"], "none_meets");
    // Halved ten times from 6/s, all failing.
    let probes = s.probes();
    assert_eq!(probes.len(), 11);
    assert!(probes.iter().all(|&(_, meets)| !meets));
}

#[test]
fn bad_input_exits_2_with_a_message_naming_it() {
    let cases: &[(&[&str], &str)] = &[
        (&["--slo", "latency_ms.p99"], "is not an assertion"),
        (&["--slo", "latency_ms.p99==300ms"], "use < <= >= or >"),
        (&["--slo", "error_rate<300ms"], "error_rate"),
        (
            &["--slo", "latency_ms.p98<1s"],
            "unknown metric `latency_ms.p98`",
        ),
        (
            &[
                "--slo",
                "latency_ms.p99<1s",
                "--vary",
                "apps.api.traffic.dflt.arrival.rate",
            ],
            "no element named `dflt`",
        ),
        (
            &[
                "--slo",
                "latency_ms.p99<1s",
                "--vary",
                "apps.api.processes.web.count",
            ],
            "not a rate",
        ),
        (
            &[
                "--slo",
                "latency_ms.p99<1s",
                "--minimize",
                "apps.api.processes.web.cont",
            ],
            "no `cont`",
        ),
        (
            &["--slo", "latency_ms.p99<1s", "--replications", "1"],
            "at least 2",
        ),
        (
            &["--slo", "latency_ms.p99<1s", "--precision", "0"],
            "--precision",
        ),
        (
            &[
                "--slo",
                "latency_ms.p99<1s",
                "--set",
                "apps.api.processes.web.count=x",
            ],
            "count",
        ),
        (&[], "--slo"),
    ];
    for (args, message) in cases {
        let s = capacity(
            &fixture("mm1.toml"),
            &[&["--max-probes", "2"], *args].concat(),
        );
        assert_code(&s, 2);
        assert!(
            s.stderr.contains(message),
            "{args:?}: expected \"{message}\" in {}",
            s.stderr
        );
        assert!(!s.out().join("capacity.csv").exists(), "{args:?}");
    }
    let s = capacity(
        &fixture("no-such-file.toml"),
        &["--slo", "latency_ms.p99<1s"],
    );
    assert_code(&s, 2);
    assert!(s.stderr.contains("no-such-file.toml"), "{}", s.stderr);
}

#[test]
fn a_budget_too_small_to_bracket_exits_2_and_keeps_the_table() {
    let s = capacity(
        &fixture("mm1.toml"),
        &[
            "--slo",
            "latency_ms.mean<500ms",
            "--max-probes",
            "1",
            "--set",
            "duration=20m",
        ],
    );
    assert_code(&s, 2);
    assert!(s.stderr.contains("raise --max-probes"), "{}", s.stderr);
    assert_eq!(s.probes(), [(6.0, true)]);
    assert_eq!(s.json()["outcome"], "out_of_probes");
}

/// Replications run in parallel; the search and its files must not depend on it.
#[test]
fn jobs_1_and_2_write_identical_files() {
    let args = |jobs| {
        vec![
            "--slo",
            "latency_ms.mean<500ms",
            "--slo",
            "latency_ms.p99<3s",
            "--set",
            "duration=30m",
            "--jobs",
            jobs,
        ]
    };
    let one = capacity(&fixture("mm1.toml"), &args("1"));
    let two = capacity(&fixture("mm1.toml"), &args("2"));
    assert_code(&one, 0);
    assert_code(&two, 0);
    assert!(one.probes().len() > 5);
    assert_eq!(one.csv(), two.csv());
    assert_eq!(
        fs::read(one.out().join("capacity.json")).unwrap(),
        fs::read(two.out().join("capacity.json")).unwrap()
    );
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn results_go_to_results_stem_capacity_by_default() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("spacesim")
        .unwrap()
        .current_dir(dir.path())
        .arg("capacity")
        .arg(fixture("mm1.toml"))
        .args([
            "--slo",
            "latency_ms.mean<500ms",
            "--set",
            "duration=10m",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "--quiet prints the answer only: {stdout}"
    );
    let results = dir.path().join("results/mm1-capacity");
    let mut names: Vec<String> = fs::read_dir(&results)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["capacity.csv", "capacity.json"]);
}

/// Ctrl-C stops the search after the probe in progress; the table of finished probes stays.
#[test]
fn an_interrupted_search_keeps_its_table_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("spacesim"))
        .arg("capacity")
        .arg(fixture("mm1.toml"))
        .args([
            "--slo",
            "latency_ms.mean<500ms",
            "--set",
            "duration=6h",
            "-q",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    while !out.join("capacity.csv").exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the search ended before the interrupt"
        );
        assert!(start.elapsed().as_secs() < 60, "no probe in 60 s");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let ok = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -INT failed");
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("interrupted: the probes finished are in"),
        "{stderr}"
    );
    let table = fs::read_to_string(out.join("capacity.csv")).unwrap();
    let rows = table.lines().count() - 1;
    assert!((1..8).contains(&rows), "{rows} probes kept:\n{table}");
    assert!(
        !out.join("capacity.json").exists(),
        "no answer from a partial search"
    );
}
