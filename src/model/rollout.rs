//! Timeline operations: deploys (rolling, preboot, restart-all), scaling, dyno-type changes,
//! restarts, crashes, traffic changes, add-on failovers and maintenance; and the autoscaler.
//!
//! # Deploys, by runtime (facts §3)
//! - **Private Space** (rolling, ROLLING): for each process type at once, batches of
//!   ceil(25% × n) dynos: the batch's old dynos get SIGTERM and drain while replacements (new
//!   dedicated instances: provisioning, then boot) start with the same numbers; the next batch
//!   starts when the whole batch is up. An app's first deploy into a space first spends
//!   `platform.first_deploy_setup` on infrastructure, then starts every dyno.
//! - **Common Runtime with preboot** (PREBOOT): the new web formation boots beside the old,
//!   unroutable; traffic switches at once `boot_timeout + preboot_extra` (3 min) after the deploy
//!   started; then the old web dynos stop. Other process types restart at the start.
//! - **Common Runtime without preboot**: every dyno restarts at once (SIGTERM old, boot new).
//!
//! Restarts of a process type or an app roll the same way in a Private Space (an assumption:
//! the platform documents rolling for releases; each dyno is a dedicated instance replaced as in
//! a deploy); a one-dyno restart and every Common Runtime restart stop and boot at once (facts
//! §2: "spins up new dynos as soon as it sends the shutdown signals").
//!
//! A release phase, when given, runs first; a failing one aborts the deploy. An incompatible
//! schema takes effect when the rollout starts: from then on, dynos of older releases fail the
//! requests that use Postgres (application 500, `schema_mismatch`).
//!
//! Every operation is first judged by the platform's rules ([`crate::model::authority`]): a
//! refused one is recorded with its reason and changes nothing. The space's own operations
//! (`create_app`, `destroy_app`, `destroy_space`, `trusted_ips`, `run`) act through
//! `space.rs`.

use std::collections::VecDeque;

use crate::engine::{SimDuration, SimTime};
use crate::model::authority;
use crate::model::dyno::DynoState;
use crate::model::sim::{Event, Simulation};
use crate::scenario::{OpKind, Runtime, SchemaChange};

const STEP_RELEASE_DONE: u32 = 0;
const STEP_FIRST_DEPLOY: u32 = 1;
const STEP_PREBOOT_SWITCH: u32 = 2;
const STEP_TYPE_SWITCH_DONE: u32 = 3;
const STEP_REVERT: u32 = 4;
const STEP_TRUSTED_IPS_APPLY: u32 = 5;
const STEP_ONE_OFF_UP: u32 = 6;

/// What a running operation waits for.
#[derive(Default)]
pub(crate) struct OpState {
    active: bool,
    /// Rolling deploy: one per process type.
    rollouts: Vec<ProcRollout>,
    /// Dynos that must come up before the operation's next step.
    waiting_up: Vec<u32>,
    /// The recorder's number of the batch `waiting_up` belongs to.
    batch: usize,
    /// Dynos that must go down before the operation ends.
    waiting_down: Vec<u32>,
    /// Old dynos replaced at a switch-over (preboot, type change).
    old: Vec<u32>,
    /// New dynos made routable at a switch-over.
    new: Vec<u32>,
}

struct ProcRollout {
    process: usize,
    old: VecDeque<u32>,
    batch: Vec<u32>,
    batch_size: usize,
    /// The recorder's number of the current batch.
    batch_id: usize,
}

impl Simulation<'_> {
    fn runtime(&self) -> Runtime {
        self.scenario.space.runtime
    }

    /// New dedicated instances are provisioned in a Private Space.
    pub(crate) fn provisions(&self) -> bool {
        self.runtime() == Runtime::Private
    }

    pub(crate) fn op_start(&mut self, now: SimTime, i: usize) {
        let scenario = self.scenario;
        let op = &scenario.timeline[i];
        if let Err(refusal) = authority::judge(scenario, op, &self.space_state(now)) {
            self.ops.refused(i, refusal.reason);
            self.space.refused += 1;
            return;
        }
        self.op_state[i].active = true;
        self.ops.started(i, now);
        if let Some(a) = op.kind.app() {
            self.apps[a].active_ops.push(op.name.clone());
            self.apps[a].ops_label = self.apps[a].active_ops.join("+");
        }
        match &op.kind {
            OpKind::Deploy {
                release_phase: Some(phase),
                ..
            } => {
                self.queue.schedule(
                    now + *phase,
                    Event::OpStep {
                        op: i as u32,
                        step: STEP_RELEASE_DONE,
                    },
                );
            }
            OpKind::Deploy { .. } => self.begin_rollout(now, i),
            &OpKind::Scale {
                app,
                process,
                count,
            } => self.scale_to(now, i, app, process, count),
            &OpKind::ChangeType { app, process, .. } => {
                let proc_ = &mut self.apps[app].processes[process];
                if let OpKind::ChangeType {
                    to, concurrency, ..
                } = &op.kind
                {
                    proc_.dyno_type = to;
                    proc_.concurrency = concurrency.unwrap_or(to.default_concurrency);
                    // The new type's speed from `[speeds]` (1.0 when not listed).
                    proc_.speed = scenario.speeds.get(to.name).copied().unwrap_or(1.0);
                }
                let old = proc_.members.clone();
                let provision = self.provisions();
                let mut new = Vec::new();
                for &d in &old {
                    let number = self.dynos[d as usize].number;
                    let n = self.spawn(app, process, Some(number), provision, now);
                    self.dynos[n as usize].routable = false;
                    new.push(n);
                }
                self.op_state[i].batch = self.ops.batch_started(i, now, new.len() as u32);
                let st = &mut self.op_state[i];
                st.old = old;
                st.new = new.clone();
                st.waiting_up = new;
                self.check_waiting(now, i);
            }
            &OpKind::Restart {
                app,
                process: Some(process),
                dyno: None,
            } if self.runtime() == Runtime::Private => {
                self.start_rolling(now, i, app, vec![process]);
            }
            &OpKind::Restart {
                app,
                process: None,
                dyno: None,
            } if self.runtime() == Runtime::Private => {
                let all = (0..self.scenario.apps[app].processes.len()).collect();
                self.start_rolling(now, i, app, all);
            }
            &OpKind::Restart { app, process, dyno } => {
                let targets = self.members(app, process, dyno);
                let mut new = Vec::new();
                for d in targets {
                    new.push(self.restart_dyno(d, now));
                }
                self.op_state[i].batch = self.ops.batch_started(i, now, new.len() as u32);
                self.op_state[i].waiting_up = new;
                self.check_waiting(now, i);
            }
            &OpKind::Crash { app, process, dyno } => {
                let up: Vec<u32> = self
                    .members(app, Some(process), dyno)
                    .into_iter()
                    .filter(|&d| self.dynos[d as usize].state == DynoState::Up)
                    .collect();
                if up.is_empty() {
                    self.ops.aborted(i, now, "no up dyno to crash".to_string());
                    self.end_op(now, i);
                    return;
                }
                let d = up[rand::RngExt::random_range(&mut self.ops_rng, 0..up.len())];
                self.crash(d, now);
                // The crashed dyno's restart is the operation's one batch.
                self.op_state[i].batch = self.ops.batch_started(i, now, 1);
                self.op_state[i].waiting_up = vec![d];
            }
            &OpKind::Traffic {
                app,
                class,
                rate,
                duration,
            } => {
                let c = self.class_index(app, class);
                self.set_override(now, c, Some(rate));
                match duration {
                    Some(d) => self.queue.schedule(
                        now + d,
                        Event::OpStep {
                            op: i as u32,
                            step: STEP_REVERT,
                        },
                    ),
                    None => self.end_op(now, i),
                }
            }
            &OpKind::Failover {
                app,
                addon,
                duration,
            }
            | &OpKind::Maintenance {
                app,
                addon,
                duration,
            } => {
                let pool = &mut self.apps[app].pools[addon];
                pool.unavailable_until = pool.unavailable_until.max(now + duration);
                self.queue.schedule(
                    now + duration,
                    Event::OpStep {
                        op: i as u32,
                        step: STEP_REVERT,
                    },
                );
            }
            &OpKind::CreateApp { app } => {
                self.create_app(app);
                self.end_op(now, i);
            }
            &OpKind::DestroyApp { app } => {
                self.abort_ops_of_app(now, app, i);
                self.destroy_app(now, app);
                self.end_op(now, i);
            }
            OpKind::DestroySpace => {
                self.space.destroyed_at = Some(now);
                self.end_op(now, i);
            }
            OpKind::TrustedIps { .. } => {
                let propagation = scenario.space.network.trusted_ips_propagation;
                self.queue.schedule(
                    now + propagation,
                    Event::OpStep {
                        op: i as u32,
                        step: STEP_TRUSTED_IPS_APPLY,
                    },
                );
            }
            OpKind::ChangeRegion { .. } => {
                unreachable!("the platform refuses every region change")
            }
            &OpKind::Run { app, process, .. } => {
                let up = self.start_one_off(now, i, app, process);
                self.op_state[i].batch = self.ops.batch_started(i, now, 1);
                self.queue.schedule(
                    up,
                    Event::OpStep {
                        op: i as u32,
                        step: STEP_ONE_OFF_UP,
                    },
                );
            }
        }
    }

    pub(crate) fn op_step(&mut self, now: SimTime, i: usize, step: u32) {
        if !self.op_state[i].active {
            return;
        }
        let scenario = self.scenario;
        let op = &scenario.timeline[i];
        match step {
            STEP_RELEASE_DONE => {
                if let OpKind::Deploy {
                    release_fails: true,
                    ..
                } = op.kind
                {
                    self.ops.aborted(
                        i,
                        now,
                        "the release phase failed: the release is not deployed".to_string(),
                    );
                    self.end_op(now, i);
                } else {
                    self.begin_rollout(now, i);
                }
            }
            STEP_FIRST_DEPLOY => {
                let a = op.kind.app().expect("a deploy acts on an app");
                self.apps[a].deployed = true;
                let provision = self.provisions();
                let mut new = Vec::new();
                for (p, spec) in self.scenario.apps[a].processes.iter().enumerate() {
                    for _ in 0..spec.count {
                        new.push(self.spawn(a, p, None, provision, now));
                    }
                }
                self.op_state[i].batch = self.ops.batch_started(i, now, new.len() as u32);
                self.op_state[i].waiting_up = new;
                self.check_waiting(now, i);
            }
            STEP_PREBOOT_SWITCH => {
                let a = op.kind.app().expect("a deploy acts on an app");
                let (old, new) = (
                    std::mem::take(&mut self.op_state[i].old),
                    std::mem::take(&mut self.op_state[i].new),
                );
                for d in new {
                    self.dynos[d as usize].routable = true;
                }
                self.refresh_routable(now, a);
                for d in old {
                    self.stop(d, now);
                }
                self.end_op(now, i);
            }
            STEP_TYPE_SWITCH_DONE => {
                let a = op.kind.app().expect("a type change acts on an app");
                for d in std::mem::take(&mut self.op_state[i].new) {
                    self.dynos[d as usize].routable = true;
                }
                self.refresh_routable(now, a);
                self.ops.batch_up(i, self.op_state[i].batch, now);
                self.end_op(now, i);
            }
            STEP_REVERT => {
                if let OpKind::Traffic { app, class, .. } = op.kind {
                    let c = self.class_index(app, class);
                    self.set_override(now, c, None);
                }
                self.end_op(now, i);
            }
            STEP_TRUSTED_IPS_APPLY => {
                if let OpKind::TrustedIps { ranges } = &op.kind {
                    self.apply_trusted_ips(ranges);
                }
                self.end_op(now, i);
            }
            STEP_ONE_OFF_UP => {
                if let OpKind::Run { duration, .. } = op.kind {
                    self.ops.batch_up(i, self.op_state[i].batch, now);
                    self.end_op(now, i);
                    self.queue
                        .schedule(now + duration, Event::OneOffExit { op: i as u32 });
                }
            }
            _ => unreachable!("unknown operation step {step}"),
        }
    }

    fn begin_rollout(&mut self, now: SimTime, i: usize) {
        let OpKind::Deploy { app: a, schema, .. } = self.scenario.timeline[i].kind else {
            unreachable!("only deploys roll out")
        };
        self.apps[a].release += 1;
        if schema == SchemaChange::Incompatible {
            self.apps[a].schema_release = Some(self.apps[a].release);
        }
        if !self.apps[a].deployed {
            let setup = if self.provisions() {
                self.scenario.platform.first_deploy_setup
            } else {
                SimDuration::ZERO
            };
            self.queue.schedule(
                now + setup,
                Event::OpStep {
                    op: i as u32,
                    step: STEP_FIRST_DEPLOY,
                },
            );
            return;
        }
        let processes = self.scenario.apps[a].processes.len();
        match (self.runtime(), self.scenario.apps[a].preboot) {
            (Runtime::Private, _) => self.start_rolling(now, i, a, (0..processes).collect()),
            (Runtime::Common, true) => {
                let mut old = Vec::new();
                let mut new = Vec::new();
                let mut restarted = Vec::new();
                for (p, spec) in self.scenario.apps[a].processes.iter().enumerate() {
                    let members = self.apps[a].processes[p].members.clone();
                    if spec.is_web() {
                        for &d in &members {
                            let number = self.dynos[d as usize].number;
                            let n = self.spawn(a, p, Some(number), false, now);
                            self.dynos[n as usize].routable = false;
                            new.push(n);
                        }
                        old.extend(members);
                    } else {
                        for d in members {
                            restarted.push(self.restart_dyno(d, now));
                        }
                    }
                }
                self.op_state[i].batch =
                    self.ops
                        .batch_started(i, now, (new.len() + restarted.len()) as u32);
                let st = &mut self.op_state[i];
                st.old = old;
                st.waiting_up = new.clone();
                st.new = new;
                let switch =
                    self.scenario.platform.boot_timeout + self.scenario.platform.preboot_extra;
                self.queue.schedule(
                    now + switch,
                    Event::OpStep {
                        op: i as u32,
                        step: STEP_PREBOOT_SWITCH,
                    },
                );
            }
            (Runtime::Common, false) => {
                let mut new = Vec::new();
                for p in 0..processes {
                    for d in self.apps[a].processes[p].members.clone() {
                        new.push(self.restart_dyno(d, now));
                    }
                }
                self.op_state[i].batch = self.ops.batch_started(i, now, new.len() as u32);
                self.op_state[i].waiting_up = new;
                self.check_waiting(now, i);
            }
        }
    }

    /// A Private Space rolling replacement of process types `processes` of app `a`: batches of
    /// ceil(25% × n) per process type, side by side (facts §3.2).
    fn start_rolling(&mut self, now: SimTime, i: usize, a: usize, processes: Vec<usize>) {
        let batch = self.scenario.platform.rolling_batch;
        let mut rollouts = Vec::new();
        for p in processes {
            let mut old: Vec<u32> = self.apps[a].processes[p].members.clone();
            old.sort_by_key(|&d| self.dynos[d as usize].number);
            if old.is_empty() {
                continue;
            }
            let batch_size = ((old.len() as f64 * batch).ceil() as usize).max(1);
            rollouts.push(ProcRollout {
                process: p,
                old: old.into(),
                batch: Vec::new(),
                batch_size,
                batch_id: 0,
            });
        }
        self.op_state[i].rollouts = rollouts;
        for r in 0..self.op_state[i].rollouts.len() {
            self.next_batch(now, i, r);
        }
        self.check_rollout_done(now, i);
    }

    /// Starts the next batch of rollout `r` of operation `i`, if any old dynos remain.
    fn next_batch(&mut self, now: SimTime, i: usize, r: usize) {
        let a = self.scenario.timeline[i]
            .kind
            .app()
            .expect("a rollout acts on an app");
        let ro = &mut self.op_state[i].rollouts[r];
        let take = ro.batch_size.min(ro.old.len());
        let olds: Vec<u32> = ro.old.drain(..take).collect();
        let p = ro.process;
        if olds.is_empty() {
            return;
        }
        let provision = self.provisions();
        let mut batch = Vec::new();
        for d in olds {
            if self.dynos[d as usize].state == DynoState::Down {
                continue;
            }
            let number = self.dynos[d as usize].number;
            self.stop(d, now);
            batch.push(self.spawn(a, p, Some(number), provision, now));
        }
        let id = self.ops.batch_started(i, now, batch.len() as u32);
        // A replacement may already be up (no provisioning, no boot time).
        batch.retain(|&d| self.dynos[d as usize].state != DynoState::Up);
        let ro = &mut self.op_state[i].rollouts[r];
        ro.batch = batch;
        ro.batch_id = id;
        if ro.batch.is_empty() {
            self.ops.batch_up(i, id, now);
            self.next_batch(now, i, r);
        }
    }

    fn check_rollout_done(&mut self, now: SimTime, i: usize) {
        let st = &self.op_state[i];
        if st.active
            && st
                .rollouts
                .iter()
                .all(|r| r.old.is_empty() && r.batch.is_empty())
        {
            self.end_op(now, i);
        }
    }

    /// If nothing the operation waits for is pending, takes its next step or ends it.
    fn check_waiting(&mut self, now: SimTime, i: usize) {
        let st = &mut self.op_state[i];
        if !st.active || !st.waiting_up.is_empty() {
            return;
        }
        let kind = &self.scenario.timeline[i].kind;
        match kind {
            OpKind::ChangeType { .. } if !st.old.is_empty() => {
                // Every new dyno is up: stop the old ones; traffic reaches the new ones after the
                // switch-over gap.
                let old = std::mem::take(&mut st.old);
                for d in old {
                    self.stop(d, now);
                }
                let gap = self.scenario.platform.type_change_gap;
                self.queue.schedule(
                    now + gap,
                    Event::OpStep {
                        op: i as u32,
                        step: STEP_TYPE_SWITCH_DONE,
                    },
                );
            }
            OpKind::ChangeType { .. } => {}
            // Preboot: the new formation is up; traffic switches at the scheduled step.
            OpKind::Deploy { .. } if !st.old.is_empty() => {
                self.ops.batch_up(i, self.op_state[i].batch, now)
            }
            OpKind::Scale { .. } if !st.waiting_down.is_empty() => {}
            _ => {
                self.ops.batch_up(i, self.op_state[i].batch, now);
                self.end_op(now, i);
            }
        }
    }

    /// Called when dyno `d` comes up: advances operations waiting for it.
    pub(crate) fn ops_dyno_up(&mut self, now: SimTime, d: u32) {
        for i in 0..self.op_state.len() {
            if !self.op_state[i].active {
                continue;
            }
            if let Some(pos) = self.op_state[i].waiting_up.iter().position(|&x| x == d) {
                self.op_state[i].waiting_up.swap_remove(pos);
                self.check_waiting(now, i);
            }
            for r in 0..self.op_state[i].rollouts.len() {
                let ro = &mut self.op_state[i].rollouts[r];
                if let Some(pos) = ro.batch.iter().position(|&x| x == d) {
                    ro.batch.swap_remove(pos);
                    if ro.batch.is_empty() {
                        let id = ro.batch_id;
                        self.ops.batch_up(i, id, now);
                        self.next_batch(now, i, r);
                        self.check_rollout_done(now, i);
                    }
                }
            }
        }
    }

    /// Called when dyno `d` goes down: operations stop waiting for it.
    pub(crate) fn ops_dyno_down(&mut self, now: SimTime, d: u32) {
        for i in 0..self.op_state.len() {
            if !self.op_state[i].active {
                continue;
            }
            let st = &mut self.op_state[i];
            let before = st.waiting_up.len() + st.waiting_down.len();
            st.waiting_up.retain(|&x| x != d);
            st.waiting_down.retain(|&x| x != d);
            let mut emptied = false;
            for ro in &mut st.rollouts {
                let had = !ro.batch.is_empty();
                ro.batch.retain(|&x| x != d);
                emptied |= had && ro.batch.is_empty();
            }
            if st.waiting_up.len() + st.waiting_down.len() < before || emptied {
                if matches!(self.scenario.timeline[i].kind, OpKind::Scale { .. })
                    && st.waiting_down.is_empty()
                    && st.waiting_up.is_empty()
                {
                    self.ops.batch_up(i, self.op_state[i].batch, now);
                    self.end_op(now, i);
                } else {
                    self.check_waiting(now, i);
                }
            }
        }
    }

    fn scale_to(&mut self, now: SimTime, i: usize, a: usize, p: usize, count: u32) {
        let mut members = self.apps[a].processes[p].members.clone();
        members.sort_by_key(|&d| self.dynos[d as usize].number);
        let current = members.len() as u32;
        if count > current {
            let provision = self.provisions();
            let new: Vec<u32> = (current..count)
                .map(|_| self.spawn(a, p, None, provision, now))
                .collect();
            self.op_state[i].batch = self.ops.batch_started(i, now, new.len() as u32);
            self.op_state[i].waiting_up = new;
            self.check_waiting(now, i);
        } else if count < current {
            let removed: Vec<u32> = members[count as usize..].to_vec();
            self.op_state[i].batch = self.ops.batch_started(i, now, removed.len() as u32);
            self.op_state[i].waiting_down = removed.clone();
            for d in removed {
                self.stop(d, now);
            }
            let st = &self.op_state[i];
            if st.active && st.waiting_down.is_empty() {
                self.ops.batch_up(i, self.op_state[i].batch, now);
                self.end_op(now, i);
            }
        } else {
            self.end_op(now, i);
        }
        // New dynos take the next numbers: keep the counter past the highest member.
        let highest = self.apps[a].processes[p]
            .members
            .iter()
            .map(|&d| self.dynos[d as usize].number)
            .max();
        self.apps[a].processes[p].next_number = highest.map_or(1, |h| h + 1);
    }

    /// Aborts every active operation of app `a` that replaces or starts dynos (deploys, config
    /// and type changes, restarts, scales), but `except` (the `destroy_app` doing it): the app
    /// is gone, so the dynos they wait for will not come. Traffic changes, crashes and add-on
    /// outages end on their own.
    pub(crate) fn abort_ops_of_app(&mut self, now: SimTime, a: usize, except: usize) {
        for j in 0..self.op_state.len() {
            let kind = &self.scenario.timeline[j].kind;
            if j != except
                && self.op_state[j].active
                && kind.app() == Some(a)
                && (kind.is_deploy_like() || matches!(kind, OpKind::Scale { .. }))
            {
                let name = &self.scenario.apps[a].name;
                self.ops
                    .aborted(j, now, format!("app {name} was destroyed"));
                self.end_op(now, j);
            }
        }
    }

    fn end_op(&mut self, now: SimTime, i: usize) {
        if !self.op_state[i].active {
            return;
        }
        self.op_state[i].active = false;
        self.ops.ended(i, now);
        let scenario = self.scenario;
        let op = &scenario.timeline[i];
        let Some(a) = op.kind.app() else {
            return;
        };
        if let Some(pos) = self.apps[a].active_ops.iter().position(|n| *n == op.name) {
            self.apps[a].active_ops.remove(pos);
        }
        self.apps[a].ops_label = self.apps[a].active_ops.join("+");
    }

    /// Members of app `a`: all, those of process `p`, or the one numbered `number` in `p`.
    fn members(&self, a: usize, p: Option<usize>, number: Option<u32>) -> Vec<u32> {
        let mut out: Vec<u32> = self.apps[a]
            .processes
            .iter()
            .enumerate()
            .filter(|(pi, _)| p.is_none_or(|p| p == *pi))
            .flat_map(|(_, proc_)| proc_.members.iter().copied())
            .filter(|&d| number.is_none_or(|n| self.dynos[d as usize].number == n))
            .collect();
        out.sort_by_key(|&d| {
            (
                self.dynos[d as usize].process,
                self.dynos[d as usize].number,
            )
        });
        out
    }

    fn class_index(&self, app: usize, class: usize) -> usize {
        self.classes
            .iter()
            .position(|c| c.app == app && c.index_in_app == class)
            .expect("validated class")
    }

    /// Switches class `c` to Poisson arrivals at `rate`, or back to its own process.
    fn set_override(&mut self, now: SimTime, c: usize, rate: Option<crate::scenario::units::Rate>) {
        let class = &mut self.classes[c];
        class.override_rate = rate;
        class.arrival_epoch += 1;
        // A traffic error here would have shown at the start of the run; the class stops.
        let _ = self.schedule_next_arrival(c, now);
    }
}
