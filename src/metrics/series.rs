//! Per-second time series, streamed to a sink as each second closes.
//!
//! Memory stays constant over a run: only the open second's counters live here; closed seconds
//! go to a [`SeriesSink`] (the CSV writer in `report`). The same pass counts downtime seconds,
//! per traffic class, per app and overall.

use std::io;

use hdrhistogram::Histogram;

use super::latency::{growing_histogram, record_us, round_us};
use crate::engine::SimDuration;
use crate::model::codes::ErrorCode;

/// Number of error codes the model emits.
pub const CODES: usize = ErrorCode::ALL.len();

/// One (second, app, traffic class) row.
#[derive(Clone, Debug, PartialEq)]
pub struct TrafficRow<'a> {
    /// Second since the start of the run (the row covers `[time_s, time_s + 1)`).
    pub time_s: u64,
    /// App name.
    pub app: &'a str,
    /// Traffic class name.
    pub class: &'a str,
    /// Requests that arrived in the second.
    pub arrivals: u64,
    /// Requests answered successfully in the second.
    pub ok: u64,
    /// Requests that failed in the second, by code, in [`ErrorCode::ALL`] order.
    pub failed: [u64; CODES],
    /// Requests that failed in the second without a router code (a measured run's HTTP error
    /// statuses and transport errors; 0 in a simulation).
    pub failed_other: u64,
    /// Requests refused before reaching a dyno (by a rule such as trusted IPs).
    pub blocked: u64,
    /// Requests unanswered at the end of the second.
    pub in_flight: u64,
    /// Median latency of requests answered successfully in the second, in ms.
    pub latency_ms_p50: Option<f64>,
    /// 99th percentile of the same, in ms.
    pub latency_ms_p99: Option<f64>,
    /// Operations of the app active during the second, joined with `+`.
    pub operations: &'a str,
}

/// One (second, app, process type) row: the formation's state at the end of the second.
#[derive(Clone, Debug, PartialEq)]
pub struct ProcessRow<'a> {
    /// Second since the start of the run.
    pub time_s: u64,
    /// App name.
    pub app: &'a str,
    /// Process type.
    pub process: &'a str,
    /// Dynos by state, in [`crate::model::dyno::DynoState::ALL`] order (`down` is always 0: those are gone).
    pub dynos: [u64; 6],
    /// Concurrency slots serving a request or job.
    pub busy: u64,
    /// Requests waiting in the dynos' backlogs.
    pub backlog: u64,
    /// Operations of the app active during the second, joined with `+`.
    pub operations: &'a str,
}

/// One (second, app, job kind) row: a worker queue.
#[derive(Clone, Debug, PartialEq)]
pub struct JobRow<'a> {
    /// Second since the start of the run.
    pub time_s: u64,
    /// App name.
    pub app: &'a str,
    /// Job kind.
    pub job: &'a str,
    /// Jobs enqueued in the second.
    pub enqueued: u64,
    /// Jobs finished in the second.
    pub done: u64,
    /// Jobs waiting in the queue at the end of the second.
    pub waiting: u64,
    /// Jobs being worked at the end of the second.
    pub running: u64,
    /// Operations of the app active during the second, joined with `+`.
    pub operations: &'a str,
}

/// Where closed seconds go.
pub trait SeriesSink {
    /// Writes one traffic row.
    fn traffic(&mut self, row: &TrafficRow<'_>) -> io::Result<()>;
    /// Writes one process row.
    fn process(&mut self, row: &ProcessRow<'_>) -> io::Result<()>;
    /// Writes one job-queue row.
    fn jobs(&mut self, row: &JobRow<'_>) -> io::Result<()>;
    /// False when the sink drops the rows, so the per-second latency percentiles need not be
    /// recorded at all (a histogram record per request saved in sweeps and checks).
    fn keeps_rows(&self) -> bool {
        true
    }
}

/// A sink that keeps nothing, for runs that want only the summary.
pub struct NullSink;

impl SeriesSink for NullSink {
    fn traffic(&mut self, _: &TrafficRow<'_>) -> io::Result<()> {
        Ok(())
    }
    fn process(&mut self, _: &ProcessRow<'_>) -> io::Result<()> {
        Ok(())
    }
    fn jobs(&mut self, _: &JobRow<'_>) -> io::Result<()> {
        Ok(())
    }
    fn keeps_rows(&self) -> bool {
        false
    }
}

/// Counters of one traffic class for the open second.
struct ClassSecond {
    app: usize,
    arrivals: u64,
    ok: u64,
    failed: [u64; CODES],
    failed_other: u64,
    blocked: u64,
    latency_us: Histogram<u64>,
}

/// Accumulates the open second and counts downtime.
pub struct SeriesAccumulator {
    classes: Vec<ClassSecond>,
    threshold: f64,
    first_counted_second: u64,
    class_down: Vec<u64>,
    app_down: Vec<u64>,
    total_down: u64,
    /// Record each request's latency for the per-second percentiles (off when nobody reads
    /// the rows).
    latencies: bool,
}

/// Per-second histogram precision: two significant digits is plenty for a per-second p99 and
/// keeps resetting the histogram cheap.
const SECOND_SIGFIG: u8 = 2;

impl SeriesAccumulator {
    /// An accumulator for classes belonging to apps `class_apps[i]`, with `apps` apps. Seconds
    /// starting before `warmup` do not count towards downtime. A second is down when the share
    /// of failed requests among those that ended in it exceeds `threshold`.
    pub fn new(class_apps: &[usize], apps: usize, threshold: f64, warmup: SimDuration) -> Self {
        let classes = class_apps
            .iter()
            .map(|&app| ClassSecond {
                app,
                arrivals: 0,
                ok: 0,
                failed: [0; CODES],
                failed_other: 0,
                blocked: 0,
                latency_us: growing_histogram(SECOND_SIGFIG),
            })
            .collect();
        SeriesAccumulator {
            classes,
            threshold,
            first_counted_second: warmup.as_nanos().div_ceil(crate::engine::NANOS_PER_SEC),
            class_down: vec![0; class_apps.len()],
            app_down: vec![0; apps],
            total_down: 0,
            latencies: true,
        }
    }

    /// Records (or not) each request's latency for the per-second percentiles of the rows.
    pub fn record_latencies(&mut self, on: bool) {
        self.latencies = on;
    }

    /// A request of class `c` arrived.
    pub fn arrival(&mut self, c: usize) {
        self.classes[c].arrivals += 1;
    }

    /// A request of class `c` was answered successfully after `latency`.
    pub fn ok(&mut self, c: usize, latency: SimDuration) {
        let s = &mut self.classes[c];
        s.ok += 1;
        if self.latencies {
            record_us(&mut s.latency_us, (latency.as_nanos() / 1_000).max(1));
        }
    }

    /// A request of class `c` failed with `code`.
    pub fn failed(&mut self, c: usize, code: ErrorCode) {
        let i = code.index();
        self.classes[c].failed[i] += 1;
    }

    /// A request of class `c` failed without a router code (measured runs only).
    pub fn failed_other(&mut self, c: usize) {
        self.classes[c].failed_other += 1;
    }

    /// A request of class `c` was blocked before reaching a dyno.
    pub fn blocked(&mut self, c: usize) {
        self.classes[c].blocked += 1;
    }

    /// Closes second `time_s`: writes one row per class (names and active operations from
    /// `names(c)`, in-flight gauges from `in_flight(c)`), counts downtime and resets the counters.
    /// Returns, per app, whether the second was down.
    pub fn close_second<'n>(
        &mut self,
        time_s: u64,
        names: impl Fn(usize) -> (&'n str, &'n str, &'n str),
        in_flight: impl Fn(usize) -> u64,
        sink: &mut dyn SeriesSink,
    ) -> io::Result<Vec<bool>> {
        let counted = time_s >= self.first_counted_second;
        let mut app_ok = vec![0u64; self.app_down.len()];
        let mut app_failed = vec![0u64; self.app_down.len()];
        for (c, s) in self.classes.iter_mut().enumerate() {
            let failed: u64 = s.failed.iter().sum::<u64>() + s.failed_other;
            let (app, class, operations) = names(c);
            let (p50, p99) = if s.ok > 0 && self.latencies {
                let q = |q: f64| round_us(s.latency_us.value_at_quantile(q) as f64 / 1_000.0);
                (Some(q(0.5)), Some(q(0.99)))
            } else {
                (None, None)
            };
            sink.traffic(&TrafficRow {
                time_s,
                app,
                class,
                arrivals: s.arrivals,
                ok: s.ok,
                failed: s.failed,
                failed_other: s.failed_other,
                blocked: s.blocked,
                in_flight: in_flight(c),
                latency_ms_p50: p50,
                latency_ms_p99: p99,
                operations,
            })?;
            if counted && is_down(s.ok, failed, self.threshold) {
                self.class_down[c] += 1;
            }
            app_ok[s.app] += s.ok;
            app_failed[s.app] += failed;
            s.arrivals = 0;
            s.ok = 0;
            s.failed = [0; CODES];
            s.failed_other = 0;
            s.blocked = 0;
            s.latency_us.reset();
        }
        let app_is_down: Vec<bool> = (0..self.app_down.len())
            .map(|a| counted && is_down(app_ok[a], app_failed[a], self.threshold))
            .collect();
        if counted {
            for (a, down) in app_is_down.iter().enumerate() {
                if *down {
                    self.app_down[a] += 1;
                }
            }
            let ok: u64 = app_ok.iter().sum();
            let failed: u64 = app_failed.iter().sum();
            if is_down(ok, failed, self.threshold) {
                self.total_down += 1;
            }
        }
        Ok(app_is_down)
    }

    /// Downtime seconds of class `c`.
    pub fn class_downtime_s(&self, c: usize) -> u64 {
        self.class_down[c]
    }

    /// Downtime seconds of app `a`.
    pub fn app_downtime_s(&self, a: usize) -> u64 {
        self.app_down[a]
    }

    /// Downtime seconds over all apps.
    pub fn total_downtime_s(&self) -> u64 {
        self.total_down
    }
}

/// A second is down when more than `threshold` of the requests that ended in it failed.
fn is_down(ok: u64, failed: u64, threshold: f64) -> bool {
    let ended = ok + failed;
    ended > 0 && failed as f64 / ended as f64 > threshold
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Rows(Vec<String>);
    impl SeriesSink for Rows {
        fn traffic(&mut self, r: &TrafficRow<'_>) -> io::Result<()> {
            self.0.push(format!(
                "{} {} {} {} {:?}",
                r.time_s,
                r.arrivals,
                r.ok,
                r.failed.iter().sum::<u64>(),
                r.latency_ms_p50
            ));
            Ok(())
        }
        fn process(&mut self, _: &ProcessRow<'_>) -> io::Result<()> {
            Ok(())
        }
        fn jobs(&mut self, _: &JobRow<'_>) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn downtime_counts_seconds_over_the_threshold_after_warmup() {
        let mut acc = SeriesAccumulator::new(&[0], 1, 0.5, SimDuration::from_secs(1));
        let mut sink = Rows::default();
        let names = |_| ("api", "default", "");
        // Second 0 (warm-up): all failed, not counted.
        acc.failed(0, ErrorCode::H12);
        acc.close_second(0, names, |_| 0, &mut sink).unwrap();
        // Second 1: 2 of 3 failed, down.
        acc.arrival(0);
        acc.ok(0, SimDuration::from_millis(5));
        acc.failed(0, ErrorCode::H12);
        acc.failed(0, ErrorCode::H21);
        acc.close_second(1, names, |_| 1, &mut sink).unwrap();
        // Second 2: exactly half failed, not down (the threshold must be exceeded).
        acc.ok(0, SimDuration::from_millis(5));
        acc.failed(0, ErrorCode::H12);
        acc.close_second(2, names, |_| 0, &mut sink).unwrap();
        assert_eq!(acc.total_downtime_s(), 1);
        assert_eq!(acc.app_downtime_s(0), 1);
        assert_eq!(acc.class_downtime_s(0), 1);
        // Per-second percentiles keep two significant digits: 5 ms reads as 5.023 ms.
        assert_eq!(sink.0[1], "1 1 1 2 Some(5.023)");
    }
}
