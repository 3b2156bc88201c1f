//! The scenario keys of operations, platform settings, prices, add-ons, jobs and clients: each
//! parses into the right typed value, and each rule across values fails with a message naming
//! the file, line, key and what was expected.

use std::path::Path;

use spacesim::engine::SimDuration;
use spacesim::model::arrival::ArrivalProcess;
use spacesim::model::dyno_type;
use spacesim::model::service::ServiceDist;
use spacesim::scenario::units::Rate;
use spacesim::scenario::{
    AddonKind, Hold, OpKind, PlatformConfig, Runtime, Scenario, SchemaChange, parse,
};

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/ops"))
}

fn ok(text: &str) -> Scenario {
    parse(text, "t.toml", fixtures(), None).unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
}

fn err(text: &str) -> String {
    match parse(text, "t.toml", fixtures(), None) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn secs(n: u64) -> SimDuration {
    SimDuration::from_secs(n)
}

fn ms(n: u64) -> SimDuration {
    SimDuration::from_millis(n)
}

/// A valid base the cases edit or extend. One app with web (4 dynos) and worker (2), a traffic
/// class, a Postgres and a Redis add-on, and a job.
const BASE: &str = r#"duration = "1h"

[[apps]]
name = "api"

[[apps.processes]]
type = "web"
count = 4

[[apps.processes]]
type = "worker"
count = 2

[[apps.traffic]]
name = "checkout"
arrival = { process = "poisson", rate = "10/s" }
service = "20ms"

[[apps.addons]]
name = "DATABASE"
kind = "postgres"
plan = "private-2"

[[apps.addons]]
name = "REDIS"
kind = "redis"
plan = "private-7"

[[apps.jobs]]
name = "email"
process = "worker"
service = "2s"
"#;

/// `BASE` followed by a blank line and `tail`.
fn with(tail: &str) -> String {
    format!("{BASE}\n{tail}")
}

/// `BASE` with the one occurrence of `from` replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(BASE.matches(from).count(), 1, "{from:?} must occur once");
    BASE.replacen(from, to, 1)
}

/// `BASE` plus one `[[timeline]]` entry with `body`.
fn op(body: &str) -> String {
    with(&format!("[[timeline]]\n{body}\n"))
}

// ---------------------------------------------------------------------------------------------
// Every key parses into its typed value.
// ---------------------------------------------------------------------------------------------

#[test]
fn base_is_valid_and_uses_the_defaults() {
    let s = ok(BASE);
    assert!(s.timeline.is_empty());
    assert!(s.prices.is_empty());
    let app = &s.apps[0];
    assert!(!app.new);
    assert!(!app.preboot);
    assert_eq!(
        app.processes[0].boot,
        ServiceDist::Constant(spacesim::scenario::DEFAULT_BOOT)
    );
    assert!(app.processes[0].autoscale.is_none());
    assert!(app.traffic[0].client.is_none());
    assert!(app.traffic[0].addons.is_empty());
    assert!(app.traffic[0].enqueue.is_none());
    let db = &app.addons[0];
    assert_eq!(
        (db.name.as_str(), db.kind, db.plan.as_str()),
        ("DATABASE", AddonKind::Postgres, "private-2")
    );
    assert_eq!(db.connections, 400, "facts §6.1: *-2 has 400 connections");
    assert_eq!(db.pool_timeout, secs(5));
    assert_eq!(app.addons[1].kind, AddonKind::Redis);
    assert_eq!(app.addons[1].connections, 10_000, "facts §6.2: private-7");
    let job = &app.jobs[0];
    assert_eq!((job.name.as_str(), job.process), ("email", 1));
    assert!(job.arrival.is_none());
    assert_eq!(job.service, ServiceDist::Constant(secs(2)));
}

#[test]
fn platform_defaults_when_absent() {
    for (runtime, text) in [
        (Runtime::Private, BASE.to_string()),
        (Runtime::Common, with("[space]\nruntime = \"common\"\n")),
    ] {
        let got = ok(&text).platform;
        let want = PlatformConfig::defaults(runtime);
        assert_eq!(format!("{got:?}"), format!("{want:?}"), "{runtime:?}");
    }
}

#[test]
fn every_key_of_the_full_fixture_parses() {
    let path = fixtures().join("full.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let s = ok(&text);

    let p = &s.platform;
    assert_eq!(
        p.provision,
        ServiceDist::Uniform {
            min: secs(10),
            max: secs(20)
        }
    );
    assert_eq!(p.boot_timeout, secs(90));
    assert_eq!(p.shutdown_grace, secs(10));
    assert_eq!(p.first_deploy_setup, secs(180));
    assert_eq!(p.type_change_gap, secs(15));
    assert_eq!(p.rolling_batch, 0.5);
    assert!(p.cycling);
    assert_eq!(p.hold_timeout, secs(60));
    assert_eq!(p.router_cap_per_dyno, 100);
    assert_eq!(p.quarantine, secs(3));
    assert_eq!(p.max_attempts, 4);
    assert_eq!(p.preboot_extra, secs(60));
    assert_eq!(p.zero_downtime_max_utilisation, 0.7);
    assert_eq!(p.crash_backoff, vec![secs(0), secs(1200), secs(2400)]);
    assert_eq!(p.failover, secs(180));
    assert_eq!(p.maintenance, secs(90));

    let prices: Vec<(&str, f64)> = s.prices.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        prices,
        [("performance-l", 0.69), ("performance-m", 0.34)],
        "canonical names"
    );

    let app = &s.apps[0];
    assert!(app.new && app.preboot);
    let web = &app.processes[0];
    assert_eq!(
        web.boot,
        ServiceDist::Uniform {
            min: secs(5),
            max: secs(15)
        }
    );
    let auto = web.autoscale.as_ref().unwrap();
    assert_eq!((auto.min, auto.max, auto.p95), (2, 8, ms(500)));

    let db = &app.addons[0];
    assert_eq!(
        (db.kind, db.plan.as_str(), db.connections, db.pool_timeout),
        (AddonKind::Postgres, "premium-2", 100, secs(2))
    );
    let kv = &app.addons[1];
    assert_eq!(
        (kv.kind, kv.plan.as_str(), kv.connections, kv.pool_timeout),
        (AddonKind::Redis, "premium-3", 400, secs(5))
    );

    let email = &app.jobs[0];
    assert_eq!(email.process, 1);
    assert_eq!(
        email.arrival,
        Some(ArrivalProcess::Poisson {
            rate: Rate::per_sec(2.0)
        })
    );
    assert_eq!(email.service, ServiceDist::Exponential { mean: secs(2) });

    let checkout = &app.traffic[0];
    let client = checkout.client.as_ref().unwrap();
    assert_eq!(
        (client.timeout, client.retries, client.backoff),
        (Some(secs(10)), 2, ms(500))
    );
    let uses: Vec<(usize, Hold)> = checkout.addons.iter().map(|u| (u.addon, u.hold)).collect();
    assert_eq!(uses, [(0, Hold::Share(0.6)), (1, Hold::Fixed(ms(20)))]);
    let enqueue = checkout.enqueue.as_ref().unwrap();
    assert_eq!((enqueue.job, enqueue.per_request), (1, 0.3));

    let browse = &app.traffic[1];
    let client = browse.client.as_ref().unwrap();
    assert_eq!(
        (client.timeout, client.retries, client.backoff),
        (None, 0, secs(1)),
        "client = {{}} takes every default"
    );
    assert_eq!(
        browse.addons[0].hold,
        Hold::Share(1.0),
        "hold defaults to 100%"
    );

    let l = dyno_type::lookup("performance-l").unwrap();
    // In time order; "09:30" is 30 minutes after the 09:00 start.
    let want: Vec<(&str, SimDuration, OpKind)> = vec![
        (
            "config_change-1",
            secs(300),
            OpKind::Deploy {
                app: 0,
                build: false,
                release_phase: None,
                release_fails: false,
                schema: SchemaChange::Compatible,
            },
        ),
        (
            "scale-1",
            secs(600),
            OpKind::Scale {
                app: 0,
                process: 1,
                count: 6,
            },
        ),
        (
            "change_type-1",
            secs(900),
            OpKind::ChangeType {
                app: 0,
                process: 0,
                to: l,
                concurrency: Some(17),
            },
        ),
        (
            "restart-1",
            secs(1200),
            OpKind::Restart {
                app: 0,
                process: Some(0),
                dyno: Some(2),
            },
        ),
        (
            "restart-2",
            secs(1500),
            OpKind::Restart {
                app: 0,
                process: None,
                dyno: None,
            },
        ),
        (
            "friday-deploy",
            secs(1800),
            OpKind::Deploy {
                app: 0,
                build: true,
                release_phase: Some(secs(45)),
                release_fails: true,
                schema: SchemaChange::Incompatible,
            },
        ),
        (
            "crash-1",
            secs(1800),
            OpKind::Crash {
                app: 0,
                process: 1,
                dyno: Some(1),
            },
        ),
        (
            "crash-2",
            secs(2100),
            OpKind::Crash {
                app: 0,
                process: 0,
                dyno: None,
            },
        ),
        (
            "traffic-1",
            secs(2400),
            OpKind::Traffic {
                app: 0,
                class: 1,
                rate: Rate::per_sec(900.0),
                duration: Some(secs(300)),
            },
        ),
        (
            "failover-1",
            secs(2700),
            OpKind::Failover {
                app: 0,
                addon: 0,
                duration: secs(180),
            },
        ),
        (
            "maintenance-1",
            secs(3000),
            OpKind::Maintenance {
                app: 0,
                addon: 1,
                duration: secs(120),
            },
        ),
    ];
    assert_eq!(s.timeline.len(), want.len());
    for (got, (name, at, kind)) in s.timeline.iter().zip(&want) {
        assert_eq!((got.name.as_str(), got.at), (*name, *at));
        assert_eq!(format!("{:?}", got.kind), format!("{kind:?}"), "{name}");
    }
}

#[test]
fn each_action_builds_its_operation() {
    let private_l = dyno_type::lookup("private-l").unwrap();
    let cases: Vec<(&str, OpKind)> = vec![
        (
            "action = \"deploy\"",
            OpKind::Deploy {
                app: 0,
                build: true,
                release_phase: None,
                release_fails: false,
                schema: SchemaChange::Compatible,
            },
        ),
        (
            "action = \"deploy\"\nrelease_phase = \"1m\"\nschema = \"compatible\"",
            OpKind::Deploy {
                app: 0,
                build: true,
                release_phase: Some(secs(60)),
                release_fails: false,
                schema: SchemaChange::Compatible,
            },
        ),
        (
            "action = \"config_change\"\nrelease_phase = \"10s\"\nrelease_fails = false",
            OpKind::Deploy {
                app: 0,
                build: false,
                release_phase: Some(secs(10)),
                release_fails: false,
                schema: SchemaChange::Compatible,
            },
        ),
        (
            "action = \"scale\"\nprocess = \"web\"\ncount = 0",
            OpKind::Scale {
                app: 0,
                process: 0,
                count: 0,
            },
        ),
        (
            "action = \"change_type\"\nprocess = \"worker\"\nto = \"private-l\"",
            OpKind::ChangeType {
                app: 0,
                process: 1,
                to: private_l,
                concurrency: None,
            },
        ),
        (
            "action = \"restart\"\nprocess = \"worker\"",
            OpKind::Restart {
                app: 0,
                process: Some(1),
                dyno: None,
            },
        ),
        (
            "action = \"crash\"\nprocess = \"web\"\ndyno = 4",
            OpKind::Crash {
                app: 0,
                process: 0,
                dyno: Some(4),
            },
        ),
        (
            "action = \"traffic\"\nclass = \"checkout\"\nrate = \"1.2k/min\"",
            OpKind::Traffic {
                app: 0,
                class: 0,
                rate: Rate::per_sec(20.0),
                duration: None,
            },
        ),
        (
            "action = \"failover\"\naddon = \"DATABASE\"\nduration = \"30s\"",
            OpKind::Failover {
                app: 0,
                addon: 0,
                duration: secs(30),
            },
        ),
        (
            "action = \"failover\"\naddon = \"DATABASE\"",
            OpKind::Failover {
                app: 0,
                addon: 0,
                duration: secs(120),
            },
        ),
        (
            "action = \"maintenance\"\naddon = \"DATABASE\"",
            OpKind::Maintenance {
                app: 0,
                addon: 0,
                duration: secs(60),
            },
        ),
    ];
    for (body, want) in cases {
        let s = ok(&op(&format!("at = \"90s\"\n{body}")));
        let got = &s.timeline[0];
        assert_eq!(got.at, secs(90), "{body}");
        assert_eq!(format!("{:?}", got.kind), format!("{want:?}"), "{body}");
        assert_eq!(got.name, format!("{}-1", want.action()), "{body}");
    }
}

#[test]
fn hold_takes_a_share_or_a_duration() {
    let cases = [
        ("\"60%\"", Hold::Share(0.6)),
        ("\"0.5\"", Hold::Share(0.5)),
        ("0.25", Hold::Share(0.25)),
        ("1", Hold::Share(1.0)),
        ("0", Hold::Share(0.0)),
        ("\"20ms\"", Hold::Fixed(ms(20))),
        ("\"1.5s\"", Hold::Fixed(ms(1500))),
    ];
    for (written, want) in cases {
        let text = edit(
            "service = \"20ms\"\n",
            &format!(
                "service = \"20ms\"\naddons = [{{ addon = \"DATABASE\", hold = {written} }}]\n"
            ),
        );
        assert_eq!(
            ok(&text).apps[0].traffic[0].addons[0].hold,
            want,
            "hold = {written}"
        );
    }
}

#[test]
fn default_names_count_each_action_in_file_order() {
    let s = ok(&with(
        "[[timeline]]\nat = \"1m\"\naction = \"deploy\"\n\n\
         [[timeline]]\nat = \"2m\"\naction = \"scale\"\nprocess = \"web\"\ncount = 6\n\n\
         [[timeline]]\nat = \"3m\"\naction = \"deploy\"\nname = \"hotfix\"\n\n\
         [[timeline]]\nat = \"4m\"\naction = \"deploy\"\n",
    ));
    let names: Vec<&str> = s.timeline.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["deploy-1", "scale-1", "hotfix", "deploy-3"]);
    let s = ok(&with(
        "[[timeline]]\nat = \"1m\"\naction = \"deploy\"\n\n[[timeline]]\nat = \"2m\"\naction = \"deploy\"\n",
    ));
    let names: Vec<&str> = s.timeline.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["deploy-1", "deploy-2"]);
}

#[test]
fn timeline_is_sorted_by_at_with_ties_in_file_order() {
    let s = ok(&with(
        "[[timeline]]\nat = \"10m\"\naction = \"deploy\"\nname = \"c\"\n\n\
         [[timeline]]\nat = \"1m\"\naction = \"deploy\"\nname = \"a\"\n\n\
         [[timeline]]\nat = \"10m\"\naction = \"restart\"\nname = \"d\"\n\n\
         [[timeline]]\nat = \"60s\"\naction = \"restart\"\nname = \"b\"\n\n\
         [[timeline]]\nat = \"0s\"\naction = \"restart\"\nname = \"first\"\n",
    ));
    let got: Vec<(&str, u64)> = s
        .timeline
        .iter()
        .map(|o| (o.name.as_str(), o.at.as_secs_f64() as u64))
        .collect();
    assert_eq!(
        got,
        [("first", 0), ("a", 60), ("b", 60), ("c", 600), ("d", 600)]
    );
}

#[test]
fn app_is_required_only_with_several_apps() {
    let two = with(
        "[[apps]]\nname = \"admin\"\n\n[[apps.processes]]\ntype = \"web\"\ncount = 1\n\n\
         [[timeline]]\nat = \"1m\"\naction = \"restart\"\napp = \"admin\"\n",
    );
    let s = ok(&two);
    assert_eq!(s.timeline[0].kind.app(), Some(1));
    let e = err(&two.replace("app = \"admin\"\n", ""));
    assert!(
        e.contains("`timeline[0].app`")
            && e.contains("needs `app`")
            && e.contains("apps: api, admin"),
        "{e}"
    );
}

#[test]
fn preboot_is_accepted_in_the_common_runtime() {
    let s = ok(
        &edit("name = \"api\"\n", "name = \"api\"\npreboot = true\n").replace(
            "duration = \"1h\"\n",
            "duration = \"1h\"\n[space]\nruntime = \"common\"\n",
        ),
    );
    assert!(s.apps[0].preboot);
    let s = ok(&edit(
        "name = \"api\"\n",
        "name = \"api\"\npreboot = false\n",
    ));
    assert!(
        !s.apps[0].preboot,
        "preboot = false is fine in a Private Space"
    );
}

// ---------------------------------------------------------------------------------------------
// Every rule across values: file:line, the key path and what was expected.
// ---------------------------------------------------------------------------------------------

/// One test per case: `name: scenario text, line marker, key, [words];`. The error must start
/// with `t.toml:L:` where L is the line of the last occurrence of the marker, and name the key.
macro_rules! rejected {
    ($($name:ident: $text:expr, $marker:expr, $key:expr, [$($word:expr),* $(,)?];)*) => {
        $(
            #[test]
            fn $name() {
                assert_rejected(&$text, $marker, $key, &[$($word),*]);
            }
        )*
    };
}

fn assert_rejected(text: &str, marker: &str, key: &str, words: &[&str]) {
    let at = text
        .rfind(marker)
        .unwrap_or_else(|| panic!("{marker:?} not in the text"));
    let line = text[..at].matches('\n').count() + 1;
    let e = err(text);
    let prefix = format!("t.toml:{line}:");
    assert!(
        e.starts_with(&prefix),
        "expected {prefix:?} at the start of {e:?}"
    );
    assert!(
        e.contains(&format!(": `{key}`: ")),
        "expected key `{key}` in {e:?}"
    );
    for word in words {
        assert!(e.contains(word), "expected {word:?} in {e:?}");
    }
}

rejected! {
    rejects_unknown_action:
        op("at = \"1m\"\naction = \"redeploy\""), "redeploy", "timeline[0].action",
        ["unknown variant `redeploy`", "`deploy`", "`config_change`", "`maintenance`"];
    rejects_key_of_another_action:
        op("at = \"1m\"\naction = \"deploy\"\ncount = 3"), "count = 3", "timeline[0].count",
        ["`count` does not apply to action \"deploy\"", "`release_phase`, `release_fails` and `schema`"];
    rejects_schema_on_config_change:
        op("at = \"1m\"\naction = \"config_change\"\nschema = \"incompatible\""), "schema =",
        "timeline[0].schema", ["`schema` does not apply to action \"config_change\""];
    rejects_unknown_timeline_key:
        op("at = \"1m\"\naction = \"deploy\"\ncolour = \"red\""), "colour", "timeline[0].colour",
        ["unknown field `colour`", "expected one of"];
    rejects_missing_required_key:
        op("at = \"1m\"\naction = \"scale\"\nprocess = \"web\""), "[[timeline]]", "timeline[0].count",
        ["action \"scale\" needs `count`", "count = 6"];
    rejects_unknown_app:
        op("at = \"1m\"\naction = \"deploy\"\napp = \"apy\""), "apy", "timeline[0].app",
        ["there is no app \"apy\"", "apps: api"];
    rejects_unknown_process:
        op("at = \"1m\"\naction = \"scale\"\nprocess = \"wrker\"\ncount = 3"), "wrker",
        "timeline[0].process", ["no process type \"wrker\"", "process types: web, worker"];
    rejects_unknown_class:
        op("at = \"1m\"\naction = \"traffic\"\nclass = \"browse\"\nrate = \"5/s\""), "browse",
        "timeline[0].class", ["no traffic class \"browse\"", "traffic classes: checkout"];
    rejects_unknown_addon_in_timeline:
        op("at = \"1m\"\naction = \"maintenance\"\naddon = \"CACHE\""), "CACHE",
        "timeline[0].addon", ["no add-on \"CACHE\"", "attached add-ons: DATABASE, REDIS"];
    rejects_unknown_dyno_type_in_change_type:
        op("at = \"1m\"\naction = \"change_type\"\nprocess = \"web\"\nto = \"private-xxl\""),
        "private-xxl", "timeline[0].to", ["unknown dyno type \"private-xxl\"", "private-l"];
    rejects_dyno_beyond_the_formation:
        op("at = \"1m\"\naction = \"crash\"\nprocess = \"web\"\ndyno = 5"), "dyno = 5",
        "timeline[0].dyno", ["no dyno web.5 at the start", "web.1 to web.4", "t = 0"];
    rejects_dyno_zero:
        op("at = \"1m\"\naction = \"restart\"\nprocess = \"worker\"\ndyno = 0"), "dyno = 0",
        "timeline[0].dyno", ["no dyno worker.0", "worker.1 to worker.2"];
    rejects_dyno_without_process:
        op("at = \"1m\"\naction = \"restart\"\ndyno = 1"), "dyno = 1", "timeline[0].dyno",
        ["`dyno` needs `process`", "process = \"web\""];
    rejects_at_not_before_the_end:
        op("at = \"1h\"\naction = \"deploy\""), "at = ", "timeline[0].at",
        ["`at` (1h after the start) must be before the end", "`duration` = 1h"];
    rejects_clock_time_without_start:
        op("at = \"14:00\"\naction = \"deploy\""), "at = ", "timeline[0].at",
        ["need a `start`"];
    rejects_duplicate_operation_name:
        with("[[timeline]]\nat = \"1m\"\naction = \"deploy\"\nname = \"go\"\n\n\
              [[timeline]]\nat = \"2m\"\naction = \"restart\"\nname = \"go\"\n"),
        "name = \"go\"", "timeline[1].name",
        ["operation name \"go\" is already used by timeline[0]", "unique"];
    rejects_default_name_taken_by_an_explicit_one:
        with("[[timeline]]\nat = \"1m\"\naction = \"deploy\"\nname = \"deploy-2\"\n\n\
              [[timeline]]\nat = \"2m\"\naction = \"deploy\"\n"),
        "[[timeline]]", "timeline[1].name",
        ["\"deploy-2\" is already used by timeline[0]", "default name"];
    rejects_release_fails_without_release_phase:
        op("at = \"1m\"\naction = \"deploy\"\nrelease_fails = true"), "release_fails",
        "timeline[0].release_fails", ["needs `release_phase`"];
    rejects_failover_on_redis:
        op("at = \"1m\"\naction = \"failover\"\naddon = \"REDIS\""), "\"REDIS\"",
        "timeline[0].addon", ["redis add-on", "Postgres only"];
    rejects_failover_without_ha:
        edit("plan = \"private-2\"", "plan = \"standard-2\"")
            + "\n[[timeline]]\nat = \"1m\"\naction = \"failover\"\naddon = \"DATABASE\"\n",
        "addon = \"DATABASE\"", "timeline[0].addon", ["no HA standby", "facts §6.1"];
    rejects_zero_traffic_duration:
        op("at = \"1m\"\naction = \"traffic\"\nclass = \"checkout\"\nrate = \"5/s\"\nduration = \"0s\""),
        "duration = \"0s\"", "timeline[0].duration", ["must be more than 0s"];
    rejects_unknown_plan:
        edit("plan = \"private-2\"", "plan = \"hobby-dev\""), "hobby-dev", "apps[0].addons[0].plan",
        ["unknown postgres plan \"hobby-dev\"", "postgres plans", "private-2", "essential-0"];
    rejects_plan_of_the_other_kind:
        edit("plan = \"private-7\"", "plan = \"private-2\""), "plan = \"private-2\"",
        "apps[0].addons[1].plan", ["unknown redis plan \"private-2\"", "mini", "private-7"];
    rejects_unknown_addon_kind:
        edit("kind = \"redis\"", "kind = \"memcached\""), "memcached", "apps[0].addons[1].kind",
        ["unknown variant `memcached`", "`postgres`", "`redis`"];
    rejects_duplicate_addon_name:
        edit("name = \"REDIS\"", "name = \"DATABASE\""), "name = \"DATABASE\"",
        "apps[0].addons[1].name", ["add-on \"DATABASE\" is attached twice"];
    rejects_bad_attachment_name:
        edit("name = \"REDIS\"", "name = \"redis-cache\""), "redis-cache",
        "apps[0].addons[1].name", ["not a valid add-on attachment name", "`_`"];
    rejects_zero_connections:
        edit("plan = \"private-2\"", "plan = \"private-2\"\nconnections = 0"), "connections",
        "apps[0].addons[0].connections", ["at least 1"];
    rejects_unknown_addon_in_traffic:
        edit("service = \"20ms\"\n", "service = \"20ms\"\naddons = [{ addon = \"CACHE\" }]\n"),
        "addons = [", "apps[0].traffic[0].addons[0].addon",
        ["no add-on \"CACHE\"", "attached add-ons: DATABASE, REDIS"];
    rejects_addon_used_twice:
        edit("service = \"20ms\"\n",
             "service = \"20ms\"\naddons = [{ addon = \"REDIS\" }, { addon = \"REDIS\" }]\n"),
        "addons = [", "apps[0].traffic[0].addons[1].addon", ["listed twice"];
    rejects_hold_above_100_percent:
        edit("service = \"20ms\"\n",
             "service = \"20ms\"\naddons = [{ addon = \"DATABASE\", hold = \"150%\" }]\n"),
        "addons = [", "apps[0].traffic[0].addons[0].hold",
        ["\"150%\" is not between 0% and 100%", "such as \"60%\" or 0.6", "\"20ms\""];
    rejects_unreadable_hold:
        edit("service = \"20ms\"\n",
             "service = \"20ms\"\naddons = [{ addon = \"DATABASE\", hold = \"most\" }]\n"),
        "addons = [", "apps[0].traffic[0].addons[0].hold",
        ["cannot read \"most\" as a hold", "\"20ms\""];
    rejects_hold_number_above_one:
        edit("service = \"20ms\"\n",
             "service = \"20ms\"\naddons = [{ addon = \"DATABASE\", hold = 2 }]\n"),
        "addons = [", "apps[0].traffic[0].addons[0].hold", ["not between 0 and 1"];
    rejects_enqueue_of_unknown_job:
        edit("service = \"20ms\"\n",
             "service = \"20ms\"\nenqueue = { job = \"sms\", per_request = 1 }\n"),
        "enqueue", "apps[0].traffic[0].enqueue.job", ["no job \"sms\"", "jobs ([[apps.jobs]]): email"];
    rejects_enqueue_of_zero_per_request:
        edit("service = \"20ms\"\n",
             "service = \"20ms\"\nenqueue = { job = \"email\", per_request = 0 }\n"),
        "enqueue", "apps[0].traffic[0].enqueue.per_request", ["must be a number above 0"];
    rejects_job_on_web:
        edit("process = \"worker\"", "process = \"web\""), "process = \"web\"",
        "apps[0].jobs[0].process", ["not `web`", "non-web process types: worker"];
    rejects_job_on_unknown_process:
        edit("process = \"worker\"", "process = \"sidekiq\""), "sidekiq",
        "apps[0].jobs[0].process", ["no process type \"sidekiq\"", "type = \"sidekiq\""];
    rejects_duplicate_job:
        with("[[apps.jobs]]\nname = \"email\"\nprocess = \"worker\"\nservice = \"1s\"\n"),
        "name = \"email\"", "apps[0].jobs[1].name", ["job \"email\" is defined twice"];
    rejects_zero_client_timeout:
        edit("service = \"20ms\"\n", "service = \"20ms\"\nclient = { timeout = \"0s\" }\n"),
        "client", "apps[0].traffic[0].client.timeout", ["must be more than 0s"];
    rejects_unknown_client_key:
        edit("service = \"20ms\"\n", "service = \"20ms\"\nclient = { retry = 2 }\n"),
        "client", "apps[0].traffic[0].client.retry", ["unknown field `retry`", "`retries`"];
    rejects_preboot_in_a_private_space:
        edit("name = \"api\"\n", "name = \"api\"\npreboot = true\n"), "preboot",
        "apps[0].preboot", ["Private Spaces use rolling deploys (facts §3.1)"];
    rejects_autoscale_on_worker:
        edit("count = 2\n", "count = 2\nautoscale = { min = 1, max = 3, p95 = \"1s\" }\n"),
        "autoscale", "apps[0].processes[1].autoscale", ["`web` processes only", "\"worker\""];
    rejects_autoscale_min_above_max:
        edit("count = 4\n", "count = 4\nautoscale = { min = 5, max = 3, p95 = \"1s\" }\n"),
        "autoscale", "apps[0].processes[0].autoscale.max",
        ["`autoscale.max` (3) must be at least `autoscale.min` (5)"];
    rejects_autoscale_min_zero:
        edit("count = 4\n", "count = 4\nautoscale = { min = 0, max = 3, p95 = \"1s\" }\n"),
        "autoscale", "apps[0].processes[0].autoscale.min", ["at least 1"];
    rejects_count_outside_autoscale_range:
        edit("count = 4\n", "count = 4\nautoscale = { min = 1, max = 3, p95 = \"1s\" }\n"),
        "count = 4", "apps[0].processes[0].count", ["`count` (4) must be within", "[1, 3]"];
    rejects_autoscale_on_a_shared_dyno_type:
        edit("count = 4\n",
             "count = 4\ndyno_type = \"standard-2x\"\nautoscale = { min = 1, max = 8, p95 = \"1s\" }\n"),
        "autoscale", "apps[0].processes[0].autoscale",
        ["Performance, Private and Shield", "\"standard-2x\""];
    rejects_bad_boot_distribution:
        edit("count = 4\n", "count = 4\nboot = { dist = \"uniform\", min = \"9s\", max = \"1s\" }\n"),
        "boot", "apps[0].processes[0].boot", ["`max` (\"1s\") must be at least `min` (\"9s\")"];
    rejects_unknown_dyno_type_in_prices:
        with("[prices]\n\"private-m\" = 0.69\n\"private-xxl\" = 9.0\n"), "\"private-xxl\"",
        "prices.private-xxl", ["unknown dyno type \"private-xxl\"", "private-l"];
    rejects_negative_price:
        with("[prices]\n\"private-m\" = -1.0\n"), "-1.0", "prices.private-m", ["0 or more"];
    rejects_zero_rolling_batch:
        with("[platform]\nrolling_batch = \"0%\"\n"), "rolling_batch", "platform.rolling_batch",
        ["more than 0%"];
    rejects_empty_crash_backoff:
        with("[platform]\ncrash_backoff = []\n"), "crash_backoff", "platform.crash_backoff",
        ["is empty", "[\"0s\"]"];
    rejects_zero_boot_timeout:
        with("[platform]\nboot_timeout = \"0s\"\n"), "boot_timeout", "platform.boot_timeout",
        ["more than 0s", "R10"];
    rejects_zero_max_attempts:
        with("[platform]\nmax_attempts = 0\n"), "max_attempts", "platform.max_attempts",
        ["at least 1"];
    rejects_unknown_platform_key:
        with("[platform]\nboot_timout = \"60s\"\n"), "boot_timout", "platform.boot_timout",
        ["unknown field `boot_timout`", "`boot_timeout`"];
    rejects_bad_provision_distribution:
        with("[platform]\nprovision = { dist = \"exponential\", mean = \"0s\" }\n"), "provision",
        "platform.provision", ["`mean` must be more than zero"];
}
