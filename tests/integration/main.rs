//! spacesim's integration tests: one binary, a module per behaviour.

mod addon_catalogue;
mod capacity;
mod check;
mod cli;
mod lint;
mod operations;
mod queueing;
mod scenario_ops;
mod space;
mod support;
mod sweep;
