//! `[[timeline]]`: operations on the space over time, checked against the typed apps.
//!
//! Each entry is a flat table ([`RawOp`]) whose `action` decides which keys it takes; a key that
//! belongs to another action is refused, naming the action, so a `count` on a deploy is never
//! silently dropped. Names, apps, process types, classes, add-ons and dyno numbers are resolved
//! to indices into the typed vectors ([`OpKind`]).
//!
//! Pitfall: counts and dyno numbers are checked against the formation **at t = 0** only. An
//! earlier `scale` may add or remove dynos before a later `crash` of `web.6`; the simulator
//! decides what such an operation does when its time comes.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;

use time::OffsetDateTime;
use toml::Spanned;

use super::addons::{kind_name, lookup as lookup_plan, one_of};
use super::error::ScenarioError;
use super::load::{Checker, check_name};
use super::ops::{AddonKind, OpKind, Operation, PlatformConfig, SchemaChange};
use super::spec::AppSpec;
use super::units::{Dur, RateValue, TimeValue};
use crate::engine::SimDuration;
use crate::model::dyno_type;

/// Keys every action takes.
const COMMON_KEYS: &str = "`at`, `action`, `name` and `app`";

/// One `[[timeline]]` entry: a flat table whose `action` decides which other keys it takes.
/// Keys that do not belong to the action are refused by the builder, naming the action.
///
/// | action | keys besides `at`, `action`, `name`, `app` |
/// |---|---|
/// | `deploy` | `release_phase`, `release_fails`, `schema` |
/// | `config_change` | `release_phase`, `release_fails` |
/// | `scale` | `process`, `count` (both required) |
/// | `change_type` | `process`, `to` (required), `concurrency` |
/// | `restart` | `process`, `dyno` (needs `process`) |
/// | `crash` | `process` (required), `dyno` |
/// | `traffic` | `class`, `rate` (required), `duration` |
/// | `failover` | `addon` (required, Postgres), `duration` |
/// | `maintenance` | `addon` (required), `duration` |
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
        }
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
    /// means.
    fn duration_or(
        &self,
        default: SimDuration,
        absent: &str,
    ) -> Result<SimDuration, ScenarioError> {
        match &self.op.duration {
            Some(d) if d.get_ref().0 == SimDuration::ZERO => Err(self.err(
                d.span(),
                "duration",
                format!(
                    "`duration` of a \"{}\" must be more than 0s; leave it out {absent}",
                    self.action
                ),
            )),
            Some(d) => Ok(d.get_ref().0),
            None => Ok(default),
        }
    }
}

/// Builds the timeline from `raw` (file order) into operations sorted by `at`, ties in file
/// order.
pub(super) fn build_timeline(
    ctx: &Checker,
    raw: &[Spanned<RawOp>],
    apps: &[AppSpec],
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
            return Err(c.err(
                span,
                k,
                format!(
                    "`{k}` does not apply to action \"{}\"; it takes {} besides {COMMON_KEYS}",
                    c.action,
                    and_list(allowed)
                ),
            ));
        }

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
        };
        ops.push(Operation {
            name,
            at,
            kind,
            actor: None,
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
