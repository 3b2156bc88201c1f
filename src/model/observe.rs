//! Watching a run from outside: every request that ends and every dyno state change, as they
//! happen, in simulated-time order.
//!
//! An [`Observer`] is optional: [`crate::model::sim::run_observed`] takes one, and
//! [`crate::model::sim::run`] runs without. The simulation checks for it once per request
//! (one branch) and allocates nothing for it when there is none, so runs that do not observe
//! stay as fast as before. The router log (`--router-log`) is the observer this exists for.
//!
//! # What is reported
//! - [`Observer::request_ended`]: once per request that ended: ok, or failed with an
//!   [`ErrorCode`] (a failed TLS handshake included; the router log leaves it out). Requests
//!   blocked by the trusted IP ranges are not reported (the router refuses them before TLS and
//!   HTTP, and the model does not count them as failures), nor are requests still in flight
//!   at the end of the run. Warm-up requests are reported, with `counted: false`.
//! - [`Observer::dyno_changed`]: each lifecycle step of a formation dyno (see [`DynoChange`]).
//!   One-off dynos (`run` operations) are not reported.

use std::net::IpAddr;

use crate::engine::SimTime;
use crate::model::codes::ErrorCode;
use crate::model::dyno::DynoState;

/// A dyno as an observer sees it: enough to name it (`web.3` of app `api`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DynoRef {
    /// The dyno's id in the run (unique; a restarted dyno gets a new id, same number).
    pub id: u32,
    /// Index of its app in the scenario.
    pub app: u32,
    /// Index of its process type in the app.
    pub process: u32,
    /// Its number within the process type.
    pub number: u32,
}

/// A request that ended.
#[derive(Copy, Clone, Debug)]
pub struct RequestEnd {
    /// When it reached the router.
    pub arrival: SimTime,
    /// When the client got the answer.
    pub ended: SimTime,
    /// Index of its app in the scenario.
    pub app: u32,
    /// Index of its traffic class within the app.
    pub class_in_app: u32,
    /// The dyno the router sent it to, if it reached one.
    pub dyno: Option<DynoRef>,
    /// Ok, or why it failed.
    pub outcome: Result<(), ErrorCode>,
    /// The client's address, when the model drew one (trusted IP ranges that admit some of the
    /// class's clients and not others); None otherwise.
    pub client: Option<IpAddr>,
    /// Arrived after the warm-up (counts in statistics).
    pub counted: bool,
    /// 0 for a first attempt, n for the client's n-th retry.
    pub attempt: u32,
}

/// A step in a dyno's life, reported when it happens.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DynoChange {
    /// A new dedicated instance is being provisioned for it (a Private Space scale-up, deploy
    /// or type change); it starts once provisioned.
    Provisioning,
    /// The process starts (boots) — from `provisioning` (a new dyno, or a restart's
    /// replacement, which the model creates in `provisioning` and boots at once) or `crashed`
    /// (a crash restart).
    Starting {
        /// The state it leaves.
        from: DynoState,
    },
    /// It bound its port. `from` is `provisioning` for the dynos a run starts with, already up
    /// at time zero.
    Up {
        /// The state it leaves.
        from: DynoState,
    },
    /// SIGTERM: it leaves the formation (scale-down, restart, deploy, destroy).
    Sigterm,
    /// The shutdown grace ran out: SIGKILL (R12).
    ExitTimeout,
    /// A web dyno did not bind its port within the boot timeout (R10); a crash follows.
    BootTimeout,
    /// It crashed (after R10, or by a `crash` operation).
    Crashed {
        /// The state it leaves.
        from: DynoState,
    },
    /// Daily cycling: a restart follows.
    Cycling,
    /// Its process is gone for good.
    Down {
        /// The state it leaves.
        from: DynoState,
    },
}

/// Receives what happens in a run, in simulated-time order.
pub trait Observer {
    /// A request ended (its client got an answer, or its TLS handshake failed).
    fn request_ended(&mut self, end: &RequestEnd);
    /// A dyno changed state at `at`.
    fn dyno_changed(&mut self, at: SimTime, dyno: DynoRef, change: DynoChange);
}
