//! spacesim's integration tests: one binary, a module per behaviour.

mod capacity;
mod check;
mod cli;
mod operations;
mod queueing;
mod scenario_ops;
mod support;
mod sweep;
