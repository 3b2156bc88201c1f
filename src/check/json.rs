//! The machine-readable report of `spacesim check --json FILE`.
//!
//! The document is the [`CheckReport`] as it serializes, preceded by a `summary` that saves a
//! reader from counting:
//!
//! ```json
//! {
//!   "summary": { "passed": 41, "failed": 1, "errors": 0, "exit_code": 1 },
//!   "scenarios": [
//!     { "file": "scenarios/quickstart.toml", "name": "quickstart", "replications": 1,
//!       "results": [ { "kind": "expect", "assertion": "latency_ms.p99 < 300ms", … } ] }
//!   ]
//! }
//! ```
//!
//! Keys come out in declaration order (`summary` first), so the same check writes the same bytes.
//! A scenario path that is not UTF-8 (possible on Unix) is written lossily, with U+FFFD, rather
//! than failing the whole export.

use std::path::PathBuf;

use serde::Serialize;

use crate::check::report::CheckReport;

/// The counts a CI step reads first.
#[derive(Serialize)]
struct Summary {
    passed: usize,
    failed: usize,
    errors: usize,
    /// What `spacesim check` exits with: 0, 1 or 2.
    exit_code: u8,
}

#[derive(Serialize)]
struct Document<'a> {
    summary: Summary,
    #[serde(flatten)]
    report: &'a CheckReport,
}

/// Renders `report` as pretty JSON with a top-level `summary`, ending with a newline.
pub fn to_json(report: &CheckReport) -> String {
    // serde refuses to serialize a non-UTF-8 path; such a file still gets reported.
    let lossy;
    let report = if report.scenarios.iter().all(|s| s.file.to_str().is_some()) {
        report
    } else {
        let mut copy = report.clone();
        for scenario in &mut copy.scenarios {
            scenario.file = PathBuf::from(scenario.file.to_string_lossy().into_owned());
        }
        lossy = copy;
        &lossy
    };
    let (passed, failed, errors) = report.counts();
    let document = Document {
        summary: Summary {
            passed,
            failed,
            errors,
            exit_code: report.exit_code(),
        },
        report,
    };
    let mut json = serde_json::to_string_pretty(&document)
        .expect("a report of strings, integers and UTF-8 paths always serializes");
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::check::report::{AssertionResult, Kind, ScenarioOutcome, Status};

    fn sample() -> CheckReport {
        CheckReport {
            scenarios: vec![
                ScenarioOutcome {
                    file: PathBuf::from("scenarios/deploy.toml"),
                    name: "deploy".to_string(),
                    replications: 5,
                    results: vec![
                        AssertionResult {
                            kind: Kind::Expect,
                            assertion: "latency_ms.p99 < 300ms".to_string(),
                            metric: Some("latency_ms.p99".to_string()),
                            observed: Some("412.0 ms".to_string()),
                            bound: "< 300 ms".to_string(),
                            status: Status::Fail,
                            message: Some("412.0 ms is not < 300 ms".to_string()),
                        },
                        AssertionResult {
                            kind: Kind::Baseline,
                            assertion: "availability (baseline)".to_string(),
                            metric: Some("availability".to_string()),
                            observed: Some("99.990%".to_string()),
                            bound: ">= 95% of 99.995% (baseline)".to_string(),
                            status: Status::Pass,
                            message: None,
                        },
                    ],
                },
                ScenarioOutcome {
                    file: PathBuf::from("scenarios/bad.toml"),
                    name: "bad".to_string(),
                    replications: 1,
                    results: vec![AssertionResult {
                        kind: Kind::Runs,
                        assertion: "runs cleanly".to_string(),
                        metric: None,
                        observed: None,
                        bound: "no error".to_string(),
                        status: Status::Error,
                        message: Some("bad.toml:3:1: unknown key `apss`".to_string()),
                    }],
                },
            ],
        }
    }

    #[test]
    fn summary_then_the_report() {
        let text = to_json(&sample());
        assert!(text.ends_with("}\n") && !text.ends_with("\n\n"));
        assert!(text.starts_with("{\n  \"summary\": {\n    \"passed\": 1,"));
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["summary"],
            json!({"passed": 1, "failed": 1, "errors": 1, "exit_code": 2})
        );
        let scenarios = value["scenarios"].as_array().unwrap();
        assert_eq!(scenarios.len(), 2);
        assert_eq!(scenarios[0]["file"], "scenarios/deploy.toml");
        assert_eq!(scenarios[0]["replications"], 5);
        assert_eq!(
            scenarios[0]["results"][0],
            json!({
                "kind": "expect",
                "assertion": "latency_ms.p99 < 300ms",
                "metric": "latency_ms.p99",
                "observed": "412.0 ms",
                "bound": "< 300 ms",
                "status": "fail",
                "message": "412.0 ms is not < 300 ms",
            })
        );
        assert_eq!(scenarios[0]["results"][1]["kind"], "baseline");
        assert_eq!(scenarios[0]["results"][1]["message"], Value::Null);
        let error = &scenarios[1]["results"][0];
        assert_eq!(
            (&error["kind"], &error["status"]),
            (&json!("runs"), &json!("error"))
        );
        assert_eq!(error["observed"], Value::Null);
    }

    #[test]
    fn empty_report_passes() {
        let value: Value = serde_json::from_str(&to_json(&CheckReport::default())).unwrap();
        assert_eq!(
            value,
            json!({
                "summary": {"passed": 0, "failed": 0, "errors": 0, "exit_code": 0},
                "scenarios": [],
            })
        );
    }

    #[test]
    fn same_report_same_bytes() {
        assert_eq!(to_json(&sample()), to_json(&sample()));
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_path_is_written_lossily() {
        use std::ffi::OsStr;
        use std::os::unix::ffi::OsStrExt;

        let mut report = sample();
        report.scenarios[1].file = PathBuf::from(OsStr::from_bytes(b"scenarios/b\xffd.toml"));
        let value: Value = serde_json::from_str(&to_json(&report)).unwrap();
        assert_eq!(value["scenarios"][1]["file"], "scenarios/b\u{FFFD}d.toml");
        assert_eq!(value["summary"]["exit_code"], 2);
    }
}
