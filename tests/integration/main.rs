//! spacesim's integration tests: one binary, a module per behaviour.

mod addon_catalogue;
mod bounds;
mod capacity;
mod check;
mod cli;
mod fit;
mod fuzz_regressions;
mod lint;
mod load;
mod load_server;
mod operations;
mod plot;
mod props;
mod queueing;
mod router_log;
mod scenario_ops;
mod space;
mod support;
mod sweep;
