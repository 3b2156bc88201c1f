//! Regression inputs of the fuzz targets (fuzz/fuzz_targets/*.rs), fed to the same entry points:
//! every file under `tests/fixtures/fuzz/scenario/` and `tests/fixtures/fuzz/router_log/`, plus
//! two 10 MB single-line inputs built here (too big to commit).
//!
//! Scenario files are named `ok-*.toml` (must load; `ok-too-big-*` are then refused by the
//! resource bounds, as `run` would) or `err-*.toml` (must be refused with an error naming the
//! file); router logs `r<N>-*.log`, where N is the number of router lines the
//! fit keeps. Nothing may panic or hang. A crash input the fuzzer finds goes in the same folders,
//! named for what broke.

use std::fs;
use std::path::{Path, PathBuf};

use spacesim::fit::{Collector, analyse, fragment};
use spacesim::scenario::{self, ScenarioError};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz")
        .join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "too few fixtures in {}", dir.display());
    files
}

/// What the `scenario` fuzz target does with a scenario that parsed.
fn exercise(s: &scenario::Scenario) {
    let _ = spacesim::lint::findings(s);
    let estimate = spacesim::model::bounds::estimate(s);
    assert!(estimate.wall_secs() >= 0.0, "{estimate:?}");
    let _ = spacesim::model::bounds::refusal(s);
}

/// The located error of a refused scenario file: it names the file.
fn check_refusal(path: &Path, e: &ScenarioError) {
    let shown = e.to_string();
    assert!(
        shown.contains(&*path.display().to_string()),
        "{}: the error does not name the file: {shown}",
        path.display()
    );
    // Messages quote what was wrong, but never the whole of a huge value.
    assert!(
        shown.len() < 2_000,
        "{}: a {}-byte message",
        path.display(),
        shown.len()
    );
}

#[test]
fn scenario_regression_inputs_give_the_expected_result() {
    for path in fixtures("scenario") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let expect_ok = if name.starts_with("ok-") {
            true
        } else {
            assert!(name.starts_with("err-"), "{name}: name it ok-* or err-*");
            false
        };
        // The file entry point (`spacesim run`, `lint`, `check`).
        match scenario::load(&path) {
            Ok(s) => {
                assert!(expect_ok, "{name}: loaded, expected an error");
                exercise(&s);
                // Valid but absurd: `run` refuses it up front (exit 2), naming the estimate.
                let refused = spacesim::model::bounds::refusal(&s);
                assert_eq!(
                    refused.is_some(),
                    name.contains("too-big"),
                    "{name}: {refused:?}"
                );
            }
            Err(e) => {
                assert!(!expect_ok, "{name}: refused: {e}");
                check_refusal(&path, &e);
            }
        }
        // The text entry point, as the fuzz target calls it: the same verdict.
        if let Ok(text) = std::str::from_utf8(&fs::read(&path).unwrap()) {
            let parsed = scenario::parse(
                text,
                &path.display().to_string(),
                path.parent().unwrap(),
                None,
            );
            assert_eq!(parsed.is_ok(), expect_ok, "{name}: parse and load disagree");
        }
    }
}

/// A schema error names the line (the fuzz-found exception: the TOML parser's recursion limit
/// on a dotted key carries no position, only the file).
#[test]
fn scenario_schema_errors_name_the_line() {
    for path in fixtures("scenario") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.starts_with("err-") || name == "err-deep-dotted-key.toml" {
            continue;
        }
        let e = scenario::load(&path).unwrap_err();
        let location = e
            .location()
            .unwrap_or_else(|| panic!("{name}: no location: {e}"));
        if name == "err-invalid-utf8.toml" || name == "err-empty.toml" {
            continue; // the whole file is wrong (not UTF-8; no `duration` at all)
        }
        assert!(location.line.is_some(), "{name}: no line: {e}");
    }
}

/// A 10 MB line: as a scenario value (a name) it is refused quickly, quoting only part of it.
#[test]
fn scenario_with_a_10_mb_line_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge-line.toml");
    let text = format!("name = \"{}\"\nduration = \"1s\"\n", "a".repeat(10 << 20));
    fs::write(&path, &text).unwrap();
    let e = scenario::load(&path).unwrap_err();
    check_refusal(&path, &e);
    assert_eq!(e.location().and_then(|l| l.line), Some(1));

    // As an unknown key: named by its start.
    let text = format!("\"{}\" = 1\nduration = \"1s\"\n", "k".repeat(10 << 20));
    fs::write(&path, &text).unwrap();
    let e = scenario::load(&path).unwrap_err();
    check_refusal(&path, &e);
    assert!(e.to_string().contains("unknown field"), "{e}");
}

/// Reads a log as `spacesim fit` does (lossy UTF-8, line by line) and fits it.
fn fit_bytes(bytes: &[u8]) -> Collector {
    let text = String::from_utf8_lossy(bytes);
    let mut collector = Collector::new(None);
    for line in text.split_inclusive('\n') {
        collector.add_line(line);
    }
    let fit = analyse(&collector);
    assert_eq!(fit.is_some(), !collector.lines.is_empty());
    if let Some(fit) = fit {
        // In release builds an overflow wraps instead of panicking: check the results are sane.
        let a = &fit.arrival;
        assert!(
            a.span_s.is_finite() && a.span_s >= 0.0 && a.rate_per_s.is_finite(),
            "{a:?}"
        );
        assert!(fit.arrivals_ns.windows(2).all(|w| w[0] <= w[1]));
        let text = fragment::render(&fit, &fragment::FragmentOptions::default());
        assert!(text.contains("[[apps.traffic]]"), "{text}");
    }
    collector
}

#[test]
fn router_log_regression_inputs_keep_the_expected_lines() {
    for path in fixtures("router_log") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let want: usize = name
            .strip_prefix('r')
            .and_then(|rest| rest.split('-').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{name}: name it r<N>-*.log"));
        let c = fit_bytes(&fs::read(&path).unwrap());
        assert_eq!(c.lines.len(), want, "{name}: router lines kept");
    }
}

#[test]
fn router_log_with_a_10_mb_line_is_one_router_line() {
    let line = format!(
        "2024-04-26T10:00:00+00:00 heroku[router]: at=info method=GET path=/{} host=a dyno=web.1 \
         connect=1ms service=18ms status=200\n",
        "x".repeat(10 << 20)
    );
    let c = fit_bytes(line.as_bytes());
    assert_eq!((c.lines.len(), c.skipped), (1, 0));
}
