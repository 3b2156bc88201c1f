//! `spacesim lint`: one bad scenario per space and formation rule, schema errors in the network
//! keys, and how `run` and `check` treat a scenario that breaks a rule.
//!
//! Each case marks the line its finding must name with a `# <-` comment, so the expected line is
//! read from the text rather than counted by hand.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// `[[apps]]` entry with one web process of `count` dynos of `dyno_type`, and traffic.
fn app(name: &str, count: u32, dyno_type: &str) -> String {
    format!(
        r#"
[[apps]]
name = "{name}"
[[apps.processes]]
type = "web"
count = {count}
dyno_type = "{dyno_type}"
[[apps.traffic]]
name = "default"
arrival = {{ process = "poisson", rate = "5/s" }}
service = {{ dist = "exponential", mean = "50ms" }}
"#
    )
}

/// A scenario: `space` is the body of `[space]`, `rest` any further tables.
fn scenario(space: &str, rest: &str) -> String {
    let apps = if rest.contains("[[apps]]") {
        String::new()
    } else {
        app("api", 2, "private-m")
    };
    format!("name = \"t\"\nseed = 1\nduration = \"30s\"\n[space]\n{space}\n{rest}\n{apps}")
}

/// The 1-based line holding `# <-`.
fn marked_line(text: &str) -> usize {
    text.lines()
        .position(|l| l.contains("# <-"))
        .unwrap_or_else(|| panic!("no `# <-` marker in\n{text}"))
        + 1
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(format!("{name}.toml"));
    fs::write(&path, text).unwrap();
    path
}

fn spacesim(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("spacesim")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn lint(path: &Path) -> (i32, String) {
    let (code, out, err) = spacesim(&["lint", path.to_str().unwrap()]);
    assert!(err.is_empty(), "{err}");
    (code, out)
}

/// One bad scenario, the finding it must produce, and the exit code.
struct Case {
    name: &'static str,
    text: String,
    /// `error[space-cidr]` or `warning[…]`.
    label: &'static str,
    key: &'static str,
    message: &'static str,
    exit: i32,
}

fn trusted(n: usize, marked: usize) -> String {
    let lines: Vec<String> = (0..n)
        .map(|i| {
            let mark = if i + 1 == marked { " # <-" } else { "" };
            format!("  \"198.51.{i}.0/24\",{mark}")
        })
        .collect();
    format!("trusted_ips = [\n{}\n]", lines.join("\n"))
}

fn many_apps(n: usize, count: u32, marked: usize, marker_on: &str) -> String {
    (1..=n)
        .map(|i| {
            let a = app(&format!("app{i}"), count, "private-m");
            if i == marked {
                a.replacen(marker_on, &format!("{marker_on} # <-"), 1)
            } else {
                a
            }
        })
        .collect()
}

fn cases() -> Vec<Case> {
    // `web` and 100 workers: 101 process types, the 101st (index 100) is worker99.
    let process_types: String = (0..100)
        .map(|i| {
            let mark = if i == 99 { " # <-" } else { "" };
            format!("[[apps.processes]]\ntype = \"worker{i}\"{mark}\ncount = 0\n")
        })
        .collect();
    vec![
        Case {
            name: "cidr_17",
            text: scenario("cidr = \"10.0.0.0/17\" # <-", ""),
            label: "error[space-cidr]",
            key: "space.cidr",
            message: "\"10.0.0.0/17\" is a /17: A `/16` CIDR range is required for the dyno VPC",
            exit: 1,
        },
        Case {
            name: "cidr_public",
            text: scenario("cidr = \"8.8.0.0/16\" # <-", ""),
            label: "error[space-cidr]",
            key: "space.cidr",
            message: "\"8.8.0.0/16\" is not a private (RFC 1918) range",
            exit: 1,
        },
        Case {
            name: "data_cidr_21",
            text: scenario("data_cidr = \"172.23.0.0/21\" # <-", ""),
            label: "error[space-data-cidr]",
            key: "space.data_cidr",
            message: "a `/20` is the minimum CIDR range size for the data VPC",
            exit: 1,
        },
        Case {
            name: "data_cidr_public",
            text: scenario("data_cidr = \"100.64.0.0/20\" # <-", ""),
            label: "error[space-data-cidr]",
            key: "space.data_cidr",
            message: "\"100.64.0.0/20\" is not a private (RFC 1918) range",
            exit: 1,
        },
        Case {
            name: "data_cidr_overlap",
            text: scenario(
                "cidr = \"172.16.0.0/16\"\ndata_cidr = \"172.16.16.0/20\" # <-",
                "",
            ),
            label: "error[space-data-cidr]",
            key: "space.data_cidr",
            message: "\"172.16.16.0/20\" overlaps the dyno VPC \"172.16.0.0/16\"",
            exit: 1,
        },
        Case {
            name: "trusted_21",
            text: scenario(&trusted(21, 21), ""),
            label: "error[trusted-ips-limit]",
            key: "space.trusted_ips[20]",
            message: "21 trusted IP ranges: a space allows 20",
            exit: 1,
        },
        Case {
            name: "region",
            text: scenario("region = \"atlantis\" # <-", ""),
            label: "error[space-region]",
            key: "space.region",
            message: "unknown region \"atlantis\": Private Spaces can be created in the \
                      following regions: dublin, frankfurt, london",
            exit: 1,
        },
        Case {
            name: "apps_26",
            text: scenario("", &many_apps(26, 1, 26, "name = \"app26\"")),
            label: "error[apps-limit]",
            key: "apps[25]",
            message: "26 apps in the space: a space holds 25",
            exit: 1,
        },
        Case {
            name: "process_types_101",
            text: scenario(
                "",
                &format!(
                    "[[apps]]\nname = \"api\"\n[[apps.processes]]\ntype = \"web\"\ncount = 1\n\
                     {process_types}"
                ),
            ),
            label: "error[process-types-limit]",
            key: "apps[0].processes[100]",
            message: "app \"api\" has 101 process types: a space allows 100 per app",
            exit: 1,
        },
        Case {
            name: "dynos_11_of_a_type",
            text: scenario(
                "",
                &app("api", 11, "private-m").replace("count = 11", "count = 11 # <-"),
            ),
            label: "error[dynos-per-process-type]",
            key: "apps[0].processes[0].count",
            message: "11 private-m dynos of process type \"web\" in app \"api\": the limit is 10 \
                      per process type",
            exit: 1,
        },
        Case {
            name: "autoscale_max_counts",
            text: scenario(
                "",
                &app("api", 4, "private-m").replace(
                    "dyno_type = \"private-m\"",
                    "dyno_type = \"private-m\"\n[apps.processes.autoscale]\nmin = 2\n\
                     max = 12 # <-\np95 = \"500ms\"",
                ),
            ),
            label: "error[dynos-per-process-type]",
            key: "apps[0].processes[0].autoscale.max",
            message: "12 private-m dynos of process type \"web\"",
            exit: 1,
        },
        Case {
            name: "dynos_101_in_space",
            text: scenario(
                "",
                &(many_apps(10, 10, 0, "")
                    + &app("last", 1, "private-m").replace("count = 1", "count = 1 # <-")),
            ),
            label: "error[dynos-per-space]",
            key: "apps[10].processes[0].count",
            message: "the space has 101 dynos across its apps",
            exit: 1,
        },
        Case {
            name: "dynos_101_in_app",
            text: scenario(
                "[space.limits]\ndynos_per_process_type = 200\ndynos_per_space = 200",
                &app("api", 101, "private-m").replace("count = 101", "count = 101 # <-"),
            ),
            label: "error[dynos-per-app]",
            key: "apps[0].processes[0].count",
            message: "app \"api\" has 101 dynos: an app may have 100 dynos in total",
            exit: 1,
        },
        Case {
            name: "shield_data_trusted_ips",
            text: scenario(
                "shield = true\ndata_trusted_ips = [\"203.0.113.0/24\"] # <-",
                &app("api", 2, "shield-m"),
            ),
            label: "error[data-trusted-ips-shield]",
            key: "space.data_trusted_ips",
            message: "Trusted IP ranges for data services are not available in Shield Private \
                      Spaces",
            exit: 1,
        },
        Case {
            name: "data_trusted_everything",
            text: scenario("data_trusted_ips = [\"0.0.0.0/0\"] # <-", ""),
            label: "warning[data-trusted-ips-ignored]",
            key: "space.data_trusted_ips[0]",
            message: "\"0.0.0.0/0\" will be ignored as a Trusted IP for data products",
            exit: 0,
        },
        Case {
            name: "shield_runs_private_dynos",
            text: scenario(
                "shield = true",
                &app("api", 2, "private-l").replace(
                    "dyno_type = \"private-l\"",
                    "dyno_type = \"private-l\" # <-",
                ),
            ),
            label: "error[shield-dynos]",
            key: "apps[0].processes[0].dyno_type",
            message: "a Shield Private Space runs only Shield dynos (encrypted ephemeral file \
                      system); use shield-l",
            exit: 1,
        },
        Case {
            name: "private_runs_shield_dynos",
            text: scenario(
                "",
                &app("api", 2, "shield-m")
                    .replace("dyno_type = \"shield-m\"", "dyno_type = \"shield-m\" # <-"),
            ),
            label: "error[shield-dynos]",
            key: "apps[0].processes[0].dyno_type",
            message: "runs shield-m dynos, which run only in Shield Private Spaces",
            exit: 1,
        },
        Case {
            name: "external_allow_list",
            text: scenario(
                "outbound_ips = [\"192.0.2.2\", \"192.0.2.3\", \"192.0.2.4\", \"192.0.2.5\"]",
                "[[external]]\nname = \"payments\"\n\
                 allow = [\"192.0.2.0/30\", \"192.0.2.4\"] # <-\nlatency = \"30ms\"",
            ),
            label: "error[external-allow-list]",
            key: "external[0].allow",
            message: "external service \"payments\" does not allow the space's outbound IP \
                      192.0.2.5",
            exit: 1,
        },
    ]
}

#[test]
fn every_rule_names_its_message_line_key_and_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    for case in cases() {
        let path = write(dir.path(), case.name, &case.text);
        let (code, out) = lint(&path);
        let line = marked_line(&case.text);
        let head = format!("{}:{line}: {}: {}: ", path.display(), case.label, case.key);
        let found = out
            .lines()
            .find(|l| l.starts_with(&head))
            .unwrap_or_else(|| panic!("{}: no line starting `{head}` in\n{out}", case.name));
        assert!(
            found.contains(case.message),
            "{}: `{}` not in\n{found}",
            case.name,
            case.message
        );
        assert!(found.contains("(source: "), "{}: {found}", case.name);
        assert_eq!(code, case.exit, "{}: {out}", case.name);
        // Nothing else is wrong with these scenarios: one finding each.
        assert_eq!(
            out.lines().filter(|l| l.contains("]: ")).count(),
            1,
            "{}: {out}",
            case.name
        );
    }
}

#[test]
fn raised_limits_allow_what_the_defaults_refuse() {
    let dir = tempfile::tempdir().unwrap();
    let raised = [
        (
            "trusted_21_of_25",
            scenario(
                &format!("{}\n[space.limits]\ntrusted_ips = 25", trusted(21, 0)),
                "",
            ),
        ),
        (
            "dynos_11_of_12",
            scenario(
                "[space.limits]\ndynos_per_process_type = 12",
                &app("api", 11, "private-m"),
            ),
        ),
        (
            "apps_26_of_30",
            scenario("[space.limits]\napps = 30", &many_apps(26, 1, 0, "")),
        ),
        (
            "allowed",
            scenario(
                "region = \"tokyo\"\ncidr = \"172.16.0.0/16\"\ndata_cidr = \"172.17.0.0/20\"",
                "[[external]]\nname = \"payments\"\nallow = [\"192.0.2.0/29\"]",
            ),
        ),
    ];
    for (name, text) in raised {
        let path = write(dir.path(), name, &text);
        let (code, out) = lint(&path);
        assert_eq!(code, 0, "{name}: {out}");
        assert_eq!(out, "lint: 0 errors, 0 warnings in 1 file\n", "{name}");
    }
}

#[test]
fn bad_network_text_is_a_schema_error_naming_line_key_text_and_an_example() {
    let dir = tempfile::tempdir().unwrap();
    let bad = [
        (
            "range",
            scenario("trusted_ips = [\"203.0.113.0/24\", \"10.0.0/8\"] # <-", ""),
            "space.trusted_ips[1]",
            "cannot read \"10.0.0/8\" as an IP range: write CIDR notation, such as",
        ),
        (
            "no_prefix",
            scenario("cidr = \"10.0.0.0\" # <-", ""),
            "space.cidr",
            "cannot read \"10.0.0.0\" as an IP range",
        ),
        (
            "host_bits",
            scenario("data_cidr = \"172.23.1.0/20\" # <-", ""),
            "space.data_cidr",
            "\"172.23.1.0/20\" has host bits set: the range is \"172.23.0.0/20\"",
        ),
        (
            "outbound",
            scenario("outbound_ips = [\"192.0.2.300\"] # <-", ""),
            "space.outbound_ips[0]",
            "cannot read \"192.0.2.300\" as an IP address: write one address, such as",
        ),
        (
            "clients",
            scenario(
                "",
                &app("api", 2, "private-m").replace(
                    "name = \"default\"",
                    "name = \"default\"\nclients = [\"nowhere\"] # <-",
                ),
            ),
            "apps[0].traffic[0].clients[0]",
            "cannot read \"nowhere\" as an IP range or address",
        ),
        (
            "calls",
            scenario(
                "",
                &app("api", 2, "private-m").replace(
                    "name = \"default\"",
                    "name = \"default\"\ncalls = [\"payments\"] # <-",
                ),
            ),
            "apps[0].traffic[0].calls[0]",
            "no external service \"payments\"; it has no services ([[external]])",
        ),
        (
            "role",
            scenario(
                "[[space.members]]\nname = \"ann\"\nrole = \"owner\" # <-",
                "",
            ),
            "space.members[0].role",
            "unknown role \"owner\": a team member is an `admin`, a `member`",
        ),
        (
            "member_twice",
            scenario(
                "[[space.members]]\nname = \"ann\"\nrole = \"admin\"\n[[space.members]]\n\
                 name = \"ann\" # <-\nrole = \"viewer\"",
                "",
            ),
            "space.members[1].name",
            "member \"ann\" is listed twice",
        ),
        (
            "catalogue",
            format!(
                "addon_catalogue = \"no-such.toml\" # <-\n{}",
                scenario("", "")
            ),
            "addon_catalogue",
            "no add-on catalogue file \"no-such.toml\"",
        ),
        (
            "common_runtime_cidr",
            scenario("runtime = \"common\"\ncidr = \"10.0.0.0/16\" # <-", "")
                .replace("private-m", "standard-1x"),
            "space.cidr",
            "`space.cidr` describes a Private Space",
        ),
    ];
    let mut paths = Vec::new();
    for (name, text, key, message) in &bad {
        let path = write(dir.path(), name, text);
        let (code, out) = lint(&path);
        assert_eq!(code, 2, "{name}: {out}");
        let head = format!("{}:{}:", path.display(), marked_line(text));
        let line = out.lines().next().unwrap();
        assert!(line.starts_with(&head), "{name}: `{head}` in\n{out}");
        assert!(
            line.contains(&format!(": error[schema]: {key}: {message}")),
            "{name}: {out}"
        );
        paths.push(path);
    }
    // With a rule broken in another file, every file is still linted and 2 wins over 1.
    let broken = write(
        dir.path(),
        "zz_broken",
        &scenario("cidr = \"10.0.0.0/17\"", ""),
    );
    let (code, out, _) = spacesim(&["lint", paths[0].to_str().unwrap(), broken.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("error[schema]"), "{out}");
    assert!(out.contains("error[space-cidr]"), "{out}");
    assert!(
        out.ends_with(
            "lint: 2 errors, 0 warnings in 2 files\n\
             lint: 1 file could not be read or parsed (exit 2)\n"
        ),
        "{out}"
    );
}

#[test]
fn a_folder_is_linted_file_by_file_with_a_verdict_and_json() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a", &scenario("cidr = \"10.0.0.0/17\"", ""));
    write(
        dir.path(),
        "b",
        &scenario("data_trusted_ips = [\"0.0.0.0/0\"]", ""),
    );
    write(dir.path(), "c", &scenario("", ""));
    let json = dir.path().join("out/lint.json");
    let (code, out, _) = spacesim(&[
        "lint",
        dir.path().to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.ends_with("lint: 1 error, 1 warning in 3 files\n"),
        "{out}"
    );
    let report: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["errors"], 1);
    assert_eq!(report["warnings"], 1);
    assert_eq!(report["exit_code"], 1);
    assert_eq!(report["files"][0]["findings"][0]["rule"], "space-cidr");
    assert_eq!(report["files"][0]["findings"][0]["line"], 5);
    // --quiet leaves warnings out.
    let (code, out, _) = spacesim(&["lint", "--quiet", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(!out.contains("warning["), "{out}");
    assert!(out.contains("error[space-cidr]"), "{out}");
}

#[test]
fn the_repository_scenarios_break_no_rule() {
    let (code, out, err) = spacesim(&[
        "lint",
        "scenarios",
        "tests/fixtures/cli",
        "tests/fixtures/lint",
    ]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn run_refuses_a_scenario_with_errors_unless_violations_are_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad", &scenario("cidr = \"10.0.0.0/17\"", ""));
    let out_dir = dir.path().join("results");
    let args = [
        "run",
        path.to_str().unwrap(),
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    let (code, out, err) = spacesim(&args);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains(":5: error[space-cidr]: space.cidr: "), "{err}");
    assert!(err.contains("pass --allow-violations"), "{err}");
    assert!(!out_dir.join("summary.json").exists());

    let (code, out, err) = spacesim(&[&args[..], &["--allow-violations"]].concat());
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("error[space-cidr]"), "{err}");
    assert!(out_dir.join("summary.json").exists());
}

#[test]
fn run_prints_warnings_and_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "warn",
        &scenario("data_trusted_ips = [\"0.0.0.0/0\"]", ""),
    );
    let out_dir = dir.path().join("results");
    let (code, out, err) = spacesim(&[
        "run",
        path.to_str().unwrap(),
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(err.contains("warning[data-trusted-ips-ignored]"), "{err}");
}

#[test]
fn check_fails_a_scenario_with_a_lint_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bad", &scenario("region = \"atlantis\"", ""));
    let (code, out, _) = spacesim(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.lines().any(|l| l.starts_with("t ")
            && l.contains("lint: space-region")
            && l.ends_with("FAIL")),
        "{out}"
    );
    assert!(out.contains("unknown region \"atlantis\""), "{out}");
    assert!(out.ends_with("check: 0 passed, 1 failed\n"), "{out}");

    let (code, out, _) = spacesim(&["check", path.to_str().unwrap(), "--allow-violations"]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn every_network_key_is_read_into_the_typed_space() {
    use spacesim::engine::SimDuration;
    use spacesim::scenario::space::{Domain, Role};

    let s = spacesim::scenario::load(Path::new("tests/fixtures/lint/full-space.toml")).unwrap();
    assert!(s.findings.is_empty(), "{:?}", s.findings);
    let n = &s.space.network;
    assert_eq!(s.space.region, "tokyo");
    assert_eq!(n.team.as_deref(), Some("acme"));
    assert!(n.shield);
    assert_eq!(n.cidr.to_string(), "172.16.0.0/16");
    assert_eq!(n.data_cidr.unwrap().to_string(), "172.17.0.0/20");
    let trusted: Vec<String> = n.trusted_ips.iter().map(|r| r.to_string()).collect();
    assert_eq!(trusted, ["203.0.113.0/24", "198.51.100.7/32"]);
    assert!(n.data_trusted_ips.is_empty());
    let outbound: Vec<String> = n.outbound_ips.iter().map(|a| a.to_string()).collect();
    assert_eq!(outbound, ["192.0.2.2", "192.0.2.3"]);
    assert_eq!(n.allocation, Some(SimDuration::from_secs(300)));
    assert_eq!(n.trusted_ips_propagation, SimDuration::from_secs(30));
    assert_eq!(n.one_off_provisioning, SimDuration::from_secs(120));
    assert_eq!(
        (
            n.limits.apps,
            n.limits.process_types,
            n.limits.dynos_per_process_type
        ),
        (30, 100, 12)
    );
    assert_eq!((n.limits.trusted_ips, n.limits.one_off_dynos), (25, 8));
    let members: Vec<(&str, Role, bool)> = n
        .members
        .iter()
        .map(|m| (m.name.as_str(), m.role, m.create_apps))
        .collect();
    assert_eq!(
        members,
        [
            ("ann", Role::Admin, false),
            ("bob", Role::Member, true),
            ("cy", Role::Viewer, false)
        ]
    );
    assert_eq!(s.externals.len(), 2);
    assert_eq!(s.externals[0].latency, SimDuration::from_millis(35));
    assert_eq!(s.externals[1].latency, SimDuration::from_millis(20));
    assert!(s.apps[0].custom_domain_ssl);
    let class = &s.apps[0].traffic[0].network;
    let clients: Vec<String> = class.clients.iter().map(|r| r.to_string()).collect();
    assert_eq!(clients, ["203.0.113.0/25", "198.51.100.7/32"]);
    assert!(class.https && !class.sni);
    assert_eq!(class.domain, Domain::Default);
    assert_eq!(class.calls, [0, 1]);
}

#[test]
fn a_scenario_without_space_keys_gets_every_default() {
    let s = spacesim::scenario::parse(
        &scenario("", "").replace("[space]\n", ""),
        "t.toml",
        Path::new("."),
        None,
    )
    .unwrap();
    let n = &s.space.network;
    assert_eq!(n.cidr.to_string(), "10.0.0.0/16");
    assert_eq!(n.trusted_ips.len(), 1);
    assert_eq!(n.outbound_ips.len(), 4);
    assert_eq!(n.allocation, None);
    assert_eq!(n.limits, spacesim::scenario::space::Limits::default());
    let class = &s.apps[0].traffic[0].network;
    assert_eq!(class, &spacesim::scenario::space::ClientNetwork::default());
    // A shield space's processes default to shield-m.
    let shield = spacesim::scenario::parse(
        &scenario("shield = true", "").replace("dyno_type = \"private-m\"\n", ""),
        "t.toml",
        Path::new("."),
        None,
    )
    .unwrap();
    assert_eq!(shield.apps[0].processes[0].dyno_type.name, "shield-m");
    assert!(shield.findings.is_empty());
}

/// `sweep` and `capacity` refuse a space the platform would not allow, as `run` does, unless
/// told to go on.
#[test]
fn sweep_and_capacity_refuse_rule_breaking_scenarios_too() {
    let dir = tempfile::TempDir::new().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let cases: [(&str, &str, &[&str]); 2] = [
        ("sweep", "tests/fixtures/sweep/tiny.toml", &[]),
        (
            "capacity",
            "tests/fixtures/capacity/mm1.toml",
            &["--slo", "latency_ms.mean<500ms", "--set", "duration=10m"],
        ),
    ];
    for (command, file, extra) in cases {
        let go = |allow: bool| {
            let mut cmd = assert_cmd::Command::cargo_bin("spacesim").unwrap();
            cmd.arg(command)
                .arg(root.join(file))
                .args(extra)
                .args(["--set", "apps.api.processes.web.count=11", "-q", "--out"])
                .arg(dir.path().join(command));
            if allow {
                cmd.arg("--allow-violations");
            }
            cmd.output().unwrap()
        };
        let refused = go(false);
        let err = String::from_utf8_lossy(&refused.stderr);
        assert_eq!(refused.status.code(), Some(1), "{command}: {err}");
        assert!(
            err.contains("error[dynos-per-process-type]"),
            "{command}: {err}"
        );
        assert!(err.contains("--allow-violations"), "{command}: {err}");
        let allowed = go(true);
        assert!(
            allowed.status.code() == Some(0) || command == "capacity",
            "{command}: {}",
            String::from_utf8_lossy(&allowed.stderr)
        );
        assert_ne!(
            allowed.status.code(),
            Some(2),
            "{command} runs with --allow-violations"
        );
    }
}
