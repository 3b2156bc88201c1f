//! `spacesim fit`: from real router logs to a scenario fragment.
//!
//! The flow: [`Collector::add_line`] reads physical lines ([`parse`]), keeps the router lines of
//! the chosen app and counts the rest; [`analyse`] fits the arrival profile ([`arrival`]), the
//! service-time distribution ([`service`]) and tallies error codes and dynos; [`fragment`]
//! renders the result as TOML a planner pastes into an `[[apps]]` table.
//!
//! # Pitfalls
//! - **Arrival times are estimated.** The router writes a line when a request ends, so the
//!   arrival is taken as the line's time minus `connect` and `service` (when given). Lines of
//!   `heroku logs` with whole-second timestamps give arrival times to about a second.
//! - **`service=` is not the service time under load.** It is the time from the router handing
//!   the request to the dyno to the end of the response, so it includes any time the request
//!   waited in the dyno's backlog. It equals the service time only at low utilisation; the
//!   fragment says so and warns when the log suggests queueing (see [`Queueing`]).
//! - **Which lines are fitted.** Arrivals count every router line of the app (errors included:
//!   they were arrivals too). Service times come from lines without a `code=` (an H12's
//!   `service=30000ms` is the timeout, not a service time).
//! - **`--app`** keeps a line when its `host=` is the name or starts with `NAME.` (so `shop`
//!   matches `shop.herokuapp.com` and `shop.example.com`), or, for a syslog frame, when its
//!   HOSTNAME is the name (drains that put the app name there; Heroku's own drains write `host`).
//!   The syslog APP-NAME is always `heroku` for router lines, so it cannot select an app.

pub mod arrival;
pub mod fragment;
pub mod parse;
pub mod service;

use std::collections::BTreeMap;

use parse::{RouterLine, parse_line};

/// What the fit keeps of one router line (names interned in the [`Collector`], so memory stays
/// near 80 bytes a line).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Request {
    /// When the line was written, ns since the Unix epoch.
    pub at_ns: i128,
    /// `connect=` in ms.
    pub connect_ms: Option<f64>,
    /// `service=` in ms.
    pub service_ms: Option<f64>,
    /// `status=`.
    pub status: Option<u16>,
    /// Index into [`Collector::codes`].
    pub code: Option<u32>,
    /// Index into [`Collector::dynos`].
    pub dyno: Option<u32>,
}

/// Reads log lines and keeps what the fit needs.
#[derive(Debug, Default)]
pub struct Collector {
    /// Only lines of this app (see the module docs), when set.
    pub app: Option<String>,
    /// Router lines kept, in file order.
    pub lines: Vec<Request>,
    /// Error codes seen, with the `desc=` of the first line of each.
    pub codes: Vec<(String, String)>,
    /// Dyno names seen.
    pub dynos: Vec<String>,
    /// Messages that are not router lines.
    pub skipped: u64,
    /// Router lines of other apps (with `--app`).
    pub other_apps: u64,
    code_index: BTreeMap<String, u32>,
    dyno_index: BTreeMap<String, u32>,
}

impl Collector {
    /// A collector keeping the lines of `app` (all apps when `None`).
    pub fn new(app: Option<String>) -> Collector {
        Collector {
            app,
            ..Collector::default()
        }
    }

    /// Reads one physical line.
    pub fn add_line(&mut self, line: &str) {
        let items = parse_line(line);
        self.skipped += items.skipped;
        for r in items.router {
            if !self.keeps(&r) {
                self.other_apps += 1;
                continue;
            }
            let code = r.code.map(|code| {
                let next = self.codes.len() as u32;
                *self.code_index.entry(code.clone()).or_insert_with(|| {
                    self.codes.push((code, r.desc.clone().unwrap_or_default()));
                    next
                })
            });
            let dyno = r.dyno.map(|dyno| {
                let next = self.dynos.len() as u32;
                *self.dyno_index.entry(dyno.clone()).or_insert_with(|| {
                    self.dynos.push(dyno);
                    next
                })
            });
            self.lines.push(Request {
                at_ns: r.at.unix_timestamp_nanos(),
                connect_ms: r.connect_ms,
                service_ms: r.service_ms,
                status: r.status,
                code,
                dyno,
            });
        }
    }

    fn keeps(&self, r: &RouterLine) -> bool {
        let Some(app) = &self.app else {
            return true;
        };
        let host_matches = r
            .host
            .strip_prefix(app.as_str())
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
        host_matches || r.syslog_host.as_deref() == Some(app.as_str())
    }
}

/// One error code seen.
#[derive(Clone, Debug, PartialEq)]
pub struct CodeCount {
    /// `desc=` of the first line with this code.
    pub desc: String,
    /// Lines with this code.
    pub count: u64,
}

/// Signs that `service=` includes backlog wait.
#[derive(Clone, Debug, PartialEq)]
pub struct Queueing {
    /// λ · mean(service) / dynos seen: requests in flight per dyno (Little's law).
    pub in_flight_per_dyno: f64,
    /// Pearson correlation of per-minute request count and per-minute mean `service=` (at
    /// least 30 minutes with requests), when defined.
    pub load_service_corr: Option<f64>,
}

/// Threshold of [`Queueing::in_flight_per_dyno`] above which the fragment warns: at 0.5 a
/// single-threaded dyno is busy half the time and M/M/1 adds a mean wait equal to the service.
pub const WARN_IN_FLIGHT: f64 = 0.5;
/// Threshold of [`Queueing::load_service_corr`] above which the fragment warns.
pub const WARN_CORR: f64 = 0.3;

impl Queueing {
    /// Whether the log suggests queueing.
    pub fn suspected(&self) -> bool {
        self.in_flight_per_dyno > WARN_IN_FLIGHT
            || self.load_service_corr.is_some_and(|c| c > WARN_CORR)
    }
}

/// Everything fitted from a log.
#[derive(Clone, Debug)]
pub struct Fit {
    /// Router lines used.
    pub requests: u64,
    /// Messages skipped as not router lines.
    pub skipped: u64,
    /// Router lines of other apps.
    pub other_apps: u64,
    /// Estimated arrival times, ns since the Unix epoch, sorted.
    pub arrivals_ns: Vec<i128>,
    /// The arrival fit.
    pub arrival: arrival::ArrivalFit,
    /// The service fit, when at least two lines without a code had a `service=`.
    pub service: Option<service::ServiceFit>,
    /// Error codes by code.
    pub codes: BTreeMap<String, CodeCount>,
    /// Lines per HTTP status class (`2xx`…).
    pub status_classes: BTreeMap<String, u64>,
    /// Lines per dyno name.
    pub dynos: BTreeMap<String, u64>,
    /// Queueing signs.
    pub queueing: Queueing,
}

/// Fits the collected lines; `None` when there are none.
pub fn analyse(c: &Collector) -> Option<Fit> {
    if c.lines.is_empty() {
        return None;
    }
    let mut arrivals_ns: Vec<i128> = c
        .lines
        .iter()
        .map(|r| {
            let took_ms = r.connect_ms.unwrap_or(0.0) + r.service_ms.unwrap_or(0.0);
            r.at_ns - (took_ms * 1e6).round() as i128
        })
        .collect();
    arrivals_ns.sort_unstable();
    let arrival = arrival::fit(&arrivals_ns);

    let samples: Vec<f64> = c
        .lines
        .iter()
        .filter(|r| r.code.is_none())
        .filter_map(|r| r.service_ms)
        .collect();
    let service = service::fit(&samples);

    let mut codes: BTreeMap<String, CodeCount> = BTreeMap::new();
    let mut status_classes: BTreeMap<String, u64> = BTreeMap::new();
    let mut dynos: BTreeMap<String, u64> = BTreeMap::new();
    for r in &c.lines {
        if let Some(i) = r.code {
            let (code, desc) = &c.codes[i as usize];
            codes
                .entry(code.clone())
                .or_insert_with(|| CodeCount {
                    desc: desc.clone(),
                    count: 0,
                })
                .count += 1;
        }
        let class = r
            .status
            .map_or("none".to_string(), |s| format!("{}xx", s / 100));
        *status_classes.entry(class).or_default() += 1;
        if let Some(i) = r.dyno {
            *dynos.entry(c.dynos[i as usize].clone()).or_default() += 1;
        }
    }
    let queueing = queueing(c, &arrival, service.as_ref(), dynos.len().max(1));
    Some(Fit {
        requests: c.lines.len() as u64,
        skipped: c.skipped,
        other_apps: c.other_apps,
        arrivals_ns,
        arrival,
        service,
        codes,
        status_classes,
        dynos,
        queueing,
    })
}

fn queueing(
    c: &Collector,
    arrival: &arrival::ArrivalFit,
    service: Option<&service::ServiceFit>,
    dynos: usize,
) -> Queueing {
    let mean_s = service.map_or(0.0, |s| s.mean_ms / 1e3);
    let in_flight_per_dyno = arrival.rate_per_s * mean_s / dynos as f64;
    // Per-minute (count, sum of service) by the line's minute.
    let mut minutes: BTreeMap<i128, (f64, f64)> = BTreeMap::new();
    for r in c.lines.iter().filter(|r| r.code.is_none()) {
        if let Some(s) = r.service_ms {
            let e = minutes
                .entry(r.at_ns.div_euclid(60_000_000_000))
                .or_default();
            e.0 += 1.0;
            e.1 += s;
        }
    }
    let load_service_corr = (minutes.len() >= 30)
        .then(|| {
            let xy: Vec<(f64, f64)> = minutes.values().map(|&(n, s)| (n, s / n)).collect();
            pearson(&xy)
        })
        .flatten();
    Queueing {
        in_flight_per_dyno,
        load_service_corr,
    }
}

fn pearson(xy: &[(f64, f64)]) -> Option<f64> {
    let n = xy.len() as f64;
    let mx = xy.iter().map(|p| p.0).sum::<f64>() / n;
    let my = xy.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = xy.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = xy.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let syy: f64 = xy.iter().map(|p| (p.1 - my).powi(2)).sum();
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_filter_matches_host_prefix_or_syslog_hostname() {
        let mut c = Collector::new(Some("shop".to_string()));
        let line = |host: &str| {
            format!(
                "2024-04-26T10:00:00Z heroku[router]: at=info method=GET host={host} dyno=web.1 \
                 connect=0ms service=5ms status=200"
            )
        };
        for host in ["shop.herokuapp.com", "shop", "shop.example.com"] {
            c.add_line(&line(host));
        }
        for host in ["shopping.herokuapp.com", "blog.herokuapp.com", ""] {
            c.add_line(&line(host));
        }
        let frame = "<158>1 2024-04-26T10:00:00Z shop heroku router - at=info method=GET \
                     host=www.example.org dyno=web.2 service=5ms status=200";
        c.add_line(&format!("{} {frame}", frame.len()));
        assert_eq!((c.lines.len(), c.other_apps), (4, 3));
        assert_eq!(c.dynos, ["web.1", "web.2"]);
    }
}
