//! Dyno lifecycles: provisioning, booting, up, stopping and killing, crashing and restarting,
//! daily cycling.
//!
//! Numbers from facts §2 unless marked: boot deadline 60 s (R10, web dynos only: it is the
//! deadline to bind `$PORT`); shutdown grace 30 s from SIGTERM to SIGKILL (R12); crash restarts
//! at once in a Private Space, after a cool-off of up to 20, 40, 60, 180, 320 minutes in the
//! Common Runtime (the n-th consecutive crash waits a uniform draw up to the n-th value; the
//! first restarts at once); daily cycling every 24 h plus up to 216 minutes. Provisioning a new
//! dedicated instance and the boot time itself are configurable assumptions
//! (`platform.provision`, `processes.boot`).

use rand::RngExt;

use crate::engine::{SimDuration, SimTime};
use crate::model::codes::ErrorCode;
use crate::model::dyno::{Dyno, DynoState};
use crate::model::observe::DynoChange;
use crate::model::request::Stage;
use crate::model::sim::{Event, Simulation};

/// A dyno's life is at most 24 h plus up to this before it is cycled (facts §2).
const CYCLE_JITTER: SimDuration = SimDuration::from_secs(216 * 60);
const DAY: SimDuration = SimDuration::from_secs(86_400);

impl Simulation<'_> {
    /// Creates dyno number `number` (or the next free number) of process `p` of app `a`,
    /// running `release`, in state `provisioning`, as a member of the formation.
    pub(crate) fn add_dyno(&mut self, a: usize, p: usize, release: u32, now: SimTime) -> u32 {
        let number = self.apps[a].processes[p].next_number;
        self.add_numbered_dyno(a, p, release, number, now)
    }

    /// As [`Simulation::add_dyno`] with a given number (a replacement keeps its predecessor's).
    pub(crate) fn add_numbered_dyno(
        &mut self,
        a: usize,
        p: usize,
        release: u32,
        number: u32,
        now: SimTime,
    ) -> u32 {
        let spec = &self.scenario.apps[a].processes[p];
        let proc_ = &mut self.apps[a].processes[p];
        proc_.next_number = proc_.next_number.max(number + 1);
        let id = u32::try_from(self.dynos.len()).expect("fewer than 2^32 dynos");
        self.dynos.push(Dyno {
            app: a as u32,
            process: p as u32,
            number,
            release,
            dyno_type: proc_.dyno_type,
            state: DynoState::Provisioning,
            routable: true,
            concurrency: proc_.concurrency,
            backlog_cap: spec.backlog,
            speed: proc_.speed,
            serving: Vec::new(),
            waiting: Default::default(),
            open: 0,
            quarantined_until: SimTime::ZERO,
            epoch: 0,
            crashes: 0,
            born: now,
            died: None,
        });
        proc_.members.push(id);
        id
    }

    /// Creates a dyno and starts it: provisioning a new dedicated instance first when
    /// `provision` (scale-ups, deploys and type changes in a Private Space), else booting now.
    pub(crate) fn spawn(
        &mut self,
        a: usize,
        p: usize,
        number: Option<u32>,
        provision: bool,
        now: SimTime,
    ) -> u32 {
        let release = self.apps[a].release;
        let d = match number {
            Some(n) => self.add_numbered_dyno(a, p, release, n, now),
            None => self.add_dyno(a, p, release, now),
        };
        let delay = if provision {
            let rng = &mut self.apps[a].processes[p].rng;
            self.scenario.platform.provision.sample(rng)
        } else {
            SimDuration::ZERO
        };
        if delay == SimDuration::ZERO {
            self.start_boot(d, now);
        } else {
            self.observe_dyno(now, d, DynoChange::Provisioning);
            let epoch = self.dynos[d as usize].epoch;
            self.queue
                .schedule(now + delay, Event::Provisioned { dyno: d, epoch });
        }
        d
    }

    /// The dyno's process starts: it comes up after its boot time, or, for a web dyno that does
    /// not bind its port within the boot timeout, crashes (R10).
    pub(crate) fn start_boot(&mut self, d: u32, now: SimTime) {
        let from = self.dynos[d as usize].state;
        self.observe_dyno(now, d, DynoChange::Starting { from });
        let dyno = &mut self.dynos[d as usize];
        dyno.state = DynoState::Starting;
        dyno.epoch += 1;
        let (a, p, epoch) = (dyno.app as usize, dyno.process as usize, dyno.epoch);
        let spec = &self.scenario.apps[a].processes[p];
        let boot = spec.boot.sample(&mut self.apps[a].processes[p].rng);
        let deadline = self.scenario.platform.boot_timeout;
        if spec.is_web() && boot > deadline {
            self.queue
                .schedule(now + deadline, Event::BootTimeout { dyno: d, epoch });
        } else {
            self.queue
                .schedule(now + boot, Event::Booted { dyno: d, epoch });
        }
    }

    /// The dyno is up: it takes requests (if routable) or jobs.
    pub(crate) fn dyno_up(&mut self, d: u32, now: SimTime) {
        let from = self.dynos[d as usize].state;
        self.observe_dyno(now, d, DynoChange::Up { from });
        let dyno = &mut self.dynos[d as usize];
        dyno.state = DynoState::Up;
        dyno.crashes = 0;
        let (a, epoch) = (dyno.app as usize, dyno.epoch);
        if self.scenario.platform.cycling {
            let rng = &mut self.apps[a].processes[dyno.process as usize].rng;
            let jitter = SimDuration(rng.random_range(0..=CYCLE_JITTER.as_nanos()));
            self.queue
                .schedule(now + DAY + jitter, Event::Cycle { dyno: d, epoch });
        }
        self.refresh_routable(now, a);
        self.pull_jobs(now, d);
        self.ops_dyno_up(now, d);
    }

    /// Recomputes the app's routable web dynos and tells operations the serving capacity.
    pub(crate) fn refresh_routable(&mut self, now: SimTime, a: usize) {
        let spec = &self.scenario.apps[a];
        let routable: Vec<u32> = spec
            .processes
            .iter()
            .enumerate()
            .filter(|(_, p)| p.is_web())
            .flat_map(|(p, _)| self.apps[a].processes[p].members.iter().copied())
            .filter(|&d| {
                let dyno = &self.dynos[d as usize];
                dyno.state == DynoState::Up && dyno.routable
            })
            .collect();
        let slots: u64 = routable
            .iter()
            .map(|&d| u64::from(self.dynos[d as usize].concurrency))
            .sum();
        let grew = routable.len() > self.apps[a].routable.len();
        self.apps[a].routable = routable;
        self.ops.capacity(a, now, slots);
        if grew && !self.apps[a].held.is_empty() {
            // Route held requests after every event of this instant, so dynos that come up
            // together share them (and the router's cap counts all of them).
            self.queue
                .schedule(now, Event::DispatchHeld { app: a as u32 });
        }
    }

    /// SIGTERM: the dyno leaves the formation, takes no new requests, finishes what it holds
    /// for up to the shutdown grace, then is killed.
    pub(crate) fn stop(&mut self, d: u32, now: SimTime) {
        if !matches!(
            self.dynos[d as usize].state,
            DynoState::Down | DynoState::Stopping
        ) {
            self.observe_dyno(now, d, DynoChange::Sigterm);
        }
        let dyno = &mut self.dynos[d as usize];
        let (a, p) = (dyno.app as usize, dyno.process as usize);
        self.apps[a].processes[p].members.retain(|&m| m != d);
        match dyno.state {
            DynoState::Down | DynoState::Stopping => {}
            DynoState::Up => {
                dyno.state = DynoState::Stopping;
                dyno.epoch += 1;
                let epoch = dyno.epoch;
                self.queue.schedule(
                    now + self.scenario.platform.shutdown_grace,
                    Event::Kill { dyno: d, epoch },
                );
                self.refresh_routable(now, a);
                self.after_dyno_freed(now, d);
            }
            // Not serving yet (or crashed): it simply goes away.
            DynoState::Provisioning | DynoState::Starting | DynoState::Crashed => {
                self.go_down(d, now)
            }
        }
    }

    /// SIGKILL at the end of the grace: whatever the dyno still holds fails (H13) or, for jobs,
    /// goes back to the queue.
    pub(crate) fn kill(&mut self, d: u32, now: SimTime) {
        self.observe_dyno(now, d, DynoChange::ExitTimeout);
        self.drop_work(d, now);
        self.go_down(d, now);
    }

    /// The dyno crashes (R10 at boot, or a `crash` operation); it restarts per the runtime's
    /// crash policy and stays in the formation.
    pub(crate) fn crash(&mut self, d: u32, now: SimTime) {
        let dyno = &mut self.dynos[d as usize];
        if matches!(dyno.state, DynoState::Down | DynoState::Stopping) {
            return;
        }
        let from = dyno.state;
        self.observe_dyno(now, d, DynoChange::Crashed { from });
        let dyno = &mut self.dynos[d as usize];
        dyno.state = DynoState::Crashed;
        dyno.epoch += 1;
        dyno.crashes += 1;
        let (a, p, epoch, n) = (
            dyno.app as usize,
            dyno.process as usize,
            dyno.epoch,
            dyno.crashes,
        );
        self.drop_work(d, now);
        self.refresh_routable(now, a);
        let backoff = &self.scenario.platform.crash_backoff;
        let cap = backoff[(n as usize - 1).min(backoff.len() - 1)];
        let wait = if cap == SimDuration::ZERO {
            SimDuration::ZERO
        } else {
            SimDuration(
                self.apps[a].processes[p]
                    .rng
                    .random_range(0..=cap.as_nanos()),
            )
        };
        self.queue
            .schedule(now + wait, Event::Restart { dyno: d, epoch });
    }

    /// Daily cycling: the dyno is replaced by a fresh one with the same number.
    pub(crate) fn cycle(&mut self, d: u32, now: SimTime) {
        self.restart_dyno(d, now);
    }

    /// A restart: SIGTERM to the dyno and, at the same moment, a new dyno with the same number
    /// boots on the same instance (facts §2: no overlap).
    pub(crate) fn restart_dyno(&mut self, d: u32, now: SimTime) -> u32 {
        let dyno = &self.dynos[d as usize];
        let (a, p, number) = (dyno.app as usize, dyno.process as usize, dyno.number);
        self.stop(d, now);
        self.spawn(a, p, Some(number), false, now)
    }

    /// Fails the requests and requeues the jobs a dying dyno holds.
    fn drop_work(&mut self, d: u32, now: SimTime) {
        let dyno = &mut self.dynos[d as usize];
        let mut held: Vec<u64> = dyno.serving.drain(..).collect();
        held.extend(dyno.waiting.drain(..));
        for h in held {
            if self.jobs.contains(h) {
                self.requeue_job(now, d, h);
                continue;
            }
            let Some(r) = self.requests.get(h) else {
                continue;
            };
            if r.stage == Stage::WaitingConnection {
                self.release_waiting_connections(now, h);
            }
            if !self.requests.get(h).expect("held").answered {
                self.answer(now, h, Err(ErrorCode::H13));
            }
            self.requests.remove(h);
        }
    }

    fn go_down(&mut self, d: u32, now: SimTime) {
        let from = self.dynos[d as usize].state;
        self.observe_dyno(now, d, DynoChange::Down { from });
        let dyno = &mut self.dynos[d as usize];
        debug_assert!(dyno.is_idle() || dyno.state != DynoState::Up);
        dyno.state = DynoState::Down;
        dyno.epoch += 1;
        dyno.died = Some(now);
        let a = dyno.app as usize;
        self.refresh_routable(now, a);
        self.ops_dyno_down(now, d);
    }

    /// A slot of dyno `d` freed up: a stopping dyno that holds nothing exits; a worker takes
    /// its next job.
    pub(crate) fn after_dyno_freed(&mut self, now: SimTime, d: u32) {
        let dyno = &self.dynos[d as usize];
        match dyno.state {
            DynoState::Stopping if dyno.is_idle() => self.go_down(d, now),
            DynoState::Up => self.pull_jobs(now, d),
            _ => {}
        }
    }
}
