//! Reading a run's `timeseries.csv` and `summary.json` into the per-bin series the timeline
//! draws.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::style::RGBColor;

use crate::model::codes::ErrorCode;
use crate::report::plot::read::{self, Table, cell};
use crate::report::plot::{PlotError, style};

/// Most traffic classes drawn with their own latency lines.
pub const MAX_LATENCY_SERIES: usize = 4;

/// Dyno states in stacking order (bottom first), with the column each comes from.
pub(super) const DYNO_STATES: [(&str, &str, RGBColor); 5] = [
    ("up", "dynos_up", RGBColor(31, 119, 180)),
    ("starting", "dynos_starting", RGBColor(44, 160, 44)),
    ("provisioning", "dynos_provisioning", RGBColor(188, 189, 34)),
    ("stopping", "dynos_stopping", RGBColor(255, 127, 14)),
    ("crashed", "dynos_crashed", RGBColor(214, 39, 40)),
];

/// One operation of the timeline.
#[derive(Debug, Clone)]
pub(super) struct Op {
    pub(super) label: String,
    pub(super) start: f64,
    pub(super) end: f64,
    pub(super) color: RGBColor,
}

/// The latency lines of one traffic class (or the aggregate).
#[derive(Debug, Clone)]
pub(super) struct Latency {
    pub(super) label: String,
    pub(super) p50: Vec<Option<f64>>,
    pub(super) p99: Vec<Option<f64>>,
}

/// Everything the picture shows, per bin of [`Timeline::bin`] seconds.
#[derive(Debug)]
pub(super) struct Timeline {
    pub(super) title: String,
    pub(super) seconds: usize,
    pub(super) ok: Vec<f64>,
    pub(super) failed: Vec<(String, Vec<f64>)>,
    pub(super) latency: Vec<Latency>,
    pub(super) dynos: Vec<Vec<f64>>,
    pub(super) ops: Vec<Op>,
    /// Seconds per unit of the time axis, and the unit's name.
    pub(super) scale: (f64, &'static str),
    /// Seconds per point: the per-second rows are summarised in bins of this many seconds.
    pub(super) bin: usize,
}

/// Reads the run in `dir`.
pub(super) fn load(dir: &Path) -> Result<Timeline, PlotError> {
    let summary_path = dir.join(crate::report::SUMMARY_FILE);
    let summary = read::json(&summary_path)?;
    let path = dir.join(crate::report::TIMESERIES_FILE);
    let table = Table::read(&path)?;
    let time = table.need(&path, "time_s")?;
    let app = table.need(&path, "app")?;
    let kind = table.need(&path, "kind")?;
    let name = table.need(&path, "name")?;
    let ok = table.need(&path, "ok")?;
    if table.rows.is_empty() {
        return Err(PlotError::input(
            &path,
            "has no rows: the run recorded no seconds, so there is no timeline to draw",
        ));
    }
    let seconds = table
        .rows
        .iter()
        .filter_map(|r| cell(r, time))
        .fold(0.0f64, f64::max) as usize
        + 1;
    let codes: Vec<(String, Option<usize>)> = ErrorCode::ALL
        .iter()
        .map(|c| {
            (
                c.key().to_string(),
                table.col(&format!("failed_{}", c.key())),
            )
        })
        .collect();
    let dyno_cols: Vec<Option<usize>> = DYNO_STATES.iter().map(|s| table.col(s.1)).collect();
    let (p50c, p99c) = (table.col("latency_ms_p50"), table.col("latency_ms_p99"));

    let failed_col = table.col("failed");
    let mut other = vec![0.0; seconds];
    let mut okv = vec![0.0; seconds];
    let mut failed = vec![vec![0.0; seconds]; codes.len()];
    let mut dynos = vec![vec![0.0; seconds]; DYNO_STATES.len()];
    let mut classes: BTreeMap<String, (Latency, Vec<f64>)> = BTreeMap::new();
    for row in &table.rows {
        let Some(t) = cell(row, time).map(|t| t as usize) else {
            continue;
        };
        match row[kind].as_str() {
            "traffic" => {
                let n_ok = cell(row, ok).unwrap_or(0.0);
                okv[t] += n_ok;
                let mut by_code = 0.0;
                for (i, (_, c)) in codes.iter().enumerate() {
                    let n = c.and_then(|c| cell(row, c)).unwrap_or(0.0);
                    failed[i][t] += n;
                    by_code += n;
                }
                // A measured run's failures (HTTP statuses, transport errors) have no router
                // code: they are the rest of the `failed` column.
                let all = failed_col.and_then(|c| cell(row, c)).unwrap_or(0.0);
                other[t] += (all - by_code).max(0.0);
                let key = format!("{}/{}", row[app], row[name]);
                let (lat, weight) = classes.entry(key.clone()).or_insert_with(|| {
                    let lat = Latency {
                        label: key,
                        p50: vec![None; seconds],
                        p99: vec![None; seconds],
                    };
                    (lat, vec![0.0; seconds])
                });
                lat.p50[t] = p50c.and_then(|c| cell(row, c));
                lat.p99[t] = p99c.and_then(|c| cell(row, c));
                weight[t] = n_ok;
            }
            "process" => {
                for (i, c) in dyno_cols.iter().enumerate() {
                    dynos[i][t] += c.and_then(|c| cell(row, c)).unwrap_or(0.0);
                }
            }
            _ => {}
        }
    }
    let failed: Vec<(String, Vec<f64>)> = codes
        .into_iter()
        .zip(failed)
        .chain(std::iter::once((
            ("HTTP/transport".to_string(), None),
            other,
        )))
        .filter(|(_, v)| v.iter().any(|&x| x > 0.0))
        .map(|((k, _), v)| (k, v))
        .collect();
    let latency = if classes.len() <= MAX_LATENCY_SERIES {
        classes.into_values().map(|(l, _)| l).collect()
    } else {
        vec![aggregate_latency(classes.values(), seconds)]
    };

    let duration = summary["duration_s"].as_f64().unwrap_or(seconds as f64);
    let scale = if duration > 3.0 * 3600.0 {
        (3600.0, "h")
    } else if duration > 20.0 * 60.0 {
        (60.0, "min")
    } else {
        (1.0, "s")
    };
    let mut ops = Vec::new();
    if let Some(w) = summary["warmup_s"].as_f64().filter(|&w| w > 0.0) {
        ops.push(Op {
            label: "warm-up".into(),
            start: 0.0,
            end: w,
            color: RGBColor(160, 160, 160),
        });
    }
    if let Some(map) = summary["operations"].as_object() {
        let mut list: Vec<_> = map.iter().collect();
        list.sort_by(|a, b| {
            let s = |v: &serde_json::Value| v["start_s"].as_f64().unwrap_or(f64::MAX);
            s(a.1).total_cmp(&s(b.1)).then(a.0.cmp(b.0))
        });
        for (i, (name, op)) in list.into_iter().enumerate() {
            let Some(start) = op["start_s"].as_f64() else {
                continue;
            };
            let end = op["end_s"].as_f64().unwrap_or(duration).max(start);
            let action = op["action"].as_str().unwrap_or("");
            let app = op["app"]
                .as_str()
                .map(|a| format!(" {a}"))
                .unwrap_or_default();
            let label = if action.is_empty() || action == name {
                name.clone()
            } else {
                format!("{name} ({action}{app})")
            };
            ops.push(Op {
                label,
                start,
                end,
                color: style::color(i + 4),
            });
        }
    }
    let bin = bin_size(seconds);
    let dynos = dynos
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            // The fewest dynos up, and the most in every other state, so that a batch of a
            // deploy that lasts a few seconds still shows in a bin of minutes.
            let pick = if i == 0 { f64::min } else { f64::max };
            bins(&v, bin, |xs| xs.iter().copied().reduce(pick).unwrap_or(0.0))
        })
        .collect();
    Ok(Timeline {
        title: summary["scenario"].as_str().unwrap_or("run").to_string(),
        seconds,
        ok: bins(&okv, bin, mean),
        failed: failed
            .into_iter()
            .map(|(k, v): (String, Vec<f64>)| (k, bins(&v, bin, mean)))
            .collect(),
        latency: latency
            .into_iter()
            .map(|l| Latency {
                label: l.label,
                p50: bins(&l.p50, bin, mean_some),
                p99: bins(&l.p99, bin, mean_some),
            })
            .collect(),
        dynos,
        ops,
        scale,
        bin,
    })
}

/// Most points drawn across the time axis: about one per pixel column.
const MAX_POINTS: usize = 1000;

/// Seconds per bin: the smallest round size that keeps at most [`MAX_POINTS`] bins.
fn bin_size(seconds: usize) -> usize {
    const SIZES: [usize; 13] = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
    SIZES
        .into_iter()
        .find(|b| seconds.div_ceil(*b) <= MAX_POINTS)
        .unwrap_or_else(|| seconds.div_ceil(MAX_POINTS))
}

/// `v` summarised in bins of `size` seconds by `reduce`.
fn bins<T, U>(v: &[T], size: usize, reduce: impl Fn(&[T]) -> U) -> Vec<U> {
    v.chunks(size.max(1)).map(reduce).collect()
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

fn mean_some(xs: &[Option<f64>]) -> Option<f64> {
    let some: Vec<f64> = xs.iter().flatten().copied().collect();
    (!some.is_empty()).then(|| mean(&some))
}

/// Worst p99 and ok-weighted mean p50 over many classes.
fn aggregate_latency<'a>(
    classes: impl Iterator<Item = &'a (Latency, Vec<f64>)>,
    seconds: usize,
) -> Latency {
    let mut sum = vec![0.0; seconds];
    let mut weight = vec![0.0; seconds];
    let mut p99: Vec<Option<f64>> = vec![None; seconds];
    for (lat, w) in classes {
        for t in 0..seconds {
            if let Some(v) = lat.p50[t] {
                sum[t] += v * w[t];
                weight[t] += w[t];
            }
            if let Some(v) = lat.p99[t] {
                p99[t] = Some(p99[t].map_or(v, |m: f64| m.max(v)));
            }
        }
    }
    let p50 = (0..seconds)
        .map(|t| (weight[t] > 0.0).then(|| sum[t] / weight[t]))
        .collect();
    Latency {
        label: "all classes (p50: ok-weighted mean, p99: worst class)".into(),
        p50,
        p99,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_runs_are_binned_to_round_sizes() {
        assert_eq!(bin_size(120), 1);
        assert_eq!(bin_size(1000), 1);
        assert_eq!(bin_size(1001), 2);
        assert_eq!(bin_size(9 * 3600), 60);
        assert_eq!(bins(&[1.0, 3.0, 5.0], 2, mean), vec![2.0, 5.0]);
    }
}
