//! The zero-downtime checker: before a run, predicts whether each deploy-like operation
//! (deploy, config change, dyno type change, restart) keeps every request answered.
//!
//! It applies the platform's documented conditions for rolling deploys (facts §3.2, ROLLING):
//!
//! 1. `deployed_and_running`: the app has been deployed at least once and is running: it is not
//!    `new`, or an earlier deploy or config change of it (whose release phase does not fail)
//!    comes before the operation in the timeline.
//! 2. `capacity`: every process type the operation replaces has at least two dynos, and the web
//!    process can carry the offered load with `ceil(rolling_batch × n)` of its `n` dynos
//!    missing. The platform says only "not at capacity"; the checker's headroom rule is that
//!    the remaining utilisation, offered busy slots ÷ remaining slots, is at most
//!    `platform.zero_downtime_max_utilisation` (an **assumption**, 80% by default).
//! 3. `schema_compatible`: the release's schema change works with the old and new code.
//!
//! Changing a dyno type adds `no_type_change`, which always fails: the platform warns of "a
//! short downtime ... while we create the new dynos" (ROLLING). In the Common Runtime, preboot
//! boots the new web dynos beside the old ones, which replaces condition 2 (facts §3.1);
//! without preboot all dynos restart together, so `rolling_runtime` fails.
//!
//! # What the state at an operation's time includes
//! The timeline is walked in order (time, then file order), so an operation sees every earlier
//! entry: `scale` and `change_type` set counts, dyno types and concurrency; a `traffic` entry
//! replaces its class's rate while it is active at the operation's time (the latest such entry
//! per class wins; once it expires the class's own arrival process applies again). Autoscaling
//! and crashes are not foreseen: the checker uses the formation the timeline asks for.
//! Operations the platform's rules refuse ([`crate::model::authority::predict`]) are neither
//! judged nor applied: a refused deploy replaces nothing. `create_app` and `destroy_app` make an
//! app undeployed again, as a `new` app.
//!
//! # Pitfalls
//! The offered load is the arrival rate *at the operation's start* times the mean service time;
//! a rollout lasts minutes, and a ramp or burst during it can still overload the remaining
//! dynos. A trace has no instantaneous rate: its mean rate over the run is used.

use serde::Serialize;

use crate::engine::SimDuration;
use crate::model::arrival::ArrivalProcess;
use crate::model::dyno_type::DynoType;
use crate::scenario::{OpKind, Runtime, Scenario, SchemaChange};

/// The checker's verdict on one deploy-like operation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Prediction {
    /// Index of the operation in `scenario.timeline`.
    pub op: usize,
    /// True when every condition passes: no request is expected to fail.
    pub predicted: bool,
    /// The conditions, in the order the platform lists them, then the extra ones.
    pub conditions: Vec<Condition>,
}

/// One condition of a [`Prediction`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Condition {
    /// `deployed_and_running`, `capacity`, `schema_compatible`, `no_type_change` or
    /// `rolling_runtime`.
    pub name: &'static str,
    /// Whether it holds.
    pub pass: bool,
    /// The numbers that decided it.
    pub detail: String,
}

/// The formation of one process type as the timeline has changed it so far.
#[derive(Clone, Debug)]
struct Formation {
    count: u32,
    dyno_type: &'static DynoType,
    concurrency: u32,
}

/// A `traffic` entry's rate replacing a class's arrival process from `from` until `until`.
#[derive(Copy, Clone, Debug)]
struct Override {
    rate: f64,
    until: Option<SimDuration>,
}

/// Predicts, for every deploy-like operation of `scenario.timeline` in timeline order, whether
/// it keeps zero downtime.
pub fn predict(scenario: &Scenario) -> Vec<Prediction> {
    let mut formations: Vec<Vec<Formation>> = scenario
        .apps
        .iter()
        .map(|app| {
            app.processes
                .iter()
                .map(|p| Formation {
                    count: p.count,
                    dyno_type: p.dyno_type,
                    concurrency: p.concurrency,
                })
                .collect()
        })
        .collect();
    let mut overrides: Vec<Vec<Option<Override>>> = scenario
        .apps
        .iter()
        .map(|app| vec![None; app.traffic.len()])
        .collect();
    // The name of the release that first made a new app run, if any.
    let mut released: Vec<Option<String>> = vec![None; scenario.apps.len()];

    let refusals = crate::model::authority::predict(scenario);
    let mut predictions = Vec::new();
    for (i, op) in scenario.timeline.iter().enumerate() {
        if refusals[i].is_some() {
            continue;
        }
        if op.kind.is_deploy_like() {
            let prediction = judge(scenario, i, &formations, &overrides, &released);
            predictions.push(prediction);
        }
        // Apply the operation after judging it: an operation sees only earlier entries.
        match &op.kind {
            OpKind::Deploy {
                app, release_fails, ..
            } => {
                if !release_fails && released[*app].is_none() {
                    released[*app] = Some(op.name.clone());
                }
            }
            OpKind::Scale {
                app,
                process,
                count,
            } => formations[*app][*process].count = *count,
            OpKind::ChangeType {
                app,
                process,
                to,
                concurrency,
            } => {
                let f = &mut formations[*app][*process];
                f.dyno_type = to;
                f.concurrency = concurrency.unwrap_or(to.default_concurrency);
            }
            OpKind::Traffic {
                app,
                class,
                rate,
                duration,
            } => {
                overrides[*app][*class] = Some(Override {
                    rate: rate.as_per_sec(),
                    until: duration.map(|d| op.at + d),
                });
            }
            OpKind::CreateApp { app } | OpKind::DestroyApp { app } => {
                released[*app] = None;
                for (f, p) in formations[*app]
                    .iter_mut()
                    .zip(&scenario.apps[*app].processes)
                {
                    *f = Formation {
                        count: p.count,
                        dyno_type: p.dyno_type,
                        concurrency: p.concurrency,
                    };
                }
            }
            OpKind::Restart { .. }
            | OpKind::Crash { .. }
            | OpKind::Failover { .. }
            | OpKind::Maintenance { .. }
            | OpKind::DestroySpace
            | OpKind::TrustedIps { .. }
            | OpKind::ChangeRegion { .. }
            | OpKind::Run { .. } => {}
        }
    }
    predictions
}

/// Judges operation `i` against the state left by the entries before it.
fn judge(
    scenario: &Scenario,
    i: usize,
    formations: &[Vec<Formation>],
    overrides: &[Vec<Option<Override>>],
    released: &[Option<String>],
) -> Prediction {
    let op = &scenario.timeline[i];
    let ai = op.kind.app().expect("deploy-like operations act on an app");
    let app = &scenario.apps[ai];
    let mut conditions = Vec::with_capacity(5);
    if let OpKind::Deploy {
        release_fails: true,
        ..
    } = op.kind
    {
        // A failing release phase stops the release before any dyno changes (facts §2).
        return Prediction {
            op: i,
            predicted: true,
            conditions: vec![Condition {
                name: "release_phase",
                pass: true,
                detail: "the release phase fails, so nothing is rolled out and no dyno restarts"
                    .to_string(),
            }],
        };
    }

    // (1) Deployed at least once and running.
    conditions.push(if !app.new {
        Condition {
            name: "deployed_and_running",
            pass: true,
            detail: format!("app \"{}\" is running when the run starts", app.name),
        }
    } else if let Some(first) = &released[ai] {
        Condition {
            name: "deployed_and_running",
            pass: true,
            detail: format!(
                "app \"{}\" is new; \"{first}\", earlier in the timeline, released it first",
                app.name
            ),
        }
    } else {
        Condition {
            name: "deployed_and_running",
            pass: false,
            detail: format!(
                "app \"{}\" is new and no earlier deploy or config change released it: it serves \
                 nothing until this release is up (a first deploy into a space takes several \
                 minutes)",
                app.name
            ),
        }
    });

    // (2) At least two dynos and headroom with a batch missing; preboot replaces it.
    let (processes, one_dyno): (Vec<usize>, bool) = match &op.kind {
        OpKind::Restart {
            process: Some(p),
            dyno,
            ..
        } => (vec![*p], dyno.is_some()),
        OpKind::Restart {
            process: None,
            dyno,
            ..
        } => ((0..app.processes.len()).collect(), dyno.is_some()),
        OpKind::ChangeType { process, .. } => (vec![*process], false),
        _ => ((0..app.processes.len()).collect(), false),
    };
    let common = scenario.space.runtime == Runtime::Common;
    let replaces_web = processes.iter().any(|&p| app.processes[p].is_web());
    // Preboot covers releases (deploys, config changes); restarts and type changes do not use it.
    let prebooted = app.preboot && matches!(op.kind, OpKind::Deploy { .. });
    if common && prebooted {
        let detail = match app.processes.iter().position(|p| p.is_web()) {
            Some(w) if replaces_web => format!(
                "Common Runtime preboot: the new web dynos boot beside the {} old ones, which \
                 serve until traffic switches to the new ones",
                formations[ai][w].count
            ),
            _ => "Common Runtime preboot: no web dyno is replaced".to_string(),
        };
        conditions.push(Condition {
            name: "capacity",
            pass: true,
            detail,
        });
    } else {
        conditions.push(capacity(
            scenario, i, &processes, one_dyno, formations, overrides,
        ));
    }

    // (3) Schema compatible with old and new code.
    conditions.push(match &op.kind {
        OpKind::Deploy {
            schema: SchemaChange::Incompatible,
            ..
        } => Condition {
            name: "schema_compatible",
            pass: false,
            detail: "the release ships a schema change the old code cannot use, while old and \
                     new dynos serve side by side during the rollout"
                .to_string(),
        },
        OpKind::Deploy { .. } => Condition {
            name: "schema_compatible",
            pass: true,
            detail: "the release's schema works with both the old and the new code".to_string(),
        },
        _ => Condition {
            name: "schema_compatible",
            pass: true,
            detail: format!("a {} ships no schema change", op.kind.action()),
        },
    });

    if let OpKind::ChangeType { process, to, .. } = &op.kind {
        let f = &formations[ai][*process];
        conditions.push(Condition {
            name: "no_type_change",
            pass: false,
            detail: format!(
                "{} {}→{}: changing dyno type incurs a short downtime while new dynos are \
                 created (ROLLING)",
                app.processes[*process].kind, f.dyno_type.name, to.name
            ),
        });
    }
    if common && !prebooted {
        let detail = if app.preboot {
            format!(
                "Common Runtime: preboot covers deploys only; a {} stops and boots its dynos together",
                op.kind.action()
            )
        } else {
            "Common Runtime without preboot restarts all dynos together".to_string()
        };
        conditions.push(Condition {
            name: "rolling_runtime",
            pass: false,
            detail,
        });
    }

    Prediction {
        op: i,
        predicted: conditions.iter().all(|c| c.pass),
        conditions,
    }
}

/// Condition 2 for the rolling replacement of `processes` of operation `i`'s app.
fn capacity(
    scenario: &Scenario,
    i: usize,
    processes: &[usize],
    one_dyno: bool,
    formations: &[Vec<Formation>],
    overrides: &[Vec<Option<Override>>],
) -> Condition {
    let op = &scenario.timeline[i];
    let ai = op.kind.app().expect("deploy-like operations act on an app");
    let app = &scenario.apps[ai];
    let limit = scenario.platform.zero_downtime_max_utilisation;
    let mut pass = true;
    let mut parts = Vec::with_capacity(processes.len());
    for &p in processes {
        let spec = &app.processes[p];
        let f = &formations[ai][p];
        let n = f.count;
        let missing = if one_dyno {
            n.min(1)
        } else {
            batch_size(n, scenario.platform.rolling_batch)
        };
        let dynos = if n == 1 { "dyno" } else { "dynos" };
        let mut part = format!("{}: {n} {dynos}, {missing} replaced at a time", spec.kind);
        if n < 2 {
            pass = false;
            part.push_str(" (at least 2 needed)");
        }
        if spec.is_web() {
            let rate: f64 = app
                .traffic
                .iter()
                .enumerate()
                .map(|(c, t)| class_rate(&t.arrival, overrides[ai][c], op.at, scenario.duration))
                .sum();
            let offered: f64 = app
                .traffic
                .iter()
                .enumerate()
                .map(|(c, t)| {
                    let r = class_rate(&t.arrival, overrides[ai][c], op.at, scenario.duration);
                    if r == 0.0 {
                        0.0
                    } else {
                        r * t.service.mean_secs() / spec.speed
                    }
                })
                .sum();
            let remaining = u64::from(n - missing) * u64::from(f.concurrency);
            let utilisation = if offered == 0.0 {
                0.0
            } else if remaining == 0 {
                f64::INFINITY
            } else {
                offered / remaining as f64
            };
            // A hair of tolerance so that, e.g., 12 / 15 passes an 80% rule.
            let ok = utilisation <= limit + 1e-9;
            pass &= ok;
            part.push_str(&format!(
                "; offered {} busy slots ({} req/s at {}) on {remaining} remaining ({} × {}) → \
                 {} {} {}",
                num(offered),
                num(rate),
                op.at,
                n - missing,
                f.concurrency,
                pct(utilisation),
                if ok { "≤" } else { ">" },
                pct(limit)
            ));
        }
        parts.push(part);
    }
    if parts.is_empty() {
        parts.push(format!("app \"{}\" has no process types", app.name));
    }
    Condition {
        name: "capacity",
        pass,
        detail: parts.join("; "),
    }
}

/// Dynos of `n` replaced at a time: `ceil(batch × n)`, at least one, at most `n`.
pub fn batch_size(n: u32, batch: f64) -> u32 {
    if n == 0 {
        return 0;
    }
    // Tolerance so that 0.3 × 10 = 3.0000000000000004 rounds up to 3, not 4.
    let raw = (batch * f64::from(n) - 1e-9).ceil();
    (raw.max(1.0) as u32).min(n)
}

/// A class's rate at `at`: an active `traffic` override, or its own process.
fn class_rate(
    arrival: &ArrivalProcess,
    over: Option<Override>,
    at: SimDuration,
    horizon: SimDuration,
) -> f64 {
    match over {
        Some(o) if o.until.is_none_or(|u| at < u) => o.rate,
        _ => rate_at(arrival, at, horizon),
    }
}

/// The instantaneous arrival rate of `arrival` at `t`, per second. A trace has no instantaneous
/// rate: its mean rate over `[0, horizon]` is returned instead (zero if the file cannot be read,
/// which fails the run itself).
pub fn rate_at(arrival: &ArrivalProcess, t: SimDuration, horizon: SimDuration) -> f64 {
    match arrival {
        ArrivalProcess::Trace(_) => arrival.mean_rate(horizon).unwrap_or(0.0),
        _ => arrival.rate_at(t.0),
    }
}

/// A number with at most two decimals, trailing zeros dropped; `∞` when infinite.
fn num(x: f64) -> String {
    if !x.is_finite() {
        return "∞".to_string();
    }
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// A share as a percentage with at most one decimal.
fn pct(share: f64) -> String {
    if !share.is_finite() {
        return "∞%".to_string();
    }
    let s = format!("{:.1}", share * 100.0);
    format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::model::dyno_type;
    use crate::scenario::units::Rate;
    use crate::scenario::{Operation, parse};

    /// One app "api" with `web` dynos of concurrency 5 and Poisson traffic at `rate`/s with a
    /// constant 100 ms service: offered busy slots = rate × 0.1.
    fn scenario(web: u32, rate: f64) -> Scenario {
        let text = format!(
            r#"
            name = "zd"
            duration = "1h"
            [[apps]]
            name = "api"
            [[apps.processes]]
            type = "web"
            count = {web}
            dyno_type = "private-m"
            concurrency = 5
            [[apps.processes]]
            type = "worker"
            count = 2
            dyno_type = "private-m"
            [[apps.traffic]]
            name = "default"
            arrival = {{ process = "poisson", rate = "{rate}/s" }}
            service = "100ms"
            "#
        );
        parse(&text, "zd.toml", Path::new("."), None).expect("valid scenario")
    }

    fn push(s: &mut Scenario, name: &str, at_s: u64, kind: OpKind) {
        s.timeline.push(Operation {
            name: name.to_string(),
            at: SimDuration::from_secs(at_s),
            kind,
            actor: None,
            line: 1,
        });
    }

    fn deploy(schema: SchemaChange) -> OpKind {
        OpKind::Deploy {
            app: 0,
            build: true,
            release_phase: None,
            release_fails: false,
            schema,
        }
    }

    fn cond<'a>(p: &'a Prediction, name: &str) -> &'a Condition {
        p.conditions
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no condition {name} in {p:?}"))
    }

    #[test]
    fn rolling_deploy_at_half_utilisation_passes() {
        // 4 dynos × 5: one replaced leaves 15 slots; 75/s × 0.1 s = 7.5 busy slots → 50%.
        let mut s = scenario(4, 75.0);
        push(&mut s, "deploy-1", 600, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].op, 0);
        assert!(p[0].predicted, "{p:?}");
        let names: Vec<_> = p[0].conditions.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            ["deployed_and_running", "capacity", "schema_compatible"]
        );
        assert_eq!(
            cond(&p[0], "capacity").detail,
            "web: 4 dynos, 1 replaced at a time; offered 7.5 busy slots (75 req/s at 10m) on 15 \
             remaining (3 × 5) → 50% ≤ 80%; worker: 2 dynos, 1 replaced at a time"
        );
    }

    #[test]
    fn rolling_deploy_at_ninety_percent_fails_with_the_numbers() {
        // 135/s × 0.1 s = 13.5 busy slots on 15 → 90% > 80%.
        let mut s = scenario(4, 135.0);
        push(&mut s, "deploy-1", 600, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        assert!(!p[0].predicted);
        let c = cond(&p[0], "capacity");
        assert!(!c.pass);
        assert!(
            c.detail.contains(
                "offered 13.5 busy slots (135 req/s at 10m) on 15 remaining (3 × 5) → 90% > 80%"
            ),
            "{}",
            c.detail
        );
        assert!(cond(&p[0], "deployed_and_running").pass);
        assert!(cond(&p[0], "schema_compatible").pass);
    }

    #[test]
    fn exactly_at_the_limit_passes() {
        // 120/s × 0.1 s = 12 busy slots on 15 → 80%.
        let mut s = scenario(4, 120.0);
        push(&mut s, "deploy-1", 0, deploy(SchemaChange::Compatible));
        assert!(predict(&s)[0].predicted);
    }

    #[test]
    fn a_single_dyno_fails_capacity() {
        let mut s = scenario(1, 1.0);
        push(&mut s, "deploy-1", 60, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        assert!(!p[0].predicted);
        let c = cond(&p[0], "capacity");
        assert!(!c.pass);
        assert!(
            c.detail.starts_with(
                "web: 1 dyno, 1 replaced at a time (at least 2 needed); offered 0.1 busy slots \
                 (1 req/s at 1m) on 0 remaining (0 × 5) → ∞% > 80%"
            ),
            "{}",
            c.detail
        );
    }

    #[test]
    fn a_single_worker_fails_capacity_even_with_web_headroom() {
        let mut s = scenario(4, 1.0);
        push(
            &mut s,
            "scale-1",
            0,
            OpKind::Scale {
                app: 0,
                process: 1,
                count: 1,
            },
        );
        push(&mut s, "deploy-1", 60, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        assert_eq!(p[0].op, 1);
        let c = cond(&p[0], "capacity");
        assert!(!c.pass);
        assert!(
            c.detail
                .ends_with("worker: 1 dyno, 1 replaced at a time (at least 2 needed)"),
            "{}",
            c.detail
        );
    }

    #[test]
    fn an_incompatible_schema_fails_condition_three() {
        let mut s = scenario(4, 10.0);
        push(&mut s, "deploy-1", 60, deploy(SchemaChange::Incompatible));
        let p = predict(&s);
        assert!(!p[0].predicted);
        assert!(!cond(&p[0], "schema_compatible").pass);
        assert!(cond(&p[0], "capacity").pass);
        assert!(cond(&p[0], "deployed_and_running").pass);
    }

    #[test]
    fn a_new_app_needs_an_earlier_successful_release() {
        let mut s = scenario(4, 10.0);
        s.apps[0].new = true;
        push(
            &mut s,
            "failing",
            0,
            OpKind::Deploy {
                app: 0,
                build: true,
                release_phase: Some(SimDuration::from_secs(10)),
                release_fails: true,
                schema: SchemaChange::Compatible,
            },
        );
        push(&mut s, "first", 60, deploy(SchemaChange::Compatible));
        push(&mut s, "second", 600, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        assert_eq!(p.iter().map(|p| p.op).collect::<Vec<_>>(), [0, 1, 2]);
        // The failing release changes nothing, so it cannot cause downtime; the first real
        // release had no running app before it.
        assert!(p[0].predicted);
        assert_eq!(p[0].conditions[0].name, "release_phase");
        assert!(!p[1].predicted);
        let c = cond(&p[1], "deployed_and_running");
        assert!(!c.pass);
        assert!(c.detail.contains("is new"), "{}", c.detail);
        assert!(p[2].predicted, "{:?}", p[2]);
        assert!(
            cond(&p[2], "deployed_and_running")
                .detail
                .contains("\"first\""),
        );
    }

    #[test]
    fn an_earlier_scale_changes_the_dyno_count() {
        // 4 dynos at 50% pass; scaled to 2, one of them carries 7.5 slots on 5 → 150%.
        let mut s = scenario(4, 75.0);
        push(
            &mut s,
            "scale-1",
            60,
            OpKind::Scale {
                app: 0,
                process: 0,
                count: 2,
            },
        );
        push(&mut s, "deploy-1", 600, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        let c = cond(&p[0], "capacity");
        assert!(!c.pass);
        assert!(
            c.detail.contains(
                "web: 2 dynos, 1 replaced at a time; offered 7.5 busy slots (75 req/s at 10m) on \
                 5 remaining (1 × 5) → 150% > 80%"
            ),
            "{}",
            c.detail
        );
        // Scaling to 8 instead: 2 replaced, 6 × 5 = 30 slots → 25%.
        if let OpKind::Scale { count, .. } = &mut s.timeline[0].kind {
            *count = 8;
        }
        let p = predict(&s);
        assert!(p[0].predicted);
        assert!(
            cond(&p[0], "capacity")
                .detail
                .contains("web: 8 dynos, 2 replaced at a time; offered 7.5 busy slots"),
        );
    }

    #[test]
    fn traffic_entries_apply_while_active_and_type_changes_set_concurrency() {
        let mut s = scenario(4, 75.0);
        push(
            &mut s,
            "spike",
            60,
            OpKind::Traffic {
                app: 0,
                class: 0,
                rate: Rate::per_sec(300.0),
                duration: Some(SimDuration::from_secs(600)),
            },
        );
        push(&mut s, "during", 120, deploy(SchemaChange::Compatible));
        push(&mut s, "after", 660, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        // 300/s × 0.1 = 30 slots on 15 → 200%; after the spike the class's own 75/s applies.
        assert!(
            cond(&p[0], "capacity")
                .detail
                .contains("offered 30 busy slots (300 req/s at 2m)")
        );
        assert!(!p[0].predicted);
        assert!(p[1].predicted, "{:?}", p[1]);

        let mut s = scenario(4, 75.0);
        push(
            &mut s,
            "resize",
            0,
            OpKind::ChangeType {
                app: 0,
                process: 0,
                to: dyno_type::lookup("private-l").unwrap(),
                concurrency: Some(2),
            },
        );
        push(&mut s, "deploy-1", 60, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        // 3 remaining × 2 = 6 slots for 7.5 busy → 125%.
        assert!(
            cond(&p[1], "capacity")
                .detail
                .contains("on 6 remaining (3 × 2) → 125% > 80%"),
            "{:?}",
            p[1]
        );
    }

    #[test]
    fn a_type_change_always_predicts_downtime() {
        let mut s = scenario(8, 1.0);
        push(
            &mut s,
            "resize",
            60,
            OpKind::ChangeType {
                app: 0,
                process: 0,
                to: dyno_type::lookup("private-l").unwrap(),
                concurrency: None,
            },
        );
        let p = predict(&s);
        assert!(!p[0].predicted);
        let c = cond(&p[0], "no_type_change");
        assert!(!c.pass);
        assert!(c.detail.contains("private-m→private-l"), "{}", c.detail);
        assert!(c.detail.contains("short downtime"), "{}", c.detail);
        assert!(cond(&p[0], "capacity").pass);
        assert!(cond(&p[0], "capacity").detail.starts_with("web: 8 dynos"));
    }

    #[test]
    fn restarts_are_judged_and_other_operations_are_not() {
        let mut s = scenario(4, 10.0);
        push(
            &mut s,
            "crash",
            0,
            OpKind::Crash {
                app: 0,
                process: 0,
                dyno: None,
            },
        );
        push(
            &mut s,
            "restart-web-2",
            60,
            OpKind::Restart {
                app: 0,
                process: Some(0),
                dyno: Some(2),
            },
        );
        let p = predict(&s);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].op, 1);
        assert!(p[0].predicted);
        assert_eq!(
            cond(&p[0], "capacity").detail,
            "web: 4 dynos, 1 replaced at a time; offered 1 busy slots (10 req/s at 1m) on 15 \
             remaining (3 × 5) → 6.7% ≤ 80%"
        );
    }

    #[test]
    fn common_runtime_with_and_without_preboot() {
        let mut s = scenario(1, 10.0);
        s.space.runtime = Runtime::Common;
        push(&mut s, "deploy-1", 60, deploy(SchemaChange::Compatible));
        let p = predict(&s);
        assert!(!p[0].predicted);
        let c = cond(&p[0], "rolling_runtime");
        assert!(!c.pass);
        assert_eq!(
            c.detail,
            "Common Runtime without preboot restarts all dynos together"
        );

        s.apps[0].preboot = true;
        let p = predict(&s);
        // A single dyno is fine with preboot: the new one boots beside it.
        assert!(p[0].predicted, "{p:?}");
        assert!(p[0].conditions.iter().all(|c| c.name != "rolling_runtime"));
        let c = cond(&p[0], "capacity");
        assert!(c.detail.contains("preboot"), "{}", c.detail);
        assert!(c.detail.contains("beside the 1 old"), "{}", c.detail);
    }

    #[test]
    fn a_parsed_timeline_is_judged_in_order() {
        let text = r#"
            name = "zd"
            duration = "1h"
            [[apps]]
            name = "api"
            [[apps.processes]]
            type = "web"
            count = 4
            dyno_type = "private-m"
            concurrency = 5
            [[apps.traffic]]
            name = "default"
            arrival = { process = "poisson", rate = "75/s" }
            service = "100ms"
            [[timeline]]
            at = "5m"
            action = "deploy"
            [[timeline]]
            at = "10m"
            action = "scale"
            process = "web"
            count = 2
            [[timeline]]
            at = "15m"
            action = "config_change"
            [[timeline]]
            at = "20m"
            action = "deploy"
            schema = "incompatible"
        "#;
        let s = parse(text, "zd.toml", Path::new("."), None).expect("valid scenario");
        let p = predict(&s);
        assert_eq!(p.iter().map(|p| p.op).collect::<Vec<_>>(), [0, 2, 3]);
        assert_eq!(
            p.iter().map(|p| p.predicted).collect::<Vec<_>>(),
            [true, false, false]
        );
        // 7.5 busy slots on one remaining dyno of 5 after the scale to 2.
        assert!(
            cond(&p[1], "capacity")
                .detail
                .contains("on 5 remaining (1 × 5) → 150% > 80%")
        );
        assert!(!cond(&p[2], "schema_compatible").pass);
    }

    #[test]
    fn batch_sizes_round_up_without_float_noise() {
        assert_eq!(batch_size(4, 0.25), 1);
        assert_eq!(batch_size(5, 0.25), 2);
        assert_eq!(batch_size(2, 0.25), 1);
        assert_eq!(batch_size(10, 0.3), 3);
        assert_eq!(batch_size(3, 1.0), 3);
        assert_eq!(batch_size(3, 2.0), 3);
        assert_eq!(batch_size(0, 0.25), 0);
    }

    #[test]
    fn instantaneous_rates_of_each_process() {
        let r = Rate::per_sec;
        let s = SimDuration::from_secs;
        let h = s(3600);
        let ramp = ArrivalProcess::Ramp {
            from: r(10.0),
            to: r(30.0),
            start: s(100),
            end: s(200),
        };
        assert_eq!(rate_at(&ramp, s(50), h), 10.0);
        assert_eq!(rate_at(&ramp, s(150), h), 20.0);
        assert_eq!(rate_at(&ramp, s(200), h), 30.0);
        let steps = ArrivalProcess::Steps {
            steps: vec![(s(10), r(5.0)), (s(20), r(7.0))],
        };
        assert_eq!(rate_at(&steps, s(5), h), 0.0);
        assert_eq!(rate_at(&steps, s(10), h), 5.0);
        assert_eq!(rate_at(&steps, s(25), h), 7.0);
        let diurnal = ArrivalProcess::Diurnal {
            period: s(100),
            trough: r(2.0),
            peak: r(10.0),
            peak_at: s(30),
        };
        assert!((rate_at(&diurnal, s(30), h) - 10.0).abs() < 1e-9);
        assert!((rate_at(&diurnal, s(80), h) - 2.0).abs() < 1e-9);
        assert!((rate_at(&diurnal, s(55), h) - 6.0).abs() < 1e-9);
        let burst = ArrivalProcess::Burst {
            base: r(1.0),
            rate: r(50.0),
            on: s(10),
            off: s(20),
            start: s(100),
        };
        assert_eq!(rate_at(&burst, s(50), h), 1.0);
        assert_eq!(rate_at(&burst, s(105), h), 50.0);
        assert_eq!(rate_at(&burst, s(115), h), 1.0);
        assert_eq!(rate_at(&burst, s(135), h), 50.0);
    }
}
