//! Arrival processes: when requests of one traffic class arrive.
//!
//! An [`ArrivalProcess`] is the typed description (built and checked by
//! [`crate::scenario::traffic`]); an [`ArrivalGen`] owns one process's state and its random
//! [`Stream`] and hands out arrival times one at a time, in order.
//!
//! # How each process is generated
//! - `constant`: the n-th arrival (n = 1, 2, …) is at exactly `round(n · 1e9 / rate)` ns,
//!   computed from n each time so nothing drifts; `[0, T]` holds exactly `floor(rate · T)`.
//! - `poisson`, `steps`, `burst` (piecewise-constant rates): exact, by inverting the cumulative
//!   rate. Each arrival draws one unit exponential "mass" and walks forward through the rate's
//!   segments, spending `rate × length` per segment; a zero-rate segment costs nothing and is
//!   crossed in one step, and whole burst cycles are skipped in one step, so a burst with
//!   `base = 0` never loops per cycle. This is the same process as restarting an exponential
//!   gap at each boundary (memorylessness), with fewer draws.
//! - `ramp`, `diurnal` (continuous rates): Lewis–Shedler thinning. A ramp uses the exact
//!   constant rate before `start` and after `end`, and between them the bound
//!   `max(rate(now), to)` over the rest of the ramp; a diurnal wave uses `peak`. Both bounds are
//!   at most twice the average rate they cover, so at least half the candidates are kept.
//! - `trace`: times are streamed from a CSV file through a [`std::io::BufReader`], one row at a time;
//!   memory does not grow with the file.
//!
//! # Invariants
//! Times are integer nanoseconds; every gap is rounded once, to the nearest nanosecond, and is
//! never negative, so arrival times never decrease (equal times are possible at very high
//! rates). A process whose rate is zero from some point on returns `None` there instead of
//! searching forever; so does one whose next arrival would be past the largest [`SimTime`].

use rand::RngExt;
use rand_distr::{Distribution, Exp1};

use crate::engine::{NANOS_PER_SEC, SimDuration, SimTime, Stream, round_to_u64};
use crate::scenario::units::Rate;

use super::trace::TraceReader;
pub use super::trace::{TraceSpec, validate_trace};

/// A process that generates request arrivals.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrivalProcess {
    /// Evenly spaced: the n-th arrival (n = 1, 2, …) at exactly `round(n · 1e9 / rate)` ns.
    Constant {
        /// Arrivals per second.
        rate: Rate,
    },
    /// Poisson with a constant rate.
    Poisson {
        /// Arrivals per second.
        rate: Rate,
    },
    /// Poisson whose rate is `from` before `start`, moves linearly to `to` at `end`, and stays
    /// `to` after.
    Ramp {
        /// Rate before `start`.
        from: Rate,
        /// Rate from `end` on.
        to: Rate,
        /// When the ramp begins (offset from the run's start).
        start: SimDuration,
        /// When the ramp ends; after `start`.
        end: SimDuration,
    },
    /// Poisson whose rate changes in steps: each `(at, rate)` holds from `at` until the next
    /// step; the rate is zero before the first step. Times strictly increasing.
    Steps {
        /// `(at, rate)` pairs, sorted by time.
        steps: Vec<(SimDuration, Rate)>,
    },
    /// Poisson with a daily-style wave: `rate(t) = mid + amp · cos(2π (t − peak_at) / period)`
    /// where `mid = (peak + trough) / 2` and `amp = (peak − trough) / 2`.
    Diurnal {
        /// Length of one cycle (more than zero).
        period: SimDuration,
        /// Lowest rate, half a period from `peak_at`.
        trough: Rate,
        /// Highest rate (at least `trough`).
        peak: Rate,
        /// A moment when the rate is at its peak (offset from the run's start).
        peak_at: SimDuration,
    },
    /// Poisson with a square wave: `base` until `start`, then repeating `on` at `rate` and `off`
    /// at `base`.
    Burst {
        /// Rate outside bursts.
        base: Rate,
        /// Rate during bursts.
        rate: Rate,
        /// Length of each burst (more than zero).
        on: SimDuration,
        /// Gap between bursts.
        off: SimDuration,
        /// When the first burst begins.
        start: SimDuration,
    },
    /// Arrival times replayed from a CSV file.
    Trace(TraceSpec),
}

impl ArrivalProcess {
    /// Checks the invariants of a typed process: ramp `end` after `start`, steps strictly
    /// increasing in time, diurnal `period > 0` and `peak >= trough`, burst `on > 0`.
    /// Does not read a trace file (see [`validate_trace`]).
    pub fn validate(&self) -> Result<(), String> {
        match self {
            ArrivalProcess::Ramp { start, end, .. } if end <= start => Err(format!(
                "ramp: `end` (\"{end}\") must be after `start` (\"{start}\")"
            )),
            ArrivalProcess::Steps { steps } => {
                for (i, pair) in steps.windows(2).enumerate() {
                    let ((before, _), (at, _)) = (pair[0], pair[1]);
                    if at <= before {
                        return Err(format!(
                            "steps: step {} `at` (\"{at}\") must be after step {} `at` \
                             (\"{before}\"); list the steps in time order",
                            i + 2,
                            i + 1
                        ));
                    }
                }
                Ok(())
            }
            ArrivalProcess::Diurnal { period, .. } if period.0 == 0 => {
                Err("diurnal: `period` must be more than zero, e.g. \"24h\"".to_string())
            }
            ArrivalProcess::Diurnal { trough, peak, .. } if peak < trough => Err(format!(
                "diurnal: `peak` ({peak}) must be at least `trough` ({trough})"
            )),
            ArrivalProcess::Burst { on, .. } if on.0 == 0 => {
                Err("burst: `on` must be more than zero, e.g. \"30s\"".to_string())
            }
            _ => Ok(()),
        }
    }

    /// Average arrivals per second over `[0, horizon]`: the exact integral of the rate divided
    /// by `horizon` (the rate at time zero when `horizon` is zero). For a trace, the number of
    /// rows at or before `horizon` divided by `horizon` (zero when `horizon` is zero); this reads
    /// the file, hence the `Result`.
    pub fn mean_rate(&self, horizon: SimDuration) -> Result<f64, String> {
        if let ArrivalProcess::Trace(spec) = self {
            if horizon.0 == 0 {
                return Ok(0.0);
            }
            let mut reader = TraceReader::open(spec)?;
            let mut count = 0u64;
            while let Some(t) = reader.next_time()? {
                if t > horizon {
                    break;
                }
                count += 1;
            }
            return Ok(count as f64 / horizon.as_secs_f64());
        }
        if horizon.0 == 0 {
            return Ok(self.rate_at(0));
        }
        Ok(self.integral(horizon.0) / horizon.as_secs_f64())
    }

    /// The highest instantaneous rate in `[0, horizon]`, per second. For a trace (which has no
    /// instantaneous rate), the most rows in any whole second `[k s, (k+1) s)` up to `horizon`;
    /// this reads the file, hence the `Result`.
    pub fn peak_rate(&self, horizon: SimDuration) -> Result<f64, String> {
        let h = horizon.0;
        let peak = match self {
            ArrivalProcess::Constant { rate } | ArrivalProcess::Poisson { rate } => {
                rate.as_per_sec()
            }
            // Monotone from `from` to `to`: the largest rate is at an end of the window.
            ArrivalProcess::Ramp { .. } => self.rate_at(0).max(self.rate_at(h)),
            ArrivalProcess::Steps { steps } => {
                let mut peak: f64 = 0.0;
                for (i, (at, rate)) in steps.iter().enumerate() {
                    let ends = steps.get(i + 1).map_or(u64::MAX, |next| next.0.0);
                    if at.0 <= h && ends > at.0 {
                        peak = peak.max(rate.as_per_sec());
                    }
                }
                peak
            }
            ArrivalProcess::Diurnal {
                period,
                peak,
                peak_at,
                ..
            } => {
                let to_peak = (period.0 - phase_ns(0, peak_at.0, period.0)) % period.0.max(1);
                if to_peak <= h {
                    peak.as_per_sec()
                } else {
                    // No peak inside: cos has no other interior maximum.
                    self.rate_at(0).max(self.rate_at(h))
                }
            }
            ArrivalProcess::Burst {
                base,
                rate,
                on,
                start,
                ..
            } => {
                if start.0 <= h && on.0 > 0 {
                    base.as_per_sec().max(rate.as_per_sec())
                } else {
                    base.as_per_sec()
                }
            }
            ArrivalProcess::Trace(spec) => {
                let mut reader = TraceReader::open(spec)?;
                let (mut peak, mut bucket, mut count) = (0u64, 0u64, 0u64);
                while let Some(t) = reader.next_time()? {
                    if t.0 > h {
                        break;
                    }
                    let b = t.0 / NANOS_PER_SEC;
                    if b != bucket {
                        (bucket, count) = (b, 0);
                    }
                    count += 1;
                    peak = peak.max(count);
                }
                peak as f64
            }
        };
        Ok(peak)
    }

    /// The instantaneous rate at `t` ns, per second (zero for a trace).
    pub fn rate_at(&self, t: u64) -> f64 {
        match self {
            ArrivalProcess::Constant { rate } | ArrivalProcess::Poisson { rate } => {
                rate.as_per_sec()
            }
            ArrivalProcess::Ramp {
                from,
                to,
                start,
                end,
            } => {
                let (s, e) = (start.0, end.0.max(start.0));
                if t < s {
                    from.as_per_sec()
                } else if t >= e {
                    to.as_per_sec()
                } else {
                    let frac = (t - s) as f64 / (e - s) as f64;
                    from.as_per_sec() + (to.as_per_sec() - from.as_per_sec()) * frac
                }
            }
            ArrivalProcess::Steps { steps } => {
                let i = steps.partition_point(|(at, _)| at.0 <= t);
                if i == 0 {
                    0.0
                } else {
                    steps[i - 1].1.as_per_sec()
                }
            }
            ArrivalProcess::Diurnal {
                period,
                trough,
                peak,
                peak_at,
            } => {
                let (mid, amp) = mid_amp(*trough, *peak);
                if period.0 == 0 {
                    return mid;
                }
                let angle = std::f64::consts::TAU * phase_ns(t, peak_at.0, period.0) as f64
                    / period.0 as f64;
                (mid + amp * angle.cos()).max(0.0)
            }
            ArrivalProcess::Burst {
                base,
                rate,
                on,
                off,
                start,
            } => {
                if t < start.0 {
                    return base.as_per_sec();
                }
                let cycle = on.0.saturating_add(off.0).max(1);
                if (t - start.0) % cycle < on.0 {
                    rate.as_per_sec()
                } else {
                    base.as_per_sec()
                }
            }
            ArrivalProcess::Trace(_) => 0.0,
        }
    }

    /// The expected number of arrivals in `[0, h]` ns (zero for a trace).
    fn integral(&self, h: u64) -> f64 {
        let secs = |ns: u64| ns as f64 / NANOS_PER_SEC as f64;
        match self {
            ArrivalProcess::Constant { rate } | ArrivalProcess::Poisson { rate } => {
                rate.as_per_sec() * secs(h)
            }
            ArrivalProcess::Ramp {
                from,
                to,
                start,
                end,
            } => {
                let end = end.0.max(start.0);
                let before = from.as_per_sec() * secs(h.min(start.0));
                let ramp_end = h.min(end);
                let during = if ramp_end > start.0 {
                    (from.as_per_sec() + self.rate_at(ramp_end)) / 2.0 * secs(ramp_end - start.0)
                } else {
                    0.0
                };
                let after = to.as_per_sec() * secs(h.saturating_sub(end));
                before + during + after
            }
            ArrivalProcess::Steps { steps } => {
                let mut total = 0.0;
                for (i, (at, rate)) in steps.iter().enumerate() {
                    let ends = steps.get(i + 1).map_or(u64::MAX, |next| next.0.0).min(h);
                    if ends > at.0 {
                        total += rate.as_per_sec() * secs(ends - at.0);
                    }
                }
                total
            }
            ArrivalProcess::Diurnal {
                period,
                trough,
                peak,
                peak_at,
            } => {
                let (mid, amp) = mid_amp(*trough, *peak);
                if period.0 == 0 {
                    return mid * secs(h);
                }
                let angle = |t: u64| {
                    std::f64::consts::TAU * phase_ns(t, peak_at.0, period.0) as f64
                        / period.0 as f64
                };
                let wave = amp * secs(period.0) / std::f64::consts::TAU
                    * (angle(h).sin() - angle(0).sin());
                mid * secs(h) + wave
            }
            ArrivalProcess::Burst {
                base,
                rate,
                on,
                off,
                start,
            } => {
                let on_ns = if h <= start.0 {
                    0
                } else {
                    let span = h - start.0;
                    let cycle = on.0.saturating_add(off.0).max(1);
                    (span / cycle).saturating_mul(on.0) + (span % cycle).min(on.0)
                };
                base.as_per_sec() * secs(h) + (rate.as_per_sec() - base.as_per_sec()) * secs(on_ns)
            }
            ArrivalProcess::Trace(_) => 0.0,
        }
    }
}

/// `(mid, amp)` of a diurnal wave.
fn mid_amp(trough: Rate, peak: Rate) -> (f64, f64) {
    let (lo, hi) = (trough.as_per_sec(), peak.as_per_sec());
    ((hi + lo) / 2.0, (hi - lo) / 2.0)
}

/// `(t − peak_at) mod period`, in `[0, period)`; `period` must be more than zero.
fn phase_ns(t: u64, peak_at: u64, period: u64) -> u64 {
    let p = i128::from(period.max(1));
    // In [0, period), so the cast back is lossless.
    (i128::from(t) - i128::from(peak_at)).rem_euclid(p) as u64
}

/// `now + secs`, rounded to the nearest nanosecond; `None` past the largest representable time.
fn add_secs(now: u64, secs: f64) -> Option<u64> {
    now.checked_add(round_to_u64(secs * NANOS_PER_SEC as f64)?)
}

/// Generates the arrivals of one process, in order, from its own random stream.
#[derive(Debug)]
pub struct ArrivalGen {
    rng: Stream,
    /// The last arrival (or the point the search has reached), in ns.
    now: u64,
    kind: GenKind,
    done: bool,
}

#[derive(Debug)]
enum GenKind {
    Constant {
        per_sec: f64,
        n: u64,
    },
    /// Poisson at a constant rate: the one-step case of `Piecewise`, with the same arithmetic
    /// and none of the segment search (the reference model's hot path).
    Poisson {
        per_sec: f64,
    },
    /// Exact inversion over piecewise-constant rates.
    Piecewise(Piecewise),
    /// Lewis–Shedler thinning (ramp, diurnal).
    Thinning(ArrivalProcess),
    Trace(Box<TraceReader>),
}

/// A piecewise-constant rate (per second) in ns segments. Poisson is one step at zero.
#[derive(Debug)]
enum Piecewise {
    Steps(Vec<(u64, f64)>),
    Burst {
        base: f64,
        rate: f64,
        on: u64,
        off: u64,
        start: u64,
    },
}

impl Piecewise {
    /// The rate at `now` and the end of its segment (`None`: it holds forever), which is always
    /// after `now`.
    fn segment(&self, now: u64) -> (f64, Option<u64>) {
        match self {
            Piecewise::Steps(steps) => {
                let i = steps.partition_point(|&(at, _)| at <= now);
                let rate = if i == 0 { 0.0 } else { steps[i - 1].1 };
                (rate, steps.get(i).map(|&(at, _)| at))
            }
            Piecewise::Burst {
                base,
                rate,
                on,
                off,
                start,
            } => {
                if now < *start {
                    return (*base, Some(*start));
                }
                if *off == 0 {
                    return (*rate, None);
                }
                let cycle = on.saturating_add(*off);
                let cycle_start = now - (now - start) % cycle;
                if now - cycle_start < *on {
                    (*rate, cycle_start.checked_add(*on))
                } else {
                    (*base, cycle_start.checked_add(cycle))
                }
            }
        }
    }

    /// The next arrival after `now`, advancing `now` to it.
    fn next(&self, rng: &mut Stream, now: &mut u64) -> Option<u64> {
        let mut mass: f64 = Exp1.sample(rng);
        loop {
            let (rate, end) = self.segment(*now);
            let Some(end) = end else {
                if rate <= 0.0 {
                    return None;
                }
                *now = add_secs(*now, mass / rate)?;
                return Some(*now);
            };
            let segment_mass = rate * (end - *now) as f64 / NANOS_PER_SEC as f64;
            if mass < segment_mass {
                *now = add_secs(*now, mass / rate).map_or(end, |t| t.min(end));
                return Some(*now);
            }
            mass -= segment_mass;
            *now = end;
            if let Piecewise::Burst {
                base,
                rate,
                on,
                off,
                start,
            } = self
            {
                // At the start of a cycle: skip whole cycles the mass cannot reach into.
                let cycle = on.saturating_add(*off);
                if *now >= *start && (*now - start).is_multiple_of(cycle) {
                    let cycle_mass =
                        (rate * *on as f64 + base * *off as f64) / NANOS_PER_SEC as f64;
                    if cycle_mass <= 0.0 {
                        return None; // zero rate forever
                    }
                    let whole = (mass / cycle_mass).floor();
                    if whole >= 1.0 {
                        if whole >= u64::MAX as f64 {
                            return None;
                        }
                        let skip = (whole as u64).checked_mul(cycle)?;
                        *now = now.checked_add(skip)?;
                        mass = (mass - whole * cycle_mass).max(0.0);
                    }
                }
            }
        }
    }
}

/// The next arrival after `now` of a ramp or diurnal process by thinning, advancing `now`.
fn next_thinning(process: &ArrivalProcess, rng: &mut Stream, now: &mut u64) -> Option<u64> {
    loop {
        // (bound on the rate over [now, window end), window end): None means forever.
        let (bound, window_end, exact) = match process {
            ArrivalProcess::Ramp {
                from,
                to,
                start,
                end,
            } => {
                if *now < start.0 {
                    (from.as_per_sec(), Some(start.0), true)
                } else if *now >= end.0 {
                    (to.as_per_sec(), None, true)
                } else {
                    let bound = process.rate_at(*now).max(to.as_per_sec());
                    (bound, Some(end.0), false)
                }
            }
            ArrivalProcess::Diurnal { peak, .. } => (peak.as_per_sec(), None, false),
            _ => unreachable!("only ramp and diurnal processes are thinned"),
        };
        if bound <= 0.0 {
            match window_end {
                None => return None,
                Some(w) => {
                    *now = w;
                    continue;
                }
            }
        }
        let gap: f64 = Exp1.sample(rng);
        let candidate = add_secs(*now, gap / bound);
        match (candidate, window_end) {
            (None, None) => return None,
            (None, Some(w)) => *now = w,
            (Some(c), Some(w)) if c >= w => *now = w,
            (Some(c), _) => {
                *now = c;
                if exact || rng.random::<f64>() * bound < process.rate_at(c) {
                    return Some(c);
                }
            }
        }
    }
}

impl ArrivalGen {
    /// A generator for `process` drawing from `rng`. Checks the process
    /// ([`ArrivalProcess::validate`]); a trace's file is opened here (the error names the path).
    pub fn new(process: &ArrivalProcess, rng: Stream) -> Result<ArrivalGen, String> {
        process.validate()?;
        let kind = match process {
            ArrivalProcess::Constant { rate } => GenKind::Constant {
                per_sec: rate.as_per_sec(),
                n: 0,
            },
            ArrivalProcess::Poisson { rate } if rate.as_per_sec() > 0.0 => GenKind::Poisson {
                per_sec: rate.as_per_sec(),
            },
            ArrivalProcess::Poisson { rate } => {
                GenKind::Piecewise(Piecewise::Steps(vec![(0, rate.as_per_sec())]))
            }
            ArrivalProcess::Steps { steps } => GenKind::Piecewise(Piecewise::Steps(
                steps.iter().map(|(at, r)| (at.0, r.as_per_sec())).collect(),
            )),
            ArrivalProcess::Burst {
                base,
                rate,
                on,
                off,
                start,
            } => GenKind::Piecewise(Piecewise::Burst {
                base: base.as_per_sec(),
                rate: rate.as_per_sec(),
                on: on.0,
                off: off.0,
                start: start.0,
            }),
            ArrivalProcess::Ramp { .. } | ArrivalProcess::Diurnal { .. } => {
                GenKind::Thinning(process.clone())
            }
            ArrivalProcess::Trace(spec) => GenKind::Trace(Box::new(TraceReader::open(spec)?)),
        };
        Ok(ArrivalGen {
            rng,
            now: 0,
            kind,
            done: false,
        })
    }

    /// The next arrival time, never earlier than the previous one; `None` once the process has
    /// no more arrivals (zero rate forever, trace exhausted, or past the largest time), and on
    /// every call after that. Errors only for trace rows that cannot be read (the message names
    /// the file and line); the generator is finished after an error.
    pub fn next_arrival(&mut self) -> Result<Option<SimTime>, String> {
        if self.done {
            return Ok(None);
        }
        let next = match &mut self.kind {
            GenKind::Constant { per_sec, n } => {
                *n += 1;
                // A zero rate gives infinity: no arrival; NaN cannot occur for a valid Rate.
                round_to_u64(*n as f64 * NANOS_PER_SEC as f64 / *per_sec)
            }
            GenKind::Poisson { per_sec } => {
                let mass: f64 = Exp1.sample(&mut self.rng);
                add_secs(self.now, mass / *per_sec)
            }
            GenKind::Piecewise(p) => p.next(&mut self.rng, &mut self.now),
            GenKind::Thinning(p) => next_thinning(p, &mut self.rng, &mut self.now),
            GenKind::Trace(reader) => match reader.next_time() {
                Ok(t) => t.map(|d| d.0),
                Err(e) => {
                    self.done = true;
                    return Err(e);
                }
            },
        };
        match next {
            Some(t) => {
                debug_assert!(t >= self.now, "arrival times must not decrease");
                self.now = t;
                Ok(Some(SimTime(t)))
            }
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use time::OffsetDateTime;

    use super::*;
    use crate::engine::stream;
    use crate::scenario::units::parse_datetime;

    fn rate(per_sec: f64) -> Rate {
        Rate::per_sec(per_sec)
    }

    fn secs(n: u64) -> SimDuration {
        SimDuration::from_secs(n)
    }

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/traffic")
            .join(name)
    }

    fn trace(name: &str) -> ArrivalProcess {
        ArrivalProcess::Trace(TraceSpec {
            path: fixture(name),
            start: None,
        })
    }

    /// Arrivals in `[0, horizon]`, checking that times never decrease.
    fn count_until(process: &ArrivalProcess, horizon: SimDuration) -> u64 {
        let mut generator = ArrivalGen::new(process, stream(1, "test")).unwrap();
        let (mut count, mut last) = (0, SimTime::ZERO);
        while let Some(t) = generator.next_arrival().unwrap() {
            assert!(t >= last, "{process:?}: {t} after {last}");
            if t.0 > horizon.0 {
                break;
            }
            (count, last) = (count + 1, t);
        }
        count
    }

    /// Asserts a Poisson count is within 4 standard deviations (√mean) of its mean.
    fn assert_poisson_count(name: &str, count: u64, mean: f64) {
        let tolerance = 4.0 * mean.sqrt();
        assert!(
            (count as f64 - mean).abs() <= tolerance,
            "{name}: {count} arrivals, expected {mean} ± {tolerance}"
        );
    }

    #[test]
    fn constant_spacing_is_exact_to_the_ns() {
        let process = ArrivalProcess::Constant { rate: rate(3.0) };
        let mut generator = ArrivalGen::new(&process, stream(1, "test")).unwrap();
        let times: Vec<u64> = (0..4)
            .map(|_| generator.next_arrival().unwrap().unwrap().0)
            .collect();
        assert_eq!(
            times,
            [333_333_333, 666_666_667, 1_000_000_000, 1_333_333_333]
        );
        // No drift: the millionth arrival is still at round(n · 1e9 / rate).
        for _ in 4..999_999 {
            generator.next_arrival().unwrap();
        }
        assert_eq!(
            generator.next_arrival().unwrap(),
            Some(SimTime(333_333_333_333_333))
        );
    }

    #[test]
    fn constant_count_is_exact() {
        let process = ArrivalProcess::Constant { rate: rate(32.0) };
        assert_eq!(count_until(&process, secs(100)), 3_200);
        let process = ArrivalProcess::Constant { rate: rate(0.3) };
        assert_eq!(count_until(&process, secs(100)), 30);
    }

    #[test]
    fn counts_match_the_integral_of_the_rate() {
        // Each count is Poisson with mean ∫ rate, checked within 4 standard deviations; the
        // integral comes from `mean_rate`, itself checked exactly in `mean_and_peak_rates`.
        let horizon = secs(3_600);
        let cases = [
            ("poisson", ArrivalProcess::Poisson { rate: rate(32.0) }),
            (
                "ramp up",
                ArrivalProcess::Ramp {
                    from: rate(5.0),
                    to: rate(50.0),
                    start: secs(600),
                    end: secs(1_800),
                },
            ),
            (
                "ramp down to zero",
                ArrivalProcess::Ramp {
                    from: rate(40.0),
                    to: rate(0.0),
                    start: secs(0),
                    end: secs(3_000),
                },
            ),
            (
                "steps",
                ArrivalProcess::Steps {
                    steps: vec![
                        (secs(60), rate(10.0)),
                        (secs(600), rate(0.0)),
                        (secs(900), rate(40.0)),
                    ],
                },
            ),
            (
                "diurnal",
                ArrivalProcess::Diurnal {
                    period: secs(1_000),
                    trough: rate(0.0),
                    peak: rate(30.0),
                    peak_at: secs(250),
                },
            ),
            (
                "burst",
                ArrivalProcess::Burst {
                    base: rate(2.0),
                    rate: rate(50.0),
                    on: secs(10),
                    off: secs(50),
                    start: secs(30),
                },
            ),
            (
                "burst with base 0",
                ArrivalProcess::Burst {
                    base: rate(0.0),
                    rate: rate(50.0),
                    on: secs(7),
                    off: secs(53),
                    start: secs(0),
                },
            ),
        ];
        for (name, process) in cases {
            let mean = process.mean_rate(horizon).unwrap() * horizon.as_secs_f64();
            assert_poisson_count(name, count_until(&process, horizon), mean);
        }
    }

    #[test]
    fn burst_with_base_zero_and_a_tiny_duty_cycle_is_fast() {
        // 1 ns bursts every second at 1e6/s: 0.001 arrivals per cycle, so 1000 cycles pass
        // between arrivals; skipping whole cycles keeps this O(arrivals).
        let process = ArrivalProcess::Burst {
            base: rate(0.0),
            rate: rate(1e6),
            on: SimDuration(1),
            off: secs(1),
            start: secs(0),
        };
        let horizon = secs(10_000_000);
        let mean = process.mean_rate(horizon).unwrap() * horizon.as_secs_f64();
        assert!((mean - 10_000.0).abs() < 1e-3, "{mean}");
        assert_poisson_count("tiny bursts", count_until(&process, horizon), mean);
    }

    #[test]
    fn zero_rate_forever_gives_none() {
        let cases = [
            ArrivalProcess::Constant { rate: rate(0.0) },
            ArrivalProcess::Poisson { rate: rate(0.0) },
            ArrivalProcess::Steps { steps: vec![] },
            ArrivalProcess::Steps {
                steps: vec![(secs(1), rate(0.0)), (secs(2), rate(0.0))],
            },
            ArrivalProcess::Ramp {
                from: rate(0.0),
                to: rate(0.0),
                start: secs(5),
                end: secs(10),
            },
            ArrivalProcess::Diurnal {
                period: secs(60),
                trough: rate(0.0),
                peak: rate(0.0),
                peak_at: secs(0),
            },
            ArrivalProcess::Burst {
                base: rate(0.0),
                rate: rate(0.0),
                on: secs(1),
                off: secs(1),
                start: secs(9),
            },
        ];
        for process in cases {
            let mut generator = ArrivalGen::new(&process, stream(1, "test")).unwrap();
            assert_eq!(generator.next_arrival().unwrap(), None, "{process:?}");
            assert_eq!(generator.next_arrival().unwrap(), None, "{process:?}");
        }
        // Traffic that stops: a ramp down to zero ends after its last arrival.
        let ramp = ArrivalProcess::Ramp {
            from: rate(10.0),
            to: rate(0.0),
            start: secs(0),
            end: secs(10),
        };
        let mut generator = ArrivalGen::new(&ramp, stream(1, "test")).unwrap();
        let mut last = SimTime::ZERO;
        while let Some(t) = generator.next_arrival().unwrap() {
            last = t;
        }
        assert!(last <= SimTime(secs(10).0));
    }

    #[test]
    fn mean_and_peak_rates() {
        let h = secs(100);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9 * b.abs().max(1.0);
        let ramp = ArrivalProcess::Ramp {
            from: rate(10.0),
            to: rate(30.0),
            start: secs(20),
            end: secs(60),
        };
        // 10·20 + 20·40 + 30·40 = 2200 arrivals over 100 s.
        assert!(close(ramp.mean_rate(h).unwrap(), 22.0));
        assert_eq!(ramp.peak_rate(h).unwrap(), 30.0);
        assert_eq!(ramp.peak_rate(secs(40)).unwrap(), 20.0);
        let steps = ArrivalProcess::Steps {
            steps: vec![(secs(10), rate(5.0)), (secs(50), rate(1.0))],
        };
        assert!(close(
            steps.mean_rate(h).unwrap(),
            (5.0 * 40.0 + 50.0) / 100.0
        ));
        assert_eq!(steps.peak_rate(secs(5)).unwrap(), 0.0);
        assert_eq!(steps.peak_rate(h).unwrap(), 5.0);
        let diurnal = ArrivalProcess::Diurnal {
            period: secs(100),
            trough: rate(10.0),
            peak: rate(30.0),
            peak_at: secs(70),
        };
        assert!(close(diurnal.mean_rate(h).unwrap(), 20.0)); // whole periods average to mid
        assert_eq!(diurnal.peak_rate(h).unwrap(), 30.0);
        assert!(close(
            diurnal.peak_rate(secs(10)).unwrap(),
            diurnal.rate_at(0)
        ));
        let burst = ArrivalProcess::Burst {
            base: rate(1.0),
            rate: rate(11.0),
            on: secs(5),
            off: secs(15),
            start: secs(10),
        };
        // 90 s after start = 4 cycles + 10 s: 25 s on, 75 s at base.
        assert!(close(
            burst.mean_rate(h).unwrap(),
            (100.0 + 10.0 * 25.0) / 100.0
        ));
        assert_eq!(burst.peak_rate(secs(5)).unwrap(), 1.0);
        assert_eq!(burst.peak_rate(h).unwrap(), 11.0);
        let poisson = ArrivalProcess::Poisson { rate: rate(7.0) };
        assert_eq!(poisson.mean_rate(SimDuration::ZERO).unwrap(), 7.0);
    }

    #[test]
    fn trace_replays_every_row_exactly() {
        // trace_offsets.csv: a header, 10 rows mixing plain seconds and durations, blank lines.
        let process = trace("trace_offsets.csv");
        let mut generator = ArrivalGen::new(&process, stream(1, "test")).unwrap();
        let mut times = vec![];
        while let Some(t) = generator.next_arrival().unwrap() {
            times.push(t.0);
        }
        let want: Vec<u64> = [0.0, 0.5, 0.5, 1.25, 2.0, 2.0, 3.0, 60.0, 90.0, 3_723.0]
            .iter()
            .map(|s| (s * 1e9) as u64)
            .collect();
        assert_eq!(times, want);
        let spec = TraceSpec {
            path: fixture("trace_offsets.csv"),
            start: None,
        };
        assert_eq!(validate_trace(&spec).unwrap(), 10);
        assert_eq!(count_until(&process, secs(60)), 8);
        assert_eq!(process.mean_rate(secs(2)).unwrap(), 3.0); // 6 rows at or before 2 s
        assert_eq!(process.peak_rate(secs(100)).unwrap(), 3.0); // three in [0 s, 1 s)
    }

    #[test]
    fn trace_date_times_are_relative_to_start_or_first_row() {
        let times = |start: Option<OffsetDateTime>| {
            let process = ArrivalProcess::Trace(TraceSpec {
                path: fixture("trace_datetimes.csv"),
                start,
            });
            let mut generator = ArrivalGen::new(&process, stream(1, "test")).unwrap();
            let mut out = vec![];
            while let Some(t) = generator.next_arrival().unwrap() {
                out.push(t.0);
            }
            out
        };
        assert_eq!(times(None), [0, 1_500_000_000, 60_000_000_000]);
        let start = parse_datetime("2026-12-01T08:59:00Z").unwrap();
        assert_eq!(
            times(Some(start)),
            [60_000_000_000, 61_500_000_000, 120_000_000_000]
        );
        let late = parse_datetime("2026-12-01T09:00:01Z").unwrap();
        let spec = TraceSpec {
            path: fixture("trace_datetimes.csv"),
            start: Some(late),
        };
        let err = validate_trace(&spec).unwrap_err();
        assert!(
            err.contains("line 1") && err.contains("before the scenario's `start`"),
            "{err}"
        );
    }

    #[test]
    fn trace_errors_name_file_and_line() {
        let err = |name: &str| {
            validate_trace(&TraceSpec {
                path: fixture(name),
                start: None,
            })
            .unwrap_err()
        };
        let missing = err("no_such_trace.csv");
        assert!(
            missing.contains("cannot open trace file") && missing.contains("no_such_trace.csv"),
            "{missing}"
        );
        let out_of_order = err("trace_out_of_order.csv");
        assert!(
            out_of_order.contains("trace_out_of_order.csv: line 4")
                && out_of_order.contains("before the previous row's \"3s\""),
            "{out_of_order}"
        );
        let bad = err("trace_bad_value.csv");
        assert!(
            bad.contains("trace_bad_value.csv: line 3")
                && bad.contains("cannot read \"12x\" as an arrival time"),
            "{bad}"
        );
        // The generator reports the same error when it reaches the row, then stops.
        let mut generator =
            ArrivalGen::new(&trace("trace_bad_value.csv"), stream(1, "test")).unwrap();
        assert!(generator.next_arrival().unwrap().is_some());
        assert!(generator.next_arrival().unwrap_err().contains("line 3"));
        assert_eq!(generator.next_arrival().unwrap(), None);
        assert!(ArrivalGen::new(&trace("no_such_trace.csv"), stream(1, "test")).is_err());
    }

    #[test]
    fn invalid_processes_are_refused() {
        let refuse = |p: ArrivalProcess| ArrivalGen::new(&p, stream(1, "test")).unwrap_err();
        assert!(
            refuse(ArrivalProcess::Ramp {
                from: rate(1.0),
                to: rate(2.0),
                start: secs(600),
                end: secs(300)
            })
            .contains("`end` (\"5m\") must be after `start` (\"10m\")")
        );
        assert!(
            refuse(ArrivalProcess::Steps {
                steps: vec![(secs(2), rate(1.0)), (secs(1), rate(1.0))]
            })
            .contains("step 2")
        );
        assert!(
            refuse(ArrivalProcess::Diurnal {
                period: secs(0),
                trough: rate(1.0),
                peak: rate(2.0),
                peak_at: secs(0)
            })
            .contains("`period`")
        );
        assert!(
            refuse(ArrivalProcess::Diurnal {
                period: secs(9),
                trough: rate(3.0),
                peak: rate(2.0),
                peak_at: secs(0)
            })
            .contains("`peak`")
        );
        assert!(
            refuse(ArrivalProcess::Burst {
                base: rate(1.0),
                rate: rate(2.0),
                on: secs(0),
                off: secs(1),
                start: secs(0)
            })
            .contains("`on`")
        );
    }
}
