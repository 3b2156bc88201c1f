//! `spacesim plot`: each picture of a run, a sweep and a capacity search is written and is a
//! valid PNG (or SVG), and input that cannot be drawn gets a message naming the file, exit 2.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn spacesim() -> Command {
    Command::cargo_bin("spacesim").expect("the spacesim binary is built for integration tests")
}

/// The width and height of a PNG, checked by hand: the 8-byte signature, then the IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR", "{}: no IHDR chunk", path.display());
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    assert!(bytes.len() > 1000, "{}: suspiciously small", path.display());
    (be(16), be(20))
}

fn assert_png(path: &Path) {
    assert_eq!(png_size(path), (1600, 1000), "{}", path.display());
}

/// An SVG: starts with `<svg` and is well-formed XML.
fn assert_svg(path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.trim_start().starts_with("<svg"), "{}", path.display());
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_)) => {
                elements += 1
            }
            Ok(_) => {}
            Err(e) => panic!("{}: not XML: {e}", path.display()),
        }
    }
    assert!(
        elements > 50,
        "{}: only {elements} elements",
        path.display()
    );
    assert!(text.contains("<text"), "{}: no text drawn", path.display());
}

fn run_dir(dir: &Path) {
    spacesim()
        .args(["run", "tests/fixtures/sweep/tiny.toml", "--out"])
        .arg(dir)
        .arg("-q")
        .assert()
        .success();
}

#[test]
fn a_run_gets_a_timeline_and_a_latency_plot_in_png_and_svg() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    run_dir(&dir);
    spacesim().arg("plot").arg(&dir).assert().success().stdout(
        predicate::str::contains("timeline.png").and(predicate::str::contains("latency.png")),
    );
    assert_png(&dir.join("timeline.png"));
    assert_png(&dir.join("latency.png"));

    let svg = tmp.path().join("svg");
    spacesim()
        .arg("plot")
        .arg(&dir)
        .args(["--format", "svg", "--out"])
        .arg(&svg)
        .arg("-q")
        .assert()
        .success()
        .stdout("");
    assert_svg(&svg.join("timeline.svg"));
    assert_svg(&svg.join("latency.svg"));
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(&svg)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn draw_run_is_the_library_call_behind_run() {
    let tmp = tempfile::tempdir().unwrap();
    run_dir(tmp.path());
    let written = spacesim::report::plot::draw_run(tmp.path()).unwrap();
    assert_eq!(
        written,
        vec![
            tmp.path().join("timeline.png"),
            tmp.path().join("latency.png")
        ]
    );
    for p in &written {
        assert_png(p);
    }
}

#[test]
fn a_sweep_gets_lines_with_bands_and_a_heatmap_per_metric() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    spacesim()
        .args(["sweep", "tests/fixtures/sweep/tiny.toml", "--out"])
        .arg(dir)
        .arg("-q")
        .assert()
        .success();
    spacesim()
        .arg("plot")
        .arg(dir)
        .args(["--metric", "latency_ms.p99", "--metric", "error_rate", "-q"])
        .assert()
        .success();
    for name in [
        "sweep-latency_ms.p99.png",
        "heatmap-latency_ms.p99.png",
        "sweep-error_rate.png",
        "heatmap-error_rate.png",
    ] {
        assert_png(&dir.join(name));
    }
    spacesim()
        .arg("plot")
        .arg(dir)
        .args(["--metric", "no_such.metric"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("points.csv")
                .and(predicate::str::contains("no metric `no_such.metric`"))
                .and(predicate::str::contains("latency_ms.p99")),
        );
}

#[test]
fn a_capacity_search_gets_its_probes_bound_and_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    spacesim()
        .args([
            "capacity",
            "tests/fixtures/capacity/mm1.toml",
            "--slo",
            "latency_ms.mean<500ms",
            "-q",
            "--out",
        ])
        .arg(dir)
        .assert()
        .success();
    spacesim().arg("plot").arg(dir).arg("-q").assert().success();
    assert_png(&dir.join("capacity.png"));
    spacesim()
        .arg("plot")
        .arg(dir)
        .args(["--format", "svg", "-q"])
        .assert()
        .success();
    assert_svg(&dir.join("capacity.svg"));
}

#[test]
fn a_sweep_with_one_point_is_refused_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("tests/fixtures/sweep/tiny.toml").unwrap();
    let grid = text.find("[sweep.grid]").unwrap();
    let one = format!(
        "{}[sweep.grid]\n\"apps.api.processes.web.count\" = [2]\n",
        &text[..grid]
    );
    let scenario = tmp.path().join("one.toml");
    std::fs::write(&scenario, one).unwrap();
    let dir = tmp.path().join("out");
    spacesim()
        .arg("sweep")
        .arg(&scenario)
        .arg("--out")
        .arg(&dir)
        .arg("-q")
        .assert()
        .success();
    spacesim().arg("plot").arg(&dir).assert().code(2).stderr(
        predicate::str::contains("points.csv").and(predicate::str::contains(
            "the sweep has 1 point: a line needs at least two",
        )),
    );
    assert!(!dir.join("sweep-latency_ms.p99.png").exists());
}

#[test]
fn an_empty_series_is_refused_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("sweep.json"),
        r#"{"params": ["apps.api.processes.web.count"]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("points.csv"),
        "point,apps.api.processes.web.count,replications,latency_ms.p99.mean,\
         latency_ms.p99.sd,latency_ms.p99.ci95_low,latency_ms.p99.ci95_high\n\
         0,1,2,,,,\n1,2,2,,,,\n",
    )
    .unwrap();
    spacesim().arg("plot").arg(dir).assert().code(2).stderr(
        predicate::str::contains("points.csv").and(predicate::str::contains(
            "`latency_ms.p99` is empty at every point",
        )),
    );
}

#[test]
fn a_directory_with_nothing_to_plot_is_refused_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "hello").unwrap();
    spacesim()
        .arg("plot")
        .arg(tmp.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("nothing to plot")
                .and(predicate::str::contains("summary.json and timeseries.csv")),
        );
    let entries = std::fs::read_dir(tmp.path()).unwrap().count();
    assert_eq!(entries, 1, "nothing is written");
}
