//! The model against closed forms (M/M/1, Erlang C) and hand-computed tiny systems.
//!
//! Statistical checks use fixed seeds and state their tolerance; they run in release mode
//! (`cargo test --release`) in well under a second each.

use super::support::{run, scenario};
use std::path::Path;

use spacesim::model::codes::ErrorCode;
use spacesim::model::sim::RunOutput;
use spacesim::report::summarize;
use spacesim::scenario;

fn code(out: &RunOutput, code: ErrorCode) -> u64 {
    let i = ErrorCode::ALL.iter().position(|&c| c == code).unwrap();
    out.classes.iter().map(|c| c.counts.failed_by_code[i]).sum()
}

/// Erlang C: probability that an arrival waits in an M/M/k queue with offered load `a` = λ/μ.
fn erlang_c(k: u32, a: f64) -> f64 {
    let mut term = 1.0; // a^n / n!
    let mut sum = 0.0;
    for n in 0..k {
        sum += term;
        term *= a / f64::from(n + 1);
    }
    // term is now a^k / k!
    let top = term / (1.0 - a / f64::from(k));
    top / (sum + top)
}

/// Mean response time of M/M/k: C/(kμ − λ) + 1/μ.
fn mmk_mean_response(k: u32, lambda: f64, mu: f64) -> f64 {
    erlang_c(k, lambda / mu) / (f64::from(k) * mu - lambda) + 1.0 / mu
}

/// The waiting-time quantile q of M/M/k: P(W > t) = C·e^{−(kμ−λ)t}.
fn mmk_wait_quantile(k: u32, lambda: f64, mu: f64, q: f64) -> f64 {
    let c = erlang_c(k, lambda / mu);
    if 1.0 - q >= c {
        0.0
    } else {
        (c / (1.0 - q)).ln() / (f64::from(k) * mu - lambda)
    }
}

fn rel(observed: f64, expected: f64) -> f64 {
    (observed - expected).abs() / expected
}

#[test]
fn closed_forms_are_right() {
    // The issue's figure for the acceptance scenario, and textbook M/M/1.
    assert!((mmk_mean_response(8, 6.4, 1.0) - 1.286).abs() < 5e-4);
    assert!((erlang_c(1, 0.5) - 0.5).abs() < 1e-12);
    assert!((mmk_mean_response(1, 50.0, 100.0) - 0.02).abs() < 1e-12);
}

/// The acceptance scenario as shipped: random routing over 5 dynos × 8 slots is 5 independent
/// M/M/8 queues at λ = 6.4/s each. Done means: mean response within 2% of 1.286 s.
#[test]
fn acceptance_mmk_mean_response_within_two_percent_of_erlang_c() {
    let s = scenario::load(Path::new("scenarios/mmk.toml")).unwrap();
    let summary = summarize(&s, &run(&s));
    let mean_s = summary.stats.latency_ms.mean.unwrap() / 1000.0;
    let expected = mmk_mean_response(8, 6.4, 1.0);
    assert!(
        rel(mean_s, expected) < 0.02,
        "mean {mean_s} s vs Erlang C {expected} s"
    );
    assert_eq!(summary.stats.requests.failed, 0);
}

/// Eight seeds of the acceptance scenario (1.8 M requests): the mean of the per-run means is
/// within 1% of Erlang C (runs vary by about 1%, so the mean of eight by about 0.4%); the
/// probability of waiting within 1.5 points of C = 0.458; the pooled p99 of waiting within 5%
/// of the closed form (2.390 s).
#[test]
fn random_routing_over_c_dynos_is_c_independent_mmk_queues() {
    let base = scenario::load(Path::new("scenarios/mmk.toml")).unwrap();
    let (k, lambda, mu) = (8, 6.4, 1.0);
    let mut means = Vec::new();
    let mut queue = spacesim::metrics::LatencyStats::new();
    for seed in 1..=8 {
        let mut s = scenario::load(Path::new("scenarios/mmk.toml")).unwrap();
        s.seed = seed;
        let out = run(&s);
        let c = &out.classes[0];
        means.push(c.latency.mean().unwrap().as_secs_f64());
        queue.merge(&c.queue);
    }
    assert_eq!(base.apps[0].processes[0].count, 5);
    let mean = means.iter().sum::<f64>() / means.len() as f64;
    let expected = mmk_mean_response(k, lambda, mu);
    assert!(rel(mean, expected) < 0.01, "mean {mean} vs {expected}");

    // Waits below 1 µs are recorded as 1 µs: everything above that waited.
    let waited = 1.0 - queue.histogram().quantile_below(1);
    let c = erlang_c(k, lambda / mu);
    assert!(
        (waited - c).abs() < 0.015,
        "P(wait) {waited} vs Erlang C {c}"
    );

    let p99 = queue.quantile_ms(0.99).unwrap() / 1000.0;
    let expected_p99 = mmk_wait_quantile(k, lambda, mu, 0.99);
    assert!(
        rel(p99, expected_p99) < 0.05,
        "p99 wait {p99} vs {expected_p99}"
    );
}

/// M/M/1 at ρ = 0.5: mean response 1/(μ−λ) = 20 ms within 2%, P(wait) = ρ within 1 point,
/// p99 of waiting ln(ρ/0.01)/(μ−λ) = 78.2 ms within 5%; four seeds of an hour each.
#[test]
fn single_slot_dyno_is_mm1() {
    let text = r#"
        duration = "1h"
        warmup = "1m"
        [router]
        timeout = "1h"
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 1
        concurrency = 1
        backlog = 100000
        [[apps.traffic]]
        name = "default"
        arrival = { process = "poisson", rate = "50/s" }
        service = { dist = "exponential", mean = "10ms" }
    "#;
    let mut latency = spacesim::metrics::LatencyStats::new();
    let mut queue = spacesim::metrics::LatencyStats::new();
    for seed in 1..=4 {
        let mut s = scenario(text);
        s.seed = seed;
        let out = run(&s);
        latency.merge(&out.classes[0].latency);
        queue.merge(&out.classes[0].queue);
    }
    let (lambda, mu) = (50.0, 100.0);
    let mean = latency.mean().unwrap().as_secs_f64();
    assert!(rel(mean, 1.0 / (mu - lambda)) < 0.02, "mean {mean}");
    let waited = 1.0 - queue.histogram().quantile_below(1);
    assert!((waited - 0.5).abs() < 0.01, "P(wait) {waited}");
    let p99 = queue.quantile_ms(0.99).unwrap() / 1000.0;
    let expected = mmk_wait_quantile(1, lambda, mu, 0.99);
    assert!(rel(p99, expected) < 0.05, "p99 wait {p99} vs {expected}");
}

fn tiny(arrival: &str, service: &str, process: &str, extra: &str) -> String {
    format!(
        r#"
        duration = "10s"
        {extra}
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        {process}
        [[apps.traffic]]
        name = "default"
        arrival = {arrival}
        service = "{service}"
    "#
    )
}

/// One request a second, 500 ms each, one slot: every response takes exactly 500 ms.
#[test]
fn constant_load_below_capacity_has_exact_latency() {
    let s = scenario(&tiny(
        r#"{ process = "constant", rate = "1/s" }"#,
        "500ms",
        "count = 1\nconcurrency = 1",
        "",
    ));
    let out = run(&s);
    let c = &out.classes[0];
    // Arrivals at 1 s, 2 s, ... 9 s (the one at 10 s is the run's end).
    assert_eq!(c.counts.total, 9);
    assert_eq!(c.counts.ok, 9);
    assert_eq!(c.latency.mean().unwrap().as_nanos(), 500_000_000);
    assert_eq!(c.latency.summary().max, Some(500.0));
    assert_eq!(c.queue.summary().max, Some(0.0));
}

/// Ten requests a second, 1 s each, one slot, no backlog: each request that finds the slot busy
/// is refused (H21). Arrivals at 0.1 s .. 9.9 s (99); served at 0.1, 1.1, ... 9.1 (a completion
/// at the same instant as an arrival goes first: it was scheduled first); the one started at
/// 9.1 s is still in flight at 10 s.
#[test]
fn full_backlog_refuses_with_h21_exactly() {
    let s = scenario(&tiny(
        r#"{ process = "constant", rate = "10/s" }"#,
        "1s",
        "count = 1\nconcurrency = 1\nbacklog = 0",
        "",
    ));
    let out = run(&s);
    let c = &out.classes[0].counts;
    assert_eq!((c.total, c.ok, c.in_flight), (99, 9, 1));
    assert_eq!(code(&out, ErrorCode::H21), 89);
    assert_eq!(c.total, c.ok + c.failed() + c.blocked + c.in_flight);
}

/// Service (2 s) longer than the router timeout (1 s): every request fails with H12 one second
/// after arriving, while the dyno keeps serving them (the platform does not tell the app).
#[test]
fn router_timeout_fails_with_h12_and_the_dyno_keeps_working() {
    let s = scenario(&tiny(
        r#"{ process = "constant", rate = "1/s" }"#,
        "2s",
        "count = 1\nconcurrency = 1\nbacklog = 100",
        "[router]\ntimeout = \"1s\"",
    ));
    let out = run(&s);
    let c = &out.classes[0].counts;
    // Arrivals at 1..9 s; those at 1..8 s time out by 9 s; the one at 9 s is in flight at 10 s.
    assert_eq!(c.ok, 0);
    assert_eq!(code(&out, ErrorCode::H12), 8);
    assert_eq!(c.in_flight, 1);
    // The slot stayed busy with timed-out work: the dyno still holds the requests it has not
    // finished (arrivals every 1 s, 2 s of work each: it falls behind by 1 s per request).
    assert!(out.peak_in_flight >= 5, "peak {}", out.peak_in_flight);
}

/// No web dyno: every request fails at once with H14, and every counted second is downtime.
#[test]
fn no_web_dyno_fails_with_h14_and_counts_downtime() {
    let s = scenario(&tiny(
        r#"{ process = "constant", rate = "5/s" }"#,
        "10ms",
        "count = 0",
        "warmup = \"2s\"",
    ));
    let out = run(&s);
    let c = &out.classes[0].counts;
    // Arrivals every 0.2 s: 0.2 .. 1.8 s are warm-up (9); 2.0 .. 9.8 s count (40).
    assert_eq!(c.warmup, 9);
    assert_eq!(code(&out, ErrorCode::H14), c.total);
    assert_eq!(c.total, 40);
    // Seconds 2..9 are counted: all eight are down.
    assert_eq!(out.downtime_s, 8);
    assert_eq!(out.classes[0].downtime_s, 8);
    assert_eq!(out.apps[0].downtime_s, 8);
}

/// The simulator's in-flight limit: with 3 requests held, the rest fail with H11.
#[test]
fn in_flight_limit_fails_with_h11() {
    let s = scenario(&tiny(
        r#"{ process = "constant", rate = "1/s" }"#,
        "1h",
        "count = 1\nconcurrency = 1\nbacklog = 100",
        "[simulator]\nmax_in_flight = 3\n[router]\ntimeout = \"2h\"",
    ));
    let out = run(&s);
    assert_eq!(code(&out, ErrorCode::H11), 9 - 3);
    assert_eq!(out.classes[0].counts.in_flight, 3);
    assert_eq!(out.peak_in_flight, 3);
}

/// A dyno type twice as fast halves a constant service time.
#[test]
fn speed_factor_scales_service_time() {
    let s = scenario(&tiny(
        r#"{ process = "constant", rate = "1/s" }"#,
        "300ms",
        "count = 1\nconcurrency = 1\nspeed = 2.0",
        "",
    ));
    let out = run(&s);
    assert_eq!(
        out.classes[0].latency.mean().unwrap().as_nanos(),
        150_000_000
    );
}

/// Join-the-shortest-queue beats random routing on the same arrivals and service times
/// (common random numbers: arrival and service streams do not depend on the policy).
#[test]
fn routing_policies_share_traffic_and_least_connections_beats_random() {
    let text = |policy: &str| {
        format!(
            r#"
            duration = "20m"
            [router]
            policy = "{policy}"
            [[apps]]
            name = "api"
            [[apps.processes]]
            type = "web"
            count = 4
            concurrency = 2
            [[apps.traffic]]
            name = "default"
            arrival = {{ process = "poisson", rate = "60/s" }}
            service = {{ dist = "exponential", mean = "100ms" }}
            "#
        )
    };
    let mean = |policy: &str| {
        let out = run(&scenario(&text(policy)));
        (
            out.classes[0].counts.total,
            out.classes[0].latency.mean().unwrap().as_secs_f64(),
        )
    };
    let (n_random, random) = mean("random");
    for policy in ["least_connections", "power_of_two"] {
        let (n, m) = mean(policy);
        assert_eq!(n, n_random, "{policy}: same arrivals");
        assert!(
            m < random * 0.9,
            "{policy}: {m} should beat random {random} by 10%"
        );
    }
    let (n, rr) = mean("round_robin");
    assert_eq!(n, n_random);
    assert!(rr < random, "round robin {rr} vs random {random}");
}

/// The time series and the summary count the same requests.
#[test]
fn warmup_requests_are_simulated_but_not_counted() {
    let s = scenario(&tiny(
        r#"{ process = "constant", rate = "4/s" }"#,
        "10ms",
        "count = 1",
        "warmup = \"5s\"",
    ));
    let out = run(&s);
    let c = &out.classes[0].counts;
    // Arrivals at 0.25 s steps: 0.25 .. 4.75 s are warm-up (19), 5.0 .. 9.75 s counted (20).
    assert_eq!((c.warmup, c.total, c.ok), (19, 20, 20));
}
