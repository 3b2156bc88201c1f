//! Service-time distributions: how long one request keeps a dyno busy.
//!
//! Typed and file-free: [`crate::scenario::traffic`] builds a [`ServiceDist`] from the scenario
//! (reading any empirical file there) after every cross-field check. Each draw is made in
//! seconds as `f64` and rounded once to whole nanoseconds.
//!
//! # Speed
//! Nothing is constructed per sample. The exponential, normal, log-normal and Pareto variants
//! draw from `rand_distr`'s parameter-free unit samplers (`Exp1`, `StandardNormal`,
//! `OpenClosed01`) and scale the result, which is exactly what `rand_distr`'s `Exp`, `Normal`,
//! `LogNormal` and `Pareto` do after construction. Gamma needs precomputed constants, so its
//! variant holds a prepared [`GammaDist`]; [`Empirical`] holds its table and its mean.
//!
//! # Pitfalls
//! - [`ServiceDist::Normal`] is truncated at zero by resampling negative draws, so its mean is
//!   larger than `mean` when `sd` is not small against `mean`; [`ServiceDist::mean_secs`]
//!   returns the truncated mean.
//! - Draws saturate at the largest [`SimDuration`] (about 584 years), which only a Pareto with a
//!   tiny shape can reach.

use rand::{Rng, RngExt};
use rand_distr::{Distribution, Exp1, OpenClosed01, StandardNormal};

use crate::engine::{NANOS_PER_SEC, SimDuration};

/// A distribution of service times.
#[derive(Clone, Debug, PartialEq)]
pub enum ServiceDist {
    /// Always the same time.
    Constant(SimDuration),
    /// Uniform over whole nanoseconds from `min` to `max`, both included.
    Uniform {
        /// Shortest time.
        min: SimDuration,
        /// Longest time (at least `min`).
        max: SimDuration,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean time.
        mean: SimDuration,
    },
    /// Normal, truncated at zero: negative draws are resampled, so the mean is the truncated
    /// mean (see [`ServiceDist::mean_secs`]), larger than `mean` when `sd` is not small.
    Normal {
        /// Mean of the untruncated normal.
        mean: SimDuration,
        /// Standard deviation of the untruncated normal.
        sd: SimDuration,
    },
    /// Log-normal: the natural log of the time in seconds is normal with these parameters.
    LogNormal {
        /// Mean of ln(seconds).
        mu: f64,
        /// Standard deviation of ln(seconds), zero or more.
        sigma: f64,
    },
    /// Gamma (Erlang when the shape is a whole number).
    Gamma(GammaDist),
    /// Pareto (type I): `scale_s` is the smallest time; the mean is infinite when `shape <= 1`.
    Pareto {
        /// Smallest time, in seconds (more than zero).
        scale_s: f64,
        /// Tail index (more than zero).
        shape: f64,
    },
    /// Resampled from recorded samples or read off a quantile table.
    Empirical(Empirical),
}

impl ServiceDist {
    /// Draws one service time.
    ///
    /// Never panics, even for hand-built parameters that [`ServiceDist::validate`] would refuse
    /// (those give meaningless but finite draws).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match self {
            ServiceDist::Constant(d) => *d,
            ServiceDist::Uniform { min, max } => {
                let (lo, hi) = (min.0.min(max.0), min.0.max(max.0));
                SimDuration(rng.random_range(lo..=hi))
            }
            ServiceDist::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                SimDuration::from_secs_f64(e * mean.as_secs_f64())
            }
            ServiceDist::Normal { mean, sd } => {
                let (m, s) = (mean.as_secs_f64(), sd.as_secs_f64());
                // `m >= 0`, so each draw is kept with probability at least 1/2.
                loop {
                    let z: f64 = StandardNormal.sample(rng);
                    let x = m + s * z;
                    if x >= 0.0 {
                        return SimDuration::from_secs_f64(x);
                    }
                }
            }
            ServiceDist::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                SimDuration::from_secs_f64((mu + sigma * z).exp())
            }
            ServiceDist::Gamma(g) => SimDuration::from_secs_f64(g.dist.sample(rng)),
            ServiceDist::Pareto { scale_s, shape } => {
                let u: f64 = OpenClosed01.sample(rng);
                SimDuration::from_secs_f64(scale_s * u.powf(-1.0 / shape))
            }
            ServiceDist::Empirical(e) => e.sample(rng),
        }
    }

    /// The analytic mean in seconds; `f64::INFINITY` for a Pareto with `shape <= 1`.
    pub fn mean_secs(&self) -> f64 {
        match self {
            ServiceDist::Constant(d) => d.as_secs_f64(),
            ServiceDist::Uniform { min, max } => (min.as_secs_f64() + max.as_secs_f64()) / 2.0,
            ServiceDist::Exponential { mean } => mean.as_secs_f64(),
            ServiceDist::Normal { mean, sd } => {
                truncated_normal_mean(mean.as_secs_f64(), sd.as_secs_f64())
            }
            ServiceDist::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            ServiceDist::Gamma(g) => g.shape * g.scale_s,
            ServiceDist::Pareto { scale_s, shape } => {
                if *shape <= 1.0 {
                    f64::INFINITY
                } else {
                    shape * scale_s / (shape - 1.0)
                }
            }
            ServiceDist::Empirical(e) => e.mean_secs(),
        }
    }

    /// Checks the invariants a hand-built value could break: `max >= min`, finite log-normal
    /// parameters with `sigma >= 0`, and a Pareto scale and shape that are finite and positive.
    /// ([`GammaDist`] and [`Empirical`] check themselves when built.)
    pub fn validate(&self) -> Result<(), String> {
        match self {
            ServiceDist::Uniform { min, max } if max < min => Err(format!(
                "uniform: `max` (\"{max}\") must be at least `min` (\"{min}\")"
            )),
            ServiceDist::LogNormal { mu, sigma } if !(mu.is_finite() && sigma.is_finite()) => {
                Err(format!(
                    "lognormal: the parameters (mu {mu}, sigma {sigma}) are not finite numbers"
                ))
            }
            ServiceDist::LogNormal { sigma, .. } if *sigma < 0.0 => {
                Err(format!("lognormal: sigma ({sigma}) must be zero or more"))
            }
            ServiceDist::Pareto { scale_s, shape }
                if !(scale_s.is_finite()
                    && *scale_s > 0.0
                    && shape.is_finite()
                    && *shape > 0.0) =>
            {
                Err(format!(
                    "pareto: the scale ({scale_s} s) and `shape` ({shape}) must be finite and \
                     more than zero"
                ))
            }
            _ => Ok(()),
        }
    }
}

/// A gamma distribution with its sampler built once.
#[derive(Clone, Debug, PartialEq)]
pub struct GammaDist {
    shape: f64,
    scale_s: f64,
    dist: rand_distr::Gamma<f64>,
}

impl GammaDist {
    /// Gamma with `shape` k and `scale_s` θ in seconds (mean kθ); both finite and positive.
    pub fn new(shape: f64, scale_s: f64) -> Result<GammaDist, String> {
        if !(shape.is_finite() && shape > 0.0 && scale_s.is_finite() && scale_s > 0.0) {
            return Err(format!(
                "gamma: shape ({shape}) and scale ({scale_s} s) must be finite and more than zero"
            ));
        }
        let dist = rand_distr::Gamma::new(shape, scale_s)
            .map_err(|e| format!("gamma: shape {shape}, scale {scale_s} s: {e}"))?;
        Ok(GammaDist {
            shape,
            scale_s,
            dist,
        })
    }

    /// The shape k.
    pub fn shape(&self) -> f64 {
        self.shape
    }

    /// The scale θ, in seconds.
    pub fn scale_s(&self) -> f64 {
        self.scale_s
    }
}

/// An empirical distribution: uniform resampling of recorded samples, or the inverse of a
/// piecewise-linear CDF given as a quantile table.
#[derive(Clone, Debug, PartialEq)]
pub struct Empirical {
    table: Table,
    mean_secs: f64,
}

#[derive(Clone, Debug, PartialEq)]
enum Table {
    Samples(Vec<SimDuration>),
    /// (q, value), q from 0 to 1 strictly increasing, values non-decreasing.
    Quantiles(Vec<(f64, SimDuration)>),
}

impl Empirical {
    /// Resamples `samples` uniformly (each draw is one of them); needs at least one sample.
    pub fn from_samples(samples: Vec<SimDuration>) -> Result<Empirical, String> {
        if samples.is_empty() {
            return Err("empirical: no samples; expected at least one duration".to_string());
        }
        let sum: u128 = samples.iter().map(|d| u128::from(d.0)).sum();
        let mean_secs = sum as f64 / samples.len() as f64 / NANOS_PER_SEC as f64;
        Ok(Empirical {
            table: Table::Samples(samples),
            mean_secs,
        })
    }

    /// Reads draws off a quantile table: `(q, value)` means a fraction `q` of times are at most
    /// `value`, with straight lines between the points. The table starts at `q = 0` (the
    /// minimum), ends at `q = 1` (the maximum), has strictly increasing `q` and non-decreasing
    /// values.
    pub fn from_quantiles(points: Vec<(f64, SimDuration)>) -> Result<Empirical, String> {
        const HELP: &str = "a quantile table starts at q = 0 (the minimum), ends at q = 1 (the \
                            maximum), with q strictly increasing and values non-decreasing";
        if points.len() < 2 {
            return Err(format!(
                "empirical: {} quantile point(s); expected at least two; {HELP}",
                points.len()
            ));
        }
        for (i, &(q, value)) in points.iter().enumerate() {
            let n = i + 1;
            if !(q.is_finite() && (0.0..=1.0).contains(&q)) {
                return Err(format!(
                    "empirical: quantile point {n}: q = {q} is not from 0 to 1; {HELP}"
                ));
            }
            if i == 0 && q != 0.0 {
                return Err(format!(
                    "empirical: the first quantile point has q = {q}, not 0; {HELP}"
                ));
            }
            if i > 0 {
                let (prev_q, prev_value) = points[i - 1];
                if q <= prev_q {
                    return Err(format!(
                        "empirical: quantile point {n}: q = {q} is not above the previous q = {prev_q}; {HELP}"
                    ));
                }
                if value < prev_value {
                    return Err(format!(
                        "empirical: quantile point {n}: value \"{value}\" is below the previous \
                         value \"{prev_value}\"; {HELP}"
                    ));
                }
            }
        }
        let last_q = points[points.len() - 1].0;
        if last_q != 1.0 {
            return Err(format!(
                "empirical: the last quantile point has q = {last_q}, not 1; {HELP}"
            ));
        }
        // The mean of a piecewise-linear inverse CDF: the trapezoid area under it.
        let mean_secs = points
            .windows(2)
            .map(|w| (w[1].0 - w[0].0) * (w[0].1.as_secs_f64() + w[1].1.as_secs_f64()) / 2.0)
            .sum();
        Ok(Empirical {
            table: Table::Quantiles(points),
            mean_secs,
        })
    }

    /// Draws one time.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match &self.table {
            Table::Samples(samples) => samples[rng.random_range(0..samples.len())],
            Table::Quantiles(points) => {
                let u: f64 = rng.random(); // in [0, 1)
                // Built with q[0] = 0 <= u < 1 = q[last], so 1 <= i < len.
                let i = points
                    .partition_point(|p| p.0 <= u)
                    .clamp(1, points.len() - 1);
                let ((q0, v0), (q1, v1)) = (points[i - 1], points[i]);
                let frac = (u - q0) / (q1 - q0);
                let ns = v0.0 as f64 + frac * (v1.0 as f64 - v0.0 as f64);
                SimDuration::from_secs_f64(ns / NANOS_PER_SEC as f64)
            }
        }
    }

    /// The exact mean of the distribution, in seconds.
    pub fn mean_secs(&self) -> f64 {
        self.mean_secs
    }
}

/// The mean of a normal(`m`, `s`) truncated to `[0, ∞)`: `m + s φ(α) / (1 − Φ(α))`, `α = −m/s`.
fn truncated_normal_mean(m: f64, s: f64) -> f64 {
    if s <= 0.0 {
        return m;
    }
    let alpha = -m / s;
    let pdf = (-alpha * alpha / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let tail = 0.5 * erfc(alpha / std::f64::consts::SQRT_2); // 1 − Φ(α) >= 1/2 since α <= 0
    m + s * pdf / tail
}

/// The complementary error function, with relative error below 1.2e-7 everywhere (Chebyshev
/// fit from Numerical Recipes, `erfcc`); ample for reporting a mean.
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    const N: usize = 200_000;

    fn sample_mean(dist: &ServiceDist, n: usize) -> f64 {
        let mut rng = stream(1, "test");
        let total: f64 = (0..n).map(|_| dist.sample(&mut rng).as_secs_f64()).sum();
        total / n as f64
    }

    fn ms(n: u64) -> SimDuration {
        SimDuration::from_millis(n)
    }

    #[test]
    fn constant_and_degenerate_uniform_are_exact() {
        let mut rng = stream(1, "test");
        assert_eq!(ServiceDist::Constant(ms(120)).sample(&mut rng), ms(120));
        let u = ServiceDist::Uniform {
            min: ms(5),
            max: ms(5),
        };
        assert_eq!(u.sample(&mut rng), ms(5));
    }

    #[test]
    fn sample_means_match_mean_secs() {
        // (distribution, relative tolerance). With 200k draws the standard error of the mean is
        // cv/447: 0.22% for cv = 1, so 1% is over 4 standard errors for the light tails. The
        // Pareto with shape 3 has cv 0.58 but an infinite fourth moment, so it gets 2%.
        let cases: Vec<(&str, ServiceDist, f64)> = vec![
            (
                "uniform",
                ServiceDist::Uniform {
                    min: ms(10),
                    max: ms(30),
                },
                0.01,
            ),
            (
                "exponential",
                ServiceDist::Exponential { mean: ms(250) },
                0.01,
            ),
            (
                "normal, light truncation",
                ServiceDist::Normal {
                    mean: ms(100),
                    sd: ms(20),
                },
                0.01,
            ),
            // mean 1s, sd 1s: 16% of draws are resampled; truncated mean ≈ 1.2876 s.
            (
                "normal, heavy truncation",
                ServiceDist::Normal {
                    mean: ms(1000),
                    sd: ms(1000),
                },
                0.01,
            ),
            (
                "lognormal cv 1",
                ServiceDist::LogNormal {
                    mu: -2.0 - 0.5 * 2f64.ln(),
                    sigma: 2f64.ln().sqrt(),
                },
                0.01,
            ),
            (
                "gamma shape 4",
                ServiceDist::Gamma(GammaDist::new(4.0, 0.05).unwrap()),
                0.01,
            ),
            (
                "gamma shape 0.5",
                ServiceDist::Gamma(GammaDist::new(0.5, 0.2).unwrap()),
                0.01,
            ),
            (
                "pareto shape 3",
                ServiceDist::Pareto {
                    scale_s: 0.02,
                    shape: 3.0,
                },
                0.02,
            ),
            (
                "empirical samples",
                ServiceDist::Empirical(Empirical::from_samples(vec![ms(1), ms(2), ms(9)]).unwrap()),
                0.01,
            ),
            (
                "empirical quantiles",
                ServiceDist::Empirical(
                    Empirical::from_quantiles(vec![
                        (0.0, ms(10)),
                        (0.5, ms(80)),
                        (0.9, ms(200)),
                        (1.0, ms(2000)),
                    ])
                    .unwrap(),
                ),
                0.01,
            ),
        ];
        for (name, dist, tol) in cases {
            dist.validate().unwrap();
            let (got, want) = (sample_mean(&dist, N), dist.mean_secs());
            assert!(
                (got - want).abs() <= tol * want,
                "{name}: sample mean {got} vs analytic {want}"
            );
        }
    }

    #[test]
    fn truncated_normal_mean_is_analytic() {
        // 1 + φ(−1)/(1 − Φ(−1)) = 1 + 0.2419707/0.8413447 = 1.2875999.
        let m = ServiceDist::Normal {
            mean: ms(1000),
            sd: ms(1000),
        }
        .mean_secs();
        assert!((m - 1.287_599_9).abs() < 1e-6, "{m}");
        // Half-normal: sd·√(2/π).
        let half = ServiceDist::Normal {
            mean: ms(0),
            sd: ms(1000),
        }
        .mean_secs();
        assert!(
            (half - (2.0 / std::f64::consts::PI).sqrt()).abs() < 1e-6,
            "{half}"
        );
        let mut rng = stream(1, "test");
        let d = ServiceDist::Normal {
            mean: ms(0),
            sd: ms(1000),
        };
        assert!((0..1000).all(|_| d.sample(&mut rng) >= SimDuration::ZERO));
    }

    #[test]
    fn pareto_mean_is_infinite_for_shape_at_most_one() {
        let p = ServiceDist::Pareto {
            scale_s: 1.0,
            shape: 1.0,
        };
        assert_eq!(p.mean_secs(), f64::INFINITY);
        let mut rng = stream(1, "test");
        assert!((0..1000).all(|_| p.sample(&mut rng) >= SimDuration::from_secs(1)));
    }

    #[test]
    fn quantile_table_interpolates_linearly() {
        // q = 0 → 0, q = 1 → 1 s is uniform on [0, 1 s]: the fraction below 250 ms is 1/4
        // (standard error 0.1% at 200k draws; tolerance 0.5%).
        let e = Empirical::from_quantiles(vec![(0.0, ms(0)), (1.0, ms(1000))]).unwrap();
        let mut rng = stream(1, "test");
        let below = (0..N).filter(|_| e.sample(&mut rng) < ms(250)).count();
        assert!((below as f64 / N as f64 - 0.25).abs() < 0.005, "{below}");
        assert_eq!(e.mean_secs(), 0.5);
    }

    #[test]
    fn bad_quantile_tables_and_empty_samples_are_refused() {
        let bad = |p: Vec<(f64, SimDuration)>| Empirical::from_quantiles(p).unwrap_err();
        assert!(bad(vec![(0.0, ms(1))]).contains("at least two"));
        assert!(bad(vec![(0.1, ms(1)), (1.0, ms(2))]).contains("not 0"));
        assert!(bad(vec![(0.0, ms(1)), (0.9, ms(2))]).contains("not 1"));
        assert!(
            bad(vec![(0.0, ms(1)), (0.5, ms(2)), (0.5, ms(3)), (1.0, ms(4))]).contains("point 3")
        );
        assert!(bad(vec![(0.0, ms(5)), (1.0, ms(2))]).contains("below the previous"));
        assert!(
            bad(vec![(0.0, ms(1)), (f64::NAN, ms(2)), (1.0, ms(3))]).contains("not from 0 to 1")
        );
        assert!(
            Empirical::from_samples(vec![])
                .unwrap_err()
                .contains("no samples")
        );
    }

    #[test]
    fn hand_built_invalid_values_are_refused_but_never_panic() {
        let mut rng = stream(1, "test");
        let uniform = ServiceDist::Uniform {
            min: ms(9),
            max: ms(1),
        };
        assert!(uniform.validate().unwrap_err().contains("`max`"));
        let _ = uniform.sample(&mut rng);
        let pareto = ServiceDist::Pareto {
            scale_s: 0.0,
            shape: -1.0,
        };
        assert!(pareto.validate().is_err());
        let _ = pareto.sample(&mut rng);
        let lognormal = ServiceDist::LogNormal {
            mu: f64::NAN,
            sigma: 1.0,
        };
        assert!(lognormal.validate().is_err());
        assert_eq!(lognormal.sample(&mut rng), SimDuration::ZERO);
        assert!(GammaDist::new(0.0, 1.0).is_err());
        assert!(GammaDist::new(1.0, f64::INFINITY).is_err());
    }
}
