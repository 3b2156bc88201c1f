//! spacesim's integration tests: one binary, a module per behaviour.

mod addon_catalogue;
mod capacity;
mod check;
mod cli;
mod fit;
mod lint;
mod load;
mod load_server;
mod operations;
mod plot;
mod queueing;
mod router_log;
mod scenario_ops;
mod space;
mod support;
mod sweep;
