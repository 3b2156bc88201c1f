//! Statistics across replications: mean, standard deviation and Student t confidence intervals.
//!
//! Used by `spacesim check` (assertions judged at a confidence level), `spacesim sweep`
//! (`points.csv`) and `spacesim capacity` (each probe's verdict).

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean, sample standard deviation and a two-sided confidence interval of some values.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Estimate {
    /// How many values.
    pub n: usize,
    /// Their mean (NaN when there are none).
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator); None below two values.
    pub sd: Option<f64>,
    /// The confidence interval of the mean, `mean ± t(1 − (1 − level)/2, n − 1) · sd / √n`;
    /// None below two values.
    pub ci: Option<(f64, f64)>,
}

/// The estimate of the mean of `values` with a `level` (e.g. 0.95) confidence interval.
pub fn estimate(values: &[f64], level: f64) -> Estimate {
    assert!(
        level > 0.0 && level < 1.0,
        "confidence level {level} not in (0, 1)"
    );
    let n = values.len();
    let mean = values.iter().sum::<f64>() / n as f64;
    if n < 2 {
        return Estimate {
            n,
            mean,
            sd: None,
            ci: None,
        };
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n as f64 - 1.0);
    let sd = var.sqrt();
    let half = t_quantile((1.0 + level) / 2.0, n - 1) * sd / (n as f64).sqrt();
    Estimate {
        n,
        mean,
        sd: Some(sd),
        ci: Some((mean - half, mean + half)),
    }
}

/// The `p` quantile of Student's t distribution with `df` degrees of freedom.
pub fn t_quantile(p: f64, df: usize) -> f64 {
    assert!(df >= 1, "Student t needs at least one degree of freedom");
    StudentsT::new(0.0, 1.0, df as f64)
        .expect("df >= 1 is a valid Student t")
        .inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed: values 10, 12, 14 → mean 12, sd 2, n 3; t(0.975, 2) = 4.302653;
    /// half-width 4.302653 × 2 / √3 = 4.968275.
    #[test]
    fn student_t_interval_matches_a_hand_computed_case() {
        let e = estimate(&[10.0, 12.0, 14.0], 0.95);
        assert_eq!(e.n, 3);
        assert!((e.mean - 12.0).abs() < 1e-12);
        assert!((e.sd.unwrap() - 2.0).abs() < 1e-12);
        let (lo, hi) = e.ci.unwrap();
        assert!((lo - 7.031725).abs() < 1e-5 && (hi - 16.968275).abs() < 1e-5);
        // Table values of t: 12.706 (df 1), 2.262 (df 9) at 97.5%.
        assert!((t_quantile(0.975, 1) - 12.7062).abs() < 1e-3);
        assert!((t_quantile(0.975, 9) - 2.2622).abs() < 1e-3);
    }

    #[test]
    fn one_value_has_no_spread() {
        let e = estimate(&[5.0], 0.95);
        assert_eq!((e.mean, e.sd, e.ci), (5.0, None, None));
    }
}
