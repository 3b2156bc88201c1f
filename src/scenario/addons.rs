//! `[[apps.addons]]` and a traffic class's `addons = [...]`: the connection-limit table, the
//! builders, and the add-on rules of a Private Space.
//!
//! A plan decides an add-on's connection limit, the number the model enforces: a request that
//! finds every connection taken waits up to `pool_timeout` for one. A scenario may override the
//! limit with `connections` (a pooler, or a limit set lower on purpose).
//!
//! # Where an add-on runs, and the rules
//!
//! The add-on catalogue ([`super::catalogue`]) says whether a plan is installed in the space
//! (its traffic stays on the space's private network) or runs outside it (traffic crosses the
//! public internet: each use of it takes [`DEFAULT_OUTSIDE_LATENCY`] more, or the add-on's
//! `latency`), in which regions it is available, and which spaces may install it. The builder
//! sets [`AddonSpec::placement`] from it and records what breaks a platform rule as a
//! [`Finding`] ([`rules`]):
//!
//! | rule | level | what |
//! |---|---|---|
//! | `addon-region` | error | the plan is available in the space's region (or the add-on's `region`); a plan installed in the space is created in the space's region |
//! | `addon-confirm` | error | a datastore plan outside the space is provisioned only with `confirm = "<app>"` |
//! | `addon-shield-plan` | error | a Shield space installs shield plans, other spaces private plans |
//! | `addon-common-runtime` | error | private and shield plans are only for Private Spaces |
//!
//! In the Common Runtime there is no space: no placement penalty unless the add-on gives a
//! `latency`, no confirmation, and a region is checked only when the add-on names one. Kafka,
//! Scheduler, Connect and other services (`kind = "other"`, `service = "..."`) are checked by
//! these rules but not simulated: they are not in [`AppSpec::addons`](super::spec::AppSpec).
//!
//! # The connection-limit table
//!
//! Source: heroku-facts.md §6 (Dev Center "Heroku Postgres Production Tier Technical
//! Characterization", 12 Apr 2023; "Heroku Key-Value Store Technical Characterization",
//! 11 Oct 2024; Essential-tier limits from a third-party table, facts §6.1 and §8).
//!
//! | kind | plans | connection limit | HA standby |
//! |---|---|---|---|
//! | postgres | `essential-0`, `-1`, `-2` | 20, 20, 40 | no |
//! | postgres | `standard-0`, `-2` … `-9` | 120, 400, then 500 from `-3` | no |
//! | postgres | `premium-`, `private-`, `shield-` `0`, `2` … `9` | as standard | yes |
//! | redis | `mini` | 20 | — |
//! | redis | `premium-0` … `premium-5` | 40, 80, 200, 400, 700, 1000 | — |
//! | redis | `premium-`, `private-`, `shield-` `7`, `9`, `10`, `12`, `14` | 10000, 25000, 40000, 65000, 65000 | — |
//!
//! HA (facts §6.1, "HA on Premium/Private/Shield") matters for `failover`: a plan without a
//! standby has nothing to fail over to.

use std::collections::BTreeSet;

use serde::Deserialize;
use toml::Spanned;

use super::catalogue::{Catalogue, PlanInfo, Runs, Service, ServiceKind};
use super::error::ScenarioError;
use super::load::Checker;
use super::ops::{AddonKind, AddonSpec, AddonUse, Hold};
use super::raw::RawHold;
use super::space::{DEFAULT_OUTSIDE_LATENCY, Finding, Placement};
use super::spec::{REGIONS, Runtime, SpaceConfig};
use super::units::Dur;
use crate::engine::SimDuration;

pub mod rules;

pub use self::rules::{
    ADDON_COMMON_RUNTIME, ADDON_CONFIRM, ADDON_REGION, ADDON_SHIELD_PLAN, RULES,
};
use self::rules::{cite, judge};

/// One `[[apps.addons]]` entry:
///
/// ```toml
/// [[apps.addons]]
/// name = "DATABASE"        # attachment name: letters, digits, `_`; unique per app
/// kind = "postgres"        # postgres | redis (simulated); kafka | scheduler | connect | other
/// service = "newrelic"     # kind = "other" only: a service of the add-on catalogue
/// plan = "private-2"       # postgres, redis: sets the connection limit
/// connections = 100        # optional, postgres and redis: overrides the plan's limit
/// pool_timeout = "5s"      # postgres and redis; default "5s" (assumption)
/// confirm = "api"          # the app's name: provisions a datastore outside the space
/// region = "us"            # a plan outside the space: where it runs; default the space's
/// latency = "5ms"          # a plan outside the space: extra time per use; default 5 ms
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddon {
    /// Attachment name, e.g. `DATABASE`.
    pub name: Spanned<String>,
    /// What it is.
    pub kind: Spanned<RawAddonKind>,
    /// The catalogue service of a `kind = "other"` add-on, e.g. `newrelic`.
    pub service: Option<Spanned<String>>,
    /// Plan name, e.g. `private-2`.
    pub plan: Spanned<String>,
    /// Connection limit, overriding the plan's.
    pub connections: Option<Spanned<u32>>,
    /// How long a request waits for a free connection before failing.
    pub pool_timeout: Option<Spanned<Dur>>,
    /// The app's name, as `heroku addons:create --confirm <app>` takes it: provisioning a
    /// datastore outside the space needs it.
    pub confirm: Option<Spanned<String>>,
    /// Where a plan outside the space runs (`--region`): a Private Space region, `us` or `eu`.
    pub region: Option<Spanned<String>>,
    /// Extra time each use of an add-on outside the space takes.
    pub latency: Option<Spanned<Dur>>,
}

/// Add-on kinds as written in the file: the catalogue's service kinds. Only `postgres` and
/// `redis` are simulated.
pub type RawAddonKind = ServiceKind;

/// One entry of a class's `addons = [{ addon = "DATABASE", hold = "60%" }]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddonUse {
    /// Attachment name of an add-on of the same app.
    pub addon: Spanned<String>,
    /// How long a request holds a connection; default `"100%"` of its service time.
    pub hold: Option<RawHold>,
}

/// How long a request waits for a free connection before failing, when the scenario does not
/// say (**assumption**: the platform sets no pool timeout; 5 s is ActiveRecord's default
/// `checkout_timeout`).
pub const DEFAULT_POOL_TIMEOUT: SimDuration = SimDuration::from_secs(5);

/// One add-on plan.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// What it is.
    pub kind: AddonKind,
    /// The platform's plan name, e.g. `private-2`.
    pub name: &'static str,
    /// Most client connections at once.
    pub connections: u32,
    /// Has a high-availability standby (Postgres premium, private and shield).
    pub ha: bool,
}

const fn pg(name: &'static str, connections: u32, ha: bool) -> Plan {
    Plan {
        kind: AddonKind::Postgres,
        name,
        connections,
        ha,
    }
}

const fn kv(name: &'static str, connections: u32) -> Plan {
    Plan {
        kind: AddonKind::Redis,
        name,
        connections,
        ha: false,
    }
}

/// Every plan the simulator knows, facts §6 (table in the module documentation).
pub const PLANS: &[Plan] = &[
    // Postgres Essential (facts §6.1, third-party table).
    pg("essential-0", 20, false),
    pg("essential-1", 20, false),
    pg("essential-2", 40, false),
    // Postgres Standard: no HA.
    pg("standard-0", 120, false),
    pg("standard-2", 400, false),
    pg("standard-3", 500, false),
    pg("standard-4", 500, false),
    pg("standard-5", 500, false),
    pg("standard-6", 500, false),
    pg("standard-7", 500, false),
    pg("standard-8", 500, false),
    pg("standard-9", 500, false),
    // Postgres Premium, Private, Shield: same hardware per number, with HA.
    pg("premium-0", 120, true),
    pg("premium-2", 400, true),
    pg("premium-3", 500, true),
    pg("premium-4", 500, true),
    pg("premium-5", 500, true),
    pg("premium-6", 500, true),
    pg("premium-7", 500, true),
    pg("premium-8", 500, true),
    pg("premium-9", 500, true),
    pg("private-0", 120, true),
    pg("private-2", 400, true),
    pg("private-3", 500, true),
    pg("private-4", 500, true),
    pg("private-5", 500, true),
    pg("private-6", 500, true),
    pg("private-7", 500, true),
    pg("private-8", 500, true),
    pg("private-9", 500, true),
    pg("shield-0", 120, true),
    pg("shield-2", 400, true),
    pg("shield-3", 500, true),
    pg("shield-4", 500, true),
    pg("shield-5", 500, true),
    pg("shield-6", 500, true),
    pg("shield-7", 500, true),
    pg("shield-8", 500, true),
    pg("shield-9", 500, true),
    // Key-Value Store (facts §6.2).
    kv("mini", 20),
    kv("premium-0", 40),
    kv("premium-1", 80),
    kv("premium-2", 200),
    kv("premium-3", 400),
    kv("premium-4", 700),
    kv("premium-5", 1000),
    kv("premium-7", 10_000),
    kv("premium-9", 25_000),
    kv("premium-10", 40_000),
    kv("premium-12", 65_000),
    kv("premium-14", 65_000),
    kv("private-7", 10_000),
    kv("private-9", 25_000),
    kv("private-10", 40_000),
    kv("private-12", 65_000),
    kv("private-14", 65_000),
    kv("shield-7", 10_000),
    kv("shield-9", 25_000),
    kv("shield-10", 40_000),
    kv("shield-12", 65_000),
    kv("shield-14", 65_000),
];

/// The plan `name` of `kind`, if the catalogue has it.
pub fn lookup(kind: AddonKind, name: &str) -> Option<&'static Plan> {
    PLANS.iter().find(|p| p.kind == kind && p.name == name)
}

/// The plan names of `kind`, in catalogue order, for error messages.
pub fn plan_names(kind: AddonKind) -> Vec<&'static str> {
    PLANS
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.name)
        .collect()
}

/// The name scenario files use for `kind`.
pub fn kind_name(kind: AddonKind) -> &'static str {
    match kind {
        AddonKind::Postgres => "postgres",
        AddonKind::Redis => "redis",
    }
}

/// Attachment names become config vars (`DATABASE_URL`): a letter, then letters, digits, `_`.
fn check_attachment(
    ctx: &Checker,
    name: &Spanned<String>,
    key: &str,
) -> Result<String, ScenarioError> {
    let s = name.get_ref();
    let ok = s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(s.clone())
    } else {
        Err(ctx.err(
            name.span(),
            key,
            format!(
                "\"{s}\" is not a valid add-on attachment name: use a letter, then letters, \
                 digits or `_` (up to 64), such as \"DATABASE\" or \"REDIS\""
            ),
        ))
    }
}

/// Where an app's add-ons are provisioned: what the add-on rules and placement depend on.
#[derive(Copy, Clone, Debug)]
pub struct AddonSite<'a> {
    /// The space's region.
    pub region: &'a str,
    /// A Shield space.
    pub shield: bool,
    /// Private Space or Common Runtime.
    pub runtime: Runtime,
    /// Which plans are available where, and where they run.
    pub catalogue: &'a Catalogue,
}

impl<'a> AddonSite<'a> {
    /// The apps of `space`, judged against `catalogue`.
    pub fn new(space: &'a SpaceConfig, catalogue: &'a Catalogue) -> AddonSite<'a> {
        AddonSite {
            region: &space.region,
            shield: space.network.shield,
            runtime: space.runtime,
            catalogue,
        }
    }
}

/// Builds an app's `[[apps.addons]]`; `akey` is the app's key path (`apps[0]`). Returns the
/// simulated add-ons (Postgres and Key-Value Store), each with its placement; pushes what breaks
/// an add-on rule onto `findings`. Other kinds are checked and left out.
pub(super) fn build_app_addons(
    ctx: &Checker,
    raw: &[Spanned<RawAddon>],
    akey: &str,
    app_name: &str,
    site: &AddonSite,
    findings: &mut Vec<Finding>,
) -> Result<Vec<AddonSpec>, ScenarioError> {
    let mut addons: Vec<AddonSpec> = Vec::with_capacity(raw.len());
    let mut names: Vec<String> = Vec::with_capacity(raw.len());
    for (i, a) in raw.iter().enumerate() {
        let key = format!("{akey}.addons[{i}]");
        let a = a.get_ref();
        let name = check_attachment(ctx, &a.name, &format!("{key}.name"))?;
        if names.contains(&name) {
            return Err(ctx.err(
                a.name.span(),
                format!("{key}.name"),
                format!("add-on \"{name}\" is attached twice to app \"{app_name}\""),
            ));
        }
        names.push(name.clone());
        let kind = *a.kind.get_ref();
        // The connection limit first: its message lists the simulated plans.
        let limit = match kind.simulated() {
            Some(k) => Some(lookup(k, a.plan.get_ref()).ok_or_else(|| {
                ctx.err(
                    a.plan.span(),
                    format!("{key}.plan"),
                    format!(
                        "unknown {} plan \"{}\"; {} plans (facts §6): {}",
                        kind_name(k),
                        a.plan.get_ref(),
                        kind_name(k),
                        plan_names(k).join(", ")
                    ),
                )
            })?),
            None => {
                not_simulated(ctx, a, &key, kind)?;
                None
            }
        };
        let service = service_of(ctx, a, &key, site.catalogue)?;
        let info = site
            .catalogue
            .plan(&service.name, a.plan.get_ref())
            .ok_or_else(|| {
                ctx.err(
                    a.plan.span(),
                    format!("{key}.plan"),
                    format!(
                        "the add-on catalogue ({}) has no plan \"{}\" of {}; {} (add it to a \
                         copy of the catalogue)",
                        site.catalogue.file(),
                        a.plan.get_ref(),
                        service.name,
                        one_of(
                            "its plans",
                            site.catalogue.plan_names(&service.name).into_iter()
                        )
                    ),
                )
            })?;
        if let Some(r) = &a.region
            && !REGIONS.contains(&r.get_ref().as_str())
            && !super::catalogue::COMMON_REGIONS.contains(&r.get_ref().as_str())
        {
            return Err(ctx.err(
                r.span(),
                format!("{key}.region"),
                format!(
                    "unknown region \"{}\"; an add-on outside the space runs in a Private Space \
                     region ({}) or a Common Runtime region ({})",
                    r.get_ref(),
                    REGIONS.join(", "),
                    super::catalogue::COMMON_REGIONS.join(", ")
                ),
            ));
        }
        let placement = placement(ctx, a, &key, site, &info)?;
        findings.extend(judge(ctx, a, &key, app_name, site, &info));

        if let (Some(k), Some(plan)) = (kind.simulated(), limit) {
            let connections = match &a.connections {
                Some(c) if *c.get_ref() == 0 => {
                    return Err(ctx.err(
                        c.span(),
                        format!("{key}.connections"),
                        "`connections` must be at least 1 (leave it out to use the plan's limit)",
                    ));
                }
                Some(c) => *c.get_ref(),
                None => plan.connections,
            };
            addons.push(AddonSpec {
                name,
                kind: k,
                plan: plan.name.to_string(),
                connections,
                pool_timeout: a
                    .pool_timeout
                    .as_ref()
                    .map_or(DEFAULT_POOL_TIMEOUT, |d| d.get_ref().0),
                placement,
            });
        }
    }
    Ok(addons)
}

/// Refuses the keys that only simulated add-ons take.
fn not_simulated(
    ctx: &Checker,
    a: &RawAddon,
    key: &str,
    kind: ServiceKind,
) -> Result<(), ScenarioError> {
    let why = |what: &str| {
        format!(
            "`{what}` applies to postgres and redis add-ons, whose connections the simulator \
             models; a {} add-on is checked against the platform's rules only",
            kind.name()
        )
    };
    if let Some(c) = &a.connections {
        return Err(ctx.err(c.span(), format!("{key}.connections"), why("connections")));
    }
    if let Some(p) = &a.pool_timeout {
        return Err(ctx.err(p.span(), format!("{key}.pool_timeout"), why("pool_timeout")));
    }
    Ok(())
}

/// The catalogue service an add-on entry names: by its `kind`, or by `service` for `other`.
fn service_of<'c>(
    ctx: &Checker,
    a: &RawAddon,
    key: &str,
    catalogue: &'c Catalogue,
) -> Result<&'c Service, ScenarioError> {
    let kind = *a.kind.get_ref();
    let others = || {
        one_of(
            "services of kind \"other\"",
            catalogue
                .services()
                .iter()
                .filter(|s| s.kind == ServiceKind::Other)
                .map(|s| s.name.as_str()),
        )
    };
    match (kind, &a.service) {
        (ServiceKind::Other, None) => Err(ctx.err(
            a.kind.span(),
            format!("{key}.service"),
            format!(
                "an add-on of kind \"other\" names its service, such as service = \"newrelic\"; \
                 the catalogue's {}",
                others()
            ),
        )),
        (ServiceKind::Other, Some(s)) => catalogue
            .service(s.get_ref())
            .filter(|svc| svc.kind == ServiceKind::Other)
            .ok_or_else(|| {
                ctx.err(
                    s.span(),
                    format!("{key}.service"),
                    format!(
                        "the add-on catalogue ({}) has no service \"{}\" of kind \"other\"; {} \
                         (add it to a copy of the catalogue)",
                        catalogue.file(),
                        s.get_ref(),
                        others()
                    ),
                )
            }),
        (_, Some(s)) => Err(ctx.err(
            s.span(),
            format!("{key}.service"),
            format!(
                "`service` names the service of a kind = \"other\" add-on; a {} add-on's service \
                 follows from its kind: leave `service` out",
                kind.name()
            ),
        )),
        (_, None) => catalogue.service_of_kind(kind).ok_or_else(|| {
            ctx.err(
                a.kind.span(),
                format!("{key}.kind"),
                format!(
                    "the add-on catalogue ({}) has no service of kind \"{}\"",
                    catalogue.file(),
                    kind.name()
                ),
            )
        }),
    }
}

/// Where the add-on runs relative to the space, and so how much each use of it adds.
fn placement(
    ctx: &Checker,
    a: &RawAddon,
    key: &str,
    site: &AddonSite,
    info: &PlanInfo,
) -> Result<Placement, ScenarioError> {
    let latency = a.latency.as_ref().map(|l| l.get_ref().0);
    Ok(match (site.runtime, info.runs) {
        // The Common Runtime has no space: service times already include the network, unless
        // the scenario says an add-on is farther away.
        (Runtime::Common, _) => latency.map_or(Placement::InSpace, Placement::Outside),
        (Runtime::Private, Runs::Outside) => {
            Placement::Outside(latency.unwrap_or(DEFAULT_OUTSIDE_LATENCY))
        }
        (Runtime::Private, Runs::Space) => {
            if let Some(l) = &a.latency {
                return Err(ctx.err(
                    l.span(),
                    format!("{key}.latency"),
                    format!(
                        "`latency` is the extra round trip to an add-on outside the space; {} is \
                         installed in the space ({}): leave `latency` out",
                        info.label(),
                        cite(site.catalogue, &info.entries)
                    ),
                ));
            }
            Placement::InSpace
        }
    })
}

/// Builds a traffic class's `addons = [...]` against the app's add-ons; `tkey` is the class's
/// key path (`apps[0].traffic[1]`).
pub(super) fn build_uses(
    ctx: &Checker,
    raw: &[Spanned<RawAddonUse>],
    addons: &[AddonSpec],
    tkey: &str,
    app_name: &str,
) -> Result<Vec<AddonUse>, ScenarioError> {
    let mut uses = Vec::with_capacity(raw.len());
    let mut seen = BTreeSet::new();
    for (i, u) in raw.iter().enumerate() {
        let key = format!("{tkey}.addons[{i}].addon");
        let wanted = u.get_ref().addon.get_ref();
        let span = u.get_ref().addon.span();
        let addon = addons
            .iter()
            .position(|a| &a.name == wanted)
            .ok_or_else(|| {
                ctx.err(
                    span.clone(),
                    &key,
                    format!(
                        "app \"{app_name}\" has no add-on \"{wanted}\"; {}",
                        one_of("attached add-ons", addons.iter().map(|a| a.name.as_str()))
                    ),
                )
            })?;
        if !seen.insert(addon) {
            return Err(ctx.err(
                span,
                key,
                format!("add-on \"{wanted}\" is listed twice for this class; list it once"),
            ));
        }
        let hold = u.get_ref().hold.map_or(Hold::Share(1.0), |h| h.0);
        uses.push(AddonUse { addon, hold });
    }
    Ok(uses)
}

/// "`what`: a, b" or "it has none", for messages about a name that is not there.
pub(super) fn one_of<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.collect();
    if names.is_empty() {
        format!("it has no {what}")
    } else {
        format!("{what}: {}", names.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::scenario::{Scenario, parse};

    /// A one-app scenario (`api`) with `space` as its `[space]` table and `addons` as its
    /// `[[apps.addons]]` tables, starting on line 12.
    fn text(space: &str, addons: &str) -> String {
        format!(
            "duration = \"1m\"\n\n[space]\n{space}\n\n[[apps]]\nname = \"api\"\n\n\
             [[apps.processes]]\ntype = \"web\"\ncount = 1\n\n{addons}"
        )
    }

    fn scenario(space: &str, addons: &str) -> Scenario {
        let t = text(space, addons);
        parse(&t, "t.toml", Path::new("."), None)
            .unwrap_or_else(|e| panic!("invalid scenario: {e}\n---\n{t}"))
    }

    fn invalid(addons: &str) -> String {
        let t = text("", addons);
        match parse(&t, "t.toml", Path::new("."), None) {
            Ok(_) => panic!("accepted:\n{t}"),
            Err(e) => e.to_string(),
        }
    }

    fn addon(kind: &str, plan: &str, more: &str) -> String {
        format!(
            "[[apps.addons]]\nname = \"A{}\"\nkind = \"{kind}\"\nplan = \"{plan}\"\n{more}\n",
            plan.replace('-', "_")
        )
    }

    #[test]
    fn placement_follows_the_catalogue() {
        let s = scenario(
            "region = \"virginia\"",
            &[
                addon("postgres", "private-2", ""),
                addon("redis", "premium-0", "confirm = \"api\""),
                addon(
                    "postgres",
                    "standard-0",
                    "confirm = \"api\"\nlatency = \"20ms\"",
                ),
            ]
            .concat(),
        );
        let placements: Vec<Placement> = s.apps[0].addons.iter().map(|a| a.placement).collect();
        assert_eq!(
            placements,
            [
                Placement::InSpace,
                Placement::Outside(DEFAULT_OUTSIDE_LATENCY),
                Placement::Outside(SimDuration::from_millis(20)),
            ]
        );
        // The Common Runtime has no space: no penalty unless the scenario gives one.
        let s = scenario(
            "runtime = \"common\"",
            &[
                addon("postgres", "standard-0", ""),
                addon("redis", "mini", "latency = \"2ms\""),
            ]
            .concat(),
        );
        let placements: Vec<Placement> = s.apps[0].addons.iter().map(|a| a.placement).collect();
        assert_eq!(
            placements,
            [
                Placement::InSpace,
                Placement::Outside(SimDuration::from_millis(2))
            ]
        );
    }

    #[test]
    fn other_kinds_are_checked_but_not_simulated() {
        let s = scenario(
            "",
            &[
                addon("postgres", "private-0", ""),
                addon("kafka", "private-standard-0", ""),
                addon("scheduler", "standard", ""),
                addon("connect", "enterprise", ""),
                addon("other", "wayne", "service = \"newrelic\""),
            ]
            .concat(),
        );
        assert_eq!(s.apps[0].addons.len(), 1);
        assert_eq!(s.apps[0].addons[0].plan, "private-0");
        assert!(
            !s.findings.iter().any(|f| f.rule.starts_with("addon-")),
            "{:?}",
            s.findings
        );
    }

    #[test]
    fn schema_errors_name_the_key() {
        let cases: &[(String, &str)] = &[
            (
                addon("kafka", "private-standard-0", "connections = 10"),
                "apps[0].addons[0].connections`: `connections` applies to postgres and redis",
            ),
            (
                addon("scheduler", "standard", "pool_timeout = \"1s\""),
                "apps[0].addons[0].pool_timeout`: `pool_timeout` applies to postgres and redis",
            ),
            (
                addon("other", "wayne", ""),
                "apps[0].addons[0].service`: an add-on of kind \"other\" names its service",
            ),
            (
                addon("other", "x", "service = \"mongolab\""),
                "has no service \"mongolab\" of kind \"other\"; services of kind \"other\": \
                 honeybadger, newrelic",
            ),
            (
                addon("postgres", "private-0", "service = \"newrelic\""),
                "a postgres add-on's service follows from its kind",
            ),
            (
                addon("kafka", "huge", ""),
                "has no plan \"huge\" of heroku-kafka; its plans: private-standard-0",
            ),
            (
                addon("postgres", "private-0", "latency = \"5ms\""),
                "apps[0].addons[0].latency`: `latency` is the extra round trip to an add-on \
                 outside the space; heroku-postgresql:private-0 is installed in the space",
            ),
            (
                addon("postgres", "standard-0", "region = \"mars\""),
                "apps[0].addons[0].region`: unknown region \"mars\"",
            ),
            (
                [
                    addon("postgres", "private-0", ""),
                    addon("postgres", "private-0", ""),
                ]
                .concat(),
                "add-on \"Aprivate_0\" is attached twice",
            ),
        ];
        for (addons, needle) in cases {
            let e = invalid(addons);
            assert!(e.contains(needle), "{e}\n  wanted: {needle}");
        }
    }

    #[test]
    fn catalogue_matches_the_facts() {
        let limit = |kind, name| lookup(kind, name).unwrap().connections;
        assert_eq!(limit(AddonKind::Postgres, "standard-0"), 120);
        assert_eq!(limit(AddonKind::Postgres, "private-2"), 400);
        assert_eq!(limit(AddonKind::Postgres, "shield-9"), 500);
        assert_eq!(limit(AddonKind::Postgres, "essential-2"), 40);
        assert_eq!(limit(AddonKind::Redis, "mini"), 20);
        assert_eq!(limit(AddonKind::Redis, "premium-5"), 1000);
        assert_eq!(limit(AddonKind::Redis, "private-10"), 40_000);
        assert_eq!(limit(AddonKind::Redis, "shield-14"), 65_000);
        assert!(lookup(AddonKind::Postgres, "standard-1").is_none());
        assert!(lookup(AddonKind::Redis, "private-2").is_none());
        assert!(lookup(AddonKind::Postgres, "premium-0").unwrap().ha);
        assert!(!lookup(AddonKind::Postgres, "standard-9").unwrap().ha);
        assert_eq!(plan_names(AddonKind::Postgres).len(), 3 + 4 * 9);
        assert_eq!(plan_names(AddonKind::Redis).len(), 1 + 6 + 3 * 5);
        let names: BTreeSet<(&str, &str)> =
            PLANS.iter().map(|p| (kind_name(p.kind), p.name)).collect();
        assert_eq!(names.len(), PLANS.len(), "no plan is listed twice");
    }
}
