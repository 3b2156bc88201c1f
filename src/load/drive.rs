//! The generators: open loop (each request at its scheduled time, whatever earlier ones are
//! doing) and closed loop (virtual users, each waiting for its previous answer).
//!
//! Coordinated omission: a generator that waits for a slow server before sending the next
//! request stops measuring exactly when the server is slow (Gil Tene's "coordinated
//! omission"). The open loop never waits: a request is sent at its due time and its latency is
//! counted from that due time, so a late send (the generator itself falling behind) adds to the
//! latency instead of hiding it, and is counted in [`GeneratorStats`] besides.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::RngExt;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::client::{Client, Outcome};
use super::schedule::Due;

/// One request and what became of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Index of its traffic class in the app.
    pub class: usize,
    /// When it was due, ns from the start (closed loop: when it was sent).
    pub due_ns: u64,
    /// From due to the last byte of the answer (or to the failure), ns.
    pub latency_ns: u64,
    /// What came back.
    pub outcome: Outcome,
}

/// How well the generator kept its schedule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GeneratorStats {
    /// Requests scheduled.
    pub scheduled: u64,
    /// Requests sent.
    pub sent: u64,
    /// Sends later than the threshold.
    pub late: u64,
    /// Scheduled requests never sent.
    pub dropped: u64,
    /// Largest lag of a send behind its due time, ns.
    pub max_lag_ns: u64,
    /// Most requests outstanding at once.
    pub peak_outstanding: u64,
}

/// Settings of both loops.
#[derive(Clone, Debug)]
pub struct DriveOptions {
    /// A send later than this behind its due time is late.
    pub late_threshold: Duration,
    /// Most requests waiting for an answer at once; a due request beyond it is dropped.
    pub max_outstanding: u64,
}

/// Head start before the first due time, so the runtime's threads are up when it comes.
const LEAD: Duration = Duration::from_millis(20);

/// Sends `schedule` open-loop; returns every request's record (dropped ones included) and the
/// generator's stats. Ends when the last request is answered or timed out: at most the last
/// due time plus the client's timeout.
pub async fn open_loop(
    client: Arc<Client>,
    schedule: &[Due],
    opts: &DriveOptions,
) -> (Vec<Record>, GeneratorStats) {
    let start = Instant::now() + LEAD;
    let outstanding = Arc::new(AtomicU64::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut stats = GeneratorStats {
        scheduled: schedule.len() as u64,
        ..GeneratorStats::default()
    };
    let mut records = Vec::with_capacity(schedule.len());
    for due in schedule {
        let at = start + Duration::from_nanos(due.at_ns);
        tokio::time::sleep_until(at).await;
        let now = Instant::now();
        let lag = now.saturating_duration_since(at);
        if outstanding.load(Ordering::Acquire) >= opts.max_outstanding {
            stats.dropped += 1;
            records.push(Record {
                class: due.class,
                due_ns: due.at_ns,
                latency_ns: 0,
                outcome: Outcome::Dropped,
            });
            continue;
        }
        stats.sent += 1;
        stats.max_lag_ns = stats.max_lag_ns.max(lag.as_nanos() as u64);
        if lag > opts.late_threshold {
            stats.late += 1;
        }
        let now_out = outstanding.fetch_add(1, Ordering::AcqRel) + 1;
        stats.peak_outstanding = stats.peak_outstanding.max(now_out);
        let (client, outstanding, tx, due) =
            (client.clone(), outstanding.clone(), tx.clone(), *due);
        tokio::spawn(async move {
            let outcome = client.send(due.class).await;
            let latency = Instant::now().saturating_duration_since(at);
            outstanding.fetch_sub(1, Ordering::AcqRel);
            let _ = tx.send(Record {
                class: due.class,
                due_ns: due.at_ns,
                latency_ns: latency.as_nanos() as u64,
                outcome,
            });
        });
    }
    drop(tx);
    // Every sender ends within the client's timeout, so this ends too.
    while let Some(r) = rx.recv().await {
        records.push(r);
    }
    (records, stats)
}

/// Runs `users` virtual users for `duration` (and at most `limit` requests in all): each sends
/// a request, waits for its answer, and sends the next at once. Each request's class is drawn
/// with probability proportional to `weights`, from the user's own stream derived from `seed`.
pub async fn closed_loop(
    client: Arc<Client>,
    users: u64,
    duration: Duration,
    limit: u64,
    weights: &[f64],
    seed: u64,
) -> (Vec<Record>, GeneratorStats) {
    let start = Instant::now() + LEAD;
    let end = start + duration;
    let budget = Arc::new(AtomicU64::new(limit));
    let total: f64 = weights.iter().sum();
    let cumulative: Arc<Vec<f64>> = Arc::new(
        weights
            .iter()
            .scan(0.0, |acc, w| {
                *acc += w / total;
                Some(*acc)
            })
            .collect(),
    );
    let mut handles = Vec::new();
    for u in 0..users {
        let (client, budget, cumulative) = (client.clone(), budget.clone(), cumulative.clone());
        let mut rng = crate::engine::stream(seed, &format!("load/user/{u}"));
        handles.push(tokio::spawn(async move {
            let mut records = Vec::new();
            tokio::time::sleep_until(start).await;
            loop {
                let now = Instant::now();
                if now >= end
                    || budget
                        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |b| b.checked_sub(1))
                        .is_err()
                {
                    break;
                }
                let x: f64 = rng.random();
                let class = cumulative
                    .iter()
                    .position(|&c| x < c)
                    .unwrap_or(cumulative.len() - 1);
                let outcome = client.send(class).await;
                records.push(Record {
                    class,
                    due_ns: now.saturating_duration_since(start).as_nanos() as u64,
                    latency_ns: Instant::now().saturating_duration_since(now).as_nanos() as u64,
                    outcome,
                });
            }
            records
        }));
    }
    let mut records = Vec::new();
    for h in handles {
        // A user task cannot panic short of a bug; its records are then lost, not the run.
        if let Ok(r) = h.await {
            records.extend(r);
        }
    }
    let stats = GeneratorStats {
        scheduled: records.len() as u64,
        sent: records.len() as u64,
        peak_outstanding: users,
        ..GeneratorStats::default()
    };
    (records, stats)
}
