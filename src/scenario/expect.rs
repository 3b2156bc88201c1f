//! `[[expect]]`: assertions on a run's summary, checked by `spacesim check`.
//!
//! ```toml
//! [[expect]]
//! metric = "latency_ms.p99"      # a path into summary.json
//! op = "<"                       # < <= == != >= >
//! value = "300ms"                # with units: "300ms", "30s", "0.1%", 12, true
//! confidence = 0.95              # optional, with --replications: judge the confidence limit
//! ```
//!
//! The metric path is checked against the summary when the run is judged (a metric that does
//! not exist is an error, never a pass); the value's unit is converted then, by the metric's
//! name: `_ms` metrics take durations in milliseconds, `_s` metrics in seconds, `error_rate` and
//! `availability` fractions or percentages, everything else plain numbers or booleans.

use serde::Deserialize;
use toml::Spanned;

use super::error::ScenarioError;
use super::load::Checker;
use super::units::{parse_duration, parse_percent};

/// One `[[expect]]` entry as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExpect {
    /// Dotted path into `summary.json`.
    pub metric: Spanned<String>,
    /// Comparison operator.
    pub op: Spanned<String>,
    /// The bound, with units.
    pub value: Spanned<toml::Value>,
    /// Confidence level for `--replications` (0 < c < 1).
    pub confidence: Option<Spanned<f64>>,
}

/// A comparison operator.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CmpOp {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl CmpOp {
    /// The operator written as `text`.
    pub fn parse(text: &str) -> Result<CmpOp, String> {
        Ok(match text {
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            ">=" => CmpOp::Ge,
            ">" => CmpOp::Gt,
            other => {
                return Err(format!(
                    "unknown operator \"{other}\"; use one of < <= == != >= >"
                ));
            }
        })
    }

    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Ge => ">=",
            CmpOp::Gt => ">",
        }
    }

    /// `observed OP bound`.
    pub fn holds<T: PartialOrd>(self, observed: T, bound: T) -> bool {
        match self {
            CmpOp::Lt => observed < bound,
            CmpOp::Le => observed <= bound,
            CmpOp::Eq => observed == bound,
            CmpOp::Ne => observed != bound,
            CmpOp::Ge => observed >= bound,
            CmpOp::Gt => observed > bound,
        }
    }
}

/// The bound as written; converted to the metric's unit when the metric is known.
#[derive(Clone, Debug, PartialEq)]
pub enum ExpectValue {
    /// A string with a unit: `"300ms"`, `"0.1%"`, `"2m"`.
    Text(String),
    /// A plain number.
    Number(f64),
    /// `true` or `false`.
    Bool(bool),
}

/// One assertion.
#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    /// Dotted path into `summary.json`.
    pub metric: String,
    /// Operator.
    pub op: CmpOp,
    /// Bound.
    pub value: ExpectValue,
    /// With replications: judge the confidence limit at this level instead of the mean.
    pub confidence: Option<f64>,
    /// Line of the entry in the scenario file.
    pub line: usize,
}

impl Expectation {
    /// Parses an assertion written on one line, as `--slo` takes it: `latency_ms.p99<300ms`,
    /// `error_rate <= 0.1%`, `zero_downtime.observed == true`.
    pub fn parse_inline(text: &str, confidence: Option<f64>) -> Result<Expectation, String> {
        let usage = || {
            format!(
                "\"{text}\" is not an assertion: write METRIC OP VALUE, e.g. \
                 \"latency_ms.p99<300ms\" or \"error_rate<0.1%\""
            )
        };
        let start = text.find(['<', '>', '=', '!']).ok_or_else(usage)?;
        let len = text[start..]
            .chars()
            .take_while(|c| matches!(c, '<' | '>' | '=' | '!'))
            .count();
        let metric = text[..start].trim();
        let value = text[start + len..].trim();
        if metric.is_empty() || value.is_empty() || metric.split('.').any(str::is_empty) {
            return Err(usage());
        }
        let op = CmpOp::parse(&text[start..start + len]).map_err(|m| format!("\"{text}\": {m}"))?;
        let value = match value {
            "true" => ExpectValue::Bool(true),
            "false" => ExpectValue::Bool(false),
            v => match v.parse::<f64>() {
                Ok(n) => ExpectValue::Number(n),
                Err(_) => text_bound(v).map_err(|m| format!("\"{text}\": {m}"))?,
            },
        };
        if matches!(value, ExpectValue::Bool(_)) && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
            return Err(format!(
                "\"{text}\": a boolean bound takes == or !=, not {}",
                op.symbol()
            ));
        }
        Ok(Expectation {
            metric: metric.to_string(),
            op,
            value,
            confidence,
            line: 0,
        })
    }

    /// As a person reads it: `latency_ms.p99 < 300ms`.
    pub fn text(&self) -> String {
        let value = match &self.value {
            ExpectValue::Text(t) => t.clone(),
            ExpectValue::Number(n) => n.to_string(),
            ExpectValue::Bool(b) => b.to_string(),
        };
        let conf = self
            .confidence
            .map(|c| format!(" ({:.0}% confidence)", c * 100.0))
            .unwrap_or_default();
        format!("{} {} {value}{conf}", self.metric, self.op.symbol())
    }
}

/// A bound written as a string: a duration, a percentage or a number.
fn text_bound(s: &str) -> Result<ExpectValue, String> {
    let known =
        parse_duration(s).is_ok() || parse_percent(s).is_ok() || s.trim().parse::<f64>().is_ok();
    if known {
        Ok(ExpectValue::Text(s.to_string()))
    } else {
        Err(format!(
            "cannot read \"{s}\" as a bound; write a duration (\"300ms\", \"30s\"), a \
             percentage (\"0.1%\"), a number or a boolean"
        ))
    }
}

/// Builds the typed assertions, checking every operator, value and confidence.
pub(super) fn build_expectations(
    ctx: &Checker,
    raw: &[Spanned<RawExpect>],
) -> Result<Vec<Expectation>, ScenarioError> {
    raw.iter()
        .enumerate()
        .map(|(i, e)| {
            let key = format!("expect[{i}]");
            let e_ref = e.get_ref();
            let metric = e_ref.metric.get_ref().trim().to_string();
            let path_ok = !metric.is_empty() && metric.split('.').all(|seg| !seg.is_empty());
            if !path_ok {
                return Err(ctx.err(
                    e_ref.metric.span(),
                    format!("{key}.metric"),
                    format!("\"{metric}\" is not a metric path; write a dotted path into summary.json such as \"latency_ms.p99\" or \"apps.api.errors.H12\""),
                ));
            }
            let op = CmpOp::parse(e_ref.op.get_ref()).map_err(|m| {
                ctx.err(e_ref.op.span(), format!("{key}.op"), m)
            })?;
            let value = match e_ref.value.get_ref() {
                toml::Value::String(s) => text_bound(s)
                    .map_err(|m| ctx.err(e_ref.value.span(), format!("{key}.value"), m))?,
                toml::Value::Integer(n) => ExpectValue::Number(*n as f64),
                toml::Value::Float(f) => ExpectValue::Number(*f),
                toml::Value::Boolean(b) => ExpectValue::Bool(*b),
                other => {
                    return Err(ctx.err(
                        e_ref.value.span(),
                        format!("{key}.value"),
                        format!("a bound is a string with a unit, a number or a boolean, not a {}", other.type_str()),
                    ));
                }
            };
            if matches!(value, ExpectValue::Bool(_)) && !matches!(op, CmpOp::Eq | CmpOp::Ne) {
                return Err(ctx.err(
                    e_ref.op.span(),
                    format!("{key}.op"),
                    format!("a boolean bound takes == or !=, not {}", op.symbol()),
                ));
            }
            let confidence = match &e_ref.confidence {
                Some(c) if !(*c.get_ref() > 0.0 && *c.get_ref() < 1.0) => {
                    return Err(ctx.err(
                        c.span(),
                        format!("{key}.confidence"),
                        format!("`confidence` is a level between 0 and 1 such as 0.95; got {}", c.get_ref()),
                    ));
                }
                Some(c) => Some(*c.get_ref()),
                None => None,
            };
            Ok(Expectation { metric, op, value, confidence, line: ctx.line(e.span()) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_assertions_parse_like_expect_entries() {
        let e = Expectation::parse_inline("latency_ms.p99<300ms", None).unwrap();
        assert_eq!(
            (e.metric.as_str(), e.op, e.value),
            (
                "latency_ms.p99",
                CmpOp::Lt,
                ExpectValue::Text("300ms".into())
            )
        );
        let e = Expectation::parse_inline(" error_rate <= 0.1% ", Some(0.95)).unwrap();
        assert_eq!((e.op, e.confidence), (CmpOp::Le, Some(0.95)));
        let e = Expectation::parse_inline("zero_downtime.observed==true", None).unwrap();
        assert_eq!(e.value, ExpectValue::Bool(true));
        assert_eq!(
            Expectation::parse_inline("requests.ok>=10", None)
                .unwrap()
                .value,
            ExpectValue::Number(10.0)
        );
        for bad in [
            "latency_ms.p99",
            "<300ms",
            "p99 <",
            "p99 => 3",
            "p99 < fast",
            "a < true",
        ] {
            assert!(Expectation::parse_inline(bad, None).is_err(), "{bad}");
        }
    }
}
