//! `spacesim compare`: two run directories (simulated or measured) side by side — latency
//! percentiles, throughput, errors — and the Kolmogorov–Smirnov distance between their latency
//! distributions.
//!
//! Everything is read from the files a run writes: `summary.json` for the counts and
//! percentiles, `latency.hgrm` (all requests, successful ones only) for the distributions. The
//! KS distance is `max |F_a(x) − F_b(x)|` over every value either histogram lists, with
//! `F(x)` = (count of values ≤ x) / count, both read from the `.hgrm` rows' cumulative
//! `TotalCount`; so it has the histograms' resolution (three significant digits) and the
//! percentile rows they list (HdrHistogram's five ticks per half-distance).

use std::fmt::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::report::hgrm::parse_percentile_distribution;

/// File names read from a run directory.
pub const SUMMARY: &str = crate::report::SUMMARY_FILE;
/// The histogram of all requests.
pub const HGRM: &str = "latency.hgrm";

/// A run directory that cannot be compared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CompareError {
    /// A file is missing or unreadable.
    #[error("cannot read {}: {source}; expected a run directory written by `spacesim run` or `spacesim load`", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file does not hold what a run writes.
    #[error("{}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// What `compare` reads of one run.
#[derive(Clone, Debug)]
pub struct RunView {
    /// A short name: the directory's last component.
    pub label: String,
    /// The directory.
    pub dir: PathBuf,
    /// `measured` or `simulated`.
    pub kind: &'static str,
    /// The parsed summary.
    pub summary: Value,
    /// `(value ms, cumulative count)` rows of `latency.hgrm`.
    pub cdf: Vec<(f64, u64)>,
}

impl RunView {
    /// Reads `dir`'s summary and all-request histogram.
    pub fn read(dir: &Path) -> Result<RunView, CompareError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| CompareError::Read { path, source })
        };
        let summary_path = dir.join(SUMMARY);
        let summary: Value =
            serde_json::from_str(&read(SUMMARY)?).map_err(|e| CompareError::Invalid {
                path: summary_path.clone(),
                message: format!("not a summary.json: {e}"),
            })?;
        if !summary.get("latency_ms").is_some_and(Value::is_object) {
            return Err(CompareError::Invalid {
                path: summary_path,
                message: "no `latency_ms` object: not a run's summary.json".into(),
            });
        }
        let hgrm_path = dir.join(HGRM);
        let rows =
            parse_percentile_distribution(&read(HGRM)?).map_err(|e| CompareError::Invalid {
                path: hgrm_path,
                message: e,
            })?;
        let label = dir
            .file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
        Ok(RunView {
            label,
            dir: dir.to_path_buf(),
            kind: if summary.get("measured").is_some() {
                "measured"
            } else {
                "simulated"
            },
            summary,
            cdf: rows.iter().map(|&(v, _, n)| (v, n)).collect(),
        })
    }

    fn number(&self, path: &str) -> Option<f64> {
        crate::check::eval::lookup(&self.summary, path)
            .ok()
            .and_then(Value::as_f64)
    }

    /// Requests after the warm-up per second of the measured window.
    pub fn throughput(&self) -> Option<f64> {
        let span = self.number("duration_s")? - self.number("warmup_s").unwrap_or(0.0);
        (span > 0.0).then(|| self.number("requests.total").unwrap_or(0.0) / span)
    }

    /// Failures by cause, nonzero only: router codes, and for a measured run HTTP statuses of
    /// 400 and more and transport errors.
    pub fn failures(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut add = |prefix: &str, v: Option<&Value>, keep: &dyn Fn(&str) -> bool| {
            if let Some(map) = v.and_then(Value::as_object) {
                for (k, n) in map {
                    let n = n.as_u64().unwrap_or(0);
                    if n > 0 && keep(k) {
                        out.push((format!("{prefix}{k}"), n));
                    }
                }
            }
        };
        add("", self.summary.get("errors"), &|_| true);
        let measured = self.summary.get("measured");
        add("http ", measured.and_then(|m| m.get("http")), &|k| {
            k.parse::<u16>().is_ok_and(|s| s >= 400)
        });
        add("", measured.and_then(|m| m.get("transport")), &|_| true);
        // Of the generator's record only `dropped` is a failure; the rest describes it.
        let dropped = measured
            .and_then(|m| m.pointer("/generator/dropped"))
            .and_then(Value::as_u64)
            .unwrap_or(0);
        if dropped > 0 {
            out.push(("dropped".to_string(), dropped));
        }
        out
    }

    /// F(x): the share of values at or below `x`.
    fn cdf_at(&self, x: f64) -> f64 {
        let total = self.cdf.last().map_or(0, |r| r.1);
        if total == 0 {
            return 0.0;
        }
        let below = self
            .cdf
            .iter()
            .take_while(|r| r.0 <= x)
            .last()
            .map_or(0, |r| r.1);
        below as f64 / total as f64
    }
}

/// The Kolmogorov–Smirnov distance between the two runs' latency distributions; `None` when
/// either has no successful request.
pub fn ks(a: &RunView, b: &RunView) -> Option<f64> {
    if a.cdf.last().is_none_or(|r| r.1 == 0) || b.cdf.last().is_none_or(|r| r.1 == 0) {
        return None;
    }
    let d = a
        .cdf
        .iter()
        .chain(&b.cdf)
        .map(|&(x, _)| (a.cdf_at(x) - b.cdf_at(x)).abs())
        .fold(0.0, f64::max);
    Some(d)
}

/// The side-by-side table.
pub fn render(a: &RunView, b: &RunView, d: Option<f64>) -> String {
    let mut s = String::new();
    let width = 24;
    let head = |v: &RunView| format!("{} ({})", v.label, v.kind);
    let _ = writeln!(s, "{:<18}{:>width$}{:>width$}", "", head(a), head(b));
    let num = |v: Option<f64>, decimals: usize| {
        v.map_or_else(|| "-".to_string(), |x| format!("{x:.decimals$}"))
    };
    let mut row = |label: &str, path: &str, decimals: usize| {
        let _ = writeln!(
            s,
            "{label:<18}{:>width$}{:>width$}",
            num(a.number(path), decimals),
            num(b.number(path), decimals)
        );
    };
    row("requests", "requests.total", 0);
    row("ok", "requests.ok", 0);
    row("failed", "requests.failed", 0);
    for (label, key) in [
        ("latency ms mean", "mean"),
        ("latency ms p50", "p50"),
        ("latency ms p90", "p90"),
        ("latency ms p99", "p99"),
        ("latency ms p99.9", "p999"),
        ("latency ms max", "max"),
    ] {
        row(label, &format!("latency_ms.{key}"), 3);
    }
    let _ = writeln!(
        s,
        "{:<18}{:>width$}{:>width$}",
        "throughput req/s",
        num(a.throughput(), 2),
        num(b.throughput(), 2)
    );
    let failures = |v: &RunView| {
        let f = v.failures();
        if f.is_empty() {
            "none".to_string()
        } else {
            f.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let _ = writeln!(s, "errors  {}: {}", a.label, failures(a));
    let _ = writeln!(s, "errors  {}: {}", b.label, failures(b));
    match d {
        Some(d) => {
            let _ = writeln!(
                s,
                "KS distance D = {d:.4} between the latency distributions (latency.hgrm, \
                 successful requests)"
            );
        }
        None => s.push_str(
            "KS distance: n/a (a run has no successful request, so no latency distribution)\n",
        ),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(rows: &[(f64, u64)]) -> RunView {
        RunView {
            label: "x".into(),
            dir: PathBuf::new(),
            kind: "simulated",
            summary: Value::Null,
            cdf: rows.to_vec(),
        }
    }

    #[test]
    fn ks_is_zero_for_equal_and_one_for_disjoint_distributions() {
        let a = view(&[(1.0, 5), (2.0, 10)]);
        assert_eq!(ks(&a, &a), Some(0.0));
        let b = view(&[(5.0, 5), (6.0, 10)]);
        assert_eq!(ks(&a, &b), Some(1.0));
        let c = view(&[(1.0, 0), (2.0, 10)]);
        // At x = 1: 0.5 against 0.
        assert_eq!(ks(&a, &c), Some(0.5));
        assert_eq!(ks(&a, &view(&[])), None);
    }
}
