//! The space itself: its network, its members, its limits, the external services its apps call,
//! and the findings of the platform's rules (private-spaces.txt; heroku-facts.md §4.2, §5).
//!
//! These are the typed values; `[space]` is read into them by the scenario builder, and the
//! rules in [`crate::lint`] judge them. A rule the platform enforces when a space or formation is
//! created (a /17 CIDR, 26 apps) is an error [`Finding`]: the platform would never have let such
//! a space exist. A timeline operation the platform would refuse (a scale past a limit, a
//! member creating an app without permission) is a warning: simulating the refusal is the point.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::engine::SimDuration;

/// The default dyno network of a space (Platform API schema, facts §5).
pub const DEFAULT_CIDR: &str = "10.0.0.0/16";
/// The default trusted IP range of a new space: the whole internet (private-spaces.txt,
/// "Trusted IP ranges").
pub const DEFAULT_TRUSTED_IPS: &str = "0.0.0.0/0";
/// Stable outbound IPs of a space when the scenario lists none: the article's example, four
/// addresses from the documentation range (private-spaces.txt, "Stable outbound IP
/// addresses"; **assumption**: the number of addresses is not documented beyond "a small,
/// stable list").
pub const DEFAULT_OUTBOUND_IPS: [&str; 4] = ["192.0.2.2", "192.0.2.3", "192.0.2.4", "192.0.2.5"];
/// How long a new space takes to allocate: "your new space is created within ten minutes"
/// (private-spaces.txt, "Create a Private Space"; the upper bound is used).
pub const DEFAULT_ALLOCATION: SimDuration = SimDuration::from_secs(600);
/// How long a trusted IP change takes to apply: "It may take a few moments for the changes to
/// take effect" (private-spaces.txt; **assumption**: 60 s).
pub const DEFAULT_TRUSTED_IPS_PROPAGATION: SimDuration = SimDuration::from_secs(60);
/// How long a one-off dyno takes to provision in a space: "This process takes a few minutes to
/// complete" (private-spaces.txt, "Scaling and One-Off Dynos"; **assumption**: 3 minutes).
pub const DEFAULT_ONE_OFF_PROVISIONING: SimDuration = SimDuration::from_secs(180);
/// Round trip added to each call to an add-on that runs outside the space, over the public
/// internet (private-spaces.txt, "Add-ons marked as Available"; **assumption**: 5 ms).
pub const DEFAULT_OUTSIDE_LATENCY: SimDuration = SimDuration::from_millis(5);
/// Round trip of a call to an `[[external]]` service when the scenario does not say
/// (**assumption**: 20 ms).
pub const DEFAULT_EXTERNAL_LATENCY: SimDuration = SimDuration::from_millis(20);

/// The space's network, people and limits.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// The team that owns the space.
    pub team: Option<String>,
    /// Shield Private Space.
    pub shield: bool,
    /// The dyno network: an RFC 1918 /16.
    pub cidr: IpNet,
    /// The data network: RFC 1918, /16 to /20, not overlapping `cidr`.
    pub data_cidr: Option<IpNet>,
    /// Client ranges allowed to reach web processes; empty blocks all inbound web traffic.
    pub trusted_ips: Vec<IpNet>,
    /// Trusted ranges for data services (beta); `0.0.0.0/0` is ignored for data.
    pub data_trusted_ips: Vec<IpNet>,
    /// The space's stable outbound addresses.
    pub outbound_ips: Vec<IpAddr>,
    /// Some when the scenario starts with the space's creation: it is `allocating` this long,
    /// and no app serves before it is `allocated`.
    pub allocation: Option<SimDuration>,
    /// Delay before a `trusted_ips` operation takes effect.
    pub trusted_ips_propagation: SimDuration,
    /// Time to provision a one-off dyno (`run` operation).
    pub one_off_provisioning: SimDuration,
    /// Default limits, as raised by the scenario (a support ticket would).
    pub limits: Limits,
    /// Team members who act in the timeline.
    pub members: Vec<Member>,
}

/// Default limits for Private Spaces (private-spaces.txt, "Default limits"; facts §4.2, §5),
/// each raisable per scenario as a support ticket would.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Apps per space: 25.
    pub apps: u32,
    /// Process types per app: 100.
    pub process_types: u32,
    /// Dynos per process type (Private/Shield/Performance): 10.
    pub dynos_per_process_type: u32,
    /// Dynos in the whole space: 100 (the article).
    pub dynos_per_space: u32,
    /// Dynos per app: 100 (facts §4.2).
    pub dynos_per_app: u32,
    /// Trusted IP ranges: 20.
    pub trusted_ips: u32,
    /// Concurrent one-off dynos (Private/Shield): 5.
    pub one_off_dynos: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            apps: 25,
            process_types: 100,
            dynos_per_process_type: 10,
            dynos_per_space: 100,
            dynos_per_app: 100,
            trusted_ips: 20,
            one_off_dynos: 5,
        }
    }
}

/// A team member named as a timeline operation's `actor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// Name (what `actor = "..."` refers to).
    pub name: String,
    /// Team role.
    pub role: Role,
    /// A member granted the "app creation" permission for this space.
    pub create_apps: bool,
}

/// Team roles (private-spaces.txt, "Private Space management", "Managing apps").
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Creates, destroys and modifies spaces and trusted IPs; creates apps.
    Admin,
    /// Works on apps; creates apps only with the app-creation permission.
    Member,
    /// Views only.
    Viewer,
}

impl Role {
    /// As written in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }
}

/// A service outside the space that apps call, allowing only some source addresses
/// (`[[external]]`).
#[derive(Clone, Debug, PartialEq)]
pub struct External {
    /// Name, referred to by traffic classes' `calls`.
    pub name: String,
    /// Source ranges it accepts; a call from a space outbound IP outside them is refused.
    pub allow: Vec<IpNet>,
    /// Round trip of one call.
    pub latency: SimDuration,
}

/// Where a traffic class's clients come from and how they connect.
#[derive(Clone, Debug, PartialEq)]
pub struct ClientNetwork {
    /// Source ranges of its clients; each request comes from a uniformly drawn address in them.
    pub clients: Vec<IpNet>,
    /// Requests use HTTPS (default true).
    pub https: bool,
    /// Clients send the TLS SNI extension (default true); Private Space apps require it.
    pub sni: bool,
    /// Which host the clients use.
    pub domain: Domain,
    /// External services each request calls, as indexes into the scenario's externals.
    pub calls: Vec<usize>,
}

impl Default for ClientNetwork {
    fn default() -> ClientNetwork {
        ClientNetwork {
            clients: vec![DEFAULT_TRUSTED_IPS.parse().expect("a valid range")],
            https: true,
            sni: true,
            domain: Domain::Custom,
            calls: Vec::new(),
        }
    }
}

/// The host clients connect to.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Domain {
    /// The app's own custom domain.
    Custom,
    /// The default app domain (`<app>.herokuapp.com`): no HTTPS once the app has custom-domain
    /// SSL.
    Default,
}

/// Where an add-on runs relative to the space.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Installed in the space: traffic stays on the private network.
    InSpace,
    /// Runs outside the space: each call crosses the public internet and takes this long more.
    Outside(SimDuration),
}

/// How bad a finding is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// An operation the platform would refuse: simulated as refused.
    Warning,
    /// A space or formation the platform would never have let exist.
    Error,
}

impl Level {
    /// `error` or `warning`.
    pub fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// One broken platform rule, found without simulating.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// Error or warning.
    pub level: Level,
    /// The rule's id, e.g. `space-cidr`.
    pub rule: &'static str,
    /// What is wrong, in the platform's words where it has them.
    pub message: String,
    /// Where the rule comes from, e.g. `private-spaces.txt, "Choosing Private Network CIDR Range"`.
    pub source: &'static str,
    /// 1-based line in the scenario file, when known.
    pub line: Option<usize>,
    /// Dotted key path, e.g. `space.cidr`.
    pub key: String,
}
