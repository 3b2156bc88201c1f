//! `[[timeline]]`: operations on the space over time, checked against the typed apps.
//!
//! Each entry is a flat table ([`RawOp`]) whose `action` decides which keys it takes; a key that
//! belongs to another action is refused, naming the action, so a `count` on a deploy is never
//! silently dropped. Names, apps, process types, classes, add-ons and dyno numbers are resolved
//! to indices into the typed vectors ([`OpKind`]).
//!
//! `actor` names a member of `[[space.members]]` (without it an administrator acts); whether
//! the platform lets that member do it, and whether a limit refuses it, is decided when the
//! operation runs ([`crate::model::authority`]) and predicted by `spacesim lint`, not here: a
//! refused operation is a valid scenario.
//!
//! Pitfall: counts and dyno numbers are checked against the formation **at t = 0** only. An
//! earlier `scale` may add or remove dynos before a later `crash` of `web.6`; the simulator
//! decides what such an operation does when its time comes.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;

use ipnet::IpNet;
use time::OffsetDateTime;
use toml::Spanned;

use super::addons::{kind_name, lookup as lookup_plan, one_of};
use super::error::ScenarioError;
use super::load::{Checker, check_name};
use super::ops::{AddonKind, OpKind, Operation, PlatformConfig, SchemaChange};
use super::space::Member;
use super::spec::{AppSpec, REGIONS};
use super::units::{Dur, RateValue, TimeValue};
use crate::engine::SimDuration;
use crate::model::dyno_type;

/// Keys every action takes, by kind of action: on an app, on the space, or an event that
/// happens to the space (no `actor`).
fn common_keys(action: RawAction) -> &'static str {
    if action.on_space() {
        "`at`, `action`, `name` and `actor`"
    } else if action.is_event() {
        "`at`, `action`, `name` and `app`"
    } else {
        "`at`, `action`, `name`, `app` and `actor`"
    }
}

/// One `[[timeline]]` entry: a flat table whose `action` decides which other keys it takes.
/// Keys that do not belong to the action are refused by the builder, naming the action.
///
/// | action | keys besides `at`, `action`, `name`, `app`, `actor` |
/// |---|---|
/// | `deploy` | `release_phase`, `release_fails`, `schema` |
/// | `config_change` | `release_phase`, `release_fails` |
/// | `scale` | `process`, `count` (both required) |
/// | `change_type` | `process`, `to` (required), `concurrency` |
/// | `restart` | `process`, `dyno` (needs `process`) |
/// | `crash` | `process` (required), `dyno`; no `actor` |
/// | `traffic` | `class`, `rate` (required), `duration`; no `actor` |
/// | `failover` | `addon` (required, Postgres), `duration` |
/// | `maintenance` | `addon` (required), `duration` |
/// | `create_app` | none (the app is declared with `new = true`) |
/// | `destroy_app` | none |
/// | `run` | `duration` (required), `process` |
/// | `destroy_space` | none; no `app` |
/// | `trusted_ips` | `ranges` (required); no `app` |
/// | `change_region` | `region` (required); no `app` |
///
/// ```toml
/// [[timeline]]
/// at = "14:00"              # offset, clock time or date-time; before the run's end
/// action = "deploy"
/// name = "friday-deploy"    # default "<action>-<n>"
/// app = "api"               # default: the only app
/// release_phase = "45s"
/// schema = "incompatible"   # compatible (default) | incompatible
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOp {
    /// When it starts.
    pub at: Spanned<TimeValue>,
    /// What it does.
    pub action: Spanned<RawAction>,
    /// Name; default `<action>-<n>`.
    pub name: Option<Spanned<String>>,
    /// App; default the only app.
    pub app: Option<Spanned<String>>,
    /// Who does it: a member of `[[space.members]]`; default an administrator.
    pub actor: Option<Spanned<String>>,
    /// Process type (scale, change_type, crash, restart).
    pub process: Option<Spanned<String>>,
    /// New dyno count (scale).
    pub count: Option<Spanned<u32>>,
    /// New dyno type (change_type).
    pub to: Option<Spanned<String>>,
    /// New concurrency (change_type).
    pub concurrency: Option<Spanned<u32>>,
    /// Dyno number (restart, crash).
    pub dyno: Option<Spanned<u32>>,
    /// Release phase length (deploy, config_change).
    pub release_phase: Option<Spanned<Dur>>,
    /// The release phase fails (deploy, config_change).
    pub release_fails: Option<Spanned<bool>>,
    /// Schema change (deploy).
    pub schema: Option<Spanned<RawSchema>>,
    /// Traffic class (traffic).
    pub class: Option<Spanned<String>>,
    /// New rate (traffic).
    pub rate: Option<Spanned<RateValue>>,
    /// How long (traffic, failover, maintenance).
    pub duration: Option<Spanned<Dur>>,
    /// Add-on attachment name (failover, maintenance).
    pub addon: Option<Spanned<String>>,
    /// The new trusted IP ranges (trusted_ips).
    pub ranges: Option<Spanned<Vec<Spanned<String>>>>,
    /// The region asked for (change_region).
    pub region: Option<Spanned<String>>,
}

/// Timeline actions as written in the file.
#[derive(Copy, Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawAction {
    /// A new release with a build.
    Deploy,
    /// A new release without a build.
    ConfigChange,
    /// Set a process type's dyno count.
    Scale,
    /// Change a process type's dyno type.
    ChangeType,
    /// Restart dynos.
    Restart,
    /// A dyno crashes.
    Crash,
    /// Change a traffic class's rate.
    Traffic,
    /// A Postgres HA failover.
    Failover,
    /// Add-on maintenance.
    Maintenance,
    /// Create an app declared `new`.
    CreateApp,
    /// Destroy an app.
    DestroyApp,
    /// Destroy the space.
    DestroySpace,
    /// Replace the trusted IP ranges.
    TrustedIps,
    /// Change the space's region (always refused).
    ChangeRegion,
    /// A one-off dyno.
    Run,
}

impl RawAction {
    /// The name used in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            RawAction::Deploy => "deploy",
            RawAction::ConfigChange => "config_change",
            RawAction::Scale => "scale",
            RawAction::ChangeType => "change_type",
            RawAction::Restart => "restart",
            RawAction::Crash => "crash",
            RawAction::Traffic => "traffic",
            RawAction::Failover => "failover",
            RawAction::Maintenance => "maintenance",
            RawAction::CreateApp => "create_app",
            RawAction::DestroyApp => "destroy_app",
            RawAction::DestroySpace => "destroy_space",
            RawAction::TrustedIps => "trusted_ips",
            RawAction::ChangeRegion => "change_region",
            RawAction::Run => "run",
        }
    }

    /// Acts on the space itself, not on an app: takes no `app`.
    fn on_space(self) -> bool {
        matches!(
            self,
            RawAction::DestroySpace | RawAction::TrustedIps | RawAction::ChangeRegion
        )
    }

    /// Happens to the space rather than being done by someone: takes no `actor`.
    fn is_event(self) -> bool {
        matches!(self, RawAction::Crash | RawAction::Traffic)
    }
}

/// `schema = …` of a deploy.
#[derive(Copy, Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RawSchema {
    /// Old and new code both work with the new schema.
    Compatible,
    /// Old code fails against the new schema.
    Incompatible,
}

/// The optional keys `action` takes besides [`COMMON_KEYS`].
fn keys_of(action: RawAction) -> &'static [&'static str] {
    match action {
        RawAction::Deploy => &["release_phase", "release_fails", "schema"],
        RawAction::ConfigChange => &["release_phase", "release_fails"],
        RawAction::Scale => &["process", "count"],
        RawAction::ChangeType => &["process", "to", "concurrency"],
        RawAction::Restart | RawAction::Crash => &["process", "dyno"],
        RawAction::Traffic => &["class", "rate", "duration"],
        RawAction::Failover | RawAction::Maintenance => &["addon", "duration"],
        RawAction::CreateApp | RawAction::DestroyApp | RawAction::DestroySpace => &[],
        RawAction::TrustedIps => &["ranges"],
        RawAction::ChangeRegion => &["region"],
        RawAction::Run => &["process", "duration"],
    }
}

/// The action-specific keys an entry gives, with their spans.
fn given(op: &RawOp) -> Vec<(&'static str, Range<usize>)> {
    fn s<T>(v: &Option<Spanned<T>>) -> Option<Range<usize>> {
        v.as_ref().map(Spanned::span)
    }
    [
        ("process", s(&op.process)),
        ("count", s(&op.count)),
        ("to", s(&op.to)),
        ("concurrency", s(&op.concurrency)),
        ("dyno", s(&op.dyno)),
        ("release_phase", s(&op.release_phase)),
        ("release_fails", s(&op.release_fails)),
        ("schema", s(&op.schema)),
        ("class", s(&op.class)),
        ("rate", s(&op.rate)),
        ("duration", s(&op.duration)),
        ("addon", s(&op.addon)),
        ("ranges", s(&op.ranges)),
        ("region", s(&op.region)),
    ]
    .into_iter()
    .filter_map(|(k, span)| span.map(|span| (k, span)))
    .collect()
}

/// "`a`, `b` and `c`".
fn and_list(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// Checks one entry at a time; `key` is `timeline[i]`.
struct OpChecker<'a, 'c> {
    ctx: &'a Checker<'c>,
    op: &'a RawOp,
    span: Range<usize>,
    key: String,
    action: &'static str,
}

impl OpChecker<'_, '_> {
    fn err(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> ScenarioError {
        self.ctx.err(span, format!("{}.{field}", self.key), message)
    }

    /// The value of a key the action requires.
    fn need<'v, T>(
        &self,
        value: &'v Option<Spanned<T>>,
        field: &str,
        what: &str,
    ) -> Result<&'v Spanned<T>, ScenarioError> {
        value.as_ref().ok_or_else(|| {
            self.err(
                self.span.clone(),
                field,
                format!("action \"{}\" needs `{field}`: {what}", self.action),
            )
        })
    }

    /// The member `actor` names, as an index into `members`; None without `actor` (an
    /// administrator acts).
    fn actor(&self, members: &[Member], action: RawAction) -> Result<Option<usize>, ScenarioError> {
        let Some(a) = &self.op.actor else {
            return Ok(None);
        };
        if action.is_event() {
            return Err(self.err(
                a.span(),
                "actor",
                format!(
                    "`actor` does not apply to action \"{}\": it happens to the space, nobody \
                     does it; it takes {}",
                    self.action,
                    common_keys(action)
                ),
            ));
        }
        if let Some(i) = members.iter().position(|m| &m.name == a.get_ref()) {
            return Ok(Some(i));
        }
        let known = if members.is_empty() {
            "the space has no members: declare them under [[space.members]] with `name` and \
             `role` (admin, member or viewer); leave `actor` out for an administrator"
                .to_string()
        } else {
            one_of("members", members.iter().map(|m| m.name.as_str()))
        };
        Err(self.err(
            a.span(),
            "actor",
            format!("there is no member \"{}\"; {known}", a.get_ref()),
        ))
    }

    /// The `ranges` of a `trusted_ips` entry: CIDR ranges written with their network address.
    fn ranges(&self) -> Result<Vec<IpNet>, ScenarioError> {
        let list = self.need(
            &self.op.ranges,
            "ranges",
            "the new list of trusted CIDR ranges, e.g. ranges = [\"192.0.2.0/24\"] (an empty \
             list blocks all inbound web traffic)",
        )?;
        let mut out = Vec::with_capacity(list.get_ref().len());
        for (j, r) in list.get_ref().iter().enumerate() {
            let field = format!("ranges[{j}]");
            let net: IpNet = r.get_ref().trim().parse().map_err(|_| {
                self.err(
                    r.span(),
                    &field,
                    format!(
                        "\"{}\" is not a CIDR range; write an address and a prefix length, \
                         e.g. \"192.0.2.0/24\"",
                        r.get_ref()
                    ),
                )
            })?;
            if net.trunc() != net {
                return Err(self.err(
                    r.span(),
                    &field,
                    format!(
                        "\"{}\" has host bits set; write the range's network address, \"{}\"",
                        r.get_ref(),
                        net.trunc()
                    ),
                ));
            }
            out.push(net);
        }
        Ok(out)
    }

    fn app(&self, apps: &[AppSpec]) -> Result<usize, ScenarioError> {
        let names = || one_of("apps", apps.iter().map(|a| a.name.as_str()));
        match &self.op.app {
            Some(a) => apps
                .iter()
                .position(|x| &x.name == a.get_ref())
                .ok_or_else(|| {
                    self.err(
                        a.span(),
                        "app",
                        format!("there is no app \"{}\"; {}", a.get_ref(), names()),
                    )
                }),
            None if apps.len() == 1 => Ok(0),
            None => Err(self.err(
                self.span.clone(),
                "app",
                format!(
                    "action \"{}\" needs `app` when the scenario has more than one app; {}",
                    self.action,
                    names()
                ),
            )),
        }
    }

    fn process(&self, app: &AppSpec, p: &Spanned<String>) -> Result<usize, ScenarioError> {
        app.processes
            .iter()
            .position(|x| &x.kind == p.get_ref())
            .ok_or_else(|| {
                self.err(
                    p.span(),
                    "process",
                    format!(
                        "app \"{}\" has no process type \"{}\"; {}",
                        app.name,
                        p.get_ref(),
                        one_of(
                            "process types",
                            app.processes.iter().map(|x| x.kind.as_str())
                        )
                    ),
                )
            })
    }

    /// A dyno number, 1..=count of the process type at t = 0.
    fn dyno(&self, app: &AppSpec, process: Option<usize>) -> Result<Option<u32>, ScenarioError> {
        let Some(d) = &self.op.dyno else {
            return Ok(None);
        };
        let Some(process) = process else {
            return Err(self.err(
                d.span(),
                "dyno",
                format!(
                    "`dyno` needs `process`: dyno {n} of which process type? e.g. \
                     process = \"web\", dyno = {n} for web.{n}",
                    n = d.get_ref()
                ),
            ));
        };
        let p = &app.processes[process];
        let n = *d.get_ref();
        if n == 0 || n > p.count {
            let range = match p.count {
                0 => format!("it starts with no \"{}\" dynos", p.kind),
                1 => format!("it starts with one \"{}\" dyno, {}.1", p.kind, p.kind),
                c => format!(
                    "it starts with {c} \"{}\" dynos, {}.1 to {}.{c}",
                    p.kind, p.kind, p.kind
                ),
            };
            return Err(self.err(
                d.span(),
                "dyno",
                format!(
                    "app \"{}\" has no dyno {}.{n} at the start: {range} (dyno numbers are \
                     checked against the formation at t = 0)",
                    app.name, p.kind
                ),
            ));
        }
        Ok(Some(n))
    }

    fn addon(&self, app: &AppSpec) -> Result<usize, ScenarioError> {
        let a = self.need(
            &self.op.addon,
            "addon",
            "the attachment name of one of the app's add-ons, e.g. addon = \"DATABASE\"",
        )?;
        app.addons
            .iter()
            .position(|x| &x.name == a.get_ref())
            .ok_or_else(|| {
                self.err(
                    a.span(),
                    "addon",
                    format!(
                        "app \"{}\" has no add-on \"{}\"; {}",
                        app.name,
                        a.get_ref(),
                        one_of(
                            "attached add-ons",
                            app.addons.iter().map(|x| x.name.as_str())
                        )
                    ),
                )
            })
    }

    /// `duration` if given (more than 0), else `default`; `absent` says what leaving it out
    /// means (empty when it is required).
    fn duration_or(
        &self,
        default: SimDuration,
        absent: &str,
    ) -> Result<SimDuration, ScenarioError> {
        match &self.op.duration {
            Some(d) if d.get_ref().0 == SimDuration::ZERO => Err(self.err(
                d.span(),
                "duration",
                if absent.is_empty() {
                    format!("`duration` of a \"{}\" must be more than 0s", self.action)
                } else {
                    format!(
                        "`duration` of a \"{}\" must be more than 0s; leave it out {absent}",
                        self.action
                    )
                },
            )),
            Some(d) => Ok(d.get_ref().0),
            None => Ok(default),
        }
    }
}

/// Builds the timeline from `raw` (file order) into operations sorted by `at`, ties in file
/// order. `members` are the space's `[[space.members]]`, which `actor` names.
pub(super) fn build_timeline_for(
    ctx: &Checker,
    raw: &[Spanned<RawOp>],
    apps: &[AppSpec],
    members: &[Member],
    duration: SimDuration,
    start: Option<OffsetDateTime>,
    platform: &PlatformConfig,
) -> Result<Vec<Operation>, ScenarioError> {
    let mut ops = Vec::with_capacity(raw.len());
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_action: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, entry) in raw.iter().enumerate() {
        let op = entry.get_ref();
        let action = *op.action.get_ref();
        let c = OpChecker {
            ctx,
            op,
            span: entry.span(),
            key: format!("timeline[{i}]"),
            action: action.name(),
        };
        let nth = per_action.entry(action.name()).or_insert(0);
        *nth += 1;
        let nth = *nth;

        let allowed = keys_of(action);
        if let Some((k, span)) = given(op).into_iter().find(|(k, _)| !allowed.contains(k)) {
            let takes = if allowed.is_empty() {
                format!("it takes only {}", common_keys(action))
            } else {
                format!(
                    "it takes {} besides {}",
                    and_list(allowed),
                    common_keys(action)
                )
            };
            return Err(c.err(
                span,
                k,
                format!("`{k}` does not apply to action \"{}\"; {takes}", c.action),
            ));
        }
        let actor = c.actor(members, action)?;

        let at = op
            .at
            .get_ref()
            .0
            .resolve(start)
            .map_err(|e| c.err(op.at.span(), "at", e))?;
        if at >= duration {
            return Err(c.err(
                op.at.span(),
                "at",
                format!(
                    "`at` ({at} after the start) must be before the end of the run \
                     (`duration` = {duration}); an operation at or after the end never happens"
                ),
            ));
        }

        let name = match &op.name {
            Some(n) => check_name(ctx, n, &format!("{}.name", c.key))?,
            None => format!("{}-{nth}", c.action),
        };
        if let Some(first) = names.get(&name) {
            let (span, why) = match &op.name {
                Some(n) => (n.span(), String::new()),
                None => (
                    entry.span(),
                    format!(
                        " (this unnamed entry is the {} \"{}\" and gets the default name \
                         \"{name}\")",
                        ordinal(nth),
                        c.action
                    ),
                ),
            };
            return Err(c.err(
                span,
                "name",
                format!(
                    "operation name \"{name}\" is already used by timeline[{first}]{why}; \
                     names must be unique"
                ),
            ));
        }
        names.insert(name.clone(), i);

        if action.on_space() {
            if let Some(a) = &op.app {
                return Err(c.err(
                    a.span(),
                    "app",
                    format!(
                        "`app` does not apply to action \"{}\": it acts on the space, not on \
                         an app; it takes {}",
                        c.action,
                        common_keys(action)
                    ),
                ));
            }
            let kind = match action {
                RawAction::DestroySpace => OpKind::DestroySpace,
                RawAction::TrustedIps => OpKind::TrustedIps {
                    ranges: c.ranges()?,
                },
                RawAction::ChangeRegion => {
                    let r = c.need(
                        &op.region,
                        "region",
                        "the region asked for, e.g. region = \"frankfurt\"",
                    )?;
                    if !REGIONS.contains(&r.get_ref().as_str()) {
                        return Err(c.err(
                            r.span(),
                            "region",
                            format!(
                                "unknown region \"{}\"; Private Spaces run in one of: {}",
                                r.get_ref(),
                                REGIONS.join(", ")
                            ),
                        ));
                    }
                    OpKind::ChangeRegion {
                        region: r.get_ref().clone(),
                    }
                }
                _ => unreachable!("only space actions act on the space"),
            };
            ops.push(Operation {
                name,
                at,
                kind,
                actor,
                line: ctx.line(entry.span()),
            });
            continue;
        }

        let app = c.app(apps)?;
        let a = &apps[app];
        let kind = match action {
            RawAction::Deploy | RawAction::ConfigChange => {
                let release_phase = op.release_phase.as_ref().map(|d| d.get_ref().0);
                let release_fails = op.release_fails.as_ref().is_some_and(|f| *f.get_ref());
                if let (true, None, Some(f)) = (release_fails, release_phase, &op.release_fails) {
                    return Err(c.err(
                        f.span(),
                        "release_fails",
                        "`release_fails = true` needs `release_phase`: how long the release \
                         phase runs before it fails, e.g. release_phase = \"45s\"",
                    ));
                }
                OpKind::Deploy {
                    app,
                    build: action == RawAction::Deploy,
                    release_phase,
                    release_fails,
                    schema: match op.schema.as_ref().map(|s| *s.get_ref()) {
                        None | Some(RawSchema::Compatible) => SchemaChange::Compatible,
                        Some(RawSchema::Incompatible) => SchemaChange::Incompatible,
                    },
                }
            }
            RawAction::Scale => {
                let p = c.need(
                    &op.process,
                    "process",
                    "the process type to scale, e.g. process = \"web\"",
                )?;
                let process = c.process(a, p)?;
                let count = c.need(
                    &op.count,
                    "count",
                    "the new number of dynos, e.g. count = 6",
                )?;
                OpKind::Scale {
                    app,
                    process,
                    count: *count.get_ref(),
                }
            }
            RawAction::ChangeType => {
                let p = c.need(
                    &op.process,
                    "process",
                    "the process type to resize, e.g. process = \"web\"",
                )?;
                let process = c.process(a, p)?;
                let to = c.need(&op.to, "to", "the new dyno type, e.g. to = \"private-l\"")?;
                let to = dyno_type::lookup(to.get_ref()).ok_or_else(|| {
                    c.err(
                        to.span(),
                        "to",
                        format!(
                            "unknown dyno type \"{}\"; known types: {}",
                            to.get_ref(),
                            dyno_type::names().join(", ")
                        ),
                    )
                })?;
                let concurrency = match &op.concurrency {
                    Some(n) if *n.get_ref() == 0 => {
                        return Err(c.err(
                            n.span(),
                            "concurrency",
                            "`concurrency` must be at least 1 (leave it out for the new \
                             type's default)",
                        ));
                    }
                    n => n.as_ref().map(|n| *n.get_ref()),
                };
                OpKind::ChangeType {
                    app,
                    process,
                    to,
                    concurrency,
                }
            }
            RawAction::Restart => {
                let process = match &op.process {
                    Some(p) => Some(c.process(a, p)?),
                    None => None,
                };
                OpKind::Restart {
                    app,
                    process,
                    dyno: c.dyno(a, process)?,
                }
            }
            RawAction::Crash => {
                let p = c.need(
                    &op.process,
                    "process",
                    "the process type of the crashing dyno, e.g. process = \"web\"",
                )?;
                let process = c.process(a, p)?;
                OpKind::Crash {
                    app,
                    process,
                    dyno: c.dyno(a, Some(process))?,
                }
            }
            RawAction::Traffic => {
                let cl = c.need(
                    &op.class,
                    "class",
                    "the traffic class whose rate changes, e.g. class = \"checkout\"",
                )?;
                let class = a
                    .traffic
                    .iter()
                    .position(|t| &t.name == cl.get_ref())
                    .ok_or_else(|| {
                        c.err(
                            cl.span(),
                            "class",
                            format!(
                                "app \"{}\" has no traffic class \"{}\"; {}",
                                a.name,
                                cl.get_ref(),
                                one_of(
                                    "traffic classes",
                                    a.traffic.iter().map(|t| t.name.as_str())
                                )
                            ),
                        )
                    })?;
                let rate = c.need(
                    &op.rate,
                    "rate",
                    "the new arrival rate, e.g. rate = \"900/s\"",
                )?;
                let duration = match &op.duration {
                    Some(_) => {
                        Some(c.duration_or(SimDuration::ZERO, "to keep the new rate to the end")?)
                    }
                    None => None,
                };
                OpKind::Traffic {
                    app,
                    class,
                    rate: rate.get_ref().0,
                    duration,
                }
            }
            RawAction::Failover => {
                let addon = c.addon(a)?;
                let spec = &a.addons[addon];
                let span = op.addon.as_ref().map_or(c.span.clone(), Spanned::span);
                if spec.kind != AddonKind::Postgres {
                    return Err(c.err(
                        span,
                        "addon",
                        format!(
                            "\"{}\" is a {} add-on; failover applies to Postgres only \
                             (use action = \"maintenance\" for other outages)",
                            spec.name,
                            kind_name(spec.kind)
                        ),
                    ));
                }
                if lookup_plan(spec.kind, &spec.plan).is_some_and(|p| !p.ha) {
                    return Err(c.err(
                        span,
                        "addon",
                        format!(
                            "\"{}\" is on plan \"{}\", which has no HA standby to fail over \
                             to (HA comes with premium, private and shield plans, facts \
                             §6.1); use action = \"maintenance\" for an outage",
                            spec.name, spec.plan
                        ),
                    ));
                }
                OpKind::Failover {
                    app,
                    addon,
                    duration: c.duration_or(platform.failover, "for `platform.failover`")?,
                }
            }
            RawAction::Maintenance => OpKind::Maintenance {
                app,
                addon: c.addon(a)?,
                duration: c.duration_or(platform.maintenance, "for `platform.maintenance`")?,
            },
            RawAction::CreateApp => {
                if !a.new {
                    let span = op.app.as_ref().map_or(c.span.clone(), Spanned::span);
                    return Err(c.err(
                        span,
                        "app",
                        format!(
                            "app \"{}\" is created by the timeline, so it must be declared with \
                             `new = true` under its [[apps]]: it does not exist, and serves \
                             nothing, until it is created and deployed",
                            a.name
                        ),
                    ));
                }
                OpKind::CreateApp { app }
            }
            RawAction::DestroyApp => OpKind::DestroyApp { app },
            RawAction::Run => {
                let process = match &op.process {
                    Some(p) => c.process(a, p)?,
                    None => match a.processes.iter().position(|p| p.is_web()) {
                        Some(w) => w,
                        None if !a.processes.is_empty() => 0,
                        None => {
                            return Err(c.err(
                                c.span.clone(),
                                "process",
                                format!(
                                    "app \"{}\" has no process types; a one-off dyno takes \
                                     its dyno type from one (`process`)",
                                    a.name
                                ),
                            ));
                        }
                    },
                };
                c.need(
                    &op.duration,
                    "duration",
                    "how long the one-off command runs once its dyno is up, e.g. \
                     duration = \"10m\"",
                )?;
                OpKind::Run {
                    app,
                    process,
                    duration: c.duration_or(SimDuration::ZERO, "")?,
                }
            }
            RawAction::DestroySpace | RawAction::TrustedIps | RawAction::ChangeRegion => {
                unreachable!("space actions are built above")
            }
        };
        ops.push(Operation {
            name,
            at,
            kind,
            actor,
            line: ctx.line(entry.span()),
        });
    }
    // Stable: ties keep file order.
    ops.sort_by_key(|o| o.at);
    Ok(ops)
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_prose() {
        assert_eq!(and_list(&["a"]), "`a`");
        assert_eq!(and_list(&["a", "b", "c"]), "`a`, `b` and `c`");
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(22), "22nd");
    }
}
