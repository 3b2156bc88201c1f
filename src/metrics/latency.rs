//! Latency recording: an HDR histogram plus an exact count, sum and maximum.
//!
//! Values are recorded in microseconds with three significant digits (HdrHistogram's usual
//! precision: any percentile is within 0.1% of the true value); the mean and the maximum are
//! kept exactly in nanoseconds beside it.
//!
//! # Why the histograms start small
//!
//! A histogram that tracks up to a day at three significant digits holds 27 buckets: 221 KB of
//! counters. A run makes several (per class, per app, per operation, per job kind, per autoscale
//! window), so allocating, zeroing and freeing them dominated the start-up of a short run (the
//! allocator hands big blocks back to the kernel with `madvise`, and every page faults in again
//! on the next run). So histograms start with one bucket (values below 2,048 µs) and grow a
//! bucket at a time as larger values arrive ([`growing_histogram`], [`record_us`]).
//!
//! Growing changes no result: a bucket's values and width depend only on the lowest value and
//! the precision, never on how many buckets follow. What the day-wide histogram did with
//! values beyond its counters (clamp them to one day) is kept by [`record_us`], and the
//! `.hgrm` footer's bucket count is that of a day-wide histogram ([`LatencyStats::day_histogram`]).

use std::borrow::Cow;

use hdrhistogram::Histogram;

use crate::engine::{NANOS_PER_MILLI, SimDuration};

/// The range every histogram reports: one day, in microseconds (the `.hgrm` footer counts the
/// buckets that cover it). Values past the counters of a day-wide histogram are clamped to it.
pub const HIGHEST_US: u64 = 86_400 * 1_000_000;

/// The first value a day-wide histogram has no counter for, so the first one [`record_us`]
/// clamps: with a lowest value of 1 and a power-of-two sub-bucket count (any precision up to
/// five digits) the counters end at the smallest power of two above [`HIGHEST_US`] (2^37 µs,
/// about 38 hours).
const DAY_COUNTERS_END: u64 = (HIGHEST_US + 1).next_power_of_two();

/// An auto-resizing histogram from 1 µs at `sigfig` significant digits that starts with a single
/// bucket and grows as [`record_us`] records larger values.
pub fn growing_histogram(sigfig: u8) -> Histogram<u64> {
    let mut hist = Histogram::new_with_bounds(1, 2, sigfig).expect("valid histogram bounds");
    hist.auto(true);
    hist
}

/// Records `us` microseconds in `hist` (made by [`growing_histogram`]) exactly as a day-wide
/// histogram's `saturating_record` would: values past its counters count as one day.
pub fn record_us(hist: &mut Histogram<u64>, us: u64) {
    let us = if us < DAY_COUNTERS_END {
        us
    } else {
        HIGHEST_US
    };
    hist.record(us)
        .expect("an auto-resizing histogram records values up to a day");
}

/// Exact and approximate statistics of a set of durations.
#[derive(Clone, Debug)]
pub struct LatencyStats {
    hist: Histogram<u64>,
    /// The values below [`LOW_END_US`] not yet in `hist`, one counter per microsecond (empty
    /// until the first such value). The histogram has one counter per value there too, so an
    /// increment here stands for a histogram record, at a tenth of its instructions: most
    /// response times of a busy model and nearly all queue times are below 2 ms. Every read
    /// adds them in ([`LatencyStats::settled`]).
    low: Vec<u64>,
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
        LatencyStats {
            hist: growing_histogram(SIGFIG),
            low: Vec::new(),
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
        let us = (ns / 1_000).max(1);
        if us < LOW_END_US {
            if self.low.is_empty() {
                self.low = vec![0; LOW_END_US as usize];
            }
            self.low[us as usize] += 1;
        } else {
            record_us(&mut self.hist, us);
        }
    }

    /// The histogram with every value in it, the ones counted in `low` included.
    fn settled(&self) -> Cow<'_, Histogram<u64>> {
        if self.low.is_empty() {
            return Cow::Borrowed(&self.hist);
        }
        let mut hist = self.hist.clone();
        for (us, &n) in self.low.iter().enumerate().filter(|&(_, &n)| n > 0) {
            hist.record_n(us as u64, n)
                .expect("the first bucket is in every histogram");
        }
        Cow::Owned(hist)
    }

    /// Adds every value recorded in `other`.
    pub fn merge(&mut self, other: &LatencyStats) {
        if self.count == 0 {
            // Summaries merge classes into empty totals: a copy is the same histogram (buckets
            // depend only on the values) without growing this one a bucket at a time.
            self.clone_from(other);
            return;
        }
        self.hist
            .add(&other.hist)
            .expect("auto-resizing histograms always add");
        if self.low.is_empty() {
            self.low.clone_from(&other.low);
        } else {
            for (mine, theirs) in self.low.iter_mut().zip(&other.low) {
                *mine += theirs;
            }
        }
        self.count += other.count;
        self.sum_ns += other.sum_ns;
        self.max_ns = self.max_ns.max(other.max_ns);
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The histogram, in microseconds. It holds only the buckets its values needed; see
    /// [`LatencyStats::day_histogram`] for one that covers a day.
    pub fn histogram(&self) -> Cow<'_, Histogram<u64>> {
        self.settled()
    }

    /// The histogram with its counters widened to cover a day, as the `.hgrm` files describe
    /// it (their footer counts the buckets).
    pub fn day_histogram(&self) -> Cow<'_, Histogram<u64>> {
        let hist = self.settled();
        if hist.high() >= HIGHEST_US {
            return hist;
        }
        let mut day =
            Histogram::new_with_bounds(1, HIGHEST_US, hist.sigfig()).expect("valid bounds");
        day.auto(true);
        day.add(&*hist)
            .expect("a day-wide histogram holds every recorded value");
        Cow::Owned(day)
    }

    /// Exact mean, if anything was recorded.
    pub fn mean(&self) -> Option<SimDuration> {
        (self.count > 0).then(|| SimDuration((self.sum_ns / u128::from(self.count)) as u64))
    }

    /// The value at quantile `q` (0..=1) in milliseconds, if anything was recorded.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        (self.count > 0).then(|| quantile_ms(&self.settled(), q))
    }

    /// Mean, percentiles and maximum in milliseconds, rounded to the microsecond.
    pub fn summary(&self) -> LatencySummary {
        let ms = |ns: u64| round_us(ns as f64 / NANOS_PER_MILLI as f64);
        let hist = self.settled();
        let quantile = |q| (self.count > 0).then(|| quantile_ms(&hist, q));
        LatencySummary {
            mean: self.mean().map(|d| ms(d.as_nanos())),
            p50: quantile(0.50),
            p90: quantile(0.90),
            p99: quantile(0.99),
            p999: quantile(0.999),
            max: (self.count > 0).then(|| ms(self.max_ns)),
        }
    }
}

/// The value at quantile `q` of a histogram in microseconds, in milliseconds.
fn quantile_ms(hist: &Histogram<u64>, q: f64) -> f64 {
    hist.value_at_quantile(q) as f64 / 1_000.0
}

/// Significant digits of [`LatencyStats`]' histograms.
const SIGFIG: u8 = 3;

/// The end of the histogram's first bucket: with a lowest value of 1 and three significant
/// digits it has one counter for each value below 2,048 (the power of two above 2 × 10³), so
/// [`LatencyStats`] counts those values itself, by value, and adds them on read.
const LOW_END_US: u64 = 2_048;

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

    /// A day-wide histogram, as every histogram was before they started small.
    fn day_wide(sigfig: u8) -> Histogram<u64> {
        let mut h = Histogram::new_with_bounds(1, HIGHEST_US, sigfig).unwrap();
        h.auto(true);
        h
    }

    #[test]
    fn day_counters_end_where_a_day_wide_histogram_stops_counting() {
        for sigfig in [2, 3] {
            let mut h = Histogram::<u64>::new_with_bounds(1, HIGHEST_US, sigfig).unwrap();
            assert!(h.record(DAY_COUNTERS_END - 1).is_ok(), "sigfig {sigfig}");
            assert!(h.record(DAY_COUNTERS_END).is_err(), "sigfig {sigfig}");
        }
    }

    #[test]
    fn growing_histograms_answer_as_day_wide_ones() {
        let values = [1, 7, 2_047, 2_048, 35_000, 1_234_567, 90_000_000_000];
        let values = values
            .into_iter()
            .chain([DAY_COUNTERS_END - 1, DAY_COUNTERS_END, u64::MAX]);
        for sigfig in [2, 3] {
            let mut grown = growing_histogram(sigfig);
            let mut day = day_wide(sigfig);
            for v in values.clone() {
                record_us(&mut grown, v);
                day.saturating_record(v);
                for q in [0.0, 0.5, 0.99, 1.0] {
                    assert_eq!(
                        grown.value_at_quantile(q),
                        day.value_at_quantile(q),
                        "q {q}"
                    );
                }
                assert_eq!(
                    (grown.max(), grown.min(), grown.len()),
                    (day.max(), day.min(), day.len())
                );
            }
            let grown: Vec<_> = grown
                .iter_recorded()
                .map(|b| (b.value_iterated_to(), b.count_at_value()))
                .collect();
            let day: Vec<_> = day
                .iter_recorded()
                .map(|b| (b.value_iterated_to(), b.count_at_value()))
                .collect();
            assert_eq!(grown, day);
        }
    }

    #[test]
    fn the_day_histogram_has_a_day_wide_histograms_buckets() {
        let mut s = LatencyStats::new();
        s.record(SimDuration::from_millis(3));
        assert!(s.histogram().buckets() < day_wide(3).buckets());
        assert_eq!(s.day_histogram().buckets(), day_wide(3).buckets());
        assert_eq!(s.day_histogram().len(), 1);
        s.record(SimDuration::from_secs(200_000));
        assert_eq!(s.day_histogram().buckets(), day_wide(3).buckets());
    }

    #[test]
    fn merging_into_empty_stats_gives_the_same_histogram_as_adding() {
        let mut b = LatencyStats::new();
        for us in [3, 900, 45_000, 2_000_000] {
            b.record(SimDuration(us * 1_000));
        }
        let mut copied = LatencyStats::new();
        copied.merge(&b);
        let mut added = LatencyStats::new();
        added.hist.add(&b.hist).unwrap();
        assert_eq!(copied.summary(), b.summary());
        let rows = |h: &Histogram<u64>| -> Vec<(u64, u64)> {
            h.iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect()
        };
        assert_eq!(rows(&copied.hist), rows(&added.hist));
        assert_eq!(copied.hist.buckets(), added.hist.buckets());
        assert_eq!(copied.day_histogram().buckets(), day_wide(3).buckets());
    }

    #[test]
    fn values_below_the_first_buckets_end_are_counted_aside_and_read_as_recorded() {
        let rows = |h: &Histogram<u64>| -> Vec<(u64, u64)> {
            h.iter_recorded()
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect()
        };
        let ns = [
            0, 1, 999, 1_000, 1_999, 2_000, 2_001, 0, 0, 5_000_000, 7, 1_500, 2_047_999, 2_048_000,
            2_047_000, 1_300_000, 2_048_999,
        ];
        let (mut stats, mut other) = (LatencyStats::new(), LatencyStats::new());
        let mut plain = growing_histogram(3);
        for (i, &v) in ns.iter().enumerate() {
            if i % 3 == 0 { &mut other } else { &mut stats }.record(SimDuration(v));
            record_us(&mut plain, (v / 1_000).max(1));
        }
        assert!(
            stats.low.iter().sum::<u64>() > 0 && other.low.iter().sum::<u64>() > 0,
            "some values were counted aside"
        );
        stats.merge(&other);
        assert_eq!(rows(&stats.histogram()), rows(&plain));
        assert_eq!(stats.histogram().len(), ns.len() as u64);
        assert_eq!(rows(&stats.day_histogram()), rows(&plain));
        for q in [0.0, 0.1, 0.5, 0.6, 0.99, 1.0] {
            let expected = plain.value_at_quantile(q) as f64 / 1_000.0;
            assert_eq!(stats.quantile_ms(q), Some(expected), "q {q}");
        }
        assert_eq!(stats.summary().p50, stats.quantile_ms(0.5));
    }

    #[test]
    fn values_below_low_end_have_a_counter_each_in_the_histogram() {
        let h = growing_histogram(SIGFIG);
        assert_eq!(h.equivalent_range(1), 1);
        assert_eq!(h.equivalent_range(LOW_END_US - 1), 1);
        assert_eq!(h.equivalent_range(LOW_END_US), 2);
    }

    #[test]
    fn merging_stats_with_and_without_low_values() {
        let (mut a, mut b) = (LatencyStats::new(), LatencyStats::new());
        a.record(SimDuration::from_millis(5));
        b.record(SimDuration(40_000));
        a.merge(&b); // `a` counts no low value yet
        b.merge(&a);
        assert_eq!(a.histogram().len(), 2);
        assert_eq!(b.histogram().len(), 3);
        assert_eq!(b.histogram().count_at(40), 2);
        assert_eq!(b.low[40], 2);
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
