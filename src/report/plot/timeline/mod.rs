//! `timeline.png`: requests/s, latency and dynos by state on one time axis, with the timeline's
//! operations shaded and labelled.
//!
//! Drawn from `timeseries.csv` (summed per second over apps, classes and process types) and
//! `summary.json` (`operations.<name>.start_s|end_s|action|app`, `warmup_s`, `duration_s`).
//! Latency percentiles cannot be summed across classes, so each class gets its own lines while
//! there are at most [`MAX_LATENCY_SERIES`]; past that, the panel shows the worst class's p99
//! and the ok-weighted mean of the classes' p50s, and says so in its legend.
//! Dyno counts are drawn as steps (a row is the state at the end of its second), so deploy
//! batches show as stairs.

mod load;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use self::load::{DYNO_STATES, Timeline, load};
use super::style::{self, AXIS, Entry, LABEL, SIZE, TITLE, font, num};
use super::{DrawResult, Figure, Format, PlotError};

pub use self::load::MAX_LATENCY_SERIES;

/// Colours of failure codes, stacked over the successes in the order of their codes.
const FAIL_COLORS: [RGBColor; 6] = [
    RGBColor(214, 39, 40),
    RGBColor(255, 127, 14),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// Draws `timeline.<ext>` into `out` from the run in `dir`.
pub fn draw(dir: &Path, out: &Path, format: Format) -> Result<PathBuf, PlotError> {
    let timeline = load(dir)?;
    super::render(&timeline, out, "timeline", format)
}

/// Step-shaped points of a binned series: bin `i` holds over `[i, i + 1)` bins, and `scale`
/// is axis units per bin.
fn steps(v: &[f64], scale: f64) -> Vec<(f64, f64)> {
    v.iter()
        .enumerate()
        .flat_map(|(t, &y)| [(t as f64 * scale, y), ((t + 1) as f64 * scale, y)])
        .collect()
}

/// Runs of consecutive bins that have a value, as line segments at mid-bin; `scale` is axis
/// units per bin.
fn segments(v: &[Option<f64>], scale: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur = Vec::new();
    for (t, y) in v.iter().enumerate() {
        match y {
            Some(y) => cur.push(((t as f64 + 0.5) * scale, *y)),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Layout constants, shared by the panels so their time axes line up.
const MARGIN_LEFT: i32 = 15;
const Y_LABELS: i32 = 110;
const LEGEND_WIDTH: i32 = 300;
const TITLE_HEIGHT: i32 = 56;
const LANE_HEIGHT: i32 = 26;
/// Most rows of operation labels above the panels.
const MAX_LANES: usize = 8;

impl Timeline {
    /// Axis units per bin.
    fn per_bin(&self) -> f64 {
        self.bin as f64 / self.scale.0
    }

    fn x_end(&self) -> f64 {
        self.seconds as f64 / self.scale.0
    }

    /// The pixel column of time `x` (in axis units), matching the panels' plotting areas.
    fn x_pixel(&self, x: f64) -> i32 {
        let left = MARGIN_LEFT + Y_LABELS;
        let right = SIZE.0 as i32 - LEGEND_WIDTH;
        left + ((x / self.x_end()) * f64::from(right - left)).round() as i32
    }

    /// Assigns each operation label a lane so that no two labels overlap.
    fn lanes<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Vec<usize>
    where
        DB::ErrorType: 'static,
    {
        let mut ends: Vec<i32> = Vec::new();
        self.ops
            .iter()
            .map(|op| {
                let x = self.x_pixel(op.start / self.scale.0);
                let w = root
                    .estimate_text_size(&op.label, &font(LABEL))
                    .map(|s| s.0 as i32)
                    .unwrap_or(op.label.len() as i32 * 10);
                let end = x.max(self.x_pixel(op.end / self.scale.0)).max(x + w + 30);
                match ends.iter().position(|&e| e + 8 < x) {
                    Some(i) => {
                        ends[i] = end;
                        i
                    }
                    None => {
                        ends.push(end);
                        ends.len() - 1
                    }
                }
            })
            .collect()
    }

    fn shade<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
        y: (f64, f64),
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        for op in &self.ops {
            let (a, b) = (op.start / self.scale.0, op.end / self.scale.0);
            chart.draw_series(std::iter::once(Rectangle::new(
                [(a, y.0), (b.max(a + self.x_end() / 400.0), y.1)],
                op.color.mix(0.15).filled(),
            )))?;
        }
        Ok(())
    }

    fn time_label(&self) -> String {
        if self.bin == 1 {
            format!("time since start ({})", self.scale.1)
        } else {
            format!(
                "time since start ({}), in {} s bins (requests/s, latency: mean; dynos: fewest \
                 up, most in other states)",
                self.scale.1, self.bin
            )
        }
    }
}

impl Figure for Timeline {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.draw_text(
            &format!("{}: requests, latency and dynos over time", self.title),
            &font(TITLE),
            (MARGIN_LEFT, 12),
        )?;
        let lanes = self.lanes(root);
        let hidden = lanes.iter().filter(|&&l| l >= MAX_LANES).count();
        let n_lanes = lanes.iter().max().map_or(0, |m| (m + 1).min(MAX_LANES)) as i32;
        if hidden > 0 {
            // Past MAX_LANES the labels would squeeze the panels: the operations stay shaded,
            // and summary.json names them.
            root.draw_text(
                &format!("+{hidden} more operations, shaded but not labelled (see summary.json)"),
                &font(LABEL),
                (SIZE.0 as i32 - 720, 18),
            )?;
        }
        let top = TITLE_HEIGHT + n_lanes * LANE_HEIGHT + 4;
        for (op, lane) in self.ops.iter().zip(&lanes) {
            if *lane >= MAX_LANES {
                continue;
            }
            let y = TITLE_HEIGHT + *lane as i32 * LANE_HEIGHT;
            let (a, b) = (
                self.x_pixel(op.start / self.scale.0),
                self.x_pixel(op.end / self.scale.0),
            );
            root.draw(&Rectangle::new(
                [(a, y + 2), (b.max(a + 3), y + LANE_HEIGHT - 4)],
                op.color.mix(0.35).filled(),
            ))?;
            root.draw(&Rectangle::new(
                [(a, y + 2), (a + 3, y + LANE_HEIGHT - 4)],
                op.color.filled(),
            ))?;
            root.draw_text(&op.label, &font(LABEL), (a + 8, y + 3))?;
        }
        let (_, body) = root.split_vertically(top);
        let h = body.dim_in_pixel().1 as i32;
        let (requests, rest) = body.split_vertically(h * 34 / 100);
        let (latency, dynos) = rest.split_vertically(h * 30 / 100);
        self.draw_requests(&requests)?;
        self.draw_latency(&latency)?;
        self.draw_dynos(&dynos)?;
        Ok(())
    }
}

type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Timeline {
    fn chart<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        y: std::ops::Range<f64>,
        bottom: bool,
    ) -> Result<Chart<'a, DB>, Box<dyn std::error::Error + Send + Sync>>
    where
        DB::ErrorType: 'static,
    {
        Ok(ChartBuilder::on(area)
            .margin_left(MARGIN_LEFT)
            .margin_right(LEGEND_WIDTH)
            .margin_top(6)
            .margin_bottom(4)
            .x_label_area_size(if bottom { 58 } else { 28 })
            .y_label_area_size(Y_LABELS)
            .build_cartesian_2d(0.0..self.x_end(), y)?)
    }

    fn mesh<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        y: &str,
        bottom: bool,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(12)
            .y_labels(6)
            .x_label_formatter(&|v| num(*v))
            .y_label_formatter(&|v| num(*v))
            .label_style(font(LABEL))
            .axis_desc_style(font(AXIS))
            .y_desc(y)
            .light_line_style(WHITE.mix(0.0));
        if bottom {
            mesh.x_desc(self.time_label());
        }
        mesh.draw()?;
        Ok(())
    }

    fn legend_at<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entries: &[Entry]) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let x = SIZE.0 as i32 - LEGEND_WIDTH + 20;
        style::legend(area, (x, 12), entries)
    }

    /// Draws cumulative `layers` (label, running sum, colour) as stacked step areas, the top
    /// layer first so lower ones stay visible, and their legend.
    fn draw_stack<DB: DrawingBackend>(
        &self,
        chart: &mut Chart<'_, DB>,
        area: &DrawingArea<DB, Shift>,
        layers: &[(String, Vec<f64>, RGBColor)],
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        for (_, v, color) in layers.iter().rev() {
            chart.draw_series(AreaSeries::new(
                steps(v, self.per_bin()),
                0.0,
                color.mix(0.85),
            ))?;
        }
        let entries: Vec<Entry> = layers
            .iter()
            .map(|(label, _, color)| Entry {
                color: *color,
                label: label.clone(),
                line: false,
            })
            .collect();
        Self::legend_at(area, &entries)
    }

    fn draw_requests<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        // Cumulative layers, bottom first: ok, then each failing code.
        let mut layers = vec![("ok".to_string(), self.ok.clone(), style::color(2))];
        for (i, (code, v)) in self.failed.iter().enumerate() {
            let below = &layers.last().expect("ok layer").1;
            let sum = below.iter().zip(v).map(|(a, b)| a + b).collect();
            layers.push((
                format!("failed {code}"),
                sum,
                FAIL_COLORS[i % FAIL_COLORS.len()],
            ));
        }
        let max = layers
            .last()
            .map(|l| l.1.iter().copied().fold(0.0, f64::max))
            .unwrap_or(0.0);
        let y = (0.0, (max * 1.1).max(1.0));
        let mut chart = self.chart(area, y.0..y.1, false)?;
        self.mesh(&mut chart, "requests/s", false)?;
        self.shade(&mut chart, y)?;
        self.draw_stack(&mut chart, area, &layers)
    }

    fn draw_latency<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let values = self
            .latency
            .iter()
            .flat_map(|l| l.p50.iter().chain(&l.p99))
            .flatten()
            .copied()
            .filter(|v| *v > 0.0);
        let (lo, hi) = values.fold((f64::MAX, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let entries = self.latency_entries();
        if hi <= 0.0 {
            let chart = self.chart(area, 0.0..1.0, false)?;
            let (x, y) = chart.backend_coord(&(self.x_end() / 2.0, 0.5));
            area.draw_text(
                "no successful requests: no latency to draw",
                &font(AXIS),
                (x - 200, y),
            )?;
            return Ok(());
        }
        if hi / lo > 50.0 {
            let y = (lo / 1.5, hi * 1.5);
            let mut chart = ChartBuilder::on(area)
                .margin_left(MARGIN_LEFT)
                .margin_right(LEGEND_WIDTH)
                .margin_top(6)
                .margin_bottom(4)
                .x_label_area_size(28)
                .y_label_area_size(Y_LABELS)
                .build_cartesian_2d(0.0..self.x_end(), (y.0..y.1).log_scale())?;
            chart
                .configure_mesh()
                .x_labels(12)
                .y_labels(6)
                .x_label_formatter(&|v| num(*v))
                .y_label_formatter(&|v| num(*v))
                .label_style(font(LABEL))
                .axis_desc_style(font(AXIS))
                .y_desc("latency (ms, log scale)")
                .light_line_style(WHITE.mix(0.0))
                .draw()?;
            for op in &self.ops {
                let (a, b) = (op.start / self.scale.0, op.end / self.scale.0);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(a, y.0), (b.max(a + self.x_end() / 400.0), y.1)],
                    op.color.mix(0.15).filled(),
                )))?;
            }
            for (i, l) in self.latency.iter().enumerate() {
                for (v, width, mix) in [(&l.p50, 2, 0.55), (&l.p99, 2, 1.0)] {
                    for seg in segments(v, self.per_bin()) {
                        let s = style::color(i).mix(mix).stroke_width(width);
                        chart.draw_series(LineSeries::new(seg, s))?;
                    }
                }
            }
        } else {
            let y = (0.0, hi * 1.1);
            let mut chart = self.chart(area, y.0..y.1, false)?;
            self.mesh(&mut chart, "latency (ms)", false)?;
            self.shade(&mut chart, y)?;
            for (i, l) in self.latency.iter().enumerate() {
                for (v, width, mix) in [(&l.p50, 2, 0.55), (&l.p99, 2, 1.0)] {
                    for seg in segments(v, self.per_bin()) {
                        let s = style::color(i).mix(mix).stroke_width(width);
                        chart.draw_series(LineSeries::new(seg, s))?;
                    }
                }
            }
        }
        Self::legend_at(area, &entries)
    }

    fn latency_entries(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for (i, l) in self.latency.iter().enumerate() {
            let c = style::color(i);
            let light = RGBColor(
                (255.0 - (255.0 - f64::from(c.0)) * 0.55) as u8,
                (255.0 - (255.0 - f64::from(c.1)) * 0.55) as u8,
                (255.0 - (255.0 - f64::from(c.2)) * 0.55) as u8,
            );
            if self.latency.len() == 1 && l.label.starts_with("all classes") {
                entries.push(Entry {
                    color: c,
                    label: "p99, worst class".into(),
                    line: true,
                });
                entries.push(Entry {
                    color: light,
                    label: "p50, ok-weighted mean".into(),
                    line: true,
                });
            } else {
                entries.push(Entry {
                    color: c,
                    label: format!("{} p99", l.label),
                    line: true,
                });
                entries.push(Entry {
                    color: light,
                    label: format!("{} p50", l.label),
                    line: true,
                });
            }
        }
        entries
    }

    fn draw_dynos<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let mut layers: Vec<(String, Vec<f64>, RGBColor)> = Vec::new();
        for (i, (state, _, color)) in DYNO_STATES.iter().enumerate() {
            let v = &self.dynos[i];
            if i > 0 && v.iter().all(|&x| x == 0.0) {
                continue;
            }
            let sum = match layers.last() {
                Some(below) => below.1.iter().zip(v).map(|(a, b)| a + b).collect(),
                None => v.clone(),
            };
            layers.push((state.to_string(), sum, *color));
        }
        let max = layers
            .last()
            .map(|l| l.1.iter().copied().fold(0.0, f64::max))
            .unwrap_or(0.0);
        let y = (0.0, (max * 1.15).max(1.0).ceil());
        let mut chart = self.chart(area, y.0..y.1, true)?;
        let mut mesh = chart.configure_mesh();
        mesh.x_labels(12)
            .y_labels((y.1 as usize + 1).min(8))
            .x_label_formatter(&|v| num(*v))
            .y_label_formatter(&|v| {
                if v.fract() == 0.0 {
                    format!("{v:.0}")
                } else {
                    String::new()
                }
            })
            .label_style(font(LABEL))
            .axis_desc_style(font(AXIS))
            .y_desc("dynos")
            .x_desc(self.time_label())
            .light_line_style(WHITE.mix(0.0))
            .draw()?;
        self.shade(&mut chart, y)?;
        self.draw_stack(&mut chart, area, &layers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_hold_each_value_for_its_second() {
        assert_eq!(
            steps(&[1.0, 2.0], 1.0),
            vec![(0.0, 1.0), (1.0, 1.0), (1.0, 2.0), (2.0, 2.0)]
        );
    }

    #[test]
    fn gaps_split_a_line() {
        let s = segments(&[Some(1.0), None, Some(2.0), Some(3.0)], 1.0);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1], vec![(2.5, 2.0), (3.5, 3.0)]);
    }
}
