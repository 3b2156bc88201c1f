//! The sweep's tidy CSVs, written from the journal in run order.
//!
//! - `runs.csv`: one row per run: `run, point, replication, seed`, one column per grid path,
//!   then every metric of the run's summary (`latency_ms.p99`, `apps.api.error_rate`, ...).
//! - `points.csv`: one row per grid point: `point`, the grid paths, `replications`, then for each
//!   metric `<metric>.mean`, `<metric>.sd` (sample standard deviation) and the 95% Student t
//!   confidence interval of the mean, `<metric>.ci95_low` and `<metric>.ci95_high`. Booleans
//!   count as 0 and 1 (the mean is the share of runs where it held); runs where a metric has no
//!   value are left out of its statistics; cells with nothing to show are empty.
//!
//! Metric columns are sorted by path, and numbers are printed in Rust's shortest round-trip form,
//! so the bytes depend only on the runs' results, never on thread count or shards.

use std::path::PathBuf;

use serde_json::Value;

use super::SweepError;
use super::journal::{Header, Index, JOURNAL, Record, write_line};
use super::plan::Manifest;
use crate::report::OutputDir;
use crate::stats;

/// `runs.csv`.
pub const RUNS: &str = "runs.csv";
/// `points.csv`.
pub const POINTS: &str = "points.csv";
/// `sweep.json`.
pub const MANIFEST: &str = "sweep.json";
/// Confidence level of `points.csv`'s intervals.
pub const LEVEL: f64 = 0.95;

/// Writes `sweep.json`, the journal in run order, `runs.csv` and (for a whole sweep)
/// `points.csv` to `out`, each atomically; returns the files written.
pub fn write_all(
    out: &OutputDir,
    manifest: &Manifest,
    index: &Index,
) -> Result<Vec<PathBuf>, SweepError> {
    let mut written = vec![write_manifest(out, manifest)?];

    let header = Header {
        sweep_id: manifest.sweep_id.clone(),
        shard: manifest.shard,
    };
    // The journal is rewritten in run order in the same pass that writes the tables, so each
    // record is read from the journal once here (a sweep of 100,000 tiny runs spends much of
    // its time in this serial pass).
    let mut journal = out.staged(JOURNAL)?;
    write_line(&header, &mut journal)?;

    let metrics: Vec<&String> = index.metrics.iter().collect();
    let mut runs = csv::Writer::from_writer(out.staged(RUNS)?);
    let mut head: Vec<String> = ["run", "point", "replication", "seed"]
        .map(String::from)
        .to_vec();
    head.extend(manifest.params.iter().cloned());
    head.extend(metrics.iter().map(|m| m.to_string()));
    runs.write_record(&head).map_err(csv_error)?;

    let mut points = if manifest.shard.is_none() {
        let mut w = csv::Writer::from_writer(out.staged(POINTS)?);
        let mut head = vec!["point".to_string()];
        head.extend(manifest.params.iter().cloned());
        head.push("replications".to_string());
        for m in &metrics {
            for stat in ["mean", "sd", "ci95_low", "ci95_high"] {
                head.push(format!("{m}.{stat}"));
            }
        }
        w.write_record(&head).map_err(csv_error)?;
        Some(w)
    } else {
        None
    };

    let mut group: Vec<Record> = Vec::new();
    for &at in index.runs.values() {
        let record = index.fetch(at)?;
        write_line(&record, &mut journal)?;
        let mut row = vec![
            record.run.to_string(),
            record.point.to_string(),
            record.replication.to_string(),
            record.seed.to_string(),
        ];
        row.extend(manifest.points[record.point as usize].iter().cloned());
        row.extend(metrics.iter().map(|m| cell(record.metrics.get(*m))));
        runs.write_record(&row).map_err(csv_error)?;
        if let Some(w) = points.as_mut() {
            if group.first().is_some_and(|g| g.point != record.point) {
                point_row(w, manifest, &metrics, &group)?;
                group.clear();
            }
            group.push(record);
        }
    }
    written.push(journal.commit()?);
    written.push(finish(runs)?);
    if let Some(mut w) = points {
        if !group.is_empty() {
            point_row(&mut w, manifest, &metrics, &group)?;
        }
        written.push(finish(w)?);
    }
    Ok(written)
}

/// Writes `sweep.json`.
pub fn write_manifest(out: &OutputDir, manifest: &Manifest) -> Result<PathBuf, SweepError> {
    let mut text = serde_json::to_string_pretty(manifest).expect("manifests serialize");
    text.push('\n');
    Ok(out.write(MANIFEST, text.as_bytes())?)
}

fn point_row(
    w: &mut csv::Writer<crate::report::output::StagedFile>,
    manifest: &Manifest,
    metrics: &[&String],
    group: &[Record],
) -> Result<(), SweepError> {
    let point = group[0].point;
    let mut row = vec![point.to_string()];
    row.extend(manifest.points[point as usize].iter().cloned());
    row.push(group.len().to_string());
    for m in metrics {
        let values: Vec<f64> = group
            .iter()
            .filter_map(|r| match r.metrics.get(*m) {
                Some(Value::Number(n)) => n.as_f64(),
                Some(Value::Bool(b)) => Some(f64::from(u8::from(*b))),
                _ => None,
            })
            .collect();
        if values.is_empty() {
            row.extend(std::iter::repeat_n(String::new(), 4));
            continue;
        }
        let e = stats::estimate(&values, LEVEL);
        row.push(number(e.mean));
        row.push(e.sd.map(number).unwrap_or_default());
        let (lo, hi) = e.ci.map_or((String::new(), String::new()), |(lo, hi)| {
            (number(lo), number(hi))
        });
        row.push(lo);
        row.push(hi);
    }
    w.write_record(&row).map_err(csv_error)
}

fn finish(w: csv::Writer<crate::report::output::StagedFile>) -> Result<PathBuf, SweepError> {
    let staged = w
        .into_inner()
        .map_err(|e| csv_error(csv::Error::from(e.into_error())))?;
    Ok(staged.commit()?)
}

/// A metric value as a CSV cell.
fn cell(v: Option<&Value>) -> String {
    match v {
        Some(Value::Number(n)) => n.as_f64().map(number).unwrap_or_default(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// A number in its shortest round-trip form, whole numbers without a decimal point.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        String::new()
    } else if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

fn csv_error(e: csv::Error) -> SweepError {
    SweepError::Csv(e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_exact() {
        assert_eq!(number(3.0), "3");
        assert_eq!(number(-0.0), "0");
        assert_eq!(number(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(f64::NAN), "");
        assert_eq!(cell(Some(&Value::Bool(true))), "true");
        assert_eq!(cell(Some(&Value::Null)), "");
    }
}
