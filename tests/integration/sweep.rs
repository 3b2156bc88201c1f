//! `spacesim sweep`, `merge` and `run --set` from the outside: byte-identical outputs whatever
//! the thread count or shards, resuming after an interrupt or a kill, the statistics in
//! `points.csv`, and refusals with exit code 2.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use super::support::signal;
use assert_cmd::Command;
use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use tempfile::TempDir;

const FILES: [&str; 4] = ["sweep.json", "journal.jsonl", "runs.csv", "points.csv"];

fn spacesim() -> Command {
    Command::cargo_bin("spacesim").expect("the spacesim binary is built for integration tests")
}

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sweep/tiny.toml")
}

/// Runs `spacesim sweep tiny.toml --out DIR ARGS...`; returns the exit code and stderr.
fn sweep(out: &Path, args: &[&str]) -> (i32, String) {
    let o = spacesim()
        .arg("sweep")
        .arg(tiny())
        .arg("--out")
        .arg(out)
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn assert_same_files(a: &Path, b: &Path, names: &[&str]) {
    for name in names {
        let x = fs::read(a.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", a.display()));
        let y = fs::read(b.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", b.display()));
        assert!(
            x == y,
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

fn csv_rows(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (head, rows)
}

fn column(head: &[String], name: &str) -> usize {
    head.iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn one_thread_and_two_threads_write_the_same_bytes() {
    let dir = TempDir::new().unwrap();
    let (a, b) = (dir.path().join("j1"), dir.path().join("j2"));
    assert_eq!(sweep(&a, &["--jobs", "1", "-q"]).0, 0);
    assert_eq!(sweep(&b, &["--jobs", "2", "-q"]).0, 0);
    assert_same_files(&a, &b, &FILES);
    let (head, rows) = csv_rows(&a.join("runs.csv"));
    assert_eq!(rows.len(), 12, "6 grid points × 2 replications");
    assert_eq!(
        &head[..6],
        [
            "run",
            "point",
            "replication",
            "seed",
            "router.policy",
            "apps.api.processes.web.count"
        ]
    );
    // The first axis in the file varies slowest.
    let params: Vec<(&str, &str)> = rows
        .iter()
        .step_by(2)
        .map(|r| (r[4].as_str(), r[5].as_str()))
        .collect();
    assert_eq!(params[0], ("random", "1"));
    assert_eq!(params[2], ("random", "3"));
    assert_eq!(params[3], ("least_connections", "1"));
}

#[test]
fn three_shards_merged_equal_the_unsharded_sweep() {
    let dir = TempDir::new().unwrap();
    let whole = dir.path().join("whole");
    assert_eq!(sweep(&whole, &["-q"]).0, 0);
    let mut shards = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard-{k}"));
        assert_eq!(sweep(&out, &["--shard", &format!("{k}/3"), "-q"]).0, 0);
        assert!(
            !out.join("points.csv").exists(),
            "a shard alone has no points.csv"
        );
        shards.push(out);
    }
    // Shard auto/N takes K from the cluster's variables.
    let auto = dir.path().join("auto");
    let o = spacesim()
        .arg("sweep")
        .arg(tiny())
        .args(["--shard", "auto/3", "-q", "--out"])
        .arg(&auto)
        .env("JOB_COMPLETION_INDEX", "1")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    assert!(o.status.success());
    assert_same_files(&auto, &shards[1], &["journal.jsonl", "runs.csv"]);

    let merged = dir.path().join("merged");
    spacesim()
        .arg("merge")
        .args(&shards)
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    assert_same_files(&whole, &merged, &FILES);

    // Missing a shard: refused, naming it.
    let o = spacesim()
        .arg("merge")
        .args(&shards[..2])
        .arg("--out")
        .arg(dir.path().join("partial"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("4 of 12 runs are missing") && err.contains("shard(s) 3/3"),
        "{err}"
    );

    // A shard of another sweep (another seed): refused.
    let other = dir.path().join("other");
    assert_eq!(
        sweep(&other, &["--shard", "3/3", "--set", "seed=12", "-q"]).0,
        0
    );
    let o = spacesim()
        .arg("merge")
        .args(&shards[..2])
        .arg(&other)
        .arg("--out")
        .arg(dir.path().join("mixed"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("different sweeps") && err.contains("--set overrides differ"),
        "{err}"
    );
}

/// Lines in the journal that are finished runs (a line a kill cut short does not count).
fn journal_runs(out: &Path) -> usize {
    fs::read_to_string(out.join("journal.jsonl"))
        .map(|t| {
            t.split_inclusive('\n')
                .filter(|l| l.ends_with('\n') && l.contains("\"run\":"))
                .count()
        })
        .unwrap_or(0)
}

/// Starts a longer sweep (24 runs of 2 h at 60/s) in the background.
fn start_long(out: &Path, resume: bool) -> Child {
    let mut cmd = std::process::Command::cargo_bin("spacesim").unwrap();
    cmd.arg("sweep")
        .arg(tiny())
        .args(["--set", "duration=2h", "--set", "sweep.replications=4"])
        .args(["--jobs", "2", "-q", "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if resume {
        cmd.arg("--resume");
    }
    cmd.spawn().unwrap()
}

fn wait_for_runs(out: &Path, n: usize, child: &mut Child) {
    let start = Instant::now();
    while journal_runs(out) < n {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before it was interrupted"
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no progress in 60 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn an_interrupted_or_killed_sweep_resumes_to_the_same_files() {
    let dir = TempDir::new().unwrap();
    let whole = dir.path().join("whole");
    let o = spacesim()
        .arg("sweep")
        .arg(tiny())
        .args([
            "--set",
            "duration=2h",
            "--set",
            "sweep.replications=4",
            "-q",
            "--out",
        ])
        .arg(&whole)
        .output()
        .unwrap();
    assert!(o.status.success());

    let out = dir.path().join("interrupted");
    // Ctrl-C: finished runs are kept, exit 130.
    let mut child = start_long(&out, false);
    wait_for_runs(&out, 2, &mut child);
    signal(&child, "-INT");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let kept = journal_runs(&out);
    assert!((2..24).contains(&kept), "{kept} runs kept");
    assert!(
        !out.join("runs.csv").exists(),
        "no table from a partial sweep"
    );

    // Resumed, then killed outright (no chance to clean up).
    let mut child = start_long(&out, true);
    wait_for_runs(&out, kept + 2, &mut child);
    signal(&child, "-KILL");
    child.wait().unwrap();
    let kept_after_kill = journal_runs(&out);
    assert!(
        kept_after_kill < 24,
        "the kill came too late to test anything"
    );

    // Resumed to the end: the same files as the uninterrupted sweep.
    let o = spacesim()
        .arg("sweep")
        .arg(tiny())
        .args(["--set", "duration=2h", "--set", "sweep.replications=4"])
        .args(["--resume", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let said = String::from_utf8_lossy(&o.stdout);
    assert!(
        said.contains(&format!("{} from the journal", kept_after_kill)),
        "{said}"
    );
    assert_same_files(&whole, &out, &FILES);

    // Resuming with different settings is refused.
    let o = spacesim()
        .arg("sweep")
        .arg(tiny())
        .args(["--resume", "-q", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("another sweep"));
}

#[test]
fn points_hold_the_mean_sd_and_student_t_interval_of_their_runs() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("s");
    assert_eq!(sweep(&out, &["-q"]).0, 0);
    let (rh, runs) = csv_rows(&out.join("runs.csv"));
    let (ph, points) = csv_rows(&out.join("points.csv"));
    assert_eq!(points.len(), 6);
    let metric = "latency_ms.p99";
    let v = column(&rh, metric);
    for (p, point) in points.iter().enumerate() {
        let xs: Vec<f64> = runs
            .iter()
            .filter(|r| r[1] == p.to_string())
            .map(|r| r[v].parse().unwrap())
            .collect();
        assert_eq!(xs.len(), 2);
        // By hand for n = 2: mean, sd = |a − b| / √2, half-width t(0.975, 1) · sd / √2 with
        // t = 12.7062047.
        let mean = (xs[0] + xs[1]) / 2.0;
        let sd = (xs[0] - xs[1]).abs() / 2f64.sqrt();
        let half = 12.706_204_736 * sd / 2f64.sqrt();
        let get = |s: &str| -> f64 {
            point[column(&ph, &format!("{metric}.{s}"))]
                .parse()
                .unwrap()
        };
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + b.abs());
        assert!(
            close(get("mean"), mean),
            "point {p}: {} vs {mean}",
            get("mean")
        );
        assert!(close(get("sd"), sd));
        assert!(close(get("ci95_low"), mean - half) && close(get("ci95_high"), mean + half));
        assert_eq!(point[column(&ph, "replications")], "2");
    }
    // One dyno queues at 60/s; three do not: the sweep shows it.
    let mean = |p: usize| -> f64 {
        points[p][column(&ph, "latency_ms.mean.mean")]
            .parse()
            .unwrap()
    };
    assert!(mean(0) > 2.0 * mean(2), "latency falls as dynos are added");
}

#[test]
fn replications_share_seeds_across_points_unless_independent() {
    let dir = TempDir::new().unwrap();
    let seeds = |out: &Path| -> Vec<String> {
        let (h, rows) = csv_rows(&out.join("runs.csv"));
        rows.iter().map(|r| r[column(&h, "seed")].clone()).collect()
    };
    let crn = dir.path().join("crn");
    assert_eq!(sweep(&crn, &["-q"]).0, 0);
    let s = seeds(&crn);
    assert_eq!(s[0], "11", "replication 0 uses the scenario's seed");
    assert!(s.chunks(2).all(|pair| pair == [s[0].clone(), s[1].clone()]));
    assert_ne!(s[0], s[1]);
    let ind = dir.path().join("ind");
    assert_eq!(sweep(&ind, &["-q", "--set", "sweep.independent=true"]).0, 0);
    let s = seeds(&ind);
    let distinct: std::collections::BTreeSet<&String> = s.iter().collect();
    assert_eq!(distinct.len(), 12, "every run has its own seed");
}

#[test]
fn set_overrides_values_by_name_and_says_so() {
    let dir = TempDir::new().unwrap();
    let out = dir.path().join("r");
    spacesim()
        .arg("run")
        .arg(tiny())
        .args(["--set", "apps.api.processes.web.count=5", "--set"])
        .arg("apps.api.traffic.default.arrival.rate=10/s")
        .args(["-q", "--out"])
        .arg(&out)
        .assert()
        .success();
    let summary: Value =
        serde_json::from_str(&fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    // 5 dynos for 2 minutes.
    let hours = summary["dyno_hours"]["private-m"].as_f64().unwrap();
    assert!((hours - 5.0 * 2.0 / 60.0).abs() < 1e-5, "{hours}");
    let total = summary["requests"]["total"].as_f64().unwrap();
    assert!(
        (total - 10.0 * 110.0).abs() < 150.0,
        "about 10/s after warm-up: {total}"
    );
    assert_eq!(
        summary["provenance"]["overrides"],
        serde_json::json!([
            "apps.api.processes.web.count=5",
            "apps.api.traffic.default.arrival.rate=10/s"
        ])
    );
}

#[test]
fn bad_overrides_and_grids_exit_2_with_the_reason() {
    let dir = TempDir::new().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["run", "--set", "apps.apx.processes.web.count=5"],
            "no element named `apx`; it has: api",
        ),
        (
            &["run", "--set", "apps.api.processes.web.count=many"],
            "set by `--set apps.api.processes.web.count=many`",
        ),
        (&["run", "--set", "nonsense"], "expected PATH=VALUE"),
        (
            &[
                "sweep",
                "--set",
                "sweep.grid.\"apps.api.processes.web.count\"=[0, 1]",
            ],
            "grid point 0",
        ),
        (
            &["sweep", "--set", "sweep.replications=0"],
            "sweep.replications",
        ),
        (&["sweep", "--shard", "4/3"], "shard 4 of 3 does not exist"),
        (&["sweep", "--resume"], "nothing to resume"),
    ];
    for (args, message) in cases {
        let o = spacesim()
            .arg(args[0])
            .arg(tiny())
            .args(&args[1..])
            .arg("--out")
            .arg(dir.path().join("o"))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(message),
            "{args:?}: expected {message:?} in: {err}"
        );
    }
    // A scenario without [sweep].
    let plain = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/poisson.toml");
    let o = spacesim()
        .arg("sweep")
        .arg(plain)
        .arg("--out")
        .arg(dir.path().join("p"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no [sweep] section"));
    // Not a sweep directory.
    let o = spacesim()
        .arg("merge")
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("m"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a sweep directory"));
}

#[test]
fn keep_runs_writes_each_runs_files_and_the_same_rows() {
    let dir = TempDir::new().unwrap();
    let (plain, kept) = (dir.path().join("plain"), dir.path().join("kept"));
    assert_eq!(sweep(&plain, &["-q"]).0, 0);
    assert!(
        !plain.join("runs").exists(),
        "a sweep writes rows, not per-run files"
    );
    assert_eq!(sweep(&kept, &["-q", "--keep-runs"]).0, 0);
    assert_same_files(&plain, &kept, &FILES);
    for i in 0..12 {
        let run = kept.join(format!("runs/run-{i:06}"));
        for f in ["summary.json", "timeseries.csv", "latency.hgrm"] {
            assert!(run.join(f).is_file(), "{}/{f}", run.display());
        }
    }
    let s: Value = serde_json::from_str(
        &fs::read_to_string(kept.join("runs/run-000005/summary.json")).unwrap(),
    )
    .unwrap();
    let (h, rows) = csv_rows(&kept.join("runs.csv"));
    assert_eq!(
        s["provenance"]["seed"].to_string(),
        rows[5][column(&h, "seed")]
    );
}
