//! The add-on rules of a Private Space: what the platform refuses when an add-on is
//! provisioned, judged against the add-on catalogue, with the platform's words where
//! private-spaces.txt has them. The builder in [`super`] applies them to each add-on.

use super::{AddonSite, RawAddon, lookup, one_of};
use crate::lint::rules::Rule;
use crate::scenario::catalogue::{Catalogue, Entry, PlanInfo, Runs, Spaces};
use crate::scenario::load::Checker;
use crate::scenario::space::{Finding, Level};
use crate::scenario::spec::{REGIONS, Runtime};

/// The plan is not available where it would run.
pub const ADDON_REGION: Rule = Rule {
    id: "addon-region",
    level: Level::Error,
    what: "the add-on's plan is available in the space's region (or its `region`); a plan \
           installed in the space is created in the space's region",
    source: "private-spaces.txt, \"Add-ons and Private Spaces\"; the add-on catalogue",
};

/// A datastore outside the space provisioned without confirmation.
pub const ADDON_CONFIRM: Rule = Rule {
    id: "addon-confirm",
    level: Level::Error,
    what: "a datastore plan that runs outside the space has `confirm = \"<app>\"`",
    source: "private-spaces.txt, \"Add-ons marked as Available in a Private Space\", \
             \"Add-ons marked as Available and Installable in a Private Space\"",
};

/// A private plan in a Shield space, or a shield plan in another space.
pub const ADDON_SHIELD_PLAN: Rule = Rule {
    id: "addon-shield-plan",
    level: Level::Error,
    what: "a Shield space installs shield plans and other spaces private plans (Postgres: \
           documented; Key-Value Store, Kafka, Connect: assumed by analogy)",
    source: "heroku-facts.md §5 (Shield extras); Dev Center \"Heroku Postgres on Private and \
             Shield Spaces\"",
};

/// A plan only for Private Spaces in the Common Runtime.
pub const ADDON_COMMON_RUNTIME: Rule = Rule {
    id: "addon-common-runtime",
    level: Level::Error,
    what: "no private or shield plan in the Common Runtime, which has no space",
    source: "heroku-facts.md §6.2 (private tier only inside a Private Space); Dev Center \
             \"Heroku Postgres on Private and Shield Spaces\"",
};

/// The add-on rules, in the order the README lists them.
pub const RULES: &[Rule] = &[
    ADDON_REGION,
    ADDON_CONFIRM,
    ADDON_SHIELD_PLAN,
    ADDON_COMMON_RUNTIME,
];

/// The add-on rules one add-on breaks, in rule order.
pub(super) fn judge(
    ctx: &Checker,
    a: &RawAddon,
    key: &str,
    app_name: &str,
    site: &AddonSite,
    info: &PlanInfo,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let plan_line = ctx.line(a.plan.span());
    let label = info.label();
    let catalogue = site.catalogue;

    if site.runtime == Runtime::Common {
        if let Some(r) = &a.region
            && info.available_in(r.get_ref()).is_none()
        {
            found.push(ADDON_REGION.at(
                ctx.line(r.span()),
                format!("{key}.region"),
                format!(
                    "{label} is not available in region \"{}\"; {} ({})",
                    r.get_ref(),
                    one_of("it is available in", info.regions().into_iter()),
                    cite(catalogue, &info.entries)
                ),
            ));
        }
        if !info.common_runtime {
            let alternatives = similar(catalogue, info, |p| p.common_runtime);
            found.push(ADDON_COMMON_RUNTIME.at(
                plan_line,
                format!("{key}.plan"),
                format!(
                    "{label} is only for Private Spaces, and the Common Runtime has no space{} \
                     ({})",
                    suggest(&alternatives),
                    cite(catalogue, &info.entries)
                ),
            ));
        }
        return found;
    }

    // addon-region. An unknown space region is the space's finding, not each add-on's.
    if REGIONS.contains(&site.region) {
        match (&a.region, info.runs) {
            (Some(r), Runs::Space) if r.get_ref() != site.region => {
                found.push(ADDON_REGION.at(
                    ctx.line(r.span()),
                    format!("{key}.region"),
                    format!(
                        "{label} is installed in the space: the resource is created in the same \
                         region as the Private Space ({}), not \"{}\"; leave `region` out",
                        site.region,
                        r.get_ref()
                    ),
                ));
            }
            (region, runs) => {
                let wanted = region
                    .as_ref()
                    .map_or(site.region, |r| r.get_ref().as_str());
                if info.available_in(wanted).is_none() {
                    let (line, k, where_) = match region {
                        Some(r) => (
                            ctx.line(r.span()),
                            format!("{key}.region"),
                            format!("region \"{wanted}\""),
                        ),
                        None => (
                            plan_line,
                            format!("{key}.plan"),
                            format!("that app's Private Spaces region ({wanted})"),
                        ),
                    };
                    let hint = if runs == Runs::Outside {
                        "; it runs outside the space: set `region` to one of them"
                    } else {
                        ""
                    };
                    found.push(ADDON_REGION.at(
                        line,
                        k,
                        format!(
                            "{label} is not available in {where_}; {}{hint} ({})",
                            one_of("it is available in", info.regions().into_iter()),
                            cite(catalogue, &info.entries)
                        ),
                    ));
                }
            }
        }
    }

    // addon-shield-plan: only plans installed in the space belong to one kind of space.
    if info.runs == Runs::Space {
        let wrong = match (info.spaces, site.shield) {
            (Spaces::Private, true) => Some((
                "a private plan, and this is a Shield Private Space: it installs shield plans",
                Spaces::Shield,
            )),
            (Spaces::Shield, false) => Some((
                "a shield plan, only for Shield Private Spaces, and this space is not Shield",
                Spaces::Private,
            )),
            _ => None,
        };
        if let Some((why, wanted)) = wrong {
            let alternatives = similar(catalogue, info, |p| {
                p.runs == Runs::Space && p.spaces == wanted
            });
            found.push(ADDON_SHIELD_PLAN.at(
                plan_line,
                format!("{key}.plan"),
                format!(
                    "{label} is {why}{} ({})",
                    suggest(&alternatives),
                    cite(catalogue, &info.entries)
                ),
            ));
        }
    }

    // addon-confirm: the CLI's prompt for a datastore outside the space.
    if info.runs == Runs::Outside && info.service.datastore {
        let given = a.confirm.as_ref().map(|c| c.get_ref().as_str());
        if given != Some(app_name) {
            let (line, detail) = match &a.confirm {
                Some(c) => (
                    ctx.line(c.span()),
                    format!("`confirm` is \"{}\", not this app's name", c.get_ref()),
                ),
                None => (
                    plan_line,
                    format!("{label} runs outside the space: add confirm = \"{app_name}\""),
                ),
            };
            found.push(ADDON_CONFIRM.at(
                line,
                format!("{key}.confirm"),
                format!(
                    "This add-on is not automatically networked with this Private Space. To \
                     proceed, type \"{app_name}\" or re-run this command with --confirm \
                     {app_name} ({detail})"
                ),
            ));
        }
    }
    found
}

/// Plans of the same service as `info` that `keep` accepts, preferring the same size (`-2` of
/// `private-2`, `standard-0` of `private-standard-0`), else all of them.
fn similar(
    catalogue: &Catalogue,
    info: &PlanInfo,
    keep: impl Fn(&PlanInfo) -> bool,
) -> Vec<String> {
    let service = &info.service.name;
    let all: Vec<String> = catalogue
        .plan_names(service)
        .into_iter()
        .filter(|n| catalogue.plan(service, n).is_some_and(|p| keep(&p)))
        .map(str::to_string)
        .collect();
    let size = info
        .plan
        .split_once('-')
        .map_or(info.plan.as_str(), |(_, s)| s);
    // For Postgres and Key-Value Store, the same size also means the same hardware (facts §6:
    // the tiers share hardware per number), which the connection limit stands for.
    let limit = |n: &str| {
        info.service
            .kind
            .simulated()
            .and_then(|k| lookup(k, n))
            .map(|p| p.connections)
    };
    let same: Vec<String> = all
        .iter()
        .filter(|n| *n == size || n.ends_with(&format!("-{size}")))
        .filter(|n| limit(n) == limit(&info.plan))
        .cloned()
        .collect();
    if same.is_empty() { all } else { same }
}

/// "; use a or b", or nothing.
fn suggest(plans: &[String]) -> String {
    match plans {
        [] => String::new(),
        [one] => format!("; use {one}"),
        [init @ .., last] => format!("; use {} or {last}", init.join(", ")),
    }
}

/// "catalogue data/addon-catalogue.toml:12, 20 (an assumption: why)": where the catalogue says
/// what a finding relies on.
pub(super) fn cite(catalogue: &Catalogue, entries: &[&Entry]) -> String {
    let lines: Vec<String> = entries.iter().map(|e| e.line.to_string()).collect();
    let mut s = format!("catalogue {}:{}", catalogue.file(), lines.join(", "));
    if let Some(e) = entries.iter().find(|e| e.assumed) {
        s.push_str(&format!(
            "; an assumption: {}",
            e.note.as_deref().unwrap_or(&e.source)
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::catalogue;

    #[test]
    fn suggestions_prefer_the_same_size() {
        let c = catalogue::default();
        let info = c.plan("heroku-postgresql", "private-2").unwrap();
        assert_eq!(
            similar(c, &info, |p| p.common_runtime),
            ["standard-2", "premium-2"]
        );
        assert_eq!(
            similar(c, &info, |p| p.spaces == Spaces::Shield),
            ["shield-2"]
        );
        let kafka = c.plan("heroku-kafka", "private-standard-1").unwrap();
        assert_eq!(similar(c, &kafka, |p| p.common_runtime), ["standard-1"]);
        let connect = c.plan("herokuconnect", "enterprise").unwrap();
        assert_eq!(
            similar(c, &connect, |p| p.spaces == Spaces::Shield),
            ["shield"]
        );
        assert_eq!(suggest(&[]), "");
        assert_eq!(suggest(&["a".into()]), "; use a");
        assert_eq!(
            suggest(&["a".into(), "b".into(), "c".into()]),
            "; use a, b or c"
        );
    }
}
