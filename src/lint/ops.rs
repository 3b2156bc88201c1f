//! Findings about timeline operations the platform would refuse.
//!
//! Each is a [`Level::Warning`]: the scenario is valid, and simulating the refusal is the
//! point. The rules are those the simulation applies when an operation's time comes
//! ([`crate::model::authority`]); here they are applied to the timeline walked in order, as
//! [`authority::predict`] foresees it (accepted operations change the formation, refused ones
//! do not; autoscaling is not foreseen).
//!
//! | rule | the operation | source |
//! |---|---|---|
//! | `op-permission` | is not allowed to its `actor`'s role | private-spaces.txt, "Private Space management", "Trusted IP ranges", "Create an app in a Private Space" |
//! | `op-limit` | scales past dynos per process type, per app or per space; creates an app past the space's apps; sets more trusted ranges than allowed; starts more concurrent one-off dynos than allowed | private-spaces.txt, "Default limits for Private Spaces"; facts §4.2, §5 |
//! | `op-destroy-space` | destroys a space that still holds apps | private-spaces.txt, "Destroy a Private Space" |
//! | `op-region` | changes the region | private-spaces.txt, "Regions" |
//! | `op-app` | acts on an app that does not exist then, or creates one that does | private-spaces.txt, "Create an app in a Private Space" |
//! | `op-allocating` | starts dynos before the space is allocated | private-spaces.txt, "View information about a Private Space" |
//! | `op-space-destroyed` | comes after the space was destroyed | private-spaces.txt, "Destroy a Private Space" |
//! | `op-runtime` | acts on the space in the Common Runtime | — |

use crate::model::authority;
use crate::scenario::Scenario;
use crate::scenario::space::{Finding, Level};

/// Warnings for the operations of `scenario.timeline` the platform would refuse, in timeline
/// order. Each names the operation's line and its key, `timeline[i]` (`i` counts entries in
/// file order).
pub fn findings(scenario: &Scenario) -> Vec<Finding> {
    // The timeline is sorted by time; its file order is the order of its lines.
    let mut lines: Vec<usize> = scenario.timeline.iter().map(|op| op.line).collect();
    lines.sort_unstable();
    authority::predict(scenario)
        .into_iter()
        .zip(&scenario.timeline)
        .filter_map(|(refusal, op)| {
            let r = refusal?;
            let index = lines.partition_point(|&l| l < op.line);
            Some(Finding {
                level: Level::Warning,
                rule: r.rule,
                message: format!(
                    "\"{}\" ({} at {}) would be refused: {}",
                    op.name,
                    op.kind.action(),
                    op.at,
                    r.reason
                ),
                source: r.source,
                line: Some(op.line),
                key: format!("timeline[{index}]"),
            })
        })
        .collect()
}
