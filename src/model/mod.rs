//! The domain model: traffic, router, dynos, simulated on the engine.
//!
//! The model knows nothing of files: it takes a typed [`crate::scenario::Scenario`] and streams
//! what happens to a [`crate::metrics::SeriesSink`].

pub mod arrival;
pub mod authority;
mod autoscale;
pub mod bounds;
pub mod capacity;
pub mod codes;
pub mod dyno;
pub mod dyno_type;
mod flow;
mod invariants;
mod jobs;
mod lifecycle;
pub mod network;
pub mod observe;
pub mod request;
pub mod results;
mod rollout;
pub mod router;
pub mod service;
pub mod sim;
mod space;
pub mod trace;
pub mod zero_downtime;
