//! Baselines: stored summary metrics to compare each run with, knowing which way is worse.
//!
//! ```json
//! { "spacesim_baseline": 1,
//!   "tolerances": { "latency_ms.max": 0.5 },
//!   "scenarios": { "mmk": { "latency_ms.p99": 5349.4, "availability": 1.0, ... } } }
//! ```
//! Compared metrics are the directional ones at every level (overall, per app, per class, per
//! operation): latency and queue percentiles, `error_rate`, `errors.*`, `requests.failed`,
//! `downtime_s` and operations' `failed` are worse when higher; `availability` and
//! `min_capacity_slots` are worse when lower. A metric regresses when it is worse than the
//! baseline by more than the tolerance (relative; from a zero baseline any worsening counts).
//! `tolerances` overrides the tolerance for metrics whose path ends with the key. Below a small
//! absolute slack nothing counts as a regression, so a wait of 1 µs becoming 3 µs does not fail
//! a build: 1 ms for `_ms` metrics, 1 s for `_s` metrics, 0.01 percentage points for fractions,
//! none for counts.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::eval::Unit;
use super::report::{AssertionResult, Kind, Status};

/// Format version written to and required in baseline files.
pub const VERSION: u32 = 1;

/// A baseline file.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub spacesim_baseline: u32,
    /// Per-metric tolerance overrides, by path suffix.
    #[serde(default)]
    pub tolerances: BTreeMap<String, f64>,
    /// Metric values by scenario name, then metric path.
    #[serde(default)]
    pub scenarios: BTreeMap<String, BTreeMap<String, f64>>,
}

/// Which way a metric gets worse.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Worse {
    /// Higher is worse (latency, failures, downtime).
    Higher,
    /// Lower is worse (availability, capacity).
    Lower,
}

/// The direction of the metric at `path`, if it is compared at all.
pub fn direction(path: &str) -> Option<Worse> {
    let segs: Vec<&str> = path.split('.').collect();
    let last = *segs.last()?;
    let parent = if segs.len() >= 2 {
        segs[segs.len() - 2]
    } else {
        ""
    };
    let op_metric = segs.first() == Some(&"operations");
    match (parent, last) {
        ("latency_ms" | "queue_ms", "mean" | "p50" | "p90" | "p99" | "p999" | "max")
            if !op_metric =>
        {
            Some(Worse::Higher)
        }
        ("errors", _) if !op_metric => Some(Worse::Higher),
        ("requests", "failed") if !op_metric => Some(Worse::Higher),
        (_, "error_rate" | "downtime_s") => Some(Worse::Higher),
        (_, "availability") => Some(Worse::Lower),
        (_, "failed") if op_metric && segs.len() == 3 => Some(Worse::Higher),
        (_, "min_capacity_slots") if op_metric => Some(Worse::Lower),
        _ => None,
    }
}

/// Every compared metric of a summary, by path.
pub fn metrics(summary: &Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    flatten(summary, String::new(), &mut out);
    out.retain(|path, _| direction(path).is_some());
    out
}

fn flatten(v: &Value, prefix: String, out: &mut BTreeMap<String, f64>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(child, path, out);
            }
        }
        Value::Number(n) => {
            if let Some(f) = n.as_f64() {
                out.insert(prefix, f);
            }
        }
        _ => {}
    }
}

impl Baseline {
    /// The tolerance for `path`: the longest matching override, else `default`.
    fn tolerance(&self, path: &str, default: f64) -> f64 {
        self.tolerances
            .iter()
            .filter(|(suffix, _)| path == suffix.as_str() || path.ends_with(&format!(".{suffix}")))
            .max_by_key(|(suffix, _)| suffix.len())
            .map_or(default, |(_, t)| *t)
    }

    /// Compares a scenario's metrics with the baseline: one result per regression and one
    /// summary result for everything within tolerance. None when the baseline lacks the scenario.
    pub fn compare(
        &self,
        scenario: &str,
        current: &BTreeMap<String, f64>,
        default: f64,
    ) -> Option<Vec<AssertionResult>> {
        let stored = self.scenarios.get(scenario)?;
        let mut results = Vec::new();
        let mut within = 0usize;
        for (path, &old) in stored {
            let Some(worse) = direction(path) else {
                continue;
            };
            let tol = self.tolerance(path, default);
            let unit = Unit::of(path);
            let slack = (tol * old.abs()).max(match unit {
                Unit::Millis => 1.0,
                Unit::Seconds => 1.0,
                Unit::Fraction => 1e-4,
                Unit::Plain => 0.0,
            });
            let (assertion, bound) = match worse {
                Worse::Higher => (
                    format!("{path} <= baseline + {}%", trim_pct(tol)),
                    old + slack,
                ),
                Worse::Lower => (
                    format!("{path} >= baseline - {}%", trim_pct(tol)),
                    old - slack,
                ),
            };
            let Some(&new) = current.get(path) else {
                results.push(AssertionResult {
                    kind: Kind::Baseline,
                    assertion,
                    metric: Some(path.clone()),
                    observed: None,
                    bound: unit.show(old),
                    status: Status::Fail,
                    message: Some(format!("`{path}` is in the baseline but not in this run")),
                });
                continue;
            };
            let regressed = match worse {
                Worse::Higher => new > bound,
                Worse::Lower => new < bound,
            };
            if regressed {
                let sign = if worse == Worse::Higher { "<=" } else { ">=" };
                results.push(AssertionResult {
                    kind: Kind::Baseline,
                    assertion,
                    metric: Some(path.clone()),
                    observed: Some(unit.show(new)),
                    bound: format!("{sign} {} (baseline {})", unit.show(bound), unit.show(old)),
                    status: Status::Fail,
                    message: Some(format!(
                        "`{path}` regressed from {} to {}",
                        unit.show(old),
                        unit.show(new)
                    )),
                });
            } else {
                within += 1;
            }
        }
        results.push(AssertionResult {
            kind: Kind::Baseline,
            assertion: format!("baseline: {within} metrics within tolerance"),
            metric: None,
            observed: Some(format!("{within} of {}", stored.len())),
            bound: format!("{}% unless overridden", trim_pct(default)),
            status: Status::Pass,
            message: None,
        });
        Some(results)
    }
}

fn trim_pct(f: f64) -> String {
    let s = format!("{:.3}", f * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn directions() {
        assert_eq!(direction("latency_ms.p99"), Some(Worse::Higher));
        assert_eq!(
            direction("apps.api.traffic.default.errors.H12"),
            Some(Worse::Higher)
        );
        assert_eq!(direction("availability"), Some(Worse::Lower));
        assert_eq!(direction("operations.deploy-1.failed"), Some(Worse::Higher));
        assert_eq!(
            direction("operations.deploy-1.min_capacity_slots"),
            Some(Worse::Lower)
        );
        assert_eq!(direction("requests.total"), None);
        assert_eq!(direction("events"), None);
    }

    fn base(old: f64, tolerances: &[(&str, f64)]) -> Baseline {
        Baseline {
            spacesim_baseline: VERSION,
            tolerances: tolerances
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            scenarios: [(
                "s".to_string(),
                [
                    ("latency_ms.p99".to_string(), old),
                    ("availability".to_string(), 0.99),
                ]
                .into(),
            )]
            .into(),
        }
    }

    fn failures(b: &Baseline, p99: f64, avail: f64, tol: f64) -> Vec<String> {
        let current = metrics(&json!({"latency_ms": {"p99": p99}, "availability": avail}));
        b.compare("s", &current, tol)
            .unwrap()
            .into_iter()
            .filter(|r| r.status == Status::Fail)
            .map(|r| r.metric.unwrap())
            .collect()
    }

    #[test]
    fn tolerance_edges_and_directions() {
        let b = base(100.0, &[]);
        assert!(
            failures(&b, 105.0, 0.99, 0.05).is_empty(),
            "exactly at +5% passes"
        );
        assert_eq!(failures(&b, 105.01, 0.99, 0.05), ["latency_ms.p99"]);
        assert!(
            failures(&b, 50.0, 0.99, 0.05).is_empty(),
            "faster is never a regression"
        );
        assert_eq!(failures(&b, 100.0, 0.9, 0.05), ["availability"]);
        assert!(failures(&b, 100.0, 1.0, 0.05).is_empty());
        let b = base(100.0, &[("p99", 0.5)]);
        assert!(
            failures(&b, 140.0, 0.99, 0.05).is_empty(),
            "per-metric override"
        );
        let b = base(0.0, &[]);
        assert!(
            failures(&b, 0.9, 0.99, 0.05).is_empty(),
            "under the 1 ms slack"
        );
        assert_eq!(
            failures(&b, 1.001, 0.99, 0.05),
            ["latency_ms.p99"],
            "past the slack from zero"
        );
        assert!(
            failures(&base(100.0, &[]), 100.0, 0.98995, 0.05).is_empty(),
            "availability slack"
        );
        assert!(
            base(1.0, &[])
                .compare("other", &BTreeMap::new(), 0.05)
                .is_none()
        );
    }
}
