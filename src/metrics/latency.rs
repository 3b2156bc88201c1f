//! Latency recording: an HDR histogram plus an exact count, sum and maximum.
//!
//! Values are recorded in microseconds with three significant digits (HdrHistogram's usual
//! precision: any percentile is within 0.1% of the true value); the mean and the maximum are
//! kept exactly in nanoseconds beside it.

use hdrhistogram::Histogram;

use crate::engine::{NANOS_PER_MILLI, SimDuration};

/// Highest value the histograms track without resizing: one day, in microseconds. Larger values
/// resize the histogram automatically.
const HIGHEST_US: u64 = 86_400 * 1_000_000;

/// Exact and approximate statistics of a set of durations.
#[derive(Clone, Debug)]
pub struct LatencyStats {
    hist: Histogram<u64>,
    count: u64,
    sum_ns: u128,
    max_ns: u64,
}

impl Default for LatencyStats {
    fn default() -> Self {
        Self::new()
    }
}

/// Latency percentiles and moments in milliseconds, as the summary reports them.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LatencySummary {
    /// Exact mean.
    pub mean: Option<f64>,
    /// Median.
    pub p50: Option<f64>,
    /// 90th percentile.
    pub p90: Option<f64>,
    /// 99th percentile.
    pub p99: Option<f64>,
    /// 99.9th percentile.
    pub p999: Option<f64>,
    /// Exact maximum.
    pub max: Option<f64>,
}

impl LatencyStats {
    /// Empty statistics.
    pub fn new() -> Self {
        let mut hist =
            Histogram::new_with_bounds(1, HIGHEST_US, 3).expect("valid histogram bounds");
        hist.auto(true);
        LatencyStats {
            hist,
            count: 0,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    /// Records one duration.
    pub fn record(&mut self, d: SimDuration) {
        let ns = d.as_nanos();
        self.count += 1;
        self.sum_ns += u128::from(ns);
        self.max_ns = self.max_ns.max(ns);
        // Sub-microsecond durations count as 1 µs: the histogram's lowest discernible value.
        self.hist.saturating_record((ns / 1_000).max(1));
    }

    /// Adds every value recorded in `other`.
    pub fn merge(&mut self, other: &LatencyStats) {
        self.hist
            .add(&other.hist)
            .expect("auto-resizing histograms always add");
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The histogram, in microseconds.
    pub fn histogram(&self) -> &Histogram<u64> {
        &self.hist
    }

    /// Exact mean, if anything was recorded.
    pub fn mean(&self) -> Option<SimDuration> {
        (self.count > 0).then(|| SimDuration((self.sum_ns / u128::from(self.count)) as u64))
    }

    /// The value at quantile `q` (0..=1) in milliseconds, if anything was recorded.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        (self.count > 0).then(|| self.hist.value_at_quantile(q) as f64 / 1_000.0)
    }

    /// Mean, percentiles and maximum in milliseconds, rounded to the microsecond.
    pub fn summary(&self) -> LatencySummary {
        let ms = |ns: u64| round_us(ns as f64 / NANOS_PER_MILLI as f64);
        LatencySummary {
            mean: self.mean().map(|d| ms(d.as_nanos())),
            p50: self.quantile_ms(0.50),
            p90: self.quantile_ms(0.90),
            p99: self.quantile_ms(0.99),
            p999: self.quantile_ms(0.999),
            max: (self.count > 0).then(|| ms(self.max_ns)),
        }
    }
}

/// Rounds milliseconds to three decimals (whole microseconds) so reports stay readable.
pub fn round_us(ms: f64) -> f64 {
    (ms * 1_000.0).round() / 1_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_mean_and_max_beside_the_histogram() {
        let mut s = LatencyStats::new();
        for ms in [10, 20, 30, 40] {
            s.record(SimDuration::from_millis(ms));
        }
        let sum = s.summary();
        assert_eq!(sum.mean, Some(25.0));
        assert_eq!(sum.max, Some(40.0));
        // HDR keeps three significant digits: the median is 20 ms within 0.1%.
        let p50 = sum.p50.unwrap();
        assert!((p50 - 20.0).abs() <= 0.02, "{p50}");
    }

    #[test]
    fn empty_stats_have_no_values() {
        let s = LatencyStats::new();
        assert_eq!(s.summary().p99, None);
        assert_eq!(s.summary().mean, None);
    }

    #[test]
    fn merge_adds_counts() {
        let mut a = LatencyStats::new();
        let mut b = LatencyStats::new();
        a.record(SimDuration::from_millis(1));
        b.record(SimDuration::from_millis(3));
        a.merge(&b);
        assert_eq!(a.count(), 2);
        assert_eq!(a.summary().mean, Some(2.0));
    }
}
