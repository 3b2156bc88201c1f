//! The autoscaler (facts §3.3): web dynos added and removed from the p95 response time.
//!
//! Every minute it looks at the p95 of the app's successful requests in the last minute. The
//! one-minute window and the scale-down rule are assumptions: the platform says it uses "the
//! past hour" and "scales down less aggressively". A step up that a limit refuses (dynos per
//! process type, per app, per space: [`crate::model::authority::check_scale`]) is skipped and
//! counted (`autoscale.refused`).

use crate::engine::{SimDuration, SimTime};
use crate::metrics::LatencyStats;
use crate::model::dyno::DynoState;
use crate::model::sim::{Event, Simulation};

/// The autoscaler evaluates every minute (facts §3.3: events at least a minute apart).
pub const AUTOSCALE_INTERVAL: SimDuration = SimDuration::from_secs(60);
/// The autoscaler removes a dyno only this long after its last change (assumption: the
/// platform "scales down less aggressively").
const AUTOSCALE_DOWN_SPACING: SimDuration = SimDuration::from_secs(5 * 60);

impl Simulation<'_> {
    /// The autoscaler (facts §3.3): one web dyno more when the p95 response time of the last
    /// minute is above the target; one fewer when it is below half the target, the last change
    /// is five minutes old and the busy slots would fill at most half of the remaining ones
    /// (assumptions: the one-minute window and the scale-down rule; the platform only says it
    /// "scales down less aggressively").
    pub(crate) fn autoscale(&mut self, now: SimTime, a: usize, p: usize) {
        let Some(auto) = self.scenario.apps[a].processes[p].autoscale.clone() else {
            return;
        };
        let window = self.apps[a]
            .window_latency
            .replace(LatencyStats::new())
            .unwrap_or_default();
        if let Some(p95) = window.quantile_ms(0.95) {
            let target_ms = auto.p95.as_millis_f64();
            let n = self.apps[a].processes[p].members.len() as u32;
            let since = now.since(self.apps[a].processes[p].last_scale.min(now));
            if !self.apps[a].exists {
                // A destroyed app has nothing to scale.
            } else if p95 > target_ms && n < auto.max {
                let state = self.space_state(now);
                if crate::model::authority::check_scale(self.scenario, &state, a, p, n + 1).is_ok()
                {
                    let provision = self.provisions();
                    self.spawn(a, p, None, provision, now);
                    self.apps[a].processes[p].last_scale = now;
                    self.apps[a].autoscale_up += 1;
                } else {
                    self.apps[a].autoscale_refused += 1;
                }
            } else if p95 < target_ms / 2.0
                && n > auto.min
                && since >= AUTOSCALE_DOWN_SPACING
                && self.fits_with_one_less(a, p)
            {
                let mut members = self.apps[a].processes[p].members.clone();
                members.sort_by_key(|&d| self.dynos[d as usize].number);
                if let Some(&d) = members.last() {
                    self.stop(d, now);
                    self.apps[a].processes[p].last_scale = now;
                    self.apps[a].autoscale_down += 1;
                }
            }
        }
        if now + AUTOSCALE_INTERVAL < self.end {
            self.queue.schedule(
                now + AUTOSCALE_INTERVAL,
                Event::Autoscale {
                    app: a as u32,
                    process: p as u32,
                },
            );
        }
    }

    /// True when process `p`'s busy slots right now would fill at most half of its up dynos'
    /// slots with one dyno fewer: the autoscaler's guard against removing a dyno mid-ramp.
    fn fits_with_one_less(&self, a: usize, p: usize) -> bool {
        let up: Vec<&crate::model::dyno::Dyno> = self.apps[a].processes[p]
            .members
            .iter()
            .map(|&d| &self.dynos[d as usize])
            .filter(|d| d.state == DynoState::Up)
            .collect();
        let busy: u64 = up
            .iter()
            .map(|d| u64::from(d.busy()) + d.waiting.len() as u64)
            .sum();
        let slots_after: u64 = up.iter().skip(1).map(|d| u64::from(d.concurrency)).sum();
        2 * busy <= slots_after
    }
}
