//! The space at run time: trusted IP ranges (blocked, not failed), TLS, external calls from the
//! space's outbound IPs, add-ons outside the space, allocation, and the timeline operations the
//! platform refuses, each with its recorded reason and its `spacesim lint` warning.
//!
//! Scenarios are short; where a count is exact, arrivals are constant and no arrival coincides
//! with an operation's boundary. Statistical claims state their tolerance: with n requests and
//! a blocked share p, the share's standard deviation is sqrt(p(1 − p)/n), and the tolerances
//! below are at least four of them.

use std::path::Path;

use serde_json::Value;
use spacesim::lint::ops::findings;
use spacesim::model::sim::RunOutput;
use spacesim::report::summarize;
use spacesim::scenario::space::{Finding, Level};
use spacesim::scenario::{self, Scenario};

use super::support::{at, f, run, scenario, u};

fn json(s: &Scenario, out: &RunOutput) -> Value {
    serde_json::to_value(summarize(s, out)).expect("summary serializes")
}

fn run_json(text: &str) -> Value {
    let s = scenario(text);
    let out = run(&s);
    json(&s, &out)
}

/// Why operation `op` was refused; panics if it was not.
fn refused(v: &Value, op: &str) -> String {
    at(v, &format!("operations.{op}.refused"))
        .as_str()
        .unwrap_or_else(|| panic!("operation {op} was not refused"))
        .to_string()
}

fn not_refused(v: &Value, op: &str) {
    assert!(
        at(v, &format!("operations.{op}.refused")).is_null(),
        "operation {op} was refused: {}",
        at(v, &format!("operations.{op}.refused"))
    );
}

/// One app "api" with `web` private-m dynos (concurrency 10, no provisioning, 1 s boot) and one
/// traffic class at a constant `rate` per second, 10 ms of service; `class` adds keys to the
/// class, `space` to `[space]`, `rest` whole tables.
fn base(duration: &str, rate: u32, class: &str, space: &str, rest: &str) -> String {
    format!(
        r#"
name = "t"
seed = 3
duration = "{duration}"
[platform]
provision = "0s"
[space]
{space}
[[apps]]
name = "api"
[[apps.processes]]
type = "web"
count = 2
concurrency = 10
boot = "1s"
[[apps.traffic]]
name = "default"
arrival = {{ process = "constant", rate = "{rate}/s" }}
service = "10ms"
{class}
{rest}
"#
    )
}

// ---------------------------------------------------------------------------------------------
// Trusted IP ranges

/// Clients from 203.0.113.0/24 and a space trusting only 198.51.100.0/24: the router refuses
/// every request. They are blocked, not failed: no error, no downtime, no retry.
#[test]
fn clients_outside_the_trusted_ranges_are_all_blocked() {
    let v = run_json(&base(
        "60s",
        10,
        "clients = [\"203.0.113.0/24\"]\nclient = { retries = 2 }",
        "trusted_ips = [\"198.51.100.0/24\"]",
        "",
    ));
    // Constant arrivals at 0.1, 0.2, ... 59.9 s (one at the end would be after the run).
    assert_eq!(u(&v, "requests.total"), 599);
    assert_eq!(u(&v, "requests.blocked"), 599);
    assert_eq!(u(&v, "requests.ok"), 0);
    assert_eq!(u(&v, "requests.failed"), 0);
    assert_eq!(
        u(&v, "requests.retries"),
        0,
        "a blocked client does not retry"
    );
    assert_eq!(u(&v, "downtime_s"), 0);
    assert!(at(&v, "error_rate").is_null(), "nothing ended");
}

/// An empty trusted list blocks all inbound web traffic; the default 0.0.0.0/0 admits all.
#[test]
fn an_empty_trusted_list_blocks_everything_and_the_default_admits_everything() {
    let v = run_json(&base("20s", 10, "", "trusted_ips = []", ""));
    assert_eq!(u(&v, "requests.blocked"), 199);
    let v = run_json(&base("20s", 10, "clients = [\"203.0.113.0/24\"]", "", ""));
    assert_eq!((u(&v, "requests.ok"), u(&v, "requests.blocked")), (199, 0));
}

/// Two client ranges of the same size, one trusted: about half the requests are blocked. Over
/// 6,000 requests the share's standard deviation is 0.65 points; the tolerance is 3 points.
/// Only the trusted half reaches the app, and nothing fails.
#[test]
fn with_half_the_client_addresses_trusted_about_half_are_blocked() {
    let v = run_json(&base(
        "10m",
        10,
        "clients = [\"198.51.100.0/24\", \"203.0.113.0/24\"]",
        "trusted_ips = [\"198.51.100.0/24\"]",
        "",
    ));
    let total = u(&v, "requests.total");
    let blocked = u(&v, "requests.blocked");
    assert_eq!(total, 5999);
    let share = blocked as f64 / total as f64;
    assert!((share - 0.5).abs() < 0.03, "blocked share {share}");
    assert_eq!(u(&v, "requests.ok") + blocked, total);
    // A /24 and a /25: two thirds of the clients come from the /24.
    let v = run_json(&base(
        "10m",
        10,
        "clients = [\"198.51.100.0/24\", \"203.0.113.0/25\"]",
        "trusted_ips = [\"198.51.100.0/24\"]",
        "",
    ));
    let share = u(&v, "requests.blocked") as f64 / 5999.0;
    assert!((share - 1.0 / 3.0).abs() < 0.03, "blocked share {share}");
}

/// A `trusted_ips` operation at 60 s opening the space to the internet takes effect after the
/// propagation delay (30.05 s): the 900 requests up to 90.0 s are blocked, the 599 after it
/// served.
#[test]
fn a_trusted_ips_change_takes_effect_after_the_propagation_delay() {
    let v = run_json(&base(
        "150s",
        10,
        "clients = [\"203.0.113.0/24\"]",
        "trusted_ips = [\"198.51.100.0/24\"]\ntrusted_ips_propagation = \"30050ms\"",
        "[[timeline]]\nat = \"60s\"\naction = \"trusted_ips\"\nname = \"open\"\n\
         ranges = [\"0.0.0.0/0\"]",
    ));
    assert_eq!(u(&v, "requests.blocked"), 900);
    assert_eq!(u(&v, "requests.ok"), 599);
    not_refused(&v, "open");
    assert_eq!(f(&v, "operations.open.start_s"), 60.0);
    assert_eq!(f(&v, "operations.open.end_s"), 90.05);
    assert!(at(&v, "operations.open.app").is_null(), "a space operation");
    assert!(at(&v, "operations.open.min_capacity_slots").is_null());
}

// ---------------------------------------------------------------------------------------------
// TLS

/// Clients without SNI fail every HTTPS request (`tls_handshake`, no HTTP status); plain HTTP
/// from the same clients works; the Common Runtime does not require SNI.
#[test]
fn https_without_sni_fails_in_a_private_space() {
    let v = run_json(&base("20s", 10, "sni = false", "", ""));
    assert_eq!(u(&v, "requests.failed"), 199);
    assert_eq!(u(&v, "errors.tls_handshake"), 199);
    let v = run_json(&base("20s", 10, "sni = false\nhttps = false", "", ""));
    assert_eq!(u(&v, "requests.ok"), 199);
    let v = run_json(&base("20s", 10, "sni = false", "runtime = \"common\"", ""));
    assert_eq!(u(&v, "requests.ok"), 199);
    assert_eq!(u(&v, "errors.tls_handshake"), 0);
}

/// With custom-domain SSL, HTTPS on the default app domain fails; the custom domain and plain
/// HTTP on the default domain work.
#[test]
fn https_on_the_default_domain_fails_with_custom_domain_ssl() {
    let text = base("20s", 10, "domain = \"default\"", "", "").replace(
        "name = \"api\"\n",
        "name = \"api\"\ncustom_domain_ssl = true\n",
    );
    let v = run_json(&text);
    assert_eq!(u(&v, "errors.tls_handshake"), 199);
    let v = run_json(&text.replace("domain = \"default\"", "domain = \"custom\""));
    assert_eq!(u(&v, "requests.ok"), 199);
    let v = run_json(&text.replace(
        "domain = \"default\"",
        "domain = \"default\"\nhttps = false",
    ));
    assert_eq!(u(&v, "requests.ok"), 199);
    // Without custom-domain SSL the default domain serves HTTPS.
    let v = run_json(&base("20s", 10, "domain = \"default\"", "", ""));
    assert_eq!(u(&v, "requests.ok"), 199);
}

// ---------------------------------------------------------------------------------------------
// External calls and add-ons outside the space

/// Four outbound IPs (the default), a service allowing three: about a quarter of the calls are
/// refused and fail their request with `external_refused`. Over 6,000 requests the share's
/// standard deviation is 0.56 points; the tolerance is 3 points. Accepted calls add their
/// 20 ms to the 10 ms of service, exactly.
#[test]
fn calls_from_an_outbound_ip_the_service_does_not_allow_fail() {
    let v = run_json(&base(
        "10m",
        10,
        "calls = [\"payments\"]",
        "",
        "[[external]]\nname = \"payments\"\n\
         allow = [\"192.0.2.2/32\", \"192.0.2.3/32\", \"192.0.2.4/32\"]\nlatency = \"20ms\"",
    ));
    let total = u(&v, "requests.total");
    let refused = u(&v, "errors.external_refused");
    assert_eq!(total, 5999);
    assert_eq!(u(&v, "requests.failed"), refused);
    let share = refused as f64 / total as f64;
    assert!((share - 0.25).abs() < 0.03, "refused share {share}");
    assert_eq!(f(&v, "latency_ms.max"), 30.0);
    assert_eq!(f(&v, "latency_ms.mean"), 30.0);
}

/// A service allowing the space's whole outbound range refuses nothing, one allowing none of
/// it refuses everything; neither draws an address.
#[test]
fn calls_whose_outcome_is_certain_all_succeed_or_all_fail() {
    let ext = |allow: &str| {
        base(
            "20s",
            10,
            "calls = [\"gw\"]",
            "",
            &format!("[[external]]\nname = \"gw\"\nallow = [\"{allow}\"]\nlatency = \"5ms\""),
        )
    };
    let v = run_json(&ext("192.0.2.0/29"));
    assert_eq!(u(&v, "requests.ok"), 199);
    assert_eq!(f(&v, "latency_ms.mean"), 15.0);
    let v = run_json(&ext("10.99.0.0/16"));
    assert_eq!(u(&v, "errors.external_refused"), 199);
}

/// The same app with its Postgres in the space (private-0) and outside it (standard-0, 25 ms
/// away): each request uses the database once, so the mean latency differs by exactly 25 ms.
#[test]
fn an_addon_outside_the_space_adds_its_latency_to_each_use() {
    let app = |plan: &str, extra: &str| {
        base(
            "60s",
            10,
            "addons = [{ addon = \"DATABASE\" }]",
            "",
            &format!(
                "[[apps.addons]]\nname = \"DATABASE\"\nkind = \"postgres\"\nplan = \"{plan}\"\n{extra}"
            ),
        )
    };
    let inside = run_json(&app("private-0", ""));
    let outside = run_json(&app("standard-0", "confirm = \"api\"\nlatency = \"25ms\""));
    assert_eq!(u(&inside, "requests.ok"), 599);
    assert_eq!(u(&outside, "requests.ok"), 599);
    let diff = f(&outside, "latency_ms.mean") - f(&inside, "latency_ms.mean");
    assert!((diff - 25.0).abs() < 1e-6, "difference {diff} ms");
}

/// Failures that come from how clients or external services are set up (no SNI, a refused
/// call) are not charged to the operations running meanwhile: a deploy that loses nothing
/// observes zero downtime.
#[test]
fn standing_failures_are_not_charged_to_operations() {
    let v = run_json(&base(
        "120s",
        10,
        "",
        "",
        "[[apps.traffic]]\nname = \"kiosk\"\narrival = { process = \"constant\", rate = \"1/s\" }\n\
         service = \"10ms\"\nsni = false\n[[timeline]]\nat = \"30s\"\naction = \"restart\"\n\
         process = \"web\"\ndyno = 1",
    ));
    assert_eq!(u(&v, "errors.tls_handshake"), 119);
    assert_eq!(u(&v, "operations.restart-1.failed"), 0);
    assert_eq!(u(&v, "operations.restart-1.errors.tls_handshake"), 0);
}

// ---------------------------------------------------------------------------------------------
// Allocation

/// A space created with the run allocates for 2 minutes: no dyno starts and nothing is served
/// before (H14 at once, as with no web dyno); then the formation boots (1 s) and serves. A
/// deploy during allocation is refused.
#[test]
fn nothing_is_served_before_the_space_is_allocated() {
    let v = run_json(&base(
        "180s",
        10,
        "",
        "create = true\nallocation = \"2m\"",
        "[[timeline]]\nat = \"30s\"\naction = \"deploy\"\nname = \"early\"",
    ));
    assert_eq!(f(&v, "space.allocated_s"), 120.0);
    // Arrivals at 0.1 .. 120.9 s find no dyno; from 121.0 s, when the web dynos are up, they
    // are served.
    assert_eq!(u(&v, "errors.H14"), 1209);
    assert_eq!(u(&v, "requests.ok"), 590);
    assert!(refused(&v, "early").contains("still allocating"));
    assert_eq!(u(&v, "space.operations_refused"), 1);
    let text = base(
        "180s",
        10,
        "",
        "create = true\nallocation = \"2m\"",
        "[[timeline]]\nat = \"30s\"\naction = \"deploy\"\nname = \"early\"",
    );
    let rules: Vec<&str> = lint(&text).iter().map(|f| f.rule).collect();
    assert_eq!(rules, ["op-allocating"]);
    // Without `create` the space exists before the run.
    let v = run_json(&base("20s", 10, "", "", ""));
    assert_eq!(f(&v, "space.allocated_s"), 0.0);
    assert_eq!(u(&v, "requests.ok"), 199);
}

// ---------------------------------------------------------------------------------------------
// Refused operations

/// A space with an admin, a member with and one without the app-creation permission, and a
/// viewer; apps "api" (running) and "billing" (created by the timeline).
fn people(timeline: &str) -> String {
    base(
        "10m",
        2,
        "",
        r#"limits = { apps = 25 }
[[space.members]]
name = "ada"
role = "admin"
[[space.members]]
name = "bob"
role = "member"
[[space.members]]
name = "cat"
role = "member"
create_apps = true
[[space.members]]
name = "vic"
role = "viewer""#,
        &format!(
            r#"
[[apps]]
name = "billing"
new = true
[[apps.processes]]
type = "web"
count = 1
boot = "1s"
[[apps.traffic]]
name = "default"
arrival = {{ process = "constant", rate = "1/s" }}
service = "10ms"
{timeline}"#
        ),
    )
}

/// A member without the app-creation permission creating an app is refused with the
/// platform's words; the app never exists: its deploy is refused ("does not exist") and its
/// requests fail with `no_such_app`. The simulation goes on: a later create by a member with
/// the permission succeeds, and the app serves after its first deploy.
#[test]
fn a_member_without_the_permission_cannot_create_an_app() {
    let v = run_json(&people(
        r#"
[[timeline]]
at = "60s"
action = "create_app"
name = "bob-creates"
app = "billing"
actor = "bob"
[[timeline]]
at = "90s"
action = "deploy"
name = "deploy-missing"
app = "billing"
actor = "bob"
[[timeline]]
at = "120s"
action = "create_app"
name = "cat-creates"
app = "billing"
actor = "cat"
[[timeline]]
at = "150s"
action = "deploy"
name = "first-deploy"
app = "billing"
actor = "bob"
"#,
    ));
    let why = refused(&v, "bob-creates");
    assert!(
        why.contains("\"app creation\" permission") && why.contains("bob"),
        "{why}"
    );
    assert_eq!(refused(&v, "deploy-missing"), "app billing does not exist");
    not_refused(&v, "cat-creates");
    not_refused(&v, "first-deploy");
    assert_eq!(u(&v, "space.operations_refused"), 2);
    assert_eq!(u(&v, "space.apps"), 2);
    // Requests before its creation at 120 s (1/s, at 1 .. 599 s) find no app; after the first
    // deploy (150 s + 5 min setup + 1 s boot = 451 s) it serves.
    assert_eq!(u(&v, "apps.billing.errors.no_such_app"), 119);
    assert_eq!(u(&v, "apps.billing.requests.ok"), 600 - 451);
    assert_eq!(u(&v, "apps.billing.errors.H14"), 451 - 120);
}

/// A scale past the 10 dynos of a process type is refused with the platform's message and the
/// formation keeps its size; with the limit raised, the same scale is accepted.
#[test]
fn a_scale_past_the_per_type_limit_is_refused() {
    let scale = "[[timeline]]\nat = \"60s\"\naction = \"scale\"\nname = \"big\"\n\
                 process = \"web\"\ncount = 11\n[[timeline]]\nat = \"90s\"\naction = \"scale\"\n\
                 name = \"ten\"\nprocess = \"web\"\ncount = 10";
    let v = run_json(&base("120s", 10, "", "", scale));
    assert_eq!(
        refused(&v, "big"),
        "Cannot update to more than 10 Private-M size dynos per process type (\"web\" of app \
         api asks for 11; space.limits.dynos_per_process_type)"
    );
    assert!(
        at(&v, "operations.big.batches")
            .as_array()
            .unwrap()
            .is_empty()
    );
    not_refused(&v, "ten");
    let batches = at(&v, "operations.ten.batches").as_array().unwrap();
    assert_eq!(
        batches[0]["dynos"], 8,
        "2 -> 10 dynos: the refused scale changed nothing"
    );
    let v = run_json(&base(
        "120s",
        10,
        "",
        "limits = { dynos_per_process_type = 12 }",
        scale,
    ));
    not_refused(&v, "big");
    assert_eq!(u(&v, "requests.failed"), 0);
}

/// `destroy_space` is refused while an app exists, with the platform's reason; after the apps
/// are destroyed it succeeds. The destroyed app's requests fail with `no_such_app`.
#[test]
fn a_space_with_apps_cannot_be_destroyed() {
    let v = run_json(&base(
        "120s",
        10,
        "",
        "",
        r#"
[[timeline]]
at = "30s"
action = "destroy_space"
name = "too-soon"
[[timeline]]
at = "40s"
action = "deploy"
name = "cut-short"
release_phase = "30s"
[[timeline]]
at = "60s"
action = "destroy_app"
name = "bye"
[[timeline]]
at = "90s"
action = "destroy_space"
name = "done"
[[timeline]]
at = "100s"
action = "scale"
name = "after"
process = "web"
count = 3
"#,
    ));
    assert_eq!(
        refused(&v, "too-soon"),
        "Private Spaces that contain applications or other resources cannot be destroyed. \
         Apps must be explicitly deleted before destroying a Private Space."
    );
    not_refused(&v, "bye");
    // The deploy still in its release phase when the app went is aborted.
    assert_eq!(
        at(&v, "operations.cut-short.aborted").as_str(),
        Some("app api was destroyed")
    );
    assert_eq!(f(&v, "operations.cut-short.end_s"), 60.0);
    not_refused(&v, "done");
    assert_eq!(f(&v, "space.destroyed_s"), 90.0);
    assert_eq!(u(&v, "space.apps"), 0);
    assert!(refused(&v, "after").contains("destroyed"));
    // Arrivals at 0.1 .. 59.9 s are served; from 60.0 s the app does not exist.
    assert_eq!(u(&v, "requests.ok"), 599);
    assert_eq!(u(&v, "errors.no_such_app"), 600);
}

/// The region cannot change; a viewer cannot deploy; a member cannot touch trusted IPs or
/// destroy the space, and can deploy; more trusted ranges than the limit are refused.
#[test]
fn region_changes_viewers_and_space_permissions_are_refused() {
    let v = run_json(&people(
        r#"
[[timeline]]
at = "30s"
action = "change_region"
name = "move"
region = "frankfurt"
[[timeline]]
at = "40s"
action = "deploy"
name = "vic-deploys"
app = "api"
actor = "vic"
[[timeline]]
at = "50s"
action = "trusted_ips"
name = "bob-trusts"
actor = "bob"
ranges = ["198.51.100.0/24"]
[[timeline]]
at = "60s"
action = "destroy_space"
name = "cat-destroys"
actor = "cat"
[[timeline]]
at = "70s"
action = "deploy"
name = "bob-deploys"
app = "api"
actor = "bob"
[[timeline]]
at = "80s"
action = "trusted_ips"
name = "many"
actor = "ada"
ranges = ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24", "10.0.4.0/24",
          "10.0.5.0/24", "10.0.6.0/24", "10.0.7.0/24", "10.0.8.0/24", "10.0.9.0/24",
          "10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24", "10.0.13.0/24", "10.0.14.0/24",
          "10.0.15.0/24", "10.0.16.0/24", "10.0.17.0/24", "10.0.18.0/24", "10.0.19.0/24",
          "10.0.20.0/24"]
"#,
    ));
    assert_eq!(
        refused(&v, "move"),
        "The region cannot be changed after the Private Space is created."
    );
    assert!(refused(&v, "vic-deploys").starts_with("vic is a viewer"));
    assert!(
        refused(&v, "bob-trusts")
            .starts_with("Only team administrators can manage trusted IP ranges")
    );
    assert!(
        refused(&v, "cat-destroys")
            .starts_with("Only team administrators can create, destroy, or modify Private Spaces")
    );
    not_refused(&v, "bob-deploys");
    assert!(refused(&v, "many").contains("at most 20 trusted IP ranges; this sets 21"));
    assert_eq!(u(&v, "space.operations_refused"), 5);
    // Nothing refused changed anything: every request to api was served (billing, new and
    // never deployed, serves nothing).
    assert_eq!(
        u(&v, "apps.api.requests.failed") + u(&v, "apps.api.requests.blocked"),
        0
    );
}

/// One-off dynos take `one_off_provisioning` to come up; a sixth concurrent one is refused;
/// each counts in dyno-hours from its creation to the end of its command.
#[test]
fn one_off_dynos_provision_and_are_limited_to_five_at_once() {
    let runs: String = (1..=6)
        .map(|n| {
            format!(
                "[[timeline]]\nat = \"{}s\"\naction = \"run\"\nname = \"run-{n}\"\n\
                 duration = \"10m\"\n",
                10 * n
            )
        })
        .collect();
    let v = run_json(&base("30m", 1, "", "one_off_provisioning = \"2m\"", &runs));
    for n in 1..=5 {
        let op = format!("run-{n}");
        not_refused(&v, &op);
        assert_eq!(f(&v, &format!("operations.{op}.duration_s")), 120.0);
    }
    assert!(
        refused(&v, "run-6").starts_with("Cannot run more than 5 concurrent one-off dynos"),
        "{}",
        refused(&v, "run-6")
    );
    assert_eq!(u(&v, "space.one_off_dynos"), 5);
    // 2 web dynos for 30 min, and 5 one-offs of 2 + 10 min each: 1 + 1 hour.
    assert!((f(&v, "dyno_hours.private-m") - 2.0).abs() < 1e-6);
}

// ---------------------------------------------------------------------------------------------
// Lint: the same refusals, foreseen

fn lint(text: &str) -> Vec<Finding> {
    findings(&scenario(text))
}

/// The line of the `[[timeline]]` entry holding `name = "<op>"`.
fn op_line(text: &str, op: &str) -> usize {
    let name = text
        .lines()
        .position(|l| l.trim() == format!("name = \"{op}\""))
        .unwrap_or_else(|| panic!("no operation {op}"));
    text.lines()
        .take(name)
        .collect::<Vec<_>>()
        .iter()
        .rposition(|l| l.trim() == "[[timeline]]")
        .expect("an entry")
        + 1
}

/// Each foreseeable refusal is one warning with its rule, line, key and source; accepted
/// operations get none.
#[test]
fn lint_warns_of_every_refusal_it_can_foresee() {
    let text = people(
        r#"
[[timeline]]
at = "30s"
action = "create_app"
name = "bob-creates"
app = "billing"
actor = "bob"
[[timeline]]
at = "20s"
action = "scale"
name = "big"
app = "api"
process = "web"
count = 11
[[timeline]]
at = "40s"
action = "destroy_space"
name = "with-apps"
[[timeline]]
at = "50s"
action = "change_region"
name = "move"
region = "tokyo"
[[timeline]]
at = "60s"
action = "deploy"
name = "vic-deploys"
app = "api"
actor = "vic"
[[timeline]]
at = "70s"
action = "deploy"
name = "fine"
app = "api"
actor = "bob"
"#,
    );
    let found = lint(&text);
    let summary: Vec<(&str, usize, String)> = found
        .iter()
        .map(|f| (f.rule, f.line.unwrap(), f.key.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("op-limit", op_line(&text, "big"), "timeline[1]".to_string()),
            (
                "op-permission",
                op_line(&text, "bob-creates"),
                "timeline[0]".to_string()
            ),
            (
                "op-destroy-space",
                op_line(&text, "with-apps"),
                "timeline[2]".to_string()
            ),
            (
                "op-region",
                op_line(&text, "move"),
                "timeline[3]".to_string()
            ),
            (
                "op-permission",
                op_line(&text, "vic-deploys"),
                "timeline[4]".to_string()
            ),
        ]
    );
    assert!(found.iter().all(|f| f.level == Level::Warning));
    assert!(
        found[0]
            .message
            .starts_with("\"big\" (scale at 20s) would be refused: Cannot")
    );
    assert!(found[2].source.contains("Destroy a Private Space"));
    assert!(found[3].source.contains("\"Regions\""));

    // The simulation refuses exactly what lint foresaw.
    let s = scenario(&text);
    let v = json(&s, &run(&s));
    for op in ["big", "bob-creates", "with-apps", "move", "vic-deploys"] {
        refused(&v, op);
    }
    not_refused(&v, "fine");
}

/// Lint follows the formation through the timeline: a scale to 8 then another to 12 warns
/// once; trusted ranges past the limit and a sixth concurrent one-off dyno warn too; an
/// operation on an app whose creation was refused warns with `op-app`.
#[test]
fn lint_follows_the_timeline() {
    let mut text = people(
        r#"
[[timeline]]
at = "10s"
action = "scale"
name = "to-8"
app = "api"
process = "web"
count = 8
[[timeline]]
at = "20s"
action = "scale"
name = "to-12"
app = "api"
process = "web"
count = 12
[[timeline]]
at = "30s"
action = "create_app"
name = "bob-creates"
app = "billing"
actor = "bob"
[[timeline]]
at = "40s"
action = "deploy"
name = "ghost"
app = "billing"
"#,
    );
    for n in 1..=6 {
        text.push_str(&format!(
            "[[timeline]]\nat = \"{}s\"\naction = \"run\"\nname = \"run-{n}\"\napp = \"api\"\n\
             duration = \"1h\"\n",
            100 + n
        ));
    }
    text.push_str(
        "[[timeline]]\nat = \"200s\"\naction = \"trusted_ips\"\nname = \"many\"\nranges = [",
    );
    let ranges: Vec<String> = (0..21).map(|i| format!("\"10.1.{i}.0/24\"")).collect();
    text.push_str(&ranges.join(", "));
    text.push_str("]\n");
    let found = lint(&text);
    let rules: Vec<(&str, &str)> = found
        .iter()
        .map(|f| (f.rule, f.message.split('"').nth(1).unwrap()))
        .collect();
    assert_eq!(
        rules,
        vec![
            ("op-limit", "to-12"),
            ("op-permission", "bob-creates"),
            ("op-app", "ghost"),
            ("op-limit", "run-6"),
            ("op-limit", "many"),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// The scenario format

fn parse_err(text: &str) -> String {
    match scenario::parse(text, "t.toml", Path::new("."), None) {
        Ok(_) => panic!("expected an error for:\n{text}"),
        Err(e) => e.to_string(),
    }
}

/// `actor` must name a member (the message lists them); space actions take no `app`; events
/// take no `actor`; `create_app` needs a `new` app; ranges are CIDR with their network
/// address; a region must be one of the ten.
#[test]
fn bad_operation_keys_are_schema_errors() {
    let e = parse_err(&people(
        "[[timeline]]\nat = \"1s\"\naction = \"deploy\"\napp = \"api\"\nactor = \"eve\"",
    ));
    assert!(
        e.contains("`timeline[0].actor`")
            && e.contains("there is no member \"eve\"")
            && e.contains("ada")
            && e.contains("vic"),
        "{e}"
    );
    let e = parse_err(&base(
        "60s",
        1,
        "",
        "",
        "[[timeline]]\nat = \"1s\"\naction = \"deploy\"\nactor = \"eve\"",
    ));
    assert!(e.contains("the space has no members"), "{e}");
    let e = parse_err(&base(
        "60s",
        1,
        "",
        "",
        "[[timeline]]\nat = \"1s\"\naction = \"destroy_space\"\napp = \"api\"",
    ));
    assert!(
        e.contains("`app` does not apply to action \"destroy_space\""),
        "{e}"
    );
    let e = parse_err(&people(
        "[[timeline]]\nat = \"1s\"\naction = \"crash\"\napp = \"api\"\nprocess = \"web\"\n\
         actor = \"ada\"",
    ));
    assert!(
        e.contains("`actor` does not apply to action \"crash\""),
        "{e}"
    );
    let e = parse_err(&people(
        "[[timeline]]\nat = \"1s\"\naction = \"create_app\"\napp = \"api\"",
    ));
    assert!(e.contains("must be declared with `new = true`"), "{e}");
    let e = parse_err(&base(
        "60s",
        1,
        "",
        "",
        "[[timeline]]\nat = \"1s\"\naction = \"trusted_ips\"\nranges = [\"192.0.2.1/24\"]",
    ));
    assert!(
        e.contains("`timeline[0].ranges[0]`") && e.contains("\"192.0.2.0/24\""),
        "{e}"
    );
    let e = parse_err(&base(
        "60s",
        1,
        "",
        "",
        "[[timeline]]\nat = \"1s\"\naction = \"change_region\"\nregion = \"mars\"",
    ));
    assert!(e.contains("unknown region \"mars\""), "{e}");
    let e = parse_err(&base(
        "60s",
        1,
        "",
        "",
        "[[timeline]]\nat = \"1s\"\naction = \"run\"",
    ));
    assert!(e.contains("action \"run\" needs `duration`"), "{e}");
    let e = parse_err(&base(
        "60s",
        1,
        "",
        "",
        "[[timeline]]\nat = \"1s\"\naction = \"destroy_app\"\ncount = 2",
    ));
    assert!(
        e.contains("it takes only `at`, `action`, `name`, `app` and `actor`"),
        "{e}"
    );
}

// ---------------------------------------------------------------------------------------------
// The example scenario

fn example() -> Scenario {
    let path = Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/space-acme.toml"
    ));
    scenario::load(path).unwrap_or_else(|e| panic!("{e}"))
}

/// The example space runs the same twice and refuses what lint foresees.
#[test]
fn the_example_space_is_deterministic_and_lint_foresees_its_refusals() {
    let s = example();
    let a = serde_json::to_string(&summarize(&s, &run(&s))).unwrap();
    let b = serde_json::to_string(&summarize(&s, &run(&s))).unwrap();
    assert_eq!(a, b);
    let v: Value = serde_json::from_str(&a).unwrap();
    let foreseen = findings(&s);
    assert!(!foreseen.is_empty());
    assert_eq!(u(&v, "space.operations_refused"), foreseen.len() as u64);
    for finding in &foreseen {
        let op = finding.message.split('"').nth(1).unwrap();
        refused(&v, op);
    }
    assert!(u(&v, "requests.blocked") > 0);
    assert!(u(&v, "errors.tls_handshake") > 0);
    assert_eq!(u(&v, "space.apps"), 3);
}

/// The autoscaler stops at the dynos-per-process-type limit: each step it would take past it
/// is refused and counted.
#[test]
fn the_autoscaler_stops_at_the_per_type_limit() {
    // Ten one-slot dynos at 95% utilisation: random routing queues requests well past the
    // 200 ms target, every minute.
    let text = base("5m", 95, "", "", "")
        .replace(
            "count = 2\nconcurrency = 10\n",
            "count = 10\nconcurrency = 1\nautoscale = { min = 1, max = 12, p95 = \"200ms\" }\n",
        )
        .replace("service = \"10ms\"", "service = \"100ms\"");
    let s = scenario(&text);
    let out = run(&s);
    assert_eq!(out.apps[0].autoscale_up, 0);
    // Evaluations at 1, 2, 3 and 4 minutes, each over a p95 above the target.
    assert_eq!(out.apps[0].autoscale_refused, 4);
}

/// Summaries with the space's operations (null apps, refused operations, a destroyed space, a
/// space still allocating at the end) match the committed schema.
#[test]
fn space_summaries_match_the_committed_schema() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema/summary.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::draft202012::new(&schema).expect("the schema compiles");
    let s = example();
    let destroyed = base(
        "120s",
        10,
        "sni = false",
        "",
        "[[timeline]]\nat = \"30s\"\naction = \"destroy_app\"\n\
         [[timeline]]\nat = \"60s\"\naction = \"destroy_space\"\n\
         [[timeline]]\nat = \"70s\"\naction = \"change_region\"\nregion = \"tokyo\"",
    );
    let allocating = base("60s", 10, "", "create = true\nallocation = \"2m\"", "");
    let summaries = [
        json(&s, &run(&s)),
        run_json(&destroyed),
        run_json(&allocating),
    ];
    assert!(summaries[1]["space"]["destroyed_s"].is_number());
    assert!(summaries[1]["operations"]["destroy_space-1"]["app"].is_null());
    assert!(summaries[2]["space"]["allocated_s"].is_null());
    for v in &summaries {
        let errors: Vec<String> = validator
            .iter_errors(v)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }
}
