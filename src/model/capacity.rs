//! Static capacity checks made before a run: offered load against serving capacity.
//!
//! Overload is not an input error (it is what planners test), but a configuration whose queue
//! could grow without bound (load at or above capacity and backlogs larger than the simulator's
//! in-flight limit) gets a warning naming the numbers; the run stays bounded by
//! `simulator.max_in_flight`, beyond which arrivals fail with H11.

use crate::scenario::Scenario;

/// Offered load and capacity of one app's web process.
#[derive(Clone, Debug, PartialEq)]
pub struct Load {
    /// App name.
    pub app: String,
    /// Busy slots the traffic needs at its peak rate (sum over classes of peak rate × mean
    /// service time ÷ speed).
    pub offered_slots: f64,
    /// Slots available: web dynos × concurrency.
    pub capacity_slots: f64,
    /// Most requests the app's dynos can hold: dynos × (concurrency + backlog).
    pub holdable: u64,
}

impl Load {
    /// offered ÷ capacity (infinite with no capacity).
    pub fn utilisation(&self) -> f64 {
        if self.capacity_slots > 0.0 {
            self.offered_slots / self.capacity_slots
        } else {
            f64::INFINITY
        }
    }
}

/// Offered load and capacity of every app with traffic.
pub fn loads(scenario: &Scenario) -> Vec<Load> {
    scenario
        .apps
        .iter()
        .filter_map(|app| {
            let web = app.web()?;
            let offered_slots: f64 = app
                .traffic
                .iter()
                .map(|t| {
                    // A trace that cannot be read fails the run itself; here it offers nothing.
                    t.arrival.peak_rate(scenario.duration).unwrap_or(0.0) * t.service.mean_secs()
                        / web.speed
                })
                .sum();
            Some(Load {
                app: app.name.clone(),
                offered_slots,
                capacity_slots: f64::from(web.count) * f64::from(web.concurrency),
                holdable: u64::from(web.count)
                    * (u64::from(web.concurrency) + u64::from(web.backlog)),
            })
        })
        .collect()
}

/// Warnings for configurations whose queues could grow without bound.
pub fn warnings(scenario: &Scenario) -> Vec<String> {
    let limit = scenario.simulator.max_in_flight;
    loads(scenario)
        .into_iter()
        .filter(|l| l.offered_slots >= l.capacity_slots && l.holdable > limit)
        .map(|l| {
            format!(
                "app \"{}\": at its peak the traffic needs {:.1} busy slots but the web dynos have \
                 {} (utilisation {:.0}%), and their backlogs can hold {} requests; nothing bounds \
                 the queue but the simulator: once {} requests are in flight (simulator.max_in_flight) \
                 further arrivals fail with H11",
                l.app,
                l.offered_slots,
                l.capacity_slots,
                l.utilisation() * 100.0,
                l.holdable,
                limit
            )
        })
        .collect()
}
