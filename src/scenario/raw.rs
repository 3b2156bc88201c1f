//! The serde mirror of a scenario file: strings, options and units, no cross-field checks.
//!
//! Every table denies unknown keys. Sections this version does not
//! simulate yet would be reserved by name: parsed as raw TOML and refused by the builder with a
//! message saying so, rather than silently ignored.
//!
//! Values a later rule needs to point at are `Spanned`, so the builder can name their line.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use toml::Spanned;

use super::ops::Hold;
use super::traffic::{RawArrival, RawService};
use super::units::{DateTimeValue, Dur, Fraction, parse_duration};

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
    /// `[[external]]`: services outside the space that apps call.
    #[serde(default)]
    pub external: Vec<Spanned<RawExternal>>,
    /// The add-on catalogue file to judge add-ons by, relative to the scenario's folder;
    /// default the built-in `data/addon-catalogue.toml`.
    pub addon_catalogue: Option<Spanned<String>>,
    /// Limits that keep a run bounded.
    pub simulator: Option<RawSimulator>,
    /// Platform behaviour and assumptions.
    pub platform: Option<RawPlatform>,
    /// `[prices]`: USD per dyno-hour by dyno type name, e.g. `"private-m" = 0.69`.
    pub prices: Option<BTreeMap<Spanned<String>, Spanned<f64>>>,
    /// `[speeds]`: service-time divisor by dyno type name, e.g. `"private-l" = 1.6`.
    pub speeds: Option<BTreeMap<Spanned<String>, Spanned<f64>>>,
    /// The apps.
    #[serde(default)]
    pub apps: Vec<Spanned<RawApp>>,
    /// Operations, in file order.
    #[serde(default)]
    pub timeline: Vec<Spanned<super::timeline::RawOp>>,
    /// Parameter grid and replications for `spacesim sweep`.
    pub sweep: Option<Spanned<super::sweep::RawSweep>>,
    /// Assertions checked by `spacesim check`.
    #[serde(default)]
    pub expect: Vec<Spanned<super::expect::RawExpect>>,
    /// `[report]`: which extra outputs `spacesim run` writes.
    pub report: Option<RawReport>,
}

/// `[report]`: extra outputs of `spacesim run`, the same as its `--no-plots` and
/// `--router-log` options (which win when given).
///
/// ```toml
/// [report]
/// plots = false               # default true: timeline.png and latency.png
/// router_log = "router.log"   # default none; relative to the output directory
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReport {
    /// Draw `timeline.png` and `latency.png`.
    pub plots: Option<bool>,
    /// Write the router log to this file in the output directory.
    pub router_log: Option<Spanned<String>>,
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

/// `[space]`: every key optional; defaults in [`super::space`], which lists each one's source.
///
/// ```toml
/// [space]
/// name = "acme-prod"
/// team = "acme"
/// region = "virginia"                     # one of spec::REGIONS
/// runtime = "private"                     # private | common
/// shield = false                          # a Shield Private Space
/// cidr = "10.0.0.0/16"                    # the dyno VPC: an RFC 1918 /16
/// data_cidr = "172.23.0.0/20"             # the data VPC: RFC 1918, /16 to /20
/// trusted_ips = ["0.0.0.0/0"]             # [] blocks all inbound web traffic
/// data_trusted_ips = []                   # trusted ranges for data services (beta)
/// outbound_ips = ["192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"]
/// create = false                          # the scenario starts with `spaces:create`
/// allocation = "10m"                      # with create: time spent `allocating`
/// trusted_ips_propagation = "1m"
/// one_off_provisioning = "3m"
/// [space.limits]                          # raise any, as a support ticket would
/// apps = 25
/// [[space.members]]
/// name = "dev"
/// role = "member"                         # admin | member | viewer
/// create_apps = true                      # the "app creation" permission; default false
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpace {
    /// The space's name.
    pub name: Option<String>,
    /// One of the Private Space regions; an unknown one is a lint error, not a schema error.
    pub region: Option<Spanned<String>>,
    /// `private` (default) or `common`.
    pub runtime: Option<Spanned<RawRuntime>>,
    /// The team that owns the space.
    pub team: Option<String>,
    /// A Shield Private Space.
    pub shield: Option<Spanned<bool>>,
    /// The dyno VPC range.
    pub cidr: Option<Spanned<String>>,
    /// The data VPC range.
    pub data_cidr: Option<Spanned<String>>,
    /// Trusted IP ranges for web processes.
    pub trusted_ips: Option<Spanned<Vec<Spanned<String>>>>,
    /// Trusted IP ranges for data services (beta).
    pub data_trusted_ips: Option<Spanned<Vec<Spanned<String>>>>,
    /// The space's stable outbound addresses.
    pub outbound_ips: Option<Spanned<Vec<Spanned<String>>>>,
    /// The scenario starts with the space's creation (`spaces:create`).
    pub create: Option<Spanned<bool>>,
    /// With `create`: how long the space is `allocating`.
    pub allocation: Option<Spanned<Dur>>,
    /// Delay before a trusted IP change takes effect.
    pub trusted_ips_propagation: Option<Spanned<Dur>>,
    /// Time to provision a one-off dyno.
    pub one_off_provisioning: Option<Spanned<Dur>>,
    /// Limits, as raised by a support ticket.
    pub limits: Option<Spanned<RawLimits>>,
    /// Team members who act in the timeline.
    #[serde(default)]
    pub members: Vec<Spanned<RawMember>>,
}

/// `[space.limits]`: each key replaces one default limit (`space::Limits`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    /// Apps per space.
    pub apps: Option<Spanned<u32>>,
    /// Process types per app.
    pub process_types: Option<Spanned<u32>>,
    /// Dynos per process type (Private/Shield/Performance types).
    pub dynos_per_process_type: Option<Spanned<u32>>,
    /// Dynos in the whole space.
    pub dynos_per_space: Option<Spanned<u32>>,
    /// Dynos per app.
    pub dynos_per_app: Option<Spanned<u32>>,
    /// Trusted IP ranges.
    pub trusted_ips: Option<Spanned<u32>>,
    /// Concurrent one-off dynos.
    pub one_off_dynos: Option<Spanned<u32>>,
}

/// One `[[space.members]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMember {
    /// Name, unique; what a timeline operation's `actor` names.
    pub name: Spanned<String>,
    /// `admin`, `member` or `viewer`.
    pub role: Spanned<String>,
    /// The "app creation" permission for this space; default false.
    pub create_apps: Option<bool>,
}

/// One `[[external]]` entry: a service outside the space that apps call.
///
/// ```toml
/// [[external]]
/// name = "payments"
/// allow = ["192.0.2.0/29"]   # source ranges it accepts; default: any source
/// latency = "20ms"           # round trip of one call; default space::DEFAULT_EXTERNAL_LATENCY
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExternal {
    /// Name, unique; what traffic classes' `calls` name.
    pub name: Spanned<String>,
    /// Source ranges (or addresses) it accepts.
    pub allow: Option<Spanned<Vec<Spanned<String>>>>,
    /// Round trip of one call.
    pub latency: Option<Spanned<Dur>>,
}

/// `domain = "custom" | "default"` of a traffic class.
#[derive(Copy, Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawDomain {
    /// The app's custom domain.
    Custom,
    /// The default app domain, `<app>.herokuapp.com`.
    Default,
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
    /// Most events a run may simulate (refused up front when the estimate is larger).
    pub max_events: Option<Spanned<u64>>,
    /// Wall-clock time a run may take before it stops with partial results.
    pub wall_budget: Option<Spanned<Dur>>,
    /// Check the run's invariants every simulated second (always on in debug builds).
    pub check_invariants: Option<bool>,
}

/// One `[[apps]]` entry:
///
/// ```toml
/// [[apps]]
/// name = "api"
/// new = true        # default false: undeployed until its first deploy
/// preboot = true    # default false; Common Runtime only (Private Spaces use rolling deploys)
/// custom_domain_ssl = true   # default false: HTTPS then fails on the default app domain
/// ```
///
/// with `[[apps.processes]]`, `[[apps.traffic]]`, `[[apps.addons]]` and `[[apps.jobs]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawApp {
    /// App name.
    pub name: Spanned<String>,
    /// Formation.
    #[serde(default)]
    pub processes: Vec<Spanned<RawProcess>>,
    /// Starts undeployed: serves nothing until its first deploy; default false.
    pub new: Option<bool>,
    /// Common Runtime preboot for deploys; default false; refused in a Private Space.
    pub preboot: Option<Spanned<bool>>,
    /// Traffic classes sent to the app's web processes.
    #[serde(default)]
    pub traffic: Vec<Spanned<RawTraffic>>,
    /// Attached add-ons.
    #[serde(default)]
    pub addons: Vec<Spanned<super::addons::RawAddon>>,
    /// Background job kinds.
    #[serde(default)]
    pub jobs: Vec<Spanned<RawJob>>,
    /// SSL is enabled for custom domains: HTTPS stops working on the default app domain;
    /// default false.
    pub custom_domain_ssl: Option<bool>,
}

/// One `[[apps.processes]]` entry:
///
/// ```toml
/// [[apps.processes]]
/// type = "web"
/// count = 4
/// dyno_type = "private-m"
/// concurrency = 5
/// backlog = 1024
/// speed = 1.0
/// boot = { dist = "uniform", min = "5s", max = "15s" }   # default ops::DEFAULT_BOOT
/// autoscale = { min = 2, max = 8, p95 = "500ms" }         # web only; min <= count <= max
/// ```
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
    /// Boot time of one dyno, any service-distribution form; default `ops::DEFAULT_BOOT`.
    pub boot: Option<Spanned<RawService>>,
    /// Autoscaling, web processes of dedicated dyno types only.
    pub autoscale: Option<Spanned<RawAutoscale>>,
}

/// `autoscale = { min = 2, max = 8, p95 = "500ms" }` on a web process (facts §3.3).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAutoscale {
    /// Fewest dynos, 1 or more.
    pub min: Spanned<u32>,
    /// Most dynos, at least `min`.
    pub max: Spanned<u32>,
    /// Desired p95 response time, more than 0.
    pub p95: Spanned<Dur>,
}

/// One `[[apps.traffic]]` entry:
///
/// ```toml
/// [[apps.traffic]]
/// name = "checkout"
/// arrival = { process = "poisson", rate = "20/s" }
/// service = { dist = "lognormal", median = "80ms", p99 = "900ms" }
/// client = { timeout = "10s", retries = 2, backoff = "500ms" }   # all optional inside
/// addons = [{ addon = "DATABASE", hold = "60%" }]                # hold default "100%"
/// enqueue = { job = "email", per_request = 0.3 }
/// clients = ["203.0.113.0/24"]   # source ranges of its clients; default ["0.0.0.0/0"]
/// https = true                   # default true
/// sni = true                     # clients send TLS SNI; default true
/// domain = "custom"              # custom (default) | default (<app>.herokuapp.com)
/// calls = ["payments"]           # [[external]] services each request calls
/// method = "POST"                # `spacesim load` only, ignored by the simulation:
/// path = "/checkout"             #   the HTTP request each arrival sends (scenario/http.rs)
/// headers = { "content-type" = "application/json" }
/// body = '{"sku": 1}'
/// keep_alive = true
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraffic {
    /// Class name.
    pub name: Spanned<String>,
    /// When requests arrive.
    pub arrival: Spanned<RawArrival>,
    /// How long a dyno takes to serve one.
    pub service: Spanned<RawService>,
    /// What clients do on failure and slowness; none by default (clients wait forever and
    /// never retry).
    pub client: Option<Spanned<RawClient>>,
    /// Add-ons each request uses.
    #[serde(default)]
    pub addons: Vec<Spanned<super::addons::RawAddonUse>>,
    /// Jobs each successful request enqueues.
    pub enqueue: Option<Spanned<RawEnqueue>>,
    /// Source ranges of its clients.
    pub clients: Option<Spanned<Vec<Spanned<String>>>>,
    /// Requests use HTTPS.
    pub https: Option<bool>,
    /// Clients send the TLS SNI extension.
    pub sni: Option<bool>,
    /// Which host clients use.
    pub domain: Option<RawDomain>,
    /// `[[external]]` services each request calls, by name.
    pub calls: Option<Vec<Spanned<String>>>,
    /// HTTP method `spacesim load` sends; default GET.
    pub method: Option<Spanned<String>>,
    /// Request path (and query) `spacesim load` sends; default `/`.
    pub path: Option<Spanned<String>>,
    /// Request headers `spacesim load` sends, by name.
    pub headers: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    /// Request body `spacesim load` sends; default none.
    pub body: Option<Spanned<String>>,
    /// Whether `spacesim load` reuses connections; default true.
    pub keep_alive: Option<bool>,
}

/// `client = { timeout = "10s", retries = 2, backoff = "500ms" }`, every key optional.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClient {
    /// The client gives up after this (H27/499); default none.
    pub timeout: Option<Spanned<Dur>>,
    /// Retries after a failure or give-up; default 0.
    pub retries: Option<u32>,
    /// First retry delay, doubled for each further retry; default `"1s"` (assumption).
    pub backoff: Option<Dur>,
}

/// `enqueue = { job = "email", per_request = 0.3 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEnqueue {
    /// A job of the same app.
    pub job: Spanned<String>,
    /// Jobs per successful request, more than 0 (a fraction is a probability).
    pub per_request: Spanned<f64>,
}

/// `hold = …`: a share of the service time (`"60%"`, `"0.6"`, `0.6`) or a fixed duration
/// (`"20ms"`).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct RawHold(pub Hold);

const HOLD_HELP: &str = "expected a share of the service time such as \"60%\" or 0.6, or a \
     duration such as \"20ms\"";

impl<'de> Deserialize<'de> for RawHold {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawHold;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(HOLD_HELP)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawHold, E> {
                let s = v.trim();
                let share = match s.strip_suffix('%') {
                    Some(p) => p.trim().parse::<f64>().ok().map(|p| p / 100.0),
                    None => s.parse::<f64>().ok(),
                };
                match share {
                    Some(share) => self.visit_f64(share).map_err(|_: E| {
                        E::custom(format!(
                            "hold \"{v}\" is not between 0% and 100% of the service time; \
                             {HOLD_HELP}"
                        ))
                    }),
                    None => parse_duration(s)
                        .map(|d| RawHold(Hold::Fixed(d)))
                        .map_err(|_| {
                            E::custom(format!("cannot read \"{v}\" as a hold; {HOLD_HELP}"))
                        }),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<RawHold, E> {
                if (0.0..=1.0).contains(&v) {
                    Ok(RawHold(Hold::Share(v)))
                } else {
                    Err(E::custom(format!(
                        "hold {v} is not between 0 and 1 (a share of the service time); \
                         {HOLD_HELP}"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawHold, E> {
                self.visit_f64(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawHold, E> {
                self.visit_f64(v as f64)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// One `[[apps.jobs]]` entry:
///
/// ```toml
/// [[apps.jobs]]
/// name = "email"
/// process = "worker"                                # a non-web process type of the app
/// arrival = { process = "poisson", rate = "2/s" }   # optional: jobs arriving on their own
/// service = { dist = "exponential", mean = "2s" }   # work time of one job
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawJob {
    /// Job name.
    pub name: Spanned<String>,
    /// The process type that works the queue.
    pub process: Spanned<String>,
    /// Jobs arriving on their own, besides those requests enqueue.
    pub arrival: Option<Spanned<RawArrival>>,
    /// Work time of one job.
    pub service: Spanned<RawService>,
}

/// `[platform]`: every key optional; defaults in `PlatformConfig::defaults` (ops.rs), which
/// lists each one's source.
///
/// ```toml
/// [platform]
/// provision = { dist = "uniform", min = "30s", max = "90s" }  # any service form
/// boot_timeout = "60s"                     # more than 0
/// shutdown_grace = "30s"
/// first_deploy_setup = "5m"
/// type_change_gap = "20s"
/// rolling_batch = "25%"                    # more than 0
/// cycling = false
/// hold_timeout = "75s"
/// router_cap_per_dyno = 200                # 1 or more
/// quarantine = "5s"
/// max_attempts = 10                        # 1 or more
/// preboot_extra = "2m"
/// zero_downtime_max_utilisation = "80%"    # more than 0
/// crash_backoff = ["0s", "20m", "40m"]     # at least one
/// failover = "2m"                          # more than 0
/// maintenance = "1m"                       # more than 0
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlatform {
    /// Time to provision a new dedicated instance.
    pub provision: Option<Spanned<RawService>>,
    /// R10 deadline.
    pub boot_timeout: Option<Spanned<Dur>>,
    /// SIGTERM to SIGKILL.
    pub shutdown_grace: Option<Dur>,
    /// Extra time of an app's first deploy.
    pub first_deploy_setup: Option<Dur>,
    /// Gap of a dyno-type change.
    pub type_change_gap: Option<Dur>,
    /// Share of dynos replaced at a time in a rolling deploy.
    pub rolling_batch: Option<Spanned<Fraction>>,
    /// Daily dyno cycling.
    pub cycling: Option<bool>,
    /// Common Runtime router hold while the app boots.
    pub hold_timeout: Option<Dur>,
    /// Common Runtime requests in flight per web dyno before H11.
    pub router_cap_per_dyno: Option<Spanned<u32>>,
    /// Common Runtime quarantine of a refusing dyno.
    pub quarantine: Option<Dur>,
    /// Common Runtime most dynos tried for one request.
    pub max_attempts: Option<Spanned<u32>>,
    /// Common Runtime preboot switch after the boot timeout.
    pub preboot_extra: Option<Dur>,
    /// The zero-downtime checker's headroom rule.
    pub zero_downtime_max_utilisation: Option<Spanned<Fraction>>,
    /// Crash cool-offs.
    pub crash_backoff: Option<Spanned<Vec<Dur>>>,
    /// Default unavailability of a Postgres failover.
    pub failover: Option<Spanned<Dur>>,
    /// Default unavailability of add-on maintenance.
    pub maintenance: Option<Spanned<Dur>>,
}
