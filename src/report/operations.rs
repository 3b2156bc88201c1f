//! The summary's operation sections: `operations`, `zero_downtime`, `dyno_hours` and `cost`.
//!
//! [`sections`] builds them from the recorder's results, the checker's predictions and the
//! dyno-seconds the simulation counted; the summary flattens the result into its top level.
//! Maps are `BTreeMap`s and lists are sorted, so the JSON's bytes depend only on the run.
//! Hours are rounded to the microhour (3.6 ms) and money to the cent.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::metrics::operations::OpResult;
use crate::model::zero_downtime::Prediction;

/// The sections the summary flattens into its top level.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OperationSections {
    /// Each timeline operation by name.
    pub operations: BTreeMap<String, OpSummary>,
    /// The zero-downtime verdict over every deploy-like operation.
    pub zero_downtime: ZeroDowntimeSummary,
    /// Dyno-hours and their cost.
    #[serde(flatten)]
    pub dynos: DynoHours,
}

/// One operation in `operations.<name>`: the recorder's result; its name is the map's key and
/// is not written again inside.
pub type OpSummary = OpResult;

/// `zero_downtime`: over every deploy-like operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ZeroDowntimeSummary {
    /// Every deploy-like operation predicted zero downtime; null when there is none.
    pub predicted: Option<bool>,
    /// No request failed during any deploy-like operation that ran; null when none ran.
    pub observed: Option<bool>,
    /// One sentence per operation whose prediction and observation differ, in timeline order.
    pub disagreements: Vec<String>,
}

/// `dyno_hours` and `cost`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DynoHours {
    /// Hours dynos of each type were alive, by dyno type name.
    pub dyno_hours: BTreeMap<String, f64>,
    /// Their price, when the scenario gives prices.
    pub cost: Option<Cost>,
}

/// `cost`: dyno-hours times the scenario's prices, in USD.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Cost {
    /// Cost of each priced dyno type.
    pub by_type: BTreeMap<String, f64>,
    /// Sum of `by_type`.
    pub total: f64,
    /// Dyno types that ran but have no price, sorted; left out of the total.
    pub unpriced: Vec<String>,
}

impl DynoHours {
    /// Sums `dyno_seconds` (dyno type name, seconds alive; a type may repeat) into hours and
    /// prices them with `prices` (USD per dyno-hour). No cost when `prices` is empty.
    pub fn new(dyno_seconds: &[(String, f64)], prices: &BTreeMap<String, f64>) -> DynoHours {
        let mut seconds: BTreeMap<String, f64> = BTreeMap::new();
        for (kind, s) in dyno_seconds {
            debug_assert!(s.is_finite() && *s >= 0.0, "{kind}: {s} dyno-seconds");
            *seconds.entry(kind.clone()).or_default() += s.max(0.0);
        }
        let cost = (!prices.is_empty()).then(|| {
            let mut by_type = BTreeMap::new();
            let mut unpriced = Vec::new();
            for (kind, s) in &seconds {
                match prices.get(kind) {
                    Some(price) => {
                        by_type.insert(kind.clone(), cents(s / 3600.0 * price));
                    }
                    None => unpriced.push(kind.clone()),
                }
            }
            // The sum of the rounded parts, so the printed numbers add up.
            let total = cents(by_type.values().sum());
            Cost {
                by_type,
                total,
                unpriced,
            }
        });
        DynoHours {
            dyno_hours: seconds
                .into_iter()
                .map(|(kind, s)| (kind, micro(s / 3600.0)))
                .collect(),
            cost,
        }
    }
}

/// Builds the operation sections. `ops` comes from
/// [`OpRecorder::finish`](crate::metrics::operations::OpRecorder::finish), `predictions` from
/// [`predict`](crate::model::zero_downtime::predict) on the same scenario.
pub fn sections(
    ops: Vec<OpResult>,
    predictions: &[Prediction],
    dyno_seconds: &[(String, f64)],
    prices: &BTreeMap<String, f64>,
) -> OperationSections {
    let predicted = (!predictions.is_empty()).then(|| predictions.iter().all(|p| p.predicted));
    let observations: Vec<bool> = ops
        .iter()
        .filter_map(|o| o.zero_downtime.as_ref()?.observed)
        .collect();
    let observed = (!observations.is_empty()).then(|| observations.iter().all(|&o| o));
    let disagreements = ops.iter().filter_map(disagreement).collect();

    let mut operations = BTreeMap::new();
    for op in ops {
        // Names are unique in a validated timeline; a duplicate is kept under a suffix rather
        // than silently overwriting the first.
        let mut key = op.name.clone();
        let mut n = 2;
        while operations.contains_key(&key) {
            key = format!("{} ({n})", op.name);
            n += 1;
        }
        operations.insert(key, op);
    }
    OperationSections {
        operations,
        zero_downtime: ZeroDowntimeSummary {
            predicted,
            observed,
            disagreements,
        },
        dynos: DynoHours::new(dyno_seconds, prices),
    }
}

/// The sentence for an operation whose prediction and observation differ.
fn disagreement(op: &OpResult) -> Option<String> {
    let zd = op.zero_downtime.as_ref()?;
    let observed = zd.observed?;
    if observed == zd.predicted {
        return None;
    }
    // Only deploy-like operations have verdicts, and they all act on an app.
    let what = format!(
        "\"{}\" ({} of app \"{}\" at {}s)",
        op.name,
        op.action,
        op.app.as_deref().unwrap_or("?"),
        op.start_s
    );
    Some(if zd.predicted {
        let codes: Vec<String> = op
            .errors
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(code, n)| format!("{code} {n}"))
            .collect();
        format!(
            "{what}: predicted zero downtime, but {} request{} failed during it ({})",
            op.requests.failed,
            if op.requests.failed == 1 { "" } else { "s" },
            codes.join(", ")
        )
    } else {
        let failed: Vec<&str> = zd
            .conditions
            .iter()
            .filter(|c| !c.pass)
            .map(|c| c.name)
            .collect();
        format!(
            "{what}: predicted downtime ({} failed), but no request failed during it",
            failed.join(", ")
        )
    })
}

/// Rounds to the cent.
fn cents(usd: f64) -> f64 {
    (usd * 100.0).round() / 100.0
}

/// Rounds to six decimals.
fn micro(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::operations::{OpLatency, OpRequests, Percentiles, ZeroDowntime};
    use crate::model::codes::ErrorCode;
    use crate::model::zero_downtime::Condition;

    fn result(name: &str, op: usize, failed: u64, zd: Option<(bool, Option<bool>)>) -> OpResult {
        let mut errors: BTreeMap<&'static str, u64> =
            ErrorCode::ALL.iter().map(|c| (c.key(), 0)).collect();
        errors.insert("H13", failed);
        OpResult {
            name: name.to_string(),
            action: "deploy",
            app: Some("api".to_string()),
            start_s: 600.0 * (op as f64 + 1.0),
            end_s: Some(700.0),
            duration_s: 100.0,
            batches: vec![],
            requests: OpRequests { ok: 10, failed },
            failed,
            errors,
            latency_ms: OpLatency {
                during: Percentiles {
                    p50: None,
                    p99: None,
                },
                before: Percentiles {
                    p50: None,
                    p99: None,
                },
            },
            min_capacity_slots: Some(15),
            downtime_s: 0,
            refused: None,
            aborted: None,
            zero_downtime: zd.map(|(predicted, observed)| ZeroDowntime {
                predicted,
                observed,
                conditions: vec![Condition {
                    name: "capacity",
                    pass: predicted,
                    detail: String::new(),
                }],
            }),
        }
    }

    fn prediction(op: usize, predicted: bool) -> Prediction {
        Prediction {
            op,
            predicted,
            conditions: vec![],
        }
    }

    #[test]
    fn disagreements_name_the_way_they_differ() {
        let ops = vec![
            result("deploy-1", 0, 3, Some((true, Some(false)))),
            result("restart-1", 1, 0, Some((false, Some(true)))),
            result("deploy-2", 2, 0, Some((true, Some(true)))),
            result("deploy-3", 3, 0, Some((true, None))), // never ran
            result("scale-1", 4, 5, None),
        ];
        let preds = [
            prediction(0, true),
            prediction(1, false),
            prediction(2, true),
            prediction(3, true),
        ];
        let s = sections(ops, &preds, &[], &BTreeMap::new());
        assert_eq!(s.zero_downtime.predicted, Some(false));
        assert_eq!(s.zero_downtime.observed, Some(false));
        assert_eq!(
            s.zero_downtime.disagreements,
            [
                "\"deploy-1\" (deploy of app \"api\" at 600s): predicted zero downtime, but 3 \
                 requests failed during it (H13 3)",
                "\"restart-1\" (deploy of app \"api\" at 1200s): predicted downtime (capacity \
                 failed), but no request failed during it",
            ]
        );
        let keys: Vec<_> = s.operations.keys().cloned().collect();
        assert_eq!(
            keys,
            ["deploy-1", "deploy-2", "deploy-3", "restart-1", "scale-1"]
        );
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["operations"]["deploy-1"]["errors"]["H13"], 3);
        assert_eq!(json["operations"]["deploy-1"]["errors"]["H21"], 0);
        assert!(json["operations"]["deploy-1"].get("name").is_none());
        assert!(json["zero_downtime"].is_object());
        assert_eq!(json["dyno_hours"], serde_json::json!({}));
        assert!(json["cost"].is_null());
    }

    #[test]
    fn no_deploy_like_operations_give_nulls() {
        let s = sections(
            vec![result("scale-1", 0, 0, None)],
            &[],
            &[],
            &BTreeMap::new(),
        );
        assert_eq!(
            s.zero_downtime,
            ZeroDowntimeSummary {
                predicted: None,
                observed: None,
                disagreements: vec![]
            }
        );
    }

    #[test]
    fn dyno_hours_are_summed_rounded_and_priced() {
        let seconds = [
            ("private-m".to_string(), 3600.0 * 4.0),
            ("private-l".to_string(), 1800.0),
            ("private-m".to_string(), 1.0),
            ("shield-s".to_string(), 7200.0),
        ];
        let prices = BTreeMap::from([
            ("private-m".to_string(), 0.6944),
            ("private-l".to_string(), 1.3889),
        ]);
        let d = DynoHours::new(&seconds, &prices);
        assert_eq!(
            d.dyno_hours,
            BTreeMap::from([
                ("private-l".to_string(), 0.5),
                ("private-m".to_string(), 4.000278),
                ("shield-s".to_string(), 2.0),
            ])
        );
        let cost = d.cost.unwrap();
        // 4.000278 h × 0.6944 = 2.7778 → 2.78; 0.5 h × 1.3889 = 0.69445 → 0.69.
        assert_eq!(
            cost.by_type,
            BTreeMap::from([
                ("private-l".to_string(), 0.69),
                ("private-m".to_string(), 2.78),
            ])
        );
        assert_eq!(cost.total, 3.47);
        assert_eq!(cost.unpriced, ["shield-s"]);
        assert_eq!(DynoHours::new(&seconds, &BTreeMap::new()).cost, None);
    }
}
