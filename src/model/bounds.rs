//! Resource bounds: how much work a scenario asks for, estimated before it runs, so that an
//! absurd scenario (10¹² requests, 10⁹ dynos, a year at 10⁶ requests/s) is refused up front with
//! its numbers instead of running for months or exhausting memory.
//!
//! The estimate counts the events the engine will process (arrivals, completions, timeouts,
//! connection releases, jobs, dyno lifecycle steps) plus the time-series rows the run writes,
//! which cost about as much. It uses the arrival processes' exact mean rates; client retries
//! and autoscaling are not predicted, so a run may exceed its estimate: the engine then stops
//! at `simulator.max_events` with partial results (see [`crate::model::sim`]).

use crate::engine::NANOS_PER_SEC;
use crate::scenario::{OpKind, Scenario};

/// Events the engine processes per wall-clock second, for the time estimate in messages
/// (**assumption**: measured on the reference model on a 2-core machine, about 6 M events/s
/// with recording; rounded down).
pub const EVENTS_PER_WALL_SECOND: f64 = 5e6;

/// Lifecycle events of one dyno (provisioned, booted, stopped) besides daily cycling.
const EVENTS_PER_DYNO: f64 = 3.0;

/// What a scenario asks the simulator to do, estimated.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// Requests that arrive (first attempts).
    pub requests: f64,
    /// Background jobs enqueued.
    pub jobs: f64,
    /// Dynos started (initial formations and scale-outs).
    pub dynos: f64,
    /// Events plus time-series rows: the unit `simulator.max_events` bounds.
    pub events: f64,
}

impl Estimate {
    /// Wall-clock seconds the run would take at [`EVENTS_PER_WALL_SECOND`].
    pub fn wall_secs(&self) -> f64 {
        self.events / EVENTS_PER_WALL_SECOND
    }
}

/// Estimates the work of `scenario`. Trace files are counted (they were read when the scenario
/// was loaded); one that cannot be read counts as empty here and fails the run itself.
pub fn estimate(scenario: &Scenario) -> Estimate {
    let horizon = scenario.duration;
    let secs = horizon.as_secs_f64();
    let mut requests = 0.0;
    let mut jobs = 0.0;
    let mut events = 0.0;
    let mut dynos = 0.0;
    let mut rows_per_second = 0.0;
    for (ai, app) in scenario.apps.iter().enumerate() {
        for (ci, t) in app.traffic.iter().enumerate() {
            let mut n = t.arrival.mean_rate(horizon).unwrap_or(0.0) * secs;
            for op in &scenario.timeline {
                if let OpKind::Traffic {
                    app, class, rate, ..
                } = &op.kind
                    && (*app, *class) == (ai, ci)
                {
                    let lasts = match &op.kind {
                        OpKind::Traffic {
                            duration: Some(d), ..
                        } => d.as_secs_f64(),
                        _ => (secs - op.at.as_secs_f64()).max(0.0),
                    };
                    n += rate.as_per_sec() * lasts;
                }
            }
            // Arrival, completion and the router's timeout; the client's timeout and one
            // connection release per add-on used when the class has them.
            let per_request =
                3.0 + f64::from(u8::from(
                    t.client.as_ref().is_some_and(|c| c.timeout.is_some()),
                )) + t.addons.len() as f64;
            requests += n;
            events += n * per_request;
            if let Some(e) = &t.enqueue {
                jobs += n * e.per_request;
            }
            rows_per_second += 1.0;
        }
        for j in &app.jobs {
            if let Some(a) = &j.arrival {
                jobs += a.mean_rate(horizon).unwrap_or(0.0) * secs;
            }
            rows_per_second += 1.0;
        }
        for p in &app.processes {
            dynos += f64::from(p.count);
            rows_per_second += 1.0;
        }
    }
    for op in &scenario.timeline {
        if let OpKind::Scale { count, .. } = op.kind {
            dynos += f64::from(count);
        }
    }
    // Each dyno cycles once a day (facts §2.4).
    let days = horizon.as_nanos() as f64 / (86_400.0 * NANOS_PER_SEC as f64);
    events += jobs * 2.0 + dynos * (EVENTS_PER_DYNO + 3.0 * days.floor()) + rows_per_second * secs;
    Estimate {
        requests,
        jobs,
        dynos,
        events,
    }
}

/// The refusal for a scenario whose estimate exceeds `simulator.max_events`, or None.
pub fn refusal(scenario: &Scenario) -> Option<String> {
    let e = estimate(scenario);
    let limit = scenario.simulator.max_events;
    (e.events > limit as f64).then(|| {
        format!(
            "this run would simulate about {} requests, {} jobs and {} dynos: about {} events, \
             which would take about {} at ~{} events/s; the limit is {} events \
             (`--max-events N` or `simulator.max_events` raises it)",
            count(e.requests),
            count(e.jobs),
            count(e.dynos),
            count(e.events),
            wall(e.wall_secs()),
            count(EVENTS_PER_WALL_SECOND),
            count(limit as f64),
        )
    })
}

/// A large count for people: `173 M`, `3.2e13`.
fn count(n: f64) -> String {
    match n {
        n if n < 1e4 => format!("{n:.0}"),
        n if n < 1e6 => format!("{:.1} k", n / 1e3),
        n if n < 1e9 => format!("{:.1} M", n / 1e6),
        n if n < 1e12 => format!("{:.1} G", n / 1e9),
        n => format!("{n:.1e}"),
    }
}

/// A wall-clock duration for people: `40 s`, `3.1 h`, `7.4 years`.
fn wall(secs: f64) -> String {
    match secs {
        s if s < 120.0 => format!("{s:.0} s"),
        s if s < 7_200.0 => format!("{:.0} min", s / 60.0),
        s if s < 172_800.0 => format!("{:.1} h", s / 3_600.0),
        s if s < 63_072_000.0 => format!("{:.0} days", s / 86_400.0),
        s => format!("{:.1} years", s / 31_536_000.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_walls_read_as_people_write_them() {
        assert_eq!(count(950.0), "950");
        assert_eq!(count(172_800_000.0), "172.8 M");
        assert_eq!(count(3.2e13), "3.2e13");
        assert_eq!(wall(40.0), "40 s");
        assert_eq!(wall(11_000.0), "3.1 h");
        assert_eq!(wall(6.3e9), "199.8 years");
    }
}
