//! Shared look: sizes, colours, fonts, number formats and a legend that never covers data.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::DrawResult;

/// Picture size: readable on a projector, and a sensible page width in SVG.
pub const SIZE: (u32, u32) = (1600, 1000);
/// Title font size.
pub const TITLE: u32 = 30;
/// Axis description font size.
pub const AXIS: u32 = 22;
/// Tick label and legend font size.
pub const LABEL: u32 = 19;

/// Tableau 10: distinct for most colour-blind viewers and in greyscale print.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// The i-th series colour.
pub fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// A text style of the bundled font.
pub fn font(size: u32) -> TextStyle<'static> {
    ("sans-serif", size).into_font().color(&BLACK)
}

/// A number for a tick or a label: at most four significant digits, no trailing zeros.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    let s = if a >= 1e6 || (a > 0.0 && a < 1e-3) {
        let s = format!("{v:.2e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        return format!("{mantissa}e{exp}");
    } else if a >= 100.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 1.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    };
    if s.contains('.') && !s.contains('e') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The unit of a `summary.json` metric, judged by its name, for an axis description.
pub fn metric_unit(metric: &str) -> &'static str {
    let has = |s: &str| metric.split('.').any(|seg| seg.ends_with(s));
    if has("_ms") {
        "ms"
    } else if metric.contains("error_rate") || metric.contains("availability") {
        "fraction"
    } else if has("_s") {
        "s"
    } else if has("_hours") {
        "h"
    } else {
        ""
    }
}

/// `metric (unit)`, or the bare metric when the unit is unknown.
pub fn metric_label(metric: &str) -> String {
    match metric_unit(metric) {
        "" => metric.to_string(),
        u => format!("{metric} ({u})"),
    }
}

/// One legend entry: a colour swatch (a filled box, or a line when `line` is set) and a label.
pub struct Entry {
    /// Swatch colour.
    pub color: RGBColor,
    /// Label text.
    pub label: String,
    /// Draw a line swatch instead of a box.
    pub line: bool,
}

/// Draws a legend as a column at pixel `(x, y)` of `area`, outside the plotting area.
pub fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    entries: &[Entry],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let step = LABEL as i32 + 8;
    for (i, e) in entries.iter().enumerate() {
        let top = y + i as i32 * step;
        if e.line {
            area.draw(&PathElement::new(
                vec![(x, top + 8), (x + 22, top + 8)],
                e.color.stroke_width(3),
            ))?;
        } else {
            area.draw(&Rectangle::new(
                [(x, top + 1), (x + 22, top + 15)],
                e.color.filled(),
            ))?;
        }
        area.draw_text(&e.label, &font(LABEL), (x + 30, top - 1))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(0.0), "0");
        assert_eq!(num(12.5), "12.5");
        assert_eq!(num(1234.0), "1234");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(2.0), "2");
        assert_eq!(num(1e6), "1e6");
        assert_eq!(num(2.5e7), "2.5e7");
    }

    #[test]
    fn units_come_from_names() {
        assert_eq!(metric_label("latency_ms.p99"), "latency_ms.p99 (ms)");
        assert_eq!(metric_unit("error_rate"), "fraction");
        assert_eq!(metric_unit("downtime_s"), "s");
        assert_eq!(metric_unit("events"), "");
    }
}
