//! Units at the edge: durations, rates, fractions and clock times as scenario files write them.
//!
//! Parsed once, here, into integer nanoseconds ([`SimDuration`]) and typed rates. Each parser
//! returns a message that says what was expected, so the scenario loader can attach the file,
//! line and key. The `serde` wrappers make a bad value fail during deserialization, where the TOML
//! parser still knows the value's position.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::engine::{NANOS_PER_SEC, SimDuration};

/// Duration units, longest name first so that "ms" is not read as "m".
const DURATION_UNITS: &[(&str, u64)] = &[
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("ms", 1_000_000),
    ("s", NANOS_PER_SEC),
    ("m", 60 * NANOS_PER_SEC),
    ("h", 3_600 * NANOS_PER_SEC),
    ("d", 86_400 * NANOS_PER_SEC),
];

const DURATION_HELP: &str = "expected a duration such as \"250ms\", \"30s\", \"2m\" or \"1h30m\" (units: ns, us, ms, s, m, h, d)";

/// Parses a duration such as `"250ms"`, `"1.5s"` or `"1h30m"` exactly into nanoseconds.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err(format!("empty duration; {DURATION_HELP}"));
    }
    if s.starts_with('-') {
        return Err(format!(
            "duration \"{text}\" is negative; durations must be zero or more"
        ));
    }
    let mut rest = s;
    let mut total: u64 = 0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("\"{text}\" has a number without a unit; {DURATION_HELP}"))?;
        if num_len == 0 {
            return Err(format!(
                "cannot read \"{text}\" as a duration; {DURATION_HELP}"
            ));
        }
        let (number, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let per = DURATION_UNITS
            .iter()
            .find(|(name, _)| *name == unit)
            .map(|(_, per)| *per)
            .ok_or_else(|| format!("unknown unit \"{unit}\" in \"{text}\"; {DURATION_HELP}"))?;
        let ns = decimal_times(number, per)
            .ok_or_else(|| format!("cannot read \"{number}\" in \"{text}\"; {DURATION_HELP}"))?;
        total = total.checked_add(ns).ok_or_else(|| {
            format!("duration \"{text}\" is too long (the limit is about 584 years)")
        })?;
        rest = next;
    }
    Ok(SimDuration(total))
}

/// `number` (decimal digits with at most one point) times `per`, exactly, if it fits and the
/// result is a whole number of nanoseconds.
fn decimal_times(number: &str, per: u64) -> Option<u64> {
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if (int.is_empty() && frac.is_empty()) || frac.contains('.') {
        return None;
    }
    let int_value: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut value = int_value.checked_mul(per)?;
    let mut scale = per;
    for digit in frac.bytes() {
        let d = u64::from(digit - b'0');
        if !scale.is_multiple_of(10) {
            // Finer than a nanosecond: accept only trailing zeros.
            if d != 0 {
                return None;
            }
            continue;
        }
        scale /= 10;
        value = value.checked_add(d * scale)?;
    }
    Some(value)
}

/// A rate of events: requests or jobs per second.
#[derive(Copy, Clone, Debug, PartialEq, PartialOrd)]
pub struct Rate {
    per_sec: f64,
}

impl Rate {
    /// A rate of `per_sec` events per second (finite, zero or more).
    pub fn per_sec(per_sec: f64) -> Rate {
        assert!(
            per_sec.is_finite() && per_sec >= 0.0,
            "invalid rate {per_sec}"
        );
        Rate { per_sec }
    }

    /// Events per second.
    pub fn as_per_sec(self) -> f64 {
        self.per_sec
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/s", self.per_sec)
    }
}

const RATE_HELP: &str = "expected a rate such as \"200/s\", \"12000/min\" or \"3.6k/h\" (suffixes k, M; per s, min, h, d)";

/// Parses a rate such as `"200/s"`, `"12000/min"` or `"3.6k/h"`.
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    let s = text.trim();
    let (count, unit) = s
        .split_once('/')
        .ok_or_else(|| format!("\"{text}\" has no \"/unit\"; {RATE_HELP}"))?;
    let count = count.trim();
    if count.starts_with('-') {
        return Err(format!(
            "rate \"{text}\" is negative; rates must be zero or more"
        ));
    }
    let (digits, multiplier) = match count.strip_suffix('k') {
        Some(d) => (d, 1e3),
        None => match count.strip_suffix('M') {
            Some(d) => (d, 1e6),
            None => (count, 1.0),
        },
    };
    let valid_number = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && digits != ".";
    if !valid_number {
        return Err(format!(
            "cannot read \"{count}\" in \"{text}\"; {RATE_HELP}"
        ));
    }
    let number: f64 = digits
        .parse()
        .map_err(|_| format!("cannot read \"{count}\" in \"{text}\"; {RATE_HELP}"))?;
    let per_secs = match unit.trim() {
        "s" | "sec" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        "d" => 86_400.0,
        other => {
            return Err(format!(
                "unknown time unit \"{other}\" in \"{text}\"; {RATE_HELP}"
            ));
        }
    };
    let per_sec = number * multiplier / per_secs;
    if !per_sec.is_finite() {
        return Err(format!("rate \"{text}\" is too large"));
    }
    Ok(Rate::per_sec(per_sec))
}

/// Parses a fraction written as a percentage (`"0.1%"`) or a plain number from 0 to 1.
pub fn parse_percent(text: &str) -> Result<f64, String> {
    let s = text.trim();
    let value = match s.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().map(|v| v / 100.0),
        None => s.parse::<f64>(),
    }
    .map_err(|_| format!("cannot read \"{text}\" as a fraction; expected \"0.1%\" or 0.001"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!("\"{text}\" is not between 0% and 100%"));
    }
    Ok(value)
}

/// A moment written in a scenario: an offset from the run's start (`"14h"`), a clock time of day
/// (`"14:00"`, needs `start`), or an RFC 3339 date-time (`"2026-12-01T14:00:00Z"`, needs `start`).
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum TimeSpec {
    /// Offset from the start of the run.
    Offset(SimDuration),
    /// Seconds after midnight (UTC offset of `start`); the first such moment at or after start.
    ClockOfDay(u64),
    /// An absolute date-time.
    DateTime(OffsetDateTime),
}

const TIME_HELP: &str = "expected an offset from the start such as \"14h\" or \"90s\", a clock time \
     such as \"14:00\", or a date-time such as \"2026-12-01T14:00:00Z\" (clock times need `start`)";

/// Parses a [`TimeSpec`].
pub fn parse_time_spec(text: &str) -> Result<TimeSpec, String> {
    let s = text.trim();
    if s.contains('T') && s.contains('-') {
        return OffsetDateTime::parse(s, &Rfc3339)
            .map(TimeSpec::DateTime)
            .map_err(|e| {
                format!("cannot read \"{text}\" as an RFC 3339 date-time ({e}); {TIME_HELP}")
            });
    }
    if s.contains(':') {
        let parts: Vec<&str> = s.split(':').collect();
        let parsed: Option<Vec<u64>> = parts.iter().map(|p| p.parse().ok()).collect();
        return match (parts.len(), parsed.as_deref()) {
            (2, Some([h, m])) if *h < 24 && *m < 60 => Ok(TimeSpec::ClockOfDay(h * 3600 + m * 60)),
            (3, Some([h, m, sec])) if *h < 24 && *m < 60 && *sec < 60 => {
                Ok(TimeSpec::ClockOfDay(h * 3600 + m * 60 + sec))
            }
            _ => Err(format!(
                "cannot read \"{text}\" as a clock time; {TIME_HELP}"
            )),
        };
    }
    parse_duration(s)
        .map(TimeSpec::Offset)
        .map_err(|_| format!("cannot read \"{text}\" as a time; {TIME_HELP}"))
}

/// Parses an RFC 3339 date-time such as `"2026-12-01T09:00:00Z"`.
pub fn parse_datetime(text: &str) -> Result<OffsetDateTime, String> {
    OffsetDateTime::parse(text.trim(), &Rfc3339).map_err(|e| {
        format!(
            "cannot read \"{text}\" as an RFC 3339 date-time such as \"2026-12-01T09:00:00Z\" ({e})"
        )
    })
}

impl TimeSpec {
    /// The offset from the run's start, given the start's clock time if the scenario has one.
    pub fn resolve(&self, start: Option<OffsetDateTime>) -> Result<SimDuration, String> {
        match (self, start) {
            (TimeSpec::Offset(d), _) => Ok(*d),
            (TimeSpec::ClockOfDay(secs), Some(start)) => {
                let start_secs = u64::from(start.hour()) * 3600
                    + u64::from(start.minute()) * 60
                    + u64::from(start.second());
                let start_ns = u64::from(start.nanosecond());
                let target = secs * NANOS_PER_SEC;
                let now = start_secs * NANOS_PER_SEC + start_ns;
                let day = 86_400 * NANOS_PER_SEC;
                Ok(SimDuration(if target >= now {
                    target - now
                } else {
                    target + day - now
                }))
            }
            (TimeSpec::DateTime(at), Some(start)) => {
                let ns = (*at - start).whole_nanoseconds();
                if ns < 0 {
                    Err(format!("{at} is before the scenario's start {start}"))
                } else {
                    Ok(SimDuration(u64::try_from(ns).unwrap_or(u64::MAX)))
                }
            }
            (_, None) => Err(
                "clock times need a `start` date-time at the top of the scenario; \
                 or write an offset from the start such as \"14h\""
                    .to_string(),
            ),
        }
    }
}

/// Defines a `serde` wrapper that parses a string with `parse` while deserializing.
macro_rules! string_value {
    ($(#[$doc:meta])* $name:ident, $inner:ty, $parse:path, $what:literal) => {
        $(#[$doc])*
        #[derive(Copy, Clone, Debug, PartialEq)]
        pub struct $name(pub $inner);

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        $parse(v).map($name).map_err(E::custom)
                    }
                }
                deserializer.deserialize_str(V)
            }
        }
    };
}

string_value!(
    /// A duration string in a scenario file, e.g. `"250ms"`.
    Dur, SimDuration, parse_duration,
    "a duration string with a unit, such as \"250ms\", \"30s\" or \"1h30m\""
);
string_value!(
    /// A rate string in a scenario file, e.g. `"200/s"`.
    RateValue, Rate, parse_rate,
    "a rate string such as \"200/s\", \"12000/min\" or \"3.6k/h\""
);
string_value!(
    /// A moment in a scenario file, e.g. `"14h"`, `"14:00"` or an RFC 3339 date-time.
    TimeValue, TimeSpec, parse_time_spec,
    "a time string such as \"14h\", \"14:00\" or \"2026-12-01T14:00:00Z\""
);
string_value!(
    /// An RFC 3339 date-time string in a scenario file.
    DateTimeValue, OffsetDateTime, parse_datetime,
    "an RFC 3339 date-time string such as \"2026-12-01T09:00:00Z\""
);

/// A fraction in a scenario file: `"5%"` or a number from 0 to 1.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Fraction(pub f64);

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Fraction;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a fraction such as \"5%\" or 0.05")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Fraction, E> {
                parse_percent(v).map(Fraction).map_err(E::custom)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Fraction, E> {
                if (0.0..=1.0).contains(&v) {
                    Ok(Fraction(v))
                } else {
                    Err(E::custom(format!("{v} is not between 0 and 1")))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Fraction, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Fraction, E> {
                self.visit_f64(v as f64)
            }
        }
        deserializer.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(text: &str) -> u64 {
        parse_duration(text).unwrap().as_nanos()
    }

    #[test]
    fn durations_in_every_unit() {
        assert_eq!(ns("250ms"), 250_000_000);
        assert_eq!(ns("30s"), 30 * NANOS_PER_SEC);
        assert_eq!(ns("2m"), 120 * NANOS_PER_SEC);
        assert_eq!(ns("1h30m"), 5_400 * NANOS_PER_SEC);
        assert_eq!(ns("1.5s"), 1_500_000_000);
        assert_eq!(ns("100us"), 100_000);
        assert_eq!(ns("100µs"), 100_000);
        assert_eq!(ns("7ns"), 7);
        assert_eq!(ns("1d"), 86_400 * NANOS_PER_SEC);
        assert_eq!(ns("0s"), 0);
        assert_eq!(ns(".5s"), 500_000_000);
    }

    #[test]
    fn bad_durations_say_what_was_expected() {
        for bad in [
            "",
            "5",
            "5x",
            "-5s",
            "s",
            "1.2.3s",
            "1.5ns",
            "ms5",
            "99999999999999999999h",
        ] {
            let err = parse_duration(bad).unwrap_err();
            assert!(
                err.contains("expected a duration")
                    || err.contains("negative")
                    || err.contains("too long"),
                "{bad}: {err}"
            );
        }
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
    }

    #[test]
    fn rates_with_suffixes_and_units() {
        let r = |t: &str| parse_rate(t).unwrap().as_per_sec();
        assert_eq!(r("200/s"), 200.0);
        assert_eq!(r("12000/min"), 200.0);
        assert!((r("3.6k/h") - 1.0).abs() < 1e-12);
        assert_eq!(r("1.2M/d"), 1.2e6 / 86_400.0);
        assert_eq!(r("0/s"), 0.0);
        for bad in ["200", "200/y", "-1/s", "abc/s", "/s", "1e3/s", "./s"] {
            assert!(parse_rate(bad).is_err(), "{bad} should be refused");
        }
        assert!(parse_rate("-1/s").unwrap_err().contains("negative"));
    }

    #[test]
    fn percentages_and_fractions() {
        assert_eq!(parse_percent("5%").unwrap(), 0.05);
        assert_eq!(parse_percent("0.25").unwrap(), 0.25);
        assert!(parse_percent("150%").is_err());
        assert!(parse_percent("x").is_err());
    }

    #[test]
    fn clock_times_resolve_against_start() {
        let start = parse_datetime("2026-12-01T09:00:00Z").unwrap();
        let at = |t: &str| parse_time_spec(t).unwrap().resolve(Some(start)).unwrap();
        assert_eq!(at("14:00"), SimDuration::from_secs(5 * 3600));
        assert_eq!(at("08:00"), SimDuration::from_secs(23 * 3600));
        assert_eq!(at("2026-12-01T09:00:30Z"), SimDuration::from_secs(30));
        assert_eq!(at("14h"), SimDuration::from_secs(14 * 3600));
        let no_start = parse_time_spec("14:00").unwrap().resolve(None).unwrap_err();
        assert!(no_start.contains("need a `start`"));
        assert!(
            parse_time_spec("2026-12-01T08:00:00Z")
                .unwrap()
                .resolve(Some(start))
                .is_err()
        );
        assert!(parse_time_spec("25:00").is_err());
    }
}
