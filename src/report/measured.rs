//! `measured` in `summary.json`: what only a measured run (`spacesim load`) has — the HTTP
//! statuses and transport errors that take the place of router codes, and how well the load
//! generator kept its schedule. A simulated run has no `measured` key.

use std::collections::BTreeMap;

use serde::Serialize;

/// The `measured` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Measured {
    /// `open` (requests sent at their scheduled times) or `closed` (virtual users).
    pub mode: String,
    /// The URL requests were sent to.
    pub target: String,
    /// Virtual users of a closed-loop run; null when open.
    pub users: Option<u64>,
    /// Per-request timeout, ms.
    pub timeout_ms: f64,
    /// Responses after the warm-up by HTTP status code (`"200"`, `"503"`); a status of 400 or
    /// more counts as failed.
    pub http: BTreeMap<String, u64>,
    /// Requests after the warm-up that got no response, by cause.
    pub transport: TransportErrors,
    /// How well the generator kept its schedule, over the whole run (warm-up included).
    pub generator: Generator,
}

/// Requests that got no HTTP response, by cause; each counts as failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TransportErrors {
    /// No complete response within the timeout.
    pub timeout: u64,
    /// The connection was refused (nothing listening).
    pub refused: u64,
    /// The connection was reset or closed before a complete response.
    pub reset: u64,
    /// Any other I/O or protocol error.
    pub io: u64,
}

/// The load generator's own record: coordinated omission is avoided by measuring from the
/// scheduled time, and this block says how far the sends themselves strayed from it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Generator {
    /// Requests the schedule asked for.
    pub scheduled: u64,
    /// Requests actually sent.
    pub sent: u64,
    /// Of `sent`, those sent more than `late_threshold_ms` after their scheduled time.
    pub late: u64,
    /// Scheduled requests never sent because `max_outstanding` requests were already waiting
    /// (or the run's time bound passed); counted as failed (`transport.io` is not used for them).
    pub dropped: u64,
    /// The largest lag of a send behind its scheduled time, ms.
    pub max_lag_ms: f64,
    /// A send later than this is `late`, ms.
    pub late_threshold_ms: f64,
    /// Most requests the generator lets wait for an answer at once.
    pub max_outstanding: u64,
}
