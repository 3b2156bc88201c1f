//! The SLOs of a capacity search and their verdict at one probe.
//!
//! An SLO is written like an `[[expect]]` assertion on one line (`latency_ms.p99<300ms`,
//! `error_rate <= 0.1%`): the same metric paths into `summary.json` and the same units (a
//! `_ms` metric takes a duration and is compared in milliseconds, `error_rate` a percentage or
//! a fraction, ...). Unlike an assertion, an SLO must be a bound on a number (`<`, `<=`, `>=`,
//! `>`): a search needs a side that is good.
//!
//! At a probe, each SLO is judged on the values of its metric across the replications:
//! - the *point* verdict: does the mean meet the bound?
//! - the *confident* verdict: [`Confident::Pass`] when the whole Student t confidence interval
//!   of the mean meets the bound, [`Confident::Fail`] when none of it does,
//!   [`Confident::Unclear`] otherwise.
//!
//! A metric with no value in a replication (`null` in `summary.json`: nothing was measured,
//! e.g. no request succeeded) fails the probe: confidently when it has no value in any
//! replication.

use serde_json::Value;

use crate::check::eval::{Unit, bound_value, lookup};
use crate::scenario::expect::{CmpOp, ExpectValue, Expectation};
use crate::stats;

/// One service-level objective: `metric op bound`.
#[derive(Clone, Debug, PartialEq)]
pub struct Slo {
    /// As a person reads it: `latency_ms.mean < 500ms`.
    pub text: String,
    /// Dotted path into `summary.json`.
    pub metric: String,
    /// `<`, `<=`, `>=` or `>`.
    pub op: CmpOp,
    /// The bound in the metric's unit (milliseconds for `latency_ms.p99`).
    pub bound: f64,
    /// The metric's unit, from its name.
    pub unit: Unit,
}

impl Slo {
    /// Parses an SLO as `--slo` takes it: `latency_ms.p99<300ms`, `error_rate<0.1%`.
    pub fn parse(text: &str) -> Result<Slo, String> {
        let e = Expectation::parse_inline(text, None).map_err(|m| format!("--slo {m}"))?;
        if !matches!(e.op, CmpOp::Lt | CmpOp::Le | CmpOp::Ge | CmpOp::Gt) {
            return Err(format!(
                "--slo \"{text}\": an SLO is a bound with a good side; use < <= >= or >, not {}",
                e.op.symbol()
            ));
        }
        let unit = Unit::of(&e.metric);
        let bound = match &e.value {
            ExpectValue::Number(n) => *n,
            ExpectValue::Bool(_) => {
                return Err(format!(
                    "--slo \"{text}\": a capacity SLO bounds a number, not a boolean"
                ));
            }
            ExpectValue::Text(_) => {
                bound_value(&e.value, unit).map_err(|m| format!("--slo \"{text}\": {m}"))?
            }
        };
        Ok(Slo {
            text: e.text(),
            metric: e.metric,
            op: e.op,
            bound,
            unit,
        })
    }

    /// Whether `value` meets the bound.
    pub fn holds(&self, value: f64) -> bool {
        self.op.holds(value, self.bound)
    }

    /// Judges the SLO on the summaries of one probe's replications at confidence `level`.
    /// An unknown metric, or one that is not a number, is an error naming it.
    pub fn judge(&self, summaries: &[Value], level: f64) -> Result<SloVerdict, String> {
        let mut values = Vec::with_capacity(summaries.len());
        let mut missing = 0;
        for s in summaries {
            match lookup(s, &self.metric)? {
                Value::Number(n) => values.push(n.as_f64().unwrap_or(f64::NAN)),
                Value::Null => missing += 1,
                other => {
                    return Err(format!(
                        "`{}` is {other}, not a number: a capacity SLO bounds a numeric metric",
                        self.metric
                    ));
                }
            }
        }
        if missing > 0 {
            let confident = if values.is_empty() {
                Confident::Fail
            } else {
                Confident::Unclear
            };
            return Ok(SloVerdict {
                mean: None,
                ci: None,
                meets: false,
                confident,
            });
        }
        let e = stats::estimate(&values, level);
        let (good, bad) = match e.ci {
            // The end of the interval nearest the bound decides a pass; the farthest, a fail.
            Some((lo, hi)) if matches!(self.op, CmpOp::Lt | CmpOp::Le) => (hi, lo),
            Some((lo, hi)) => (lo, hi),
            None => (f64::NAN, f64::NAN),
        };
        let confident = if e.ci.is_some() && self.holds(good) {
            Confident::Pass
        } else if e.ci.is_some() && !self.holds(bad) {
            Confident::Fail
        } else {
            Confident::Unclear
        };
        Ok(SloVerdict {
            mean: Some(e.mean),
            ci: e.ci,
            meets: self.holds(e.mean),
            confident,
        })
    }
}

/// Whether a probe meets the SLOs with confidence.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Confident {
    /// The whole confidence interval meets the bound (of every SLO, for a probe).
    Pass,
    /// The whole confidence interval misses the bound (of some SLO, for a probe).
    Fail,
    /// Neither.
    Unclear,
}

impl Confident {
    /// `pass`, `fail` or `unclear`, as in `capacity.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Confident::Pass => "pass",
            Confident::Fail => "fail",
            Confident::Unclear => "unclear",
        }
    }

    /// The verdict on several SLOs: a pass when all pass, a fail when any fails.
    pub fn all(verdicts: impl IntoIterator<Item = Confident>) -> Confident {
        let mut all_pass = true;
        for v in verdicts {
            match v {
                Confident::Fail => return Confident::Fail,
                Confident::Unclear => all_pass = false,
                Confident::Pass => {}
            }
        }
        if all_pass {
            Confident::Pass
        } else {
            Confident::Unclear
        }
    }
}

/// One SLO judged at one probe.
#[derive(Clone, Debug, PartialEq)]
pub struct SloVerdict {
    /// The mean across replications, in the metric's unit; None when some replication
    /// measured nothing.
    pub mean: Option<f64>,
    /// The confidence interval of the mean.
    pub ci: Option<(f64, f64)>,
    /// The point verdict: the mean meets the bound.
    pub meets: bool,
    /// The confident verdict.
    pub confident: Confident,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn summaries(values: &[f64]) -> Vec<Value> {
        values
            .iter()
            .map(|v| json!({"latency_ms": {"mean": v}, "error_rate": v / 1000.0}))
            .collect()
    }

    #[test]
    fn bounds_are_converted_to_the_metric_unit() {
        let s = Slo::parse("latency_ms.p99<0.3s").unwrap();
        assert_eq!(
            (s.metric.as_str(), s.op, s.bound),
            ("latency_ms.p99", CmpOp::Lt, 300.0)
        );
        assert_eq!(s.text, "latency_ms.p99 < 0.3s");
        let s = Slo::parse("error_rate <= 0.1%").unwrap();
        assert!((s.bound - 0.001).abs() < 1e-15);
        assert_eq!(Slo::parse("availability>=99.9%").unwrap().op, CmpOp::Ge);
        assert_eq!(Slo::parse("requests.ok > 10").unwrap().bound, 10.0);
    }

    #[test]
    fn bad_slos_say_why() {
        let e = Slo::parse("latency_ms.p99").unwrap_err();
        assert!(e.contains("not an assertion"), "{e}");
        let e = Slo::parse("latency_ms.p99==300ms").unwrap_err();
        assert!(e.contains("use < <= >= or >"), "{e}");
        let e = Slo::parse("zero_downtime.observed==true").unwrap_err();
        assert!(e.contains("use < <= >= or >"), "{e}");
        let e = Slo::parse("errors.H12<3ms").unwrap_err();
        assert!(e.contains("plain number"), "{e}");
        let e = Slo::parse("error_rate<300ms").unwrap_err();
        assert!(e.contains("error_rate"), "{e}");
    }

    /// Values 10, 12, 14: mean 12, 95% CI 7.03..16.97 (hand-computed in `stats`).
    #[test]
    fn confident_verdicts_need_the_whole_interval() {
        let v = summaries(&[10.0, 12.0, 14.0]);
        let judge = |text: &str| Slo::parse(text).unwrap().judge(&v, 0.95).unwrap();
        let r = judge("latency_ms.mean<17ms");
        assert_eq!((r.meets, r.confident), (true, Confident::Pass));
        let r = judge("latency_ms.mean<15ms");
        assert_eq!((r.meets, r.confident), (true, Confident::Unclear));
        let r = judge("latency_ms.mean<11ms");
        assert_eq!((r.meets, r.confident), (false, Confident::Unclear));
        let r = judge("latency_ms.mean<7ms");
        assert_eq!((r.meets, r.confident), (false, Confident::Fail));
        let r = judge("latency_ms.mean>7ms");
        assert_eq!((r.meets, r.confident), (true, Confident::Pass));
        let r = judge("latency_ms.mean>=17ms");
        assert_eq!((r.meets, r.confident), (false, Confident::Fail));
        let (lo, hi) = r.ci.unwrap();
        assert!((lo - 7.031725).abs() < 1e-5 && (hi - 16.968275).abs() < 1e-5);
    }

    #[test]
    fn unknown_metrics_and_missing_values() {
        let v = summaries(&[1.0, 2.0]);
        let e = Slo::parse("latency_ms.p98<1s")
            .unwrap()
            .judge(&v, 0.95)
            .unwrap_err();
        assert!(e.contains("unknown metric `latency_ms.p98`"), "{e}");
        let nothing = vec![json!({"latency_ms": {"mean": null}}); 2];
        let r = Slo::parse("latency_ms.mean<1s")
            .unwrap()
            .judge(&nothing, 0.95)
            .unwrap();
        assert_eq!(
            (r.mean, r.meets, r.confident),
            (None, false, Confident::Fail)
        );
    }

    #[test]
    fn a_probe_passes_when_all_pass_and_fails_when_any_fails() {
        use Confident::*;
        assert_eq!(Confident::all([Pass, Pass]), Pass);
        assert_eq!(Confident::all([Pass, Unclear]), Unclear);
        assert_eq!(Confident::all([Unclear, Fail]), Fail);
    }
}
