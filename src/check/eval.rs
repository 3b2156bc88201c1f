//! Judging one assertion against one or more run summaries.
//!
//! Metric paths walk `summary.json` (`apps.api.latency_ms.p99`). A bound's unit follows the
//! metric's name: `_ms` metrics take durations in milliseconds, `_s` metrics durations in
//! seconds, `error_rate` and `availability` fractions, the rest plain numbers or booleans.
//! With several replications the mean is judged, or, with `confidence`, the Student t
//! confidence limit on the unfavourable side (upper for `<` and `<=`, lower for `>` and `>=`).

use serde_json::Value;

use super::report::{AssertionResult, Kind, Status};
use crate::scenario::expect::{CmpOp, ExpectValue, Expectation};
use crate::scenario::units::{parse_duration, parse_percent};
use crate::stats;

/// The unit of a metric, from its name.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds (`latency_ms.p99`).
    Millis,
    /// Seconds (`downtime_s`).
    Seconds,
    /// A fraction from 0 to 1 (`error_rate`, `availability`).
    Fraction,
    /// A count or other plain number.
    Plain,
}

impl Unit {
    /// The unit of the metric at `path`.
    pub fn of(path: &str) -> Unit {
        let segments: Vec<&str> = path.split('.').collect();
        if segments.iter().any(|s| s.ends_with("_ms")) {
            Unit::Millis
        } else if segments.last().is_some_and(|s| s.ends_with("_s")) {
            Unit::Seconds
        } else if segments
            .iter()
            .any(|s| matches!(*s, "error_rate" | "availability"))
        {
            Unit::Fraction
        } else {
            Unit::Plain
        }
    }

    /// `value` with its unit, for people.
    pub fn show(self, value: f64) -> String {
        match self {
            Unit::Millis => format!("{} ms", trim(value)),
            Unit::Seconds => format!("{} s", trim(value)),
            Unit::Fraction => format!("{}%", trim(value * 100.0)),
            Unit::Plain => trim(value),
        }
    }
}

/// A number without needless digits: 212.4, 3, 0.0012.
fn trim(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The value at dotted `path` in `summary`, or an error naming the path and what exists there.
pub fn lookup<'a>(summary: &'a Value, path: &str) -> Result<&'a Value, String> {
    let mut at = summary;
    let mut walked = Vec::new();
    for seg in path.split('.') {
        match at.get(seg) {
            Some(next) => {
                at = next;
                walked.push(seg);
            }
            None => {
                let here = if walked.is_empty() {
                    "the summary".to_string()
                } else {
                    format!("`{}`", walked.join("."))
                };
                let keys: Vec<&str> = at
                    .as_object()
                    .map(|o| o.keys().map(String::as_str).collect())
                    .unwrap_or_default();
                let known = if keys.is_empty() {
                    String::new()
                } else {
                    format!("; {here} has: {}", keys.join(", "))
                };
                return Err(format!(
                    "unknown metric `{path}`: no `{seg}` in {here}{known}"
                ));
            }
        }
    }
    if at.is_object() || at.is_array() {
        let keys: Vec<&str> = at
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        return Err(format!(
            "`{path}` is a group of metrics, not one; name one of: {}",
            keys.join(", ")
        ));
    }
    Ok(at)
}

/// The bound in the metric's unit.
pub fn bound_value(value: &ExpectValue, unit: Unit) -> Result<f64, String> {
    match value {
        ExpectValue::Number(n) => Ok(*n),
        ExpectValue::Bool(_) => Err("a boolean bound needs a boolean metric".to_string()),
        ExpectValue::Text(t) => {
            if let Ok(n) = t.trim().parse::<f64>() {
                return Ok(n);
            }
            match unit {
                Unit::Millis => parse_duration(t).map(|d| d.as_millis_f64()),
                Unit::Seconds => parse_duration(t).map(|d| d.as_secs_f64()),
                Unit::Fraction => parse_percent(t),
                Unit::Plain => Err(format!(
                    "\"{t}\" has a unit, but this metric is a plain number"
                )),
            }
            .map_err(|e| format!("cannot use \"{t}\" as a bound for this metric: {e}"))
        }
    }
}

/// The point estimate, or the confidence limit on the unfavourable side, of `values`.
fn estimate(values: &[f64], op: CmpOp, confidence: Option<f64>) -> (f64, Option<(f64, f64)>) {
    let Some(level) = confidence.filter(|_| values.len() > 1) else {
        return (values.iter().sum::<f64>() / values.len() as f64, None);
    };
    let e = stats::estimate(values, level);
    let (lo, hi) = e.ci.expect("two or more values have an interval");
    let judged = match op {
        CmpOp::Lt | CmpOp::Le => hi,
        CmpOp::Gt | CmpOp::Ge => lo,
        CmpOp::Eq | CmpOp::Ne => e.mean,
    };
    (judged, Some((lo, hi)))
}

/// Judges `e` against the summaries of the replications of one scenario.
pub fn judge(e: &Expectation, summaries: &[Value]) -> AssertionResult {
    let mut result = AssertionResult {
        kind: Kind::Expect,
        assertion: e.text(),
        metric: Some(e.metric.clone()),
        observed: None,
        bound: String::new(),
        status: Status::Error,
        message: None,
    };
    let unit = Unit::of(&e.metric);
    let mut numbers = Vec::new();
    let mut bools = Vec::new();
    for s in summaries {
        match lookup(s, &e.metric) {
            Ok(Value::Number(n)) => numbers.push(n.as_f64().unwrap_or(f64::NAN)),
            Ok(Value::Bool(b)) => bools.push(*b),
            Ok(Value::Null) => {
                result.status = Status::Fail;
                result.bound = format!("{} {}", e.op.symbol(), show_bound(&e.value, unit));
                result.message = Some(format!(
                    "`{}` has no value in this run (nothing was measured)",
                    e.metric
                ));
                return result;
            }
            Ok(other) => {
                result.message = Some(format!(
                    "`{}` is {other}, not a number or a boolean",
                    e.metric
                ));
                return result;
            }
            Err(m) => {
                result.message = Some(m);
                return result;
            }
        }
    }
    result.bound = format!("{} {}", e.op.symbol(), show_bound(&e.value, unit));
    if !bools.is_empty() {
        let ExpectValue::Bool(bound) = e.value else {
            result.message = Some(format!(
                "`{}` is true or false: compare it with == true or == false",
                e.metric
            ));
            return result;
        };
        // Every replication must agree.
        let holds = bools.iter().all(|&b| e.op.holds(b, bound));
        result.observed = Some(if bools.iter().all(|&b| b == bools[0]) {
            bools[0].to_string()
        } else {
            format!(
                "{} of {} true",
                bools.iter().filter(|&&b| b).count(),
                bools.len()
            )
        });
        result.status = if holds { Status::Pass } else { Status::Fail };
        return result;
    }
    let bound = match bound_value(&e.value, unit) {
        Ok(b) => b,
        Err(m) => {
            result.message = Some(m);
            return result;
        }
    };
    let (judged, interval) = estimate(&numbers, e.op, e.confidence);
    result.observed = Some(match interval {
        Some((lo, hi)) => format!(
            "{} (mean {}, {:.0}% CI {}..{})",
            unit.show(judged),
            unit.show(numbers.iter().sum::<f64>() / numbers.len() as f64),
            e.confidence.unwrap_or(0.0) * 100.0,
            unit.show(lo),
            unit.show(hi)
        ),
        None if numbers.len() > 1 => format!("{} (mean of {})", unit.show(judged), numbers.len()),
        None => unit.show(judged),
    });
    if e.op.holds(judged, bound) {
        result.status = Status::Pass;
    } else {
        result.status = Status::Fail;
        result.message = Some(format!(
            "observed {} is not {} {}",
            unit.show(judged),
            e.op.symbol(),
            unit.show(bound)
        ));
    }
    result
}

fn show_bound(value: &ExpectValue, unit: Unit) -> String {
    match value {
        ExpectValue::Bool(b) => b.to_string(),
        other => bound_value(other, unit)
            .map(|b| unit.show(b))
            .unwrap_or_else(|_| match other {
                ExpectValue::Text(t) => t.clone(),
                ExpectValue::Number(n) => n.to_string(),
                ExpectValue::Bool(b) => b.to_string(),
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn exp(metric: &str, op: CmpOp, value: ExpectValue, confidence: Option<f64>) -> Expectation {
        Expectation {
            metric: metric.into(),
            op,
            value,
            confidence,
            line: 1,
        }
    }

    #[test]
    fn units_follow_metric_names() {
        assert_eq!(Unit::of("latency_ms.p99"), Unit::Millis);
        assert_eq!(Unit::of("apps.api.queue_ms.max"), Unit::Millis);
        assert_eq!(Unit::of("downtime_s"), Unit::Seconds);
        assert_eq!(Unit::of("apps.api.error_rate"), Unit::Fraction);
        assert_eq!(Unit::of("errors.H12"), Unit::Plain);
    }

    #[test]
    fn bounds_convert_to_the_metric_unit() {
        let s = json!({"latency_ms": {"p99": 250.0}, "error_rate": 0.0005, "downtime_s": 0, "errors": {"H12": 3}});
        let pass = |m: &str, op, v: &str| {
            judge(
                &exp(m, op, ExpectValue::Text(v.into()), None),
                std::slice::from_ref(&s),
            )
            .status
        };
        assert_eq!(pass("latency_ms.p99", CmpOp::Lt, "300ms"), Status::Pass);
        assert_eq!(pass("latency_ms.p99", CmpOp::Lt, "0.2s"), Status::Fail);
        assert_eq!(pass("error_rate", CmpOp::Lt, "0.1%"), Status::Pass);
        assert_eq!(pass("error_rate", CmpOp::Lt, "0.01%"), Status::Fail);
        assert_eq!(pass("downtime_s", CmpOp::Eq, "0s"), Status::Pass);
        assert_eq!(pass("errors.H12", CmpOp::Le, "3"), Status::Pass);
        assert_eq!(pass("errors.H12", CmpOp::Le, "3ms"), Status::Error);
    }

    #[test]
    fn unknown_metrics_are_errors_that_say_what_exists() {
        let s = json!({"latency_ms": {"p99": 1.0}});
        let r = judge(
            &exp("latency_ms.p98", CmpOp::Lt, ExpectValue::Number(1.0), None),
            std::slice::from_ref(&s),
        );
        assert_eq!(r.status, Status::Error);
        assert!(r.message.unwrap().contains("`latency_ms` has: p99"));
        let r = judge(
            &exp("latency_ms", CmpOp::Lt, ExpectValue::Number(1.0), None),
            &[s],
        );
        assert_eq!(r.status, Status::Error);
    }

    #[test]
    fn booleans_and_nulls() {
        let s = json!({"zero_downtime": {"observed": true}, "availability": null});
        let r = judge(
            &exp(
                "zero_downtime.observed",
                CmpOp::Eq,
                ExpectValue::Bool(true),
                None,
            ),
            std::slice::from_ref(&s),
        );
        assert_eq!(r.status, Status::Pass);
        let r = judge(
            &exp(
                "availability",
                CmpOp::Gt,
                ExpectValue::Text("99%".into()),
                None,
            ),
            &[s],
        );
        assert_eq!(r.status, Status::Fail);
    }

    /// Hand-computed: values 10, 12, 14 → mean 12, sd 2, n 3; t(0.975, 2) = 4.302653;
    /// half-width 4.302653 × 2 / √3 = 4.968275; upper limit 16.968275.
    #[test]
    fn confidence_limits_use_student_t() {
        let (judged, ci) = estimate(&[10.0, 12.0, 14.0], CmpOp::Lt, Some(0.95));
        assert!((judged - 16.968275).abs() < 1e-5, "{judged}");
        let (lo, hi) = ci.unwrap();
        assert!((lo - 7.031725).abs() < 1e-5 && (hi - 16.968275).abs() < 1e-5);
        let (judged, _) = estimate(&[10.0, 12.0, 14.0], CmpOp::Gt, Some(0.95));
        assert!((judged - 7.031725).abs() < 1e-5);
        // The mean passes `< 15`; the upper confidence limit does not.
        let summaries: Vec<Value> = [10.0, 12.0, 14.0]
            .iter()
            .map(|v| json!({"latency_ms": {"p99": v}}))
            .collect();
        let point = judge(
            &exp("latency_ms.p99", CmpOp::Lt, ExpectValue::Number(15.0), None),
            &summaries,
        );
        let conf = judge(
            &exp(
                "latency_ms.p99",
                CmpOp::Lt,
                ExpectValue::Number(15.0),
                Some(0.95),
            ),
            &summaries,
        );
        assert_eq!((point.status, conf.status), (Status::Pass, Status::Fail));
    }
}
