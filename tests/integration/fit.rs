//! `spacesim fit`: parsing real router logs, recovering known distributions, the fragment's
//! syntax, the trace CSV, and exit codes.
//!
//! Statistical checks use fixed seeds and state their tolerance; synthetic logs are written the
//! way the router writes them (whole milliseconds, the line at the end of the request).

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp1, OpenClosed01};
use spacesim::fit::service::Family;
use spacesim::fit::{Collector, Fit, analyse};
use tempfile::TempDir;

use super::support::run;

fn spacesim() -> Command {
    Command::cargo_bin("spacesim").expect("the spacesim binary is built for integration tests")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fit")
        .join(name)
}

/// 2024-04-26T00:00:00Z in Unix seconds: every synthetic log starts that day.
const DAY0: i64 = 1_714_089_600;

fn stamp(ns: i128) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ns).unwrap();
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

/// A Router 2.0 line for a request that arrived at `arrival_ns` and took `service_ms`.
fn router_line(out: &mut String, arrival_ns: i128, service_ms: u64, dyno: u32) {
    let end = arrival_ns + (1 + service_ms) as i128 * 1_000_000;
    let _ = writeln!(
        out,
        "{} heroku[router]: at=info method=GET path=\"/\" host=shop.herokuapp.com \
         request_id=x fwd=1.2.3.4 dyno=web.{dyno} connect=1ms service={service_ms}ms status=200 \
         bytes=10 protocol=http1.1 tls=true tls_version=tls1.3",
        stamp(end)
    );
}

/// `n` Poisson arrivals at `rate` from 09:00 with service times drawn by `draw` (in ms, rounded
/// to whole ms as the router logs them).
fn synthetic_log(
    n: usize,
    rate: f64,
    seed: u64,
    mut draw: impl FnMut(&mut ChaCha8Rng) -> f64,
) -> String {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut t = (DAY0 as f64 + 9.0 * 3600.0) * 1e9;
    let mut out = String::new();
    for i in 0..n {
        let gap: f64 = Exp1.sample(&mut rng);
        t += gap / rate * 1e9;
        let service = draw(&mut rng).round().max(0.0) as u64;
        router_line(&mut out, t as i128, service, (i % 4) as u32 + 1);
    }
    out
}

fn fit_text(text: &str, app: Option<&str>) -> (Collector, Fit) {
    let mut c = Collector::new(app.map(str::to_string));
    for line in text.lines() {
        c.add_line(line);
    }
    let fit = analyse(&c).expect("router lines");
    (c, fit)
}

/// Wraps a fragment in a minimal scenario and parses it.
fn wrap(fragment: &str) -> String {
    format!(
        "name = \"fitted\"\nstart = \"2024-04-26T00:00:00Z\"\nduration = \"10m\"\n\n[[apps]]\n\
         name = \"shop\"\n\n[[apps.processes]]\ntype = \"web\"\ncount = 2\ndyno_type = \"private-s\"\n\n\
         {fragment}"
    )
}

fn parse_fragment(fragment: &str, dir: &Path) -> spacesim::scenario::Scenario {
    let text = wrap(fragment);
    spacesim::scenario::parse(&text, "fit.toml", dir, None)
        .unwrap_or_else(|e| panic!("fragment does not parse: {e}\n---\n{text}"))
}

fn render(fit: &Fit) -> String {
    spacesim::fit::fragment::render(fit, &Default::default())
}

fn within(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs()
}

/// Lognormal median 40 ms, p99 400 ms (σ = ln 10 / z₉₉ ≈ 0.990), 20 000 lines: the MLE recovers
/// the median and σ within 3 %, the p99 within 5 %, lognormal is chosen with D < 0.012 and gamma
/// is clearly worse.
#[test]
fn lognormal_service_is_recovered_and_chosen() {
    let sigma = 10f64.ln() / 2.326_347_874_040_841;
    let log = synthetic_log(20_000, 5.0, 7, |rng| {
        let z: f64 = rand_distr::StandardNormal.sample(rng);
        40.0 * (sigma * z).exp()
    });
    let (_, fit) = fit_text(&log, None);
    let s = fit.service.as_ref().unwrap();
    let (ln, d) = s.lognormal;
    eprintln!(
        "lognormal: median {:.3} p99 {:.3} sigma {:.4} D {d:.5}; gamma {:?}; empirical D {:.5}",
        ln.median_ms(),
        ln.p99_ms(),
        ln.sigma,
        s.gamma,
        s.empirical.1
    );
    assert!(within(ln.median_ms(), 40.0, 0.03), "{ln:?}");
    assert!(within(ln.sigma, sigma, 0.03), "{ln:?}");
    assert!(within(ln.p99_ms(), 400.0, 0.05), "{ln:?}");
    assert!(d < 0.012, "D = {d}");
    assert!(s.gamma.unwrap().1 > 2.0 * d, "{:?}", s.gamma);
    assert_eq!(s.chosen(), Family::LogNormal);
    assert!(
        within(fit.arrival.rate_per_s, 5.0, 0.03),
        "{}",
        fit.arrival.rate_per_s
    );
    let fragment = render(&fit);
    assert!(
        fragment.contains("\nservice = { dist = \"lognormal\""),
        "{fragment}"
    );
    assert!(
        fragment.contains("\n# service = { dist = \"gamma\""),
        "{fragment}"
    );
    assert!(
        fragment.contains("\n# service = { dist = \"empirical\", quantiles = [[0.0, "),
        "{fragment}"
    );
    parse_fragment(&fragment, Path::new("."));
    // The commented alternatives parse too, once swapped in.
    for alt in ["gamma", "empirical"] {
        let swapped: String = fragment
            .lines()
            .map(|l| {
                if l.starts_with("service = ") {
                    format!("# {l}")
                } else if l.starts_with(&format!("# service = {{ dist = \"{alt}\"")) {
                    l.trim_start_matches("# ").to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        parse_fragment(&swapped, Path::new("."));
    }
}

/// Gamma shape 2, mean 50 ms, 20 000 lines: shape and mean within 3 %, gamma chosen, D < 0.012.
#[test]
fn gamma_service_is_recovered_and_chosen() {
    let gamma = rand_distr::Gamma::new(2.0, 25.0).unwrap();
    let log = synthetic_log(20_000, 5.0, 11, |rng| gamma.sample(rng));
    let (_, fit) = fit_text(&log, None);
    let s = fit.service.as_ref().unwrap();
    let (g, d) = s.gamma.unwrap();
    eprintln!(
        "gamma: shape {:.4} mean {:.3} D {d:.5}; lognormal D {:.5}; empirical D {:.5}; zeros {}",
        g.shape,
        g.mean_ms(),
        s.lognormal.1,
        s.empirical.1,
        s.zeros
    );
    assert!(within(g.shape, 2.0, 0.03), "{g:?}");
    assert!(within(g.mean_ms(), 50.0, 0.03), "{g:?}");
    assert!(d < 0.012, "D = {d}");
    assert!(s.lognormal.1 > 2.0 * d, "{:?}", s.lognormal);
    assert_eq!(s.chosen(), Family::Gamma);
    let fragment = render(&fit);
    assert!(
        fragment.contains("\nservice = { dist = \"gamma\", shape = "),
        "{fragment}"
    );
    parse_fragment(&fragment, Path::new("."));
}

/// A hand-written log mixing `heroku logs` lines (legacy and Router 2.0), syslog frames (two on
/// one line, an app frame next to a router frame), error lines with empty fields, app and
/// dyno-manager lines, garbage, a truncated line and a bad timestamp: every count exact.
#[test]
fn mixed_fixture_counts_are_exact() {
    let text = fs::read_to_string(fixture("mixed.log")).unwrap();
    let (c, fit) = fit_text(&text, None);
    assert_eq!((c.lines.len(), c.skipped, c.other_apps), (11, 6, 0));
    assert_eq!(fit.requests, 11);

    let (c, fit) = fit_text(&text, Some("shop"));
    assert_eq!((c.lines.len(), c.skipped, c.other_apps), (9, 6, 2));
    let codes: Vec<(&str, u64)> = fit
        .codes
        .iter()
        .map(|(k, v)| (k.as_str(), v.count))
        .collect();
    assert_eq!(codes, [("H10", 1), ("H12", 1), ("H13", 1), ("H27", 1)]);
    assert_eq!(fit.codes["H13"].desc, "Connection closed without response");
    let dynos: Vec<&str> = fit.dynos.keys().map(String::as_str).collect();
    assert_eq!(dynos, ["web.1", "web.2", "web.3"]);
    let classes: Vec<(&str, u64)> = fit
        .status_classes
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(classes, [("2xx", 4), ("4xx", 1), ("5xx", 4)]);
    let s = fit.service.as_ref().unwrap();
    assert_eq!((s.n, s.zeros), (5, 1));
    assert_eq!((s.p50_ms, s.max_ms), (20.0, 45.0));

    let fragment = spacesim::fit::fragment::render(
        &fit,
        &spacesim::fit::fragment::FragmentOptions {
            sources: vec!["mixed.log".into()],
            app: Some("shop".into()),
            trace: None,
        },
    );
    for want in [
        "# H12 Request timeout: 1 request(s) (11.11%)",
        "# H10 App crashed: 1 request(s) (11.11%)",
        "# Dynos seen: 3 web dyno(s) (web.1, web.2, web.3).",
        "# [[apps.processes]]\n# type = \"web\"\n# count = 3",
        "# Skipped 6 line(s) that are not router lines; 2 router line(s) of other apps.",
        "# 1 value(s) were service=0ms",
    ] {
        assert!(fragment.contains(want), "missing {want:?} in\n{fragment}");
    }
    parse_fragment(&fragment, Path::new("."));
}

/// 24 h of arrivals at 0.5/s..3/s peaking at 14:30 UTC (non-homogeneous Poisson by thinning):
/// the fit picks the diurnal shape, peak_at within 30 min, trough and peak within 10 %.
#[test]
fn diurnal_arrivals_are_recovered() {
    let (trough, peak, peak_at_s) = (0.5, 3.0, 14.5 * 3600.0);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut t = 0.0f64;
    let mut log = String::new();
    let w = 2.0 * std::f64::consts::PI / 86_400.0;
    loop {
        let gap: f64 = Exp1.sample(&mut rng);
        t += gap / peak;
        if t >= 86_400.0 {
            break;
        }
        let rate = (peak + trough) / 2.0 + (peak - trough) / 2.0 * (w * (t - peak_at_s)).cos();
        let u: f64 = OpenClosed01.sample(&mut rng);
        if u * peak <= rate {
            router_line(&mut log, ((DAY0 as f64 + t) * 1e9) as i128, 10, 1);
        }
    }
    let (_, fit) = fit_text(&log, None);
    let d = *fit.arrival.diurnal_chosen().expect("diurnal chosen");
    eprintln!("diurnal: {d:?}");
    let off = (d.peak_at_s - peak_at_s).abs();
    assert!(off.min(86_400.0 - off) <= 1800.0, "{d:?}");
    assert!(within(d.trough_per_s, trough, 0.10), "{d:?}");
    assert!(within(d.peak_per_s, peak, 0.10), "{d:?}");
    let fragment = render(&fit);
    assert!(
        fragment.contains("\narrival = { process = \"diurnal\""),
        "{fragment}"
    );
    let s = parse_fragment(&fragment, Path::new("."));
    drop(s);
}

/// Eight hours at a constant rate stay Poisson (the sinusoid explains nothing).
#[test]
fn constant_arrivals_stay_poisson() {
    let log = synthetic_log(8 * 3600, 1.0, 5, |_| 20.0);
    let (_, fit) = fit_text(&log, None);
    assert!(fit.arrival.span_s > 7.5 * 3600.0);
    assert!(
        fit.arrival.diurnal_chosen().is_none(),
        "{:?}",
        fit.arrival.diurnal
    );
    let fragment = render(&fit);
    assert!(
        fragment.contains("\narrival = { process = \"poisson\""),
        "{fragment}"
    );
    assert!(
        fragment.contains("\n# arrival = { process = \"diurnal\""),
        "{fragment}"
    );
}

/// `--trace` writes a CSV the simulator replays: a scenario using it (the fragment's commented
/// trace line swapped in) loads and runs, and every logged request arrives.
#[test]
fn trace_round_trips_through_the_simulator() {
    let dir = TempDir::new().unwrap();
    let log = dir.path().join("router.log");
    fs::write(&log, synthetic_log(2_000, 20.0, 9, |_| 15.0)).unwrap();
    let out = dir.path().join("fragment.toml");
    let trace = dir.path().join("arrivals.csv");
    spacesim()
        .arg("fit")
        .arg(&log)
        .arg("--out")
        .arg(&out)
        .arg("--trace")
        .arg(&trace)
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "2000 router line(s) used, 0 skipped",
        ));
    let csv = fs::read_to_string(&trace).unwrap();
    assert_eq!(csv.lines().count(), 2_001);
    assert!(csv.starts_with("time_s\n0.000000\n"), "{}", &csv[..40]);
    let fragment = fs::read_to_string(&out).unwrap();
    assert!(
        fragment.contains("# arrival = { process = \"trace\", file = \"arrivals.csv\" }"),
        "{fragment}"
    );
    let swapped: String = fragment
        .lines()
        .map(|l| {
            if l.starts_with("arrival = ") {
                format!("# {l}")
            } else if l.starts_with("# arrival = { process = \"trace\"") {
                l.trim_start_matches("# ").to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let scenario_path = dir.path().join("replay.toml");
    fs::write(
        &scenario_path,
        wrap(&swapped).replace("duration = \"10m\"", "duration = \"5m\""),
    )
    .unwrap();
    let scenario = spacesim::scenario::load(&scenario_path).unwrap();
    let output = run(&scenario);
    assert_eq!(output.classes[0].counts.total, 2_000);
}

/// No router line at all, or an unreadable file: exit 2 with a message naming the skip count.
#[test]
fn no_router_lines_exit_2() {
    let dir = TempDir::new().unwrap();
    let log = dir.path().join("app.log");
    fs::write(
        &log,
        "2024-04-26T10:00:03+00:00 app[web.1]: Started GET /\ngarbage\n\n",
    )
    .unwrap();
    spacesim()
        .arg("fit")
        .arg(&log)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("no router lines found")
                .and(predicate::str::contains("2 line(s) skipped")),
        );
    spacesim()
        .arg("fit")
        .arg(fixture("mixed.log"))
        .args(["--app", "nope"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "11 router line(s) of other apps than --app nope",
        ));
    spacesim()
        .arg("fit")
        .arg(dir.path().join("missing.log"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot open"));
}

/// The command prints the fragment on stdout and it parses; binary junk never crashes it.
#[test]
fn cli_prints_a_fragment_and_survives_junk() {
    let dir = TempDir::new().unwrap();
    let junk = dir.path().join("junk.log");
    let mut bytes = fs::read(fixture("mixed.log")).unwrap();
    bytes.extend_from_slice(
        b"\xff\xfe\x00 heroku[router]: at= \"\n999999999999 <1>1 \n5 <1>1 a b c d e f\n",
    );
    fs::write(&junk, bytes).unwrap();
    let assert = spacesim()
        .arg("fit")
        .arg(&junk)
        .args(["--app", "shop"])
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("[[apps.traffic]]"), "{stdout}");
    parse_fragment(&stdout, Path::new("."));
}

/// Round trip: simulate a known scenario at low utilisation (Poisson 5/s, lognormal median
/// 40 ms p99 400 ms, 4 dynos: about 0.08 requests in flight per dyno) with `--router-log`, fit
/// the log, and recover the rate within 3 %, the median and σ within 5 %, the p99 within 5 %,
/// with lognormal chosen and the dynos counted.
#[test]
fn simulated_router_log_round_trips() {
    let dir = TempDir::new().unwrap();
    let scenario = dir.path().join("known.toml");
    fs::write(
        &scenario,
        "name = \"known\"\nseed = 42\nstart = \"2026-12-01T09:00:00Z\"\nduration = \"1h\"\n\n\
         [[apps]]\nname = \"api\"\n\n[[apps.processes]]\ntype = \"web\"\ncount = 4\n\
         dyno_type = \"private-m\"\n\n[[apps.traffic]]\nname = \"default\"\n\
         arrival = { process = \"poisson\", rate = \"5/s\" }\n\
         service = { dist = \"lognormal\", median = \"40ms\", p99 = \"400ms\" }\n",
    )
    .unwrap();
    let log = dir.path().join("router.log");
    spacesim()
        .arg("run")
        .arg(&scenario)
        .arg("--out")
        .arg(dir.path().join("out"))
        .arg("--router-log")
        .arg(&log)
        .args(["--no-plots", "-q"])
        .assert()
        .success();
    let text = fs::read_to_string(&log).unwrap();
    let (c, fit) = fit_text(&text, Some("api"));
    assert_eq!(c.other_apps, 0);
    let s = fit.service.as_ref().unwrap();
    let (ln, d) = s.lognormal;
    let sigma = 10f64.ln() / 2.326_347_874_040_841;
    eprintln!(
        "round trip: rate {:.4}/s median {:.3} sigma {:.4} p99 {:.3} D {d:.5} in flight/dyno {:.3}",
        fit.arrival.rate_per_s,
        ln.median_ms(),
        ln.sigma,
        ln.p99_ms(),
        fit.queueing.in_flight_per_dyno
    );
    assert!(
        within(fit.arrival.rate_per_s, 5.0, 0.03),
        "{}",
        fit.arrival.rate_per_s
    );
    assert!(within(ln.median_ms(), 40.0, 0.05), "{ln:?}");
    assert!(within(ln.sigma, sigma, 0.05), "{ln:?}");
    assert!(within(ln.p99_ms(), 400.0, 0.05), "{ln:?}");
    assert_eq!(s.chosen(), Family::LogNormal);
    assert!(!fit.queueing.suspected(), "{:?}", fit.queueing);
    assert_eq!(fit.dynos.len(), 4);
    let out = dir.path().join("fragment.toml");
    spacesim()
        .arg("fit")
        .arg(&log)
        .args(["--app", "api", "--out"])
        .arg(&out)
        .assert()
        .success();
    parse_fragment(&fs::read_to_string(&out).unwrap(), dir.path());
}
