//! Fitting service times: lognormal and gamma by maximum likelihood, an empirical quantile
//! table, and the Kolmogorov–Smirnov statistic of each against the sample.
//!
//! # Resolution and zeros
//! Routers log whole milliseconds, so `service=0ms` is common for fast endpoints and a value `v`
//! stands for any time that rounds to `v`. The fits need positive values: a zero is taken as
//! [`ZERO_MS`] (half the resolution) for the lognormal and gamma fits. The KS statistic treats the
//! sample as what it is, rounded data: when every value is a whole number of milliseconds, the
//! model's CDF is compared with the sample's step function at `v + 0.5 ms` (just after the step)
//! and at `v − 0.5 ms` (just before it), which is exactly the distance between the sample and the
//! model rounded to the millisecond. Comparing against the unrounded model would charge every fit
//! the rounding steps (about 1/100 at a 40 ms median) and hide the difference between families.

use statrs::function::erf::erfc;
use statrs::function::gamma::{digamma, gamma_lr};

/// The value a logged `0ms` takes in the parametric fits: half the 1 ms resolution.
pub const ZERO_MS: f64 = 0.5;

/// The quantile levels of the empirical table (0.99 and 0.999 only with enough data).
const TABLE_Q: [f64; 24] = [
    0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8,
    0.85, 0.9, 0.95, 0.975, 0.99, 0.999, 1.0,
];

/// Lognormal by MLE: the mean and (population) sd of ln x, x in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogNormalFit {
    /// Mean of ln(ms).
    pub mu: f64,
    /// Standard deviation of ln(ms).
    pub sigma: f64,
}

impl LogNormalFit {
    /// The median in ms.
    pub fn median_ms(&self) -> f64 {
        self.mu.exp()
    }
    /// The 99th percentile in ms.
    pub fn p99_ms(&self) -> f64 {
        (self.mu + 2.326_347_874_040_841 * self.sigma).exp()
    }
    /// The CDF at `x` ms.
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        0.5 * erfc(-(x.ln() - self.mu) / (self.sigma * std::f64::consts::SQRT_2))
    }
}

/// Gamma by MLE: shape k and scale θ (ms).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GammaFit {
    /// Shape k.
    pub shape: f64,
    /// Scale θ in ms; the mean is k·θ.
    pub scale_ms: f64,
}

impl GammaFit {
    /// The mean in ms.
    pub fn mean_ms(&self) -> f64 {
        self.shape * self.scale_ms
    }
    /// The CDF at `x` ms.
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        gamma_lr(self.shape, x / self.scale_ms)
    }
}

/// An empirical quantile table `(q, ms)`, linear between points.
#[derive(Clone, Debug, PartialEq)]
pub struct QuantileTable(pub Vec<(f64, f64)>);

impl QuantileTable {
    /// The CDF at `x` ms: the inverse of the piecewise-linear quantile function.
    pub fn cdf(&self, x: f64) -> f64 {
        let p = &self.0;
        if x < p[0].1 {
            return 0.0;
        }
        if x >= p[p.len() - 1].1 {
            return 1.0;
        }
        // The last point with value <= x; the table is non-decreasing in value.
        let i = p.partition_point(|&(_, v)| v <= x) - 1;
        let ((q0, v0), (q1, v1)) = (p[i], p[i + 1]);
        if v1 > v0 {
            q0 + (q1 - q0) * (x - v0) / (v1 - v0)
        } else {
            q1
        }
    }
}

/// Everything fitted to one sample.
#[derive(Clone, Debug)]
pub struct ServiceFit {
    /// Sample size.
    pub n: usize,
    /// How many values were `0`.
    pub zeros: usize,
    /// Whether every value is a whole number of ms (the KS uses the rounded model then).
    pub whole_ms: bool,
    /// Sample mean in ms (zeros as 0).
    pub mean_ms: f64,
    /// Sample quantiles p50, p90, p99, max in ms.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest value.
    pub max_ms: f64,
    /// Smallest value.
    pub min_ms: f64,
    /// The lognormal fit and its KS D.
    pub lognormal: (LogNormalFit, f64),
    /// The gamma fit and its KS D, if Newton converged.
    pub gamma: Option<(GammaFit, f64)>,
    /// The quantile table and its KS D.
    pub empirical: (QuantileTable, f64),
}

/// Which family the fragment makes active.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// Lognormal.
    LogNormal,
    /// Gamma.
    Gamma,
    /// The empirical quantile table.
    Empirical,
    /// A constant: every value was the same.
    Constant,
}

impl ServiceFit {
    /// The KS critical value at the 1% level for this sample, 1.628/√n (asymptotic).
    pub fn ks_critical(&self) -> f64 {
        1.628 / (self.n as f64).sqrt()
    }

    /// The family to use: the parametric family with the lower D, unless that D is above the 1%
    /// critical value (both families rejected), when the empirical table is chosen. The table's
    /// own D is reported but not compared: it is built from the same sample with 20-odd free
    /// points, so a low D says little about how it generalises, and a parametric fit that the
    /// data do not reject is the more useful model (it extrapolates the tail smoothly).
    pub fn chosen(&self) -> Family {
        if self.min_ms == self.max_ms {
            return Family::Constant;
        }
        let (family, d) = match self.gamma {
            Some((_, dg)) if dg < self.lognormal.1 => (Family::Gamma, dg),
            _ => (Family::LogNormal, self.lognormal.1),
        };
        if d <= self.ks_critical() {
            family
        } else {
            Family::Empirical
        }
    }
}

/// Fits a sample of service times in ms (at least two values, all finite and >= 0).
pub fn fit(samples: &[f64]) -> Option<ServiceFit> {
    if samples.len() < 2 || samples.iter().any(|x| !x.is_finite() || *x < 0.0) {
        return None;
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let zeros = sorted.iter().take_while(|&&x| x == 0.0).count();
    let whole_ms = sorted.iter().all(|x| x.fract() == 0.0);
    let positive = |x: f64| if x > 0.0 { x } else { ZERO_MS };
    let logs: Vec<f64> = sorted.iter().map(|&x| positive(x).ln()).collect();
    let mu = logs.iter().sum::<f64>() / n as f64;
    let sigma = (logs.iter().map(|l| (l - mu).powi(2)).sum::<f64>() / n as f64).sqrt();
    let lognormal = LogNormalFit {
        mu,
        sigma: sigma.max(1e-9),
    };
    let mean_pos = sorted.iter().map(|&x| positive(x)).sum::<f64>() / n as f64;
    let gamma = gamma_mle(mean_pos, mu);
    let table = quantile_table(&sorted);
    let ks_of = |cdf: &dyn Fn(f64) -> f64| ks(&sorted, whole_ms, cdf);
    let d_ln = ks_of(&|x| lognormal.cdf(x));
    let gamma = gamma.map(|g| (g, ks_of(&|x| g.cdf(x))));
    let d_emp = ks_of(&|x| table.cdf(x));
    Some(ServiceFit {
        n,
        zeros,
        whole_ms,
        mean_ms: sorted.iter().sum::<f64>() / n as f64,
        p50_ms: quantile(&sorted, 0.5),
        p90_ms: quantile(&sorted, 0.9),
        p99_ms: quantile(&sorted, 0.99),
        max_ms: sorted[n - 1],
        min_ms: sorted[0],
        lognormal: (lognormal, d_ln),
        gamma,
        empirical: (table, d_emp),
    })
}

/// Gamma MLE: solves ln k − ψ(k) = s with s = ln(mean) − mean(ln x) by Newton's method from
/// the Choi–Wette starting point; scale = mean / k. `None` when s is not positive (all values
/// equal) or Newton does not settle.
pub fn gamma_mle(mean: f64, mean_log: f64) -> Option<GammaFit> {
    let s = mean.ln() - mean_log;
    if !(s.is_finite() && s > 1e-12) {
        return None;
    }
    let mut k = (3.0 - s + ((s - 3.0).powi(2) + 24.0 * s).sqrt()) / (12.0 * s);
    for _ in 0..100 {
        let f = k.ln() - digamma(k) - s;
        let df = 1.0 / k - trigamma(k);
        let step = f / df;
        // Keep k positive: halve towards zero instead of stepping past it.
        let next = if k - step > 0.0 { k - step } else { k / 2.0 };
        if (next - k).abs() <= 1e-12 * k {
            return Some(GammaFit {
                shape: next,
                scale_ms: mean / next,
            });
        }
        k = next;
    }
    None
}

/// ψ′(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series (error < 1e-12).
fn trigamma(mut x: f64) -> f64 {
    let mut acc = 0.0;
    while x < 10.0 {
        acc += 1.0 / (x * x);
        x += 1.0;
    }
    let x2 = 1.0 / (x * x);
    acc + 1.0 / x
        + x2 / 2.0
        + (1.0 / x) * x2 * (1.0 / 6.0 - x2 * (1.0 / 30.0 - x2 * (1.0 / 42.0 - x2 / 30.0)))
}

/// The sample quantile at `q` (linear interpolation between order statistics, "type 7").
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

fn quantile_table(sorted: &[f64]) -> QuantileTable {
    let n = sorted.len();
    let points = TABLE_Q
        .iter()
        .filter(|&&q| !((q == 0.99 && n < 100) || (q == 0.999 && n < 1000)))
        .map(|&q| (q, round_us(quantile(sorted, q))))
        .collect();
    QuantileTable(points)
}

/// Rounds ms to whole microseconds (what the fragment writes).
pub fn round_us(ms: f64) -> f64 {
    (ms * 1000.0).round() / 1000.0
}

/// The Kolmogorov–Smirnov statistic sup |F_n − F| of sorted `xs` against `cdf`, exactly over
/// every step of the sample's CDF (ties handled as one step). With `whole_ms`, the model is the
/// one rounded to the millisecond: F is taken at v + 0.5 after a step at v and at v − 0.5 before.
pub fn ks(xs: &[f64], whole_ms: bool, cdf: &dyn Fn(f64) -> f64) -> f64 {
    let n = xs.len() as f64;
    let half = if whole_ms { 0.5 } else { 0.0 };
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < xs.len() {
        let v = xs[i];
        let mut j = i;
        while j < xs.len() && xs[j] == v {
            j += 1;
        }
        let below = i as f64 / n;
        let after = j as f64 / n;
        d = d.max((cdf(v - half) - below).abs());
        d = d.max((after - cdf(v + half)).abs());
        i = j;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trigamma_matches_known_values() {
        // ψ′(1) = π²/6, ψ′(0.5) = π²/2.
        let pi2 = std::f64::consts::PI.powi(2);
        assert!((trigamma(1.0) - pi2 / 6.0).abs() < 1e-10);
        assert!((trigamma(0.5) - pi2 / 2.0).abs() < 1e-10);
        assert!((trigamma(10.0) - 0.105_166_335_681_685).abs() < 1e-10);
    }

    #[test]
    fn gamma_mle_inverts_its_equation() {
        for k in [0.3f64, 1.0, 2.0, 7.5, 40.0] {
            let s = k.ln() - digamma(k);
            let fit = gamma_mle(10.0, 10f64.ln() - s).unwrap();
            assert!((fit.shape - k).abs() < 1e-8 * k, "{k} {fit:?}");
        }
        assert_eq!(gamma_mle(5.0, 5f64.ln()), None);
    }

    #[test]
    fn ks_of_a_uniform_grid_is_one_over_n() {
        let xs: Vec<f64> = (1..=10).map(|i| i as f64 / 10.0).collect();
        let d = ks(&xs, false, &|x| x.clamp(0.0, 1.0));
        assert!((d - 0.1).abs() < 1e-12, "{d}");
    }

    #[test]
    fn quantile_table_cdf_inverts_the_table() {
        let t = QuantileTable(vec![(0.0, 0.0), (0.5, 10.0), (0.5001, 10.0), (1.0, 30.0)]);
        assert_eq!(t.cdf(-1.0), 0.0);
        assert!((t.cdf(5.0) - 0.25).abs() < 1e-12);
        assert!((t.cdf(20.0) - 0.75005).abs() < 1e-9);
        assert_eq!(t.cdf(30.0), 1.0);
    }
}
