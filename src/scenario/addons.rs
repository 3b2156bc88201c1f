//! `[[apps.addons]]` and a traffic class's `addons = [...]`: the plan catalogue and the builders.
//!
//! A plan decides an add-on's connection limit, the number the model enforces: a request that
//! finds every connection taken waits up to `pool_timeout` for one. A scenario may override the
//! limit with `connections` (a pooler, or a limit set lower on purpose).
//!
//! # The plan catalogue
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

use super::raw::RawHold;
use super::units::Dur;
use toml::Spanned;

use super::error::ScenarioError;
use super::load::Checker;
use super::ops::{AddonKind, AddonSpec, AddonUse, Hold};
use crate::engine::SimDuration;

/// One `[[apps.addons]]` entry:
///
/// ```toml
/// [[apps.addons]]
/// name = "DATABASE"        # attachment name: letters, digits, `_`; unique per app
/// kind = "postgres"        # postgres | redis
/// plan = "private-2"       # sets the connection limit (catalogue in `scenario::addons`)
/// connections = 100        # optional: overrides the plan's limit
/// pool_timeout = "5s"      # default "5s" (assumption)
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAddon {
    /// Attachment name, e.g. `DATABASE`.
    pub name: Spanned<String>,
    /// What it is.
    pub kind: RawAddonKind,
    /// Plan name, e.g. `private-2`.
    pub plan: Spanned<String>,
    /// Connection limit, overriding the plan's.
    pub connections: Option<Spanned<u32>>,
    /// How long a request waits for a free connection before failing.
    pub pool_timeout: Option<Dur>,
}

/// Add-on kinds as written in the file.
#[derive(Copy, Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawAddonKind {
    /// Heroku Postgres.
    Postgres,
    /// Heroku Key-Value Store.
    Redis,
}

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

/// Builds an app's `[[apps.addons]]`; `akey` is the app's key path (`apps[0]`).
pub(super) fn build_addons(
    ctx: &Checker,
    raw: &[Spanned<RawAddon>],
    akey: &str,
    app_name: &str,
) -> Result<Vec<AddonSpec>, ScenarioError> {
    let mut addons: Vec<AddonSpec> = Vec::with_capacity(raw.len());
    for (i, a) in raw.iter().enumerate() {
        let key = format!("{akey}.addons[{i}]");
        let a = a.get_ref();
        let name = check_attachment(ctx, &a.name, &format!("{key}.name"))?;
        if addons.iter().any(|b| b.name == name) {
            return Err(ctx.err(
                a.name.span(),
                format!("{key}.name"),
                format!("add-on \"{name}\" is attached twice to app \"{app_name}\""),
            ));
        }
        let kind = match a.kind {
            RawAddonKind::Postgres => AddonKind::Postgres,
            RawAddonKind::Redis => AddonKind::Redis,
        };
        let plan = lookup(kind, a.plan.get_ref()).ok_or_else(|| {
            ctx.err(
                a.plan.span(),
                format!("{key}.plan"),
                format!(
                    "unknown {} plan \"{}\"; {} plans (facts §6): {}",
                    kind_name(kind),
                    a.plan.get_ref(),
                    kind_name(kind),
                    plan_names(kind).join(", ")
                ),
            )
        })?;
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
            kind,
            plan: plan.name.to_string(),
            connections,
            pool_timeout: a.pool_timeout.map_or(DEFAULT_POOL_TIMEOUT, |d| d.0),
            placement: super::space::Placement::InSpace,
        });
    }
    Ok(addons)
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
    use super::*;

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
