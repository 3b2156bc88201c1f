//! Add-ons and Private Spaces: the catalogue's placement and the add-on rules, one bad scenario
//! per rule (rule id, message and line), and the latency an add-on outside the space adds.

use std::path::Path;

use serde_json::Value;
use spacesim::engine::SimDuration;
use spacesim::report::summarize;
use spacesim::scenario::space::{DEFAULT_OUTSIDE_LATENCY, Finding, Level, Placement};
use spacesim::scenario::{self, Scenario};

use super::support::run;

/// A one-app scenario: `[space]` holds `space`; the app `api` has one web dyno, one traffic
/// class, and `addons` (its `[[apps.addons]]` tables) from line 18 on.
fn text(space: &str, addons: &str) -> String {
    format!(
        r#"duration = "1m"

[space]
{space}

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 1

[[apps.traffic]]
name = "default"
arrival = {{ process = "poisson", rate = "5/s" }}
service = "50ms"

{addons}"#
    )
}

fn parse(space: &str, addons: &str) -> Scenario {
    let t = text(space, addons);
    scenario::parse(&t, "t.toml", Path::new("."), None)
        .unwrap_or_else(|e| panic!("invalid scenario: {e}\n---\n{t}"))
}

/// The findings of the add-on rules.
fn addon_findings(space: &str, addons: &str) -> Vec<Finding> {
    parse(space, addons)
        .findings
        .into_iter()
        .filter(|f| f.rule.starts_with("addon-"))
        .collect()
}

/// The one add-on finding of the scenario.
fn finding(space: &str, addons: &str) -> Finding {
    let mut found = addon_findings(space, addons);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.remove(0)
}

const DATABASE_LINE: usize = 18;

/// `[[apps.addons]]` named DATABASE, at line 18: `name` 19, `kind` 20, `plan` 21, then `more`
/// from line 22.
fn database(kind: &str, plan: &str, more: &str) -> String {
    format!("[[apps.addons]]\nname = \"DATABASE\"\nkind = \"{kind}\"\nplan = \"{plan}\"\n{more}\n")
}

#[test]
fn database_starts_where_the_helpers_say() {
    let t = text("", &database("postgres", "private-0", ""));
    let line = t.lines().position(|l| l == "[[apps.addons]]").unwrap() + 1;
    assert_eq!(line, DATABASE_LINE);
    assert_eq!(t.lines().nth(20), Some("plan = \"private-0\""));
}

#[test]
fn a_good_space_has_no_addon_findings() {
    let addons = [
        database("postgres", "private-2", ""),
        "[[apps.addons]]\nname = \"CACHE\"\nkind = \"redis\"\nplan = \"premium-0\"\nconfirm = \"api\"\nregion = \"us\"\n\n"
            .to_string(),
        "[[apps.addons]]\nname = \"JOBS\"\nkind = \"scheduler\"\nplan = \"standard\"\n\n"
            .to_string(),
        "[[apps.addons]]\nname = \"APM\"\nkind = \"other\"\nservice = \"newrelic\"\nplan = \"wayne\"\n"
            .to_string(),
    ]
    .concat();
    assert_eq!(addon_findings("region = \"tokyo\"", &addons), []);
    // A Shield space with shield plans.
    let shield = [
        database("postgres", "shield-2", ""),
        "[[apps.addons]]\nname = \"KAFKA\"\nkind = \"kafka\"\nplan = \"shield-standard-0\"\n"
            .to_string(),
    ]
    .concat();
    assert_eq!(
        addon_findings("region = \"frankfurt\"\nshield = true", &shield),
        []
    );
}

#[test]
fn addon_region_plan_not_available_in_the_space_region() {
    // Essential databases run only in us-east-1 and eu-west-1: not for a tokyo space.
    let f = finding(
        "region = \"tokyo\"",
        &database("postgres", "essential-0", "confirm = \"api\""),
    );
    assert_eq!(f.rule, "addon-region");
    assert_eq!(f.level, Level::Error);
    assert_eq!(f.line, Some(DATABASE_LINE + 3));
    assert_eq!(f.key, "apps[0].addons[0].plan");
    assert!(
        f.message.starts_with(
            "heroku-postgresql:essential-0 is not available in that app's Private Spaces \
             region (tokyo); it is available in: us, eu"
        ),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("it runs outside the space: set `region` to one of them"),
        "{}",
        f.message
    );
    assert!(f.message.contains("catalogue data/addon-catalogue.toml:"));
    assert!(f.source.contains("Add-ons and Private Spaces"));

    // With `region = "us"` it is provisioned outside the space, in us-east-1.
    assert_eq!(
        addon_findings(
            "region = \"tokyo\"",
            &database(
                "postgres",
                "essential-0",
                "confirm = \"api\"\nregion = \"us\""
            )
        ),
        []
    );
    // A third-party add-on the article lists in five regions only.
    let f = finding(
        "region = \"mumbai\"",
        "[[apps.addons]]\nname = \"SEARCH\"\nkind = \"other\"\nservice = \"bonsai\"\n\
         plan = \"starter\"\nconfirm = \"api\"\n",
    );
    assert_eq!(f.rule, "addon-region");
    assert_eq!(f.line, Some(DATABASE_LINE + 4));
    assert!(f.message.contains("an assumption"), "{}", f.message);
}

#[test]
fn addon_region_names_the_region_key() {
    let f = finding(
        "region = \"virginia\"",
        &database(
            "postgres",
            "essential-0",
            "confirm = \"api\"\nregion = \"sydney\"",
        ),
    );
    assert_eq!(f.rule, "addon-region");
    assert_eq!(f.line, Some(DATABASE_LINE + 5));
    assert_eq!(f.key, "apps[0].addons[0].region");
    assert!(
        f.message
            .starts_with("heroku-postgresql:essential-0 is not available in region \"sydney\""),
        "{}",
        f.message
    );
    // A plan installed in the space is created in the space's region.
    let f = finding(
        "region = \"virginia\"",
        &database("postgres", "private-0", "region = \"oregon\""),
    );
    assert_eq!(f.rule, "addon-region");
    assert_eq!(f.line, Some(DATABASE_LINE + 4));
    assert!(
        f.message
            .contains("created in the same region as the Private Space (virginia), not \"oregon\""),
        "{}",
        f.message
    );
}

#[test]
fn addon_confirm_missing() {
    let f = finding("", &database("postgres", "standard-4", ""));
    assert_eq!(f.rule, "addon-confirm");
    assert_eq!(f.level, Level::Error);
    assert_eq!(f.line, Some(DATABASE_LINE + 3));
    assert_eq!(f.key, "apps[0].addons[0].confirm");
    assert!(
        f.message.starts_with(
            "This add-on is not automatically networked with this Private Space. To proceed, \
             type \"api\" or re-run this command with --confirm api"
        ),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("heroku-postgresql:standard-4 runs outside the space: add confirm = \"api\"")
    );
    assert!(
        f.source
            .contains("Add-ons marked as Available in a Private Space")
    );
}

#[test]
fn addon_confirm_with_another_apps_name() {
    let f = finding("", &database("redis", "premium-0", "confirm = \"web\""));
    assert_eq!(f.rule, "addon-confirm");
    assert_eq!(f.line, Some(DATABASE_LINE + 4));
    assert!(
        f.message.starts_with(
            "This add-on is not automatically networked with this Private Space. To proceed, \
             type \"api\" or re-run this command with --confirm api"
        ),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("`confirm` is \"web\", not this app's name")
    );
}

#[test]
fn addon_confirm_not_needed_in_the_space_or_for_non_datastores() {
    assert_eq!(
        addon_findings("", &database("postgres", "private-0", "")),
        []
    );
    assert_eq!(
        addon_findings(
            "",
            "[[apps.addons]]\nname = \"LOGS\"\nkind = \"other\"\nservice = \"papertrail\"\n\
             plan = \"choklad\"\n"
        ),
        []
    );
}

#[test]
fn addon_shield_plan_private_plan_in_a_shield_space() {
    let f = finding("shield = true", &database("postgres", "private-2", ""));
    assert_eq!(f.rule, "addon-shield-plan");
    assert_eq!(f.level, Level::Error);
    assert_eq!(f.line, Some(DATABASE_LINE + 3));
    assert_eq!(f.key, "apps[0].addons[0].plan");
    assert!(
        f.message.starts_with(
            "heroku-postgresql:private-2 is a private plan, and this is a Shield Private \
             Space: it installs shield plans; use shield-2"
        ),
        "{}",
        f.message
    );
}

#[test]
fn addon_shield_plan_shield_plan_outside_a_shield_space() {
    let f = finding("", &database("redis", "shield-9", ""));
    assert_eq!(f.rule, "addon-shield-plan");
    assert!(
        f.message.starts_with(
            "heroku-redis:shield-9 is a shield plan, only for Shield Private Spaces, and this \
             space is not Shield; use private-9"
        ),
        "{}",
        f.message
    );
    // Key-Value Store's Shield-only plans are an assumption, and the message says so.
    assert!(f.message.contains("an assumption"), "{}", f.message);
}

#[test]
fn addon_common_runtime_private_plan_without_a_space() {
    let f = finding(
        "runtime = \"common\"",
        &database("postgres", "private-2", ""),
    );
    assert_eq!(f.rule, "addon-common-runtime");
    assert_eq!(f.level, Level::Error);
    assert_eq!(f.line, Some(DATABASE_LINE + 3));
    assert!(
        f.message.starts_with(
            "heroku-postgresql:private-2 is only for Private Spaces, and the Common Runtime has \
             no space; use standard-2 or premium-2"
        ),
        "{}",
        f.message
    );
    // Plans outside the space need no confirmation in the Common Runtime.
    assert_eq!(
        addon_findings(
            "runtime = \"common\"",
            &database("postgres", "standard-2", "")
        ),
        []
    );
}

#[test]
fn every_addon_rule_has_a_test_above() {
    let ids: Vec<&str> = spacesim::scenario::addons::RULES
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(
        ids,
        [
            "addon-region",
            "addon-confirm",
            "addon-shield-plan",
            "addon-common-runtime"
        ]
    );
}

#[test]
fn placement_outside_the_space_adds_the_default_latency() {
    let s = parse(
        "",
        &[
            database("postgres", "private-2", ""),
            "[[apps.addons]]\nname = \"CACHE\"\nkind = \"redis\"\nplan = \"premium-0\"\n\
             confirm = \"api\"\n"
                .to_string(),
        ]
        .concat(),
    );
    let placements: Vec<Placement> = s.apps[0].addons.iter().map(|a| a.placement).collect();
    assert_eq!(
        placements,
        [
            Placement::InSpace,
            Placement::Outside(SimDuration::from_millis(5))
        ]
    );
    assert_eq!(DEFAULT_OUTSIDE_LATENCY, SimDuration::from_millis(5));
}

/// Mean latency of the only class, in ms.
fn mean_latency_ms(s: &Scenario) -> f64 {
    let out = run(s);
    let v: Value = serde_json::to_value(summarize(s, &out)).expect("summary serializes");
    v["apps"]["api"]["traffic"]["default"]["latency_ms"]["mean"]
        .as_f64()
        .unwrap_or_else(|| panic!("no mean latency in {v:#}"))
}

#[test]
fn an_addon_outside_the_space_adds_its_latency_to_each_request() {
    // One dyno, 5 requests a second of a fixed 50 ms: nothing queues, so each request takes
    // its service time plus the add-on's extra round trip.
    let uses = "addons = [{ addon = \"DATABASE\", hold = \"100%\" }]\n";
    let with = |plan: &str, more: &str| {
        let mut t = text("", &database("postgres", plan, more));
        t = t.replace(
            "service = \"50ms\"\n",
            &format!("service = \"50ms\"\n{uses}"),
        );
        scenario::parse(&t, "t.toml", Path::new("."), None).expect("valid")
    };
    let inside = mean_latency_ms(&with("private-2", ""));
    let outside = mean_latency_ms(&with("standard-2", "confirm = \"api\"\nlatency = \"30ms\""));
    assert!((50.0..55.0).contains(&inside), "in the space: {inside} ms");
    assert!(
        (outside - inside - 30.0).abs() < 0.5,
        "outside the space: {outside} ms, in it: {inside} ms"
    );
}

#[test]
fn a_scenario_may_bring_its_own_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    // A team that learned Essential databases are offered in tokyo says so in its copy.
    let mine = spacesim::scenario::catalogue::DEFAULT_TEXT.replace(
        "regions = [\"us\", \"eu\"]\nsource = \"PG-PS: Essential-tier",
        "regions = [\"us\", \"eu\", \"tokyo\"]\nsource = \"PG-PS: Essential-tier",
    );
    assert_ne!(mine, spacesim::scenario::catalogue::DEFAULT_TEXT);
    std::fs::write(dir.path().join("mine.toml"), &mine).unwrap();
    let t = format!(
        "addon_catalogue = \"mine.toml\"\n{}",
        text(
            "region = \"tokyo\"",
            &database("postgres", "essential-0", "confirm = \"api\"")
        )
    );
    let s = scenario::parse(&t, "t.toml", dir.path(), None).expect("valid");
    assert!(
        !s.findings.iter().any(|f| f.rule.starts_with("addon-")),
        "{:#?}",
        s.findings
    );

    // A broken catalogue is named with its line.
    std::fs::write(
        dir.path().join("mine.toml"),
        mine.replacen("placement = \"space\"", "placement = \"orbit\"", 1),
    )
    .unwrap();
    let e = scenario::parse(&t, "t.toml", dir.path(), None).unwrap_err();
    let line = mine
        .lines()
        .position(|l| l == "placement = \"space\"")
        .unwrap()
        + 1;
    let want = format!("mine.toml:{line}:");
    assert!(e.to_string().contains(&want), "{e}\n  wanted {want}");
    assert!(e.to_string().contains("unknown variant `orbit`"), "{e}");
}
