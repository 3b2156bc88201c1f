//! A capacity search as bytes: `capacity.csv` (the probe table), `capacity.json` (the answer)
//! and the text printed on a terminal.
//!
//! `capacity.csv` has one row per probe, in probe order, with these columns:
//! - `probe` (1-based), `stage` (`bracket`, `bisect` or `refine`);
//! - the searched value, named by its path: `<path>_per_s` for a rate (requests per second),
//!   `<path>` for an integer;
//! - `replications`, `meets` (`true` when every SLO's mean meets its bound), `confident`
//!   (`pass`, `fail` or `unclear`);
//! - for each SLO, in the order given: `<metric>.mean`, `<metric>.ci_low`, `<metric>.ci_high`
//!   and `<metric>.bound`, in the metric's unit (milliseconds for `latency_ms.*`, a fraction for
//!   `error_rate`); empty when the metric had no value. A metric named by two SLOs gets `#2`
//!   after its name in the second SLO's columns.
//!
//! Means and interval ends are rounded to 6 significant digits (far finer than their
//! confidence intervals) and written without an exponent; the same results give the same
//! bytes.

use serde::Serialize;

use super::axis::{Axis, round_significant};
use super::search::Outcome;
use super::slo::Slo;
use super::{Capacity, Probe, Report};
use crate::check::eval::Unit;

/// The header and rows of `capacity.csv`.
pub fn csv(capacity: &Capacity, probes: &[Probe]) -> Vec<u8> {
    let axis = &capacity.axis;
    let mut w = csv::Writer::from_writer(Vec::new());
    let value_column = if axis.is_rate() {
        format!("{}_per_s", axis.path)
    } else {
        axis.path.clone()
    };
    let mut header: Vec<String> = ["probe", "stage", &value_column, "replications", "meets"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.push("confident".into());
    for name in slo_columns(&capacity.options.slos) {
        for part in ["mean", "ci_low", "ci_high", "bound"] {
            header.push(format!("{name}.{part}"));
        }
    }
    w.write_record(&header).expect("writing to memory");
    let num = |v: Option<f64>| {
        v.map(|v| format!("{}", round_significant(v, 6)))
            .unwrap_or_default()
    };
    for p in probes {
        let mut row = vec![
            p.index.to_string(),
            p.stage.as_str().to_string(),
            axis.number(p.value),
            capacity.options.replications.to_string(),
            p.meets.to_string(),
            p.confident.as_str().to_string(),
        ];
        for (slo, v) in capacity.options.slos.iter().zip(&p.slos) {
            row.push(num(v.mean));
            row.push(num(v.ci.map(|c| c.0)));
            row.push(num(v.ci.map(|c| c.1)));
            row.push(format!("{}", slo.bound));
        }
        w.write_record(&row).expect("writing to memory");
    }
    w.into_inner().expect("writing to memory")
}

/// Column-name prefixes of the SLOs: their metrics, `#n` added to repeats.
fn slo_columns(slos: &[Slo]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(slos.len());
    for slo in slos {
        let seen = slos
            .iter()
            .take(names.len())
            .filter(|s| s.metric == slo.metric)
            .count();
        names.push(if seen == 0 {
            slo.metric.clone()
        } else {
            format!("{}#{}", slo.metric, seen + 1)
        });
    }
    names
}

/// The boundary's interval in the searched unit: for a rate, from the closest confident pass
/// to the closest confident fail; for an integer, from one above the closest confident fail
/// (or 1) to the closest confident pass. None for a side not found.
pub fn interval(axis: &Axis, outcome: &Outcome) -> Option<(Option<f64>, Option<f64>)> {
    let Outcome::Found(f) = outcome else {
        return None;
    };
    Some(if axis.is_rate() {
        (f.confident_pass, f.confident_fail)
    } else {
        (
            Some(f.confident_fail.map_or(1.0, |v| v + 1.0)),
            f.confident_pass,
        )
    })
}

#[derive(Serialize)]
struct Json<'a> {
    spacesim_version: &'static str,
    scenario: &'a str,
    scenario_sha256: &'a str,
    overrides: &'a [String],
    seed: u64,
    search: &'static str,
    parameter: &'a str,
    unit: Option<&'static str>,
    start: f64,
    slos: Vec<JsonSlo<'a>>,
    replications: u32,
    confidence: f64,
    precision: Option<f64>,
    max_probes: u32,
    probes: usize,
    outcome: &'static str,
    answer: Option<f64>,
    answer_text: Option<String>,
    miss: Option<f64>,
    interval: Option<JsonInterval>,
    confident_pass: Option<f64>,
    confident_fail: Option<f64>,
    converged: Option<bool>,
}

#[derive(Serialize)]
struct JsonSlo<'a> {
    slo: &'a str,
    metric: &'a str,
    op: &'static str,
    bound: f64,
}

#[derive(Serialize)]
struct JsonInterval {
    low: Option<f64>,
    high: Option<f64>,
}

/// `capacity.json`: the problem, the answer and its interval, with provenance.
pub fn json(capacity: &Capacity, report: &Report) -> Vec<u8> {
    let axis = &capacity.axis;
    let found = match &report.outcome {
        Outcome::Found(f) => Some(f),
        _ => None,
    };
    let doc = Json {
        spacesim_version: env!("CARGO_PKG_VERSION"),
        scenario: &capacity.base.name,
        scenario_sha256: &capacity.base.source.sha256,
        overrides: &capacity.base.source.overrides,
        seed: capacity.base.seed,
        search: if axis.is_rate() {
            "largest rate"
        } else {
            "smallest value"
        },
        parameter: &axis.path,
        unit: axis.is_rate().then_some("per_s"),
        start: axis.start,
        slos: capacity
            .options
            .slos
            .iter()
            .map(|s| JsonSlo {
                slo: &s.text,
                metric: &s.metric,
                op: s.op.symbol(),
                bound: s.bound,
            })
            .collect(),
        replications: capacity.options.replications,
        confidence: capacity.options.confidence,
        precision: match axis.kind {
            super::AxisKind::Rate { precision, .. } => Some(precision),
            super::AxisKind::Count { .. } => None,
        },
        max_probes: capacity.options.max_probes,
        probes: report.probes.len(),
        outcome: match report.outcome {
            Outcome::Found(_) => "found",
            Outcome::NoneMeets { .. } => "none_meets",
            Outcome::AlwaysMeets { .. } => "always_meets",
            Outcome::OutOfProbes { .. } => "out_of_probes",
        },
        answer: found.map(|f| f.answer),
        answer_text: found.map(|f| axis.text(f.answer)),
        miss: found.and_then(|f| f.miss),
        interval: interval(axis, &report.outcome).map(|(low, high)| JsonInterval { low, high }),
        confident_pass: found.and_then(|f| f.confident_pass),
        confident_fail: found.and_then(|f| f.confident_fail),
        converged: found.map(|f| f.converged),
    };
    let mut text = serde_json::to_string_pretty(&doc).expect("capacity reports serialize");
    text.push('\n');
    text.into_bytes()
}

/// The SLOs as one phrase: `latency_ms.p99 < 300ms and error_rate < 0.1%`.
pub fn slo_phrase(slos: &[Slo]) -> String {
    slos.iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" and ")
}

/// The line above the probe table: what is searched, how.
pub fn heading(capacity: &Capacity) -> String {
    let o = &capacity.options;
    let what = if capacity.axis.is_rate() {
        "the largest"
    } else {
        "the smallest"
    };
    format!(
        "capacity of {}: {what} {} that meets {} ({} replications per probe, {}% confidence)\n",
        capacity.base.name,
        capacity.axis.path,
        slo_phrase(&o.slos),
        o.replications,
        percent(o.confidence)
    )
}

/// Width of the value column of the printed table.
const VALUE_WIDTH: usize = 12;

/// The header of the printed probe table.
pub fn table_header(capacity: &Capacity) -> String {
    let mut line = format!(
        "{:>5}  {:<7}  {:>VALUE_WIDTH$}  {:<5}  {:<9}",
        "probe", "stage", "value", "meets", "confident"
    );
    let cells: Vec<String> = capacity
        .options
        .slos
        .iter()
        .map(|slo| {
            format!(
                "{} ({}% CI)",
                slo.metric,
                percent(capacity.options.confidence)
            )
        })
        .collect();
    push_cells(&mut line, &cells);
    line.trim_end().to_string() + "\n"
}

/// One row of the printed probe table.
pub fn table_row(probe: &Probe, capacity: &Capacity) -> String {
    let mut line = format!(
        "{:>5}  {:<7}  {:>VALUE_WIDTH$}  {:<5}  {:<9}",
        probe.index,
        probe.stage.as_str(),
        probe.text,
        if probe.meets { "yes" } else { "no" },
        probe.confident.as_str()
    );
    let cells: Vec<String> = capacity
        .options
        .slos
        .iter()
        .zip(&probe.slos)
        .map(|(slo, v)| match (v.mean, v.ci) {
            (Some(m), Some((lo, hi))) => format!(
                "{} ({}..{})",
                show(slo.unit, m),
                show_bare(slo.unit, lo),
                show_bare(slo.unit, hi)
            ),
            (Some(m), None) => show(slo.unit, m),
            (None, _) => "no value".to_string(),
        })
        .collect();
    push_cells(&mut line, &cells);
    line.trim_end().to_string() + "\n"
}

/// Width of an SLO's column in the printed table (wider cells push the next ones right).
const SLO_WIDTH: usize = 34;

/// Appends the SLO cells of a table line, padded to [`SLO_WIDTH`].
fn push_cells(line: &mut String, cells: &[String]) {
    for cell in cells {
        line.push_str(&format!("  {cell:<SLO_WIDTH$}"));
    }
}

/// The closing lines: the answer and its interval, or why there is none.
pub fn verdict(capacity: &Capacity, report: &Report) -> String {
    let axis = &capacity.axis;
    let slos = slo_phrase(&capacity.options.slos);
    let side = |v: Option<f64>| v.map_or_else(|| "unknown".to_string(), |v| axis.text(v));
    match &report.outcome {
        Outcome::Found(f) => {
            let (low, high) = interval(axis, &report.outcome).expect("found");
            let mut out = format!(
                "capacity: {} meets {slos} ({}% confidence interval of the boundary: {} .. {}",
                axis.text(f.answer),
                percent(capacity.options.confidence),
                side(low),
                side(high)
            );
            if !axis.is_rate() {
                out.push_str(&format!(
                    "; smallest value that confidently passes: {}",
                    side(f.confident_pass)
                ));
            }
            out.push_str(")\n");
            if !f.converged {
                out.push_str(&format!(
                    "note: the search stopped at --max-probes {} before the bracket was narrow \
                     enough; the boundary is between {} and {}\n",
                    capacity.options.max_probes,
                    axis.text(f.answer),
                    side(f.miss)
                ));
            }
            out
        }
        Outcome::NoneMeets { best } => {
            if axis.is_rate() {
                format!(
                    "capacity: no rate meets {slos}: even {} (the scenario's rate / {}) does not\n",
                    axis.text(*best),
                    2u32.pow(super::axis::RATE_OCTAVES as u32)
                )
            } else {
                format!(
                    "capacity: no value of {} meets {slos}: even {} (the largest allowed, \
                     --max-value) does not\n",
                    axis.path,
                    axis.text(*best)
                )
            }
        }
        Outcome::AlwaysMeets { worst } => format!(
            "capacity: every rate probed meets {slos}, up to {} (the scenario's rate × {})\n",
            axis.text(*worst),
            2u32.pow(super::axis::RATE_OCTAVES as u32)
        ),
        Outcome::OutOfProbes { .. } => format!(
            "capacity: the search ran out of probes (--max-probes {}) before it found a value \
             that meets {slos} and one that does not\n",
            capacity.options.max_probes
        ),
    }
}

/// `0.95` as `95`, `0.999` as `99.9`.
fn percent(level: f64) -> String {
    format!("{}", (level * 1e6).round() / 1e4)
}

/// A metric value with its unit, short: `412.3 ms`, `0.012%`.
fn show(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Millis => format!("{} ms", show_bare(unit, v)),
        Unit::Seconds => format!("{} s", show_bare(unit, v)),
        Unit::Fraction => format!("{}%", show_bare(unit, v)),
        Unit::Plain => show_bare(unit, v),
    }
}

/// A metric value without its unit (a fraction as a percentage).
fn show_bare(unit: Unit, v: f64) -> String {
    match unit {
        Unit::Millis => format!("{v:.1}"),
        Unit::Seconds => format!("{v:.2}"),
        Unit::Fraction => format!("{:.3}", v * 100.0),
        Unit::Plain => format!("{}", round_significant(v, 4)),
    }
}
