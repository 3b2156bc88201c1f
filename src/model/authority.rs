//! Who may do what in the space, and which limits refuse an operation: the platform's rules for
//! timeline operations, as pure functions of the operation and the state of the space.
//!
//! The same rules serve twice: the simulation judges each operation when its time comes, against
//! the live formation ([`judge`] with a state built from the run), and `spacesim lint` predicts
//! the refusals it can foresee by walking the timeline in order ([`predict`]), applying only the
//! operations that would be accepted. The two agree except where the run knows more: the
//! autoscaler changes formations, and one-off dynos end when their command ends.
//!
//! # Rules, in the order they are checked
//! | rule | refused when | source |
//! |---|---|---|
//! | `op-runtime` | a space action (`destroy_space`, `trusted_ips`, `change_region`) in the Common Runtime | no Private Space there |
//! | `op-space-destroyed` | anything after a successful `destroy_space` | private-spaces.txt, "Destroy a Private Space" |
//! | `op-app` | an operation on an app that does not exist (never created, refused, destroyed); `create_app` of one that exists | private-spaces.txt, "Create an app in a Private Space" |
//! | `op-permission` | the actor's role does not allow it (below) | private-spaces.txt, "Private Space management", "Trusted IP ranges", "Create an app in a Private Space" |
//! | `op-allocating` | an operation that starts dynos before the space is allocated | private-spaces.txt, "View information about a Private Space" |
//! | `op-region` | `change_region`, always | private-spaces.txt, "Regions" |
//! | `op-destroy-space` | `destroy_space` while an app exists | private-spaces.txt, "Destroy a Private Space" |
//! | `op-limit` | a scale (or a first deploy) past dynos per process type, per app or per space; an app past `limits.apps`; more trusted ranges than `limits.trusted_ips`; a `run` past `limits.one_off_dynos` concurrent one-offs | private-spaces.txt, "Default limits for Private Spaces"; facts §4.2, §5 |
//!
//! # Permissions
//! An operation without `actor` is done by a team administrator, who may do everything. A
//! `member` may work on apps (deploy, config changes, scale, type changes, restarts, one-off
//! dynos, add-on failovers and maintenance, and destroying apps: **assumption**, members are
//! taken to hold the "manage" permission on the space's apps); creates apps only with the
//! "app creation" permission (`create_apps = true`); never manages the space or its trusted IP
//! ranges. A `viewer` changes nothing (**assumption**: viewers hold only the "view" app
//! permission). `crash` and `traffic` happen to the space; nobody needs a permission for them.
//!
//! # Limits
//! Per process type: `limits.dynos_per_process_type` (10) for Performance, Private and Shield
//! types; 1 for Eco and Basic (facts §4.2); Standard types only have the per-app limit. Per app:
//! `limits.dynos_per_app` (100). Per space (Private Spaces only): `limits.dynos_per_space` (100)
//! over the formations of every existing app. A formation change is refused only when it grows
//! something past its limit, so scaling down is always allowed. One-off dynos count against
//! `limits.one_off_dynos` (5), not against the formation limits.

use crate::engine::SimDuration;
use crate::model::dyno_type::{DynoType, Family};
use crate::scenario::space::{Limits, Role};
use crate::scenario::{OpKind, Operation, Runtime, Scenario};

/// Why the platform refuses an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Rule id, e.g. `op-permission` (the [module](self) lists them).
    pub rule: &'static str,
    /// The refusal, in the platform's words where it has them.
    pub reason: String,
    /// Where the rule comes from.
    pub source: &'static str,
}

impl Refusal {
    fn new(rule: &'static str, reason: impl Into<String>, source: &'static str) -> Refusal {
        Refusal {
            rule,
            reason: reason.into(),
            source,
        }
    }
}

/// The platform's reason for refusing to destroy a space that holds apps
/// (private-spaces.txt, "Destroy a Private Space").
pub const DESTROY_SPACE_REASON: &str = "Private Spaces that contain applications or other \
     resources cannot be destroyed. Apps must be explicitly deleted before destroying a Private \
     Space.";
/// The platform's reason for refusing a region change (private-spaces.txt, "Regions").
pub const CHANGE_REGION_REASON: &str =
    "The region cannot be changed after the Private Space is created.";

const SRC_MANAGEMENT: &str = "private-spaces.txt, \"Private Space management\"";
const SRC_TRUSTED: &str = "private-spaces.txt, \"Trusted IP ranges\"";
const SRC_CREATE: &str = "private-spaces.txt, \"Create an app in a Private Space\"";
const SRC_VIEWER: &str = "private-spaces.txt, \"Managing apps in Private Spaces\" (assumption: \
     a viewer holds only the view permission)";
const SRC_REGION: &str = "private-spaces.txt, \"Regions\"";
const SRC_DESTROY: &str = "private-spaces.txt, \"Destroy a Private Space\"";
const SRC_ALLOCATING: &str = "private-spaces.txt, \"View information about a Private Space\" \
     (allocating: not yet operational)";
const SRC_LIMITS: &str =
    "private-spaces.txt, \"Default limits for Private Spaces\"; facts §4.2, §5";
const SRC_ONE_OFF: &str = "facts §4.2 (SCALING-LIMITS: 5 concurrent one-off dynos on \
     Private/Shield); private-spaces.txt, \"Default limits for Private Spaces\"";
const SRC_RUNTIME: &str = "private-spaces.txt (space management applies to Private Spaces)";

/// One process type's formation.
#[derive(Copy, Clone, Debug)]
pub struct ProcState {
    /// Dynos in the formation (booting ones included, stopping ones not).
    pub count: u32,
    /// Their dyno type.
    pub dyno_type: &'static DynoType,
}

/// One app as the rules see it.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The app exists (not `new` and created by the timeline, not destroyed).
    pub exists: bool,
    /// Its formation has been released: a deploy of an undeployed app starts the whole
    /// formation (its first deploy).
    pub deployed: bool,
    /// Per process type, in the scenario's order.
    pub formation: Vec<ProcState>,
}

/// The state of the space an operation is judged against.
#[derive(Clone, Debug)]
pub struct SpaceState {
    /// Per app, in the scenario's order.
    pub apps: Vec<AppState>,
    /// One-off dynos provisioning or running.
    pub one_offs: u32,
    /// The space is not allocated yet.
    pub allocating: bool,
    /// The space was destroyed.
    pub destroyed: bool,
}

impl SpaceState {
    /// The space at the start of a run of `scenario`: apps that a `create_app` creates do not
    /// exist yet, `new` apps exist undeployed (no dynos), the others run their formation.
    pub fn initial(scenario: &Scenario) -> SpaceState {
        let created = created_by_timeline(scenario);
        SpaceState {
            apps: scenario
                .apps
                .iter()
                .enumerate()
                .map(|(a, app)| AppState {
                    exists: !created[a],
                    deployed: !app.new,
                    formation: app
                        .processes
                        .iter()
                        .map(|p| ProcState {
                            count: if app.new { 0 } else { p.count },
                            dyno_type: p.dyno_type,
                        })
                        .collect(),
                })
                .collect(),
            one_offs: 0,
            allocating: scenario.space.network.allocation.is_some(),
            destroyed: false,
        }
    }

    /// Apps that exist.
    pub fn existing_apps(&self) -> u32 {
        self.apps.iter().filter(|a| a.exists).count() as u32
    }

    /// Dynos in the formations of every existing app.
    pub fn space_dynos(&self) -> u64 {
        self.apps
            .iter()
            .filter(|a| a.exists)
            .map(|a| a.formation.iter().map(|p| u64::from(p.count)).sum::<u64>())
            .sum()
    }
}

/// For each app, true when a `create_app` of the timeline creates it: it does not exist before.
pub fn created_by_timeline(scenario: &Scenario) -> Vec<bool> {
    let mut created = vec![false; scenario.apps.len()];
    for op in &scenario.timeline {
        if let OpKind::CreateApp { app } = op.kind {
            created[app] = true;
        }
    }
    created
}

/// Judges `op` of `scenario` against `state`: Ok when the platform accepts it.
pub fn judge(scenario: &Scenario, op: &Operation, state: &SpaceState) -> Result<(), Refusal> {
    let private = scenario.space.runtime == Runtime::Private;
    let on_space = op.kind.app().is_none();
    if on_space && !private {
        return Err(Refusal::new(
            "op-runtime",
            format!(
                "the apps run in the Common Runtime: there is no Private Space for \"{}\" to act on",
                op.kind.action()
            ),
            SRC_RUNTIME,
        ));
    }
    if state.destroyed && !op.kind.is_event() {
        return Err(Refusal::new(
            "op-space-destroyed",
            "the Private Space was destroyed: nothing can be done in it any more",
            SRC_DESTROY,
        ));
    }
    if let Some(a) = op.kind.app() {
        let name = &scenario.apps[a].name;
        match (&op.kind, state.apps[a].exists) {
            (OpKind::CreateApp { .. }, true) => {
                return Err(Refusal::new(
                    "op-app",
                    format!("app {name} already exists"),
                    SRC_CREATE,
                ));
            }
            (OpKind::CreateApp { .. }, false) => {}
            (_, false) => {
                return Err(Refusal::new(
                    "op-app",
                    format!("app {name} does not exist"),
                    SRC_CREATE,
                ));
            }
            _ => {}
        }
    }
    permitted(scenario, op)?;
    let starts_dynos = matches!(
        op.kind,
        OpKind::Deploy { .. }
            | OpKind::Scale { .. }
            | OpKind::ChangeType { .. }
            | OpKind::Restart { .. }
            | OpKind::Run { .. }
    );
    if state.allocating && starts_dynos {
        return Err(Refusal::new(
            "op-allocating",
            "the Private Space is still allocating: no dyno can start before it is allocated",
            SRC_ALLOCATING,
        ));
    }
    let limits = &scenario.space.network.limits;
    match &op.kind {
        OpKind::ChangeRegion { .. } => {
            Err(Refusal::new("op-region", CHANGE_REGION_REASON, SRC_REGION))
        }
        OpKind::DestroySpace if state.existing_apps() > 0 => Err(Refusal::new(
            "op-destroy-space",
            DESTROY_SPACE_REASON,
            SRC_DESTROY,
        )),
        OpKind::TrustedIps { ranges } if ranges.len() as u64 > u64::from(limits.trusted_ips) => {
            Err(Refusal::new(
                "op-limit",
                format!(
                    "A Private Space has at most {} trusted IP ranges; this sets {} (the limit \
                     is raisable by a support ticket: space.limits.trusted_ips)",
                    limits.trusted_ips,
                    ranges.len()
                ),
                SRC_LIMITS,
            ))
        }
        OpKind::CreateApp { .. } if private && state.existing_apps() >= limits.apps => {
            Err(Refusal::new(
                "op-limit",
                format!(
                    "A Private Space holds at most {} apps and this one has {} (the limit is \
                     raisable by a support ticket: space.limits.apps)",
                    limits.apps,
                    state.existing_apps()
                ),
                SRC_LIMITS,
            ))
        }
        &OpKind::Scale {
            app,
            process,
            count,
        } => check_scale(scenario, state, app, process, count),
        &OpKind::Deploy {
            app,
            release_fails: false,
            ..
        } if !state.apps[app].deployed => {
            // The first deploy starts the whole formation.
            let counts: Vec<u32> = scenario.apps[app]
                .processes
                .iter()
                .map(|p| p.count)
                .collect();
            check_formation(scenario, state, app, &counts)
        }
        OpKind::Run { .. } if state.one_offs >= limits.one_off_dynos => Err(Refusal::new(
            "op-limit",
            format!(
                "Cannot run more than {} concurrent one-off dynos in a Private Space; {} \
                 {} provisioning or running (space.limits.one_off_dynos)",
                limits.one_off_dynos,
                state.one_offs,
                if state.one_offs == 1 { "is" } else { "are" }
            ),
            SRC_ONE_OFF,
        )),
        _ => Ok(()),
    }
}

/// Scaling process `process` of app `app` to `count` dynos, against every formation limit.
pub fn check_scale(
    scenario: &Scenario,
    state: &SpaceState,
    app: usize,
    process: usize,
    count: u32,
) -> Result<(), Refusal> {
    let mut counts: Vec<u32> = state.apps[app].formation.iter().map(|p| p.count).collect();
    counts[process] = count;
    check_formation(scenario, state, app, &counts)
}

/// App `app`'s formation becoming `counts` (per process type), against the limits per process
/// type, per app and per space. Only growth is refused.
pub fn check_formation(
    scenario: &Scenario,
    state: &SpaceState,
    app: usize,
    counts: &[u32],
) -> Result<(), Refusal> {
    let limits = &scenario.space.network.limits;
    let current = &state.apps[app].formation;
    let spec = &scenario.apps[app];
    for (p, (&new, now)) in counts.iter().zip(current).enumerate() {
        if new <= now.count {
            continue;
        }
        if let Some(limit) = per_type_limit(limits, now.dyno_type)
            && new > limit
        {
            return Err(Refusal::new(
                "op-limit",
                format!(
                    "Cannot update to more than {limit} {} size dynos per process type \
                     (\"{}\" of app {} asks for {new}; space.limits.dynos_per_process_type)",
                    display_type(now.dyno_type),
                    spec.processes[p].kind,
                    spec.name
                ),
                SRC_LIMITS,
            ));
        }
    }
    let before: u64 = current.iter().map(|p| u64::from(p.count)).sum();
    let after: u64 = counts.iter().map(|&c| u64::from(c)).sum();
    if after <= before {
        return Ok(());
    }
    if after > u64::from(limits.dynos_per_app) {
        return Err(Refusal::new(
            "op-limit",
            format!(
                "Cannot update to more than {} dynos per app (app {} would run {after}; \
                 space.limits.dynos_per_app)",
                limits.dynos_per_app, spec.name
            ),
            SRC_LIMITS,
        ));
    }
    if scenario.space.runtime == Runtime::Private {
        let others = state.space_dynos() - if state.apps[app].exists { before } else { 0 };
        let space = others + after;
        if space > u64::from(limits.dynos_per_space) {
            return Err(Refusal::new(
                "op-limit",
                format!(
                    "Cannot run more than {} dynos in the Private Space (it would run {space}; \
                     space.limits.dynos_per_space)",
                    limits.dynos_per_space
                ),
                SRC_LIMITS,
            ));
        }
    }
    Ok(())
}

/// The most dynos of `t` one process type may run: the space's limit for dedicated types,
/// 1 for Eco and Basic, none beyond the per-app limit for Standard types (facts §4.2).
fn per_type_limit(limits: &Limits, t: &DynoType) -> Option<u32> {
    match t.family {
        Family::Performance | Family::Private | Family::Shield => {
            Some(limits.dynos_per_process_type)
        }
        Family::Shared if matches!(t.name, "eco" | "basic") => Some(1),
        Family::Shared => None,
    }
}

/// `private-m` as the platform writes it in messages: `Private-M` (`Shield-L-RAM`,
/// `Performance-2XL`, `Eco`).
fn display_type(t: &DynoType) -> String {
    t.name
        .split('-')
        .map(|part| {
            if part == "ram" || part.len() <= 2 || part.chars().any(|c| c.is_ascii_digit()) {
                part.to_ascii_uppercase()
            } else {
                let mut c = part.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// Whether `op`'s actor may do it.
fn permitted(scenario: &Scenario, op: &Operation) -> Result<(), Refusal> {
    let Some(i) = op.actor else {
        return Ok(()); // an administrator
    };
    let member = &scenario.space.network.members[i];
    let name = &member.name;
    if op.kind.is_event() {
        return Ok(());
    }
    match member.role {
        Role::Admin => Ok(()),
        Role::Viewer => Err(Refusal::new(
            "op-permission",
            format!(
                "{name} is a viewer: viewers can see the space and its apps but change nothing \
                 (\"{}\" needs {})",
                op.kind.action(),
                needs(&op.kind)
            ),
            SRC_VIEWER,
        )),
        Role::Member => match &op.kind {
            OpKind::CreateApp { .. } if member.create_apps => Ok(()),
            OpKind::CreateApp { .. } => Err(Refusal::new(
                "op-permission",
                format!(
                    "The only users who can create apps in a Private Space are team \
                     administrators and team members that have been granted the \"app \
                     creation\" permission; {name} is a member without it"
                ),
                SRC_CREATE,
            )),
            OpKind::TrustedIps { .. } => Err(Refusal::new(
                "op-permission",
                format!(
                    "Only team administrators can manage trusted IP ranges for a Private Space; \
                     {name} is a member"
                ),
                SRC_TRUSTED,
            )),
            OpKind::DestroySpace | OpKind::ChangeRegion { .. } => Err(Refusal::new(
                "op-permission",
                format!(
                    "Only team administrators can create, destroy, or modify Private Spaces; \
                     {name} is a member"
                ),
                SRC_MANAGEMENT,
            )),
            _ => Ok(()),
        },
    }
}

/// Who may do an operation of this kind, for messages.
fn needs(kind: &OpKind) -> &'static str {
    match kind {
        OpKind::CreateApp { .. } => {
            "an administrator or a member with the \"app creation\" permission"
        }
        OpKind::DestroySpace | OpKind::ChangeRegion { .. } | OpKind::TrustedIps { .. } => {
            "an administrator"
        }
        _ => "an administrator or a member",
    }
}

/// The refusals of `scenario.timeline` that can be foreseen without simulating, in timeline
/// order (None for an operation expected to be accepted). Walks the timeline applying only the
/// accepted operations: scales set counts, type changes set types, first deploys start their
/// formation, apps are created and destroyed, one-off dynos are counted from their `at` to
/// `at + one_off_provisioning + duration`, and the space allocates at `network.allocation`.
pub fn predict(scenario: &Scenario) -> Vec<Option<Refusal>> {
    let mut state = SpaceState::initial(scenario);
    let network = &scenario.space.network;
    let mut one_off_ends: Vec<SimDuration> = Vec::new();
    let mut out = Vec::with_capacity(scenario.timeline.len());
    for op in &scenario.timeline {
        state.allocating = network.allocation.is_some_and(|d| op.at < d);
        one_off_ends.retain(|&end| end > op.at);
        state.one_offs = one_off_ends.len() as u32;
        let verdict = judge(scenario, op, &state);
        if verdict.is_ok() {
            apply(scenario, op, &mut state);
            if let OpKind::Run { duration, .. } = op.kind {
                one_off_ends.push(op.at + network.one_off_provisioning + duration);
            }
        }
        out.push(verdict.err());
    }
    out
}

/// What an accepted operation changes in the state the rules look at.
fn apply(scenario: &Scenario, op: &Operation, state: &mut SpaceState) {
    match &op.kind {
        &OpKind::Deploy {
            app,
            release_fails: false,
            ..
        } if !state.apps[app].deployed => {
            let a = &mut state.apps[app];
            a.deployed = true;
            for (f, spec) in a.formation.iter_mut().zip(&scenario.apps[app].processes) {
                f.count = spec.count;
            }
        }
        &OpKind::Scale {
            app,
            process,
            count,
        } => state.apps[app].formation[process].count = count,
        &OpKind::ChangeType {
            app, process, to, ..
        } => state.apps[app].formation[process].dyno_type = to,
        &OpKind::CreateApp { app } => {
            let a = &mut state.apps[app];
            a.exists = true;
            a.deployed = false;
            a.formation.iter_mut().for_each(|f| f.count = 0);
        }
        &OpKind::DestroyApp { app } => {
            let a = &mut state.apps[app];
            a.exists = false;
            a.deployed = false;
            a.formation.iter_mut().for_each(|f| f.count = 0);
        }
        OpKind::DestroySpace => state.destroyed = true,
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::dyno_type::lookup;

    #[test]
    fn dyno_types_are_written_as_the_platform_does() {
        let t = |n| display_type(lookup(n).unwrap());
        assert_eq!(t("private-m"), "Private-M");
        assert_eq!(t("performance-2xl"), "Performance-2XL");
        assert_eq!(t("shield-l-ram"), "Shield-L-RAM");
        assert_eq!(t("standard-1x"), "Standard-1X");
        assert_eq!(t("eco"), "Eco");
    }

    #[test]
    fn per_type_limits_follow_the_family() {
        let l = Limits::default();
        assert_eq!(per_type_limit(&l, lookup("private-m").unwrap()), Some(10));
        assert_eq!(
            per_type_limit(&l, lookup("performance-l").unwrap()),
            Some(10)
        );
        assert_eq!(per_type_limit(&l, lookup("basic").unwrap()), Some(1));
        assert_eq!(per_type_limit(&l, lookup("standard-2x").unwrap()), None);
    }
}
