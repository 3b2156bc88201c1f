//! Typed operations, platform assumptions, add-ons, jobs and clients: what a scenario asks the
//! platform to do over time, and the numbers the platform does not publish.
//!
//! Built by the scenario loader from `[[timeline]]`, `[platform]`, `[[apps.addons]]`,
//! `[[apps.jobs]]`, `[prices]` and the per-process and per-class keys. Every default is listed
//! with its source in [`PlatformConfig`]'s documentation and in the README.

use crate::engine::SimDuration;
use crate::model::dyno_type::DynoType;
use crate::model::service::ServiceDist;
use crate::scenario::units::Rate;

/// Platform behaviour, with the documented numbers as defaults and every undocumented one a
/// named, configurable assumption.
///
/// | field | default | source |
/// |---|---|---|
/// | `provision` | Private: uniform 30–90 s; Common: 0 s | **assumption** (facts §3.2/§8: undocumented; dedicated instances "take longer") |
/// | `boot_timeout` | 60 s | facts §2 (R10) |
/// | `shutdown_grace` | 30 s | facts §2 (SHUTDOWN, R12) |
/// | `first_deploy_setup` | 5 min | **assumption** (facts §3.2: "can take several minutes") |
/// | `type_change_gap` | 20 s | **assumption** (facts §3.2: "a short downtime", duration not given) |
/// | `rolling_batch` | 25% | facts §3.2 (ROLLING) |
/// | `cycling` | off | facts §2 (24 h + U(0, 216 min)) |
/// | `hold_timeout` | 75 s | facts §1.2 (H20, Common Runtime) |
/// | `router_cap_per_dyno` | 200 | facts §1.1 (H11, Common Runtime) |
/// | `quarantine` | 5 s | facts §1.2 |
/// | `max_attempts` | 10 | facts §1.2 |
/// | `preboot_extra` | 2 min | facts §3.1 (switch at boot timeout + 2 min) |
/// | `zero_downtime_max_utilisation` | 80% | **assumption**: headroom rule of the checker |
/// | `crash_backoff` | 0, 20, 40, 60, 180, 320 min | facts §2 (Common Runtime; Private Spaces: none) |
/// | `failover` | 2 min | facts §6.1 (HA checks ~2 min) |
/// | `maintenance` | 1 min | **assumption** |
#[derive(Clone, Debug)]
pub struct PlatformConfig {
    /// Time to provision a new dedicated instance before it boots.
    pub provision: ServiceDist,
    /// A web dyno that has not bound its port by then crashes (R10).
    pub boot_timeout: SimDuration,
    /// SIGTERM to SIGKILL.
    pub shutdown_grace: SimDuration,
    /// Extra time of an app's first deploy into a space.
    pub first_deploy_setup: SimDuration,
    /// Time a type change leaves the process type without a routable dyno.
    pub type_change_gap: SimDuration,
    /// Share of each process type's dynos replaced at a time (rounded up).
    pub rolling_batch: f64,
    /// Daily dyno cycling on or off.
    pub cycling: bool,
    /// Common Runtime: how long the router holds a request waiting for a dyno.
    pub hold_timeout: SimDuration,
    /// Common Runtime: requests in flight per up web dyno before H11.
    pub router_cap_per_dyno: u32,
    /// Common Runtime: how long a refusing dyno is skipped.
    pub quarantine: SimDuration,
    /// Common Runtime: most dynos tried for one request.
    pub max_attempts: u32,
    /// Common Runtime preboot: traffic switches this long after the boot timeout.
    pub preboot_extra: SimDuration,
    /// The zero-downtime checker's headroom rule: remaining utilisation at most this.
    pub zero_downtime_max_utilisation: f64,
    /// Common Runtime crash cool-offs, the n-th crash waits up to the n-th (last repeats).
    pub crash_backoff: Vec<SimDuration>,
    /// Default unavailability of a Postgres failover.
    pub failover: SimDuration,
    /// Default unavailability of add-on maintenance.
    pub maintenance: SimDuration,
}

/// Boot time of a dyno when the scenario does not give one (**assumption**: the platform
/// bounds it by the boot timeout, 60 s, but publishes no typical value).
pub const DEFAULT_BOOT: SimDuration = SimDuration::from_secs(10);

impl PlatformConfig {
    /// The documented defaults and named assumptions for `runtime`.
    pub fn defaults(runtime: super::Runtime) -> PlatformConfig {
        let minutes = |m: u64| SimDuration::from_secs(m * 60);
        PlatformConfig {
            provision: match runtime {
                super::Runtime::Private => ServiceDist::Uniform {
                    min: SimDuration::from_secs(30),
                    max: SimDuration::from_secs(90),
                },
                super::Runtime::Common => ServiceDist::Constant(SimDuration::ZERO),
            },
            boot_timeout: SimDuration::from_secs(60),
            shutdown_grace: SimDuration::from_secs(30),
            first_deploy_setup: minutes(5),
            type_change_gap: SimDuration::from_secs(20),
            rolling_batch: 0.25,
            cycling: false,
            hold_timeout: SimDuration::from_secs(75),
            router_cap_per_dyno: 200,
            quarantine: SimDuration::from_secs(5),
            max_attempts: 10,
            preboot_extra: minutes(2),
            zero_downtime_max_utilisation: 0.8,
            crash_backoff: match runtime {
                super::Runtime::Private => vec![SimDuration::ZERO],
                super::Runtime::Common => [0, 20, 40, 60, 180, 320].map(minutes).to_vec(),
            },
            failover: minutes(2),
            maintenance: minutes(1),
        }
    }
}

/// An add-on attached to an app.
#[derive(Clone, Debug)]
pub struct AddonSpec {
    /// Attachment name, e.g. `DATABASE`.
    pub name: String,
    /// What it is.
    pub kind: AddonKind,
    /// Plan name, e.g. `private-2`.
    pub plan: String,
    /// Connection limit of the plan (facts §6).
    pub connections: u32,
    /// How long a request waits for a free connection before failing.
    pub pool_timeout: SimDuration,
    /// In the space, or outside it (over the public internet).
    pub placement: super::space::Placement,
}

/// Add-on kinds the model knows.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum AddonKind {
    /// Heroku Postgres.
    Postgres,
    /// Heroku Key-Value Store (Redis).
    Redis,
}

/// How long a request holds a database connection.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Hold {
    /// A share of its service time (0..=1).
    Share(f64),
    /// A fixed time (capped at the service time).
    Fixed(SimDuration),
}

/// A traffic class's use of an add-on.
#[derive(Clone, Debug)]
pub struct AddonUse {
    /// Index into the app's `addons`.
    pub addon: usize,
    /// How long the connection is held, from the start of service.
    pub hold: Hold,
}

/// What clients of a traffic class do.
#[derive(Clone, Debug)]
pub struct ClientSpec {
    /// The client gives up after this (H27, 499), if set.
    pub timeout: Option<SimDuration>,
    /// Retries after a failure or give-up.
    pub retries: u32,
    /// First retry delay; doubled for each further retry.
    pub backoff: SimDuration,
}

/// Jobs a traffic class enqueues.
#[derive(Clone, Debug)]
pub struct Enqueue {
    /// Index into the app's `jobs`.
    pub job: usize,
    /// Jobs per successful request (a fraction is a probability).
    pub per_request: f64,
}

/// A kind of background job, run by a worker process type from a Redis-backed queue.
#[derive(Clone, Debug)]
pub struct JobSpec {
    /// Job name.
    pub name: String,
    /// Index of the process type that works the queue.
    pub process: usize,
    /// Jobs arriving on their own (besides those web requests enqueue).
    pub arrival: Option<crate::model::arrival::ArrivalProcess>,
    /// Work time of one job.
    pub service: ServiceDist,
}

/// Autoscaling of a web process type (facts §3.3).
#[derive(Clone, Debug)]
pub struct Autoscale {
    /// Fewest dynos.
    pub min: u32,
    /// Most dynos.
    pub max: u32,
    /// Desired p95 response time.
    pub p95: SimDuration,
}

/// A database schema change shipped with a deploy.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SchemaChange {
    /// Old and new code both work with the new schema (default).
    Compatible,
    /// Old code fails against the new schema.
    Incompatible,
}

/// One timeline entry.
#[derive(Clone, Debug)]
pub struct Operation {
    /// Name, from the file or `<action>-<n>` (n counts entries of that action from 1).
    pub name: String,
    /// When it starts, from the run's start.
    pub at: SimDuration,
    /// What it does.
    pub kind: OpKind,
    /// Who does it: an index into the space's members; None for an unnamed administrator.
    pub actor: Option<usize>,
    /// Line of the entry in the scenario file.
    pub line: usize,
}

/// What an operation does. Indices refer to the scenario's apps and each app's processes,
/// traffic classes and add-ons.
#[derive(Clone, Debug)]
pub enum OpKind {
    /// A new release rolled out (a `config_change` is a deploy with `build = false`).
    Deploy {
        /// App.
        app: usize,
        /// False for a config change (a release without a build).
        build: bool,
        /// Release phase before the rollout, if any.
        release_phase: Option<SimDuration>,
        /// The release phase fails: the deploy is aborted.
        release_fails: bool,
        /// Schema change shipped with the release.
        schema: SchemaChange,
    },
    /// Set a process type's dyno count.
    Scale {
        /// App.
        app: usize,
        /// Process type.
        process: usize,
        /// New count.
        count: u32,
    },
    /// Replace all dynos of a process type with another type.
    ChangeType {
        /// App.
        app: usize,
        /// Process type.
        process: usize,
        /// New dyno type.
        to: &'static DynoType,
        /// New concurrency (default: the new type's).
        concurrency: Option<u32>,
    },
    /// Restart dynos: all of the app, one process type, or one dyno.
    Restart {
        /// App.
        app: usize,
        /// Process type, or all.
        process: Option<usize>,
        /// Dyno number within the process type (`web.2` is 2), or all.
        dyno: Option<u32>,
    },
    /// A dyno crashes.
    Crash {
        /// App.
        app: usize,
        /// Process type.
        process: usize,
        /// Dyno number, or a random one.
        dyno: Option<u32>,
    },
    /// Change a traffic class's arrival rate (Poisson at `rate`), for `duration` or for good.
    Traffic {
        /// App.
        app: usize,
        /// Traffic class.
        class: usize,
        /// New rate.
        rate: Rate,
        /// How long until the class returns to its own arrival process.
        duration: Option<SimDuration>,
    },
    /// A Postgres HA failover: the add-on is unavailable for `duration`.
    Failover {
        /// App.
        app: usize,
        /// Add-on.
        addon: usize,
        /// Unavailability.
        duration: SimDuration,
    },
    /// Add-on maintenance: unavailable for `duration`.
    Maintenance {
        /// App.
        app: usize,
        /// Add-on.
        addon: usize,
        /// Unavailability.
        duration: SimDuration,
    },
    /// Create an app in the space (declared `new`: it does not exist before).
    CreateApp {
        /// App.
        app: usize,
    },
    /// Destroy an app: its dynos stop and it serves nothing after.
    DestroyApp {
        /// App.
        app: usize,
    },
    /// Destroy the space (refused while it holds apps).
    DestroySpace,
    /// Replace the space's trusted IP ranges; takes effect after the propagation delay.
    TrustedIps {
        /// The new ranges (empty blocks all inbound web traffic).
        ranges: Vec<ipnet::IpNet>,
    },
    /// Move the space to another region: always refused.
    ChangeRegion {
        /// The region asked for.
        region: String,
    },
    /// A one-off dyno (`heroku run`).
    Run {
        /// App.
        app: usize,
        /// The process type whose dyno type it uses.
        process: usize,
        /// How long its command runs once the dyno is up.
        duration: SimDuration,
    },
}

impl OpKind {
    /// The action's name as written in scenario files.
    pub fn action(&self) -> &'static str {
        match self {
            OpKind::Deploy { build: true, .. } => "deploy",
            OpKind::Deploy { build: false, .. } => "config_change",
            OpKind::Scale { .. } => "scale",
            OpKind::ChangeType { .. } => "change_type",
            OpKind::Restart { .. } => "restart",
            OpKind::Crash { .. } => "crash",
            OpKind::Traffic { .. } => "traffic",
            OpKind::Failover { .. } => "failover",
            OpKind::Maintenance { .. } => "maintenance",
            OpKind::CreateApp { .. } => "create_app",
            OpKind::DestroyApp { .. } => "destroy_app",
            OpKind::DestroySpace => "destroy_space",
            OpKind::TrustedIps { .. } => "trusted_ips",
            OpKind::ChangeRegion { .. } => "change_region",
            OpKind::Run { .. } => "run",
        }
    }

    /// The app it acts on; None for operations on the space itself (`destroy_space`,
    /// `trusted_ips`, `change_region`).
    pub fn app(&self) -> Option<usize> {
        match self {
            OpKind::Deploy { app, .. }
            | OpKind::Scale { app, .. }
            | OpKind::ChangeType { app, .. }
            | OpKind::Restart { app, .. }
            | OpKind::Crash { app, .. }
            | OpKind::Traffic { app, .. }
            | OpKind::Failover { app, .. }
            | OpKind::Maintenance { app, .. }
            | OpKind::CreateApp { app }
            | OpKind::DestroyApp { app }
            | OpKind::Run { app, .. } => Some(*app),
            OpKind::DestroySpace | OpKind::TrustedIps { .. } | OpKind::ChangeRegion { .. } => None,
        }
    }

    /// Deploy-like operations replace dynos with a new release; the zero-downtime checker
    /// judges them.
    pub fn is_deploy_like(&self) -> bool {
        matches!(
            self,
            OpKind::Deploy { .. } | OpKind::ChangeType { .. } | OpKind::Restart { .. }
        )
    }

    /// Things that happen to the space rather than things a team member does (`crash`,
    /// `traffic`): they take no `actor` and no permission applies.
    pub fn is_event(&self) -> bool {
        matches!(self, OpKind::Crash { .. } | OpKind::Traffic { .. })
    }
}
