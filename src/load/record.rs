//! Turning a measured run's records into what a simulated run produces: the per-class
//! [`RunOutput`] the summary is built from, and the per-second rows of `timeseries.csv`
//! (through the same [`SeriesAccumulator`] a simulation uses), plus the HTTP status and
//! transport-error counts of `summary.json`'s `measured` block.

use std::collections::BTreeMap;
use std::io;

use super::client::Outcome;
use super::drive::Record;
use crate::engine::{NANOS_PER_SEC, SimDuration};
use crate::metrics::LatencyStats;
use crate::metrics::series::{SeriesAccumulator, SeriesSink};
use crate::model::results::{AppResult, ClassResult, Counts, RunOutput, SpaceResult};
use crate::report::measured::TransportErrors;
use crate::scenario::AppSpec;

/// What the records add up to.
pub struct Tallies {
    /// The run's results, in a simulation's shape (one app).
    pub output: RunOutput,
    /// Responses after the warm-up by status.
    pub http: BTreeMap<String, u64>,
    /// Requests after the warm-up with no response, by cause.
    pub transport: TransportErrors,
}

/// Adds up `records` of `app`'s classes: requests due before `warmup` are counted apart, as in
/// a simulation; a second is down when more than `threshold` of the requests ending in it
/// failed. Streams one `traffic` row per (second, class) to `sink`, from second 0 to the one in
/// which the last request ended (at least `duration`), and returns the tallies.
pub fn tally(
    app: &AppSpec,
    records: &[Record],
    duration: SimDuration,
    warmup: SimDuration,
    threshold: f64,
    sink: &mut dyn SeriesSink,
) -> io::Result<Tallies> {
    let n = app.traffic.len();
    let mut acc = SeriesAccumulator::new(&vec![0; n], 1, threshold, warmup);
    let mut counts = vec![Counts::default(); n];
    let mut latency = vec![LatencyStats::new(); n];
    let mut http = BTreeMap::new();
    let mut transport = TransportErrors::default();
    // Events in time order: (time, 0 = arrival / 1 = end, record index). Arrivals first at
    // equal times, so a zero-latency answer is never in flight negatively.
    let mut events: Vec<(u64, u8, usize)> = Vec::with_capacity(records.len() * 2);
    for (i, r) in records.iter().enumerate() {
        events.push((r.due_ns, 0, i));
        events.push((r.due_ns + r.latency_ns, 1, i));
        let c = &mut counts[r.class];
        if r.due_ns < warmup.as_nanos() {
            c.warmup += 1;
            continue;
        }
        c.total += 1;
        match r.outcome {
            o if o.is_ok() => {
                c.ok += 1;
                latency[r.class].record(SimDuration(r.latency_ns));
            }
            o => {
                c.failed_other += 1;
                match o {
                    Outcome::Status(_) => {}
                    Outcome::Timeout => transport.timeout += 1,
                    Outcome::Refused => transport.refused += 1,
                    Outcome::Reset => transport.reset += 1,
                    Outcome::Io => transport.io += 1,
                    Outcome::Dropped => {}
                }
            }
        }
        if let Outcome::Status(s) = r.outcome {
            *http.entry(s.to_string()).or_insert(0) += 1;
        }
    }
    events.sort_unstable();
    let last_ns = events.last().map_or(0, |e| e.0);
    let seconds = duration
        .as_nanos()
        .div_ceil(NANOS_PER_SEC)
        .max(last_ns / NANOS_PER_SEC + 1);
    let mut in_flight = vec![0u64; n];
    let names = |c: usize| (app.name.as_str(), app.traffic[c].name.as_str(), "");
    let mut next = events.iter().peekable();
    for s in 0..seconds {
        let end = (s + 1) * NANOS_PER_SEC;
        while let Some(&&(t, kind, i)) = next.peek() {
            if t >= end {
                break;
            }
            next.next();
            let r = &records[i];
            if kind == 0 {
                acc.arrival(r.class);
                in_flight[r.class] += 1;
            } else {
                in_flight[r.class] -= 1;
                if r.outcome.is_ok() {
                    acc.ok(r.class, SimDuration(r.latency_ns));
                } else {
                    acc.failed_other(r.class);
                }
            }
        }
        acc.close_second(s, names, |c| in_flight[c], sink)?;
    }
    let classes = app
        .traffic
        .iter()
        .enumerate()
        .map(|(c, t)| ClassResult {
            app: 0,
            name: t.name.clone(),
            counts: counts[c].clone(),
            latency: latency[c].clone(),
            queue: LatencyStats::new(),
            downtime_s: acc.class_downtime_s(c),
        })
        .collect();
    let output = RunOutput {
        classes,
        apps: vec![AppResult {
            name: app.name.clone(),
            downtime_s: acc.app_downtime_s(0),
            autoscale_up: 0,
            autoscale_down: 0,
            autoscale_refused: 0,
        }],
        jobs: Vec::new(),
        space: SpaceResult {
            allocated_s: Some(0.0),
            destroyed_s: None,
            apps: 1,
            one_off_dynos: 0,
            operations_refused: 0,
        },
        downtime_s: acc.total_downtime_s(),
        // A measured run processes no simulation events: it counts the requests it recorded.
        events: records.len() as u64,
        peak_in_flight: 0,
        operations: Vec::new(),
        predictions: Vec::new(),
        dyno_seconds: Vec::new(),
        partial: None,
    };
    Ok(Tallies {
        output,
        http,
        transport,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::metrics::NullSink;

    fn app() -> AppSpec {
        let text = "name = \"t\"\nduration = \"3s\"\nwarmup = \"1s\"\n[[apps]]\nname = \"api\"\n\
                    [[apps.processes]]\ntype = \"web\"\ncount = 1\n[[apps.traffic]]\n\
                    name = \"default\"\narrival = { process = \"constant\", rate = \"1/s\" }\n\
                    service = \"1ms\"\n";
        crate::scenario::parse(text, "t.toml", Path::new("."), None)
            .unwrap()
            .apps
            .remove(0)
    }

    fn rec(due_ms: u64, latency_ms: u64, outcome: Outcome) -> Record {
        Record {
            class: 0,
            due_ns: due_ms * 1_000_000,
            latency_ns: latency_ms * 1_000_000,
            outcome,
        }
    }

    #[test]
    fn outcomes_add_up_like_a_simulation_with_warmup_apart() {
        let records = [
            rec(500, 10, Outcome::Status(200)), // warm-up
            rec(1_000, 10, Outcome::Status(200)),
            rec(1_100, 30, Outcome::Status(302)),
            rec(1_200, 5, Outcome::Status(503)),
            rec(1_300, 100, Outcome::Timeout),
            rec(1_400, 0, Outcome::Refused),
            rec(1_500, 0, Outcome::Dropped),
        ];
        let t = tally(
            &app(),
            &records,
            SimDuration::from_secs(3),
            SimDuration::from_secs(1),
            0.5,
            &mut NullSink,
        )
        .unwrap();
        let c = &t.output.classes[0].counts;
        assert_eq!((c.total, c.ok, c.failed(), c.warmup), (6, 2, 4, 1));
        assert_eq!(c.total, c.ok + c.failed() + c.blocked + c.in_flight);
        assert_eq!(t.output.classes[0].latency.summary().mean, Some(20.0));
        assert_eq!(
            t.http.into_iter().collect::<Vec<_>>(),
            [("200".into(), 1), ("302".into(), 1), ("503".into(), 1)]
        );
        assert_eq!((t.transport.timeout, t.transport.refused), (1, 1));
        // Second 1: 2 ok, 4 failed: down (over half failed).
        assert_eq!(t.output.downtime_s, 1);
    }
}
