//! `capacity.png`: a capacity search's probes, one panel per SLO.
//!
//! Drawn from `capacity.csv` (one row per probe: the value probed, and per SLO
//! `<metric>.mean|ci_low|ci_high|bound`) and `capacity.json` (the SLOs, the answer and its
//! interval). Each panel shows the value probed against the SLO metric's mean with its interval
//! as a whisker (green where the probe met every SLO, red where it did not), the bound as a
//! dashed horizontal line, the answer as a vertical line and the answer's interval shaded. A
//! metric spanning more than two decades is drawn on a log scale, so a probe far past the knee
//! does not flatten the others.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::read::{self, Table, cell};
use super::style::{AXIS, LABEL, SIZE, TITLE, font, metric_label, num};
use super::{DrawResult, Figure, Format, PlotError};

const PASS: RGBColor = RGBColor(44, 160, 44);
const FAIL: RGBColor = RGBColor(214, 39, 40);

/// A probe of one SLO: `(value, mean, low, high, met)`.
type Probe = (f64, f64, f64, f64, bool);

struct Panel {
    slo: String,
    metric: String,
    bound: f64,
    probes: Vec<Probe>,
}

struct Capacity {
    title: String,
    x_label: String,
    answer: Option<(f64, String)>,
    interval: Option<(f64, f64)>,
    panels: Vec<Panel>,
}

/// Draws `capacity.<ext>` into `out` from the search in `dir`.
pub fn draw(dir: &Path, out: &Path, format: Format) -> Result<PathBuf, PlotError> {
    let json_path = dir.join("capacity.json");
    let json = read::json(&json_path)?;
    let path = dir.join("capacity.csv");
    let table = Table::read(&path)?;
    if table.rows.is_empty() {
        return Err(PlotError::input(&path, "has no probes: nothing to draw"));
    }
    // The value column is the third: `probe, stage, <path>_per_s | <path>, ...`.
    let value_col = 2;
    let x_name = table.header.get(value_col).cloned().unwrap_or_default();
    let meets = table.need(&path, "meets")?;
    let slos = json["slos"]
        .as_array()
        .ok_or_else(|| PlotError::input(&json_path, "has no `slos` list"))?;
    let mut panels = Vec::new();
    for slo in slos {
        let metric = slo["metric"].as_str().unwrap_or_default().to_string();
        let col = |s: &str| table.need(&path, &format!("{metric}.{s}"));
        let (m, lo, hi, b) = (col("mean")?, col("ci_low")?, col("ci_high")?, col("bound")?);
        let bound = slo["bound"]
            .as_f64()
            .or_else(|| table.rows.first().and_then(|r| cell(r, b)))
            .unwrap_or(f64::NAN);
        let probes: Vec<Probe> = table
            .rows
            .iter()
            .filter_map(|r| {
                let x = cell(r, value_col)?;
                let mean = cell(r, m)?;
                let low = cell(r, lo).unwrap_or(mean);
                let high = cell(r, hi).unwrap_or(mean);
                Some((x, mean, low, high, r[meets] == "true"))
            })
            .collect();
        if probes.is_empty() {
            return Err(PlotError::input(
                &path,
                format!("SLO metric `{metric}` has no value at any probe: nothing to draw"),
            ));
        }
        panels.push(Panel {
            slo: slo["slo"].as_str().unwrap_or(&metric).to_string(),
            metric,
            bound,
            probes,
        });
    }
    if panels.is_empty() {
        return Err(PlotError::input(
            &json_path,
            "lists no SLOs: nothing to draw",
        ));
    }
    let unit = json["unit"].as_str().unwrap_or("");
    let parameter = json["parameter"].as_str().unwrap_or(&x_name);
    let x_label = match unit {
        "per_s" => format!("{parameter} (requests/s)"),
        "" => parameter.to_string(),
        u => format!("{parameter} ({u})"),
    };
    let answer = json["answer"].as_f64().map(|a| {
        let text = json["answer_text"]
            .as_str()
            .map_or_else(|| num(a), str::to_string);
        (a, text)
    });
    let interval = json["interval"]["low"]
        .as_f64()
        .zip(json["interval"]["high"].as_f64());
    let title = match &answer {
        Some((_, text)) => format!(
            "Capacity of {}: {text} ({})",
            json["scenario"].as_str().unwrap_or("scenario"),
            json["search"].as_str().unwrap_or("search")
        ),
        None => format!(
            "Capacity of {}: no value meets the SLOs",
            json["scenario"].as_str().unwrap_or("scenario")
        ),
    };
    let figure = Capacity {
        title,
        x_label,
        answer,
        interval,
        panels,
    };
    super::render(&figure, out, "capacity", format)
}

impl Figure for Capacity {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let root = root.margin(12, 0, 0, 0).titled(&self.title, font(TITLE))?;
        let xs = self
            .panels
            .iter()
            .flat_map(|p| p.probes.iter().map(|q| q.0));
        let (x0, x1) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
        let pad = ((x1 - x0) * 0.05).max(0.5);
        let x = (x0 - pad)..(x1 + pad);
        let areas = root.split_evenly((self.panels.len(), 1));
        for (i, (panel, area)) in self.panels.iter().zip(&areas).enumerate() {
            let bottom = i + 1 == self.panels.len();
            self.draw_panel(panel, area, x.clone(), bottom)?;
        }
        Ok(())
    }
}

impl Capacity {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &Panel,
        area: &DrawingArea<DB, Shift>,
        x: std::ops::Range<f64>,
        bottom: bool,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let ys = panel.probes.iter().flat_map(|p| [p.1, p.2, p.3]);
        let ys = ys.chain(std::iter::once(panel.bound).filter(|b| b.is_finite()));
        let (lo, hi) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
        let log = lo > 0.0 && hi / lo > 100.0;
        let desc = if log {
            format!("{} (log scale)", metric_label(&panel.metric))
        } else {
            metric_label(&panel.metric)
        };
        let mut builder = ChartBuilder::on(area);
        builder
            .caption(format!("SLO {}", panel.slo), font(AXIS + 2))
            .margin(15)
            .margin_right(40)
            .x_label_area_size(if bottom { 65 } else { 35 })
            .y_label_area_size(120);
        if log {
            let mut chart = builder.build_cartesian_2d(x, (lo / 1.5..hi * 1.5).log_scale())?;
            chart
                .configure_mesh()
                .x_labels(12)
                .y_labels(8)
                .x_label_formatter(&|v| num(*v))
                .y_label_formatter(&|v| num(*v))
                .label_style(font(LABEL))
                .axis_desc_style(font(AXIS))
                .x_desc(if bottom { self.x_label.as_str() } else { "" })
                .y_desc(desc)
                .draw()?;
            self.marks(&mut chart, panel, (lo / 1.5, hi * 1.5))
        } else {
            let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.05).max(1e-9);
            let y = (lo - pad).min(0.0f64.max(lo - pad));
            let mut chart = builder.build_cartesian_2d(x, y..hi + pad)?;
            chart
                .configure_mesh()
                .x_labels(12)
                .y_labels(8)
                .x_label_formatter(&|v| num(*v))
                .y_label_formatter(&|v| num(*v))
                .label_style(font(LABEL))
                .axis_desc_style(font(AXIS))
                .x_desc(if bottom { self.x_label.as_str() } else { "" })
                .y_desc(desc)
                .draw()?;
            self.marks(&mut chart, panel, (y, hi + pad))
        }
    }

    fn marks<'a, DB, Y>(
        &self,
        chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, Y>>,
        panel: &Panel,
        (y0, y1): (f64, f64),
    ) -> DrawResult
    where
        DB: DrawingBackend + 'a,
        DB::ErrorType: 'static,
        Y: Ranged<ValueType = f64>,
    {
        if let Some((a, b)) = self.interval {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(a, y0), (b, y1)],
                    RGBColor(31, 119, 180).mix(0.12).filled(),
                )))?
                .label("interval of the answer")
                .legend(|(x, y)| {
                    Rectangle::new(
                        [(x, y - 6), (x + 24, y + 6)],
                        RGBColor(31, 119, 180).mix(0.3).filled(),
                    )
                });
        }
        if panel.bound.is_finite() {
            let xr = chart.x_range();
            chart
                .draw_series(DashedLineSeries::new(
                    [(xr.start, panel.bound), (xr.end, panel.bound)],
                    12,
                    8,
                    BLACK.stroke_width(2),
                ))?
                .label(format!("bound {}", num(panel.bound)))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], BLACK.stroke_width(2))
                });
        }
        if let Some((a, text)) = &self.answer {
            let blue = RGBColor(31, 119, 180);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(*a, y0), (*a, y1)],
                    blue.stroke_width(3),
                )))?
                .label(format!("answer {text}"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], blue.stroke_width(3))
                });
        }
        for (met, color, label) in [
            (true, PASS, "probe meets the SLOs"),
            (false, FAIL, "probe misses"),
        ] {
            let probes: Vec<&Probe> = panel.probes.iter().filter(|p| p.4 == met).collect();
            if probes.is_empty() {
                continue;
            }
            chart.draw_series(
                probes
                    .iter()
                    .map(|p| ErrorBar::new_vertical(p.0, p.2, p.1, p.3, color.stroke_width(2), 14)),
            )?;
            chart
                .draw_series(
                    probes
                        .iter()
                        .map(|p| Circle::new((p.0, p.1), 6, color.filled())),
                )?
                .label(format!("{label} (mean, {} interval)", "confidence"))
                .legend(move |(x, y)| Circle::new((x + 12, y), 6, color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(font(LABEL))
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK.mix(0.4))
            .draw()?;
        Ok(())
    }
}
