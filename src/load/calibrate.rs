//! `spacesim load --calibrate`: measure each traffic class's service time at low load (one
//! request at a time, paced) and write it as a scenario fragment in `spacesim fit`'s format,
//! fitted and rendered by the same code ([`crate::fit::service::fit`],
//! [`crate::fit::fragment::service_lines`]).
//!
//! What is measured is the time from sending a request to the last byte of its response,
//! for responses below 400: the service time plus one network round trip, with no queueing
//! (nothing else is outstanding). Against a remote service the round trip is part of it; the
//! fragment says so.

use std::fmt::Write;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use super::client::{Client, Outcome};
use super::{LoadError, LoadOptions, pick_app, runtime};
use crate::engine::SimDuration;
use crate::fit::service::{ServiceFit, fit};
use crate::scenario::Scenario;

/// Default requests per class.
pub const DEFAULT_REQUESTS: u64 = 200;
/// Default pace: at most this many requests per second (one at a time).
pub const DEFAULT_RATE: f64 = 10.0;

/// How to calibrate.
#[derive(Clone, Copy, Debug)]
pub struct CalibrateOptions {
    /// Requests per class, 2 or more.
    pub requests: u64,
    /// Requests per second at most (the next is not sent before the previous is answered).
    pub rate_per_s: f64,
}

/// One class's calibration.
#[derive(Clone, Debug)]
pub struct ClassCalibration {
    /// Class name.
    pub class: String,
    /// Requests sent.
    pub sent: u64,
    /// Of them, responses below 400 (the sample).
    pub ok: u64,
    /// The fit of the successful responses' times.
    pub fit: ServiceFit,
}

/// The calibration of every class, and the fragment.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// Per class, in file order.
    pub classes: Vec<ClassCalibration>,
    /// The scenario fragment.
    pub fragment: String,
}

/// Calibrates every traffic class of the app `opts` selects against `opts.target`. Bounded:
/// `requests` per class, and at most `requests / rate + timeout` of wall time per class.
pub fn calibrate(
    scenario: &Scenario,
    opts: &LoadOptions,
    copts: &CalibrateOptions,
) -> Result<Calibration, LoadError> {
    if copts.requests < 2 {
        return Err(LoadError::Option(
            "--calibrate-requests must be 2 or more (a fit needs two values)".into(),
        ));
    }
    if !(copts.rate_per_s.is_finite() && copts.rate_per_s > 0.0) {
        return Err(LoadError::Option(
            "--calibrate-rate must be a rate above 0, such as \"10/s\"".into(),
        ));
    }
    let app = &scenario.apps[pick_app(scenario, opts.app.as_deref())?];
    let timeout = opts.timeout.unwrap_or(scenario.router.timeout);
    let timeout = Duration::from_nanos(timeout.as_nanos());
    let addr = opts.target.resolve()?;
    let specs: Vec<_> = app
        .traffic
        .iter()
        .map(|t| (t.name.clone(), t.http.clone()))
        .collect();
    let client = Arc::new(Client::new(&opts.target, addr, &specs, timeout)?);
    let rt = runtime()?;
    let mut classes = Vec::new();
    for (c, t) in app.traffic.iter().enumerate() {
        let (sent, samples) = rt.block_on(paced(&client, c, copts, timeout));
        let ok = samples.len() as u64;
        let fitted = fit(&samples).ok_or_else(|| {
            LoadError::Option(format!(
                "calibration of traffic class {}/{}: {ok} of {sent} requests got a response \
                 below 400; at least two are needed (is {} serving {} {}?)",
                app.name, t.name, opts.target.url, t.http.method, t.http.path
            ))
        })?;
        classes.push(ClassCalibration {
            class: t.name.clone(),
            sent,
            ok,
            fit: fitted,
        });
    }
    rt.shutdown_timeout(Duration::from_millis(100));
    let fragment = render(scenario, app, opts, copts, &classes);
    Ok(Calibration { classes, fragment })
}

/// Sends `requests` of class `c` one at a time, at most `rate` per second; returns the number
/// sent and the times (ms) of responses below 400.
async fn paced(
    client: &Client,
    c: usize,
    copts: &CalibrateOptions,
    timeout: Duration,
) -> (u64, Vec<f64>) {
    let gap = Duration::from_secs_f64(1.0 / copts.rate_per_s);
    let start = Instant::now();
    let deadline = start + gap * copts.requests.min(u32::MAX as u64) as u32 + timeout;
    let mut samples = Vec::new();
    let mut sent = 0;
    for i in 0..copts.requests {
        let due = start + gap * i.min(u32::MAX as u64) as u32;
        tokio::time::sleep_until(due).await;
        let t0 = Instant::now();
        if t0 >= deadline {
            break;
        }
        let outcome = client.send(c).await;
        sent += 1;
        if let Outcome::Status(s) = outcome
            && s < 400
        {
            samples.push(t0.elapsed().as_secs_f64() * 1_000.0);
        }
    }
    (sent, samples)
}

/// A TOML string literal.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// A rate as the scenario syntax writes it, per second.
fn rate(per_s: f64) -> String {
    let mut s = format!("{per_s:.6}");
    if s.contains('.') {
        s = s.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    format!("{s}/s")
}

fn render(
    scenario: &Scenario,
    app: &crate::scenario::AppSpec,
    opts: &LoadOptions,
    copts: &CalibrateOptions,
    classes: &[ClassCalibration],
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Calibrated by `spacesim load --calibrate` against {} (app {}): up to {} requests \
         per class, one at a time, at most {} per second.",
        opts.target.url,
        app.name,
        copts.requests,
        rate(copts.rate_per_s).trim_end_matches("/s")
    );
    s.push_str(
        "# A time is from sending a request to the last byte of a response below 400, with \
         nothing else outstanding:\n# the service time plus one network round trip, without \
         queueing.\n# Paste into an [[apps]] table of a scenario.\n#\n",
    );
    for (t, cal) in app.traffic.iter().zip(classes) {
        let _ = writeln!(s, "[[apps.traffic]]\nname = {}", toml_str(&t.name));
        let horizon = scenario.duration.max(SimDuration::from_secs(1));
        let per_s = t.arrival.mean_rate(horizon).unwrap_or(0.0);
        let _ = writeln!(
            s,
            "# Arrivals are not calibrated: the scenario's mean rate, as a placeholder.\n\
             arrival = {{ process = \"poisson\", rate = \"{}\" }}",
            rate(per_s)
        );
        if t.http.method != crate::scenario::http::DEFAULT_METHOD {
            let _ = writeln!(s, "method = {}", toml_str(&t.http.method));
        }
        if t.http.path != crate::scenario::http::DEFAULT_PATH {
            let _ = writeln!(s, "path = {}", toml_str(&t.http.path));
        }
        let f = &cal.fit;
        let _ = writeln!(
            s,
            "# Service time, from {} of {} requests answered below 400: mean {:.3}ms, p50 \
             {:.3}ms, p90 {:.3}ms, p99 {:.3}ms, max {:.3}ms.",
            cal.ok, cal.sent, f.mean_ms, f.p50_ms, f.p90_ms, f.p99_ms, f.max_ms
        );
        crate::fit::fragment::service_lines(&mut s, f);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_written_in_scenario_syntax() {
        assert_eq!(rate(20.0), "20/s");
        assert_eq!(rate(0.5), "0.5/s");
        assert_eq!(rate(1.0 / 3.0), "0.333333/s");
    }
}
