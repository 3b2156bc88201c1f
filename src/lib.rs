//! spacesim: a deterministic discrete-event simulator of a Heroku-style Private Space.
//!
//! The crate is a pipeline: [`scenario`] reads and validates a scenario file into typed values;
//! [`engine`] provides simulated time, the event queue and random streams; [`model`] simulates
//! the router, dynos and traffic on the engine; [`metrics`] records what happened; [`report`]
//! turns it into the summary, CSV and histogram files; [`sweep`] and [`check`] run many
//! simulations (sweeps, capacity search, CI assertions); [`cli`] is the command-line edge.
#![warn(missing_docs)]

pub mod check;
pub mod cli;
pub mod engine;
pub mod fit;
pub mod lint;
pub mod load;
pub mod metrics;
pub mod model;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod sweep;
