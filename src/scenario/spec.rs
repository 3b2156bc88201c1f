//! The typed scenario: every value parsed, defaulted and cross-checked.
//!
//! Built from [`super::raw`] by [`mod@super::load`]. The model takes these types as its input.
//! Defaults, with their sources (heroku-facts.md sections, or marked as assumptions):
//!
//! | setting | default | source |
//! |---|---|---|
//! | `seed` | 1 | spacesim |
//! | `warmup` | `0s` | spacesim |
//! | `downtime_threshold` | 50% | assumption: a second is "down" when most requests failed |
//! | `router.policy` | `random` | facts §1.1: the router picks a random up web dyno |
//! | `router.timeout` | `30s` | facts §1.3: H12 after 30 s without response bytes |
//! | `space.runtime` | `private` | spacesim models Private Spaces first |
//! | `space.region` | `virginia` | private-spaces.txt: `spaces:create` without `--region` |
//! | `space.shield` | false | spacesim |
//! | `space.cidr` | `10.0.0.0/16` | facts §5 (Platform API schema) |
//! | `space.data_cidr` | none | facts §5 |
//! | `space.trusted_ips` | `["0.0.0.0/0"]` | private-spaces.txt, "Trusted IP ranges" |
//! | `space.outbound_ips` | four documentation addresses | assumption: the article's example (`space::DEFAULT_OUTBOUND_IPS`) |
//! | `space.allocation` (with `create`) | `10m` | private-spaces.txt: "created within ten minutes" |
//! | `space.trusted_ips_propagation` | `1m` | assumption: "a few moments" |
//! | `space.one_off_provisioning` | `3m` | assumption: "a few minutes" |
//! | `space.limits` | 25 apps, 100 process types, 10 dynos per process type, 100 per space, 100 per app, 20 trusted ranges, 5 one-off dynos | private-spaces.txt, "Default limits"; facts §4.2 |
//! | `external.latency` | `20ms` | assumption (`space::DEFAULT_EXTERNAL_LATENCY`) |
//! | `traffic.clients` | `["0.0.0.0/0"]` | spacesim: the whole internet |
//! | `traffic.https`, `traffic.sni` | true | spacesim |
//! | `traffic.domain` | `custom` | spacesim |
//! | `processes.dyno_type` | `private-m` (`shield-m` with shield, `standard-1x` in common) | assumption |
//! | `processes.concurrency` | the dyno type's default | facts §4.1 (Python `WEB_CONCURRENCY`) |
//! | `processes.backlog` | 1024 | assumption: Puma's default listen backlog |
//! | `processes.speed` | `[speeds]` of its type, else 1.0 | assumption: service times are as measured on the simulated type |
//! | `simulator.max_in_flight` | 1,000,000 | simulator limit: bounds memory to ~100 MB |
//! | `simulator.max_events` | 1,000,000,000 | simulator limit: a 24 h run at 2,000 requests/s fits |
//! | `simulator.wall_budget` | none | spacesim |

use std::collections::BTreeMap;
use std::path::PathBuf;

use time::OffsetDateTime;

use crate::engine::SimDuration;
use crate::model::arrival::ArrivalProcess;
use crate::model::dyno_type::DynoType;
use crate::model::service::ServiceDist;

pub use super::ops::*;

/// Default root seed.
pub const DEFAULT_SEED: u64 = 1;
/// Default share of failed requests above which a second counts as down (assumption).
pub const DEFAULT_DOWNTIME_THRESHOLD: f64 = 0.5;
/// Router timeout: facts §1.3 (REQ-TIMEOUT: 30 s to the first response byte, then H12).
pub const DEFAULT_ROUTER_TIMEOUT: SimDuration = SimDuration::from_secs(30);
/// Listen backlog per dyno (assumption: Puma's default backlog of 1024).
pub const DEFAULT_BACKLOG: u32 = 1024;
/// Requests in flight across a run before arrivals are refused with H11 (simulator limit).
pub const DEFAULT_MAX_IN_FLIGHT: u64 = 1_000_000;
/// Events a run may simulate before it is refused (simulator limit): admits a 24-hour run at
/// 2,000 requests/s (173 M requests, about 520 M events) and refuses what would take hours.
pub const DEFAULT_MAX_EVENTS: u64 = 1_000_000_000;
/// The region a space gets when none is named (private-spaces.txt, `spaces:create` example).
pub const DEFAULT_REGION: &str = "virginia";
/// Private Space regions, facts §5 (Dev Center "Regions", Dec 2024).
pub const REGIONS: [&str; 10] = [
    "dublin",
    "frankfurt",
    "london",
    "montreal",
    "mumbai",
    "oregon",
    "singapore",
    "sydney",
    "tokyo",
    "virginia",
];

/// A validated scenario.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Name, from the file or its stem.
    pub name: String,
    /// Root random seed.
    pub seed: u64,
    /// Simulated time to run.
    pub duration: SimDuration,
    /// Requests arriving before this are left out of statistics.
    pub warmup: SimDuration,
    /// Clock time of the run's start, if given.
    pub start: Option<OffsetDateTime>,
    /// Share of failed requests above which a second counts as downtime.
    pub downtime_threshold: f64,
    /// Router settings.
    pub router: RouterConfig,
    /// The space.
    pub space: SpaceConfig,
    /// Simulator limits.
    pub simulator: SimulatorConfig,
    /// Platform behaviour and assumptions.
    pub platform: PlatformConfig,
    /// Apps, in file order.
    pub apps: Vec<AppSpec>,
    /// Operations, in time order (ties in file order).
    pub timeline: Vec<Operation>,
    /// Price per dyno-hour by dyno type name, when the scenario gives prices.
    pub prices: BTreeMap<String, f64>,
    /// Service-time divisor by dyno type name (types not listed: 1.0).
    pub speeds: BTreeMap<String, f64>,
    /// Assertions for `spacesim check`.
    pub expect: Vec<super::expect::Expectation>,
    /// `[[external]]`: services outside the space that apps call.
    pub externals: Vec<super::space::External>,
    /// Platform rules the scenario breaks, found while reading it (see [`crate::lint`]).
    pub findings: Vec<super::space::Finding>,
    /// `[sweep]`: what `spacesim sweep` varies; other commands run the scenario as written.
    pub sweep: Option<super::sweep::SweepSpec>,
    /// `[report]`: extra outputs of `spacesim run`.
    pub report: ReportConfig,
    /// Where the scenario came from.
    pub source: Source,
}

/// Extra outputs of `spacesim run` (`[report]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportConfig {
    /// Draw `timeline.png` and `latency.png` (default true).
    pub plots: bool,
    /// Write the router log to this file name inside the output directory.
    pub router_log: Option<String>,
}

/// Provenance of a scenario.
#[derive(Clone, Debug)]
pub struct Source {
    /// The file, if read from one.
    pub path: Option<PathBuf>,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Values overridden on the command line, as `path=value`, in order.
    pub overrides: Vec<String>,
}

/// How the router picks a dyno.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum RoutingPolicy {
    /// Uniformly random over up web dynos: what the platform does (facts §1.1).
    Random,
    /// Each up dyno in turn (what-if).
    RoundRobin,
    /// The up dyno with the fewest open requests; ties go to a random one (what-if).
    LeastConnections,
    /// The one of two distinct random up dynos with fewer open requests (what-if).
    PowerOfTwo,
}

impl RoutingPolicy {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            RoutingPolicy::Random => "random",
            RoutingPolicy::RoundRobin => "round_robin",
            RoutingPolicy::LeastConnections => "least_connections",
            RoutingPolicy::PowerOfTwo => "power_of_two",
        }
    }
}

/// Router settings.
#[derive(Clone, Debug)]
pub struct RouterConfig {
    /// Dyno selection.
    pub policy: RoutingPolicy,
    /// H12 deadline from arrival.
    pub timeout: SimDuration,
}

/// Which runtime the apps run in.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Runtime {
    /// A Private Space (the default).
    Private,
    /// The Common Runtime.
    Common,
}

/// The space.
#[derive(Clone, Debug)]
pub struct SpaceConfig {
    /// Name, if given.
    pub name: Option<String>,
    /// Region.
    pub region: String,
    /// Runtime.
    pub runtime: Runtime,
    /// Network, members and limits.
    pub network: super::space::Network,
}

/// Limits that keep a run bounded.
#[derive(Clone, Debug)]
pub struct SimulatorConfig {
    /// Requests in flight across the run before arrivals fail with H11.
    pub max_in_flight: u64,
    /// Most events a run may simulate: a larger estimate is refused before the run starts, and
    /// a run that reaches it anyway stops with partial results.
    pub max_events: u64,
    /// Wall-clock time a run may take; it then stops with partial results. None: no budget.
    pub wall_budget: Option<std::time::Duration>,
    /// Check the run's invariants every simulated second and at the end (debug builds always
    /// do).
    pub check_invariants: bool,
}

/// One app.
#[derive(Clone, Debug)]
pub struct AppSpec {
    /// Name (letters, digits, `-`, `_`).
    pub name: String,
    /// Formation, in file order.
    pub processes: Vec<ProcessSpec>,
    /// Traffic classes, in file order.
    pub traffic: Vec<TrafficSpec>,
    /// Starts undeployed: serves nothing until its first deploy.
    pub new: bool,
    /// Common Runtime preboot for deploys.
    pub preboot: bool,
    /// Attached add-ons.
    pub addons: Vec<AddonSpec>,
    /// Background job kinds.
    pub jobs: Vec<JobSpec>,
    /// SSL is enabled for custom domains: HTTPS stops working on the default app domain.
    pub custom_domain_ssl: bool,
}

impl AppSpec {
    /// The `web` process, which receives HTTP traffic, if the app has one.
    pub fn web(&self) -> Option<&ProcessSpec> {
        self.processes.iter().find(|p| p.is_web())
    }
}

/// One process type of an app's formation.
#[derive(Clone, Debug)]
pub struct ProcessSpec {
    /// Process type name (`web`, `worker`, ...).
    pub kind: String,
    /// Dyno count.
    pub count: u32,
    /// Dyno type.
    pub dyno_type: &'static DynoType,
    /// Requests one dyno serves at once.
    pub concurrency: u32,
    /// Requests that may wait at one dyno beyond its concurrency.
    pub backlog: u32,
    /// Service times are divided by this.
    pub speed: f64,
    /// Boot time of one dyno (to binding its port).
    pub boot: ServiceDist,
    /// Autoscaling, for web processes.
    pub autoscale: Option<Autoscale>,
}

impl ProcessSpec {
    /// True for the process type that receives HTTP traffic.
    pub fn is_web(&self) -> bool {
        self.kind == "web"
    }
}

/// One traffic class.
#[derive(Clone, Debug)]
pub struct TrafficSpec {
    /// Class name.
    pub name: String,
    /// When requests arrive.
    pub arrival: ArrivalProcess,
    /// How long one takes to serve.
    pub service: ServiceDist,
    /// Client timeout and retries.
    pub client: Option<ClientSpec>,
    /// Add-ons (database, key-value store) its requests use.
    pub addons: Vec<AddonUse>,
    /// Jobs its successful requests enqueue.
    pub enqueue: Option<Enqueue>,
    /// Where its clients come from, how they connect, what each request calls.
    pub network: super::space::ClientNetwork,
    /// The HTTP request `spacesim load` sends for it (ignored by the simulation).
    pub http: super::http::HttpSpec,
}
