//! The space's own state during a run: allocation, trusted IP ranges, apps created and
//! destroyed, one-off dynos, and the operations on them (`create_app`, `destroy_app`,
//! `destroy_space`, `trusted_ips`, `run`).
//!
//! # Lifecycle
//! - **Allocation**: with `space.network.allocation` the space is `allocating` from the start;
//!   when it is allocated every deployed app's formation is provisioned and booted at once
//!   (its autoscaler starts a minute later). Without it the space exists before the run and
//!   every formation is up at t = 0.
//! - **Apps**: an app that a `create_app` creates does not exist before (its requests fail with
//!   `no_such_app`); once created it is like a `new` app: undeployed until its first deploy.
//!   `destroy_app` sends SIGTERM to every dyno of the app (they drain for the shutdown grace)
//!   and stops its one-off dynos; from then on its requests fail with `no_such_app`.
//! - **Trusted IPs**: a `trusted_ips` operation replaces the list after
//!   `trusted_ips_propagation`; it ends when the new list applies.
//! - **One-off dynos** (`run`): provisioned for `one_off_provisioning` (Private Space; at once in
//!   the Common Runtime), then the command runs for the operation's `duration`. The operation
//!   ends when the dyno is up; the dyno counts against `limits.one_off_dynos` and in
//!   `dyno_hours` until its command ends.
//!
//! Every operation is first judged by [`crate::model::authority::judge`] against
//! [`Simulation::space_state`]; a refused one changes nothing.

use ipnet::IpNet;

use crate::engine::{SimDuration, SimTime};
use crate::model::authority::{AppState, ProcState, SpaceState};
use crate::model::dyno_type::DynoType;
use crate::model::network;
use crate::model::results::SpaceResult;
use crate::model::sim::{Event, Simulation};
use crate::scenario::{Runtime, Scenario};

/// The space during a run.
pub(crate) struct SpaceRun {
    /// Trusted IP ranges in force.
    pub trusted: Vec<IpNet>,
    /// When the space is (or was) allocated; zero when it exists before the run.
    pub allocated_at: SimTime,
    /// When a `destroy_space` succeeded.
    pub destroyed_at: Option<SimTime>,
    /// Every one-off dyno started, in start order.
    pub one_offs: Vec<OneOff>,
    /// Operations the platform refused.
    pub refused: u64,
}

/// One one-off dyno.
pub(crate) struct OneOff {
    /// The `run` operation that started it.
    pub op: usize,
    /// Its app.
    pub app: usize,
    /// Its dyno type (the type of the process it runs as).
    pub dyno_type: &'static DynoType,
    /// When it was created (provisioning starts).
    pub born: SimTime,
    /// When its command ended (or its app was destroyed).
    pub died: Option<SimTime>,
}

impl SpaceRun {
    pub(crate) fn new(scenario: &Scenario) -> SpaceRun {
        SpaceRun {
            trusted: scenario.space.network.trusted_ips.clone(),
            allocated_at: SimTime::ZERO + scenario.space.network.allocation.unwrap_or_default(),
            destroyed_at: None,
            one_offs: Vec::new(),
            refused: 0,
        }
    }
}

impl Simulation<'_> {
    /// Starts the formation of every existing, deployed app: at t = 0 every dyno is up at once
    /// (`provision` false: the steady state a run starts in); at allocation new instances are
    /// provisioned and booted.
    pub(crate) fn start_formations(&mut self, now: SimTime, provision: bool) {
        let scenario = self.scenario;
        for (ai, app) in scenario.apps.iter().enumerate() {
            if app.new || !self.apps[ai].exists {
                continue;
            }
            for (pi, p) in app.processes.iter().enumerate() {
                for _ in 0..p.count {
                    if provision {
                        let provisions = self.provisions();
                        self.spawn(ai, pi, None, provisions, now);
                    } else {
                        let id = self.add_dyno(ai, pi, 1, now);
                        self.dyno_up(id, now);
                    }
                }
                if p.autoscale.is_some() {
                    self.queue.schedule(
                        now + crate::model::autoscale::AUTOSCALE_INTERVAL,
                        Event::Autoscale {
                            app: ai as u32,
                            process: pi as u32,
                        },
                    );
                }
            }
        }
    }

    /// The space is allocated.
    pub(crate) fn allocated(&mut self, now: SimTime) {
        self.start_formations(now, true);
    }

    /// The state the platform's rules judge an operation against, at `now`.
    pub(crate) fn space_state(&self, now: SimTime) -> SpaceState {
        SpaceState {
            apps: self
                .apps
                .iter()
                .map(|a| AppState {
                    exists: a.exists,
                    deployed: a.deployed,
                    formation: a
                        .processes
                        .iter()
                        .map(|p| ProcState {
                            count: p.members.len() as u32,
                            dyno_type: p.dyno_type,
                        })
                        .collect(),
                })
                .collect(),
            one_offs: self
                .space
                .one_offs
                .iter()
                .filter(|o| o.died.is_none())
                .count() as u32,
            allocating: now < self.space.allocated_at,
            destroyed: self.space.destroyed_at.is_some(),
        }
    }

    /// Whether a request of class `c` gets through the trusted IP ranges; draws the client's
    /// address only when the outcome is uncertain.
    /// Also returns the address when one was drawn, for observers (the router log).
    pub(crate) fn client_admitted(&mut self, c: usize) -> (bool, Option<std::net::IpAddr>) {
        let class = &mut self.classes[c];
        match class.reach {
            network::Reach::All => (true, None),
            network::Reach::None => (false, None),
            network::Reach::Draw => {
                let addr = network::draw_address(&class.spec.network.clients, &mut class.net_rng);
                (network::allowed(&addr, &self.space.trusted), Some(addr))
            }
        }
    }

    /// `create_app`: the app exists, undeployed, with its declared formation and types.
    pub(crate) fn create_app(&mut self, a: usize) {
        let spec = &self.scenario.apps[a];
        let app = &mut self.apps[a];
        app.exists = true;
        app.deployed = false;
        app.release = 0;
        app.schema_release = None;
        for (p, ps) in app.processes.iter_mut().zip(&spec.processes) {
            p.dyno_type = ps.dyno_type;
            p.concurrency = ps.concurrency;
            p.speed = ps.speed;
        }
    }

    /// `destroy_app`: every dyno of the app gets SIGTERM, its one-off dynos stop; it serves
    /// nothing after.
    pub(crate) fn destroy_app(&mut self, now: SimTime, a: usize) {
        self.apps[a].exists = false;
        self.apps[a].deployed = false;
        for p in 0..self.apps[a].processes.len() {
            for d in self.apps[a].processes[p].members.clone() {
                self.stop(d, now);
            }
        }
        for o in &mut self.space.one_offs {
            if o.app == a && o.died.is_none() {
                o.died = Some(now);
            }
        }
    }

    /// A `trusted_ips` change applies: every class's reach is recomputed.
    pub(crate) fn apply_trusted_ips(&mut self, ranges: &[IpNet]) {
        self.space.trusted = ranges.to_vec();
        if self.scenario.space.runtime != Runtime::Private {
            return;
        }
        for class in &mut self.classes {
            class.reach = network::reach(&class.spec.network.clients, &self.space.trusted);
        }
    }

    /// A `run` operation's one-off dyno is created; returns when it will be up.
    pub(crate) fn start_one_off(&mut self, now: SimTime, i: usize, a: usize, p: usize) -> SimTime {
        self.space.one_offs.push(OneOff {
            op: i,
            app: a,
            dyno_type: self.apps[a].processes[p].dyno_type,
            born: now,
            died: None,
        });
        let provisioning = if self.provisions() {
            self.scenario.space.network.one_off_provisioning
        } else {
            SimDuration::ZERO
        };
        now + provisioning
    }

    /// The command of operation `i`'s one-off dyno ends.
    pub(crate) fn one_off_exit(&mut self, now: SimTime, i: usize) {
        if let Some(o) = self.space.one_offs.iter_mut().find(|o| o.op == i)
            && o.died.is_none()
        {
            o.died = Some(now);
        }
    }

    /// The space's section of the results.
    pub(crate) fn space_result(&self) -> SpaceResult {
        let allocated = self.space.allocated_at;
        SpaceResult {
            allocated_s: (allocated < self.end).then(|| allocated.as_secs_f64()),
            destroyed_s: self.space.destroyed_at.map(SimTime::as_secs_f64),
            apps: self.apps.iter().filter(|a| a.exists).count() as u64,
            one_off_dynos: self.space.one_offs.len() as u64,
            operations_refused: self.space.refused,
        }
    }
}
