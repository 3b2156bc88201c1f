//! `[sweep]`: the parameter grid and replications `spacesim sweep` runs.
//!
//! ```toml
//! [sweep]
//! replications = 5          # runs per grid point (default 1)
//! independent = false       # default: replication r of every point shares its random streams
//! zip = [["apps.api.processes.web.count", "apps.api.traffic.default.arrival.rate"]]
//!
//! [sweep.grid]
//! "router.policy" = ["random", "least_connections"]
//! "apps.api.processes.web.count" = [2, 4, 8]
//! "apps.api.traffic.default.arrival.rate" = { from = "100/s", to = "300/s", step = "100/s" }
//! ```
//!
//! Each grid key is an override path (see [`super::overrides`]); its value is a list, or a range
//! `{ from, to, step }` of numbers or of numbers with one unit (`"100/s"`, `"250ms"`). Paths in a
//! `zip` group vary together (their lists have one length); every other path is its own axis.
//! Grid points are the product of the axes, the first axis (in file order) varying slowest.
//! Quoted keys keep file order; unquoted dotted keys nest, and sort by name within their table.
//! Whether each path exists, and each value fits it, is checked when the sweep is planned, by
//! building every point's scenario before anything runs.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::error::ScenarioError;
use super::load::Checker;

/// Most values one axis may have.
pub const MAX_AXIS_VALUES: usize = 100_000;
/// Most runs (points × replications) one sweep may hold.
pub const MAX_RUNS: u64 = 10_000_000;

/// `[sweep]` as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSweep {
    /// Runs per grid point.
    pub replications: Option<Spanned<i64>>,
    /// Derive each point's seeds from the point too (no common random numbers).
    pub independent: Option<bool>,
    /// Path → list or range.
    #[serde(default)]
    pub grid: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    /// Groups of grid paths that vary together.
    #[serde(default)]
    pub zip: Vec<Spanned<Vec<Spanned<String>>>>,
}

/// A validated sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepSpec {
    /// Runs per grid point.
    pub replications: u32,
    /// Seeds derived from (point, replication) instead of the replication alone.
    pub independent: bool,
    /// The grid's paths, in file order: the parameter columns of `runs.csv`.
    pub params: Vec<String>,
    /// The axes, slowest first.
    pub axes: Vec<Axis>,
}

/// Paths that vary together: one path, or a `zip` group.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Indexes into [`SweepSpec::params`].
    pub params: Vec<usize>,
    /// `values[k][j]`: the k-th value of the axis for its j-th path.
    pub values: Vec<Vec<toml::Value>>,
}

impl SweepSpec {
    /// Number of grid points (1 for a sweep without a grid).
    pub fn points(&self) -> u64 {
        self.axes.iter().map(|a| a.values.len() as u64).product()
    }

    /// Number of runs: points × replications.
    pub fn runs(&self) -> u64 {
        self.points() * u64::from(self.replications)
    }

    /// The value of each parameter at point `p`, in [`SweepSpec::params`] order.
    pub fn point(&self, mut p: u64) -> Vec<&toml::Value> {
        assert!(p < self.points(), "point {p} out of range");
        let mut out: Vec<Option<&toml::Value>> = vec![None; self.params.len()];
        for axis in self.axes.iter().rev() {
            let n = axis.values.len() as u64;
            let k = (p % n) as usize;
            p /= n;
            for (j, &param) in axis.params.iter().enumerate() {
                out[param] = Some(&axis.values[k][j]);
            }
        }
        out.into_iter()
            .map(|v| v.expect("every parameter is on one axis"))
            .collect()
    }
}

/// Checks `[sweep]` and expands its ranges.
pub(super) fn build_sweep(
    ctx: &Checker,
    raw: &Spanned<RawSweep>,
) -> Result<SweepSpec, ScenarioError> {
    let sweep = raw.get_ref();
    let replications = match &sweep.replications {
        None => 1,
        Some(r) => match u32::try_from(*r.get_ref()) {
            Ok(n) if n >= 1 => n,
            _ => {
                return Err(ctx.err(
                    r.span(),
                    "sweep.replications",
                    format!(
                        "{} is not a number of runs: use a whole number from 1 up",
                        r.get_ref()
                    ),
                ));
            }
        },
    };

    // Grid entries in file order; nested tables (unquoted dotted keys) flatten to paths.
    let mut entries: Vec<(&Spanned<String>, &Spanned<toml::Value>)> = sweep.grid.iter().collect();
    entries.sort_by_key(|(k, _)| k.span().start);
    let mut params: Vec<String> = Vec::new();
    let mut lists: Vec<Vec<toml::Value>> = Vec::new();
    let mut spans = Vec::new();
    for (key, value) in entries {
        let mut flat = Vec::new();
        flatten(key.get_ref(), value.get_ref(), &mut flat);
        for (path, v) in flat {
            let at = format!("sweep.grid.\"{path}\"");
            let values = expand(&v).map_err(|m| ctx.err(value.span(), &at, m))?;
            if values.is_empty() {
                return Err(ctx.err(value.span(), &at, "an empty list: give at least one value"));
            }
            if values.len() > MAX_AXIS_VALUES {
                return Err(ctx.err(
                    value.span(),
                    &at,
                    format!(
                        "{} values; one axis may have at most {MAX_AXIS_VALUES}",
                        values.len()
                    ),
                ));
            }
            if params.contains(&path) {
                return Err(ctx.err(key.span(), &at, "this path is already in the grid"));
            }
            params.push(path);
            lists.push(values);
            spans.push(value.span());
        }
    }

    // Zip groups, then one axis per remaining path, ordered by their first path.
    let mut axis_of: Vec<Option<usize>> = vec![None; params.len()];
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (g, group) in sweep.zip.iter().enumerate() {
        let key = format!("sweep.zip[{g}]");
        if group.get_ref().len() < 2 {
            return Err(ctx.err(
                group.span(),
                &key,
                "a zip group lists two or more grid paths that vary together",
            ));
        }
        let mut members = Vec::new();
        for path in group.get_ref() {
            let Some(i) = params.iter().position(|p| p == path.get_ref()) else {
                return Err(ctx.err(
                    path.span(),
                    &key,
                    format!(
                        "\"{}\" is not in [sweep.grid]; grid paths: {}",
                        path.get_ref(),
                        params.join(", ")
                    ),
                ));
            };
            if axis_of[i].is_some() {
                return Err(ctx.err(
                    path.span(),
                    &key,
                    format!("\"{}\" is already in a zip group", path.get_ref()),
                ));
            }
            if lists[i].len() != lists[members.first().copied().unwrap_or(i)].len() {
                return Err(ctx.err(
                    path.span(),
                    &key,
                    format!(
                        "paths that vary together need lists of one length: \"{}\" has {} \
                         values, \"{}\" has {}",
                        params[members[0]],
                        lists[members[0]].len(),
                        path.get_ref(),
                        lists[i].len()
                    ),
                ));
            }
            axis_of[i] = Some(groups.len());
            members.push(i);
        }
        groups.push(members);
    }
    for (i, a) in axis_of.iter().enumerate() {
        if a.is_none() {
            groups.push(vec![i]);
        }
    }
    groups.sort_by_key(|g| *g.iter().min().expect("groups are not empty"));
    let axes: Vec<Axis> = groups
        .into_iter()
        .map(|members| Axis {
            values: (0..lists[members[0]].len())
                .map(|k| members.iter().map(|&m| lists[m][k].clone()).collect())
                .collect(),
            params: members,
        })
        .collect();
    let spec = SweepSpec {
        replications,
        independent: sweep.independent.unwrap_or(false),
        params,
        axes,
    };
    let runs = spec
        .axes
        .iter()
        .try_fold(u64::from(replications), |acc, a| {
            acc.checked_mul(a.values.len() as u64)
        });
    if runs.is_none_or(|r| r > MAX_RUNS) {
        return Err(ctx.err(
            raw.span(),
            "sweep",
            format!(
                "this sweep holds more than {MAX_RUNS} runs (grid points × replications); \
                 split it into several sweeps"
            ),
        ));
    }
    Ok(spec)
}

/// `key = value` of `[sweep.grid]` as (path, list-or-range) pairs; a table that is not a range
/// continues the path.
fn flatten(key: &str, value: &toml::Value, out: &mut Vec<(String, toml::Value)>) {
    match value {
        toml::Value::Table(t) if !is_range(t) => {
            for (k, v) in t {
                flatten(&format!("{key}.{k}"), v, out);
            }
        }
        other => out.push((key.to_string(), other.clone())),
    }
}

fn is_range(t: &toml::Table) -> bool {
    t.contains_key("from") || t.contains_key("to") || t.contains_key("step")
}

/// A grid value as its list of values.
fn expand(value: &toml::Value) -> Result<Vec<toml::Value>, String> {
    match value {
        toml::Value::Array(items) => Ok(items.clone()),
        toml::Value::Table(t) => expand_range(t),
        other => Err(format!(
            "{other} is a single value: give a list (`[1, 2, 3]`) or a range \
             (`{{ from = 1, to = 3, step = 1 }}`)"
        )),
    }
}

/// A number, or a number with a unit after it (`"100/s"` → (100, "/s")).
#[derive(Clone, Debug, PartialEq)]
struct Quantity {
    number: f64,
    integer: bool,
    decimals: usize,
    unit: Option<String>,
}

fn quantity(name: &str, v: &toml::Value) -> Result<Quantity, String> {
    let text = match v {
        toml::Value::Integer(i) => {
            return Ok(Quantity {
                number: *i as f64,
                integer: true,
                decimals: 0,
                unit: None,
            });
        }
        toml::Value::Float(f) => format!("{f}"),
        toml::Value::String(s) => s.trim().to_string(),
        other => return Err(format!("`{name}` = {other} is not a number")),
    };
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && c == '-')))
        .map_or(text.len(), |(i, _)| i);
    let (digits, unit) = text.split_at(end);
    let number: f64 = digits.parse().map_err(|_| {
        format!("`{name}` = \"{text}\" is not a number, or a number with a unit such as \"100/s\"")
    })?;
    let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
    Ok(Quantity {
        number,
        integer: matches!(v, toml::Value::String(_)) && decimals == 0,
        decimals,
        unit: (!unit.is_empty()).then(|| unit.to_string()),
    })
}

fn expand_range(t: &toml::Table) -> Result<Vec<toml::Value>, String> {
    for k in t.keys() {
        if !matches!(k.as_str(), "from" | "to" | "step") {
            return Err(format!(
                "unknown key `{k}` in a range: a range is {{ from, to, step }}"
            ));
        }
    }
    let get = |k: &str| {
        t.get(k)
            .ok_or_else(|| format!("a range needs `from`, `to` and `step`; `{k}` is missing"))
            .and_then(|v| quantity(k, v))
    };
    let (from, to, step) = (get("from")?, get("to")?, get("step")?);
    if from.unit != to.unit || from.unit != step.unit {
        return Err(format!(
            "`from`, `to` and `step` need one unit: they have {}, {} and {}",
            show_unit(&from.unit),
            show_unit(&to.unit),
            show_unit(&step.unit)
        ));
    }
    if step.number.is_nan() || step.number <= 0.0 || !step.number.is_finite() {
        return Err("`step` must be greater than zero".to_string());
    }
    if to.number < from.number {
        return Err(format!(
            "`to` ({}) is below `from` ({}): ranges count up",
            to.number, from.number
        ));
    }
    let count = ((to.number - from.number) / step.number + 1e-9).floor() + 1.0;
    if count > MAX_AXIS_VALUES as f64 {
        return Err(format!(
            "this range has {count} values; one axis may have at most {MAX_AXIS_VALUES}"
        ));
    }
    let decimals = from.decimals.max(step.decimals);
    let integer = from.integer && step.integer;
    let scale = 10f64.powi(decimals as i32);
    let values = (0..count as u64)
        .map(|i| {
            let x = ((from.number + i as f64 * step.number) * scale).round() / scale;
            match &from.unit {
                Some(unit) => toml::Value::String(format!("{x}{unit}")),
                None if integer => toml::Value::Integer(x as i64),
                None => toml::Value::Float(x),
            }
        })
        .collect();
    Ok(values)
}

fn show_unit(unit: &Option<String>) -> String {
    unit.as_deref()
        .map_or_else(|| "no unit".to_string(), |u| format!("\"{u}\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> Result<Vec<String>, String> {
        let t: toml::Table = format!("r = {text}").parse().unwrap();
        expand(&t["r"]).map(|v| {
            v.iter()
                .map(|x| match x {
                    toml::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect()
        })
    }

    #[test]
    fn ranges_count_up_without_float_noise() {
        assert_eq!(
            range("{ from = 2, to = 8, step = 2 }").unwrap(),
            ["2", "4", "6", "8"]
        );
        assert_eq!(
            range("{ from = 0.1, to = 0.5, step = 0.1 }").unwrap(),
            ["0.1", "0.2", "0.3", "0.4", "0.5"]
        );
        assert_eq!(
            range(r#"{ from = "100/s", to = "300/s", step = "100/s" }"#).unwrap(),
            ["100/s", "200/s", "300/s"]
        );
        assert_eq!(
            range("{ from = 1, to = 2, step = 0.5 }").unwrap(),
            ["1.0", "1.5", "2.0"]
        );
        assert_eq!(range(r#"[ "a", "b" ]"#).unwrap(), ["a", "b"]);
    }

    #[test]
    fn bad_ranges_say_how_to_fix_them() {
        assert!(
            range(r#"{ from = "100ms", to = "1s", step = "100ms" }"#)
                .unwrap_err()
                .contains("need one unit")
        );
        assert!(
            range("{ from = 1, to = 3 }")
                .unwrap_err()
                .contains("`step` is missing")
        );
        assert!(
            range("{ from = 3, to = 1, step = 1 }")
                .unwrap_err()
                .contains("count up")
        );
        assert!(
            range("{ from = 1, to = 3, step = 0 }")
                .unwrap_err()
                .contains("greater than zero")
        );
        assert!(
            range("{ from = 1, to = 3, stp = 1 }")
                .unwrap_err()
                .contains("unknown key `stp`")
        );
        assert!(range("5").unwrap_err().contains("single value"));
    }

    #[test]
    fn points_vary_the_first_axis_slowest() {
        let v = |x: i64| toml::Value::Integer(x);
        let spec = SweepSpec {
            replications: 1,
            independent: false,
            params: vec!["a".into(), "b".into(), "c".into()],
            axes: vec![
                Axis {
                    params: vec![0, 2],
                    values: vec![vec![v(1), v(10)], vec![v(2), v(20)]],
                },
                Axis {
                    params: vec![1],
                    values: vec![vec![v(7)], vec![v(8)], vec![v(9)]],
                },
            ],
        };
        assert_eq!(spec.points(), 6);
        let p = |i| {
            spec.point(i)
                .iter()
                .map(|x| x.as_integer().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(p(0), [1, 7, 10]);
        assert_eq!(p(1), [1, 8, 10]);
        assert_eq!(p(3), [2, 7, 20]);
        assert_eq!(p(5), [2, 9, 20]);
    }
}
