//! Helpers the test modules share.

use std::path::Path;

use spacesim::metrics::NullSink;
use spacesim::model::sim::{self, RunOutput};
use spacesim::scenario::{self, Scenario};

/// A scenario from TOML text (relative paths resolve against the current folder); panics with
/// the message and the text when it is invalid.
pub fn scenario(text: &str) -> Scenario {
    scenario::parse(text, "t.toml", Path::new("."), None)
        .unwrap_or_else(|e| panic!("invalid test scenario: {e}\n---\n{text}"))
}

/// Runs a scenario, keeping no time series.
pub fn run(s: &Scenario) -> RunOutput {
    sim::run(s, &mut NullSink).expect("run")
}
