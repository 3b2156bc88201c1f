//! Helpers the test modules share.

use std::path::Path;

use serde_json::Value;
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

/// The value at a dotted path (`operations.deploy-1.end_s`); panics naming the path if absent.
pub fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    let mut cur = v;
    for key in path.split('.') {
        cur = match cur {
            Value::Object(m) => m.get(key),
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
        .unwrap_or_else(|| panic!("no `{path}` in summary (stopped at `{key}`)"));
    }
    cur
}

pub fn u(v: &Value, path: &str) -> u64 {
    at(v, path)
        .as_u64()
        .unwrap_or_else(|| panic!("`{path}` is not an integer: {}", at(v, path)))
}

pub fn f(v: &Value, path: &str) -> f64 {
    at(v, path)
        .as_f64()
        .unwrap_or_else(|| panic!("`{path}` is not a number: {}", at(v, path)))
}

pub fn b(v: &Value, path: &str) -> bool {
    at(v, path)
        .as_bool()
        .unwrap_or_else(|| panic!("`{path}` is not a boolean: {}", at(v, path)))
}

/// Sends signal `sig` (`-INT`, `-KILL`) to `child` with kill(1).
pub fn signal(child: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} failed");
}
