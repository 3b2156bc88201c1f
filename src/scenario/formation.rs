//! The formation's rules: apps per space, process types per app, dynos per process type, per
//! app and per space (private-spaces.txt, "Default limits for Private Spaces"; facts §4.2), and
//! which dyno types a space runs (facts §5, "Shield extras").
//!
//! Formations count as written: each process type's initial `count`, or its autoscale `max`
//! when it autoscales (the autoscaler may take it there). Scaling past a limit later is a
//! timeline operation the platform refuses; those rules live with the timeline.

use toml::Spanned;

use super::load::Checker;
use super::raw::RawApp;
use super::space::Finding;
use super::spec::{AppSpec, ProcessSpec, Runtime, SpaceConfig};
use crate::lint::rules;
use crate::model::dyno_type::Family;

/// The most dynos a process type may have as written: its autoscale max, else its count.
pub fn written_dynos(p: &ProcessSpec) -> u32 {
    p.autoscale.as_ref().map_or(p.count, |a| a.max.max(p.count))
}

/// Pushes a finding for every formation rule `apps` breaks. `raw` is the file's apps, in the
/// same order, for the lines.
pub(super) fn check(
    ctx: &Checker,
    raw: &[Spanned<RawApp>],
    apps: &[AppSpec],
    space: &SpaceConfig,
    findings: &mut Vec<Finding>,
) {
    let limits = space.network.limits;
    let private = space.runtime == Runtime::Private;
    if private && apps.len() > limits.apps as usize {
        let first_over = limits.apps as usize;
        findings.push(rules::APPS_LIMIT.at(
            ctx.line(raw[first_over].get_ref().name.span()),
            format!("apps[{first_over}]"),
            format!(
                "{} apps in the space: a space holds {} (\"25 apps\" by default; app \"{}\" is \
                 one too many); raise space.limits.apps as a support ticket would",
                apps.len(),
                limits.apps,
                apps[first_over].name
            ),
        ));
    }
    let mut space_total: u64 = 0;
    let mut space_reported = false;
    for (ai, (app, raw_app)) in apps.iter().zip(raw).enumerate() {
        let raw_app = raw_app.get_ref();
        let akey = format!("apps[{ai}]");
        if private && app.processes.len() > limits.process_types as usize {
            let first_over = limits.process_types as usize;
            findings.push(rules::PROCESS_TYPES_LIMIT.at(
                ctx.line(raw_app.processes[first_over].get_ref().kind.span()),
                format!("{akey}.processes[{first_over}]"),
                format!(
                    "app \"{}\" has {} process types: a space allows {} per app (\"100 \
                     process types\" by default); raise space.limits.process_types as a \
                     support ticket would",
                    app.name,
                    app.processes.len(),
                    limits.process_types
                ),
            ));
        }
        let mut app_total: u64 = 0;
        let mut app_reported = false;
        for (pi, (p, raw_p)) in app.processes.iter().zip(&raw_app.processes).enumerate() {
            let raw_p = raw_p.get_ref();
            let pkey = format!("{akey}.processes[{pi}]");
            let n = written_dynos(p);
            let (count_key, count_line) = match &raw_p.autoscale {
                Some(a) if a.get_ref().max.get_ref() >= raw_p.count.get_ref() => (
                    format!("{pkey}.autoscale.max"),
                    ctx.line(a.get_ref().max.span()),
                ),
                _ => (format!("{pkey}.count"), ctx.line(raw_p.count.span())),
            };
            if p.dyno_type.dedicated && n > limits.dynos_per_process_type {
                findings.push(rules::DYNOS_PER_PROCESS_TYPE.at(
                    count_line,
                    count_key.clone(),
                    format!(
                        "{n} {} dynos of process type \"{}\" in app \"{}\": the limit is {} per \
                         process type for Private, Shield and Performance dynos (\"100 process \
                         types (10 dynos per process type)\"); raise \
                         space.limits.dynos_per_process_type as a support ticket would",
                        p.dyno_type.name, p.kind, app.name, limits.dynos_per_process_type
                    ),
                ));
            }
            app_total += u64::from(n);
            if !app_reported && app_total > u64::from(limits.dynos_per_app) {
                app_reported = true;
                findings.push(rules::DYNOS_PER_APP.at(
                    count_line,
                    count_key.clone(),
                    format!(
                        "app \"{}\" has {} dynos: an app may have {} dynos in total across its \
                         process types (facts §4.2: 100 by default); raise \
                         space.limits.dynos_per_app as a support ticket would",
                        app.name,
                        app.processes.iter().map(written_dynos).map(u64::from).sum::<u64>(),
                        limits.dynos_per_app
                    ),
                ));
            }
            space_total += u64::from(n);
            if private && !space_reported && space_total > u64::from(limits.dynos_per_space) {
                space_reported = true;
                findings.push(rules::DYNOS_PER_SPACE.at(
                    count_line,
                    count_key,
                    format!(
                        "the space has {} dynos across its apps (the limit is passed at app \
                         \"{}\", process type \"{}\"): \"100 dynos for the entire Space\" by \
                         default, here {}; raise space.limits.dynos_per_space as a support \
                         ticket would",
                        apps.iter()
                            .flat_map(|a| &a.processes)
                            .map(written_dynos)
                            .map(u64::from)
                            .sum::<u64>(),
                        app.name,
                        p.kind,
                        limits.dynos_per_space
                    ),
                ));
            }
            if private {
                check_shield(
                    ctx,
                    space.network.shield,
                    p,
                    raw_p,
                    &pkey,
                    &app.name,
                    findings,
                );
            }
        }
    }
}

/// A Shield space runs only shield-* dyno types (facts §5); a standard Private Space runs none
/// (**assumption**: the facts name shield dynos as a Shield feature but do not say other spaces
/// refuse them).
fn check_shield(
    ctx: &Checker,
    shield: bool,
    p: &ProcessSpec,
    raw: &super::raw::RawProcess,
    pkey: &str,
    app: &str,
    findings: &mut Vec<Finding>,
) {
    let is_shield = p.dyno_type.family == Family::Shield;
    if shield == is_shield {
        return;
    }
    let span = raw
        .dyno_type
        .as_ref()
        .map_or_else(|| raw.kind.span(), |t| t.span());
    let size = p
        .dyno_type
        .name
        .split_once('-')
        .map_or("m", |(_, size)| size);
    let family = if shield { "shield" } else { "private" };
    let suggestion = crate::model::dyno_type::lookup(&format!("{family}-{size}"))
        .map_or_else(|| format!("{family}-m"), |t| t.name.to_string());
    let message = if shield {
        format!(
            "process type \"{}\" of app \"{app}\" runs {} dynos: a Shield Private Space runs \
             only Shield dynos (encrypted ephemeral file system); use {suggestion}",
            p.kind, p.dyno_type.name
        )
    } else {
        format!(
            "process type \"{}\" of app \"{app}\" runs {} dynos, which run only in Shield \
             Private Spaces: set space.shield = true, or use {suggestion}",
            p.kind, p.dyno_type.name
        )
    };
    findings.push(rules::SHIELD_DYNOS.at(ctx.line(span), format!("{pkey}.dyno_type"), message));
}
