//! Sweep pictures from `points.csv` and `sweep.json`.
//!
//! - `sweep-<metric>.<ext>`: the metric's mean against the first grid parameter whose values
//!   are all numbers (units such as `/s` are read off and put in the axis label; with no numeric
//!   parameter, the first parameter's values are categories), one line per combination of the
//!   other parameters, with the 95% confidence interval (`<metric>.ci95_low|high`) as a band.
//!   With one replication there is no interval, and the caption says so.
//! - `heatmap-<metric>.<ext>` when the grid has exactly two parameters: the mean of every point
//!   as a coloured, labelled cell.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::read::{self, Table, cell, number_with_unit};
use super::style::{self, AXIS, LABEL, SIZE, TITLE, font, metric_label, num};
use super::{DrawResult, Figure, Options, PlotError};

/// The metric drawn when none is asked for.
pub const DEFAULT_METRIC: &str = "latency_ms.p99";

/// One grid point: its parameter values and the metric's mean and interval.
struct Point {
    values: Vec<String>,
    mean: Option<f64>,
    ci: Option<(f64, f64)>,
}

/// A point of a line: x, the mean and its interval.
type XY = (f64, f64, Option<(f64, f64)>);

/// One line: the other parameters' values, and its points sorted by x.
struct Series {
    label: String,
    points: Vec<XY>,
}

struct Lines {
    metric: String,
    x_label: String,
    /// Category names when x is not numeric.
    categories: Option<Vec<String>>,
    series: Vec<Series>,
    replications: String,
}

struct Heatmap {
    metric: String,
    x: (String, Vec<String>),
    y: (String, Vec<String>),
    /// `cells[y][x]`.
    cells: Vec<Vec<Option<f64>>>,
}

/// Draws the sweep in `dir` into `out`.
pub fn draw(dir: &Path, out: &Path, options: &Options) -> Result<Vec<PathBuf>, PlotError> {
    let manifest_path = dir.join("sweep.json");
    let manifest = read::json(&manifest_path)?;
    let params: Vec<String> = manifest["params"]
        .as_array()
        .ok_or_else(|| PlotError::input(&manifest_path, "has no `params` list"))?
        .iter()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect();
    let path = dir.join("points.csv");
    let table = Table::read(&path)?;
    if table.rows.len() < 2 {
        return Err(PlotError::input(
            &path,
            format!(
                "the sweep has {} point{}: a line needs at least two; give the grid a parameter \
                 with two or more values",
                table.rows.len(),
                if table.rows.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    if params.is_empty() {
        return Err(PlotError::input(
            &manifest_path,
            "the sweep has no grid parameters",
        ));
    }
    let param_cols = params
        .iter()
        .map(|p| table.need(&path, p))
        .collect::<Result<Vec<_>, _>>()?;
    let metrics = if options.metrics.is_empty() {
        vec![DEFAULT_METRIC.to_string()]
    } else {
        options.metrics.clone()
    };
    let replications = table
        .col("replications")
        .and_then(|c| table.rows.first().map(|r| r[c].clone()))
        .unwrap_or_default();
    let mut written = Vec::new();
    for metric in &metrics {
        let Some(mean) = table.col(&format!("{metric}.mean")) else {
            let known: Vec<&str> = table
                .header
                .iter()
                .filter_map(|h| h.strip_suffix(".mean"))
                .filter(|m| !m.starts_with("apps.") && !m.starts_with("operations."))
                .collect();
            return Err(PlotError::input(
                &path,
                format!(
                    "has no metric `{metric}` (no column `{metric}.mean`); metrics include: {}",
                    known.join(", ")
                ),
            ));
        };
        let (lo, hi) = (
            table.col(&format!("{metric}.ci95_low")),
            table.col(&format!("{metric}.ci95_high")),
        );
        let points: Vec<Point> = table
            .rows
            .iter()
            .map(|r| Point {
                values: param_cols.iter().map(|&c| r[c].clone()).collect(),
                mean: cell(r, mean),
                ci: lo.zip(hi).and_then(|(l, h)| cell(r, l).zip(cell(r, h))),
            })
            .collect();
        if points.iter().all(|p| p.mean.is_none()) {
            return Err(PlotError::input(
                &path,
                format!(
                    "metric `{metric}` is empty at every point (e.g. a latency with no \
                     successful request): nothing to draw"
                ),
            ));
        }
        let lines = lines(metric, &params, &points, &replications);
        let stem = format!("sweep-{}", metric.replace('/', "_"));
        written.push(super::render(&lines, out, &stem, options.format)?);
        if params.len() == 2 {
            let map = heatmap(metric, &params, &points, lines.categories.is_none());
            let stem = format!("heatmap-{}", metric.replace('/', "_"));
            written.push(super::render(&map, out, &stem, options.format)?);
        }
    }
    Ok(written)
}

/// The first parameter whose values are all numbers with one unit, if any.
fn numeric_param(params: &[String], points: &[Point]) -> Option<(usize, String)> {
    (0..params.len()).find_map(|i| {
        let parsed: Option<Vec<(f64, &str)>> = points
            .iter()
            .map(|p| number_with_unit(&p.values[i]))
            .collect();
        let parsed = parsed?;
        let unit = parsed.first()?.1;
        parsed
            .iter()
            .all(|(_, u)| *u == unit)
            .then(|| (i, unit.to_string()))
    })
}

fn lines(metric: &str, params: &[String], points: &[Point], replications: &str) -> Lines {
    let numeric = numeric_param(params, points);
    let xi = numeric.as_ref().map_or(0, |n| n.0);
    let categories = numeric.is_none().then(|| distinct(points, xi));
    let x_label = match &numeric {
        Some((_, u)) if !u.is_empty() => format!(
            "{} ({})",
            params[xi],
            u.trim_start_matches('/').to_string() + if u.starts_with('/') { " per s" } else { "" }
        ),
        _ => params[xi].clone(),
    };
    let mut by_label: BTreeMap<usize, Series> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for p in points {
        let label = (0..params.len())
            .filter(|&i| i != xi)
            .map(|i| format!("{}={}", params[i], p.values[i]))
            .collect::<Vec<_>>()
            .join(", ");
        let idx = order.iter().position(|l| *l == label).unwrap_or_else(|| {
            order.push(label.clone());
            order.len() - 1
        });
        let x = match &categories {
            Some(c) => c.iter().position(|v| *v == p.values[xi]).unwrap_or(0) as f64,
            None => number_with_unit(&p.values[xi]).map_or(0.0, |v| v.0),
        };
        let series = by_label.entry(idx).or_insert_with(|| Series {
            label: if label.is_empty() {
                metric.to_string()
            } else {
                label
            },
            points: Vec::new(),
        });
        if let Some(m) = p.mean {
            series.points.push((x, m, p.ci));
        }
    }
    let mut series: Vec<Series> = by_label.into_values().collect();
    for s in &mut series {
        s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    Lines {
        metric: metric.to_string(),
        x_label,
        categories,
        series,
        replications: replications.to_string(),
    }
}

/// The distinct values of parameter `i`, in grid order.
fn distinct(points: &[Point], i: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for p in points {
        if !out.contains(&p.values[i]) {
            out.push(p.values[i].clone());
        }
    }
    out
}

fn heatmap(metric: &str, params: &[String], points: &[Point], numeric_first: bool) -> Heatmap {
    // x is the line plot's x parameter; y the other one.
    let xi = if numeric_first {
        numeric_param(params, points).map_or(0, |n| n.0)
    } else {
        0
    };
    let yi = 1 - xi;
    let xs = distinct(points, xi);
    let ys = distinct(points, yi);
    let mut cells = vec![vec![None; xs.len()]; ys.len()];
    for p in points {
        let x = xs.iter().position(|v| *v == p.values[xi]).unwrap_or(0);
        let y = ys.iter().position(|v| *v == p.values[yi]).unwrap_or(0);
        cells[y][x] = p.mean;
    }
    Heatmap {
        metric: metric.to_string(),
        x: (params[xi].clone(), xs),
        y: (params[yi].clone(), ys),
        cells,
    }
}

impl Figure for Lines {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let all = self.series.iter().flat_map(|s| &s.points);
        let xs = all.clone().map(|p| p.0);
        let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
        let ys = all.flat_map(|p| [p.1, p.2.map_or(p.1, |c| c.0), p.2.map_or(p.1, |c| c.1)]);
        let (y0, y1) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
        let pad = ((x1 - x0) * 0.04).max(0.5);
        let ypad = ((y1 - y0) * 0.08).max(y1.abs() * 0.05).max(1e-9);
        let has_ci = self
            .series
            .iter()
            .any(|s| s.points.iter().any(|p| p.2.is_some()));
        let caption = if has_ci {
            format!("{}: mean and 95% confidence interval", self.metric)
        } else {
            format!(
                "{}: mean (one replication, no confidence interval)",
                self.metric
            )
        };
        let mut chart = ChartBuilder::on(root)
            .caption(caption, font(TITLE))
            .margin(20)
            .margin_right(40)
            .x_label_area_size(70)
            .y_label_area_size(120)
            .build_cartesian_2d((x0 - pad)..(x1 + pad), (y0 - ypad)..(y1 + ypad))?;
        let cats = self.categories.clone();
        let x_fmt = move |v: &f64| match &cats {
            Some(c) if v.fract().abs() < 1e-9 && *v >= 0.0 => {
                c.get(*v as usize).cloned().unwrap_or_default()
            }
            Some(_) => String::new(),
            None => num(*v),
        };
        let integers = self
            .series
            .iter()
            .flat_map(|s| &s.points)
            .all(|p| p.0.fract() == 0.0);
        let x_labels = match &self.categories {
            Some(c) => c.len() * 4 + 1,
            None if integers && x1 - x0 <= 12.0 => (x1 - x0) as usize + 1,
            None => 12,
        };
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(x_labels)
            .light_line_style(BLACK.mix(0.04))
            .y_labels(10)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|v| num(*v))
            .label_style(font(LABEL))
            .axis_desc_style(font(AXIS))
            .x_desc(&self.x_label)
            .y_desc(metric_label(&self.metric));
        if self.categories.is_some() {
            mesh.disable_x_mesh();
        }
        mesh.draw()?;
        for (i, s) in self.series.iter().enumerate() {
            let color = style::color(i);
            let band: Vec<(f64, f64)> = s
                .points
                .iter()
                .filter_map(|p| p.2.map(|c| (p.0, c.0)))
                .chain(
                    s.points
                        .iter()
                        .rev()
                        .filter_map(|p| p.2.map(|c| (p.0, c.1))),
                )
                .collect();
            if band.len() >= 4 {
                chart.draw_series(std::iter::once(Polygon::new(
                    band,
                    color.mix(0.18).filled(),
                )))?;
            }
            for p in s.points.iter().filter(|p| p.2.is_some()) {
                let (lo, hi) = p.2.unwrap_or((p.1, p.1));
                chart.draw_series(std::iter::once(ErrorBar::new_vertical(
                    p.0,
                    lo,
                    p.1,
                    hi,
                    color.mix(0.7).stroke_width(2),
                    12,
                )))?;
            }
            chart
                .draw_series(LineSeries::new(
                    s.points.iter().map(|p| (p.0, p.1)),
                    color.stroke_width(3),
                ))?
                .label(s.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                });
            chart.draw_series(
                s.points
                    .iter()
                    .map(|p| Circle::new((p.0, p.1), 5, color.filled())),
            )?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .label_font(font(LABEL))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        if !self.replications.is_empty() {
            root.draw_text(
                &format!("{} replications per point", self.replications),
                &font(LABEL),
                (25, SIZE.1 as i32 - 28),
            )?;
        }
        Ok(())
    }
}

/// Viridis, from five stops: readable in greyscale and by most colour-blind viewers.
fn viridis(t: f64) -> RGBColor {
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (253.0, 231.0, 37.0),
    ];
    let t = t.clamp(0.0, 1.0) * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

impl Figure for Heatmap {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let values = self.cells.iter().flatten().flatten().copied();
        let (lo, hi) = values.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
        let span = if hi > lo { hi - lo } else { 1.0 };
        let (body, bar) = root.split_horizontally(SIZE.0 - 200);
        let (nx, ny) = (self.x.1.len(), self.y.1.len());
        let mut chart = ChartBuilder::on(&body)
            .caption(
                format!("{}: mean at each grid point", self.metric),
                font(TITLE),
            )
            .margin(20)
            .x_label_area_size(70)
            .y_label_area_size(200)
            .build_cartesian_2d(
                // A segmented range holds both ends: n categories are 0..=n-1.
                (0..nx as i32 - 1).into_segmented(),
                (0..ny as i32 - 1).into_segmented(),
            )?;
        let (xs, ys) = (self.x.1.clone(), self.y.1.clone());
        let name = |v: &SegmentValue<i32>, names: &[String]| match v {
            SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => {
                names.get(*i as usize).cloned().unwrap_or_default()
            }
            SegmentValue::Last => String::new(),
        };
        chart
            .configure_mesh()
            .disable_mesh()
            .x_labels(nx)
            .y_labels(ny)
            .x_label_formatter(&|v| name(v, &xs))
            .y_label_formatter(&|v| name(v, &ys))
            .label_style(font(LABEL))
            .axis_desc_style(font(AXIS))
            .x_desc(&self.x.0)
            .y_desc(&self.y.0)
            .draw()?;
        let label_cells = nx * ny <= 400;
        for (y, row) in self.cells.iter().enumerate() {
            for (x, v) in row.iter().enumerate() {
                let (x, y) = (x as i32, y as i32);
                let corners = [
                    (SegmentValue::Exact(x), SegmentValue::Exact(y)),
                    (SegmentValue::Exact(x + 1), SegmentValue::Exact(y + 1)),
                ];
                let Some(v) = v else {
                    chart.draw_series(std::iter::once(Rectangle::new(corners, WHITE.filled())))?;
                    continue;
                };
                let t = (v - lo) / span;
                chart.draw_series(std::iter::once(Rectangle::new(
                    corners,
                    viridis(t).filled(),
                )))?;
                if label_cells {
                    let c = chart
                        .backend_coord(&(SegmentValue::CenterOf(x), SegmentValue::CenterOf(y)));
                    let text = num(*v);
                    let color = if t > 0.6 { BLACK } else { WHITE };
                    let style =
                        font(LABEL)
                            .color(&color)
                            .pos(plotters::style::text_anchor::Pos::new(
                                plotters::style::text_anchor::HPos::Center,
                                plotters::style::text_anchor::VPos::Center,
                            ));
                    let top =
                        chart.backend_coord(&(SegmentValue::Exact(x), SegmentValue::Exact(y + 1)));
                    let bottom =
                        chart.backend_coord(&(SegmentValue::Exact(x), SegmentValue::Exact(y)));
                    let y_mid = (top.1 + bottom.1) / 2;
                    let left = chart
                        .backend_coord(&(SegmentValue::Exact(x), SegmentValue::Exact(y)))
                        .0;
                    let right = chart
                        .backend_coord(&(SegmentValue::Exact(x + 1), SegmentValue::Exact(y)))
                        .0;
                    let _ = c;
                    root.draw_text(&text, &style, ((left + right) / 2, y_mid))?;
                }
            }
        }
        // Colour bar.
        let (_, h) = bar.dim_in_pixel();
        let (top, bottom) = (90i32, h as i32 - 110);
        for i in 0..(bottom - top) {
            let t = 1.0 - f64::from(i) / f64::from(bottom - top);
            bar.draw(&Rectangle::new(
                [(30, top + i), (70, top + i + 1)],
                viridis(t).filled(),
            ))?;
        }
        bar.draw_text(&num(hi), &font(LABEL), (80, top - 8))?;
        bar.draw_text(&num(lo), &font(LABEL), (80, bottom - 8))?;
        bar.draw_text(
            &num((lo + hi) / 2.0),
            &font(LABEL),
            (80, (top + bottom) / 2 - 8),
        )?;
        bar.draw_text(&metric_label(&self.metric), &font(LABEL), (10, top - 40))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_ends_are_dark_purple_and_yellow() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
    }
}
