//! Fitting the arrival profile: a constant (Poisson) rate, a 24 h sinusoid by least squares on
//! per-minute counts, and the trace CSV of arrival times for replay.
//!
//! # When the sinusoid is chosen
//! The diurnal shape is proposed only when all of these hold (otherwise Poisson at the mean rate):
//! - the log spans at least [`DIURNAL_MIN_SPAN_S`] (6 h: a quarter of the cycle; less cannot tell
//!   a daily cycle from a ramp);
//! - the sinusoid explains much more of the per-minute variance than a constant does: the
//!   F statistic of the two extra parameters, F = ((SST − SSE)/2) / (SSE/(m − 3)) over m full
//!   minutes, is at least [`DIURNAL_MIN_F`] (10; for a constant-rate Poisson log F exceeds 10
//!   with probability about e⁻¹⁰ ≈ 5·10⁻⁵);
//! - the swing matters: the fitted peak is at least [`DIURNAL_MIN_RATIO`] × the trough.
//!
//! The cycle is fitted in UTC clock time (the log's timestamps), with the period fixed at 24 h,
//! so `peak_at` is a UTC clock time; a negative fitted trough is written as 0.

/// Shortest log, in seconds, for which a diurnal shape is proposed.
pub const DIURNAL_MIN_SPAN_S: f64 = 6.0 * 3600.0;
/// Smallest F statistic (sinusoid against constant) for which a diurnal shape is proposed.
pub const DIURNAL_MIN_F: f64 = 10.0;
/// Smallest peak / trough ratio for which a diurnal shape is proposed.
pub const DIURNAL_MIN_RATIO: f64 = 1.2;

const DAY_S: f64 = 86_400.0;

/// A 24 h sinusoid fitted to per-minute counts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diurnal {
    /// Lowest rate, per second (clamped at 0).
    pub trough_per_s: f64,
    /// Highest rate, per second.
    pub peak_per_s: f64,
    /// UTC seconds after midnight of the peak.
    pub peak_at_s: f64,
    /// Share of the per-minute variance the sinusoid explains.
    pub r2: f64,
    /// F statistic of the sinusoid against a constant.
    pub f: f64,
}

/// The arrival side of a fit.
#[derive(Clone, Debug, PartialEq)]
pub struct ArrivalFit {
    /// Number of requests.
    pub n: usize,
    /// Seconds from the first to the last arrival.
    pub span_s: f64,
    /// n / span, per second.
    pub rate_per_s: f64,
    /// Per-minute counts over full minutes (the first and last minutes are partial and left out);
    /// empty when the log spans more than [`MAX_MINUTES`].
    pub per_minute: Vec<u64>,
    /// The sinusoid, when there are at least 4 full minutes.
    pub diurnal: Option<Diurnal>,
}

impl ArrivalFit {
    /// Whether the diurnal shape meets the rule in the module docs.
    pub fn diurnal_chosen(&self) -> Option<&Diurnal> {
        self.diurnal.as_ref().filter(|d| {
            self.span_s >= DIURNAL_MIN_SPAN_S
                && d.f >= DIURNAL_MIN_F
                && d.peak_per_s >= DIURNAL_MIN_RATIO * d.trough_per_s
        })
    }
}

/// Longest span, in minutes, the per-minute series and the diurnal fit cover: four years
/// (17 MB of counts). A log spanning more (two lines centuries apart, as a fuzz regression input showed: the
/// series once asked for 42 GB) is fitted without them.
pub const MAX_MINUTES: i128 = 4 * 366 * 1440;

/// Fits sorted arrival times in nanoseconds since the Unix epoch (at least one).
pub fn fit(sorted_ns: &[i128]) -> ArrivalFit {
    assert!(
        !sorted_ns.is_empty(),
        "arrival::fit needs at least one arrival"
    );
    let n = sorted_ns.len();
    let first = sorted_ns[0];
    let last = sorted_ns[n - 1];
    let span_s = (last - first) as f64 / 1e9;
    // One request, or all in one instant: call the span one second rather than divide by 0.
    let rate_per_s = n as f64 / span_s.max(1.0);
    const MINUTE_NS: i128 = 60_000_000_000;
    let first_minute = first.div_euclid(MINUTE_NS);
    let last_minute = last.div_euclid(MINUTE_NS);
    let minutes = last_minute - first_minute + 1;
    // Beyond MAX_MINUTES the per-minute series is left out rather than allocated.
    let mut counts = vec![
        0u64;
        if minutes > MAX_MINUTES {
            0
        } else {
            minutes as usize
        }
    ];
    if !counts.is_empty() {
        for &t in sorted_ns {
            counts[(t.div_euclid(MINUTE_NS) - first_minute) as usize] += 1;
        }
    }
    let full: Vec<(f64, u64)> = if counts.len() > 2 {
        (1..counts.len() - 1)
            .map(|i| {
                let start_s = ((first_minute + i as i128) * 60) as f64;
                ((start_s + 30.0).rem_euclid(DAY_S), counts[i])
            })
            .collect()
    } else {
        Vec::new()
    };
    let diurnal = fit_sinusoid(&full);
    ArrivalFit {
        n,
        span_s,
        rate_per_s,
        per_minute: full.iter().map(|&(_, c)| c).collect(),
        diurnal,
    }
}

/// Least squares y = a + b·cos ωt + c·sin ωt over (clock seconds, count) points.
fn fit_sinusoid(points: &[(f64, u64)]) -> Option<Diurnal> {
    let m = points.len();
    if m < 4 {
        return None;
    }
    let w = 2.0 * std::f64::consts::PI / DAY_S;
    // Normal equations XᵀX β = Xᵀy with rows (1, cos, sin).
    let mut xtx = [[0.0f64; 3]; 3];
    let mut xty = [0.0f64; 3];
    for &(t, y) in points {
        let row = [1.0, (w * t).cos(), (w * t).sin()];
        for i in 0..3 {
            for j in 0..3 {
                xtx[i][j] += row[i] * row[j];
            }
            xty[i] += row[i] * y as f64;
        }
    }
    let [a, b, c] = solve3(xtx, xty)?;
    let mean = points.iter().map(|&(_, y)| y as f64).sum::<f64>() / m as f64;
    let sst: f64 = points.iter().map(|&(_, y)| (y as f64 - mean).powi(2)).sum();
    let sse: f64 = points
        .iter()
        .map(|&(t, y)| (y as f64 - (a + b * (w * t).cos() + c * (w * t).sin())).powi(2))
        .sum();
    let r2 = if sst > 0.0 { 1.0 - sse / sst } else { 0.0 };
    let f = if sse > 0.0 && m > 3 {
        ((sst - sse) / 2.0) / (sse / (m - 3) as f64)
    } else {
        0.0
    };
    let amplitude = b.hypot(c);
    Some(Diurnal {
        trough_per_s: ((a - amplitude) / 60.0).max(0.0),
        peak_per_s: (a + amplitude) / 60.0,
        peak_at_s: (c.atan2(b) / w).rem_euclid(DAY_S),
        r2,
        f,
    })
}

/// Solves a 3×3 system by Gaussian elimination with partial pivoting; `None` if singular.
fn solve3(mut a: [[f64; 3]; 3], mut y: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        y.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..3 {
            let k = a[row][col] / pivot_row[col];
            for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= k * p;
            }
            y[row] -= k * y[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        let s: f64 = (row + 1..3).map(|j| a[row][j] * x[j]).sum();
        x[row] = (y[row] - s) / a[row][row];
    }
    Some(x)
}

/// Writes the trace CSV the simulator replays (see `model::trace::TraceSpec`): a `time_s`
/// header, then one row per arrival, seconds from the first arrival with microsecond precision.
pub fn write_trace(sorted_ns: &[i128], out: &mut dyn std::io::Write) -> std::io::Result<()> {
    writeln!(out, "time_s")?;
    let Some(&first) = sorted_ns.first() else {
        return Ok(());
    };
    for &t in sorted_ns {
        // Round to whole microseconds; rounding is monotone, so rows stay non-decreasing.
        let us = ((t - first) + 500) / 1000;
        writeln!(out, "{}.{:06}", us / 1_000_000, us % 1_000_000)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Regression (fuzz inputs): two lines 10,000 years apart made the per-minute series ask for
    /// 42 GB and abort; now the fit covers them without the series.
    #[test]
    fn a_span_of_millennia_is_fitted_without_the_series() {
        let year_ns = 365 * 86_400 * 1_000_000_000i128;
        let f = fit(&[-1970 * year_ns, 8_000 * year_ns]);
        assert_eq!((f.n, f.per_minute.len(), f.diurnal), (2, 0, None));
        assert!(f.span_s > 3e11, "{}", f.span_s);
        // Four years still get their series.
        let f = fit(&[0, 4 * year_ns]);
        assert_eq!(f.per_minute.len(), 4 * 365 * 1440 - 1);
    }

    #[test]
    fn solve3_solves() {
        let x = solve3(
            [[2.0, 1.0, 0.0], [1.0, 3.0, 1.0], [0.0, 1.0, 4.0]],
            [3.0, 5.0, 5.0],
        )
        .unwrap();
        for (got, want) in x.iter().zip([1.0, 1.0, 1.0]) {
            assert!((got - want).abs() < 1e-12);
        }
    }

    #[test]
    fn a_constant_rate_has_no_diurnal_shape() {
        // One arrival a second for 8 h: counts are all 60, nothing to explain.
        let ns: Vec<i128> = (0..8 * 3600).map(|s| s as i128 * 1_000_000_000).collect();
        let fit = fit(&ns);
        assert!((fit.rate_per_s - 1.0).abs() < 1e-3);
        assert!(fit.diurnal_chosen().is_none());
    }

    #[test]
    fn trace_rows_are_microseconds_from_the_first() {
        let mut out = Vec::new();
        write_trace(&[5_000_000_000, 5_000_000_400, 6_250_000_600], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "time_s\n0.000000\n0.000000\n1.250001\n"
        );
    }
}
