//! Background jobs: Redis-backed queues worked by worker dynos.
//!
//! Jobs are enqueued by successful web requests (`enqueue` on a traffic class) or arrive on
//! their own (`[[apps.jobs]] arrival`). Each worker process type works one first-in first-out
//! queue with its dynos' concurrency slots. A worker that gets SIGTERM finishes its jobs for up
//! to the shutdown grace; jobs still running at SIGKILL, or on a crash, go back to the front of
//! the queue, so no job is lost: `enqueued = done + waiting + running` at every moment.

use std::collections::{BTreeMap, VecDeque};

use crate::engine::{SimDuration, SimTime};
use crate::model::dyno::DynoState;
use crate::model::sim::{Event, Job, RunError, Simulation};

/// Job handles have this bit set, so a dyno's slots can hold requests and jobs apart.
const JOB_BIT: u64 = 1 << 63;

/// Every job in the system, and the queue of each worker process type.
#[derive(Default)]
pub(crate) struct Jobs {
    slots: Vec<(u32, Option<Job>)>,
    free: Vec<u32>,
    /// Waiting jobs per (app, process type), oldest first.
    queues: BTreeMap<(usize, usize), VecDeque<u64>>,
}

impl Jobs {
    /// True if `h` is a live job handle.
    pub fn contains(&self, h: u64) -> bool {
        h & JOB_BIT != 0 && self.get(h).is_some()
    }

    fn get(&self, h: u64) -> Option<&Job> {
        let (i, generation) = ((h & 0xffff_ffff) as usize, ((h & !JOB_BIT) >> 32) as u32);
        match self.slots.get(i) {
            Some((g, job)) if *g == generation => job.as_ref(),
            _ => None,
        }
    }

    fn insert(&mut self, job: Job) -> u64 {
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize].1 = Some(job);
                i
            }
            None => {
                self.slots.push((0, Some(job)));
                (self.slots.len() - 1) as u32
            }
        };
        JOB_BIT | (u64::from(self.slots[i as usize].0) << 32) | u64::from(i)
    }

    fn remove(&mut self, h: u64) -> Job {
        assert!(self.contains(h), "stale job handle");
        let i = (h & 0xffff_ffff) as usize;
        let slot = &mut self.slots[i];
        slot.0 = (slot.0 + 1) & 0x7fff_ffff;
        self.free.push(i as u32);
        slot.1.take().expect("present")
    }
}

impl Simulation<'_> {
    /// Schedules job kind `j`'s next own arrival.
    pub(crate) fn schedule_next_job(&mut self, j: usize) -> Result<(), RunError> {
        let Some(gen_) = self.job_kinds[j].arrivals.as_mut() else {
            return Ok(());
        };
        let next = gen_.next_arrival().map_err(|message| RunError::Traffic {
            class: format!("jobs #{j}"),
            message,
        })?;
        if let Some(t) = next
            && t < self.end
        {
            self.queue.schedule(t, Event::JobArrival { job: j as u32 });
        }
        Ok(())
    }

    /// A job of kind `j` enters its worker queue, and an idle worker slot takes it.
    pub(crate) fn enqueue_job(&mut self, now: SimTime, j: usize) {
        let (a, kind_index) = (
            self.job_kinds[j].app,
            j - self.job_first_index(self.job_kinds[j].app),
        );
        let spec = &self.scenario.apps[a].jobs[kind_index];
        let kind = &mut self.job_kinds[j];
        let service = spec.service.sample(&mut kind.service_rng);
        kind.enqueued += 1;
        kind.waiting += 1;
        kind.second_enqueued += 1;
        let p = kind.process;
        let h = self.jobs.insert(Job {
            kind: j as u32,
            enqueued: now,
            service,
            counted: now >= self.warmup_end,
        });
        self.jobs.queues.entry((a, p)).or_default().push_back(h);
        let members = self.apps[a].processes[p].members.clone();
        for d in members {
            self.pull_jobs(now, d);
            if self.jobs.queues.get(&(a, p)).is_none_or(|q| q.is_empty()) {
                break;
            }
        }
    }

    /// An up worker dyno fills its free slots from its queue. Always inlined, so that a run
    /// without jobs pays one check, not a call, on every request's completion.
    #[inline(always)]
    pub(crate) fn pull_jobs(&mut self, now: SimTime, d: u32) {
        if !self.job_kinds.is_empty() && self.dynos[d as usize].state == DynoState::Up {
            self.fill_slots(now, d);
        }
    }

    /// [`Simulation::pull_jobs`] once it is known there are jobs and the dyno is up.
    fn fill_slots(&mut self, now: SimTime, d: u32) {
        let dyno = &self.dynos[d as usize];
        let key = (dyno.app as usize, dyno.process as usize);
        while self.dynos[d as usize].busy() < self.dynos[d as usize].concurrency {
            let Some(h) = self.jobs.queues.get_mut(&key).and_then(|q| q.pop_front()) else {
                return;
            };
            let job = self.jobs.get(h).expect("queued jobs are live");
            let (j, service) = (job.kind as usize, job.service);
            let dyno = &mut self.dynos[d as usize];
            dyno.serving.push(h);
            let service = if dyno.speed == 1.0 {
                service
            } else {
                SimDuration::from_secs_f64(service.as_secs_f64() / dyno.speed)
            };
            let kind = &mut self.job_kinds[j];
            kind.waiting -= 1;
            kind.running += 1;
            self.queue
                .schedule(now + service, Event::Complete { dyno: d, handle: h });
        }
    }

    /// A worker finished job `h`.
    pub(crate) fn on_job_done(&mut self, now: SimTime, d: u32, h: u64) {
        if !self.dynos[d as usize].serving.contains(&h) {
            return;
        }
        let job = self.jobs.remove(h);
        let kind = &mut self.job_kinds[job.kind as usize];
        kind.running -= 1;
        kind.done += 1;
        kind.second_done += 1;
        if job.counted {
            kind.latency.record(now.since(job.enqueued));
        }
        self.free_slot(now, d, h);
    }

    /// A job interrupted on dyno `d` (SIGKILL, crash) goes back to the front of its queue under a
    /// new handle, so the interrupted run's completion event no longer matches it.
    pub(crate) fn requeue_job(&mut self, now: SimTime, d: u32, h: u64) {
        let job = self.jobs.remove(h);
        let j = job.kind as usize;
        let kind = &mut self.job_kinds[j];
        kind.running -= 1;
        kind.waiting += 1;
        kind.requeued += 1;
        let key = (kind.app, kind.process);
        debug_assert_eq!(self.dynos[d as usize].process as usize, key.1);
        let h = self.jobs.insert(job);
        self.jobs.queues.entry(key).or_default().push_front(h);
        // Another up worker with a free slot takes it now.
        for w in self.apps[key.0].processes[key.1].members.clone() {
            if w != d {
                self.pull_jobs(now, w);
            }
        }
    }
}
