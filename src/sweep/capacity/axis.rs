//! What a capacity search varies: a rate (searched upwards for the largest that meets the SLOs)
//! or an integer such as a dyno count (searched downwards for the smallest).
//!
//! The search works on `f64` values; an [`Axis`] knows which side is good, how to step away from
//! a value, where to stop, and how to write a value back into the scenario: rates as
//! `"7.875/s"` rounded to a few significant digits (so probe values are short, readable and the
//! same on every machine), integers as integers.

use crate::scenario::units::parse_rate;

/// How far a rate search goes from its start: at most this many doublings or halvings.
pub const RATE_OCTAVES: i32 = 10;

/// The largest value `--max-value` may take for an integer search (the scenario must also be
/// able to simulate it).
pub const MAX_COUNT: u64 = 1_000_000;

/// What is searched.
#[derive(Clone, Debug, PartialEq)]
pub enum AxisKind {
    /// The largest rate, in requests per second, that meets the SLOs.
    Rate {
        /// Significant digits of probe values.
        digits: i32,
        /// Bisection stops when (bad − good) / bad is at most this.
        precision: f64,
    },
    /// The smallest integer from 1 to `max` that meets the SLOs.
    Count {
        /// The largest value probed.
        max: u64,
    },
}

/// A searched parameter: its path in the scenario, its kind and its starting value.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Dotted path, e.g. `apps.api.traffic.default.arrival.rate`.
    pub path: String,
    /// Rate or integer.
    pub kind: AxisKind,
    /// The value the search starts from (the scenario's, rounded).
    pub start: f64,
}

impl Axis {
    /// A rate axis starting at `value` (the scenario's text, e.g. `"450/s"` or `"3k/min"`).
    pub fn rate(path: &str, value: &str, precision: f64) -> Result<Axis, String> {
        let rate = parse_rate(value).map_err(|m| format!("`{path}`: {m}"))?;
        if rate.as_per_sec() <= 0.0 {
            return Err(format!(
                "`{path}` is {value}; a rate search starts from the scenario's rate, so give it \
                 a rate above zero (in the file, or with --set {path}=VALUE)"
            ));
        }
        // Enough digits that a bisection step at this precision changes the value.
        let digits = (4.0_f64).max((-precision.log10()).ceil() + 2.0) as i32;
        let kind = AxisKind::Rate { digits, precision };
        let mut axis = Axis {
            path: path.to_string(),
            kind,
            start: 0.0,
        };
        axis.start = axis.round(rate.as_per_sec());
        Ok(axis)
    }

    /// An integer axis starting at `value` (at least 1), probing at most `max`.
    pub fn count(path: &str, value: i64, max: u64) -> Result<Axis, String> {
        if !(1..=MAX_COUNT).contains(&max) {
            return Err(format!(
                "--max-value {max}: the largest value probed must be from 1 to {MAX_COUNT}"
            ));
        }
        if value < 0 {
            return Err(format!(
                "`{path}` is {value}; an integer search starts from 0 or more"
            ));
        }
        Ok(Axis {
            path: path.to_string(),
            kind: AxisKind::Count { max },
            start: (value.max(1) as u64).min(max) as f64,
        })
    }

    /// Whether this is a rate search (larger is worse) rather than an integer one.
    pub fn is_rate(&self) -> bool {
        matches!(self.kind, AxisKind::Rate { .. })
    }

    /// `value` as written into the scenario: `"7.875/s"` or `"4"`.
    pub fn text(&self, value: f64) -> String {
        match self.kind {
            AxisKind::Rate { .. } => format!("{}/s", number(value)),
            AxisKind::Count { .. } => format!("{}", value as u64),
        }
    }

    /// `value` as a plain number, for CSV and JSON: `7.875` or `4`.
    pub fn number(&self, value: f64) -> String {
        number(value)
    }

    /// `value` on the grid of values this axis probes.
    pub fn round(&self, value: f64) -> f64 {
        match self.kind {
            AxisKind::Rate { digits, .. } => round_significant(value, digits),
            AxisKind::Count { .. } => value.round(),
        }
    }

    /// `a` is on the good side of `b` (a smaller rate, a larger count).
    pub fn better(&self, a: f64, b: f64) -> bool {
        if self.is_rate() { a < b } else { a > b }
    }

    /// How many bracketing steps the search may take from the start in one direction:
    /// [`RATE_OCTAVES`] for a rate; an integer search stops at 1 and at its maximum instead.
    pub fn max_bracket_steps(&self) -> u32 {
        match self.kind {
            AxisKind::Rate { .. } => RATE_OCTAVES as u32,
            AxisKind::Count { .. } => u32::MAX,
        }
    }

    /// The next bracketing value from `v` towards the bad side (double a rate, halve a count),
    /// or None at an integer's limit.
    pub fn toward_bad(&self, v: f64) -> Option<f64> {
        match self.kind {
            AxisKind::Rate { .. } => Some(self.round(v * 2.0)),
            AxisKind::Count { .. } => (v > 1.0).then(|| (v / 2.0).floor()),
        }
    }

    /// The next bracketing value from `v` towards the good side (halve a rate, double a count),
    /// or None at an integer's limit.
    pub fn toward_good(&self, v: f64) -> Option<f64> {
        match self.kind {
            AxisKind::Rate { .. } => Some(self.round(v / 2.0)).filter(|&r| r > 0.0),
            AxisKind::Count { max } => (v < max as f64).then(|| (v * 2.0).min(max as f64)),
        }
    }

    /// Whether the boundary between a good value and a bad one is found closely enough.
    pub fn converged(&self, good: f64, bad: f64) -> bool {
        match self.kind {
            AxisKind::Rate { precision, .. } => (bad - good).abs() / bad.max(good) <= precision,
            AxisKind::Count { .. } => (bad - good).abs() <= 1.0,
        }
    }

    /// The value between `good` and `bad` to probe next, or None when there is none on the grid.
    pub fn midpoint(&self, good: f64, bad: f64) -> Option<f64> {
        let mid = match self.kind {
            AxisKind::Rate { .. } => self.round((good + bad) / 2.0),
            AxisKind::Count { .. } => ((good + bad) / 2.0).floor(),
        };
        (mid != good && mid != bad).then_some(mid)
    }

    /// The `k`-th value (k = 0, 1, ...) probed beyond `from` on the good side (`good` true) or
    /// the bad side while looking for a confident verdict: at distances `step · 2^k`, where
    /// `step` is the final bracket's width for a rate and 1 for an integer. None past the
    /// limits.
    pub fn beyond(&self, from: f64, step: f64, k: i32, good: bool) -> Option<f64> {
        let distance = step * 2f64.powi(k);
        let toward_larger = good != self.is_rate();
        let v = self.round(if toward_larger {
            from + distance
        } else {
            from - distance
        });
        let in_range = match self.kind {
            // The bracketing range, with room for the rounding of values to the grid.
            AxisKind::Rate { .. } => {
                let span = 2f64.powi(RATE_OCTAVES);
                v > 0.0 && v >= self.start / span * 0.99 && v <= self.start * span * 1.01
            }
            AxisKind::Count { max } => v >= 1.0 && v <= max as f64,
        };
        (in_range && v != from).then_some(v)
    }
}

/// `value` rounded to `digits` significant digits.
pub fn round_significant(value: f64, digits: i32) -> f64 {
    if value == 0.0 || !value.is_finite() {
        return value;
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = digits - 1 - magnitude;
    if decimals >= 0 {
        // Formatting rounds the decimal expansion exactly; parsing it back gives the value
        // nearest the short decimal, so the value and its text agree.
        format!("{value:.*}", decimals as usize)
            .parse()
            .expect("a formatted float parses")
    } else {
        let scale = 10f64.powi(-decimals);
        (value / scale).round() * scale
    }
}

/// A number without needless digits and never in exponent form: `7.875`, `12`, `0.0125`.
fn number(value: f64) -> String {
    // `Display` for f64 gives the shortest text that reads back as the same value, without
    // an exponent.
    format!("{value}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_round_to_significant_digits_and_read_back() {
        assert_eq!(round_significant(7.87654, 4), 7.877);
        assert_eq!(round_significant(12345.6, 4), 12350.0);
        assert_eq!(round_significant(0.000123456, 4), 0.0001235);
        let a = Axis::rate("r", "3k/min", 0.01).unwrap();
        assert_eq!(a.start, 50.0);
        assert_eq!(a.text(7.875), "7.875/s");
        assert_eq!(a.text(12350.0), "12350/s");
        assert_eq!(a.text(0.0001235), "0.0001235/s");
        assert_eq!(
            parse_rate(&a.text(0.0001235)).unwrap().as_per_sec(),
            0.0001235
        );
        // Finer precision, more digits.
        let fine = Axis::rate("r", "10/s", 0.0001).unwrap();
        assert_eq!(fine.round(7.8765432), 7.87654);
    }

    #[test]
    fn rates_step_by_octaves_and_bisect_on_the_grid() {
        let a = Axis::rate("r", "8/s", 0.01).unwrap();
        assert_eq!(a.toward_bad(8.0), Some(16.0));
        assert_eq!(a.toward_good(8.0), Some(4.0));
        assert_eq!(a.toward_good(8.0 / 1024.0), Some(0.003906));
        assert_eq!(a.max_bracket_steps(), 10);
        assert_eq!(a.beyond(8.0, 8000.0, 0, false), Some(8008.0));
        assert_eq!(a.beyond(8.0, 8000.0, 1, false), None);
        assert_eq!(a.midpoint(6.0, 12.0), Some(9.0));
        assert_eq!(a.midpoint(7.999, 8.0), None);
        assert!(a.converged(7.95, 8.0) && !a.converged(7.9, 8.0));
        assert!(a.better(7.0, 8.0));
        assert_eq!(a.beyond(8.0, 0.05, 0, true), Some(7.95));
        assert_eq!(a.beyond(8.0, 0.05, 2, false), Some(8.2));
        assert!(
            Axis::rate("r", "0/s", 0.01)
                .unwrap_err()
                .contains("above zero")
        );
        assert!(Axis::rate("r", "fast", 0.01).is_err());
    }

    #[test]
    fn counts_bracket_between_one_and_max() {
        let a = Axis::count("c", 5, 12).unwrap();
        assert_eq!(a.start, 5.0);
        assert_eq!(a.toward_good(5.0), Some(10.0));
        assert_eq!(a.toward_good(10.0), Some(12.0));
        assert_eq!(a.toward_good(12.0), None);
        assert_eq!(a.toward_bad(5.0), Some(2.0));
        assert_eq!(a.toward_bad(1.0), None);
        assert_eq!(a.midpoint(10.0, 5.0), Some(7.0));
        assert_eq!(a.midpoint(6.0, 5.0), None);
        assert!(a.converged(6.0, 5.0));
        assert!(a.better(6.0, 5.0));
        assert_eq!(a.beyond(6.0, 1.0, 0, true), Some(7.0));
        assert_eq!(a.beyond(5.0, 1.0, 2, false), Some(1.0));
        assert_eq!(a.beyond(5.0, 1.0, 3, false), None);
        assert_eq!(a.text(4.0), "4");
        assert_eq!(Axis::count("c", 0, 10).unwrap().start, 1.0);
    }
}
