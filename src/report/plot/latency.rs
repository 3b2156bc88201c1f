//! `latency.png`: the HDR percentile distribution of response times, as HdrHistogram's plotter
//! draws it: x is `1 / (1 − percentile)` on a log scale (labelled 0%, 90%, 99%, 99.9%, ...), so
//! the tail gets as much room as the body; y is the latency in milliseconds.
//!
//! Drawn from the run's `.hgrm` files: one line per traffic class (`latency.<app>.<class>.hgrm`)
//! while there are at most [`MAX_LINES`], else one per app (`latency.<app>.hgrm`); with more
//! than one line, `latency.hgrm` (all requests) is drawn too, in black.

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::read;
use super::style::{self, AXIS, LABEL, SIZE, TITLE, font, num};
use super::{DrawResult, Figure, Format, PlotError};
use crate::report::hgrm::parse_percentile_distribution;

/// Most lines drawn before falling back from classes to apps.
pub const MAX_LINES: usize = 8;

/// One distribution: `(1 / (1 − percentile), value in ms)` for each percentile below 1.
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
    all: bool,
}

struct Latency {
    lines: Vec<Line>,
}

/// Draws `latency.<ext>` into `out` from the `.hgrm` files in `dir`; `None` when there are none.
pub fn draw(dir: &Path, out: &Path, format: Format) -> Result<Option<PathBuf>, PlotError> {
    let mut all = None;
    let mut apps = Vec::new();
    let mut classes = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|source| PlotError::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.starts_with("latency") && n.ends_with(".hgrm"))
        .collect();
    names.sort();
    for name in names {
        let stem = &name["latency".len()..name.len() - ".hgrm".len()];
        let points = hgrm_points(&dir.join(&name))?;
        let key = stem.trim_start_matches('.');
        let line = |label: &str, all| Line {
            label: if points.is_empty() {
                format!("{label} (no successful requests)")
            } else {
                label.to_string()
            },
            points: points.clone(),
            all,
        };
        match key.matches('.').count() {
            _ if key.is_empty() => all = Some(line("all requests", true)),
            0 => apps.push(line(key, false)),
            _ => classes.push(line(&key.replacen('.', "/", 1), false)),
        }
    }
    let mut lines = if !classes.is_empty() && classes.len() <= MAX_LINES {
        classes
    } else {
        apps
    };
    lines.truncate(MAX_LINES);
    match all {
        Some(all) if lines.len() != 1 => lines.push(all),
        None if lines.is_empty() => return Ok(None),
        _ => {}
    }
    let figure = Latency { lines };
    super::render(&figure, out, "latency", format).map(Some)
}

/// The points of one `.hgrm` file: `(1 / (1 − percentile), value in ms)`, percentile 1 left
/// out (it is infinitely far right).
fn hgrm_points(path: &Path) -> Result<Vec<(f64, f64)>, PlotError> {
    let rows =
        parse_percentile_distribution(&read::text(path)?).map_err(|e| PlotError::input(path, e))?;
    Ok(rows
        .iter()
        .filter(|r| r.1 < 1.0)
        .map(|&(v, p, _)| (1.0 / (1.0 - p), v))
        .collect())
}

/// Draws `<stem>.<ext>` into `out`: one line per `(label, .hgrm file)`, on the same axes and in
/// the same look as `latency.png` (`spacesim compare` draws two runs this way).
pub fn draw_files(
    files: &[(String, PathBuf)],
    out: &Path,
    stem: &str,
    format: Format,
) -> Result<PathBuf, PlotError> {
    let mut lines = Vec::new();
    for (label, path) in files {
        let points = hgrm_points(path)?;
        lines.push(Line {
            label: if points.is_empty() {
                format!("{label} (no successful requests)")
            } else {
                label.clone()
            },
            points,
            all: false,
        });
    }
    super::render(&Latency { lines }, out, stem, format)
}

/// `"99.9%"` for x = 1000.
fn percentile_label(x: f64) -> String {
    let p = 100.0 - 100.0 / x;
    let mut s = format!("{p:.4}");
    s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    format!("{s}%")
}

impl Figure for Latency {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let points = self.lines.iter().flat_map(|l| &l.points);
        let x_max = points.clone().map(|p| p.0).fold(10.0f64, f64::max);
        let y_max = points.map(|p| p.1).fold(0.0f64, f64::max);
        let x_max = 10f64.powf(x_max.log10().ceil()).max(10.0);
        let mut chart = ChartBuilder::on(root)
            .caption(
                "Response time by percentile (successful requests)",
                font(TITLE),
            )
            .margin(20)
            .margin_right(40)
            .x_label_area_size(70)
            .y_label_area_size(110)
            .build_cartesian_2d((1.0..x_max).log_scale(), 0.0..(y_max * 1.08).max(1.0))?;
        chart
            .configure_mesh()
            .x_labels(12)
            .y_labels(10)
            .x_label_formatter(&|v| percentile_label(*v))
            .y_label_formatter(&|v| num(*v))
            .label_style(font(LABEL))
            .axis_desc_style(font(AXIS))
            .x_desc("percentile (log scale of 1 / (1 − percentile))")
            .y_desc("latency (ms)")
            .draw()?;
        if self.lines.iter().all(|l| l.points.is_empty()) {
            let (x, y) = chart.backend_coord(&(x_max.sqrt(), y_max / 2.0));
            root.draw_text(
                "no successful requests: no latency distribution to draw",
                &font(AXIS),
                (x - 260, y),
            )?;
            return Ok(());
        }
        for (i, line) in self.lines.iter().enumerate() {
            let (color, width) = if line.all {
                (BLACK, 2)
            } else {
                (style::color(i), 3)
            };
            chart
                .draw_series(LineSeries::new(
                    line.points.iter().copied(),
                    color.stroke_width(width),
                ))?
                .label(line.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
                });
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_in_n_is_labelled_as_a_percentile() {
        assert_eq!(percentile_label(1.0), "0%");
        assert_eq!(percentile_label(10.0), "90%");
        assert_eq!(percentile_label(1000.0), "99.9%");
    }
}
