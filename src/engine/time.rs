//! Simulated time: integer nanoseconds since the start of a run.
//!
//! Time inside the simulation never uses floating point, so event order and every output are
//! exact and the same on every run. Conversions to and from seconds happen only at the edges
//! (parsing a scenario, sampling a distribution, printing a report).

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// Nanoseconds in one microsecond.
pub const NANOS_PER_MICRO: u64 = 1_000;
/// Nanoseconds in one millisecond.
pub const NANOS_PER_MILLI: u64 = 1_000_000;
/// `x.round()` (half away from zero) as a `u64`, or `None` when that is negative, NaN or too
/// large. The same result as `f64::round`, without its libm call on every event (2% of the
/// reference model's instructions): for `0 <= x < 2^64` the truncation `t` is exact and so is
/// `x - t`. Below 2^63 (every time a run reaches: 292 years) the conversions go through `i64`,
/// one instruction each way on x86-64 where `u64`'s take several.
#[inline]
pub fn round_to_u64(x: f64) -> Option<u64> {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if (0.0..TWO_POW_63).contains(&x) {
        let t = x as i64;
        let up = x - t as f64 >= 0.5;
        return Some(t as u64 + u64::from(up));
    }
    if x.is_nan() || x <= -0.5 || x >= u64::MAX as f64 {
        return None;
    }
    if x < 0.0 {
        return Some(0);
    }
    let t = x as u64;
    Some(if x - t as f64 >= 0.5 { t + 1 } else { t })
}

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: u64 = 1_000_000_000;

/// A point in simulated time, in nanoseconds since the run started.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A length of simulated time, in nanoseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// Nanoseconds since the start of the run.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Whole seconds since the start of the run (rounded down): the time-series bucket.
    pub fn whole_seconds(self) -> u64 {
        self.0 / NANOS_PER_SEC
    }

    /// Seconds since the start, as a float, for reports only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// The time elapsed since `earlier`; panics if `earlier` is later (an engine bug).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        assert!(
            earlier <= self,
            "time went backwards: {earlier:?} > {self:?}"
        );
        SimDuration(self.0 - earlier.0)
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of `n` whole seconds.
    pub const fn from_secs(n: u64) -> SimDuration {
        SimDuration(n * NANOS_PER_SEC)
    }

    /// A duration of `n` milliseconds.
    pub const fn from_millis(n: u64) -> SimDuration {
        SimDuration(n * NANOS_PER_MILLI)
    }

    /// A duration from fractional seconds, rounded to the nearest nanosecond and saturating at
    /// the largest representable value (about 584 years). Negative and NaN inputs give zero.
    pub fn from_secs_f64(secs: f64) -> SimDuration {
        let ns = secs * NANOS_PER_SEC as f64;
        match round_to_u64(ns) {
            Some(n) => SimDuration(n),
            None if ns >= u64::MAX as f64 => SimDuration(u64::MAX),
            None => SimDuration::ZERO,
        }
    }

    /// Nanoseconds.
    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds as a float, for reports and closed-form checks only.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_SEC as f64
    }

    /// Milliseconds as a float, for reports only.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 / NANOS_PER_MILLI as f64
    }

    /// Rounded down to a whole second, for messages (`4h10m48s` rather than a nanosecond count).
    pub fn whole_seconds(self) -> SimDuration {
        SimDuration(self.0 / NANOS_PER_SEC * NANOS_PER_SEC)
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        *self = *self + d;
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, other: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for SimDuration {
    /// Formats in the scenario syntax, exactly: `1h30m`, `250ms`, `1.5s`, `0s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns == 0 {
            return write!(f, "0s");
        }
        if ns.is_multiple_of(NANOS_PER_SEC) {
            let mut s = ns / NANOS_PER_SEC;
            let h = s / 3600;
            s %= 3600;
            let m = s / 60;
            s %= 60;
            let mut out = String::new();
            if h > 0 {
                out.push_str(&format!("{h}h"));
            }
            if m > 0 {
                out.push_str(&format!("{m}m"));
            }
            if s > 0 {
                out.push_str(&format!("{s}s"));
            }
            return f.write_str(&out);
        }
        for (unit, per) in [("ms", NANOS_PER_MILLI), ("us", NANOS_PER_MICRO), ("ns", 1)] {
            if ns.is_multiple_of(per) {
                return write!(f, "{}{unit}", ns / per);
            }
        }
        unreachable!("every integer is a whole number of nanoseconds")
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}", SimDuration(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_uses_scenario_syntax() {
        assert_eq!(SimDuration::from_secs(5400).to_string(), "1h30m");
        assert_eq!(SimDuration::from_millis(250).to_string(), "250ms");
        assert_eq!(SimDuration(1_500).to_string(), "1500ns");
        assert_eq!(SimDuration::ZERO.to_string(), "0s");
    }

    #[test]
    fn from_secs_f64_rounds_and_clamps() {
        assert_eq!(SimDuration::from_secs_f64(1.5), SimDuration(1_500_000_000));
        assert_eq!(SimDuration::from_secs_f64(-3.0), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(f64::NAN), SimDuration::ZERO);
        assert_eq!(SimDuration::from_secs_f64(1e30), SimDuration(u64::MAX));
    }

    #[test]
    #[should_panic(expected = "time went backwards")]
    fn since_refuses_negative_durations() {
        let _ = SimTime(1).since(SimTime(2));
    }

    #[test]
    fn round_to_u64_agrees_with_f64_round() {
        use rand::{RngExt, SeedableRng};
        let reference = |x: f64| {
            let r = x.round();
            (!r.is_nan() && r >= 0.0 && r < u64::MAX as f64).then_some(r as u64)
        };
        let mut edges = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.49,
            -0.5,
            -0.51,
            0.49999999999999994,
            4503599627370495.5,
            4503599627370496.0,
            9007199254740993.0,
            9.223372036854774e18,
            9_223_372_036_854_775_808.0,
            1.5e19,
            u64::MAX as f64,
            1.8e19,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for _ in 0..100_000 {
            let scale = 10f64.powi(rng.random_range(0..19));
            edges.push(rng.random::<f64>() * scale);
            edges.push(rng.random_range(0..1_000_000u64) as f64 + 0.5);
        }
        for x in edges {
            assert_eq!(round_to_u64(x), reference(x), "{x:e}");
        }
    }
}
