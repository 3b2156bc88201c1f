//! The serde mirror of a scenario file: strings, options and units, no cross-field checks.
//!
//! Every table denies unknown keys. Sections later versions fill (`[[timeline]]`, `[sweep]`,
//! `[[expect]]`, `addons`) are reserved by name: they parse as raw TOML here and the builder
//! refuses them with a message saying so, rather than silently ignoring them.

use serde::Deserialize;
use toml::Spanned;

use super::traffic::{RawArrival, RawService};
use super::units::{DateTimeValue, Dur, Fraction};

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// Scenario name; defaults to the file's stem.
    pub name: Option<Spanned<String>>,
    /// Root random seed.
    pub seed: Option<u64>,
    /// How much simulated time to run.
    pub duration: Spanned<Dur>,
    /// Requests arriving before this are simulated but left out of statistics.
    pub warmup: Option<Spanned<Dur>>,
    /// Clock time of the run's start, for clock-time `at`s and diurnal peaks.
    pub start: Option<DateTimeValue>,
    /// Share of failed requests above which a second counts as downtime.
    pub downtime_threshold: Option<Fraction>,
    /// Router settings shared by every app's router.
    pub router: Option<RawRouter>,
    /// The space the apps run in.
    pub space: Option<RawSpace>,
    /// Limits that keep a run bounded.
    pub simulator: Option<RawSimulator>,
    /// The apps.
    #[serde(default)]
    pub apps: Vec<Spanned<RawApp>>,
    /// Reserved: operations on a timeline.
    pub timeline: Option<Spanned<toml::Value>>,
    /// Reserved: parameter sweeps.
    pub sweep: Option<Spanned<toml::Value>>,
    /// Reserved: assertions.
    pub expect: Option<Spanned<toml::Value>>,
}

/// `[router]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouter {
    /// How the router picks a dyno.
    pub policy: Option<RawPolicy>,
    /// Time after which a request without a response fails with H12.
    pub timeout: Option<Spanned<Dur>>,
}

/// Router policies as written in the file.
#[derive(Copy, Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawPolicy {
    /// Uniformly random over up web dynos (the platform's behaviour).
    Random,
    /// Each dyno in turn.
    RoundRobin,
    /// The dyno with the fewest open requests.
    LeastConnections,
    /// The less loaded of two random dynos.
    PowerOfTwo,
}

/// `[space]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpace {
    /// The space's name.
    pub name: Option<String>,
    /// One of the Private Space regions.
    pub region: Option<Spanned<String>>,
    /// `private` (default) or `common`.
    pub runtime: Option<RawRuntime>,
}

/// Runtimes as written in the file.
#[derive(Copy, Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawRuntime {
    /// A Private Space.
    Private,
    /// The Common Runtime.
    Common,
}

/// `[simulator]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulator {
    /// Most requests in flight at once across the run.
    pub max_in_flight: Option<Spanned<u64>>,
}

/// One `[[apps]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApp {
    /// App name.
    pub name: Spanned<String>,
    /// Formation.
    #[serde(default)]
    pub processes: Vec<Spanned<RawProcess>>,
    /// Traffic classes sent to the app's web processes.
    #[serde(default)]
    pub traffic: Vec<Spanned<RawTraffic>>,
    /// Reserved: add-ons.
    pub addons: Option<Spanned<toml::Value>>,
}

/// One `[[apps.processes]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProcess {
    /// Process type; `web` receives HTTP traffic.
    #[serde(rename = "type")]
    pub kind: Spanned<String>,
    /// Number of dynos.
    pub count: Spanned<u32>,
    /// Dyno type name.
    pub dyno_type: Option<Spanned<String>>,
    /// Requests one dyno serves at once.
    pub concurrency: Option<Spanned<u32>>,
    /// Requests that may wait at one dyno beyond its concurrency.
    pub backlog: Option<Spanned<u32>>,
    /// Service-time divisor for this type (assumption; default 1.0).
    pub speed: Option<Spanned<f64>>,
}

/// One `[[apps.traffic]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    /// Class name.
    pub name: Spanned<String>,
    /// When requests arrive.
    pub arrival: Spanned<RawArrival>,
    /// How long a dyno takes to serve one.
    pub service: Spanned<RawService>,
}
