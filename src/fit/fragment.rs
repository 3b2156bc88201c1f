//! Rendering a [`Fit`] as a scenario fragment: a commented `[[apps.processes]]` suggestion and
//! one `[[apps.traffic]]` table, in the syntax of the README's "Arrival processes" and
//! "Service-time distributions" sections, with comments explaining each fit. The alternatives
//! not chosen are written commented out, ready to swap in.

use std::collections::BTreeMap;
use std::fmt::Write;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Fit;
use super::arrival::{DIURNAL_MIN_F, DIURNAL_MIN_RATIO, DIURNAL_MIN_SPAN_S};
use super::service::{Family, ServiceFit, ZERO_MS};

/// What the fragment says besides the fit.
#[derive(Clone, Debug, Default)]
pub struct FragmentOptions {
    /// The log files read, for the header.
    pub sources: Vec<String>,
    /// The app filter, if any.
    pub app: Option<String>,
    /// The trace file as the scenario should name it, when one was written.
    pub trace: Option<String>,
}

/// The fragment text. Each line is a comment or valid TOML; the whole parses when appended to
/// an `[[apps]]` table of a scenario with a `start` (needed only by a diurnal `peak_at`).
pub fn render(fit: &Fit, opts: &FragmentOptions) -> String {
    let mut s = String::new();
    header(&mut s, fit, opts);
    dynos(&mut s, fit);
    errors(&mut s, fit);
    s.push_str("[[apps.traffic]]\nname = \"fitted\"\n");
    arrivals(&mut s, fit, opts);
    service(&mut s, fit);
    s
}

fn header(s: &mut String, fit: &Fit, opts: &FragmentOptions) {
    let first = time_of(fit.arrivals_ns[0]);
    let last = time_of(*fit.arrivals_ns.last().expect("at least one arrival"));
    let _ = writeln!(
        s,
        "# Fitted by `spacesim fit` from {} router lines in {}{}.",
        fit.requests,
        opts.sources.join(", "),
        opts.app
            .as_ref()
            .map(|a| format!(" (app {a})"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        s,
        "# Arrivals from {} to {} (UTC), {}; suggested scenario `duration = \"{}\"`.",
        rfc3339(first),
        rfc3339(last),
        human_span(fit.arrival.span_s),
        human_span((fit.arrival.span_s / 60.0).ceil().max(1.0) * 60.0),
    );
    let _ = writeln!(
        s,
        "# Skipped {} line(s) that are not router lines{}.",
        fit.skipped,
        if opts.app.is_some() {
            format!("; {} router line(s) of other apps", fit.other_apps)
        } else {
            String::new()
        }
    );
    s.push_str("# Paste into an [[apps]] table of a scenario.\n#\n");
}

fn dynos(s: &mut String, fit: &Fit) {
    // Process type → dyno names.
    let mut by_type: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for name in fit.dynos.keys() {
        let kind = name.split_once('.').map_or(name.as_str(), |(t, _)| t);
        by_type.entry(kind).or_default().push(name);
    }
    if by_type.is_empty() {
        s.push_str("# Dynos seen: none (no line named a dyno).\n#\n");
        return;
    }
    for (kind, names) in &by_type {
        let shown: Vec<&str> = names.iter().take(8).copied().collect();
        let more = if names.len() > 8 { ", …" } else { "" };
        let _ = writeln!(
            s,
            "# Dynos seen: {} {kind} dyno(s) ({}{more}).",
            names.len(),
            shown.join(", ")
        );
    }
    for (kind, names) in &by_type {
        let _ = writeln!(
            s,
            "# [[apps.processes]]\n# type = \"{kind}\"\n# count = {}",
            names.len()
        );
    }
    s.push_str("#\n");
}

fn errors(s: &mut String, fit: &Fit) {
    let total = fit.requests as f64;
    let classes: Vec<String> = fit
        .status_classes
        .iter()
        .map(|(class, n)| format!("{class} {n} ({})", pct(*n as f64 / total)))
        .collect();
    let _ = writeln!(s, "# Responses by status: {}.", classes.join(", "));
    if fit.codes.is_empty() {
        s.push_str("# Router error codes: none.\n#\n");
        return;
    }
    s.push_str("# Router error codes (share of all requests):\n");
    for (code, c) in &fit.codes {
        let desc = if c.desc.is_empty() {
            String::new()
        } else {
            format!(" {}", c.desc)
        };
        let _ = writeln!(
            s,
            "# {code}{desc}: {} request(s) ({})",
            c.count,
            pct(c.count as f64 / total)
        );
    }
    s.push_str("#\n");
}

fn arrivals(s: &mut String, fit: &Fit, opts: &FragmentOptions) {
    let a = &fit.arrival;
    let _ = writeln!(
        s,
        "# Arrivals: {} requests over {} = {}/s ({:.2}/min); arrival = line time - connect - service.",
        a.n,
        human_span(a.span_s),
        num(a.rate_per_s),
        a.rate_per_s * 60.0
    );
    if !a.per_minute.is_empty() {
        let min = a.per_minute.iter().min().copied().unwrap_or(0);
        let max = a.per_minute.iter().max().copied().unwrap_or(0);
        let mean = a.per_minute.iter().sum::<u64>() as f64 / a.per_minute.len() as f64;
        let _ = writeln!(
            s,
            "# Requests per minute over {} full minutes: min {min}, mean {mean:.1}, max {max}.",
            a.per_minute.len()
        );
    }
    let poisson = format!(
        "arrival = {{ process = \"poisson\", rate = \"{}/s\" }}",
        num(a.rate_per_s)
    );
    let diurnal_line = a.diurnal.map(|d| {
        format!(
            "arrival = {{ process = \"diurnal\", trough = \"{}/s\", peak = \"{}/s\", peak_at = \"{}\" }}",
            num(d.trough_per_s),
            num(d.peak_per_s),
            clock(d.peak_at_s)
        )
    });
    let start_hint = format!(
        "# peak_at is a UTC clock time: the scenario needs a `start` such as start = \"{}\"",
        rfc3339(midnight(time_of(fit.arrivals_ns[0])))
    );
    match (a.diurnal_chosen(), &diurnal_line) {
        (Some(d), Some(line)) => {
            let _ = writeln!(
                s,
                "# Shape: diurnal, a 24 h sinusoid fitted by least squares to the per-minute counts \
                 (R² = {:.3}, F = {:.1} against a constant).",
                d.r2, d.f
            );
            let _ = writeln!(s, "{start_hint}\n{line}");
            let _ = writeln!(s, "# Constant rate instead:\n# {poisson}");
        }
        _ => {
            let why = match &a.diurnal {
                None => "too few full minutes to fit a daily cycle".to_string(),
                Some(_) if a.span_s < DIURNAL_MIN_SPAN_S => format!(
                    "the log spans {}, less than the {} needed to fit a daily cycle",
                    human_span(a.span_s),
                    human_span(DIURNAL_MIN_SPAN_S)
                ),
                Some(d) => format!(
                    "a 24 h sinusoid does not explain enough (R² = {:.3}, F = {:.1}; needs F >= {DIURNAL_MIN_F} \
                     and peak >= {DIURNAL_MIN_RATIO} x trough)",
                    d.r2, d.f
                ),
            };
            let _ = writeln!(s, "# Shape: constant (Poisson at the mean rate): {why}.");
            let _ = writeln!(s, "{poisson}");
            // Under 6 h the sinusoid is an extrapolation not worth showing.
            let long_enough = a.span_s >= DIURNAL_MIN_SPAN_S;
            if let Some(line) = diurnal_line.as_ref().filter(|_| long_enough) {
                let _ = writeln!(s, "# The sinusoid anyway:\n{start_hint}\n# {line}");
            }
        }
    }
    match &opts.trace {
        Some(file) => {
            let _ = writeln!(
                s,
                "# Replay the log's own arrival times (seconds from the first request; path \
                 relative to the scenario file's folder):\n# arrival = {{ process = \"trace\", file = {} }}",
                toml_string(file)
            );
        }
        None => {
            s.push_str("# To replay the log's own arrival times, run again with --trace FILE.\n")
        }
    }
}

fn service(s: &mut String, fit: &Fit) {
    let Some(f) = &fit.service else {
        s.push_str(
            "# Service time: fewer than two lines without an error code had a service= value, so \
             nothing was fitted.\n# REPLACE this placeholder:\nservice = \"100ms\"\n",
        );
        return;
    };
    let _ = writeln!(
        s,
        "# Service time, from service= of {} lines without an error code: mean {}, p50 {}, p90 {}, p99 {}, max {}.",
        f.n,
        ms(f.mean_ms),
        ms(f.p50_ms),
        ms(f.p90_ms),
        ms(f.p99_ms),
        ms(f.max_ms)
    );
    if f.zeros > 0 {
        let _ = writeln!(
            s,
            "# {} value(s) were service=0ms (the log has 1 ms resolution): taken as {ZERO_MS}ms in the \
             lognormal and gamma fits.",
            f.zeros
        );
    }
    s.push_str(
        "# service= includes any time a request waited in the dyno's backlog, so it is the service \
         time only at low load.\n",
    );
    let q = &fit.queueing;
    let _ = writeln!(
        s,
        "# Requests in flight per dyno (rate x mean service / dynos seen): {:.3}; correlation of \
         per-minute load and mean service=: {}.",
        q.in_flight_per_dyno,
        q.load_service_corr
            .map_or("n/a (under 30 minutes)".to_string(), |c| format!("{c:.2}"))
    );
    if q.suspected() {
        s.push_str(
            "# WARNING: the log suggests queueing (busy dynos, or service= rising with load): \
             these fits overstate the service time; prefer a quiet period of the log.\n",
        );
    }
    service_lines(s, f);
}

/// Writes the `service = …` lines of a service-time fit: the chosen family active, the others
/// commented out, with the Kolmogorov–Smirnov table (or one constant line when every value was
/// the same). `spacesim fit` and `spacesim load --calibrate` both write service times this way.
pub fn service_lines(s: &mut String, f: &ServiceFit) {
    if f.chosen() == Family::Constant {
        let _ = writeln!(
            s,
            "# Every value was {}: a constant.\nservice = \"{}\"",
            ms(f.max_ms),
            ms(f.max_ms)
        );
        return;
    }
    let (ln, _) = f.lognormal;
    let (median, p99) = (ms(ln.median_ms()), ms(ln.p99_ms()));
    let lines = [
        (
            Family::LogNormal,
            // A spread below the microsecond the fragment writes cannot be said this way.
            if p99 == median {
                String::new()
            } else {
                format!(
                    "service = {{ dist = \"lognormal\", median = \"{median}\", p99 = \"{p99}\" }}"
                )
            },
        ),
        (
            Family::Gamma,
            f.gamma
                .map(|(g, _)| {
                    format!(
                        "service = {{ dist = \"gamma\", shape = {}, mean = \"{}\" }}",
                        float(g.shape),
                        ms(g.mean_ms())
                    )
                })
                .unwrap_or_default(),
        ),
        (Family::Empirical, empirical_line(f)),
    ];
    // The table is always writable, so it stands in when the chosen family's line is not.
    let chosen = match f.chosen() {
        family if lines.iter().any(|(f, l)| *f == family && !l.is_empty()) => family,
        _ => Family::Empirical,
    };
    ks_table(s, f, chosen);
    for (family, line) in lines {
        if line.is_empty() {
            continue;
        }
        if family == chosen {
            let _ = writeln!(s, "{line}");
        } else {
            let _ = writeln!(s, "# {line}");
        }
    }
}

fn ks_table(s: &mut String, f: &ServiceFit, chosen: Family) {
    let _ = writeln!(
        s,
        "# Goodness of fit: Kolmogorov-Smirnov D against the {} values{} (1% critical value {:.4}):",
        f.n,
        if f.whole_ms {
            ", each model rounded to the ms like the log"
        } else {
            ""
        },
        f.ks_critical()
    );
    let mark = |family| if family == chosen { "  <- chosen" } else { "" };
    let (ln, d) = f.lognormal;
    let _ = writeln!(
        s,
        "#   lognormal  D = {d:.4}  (MLE: mean of ln ms {:.4}, sd {:.4}){}",
        ln.mu,
        ln.sigma,
        mark(Family::LogNormal)
    );
    match f.gamma {
        Some((g, d)) => {
            let _ = writeln!(
                s,
                "#   gamma      D = {d:.4}  (MLE: shape {:.4}, scale {}){}",
                g.shape,
                ms(g.scale_ms),
                mark(Family::Gamma)
            );
        }
        None => s.push_str("#   gamma      not fitted (all values equal)\n"),
    }
    let _ = writeln!(
        s,
        "#   empirical  D = {:.4}  ({}-point quantile table built from these same values){}",
        f.empirical.1,
        f.empirical.0.0.len(),
        mark(Family::Empirical)
    );
    s.push_str(
        "# Chosen: the parametric family with the lower D, unless the data reject it at 1%, then \
         the table.\n",
    );
}

fn empirical_line(f: &ServiceFit) -> String {
    let points: Vec<String> = f
        .empirical
        .0
        .0
        .iter()
        .map(|(q, v)| format!("[{q:?}, \"{}\"]", ms(*v)))
        .collect();
    format!(
        "service = {{ dist = \"empirical\", quantiles = [{}] }}",
        points.join(", ")
    )
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A number with 6 significant-ish decimals, trailing zeros dropped (never exponent notation).
fn num(x: f64) -> String {
    let digits = if x.abs() >= 100.0 { 3 } else { 6 };
    let t = format!("{x:.digits$}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t.is_empty() || t == "-0" {
        "0".to_string()
    } else {
        t.to_string()
    }
}

/// A TOML float (always with a decimal point).
fn float(x: f64) -> String {
    let t = num(x);
    if t.contains('.') { t } else { format!("{t}.0") }
}

/// Milliseconds as a duration string with microsecond precision: `40.012ms`.
fn ms(x: f64) -> String {
    let us = (x * 1000.0).round().max(0.0) as u64;
    let (whole, frac) = (us / 1000, us % 1000);
    if frac == 0 {
        format!("{whole}ms")
    } else {
        let f = format!("{frac:03}");
        format!("{whole}.{}ms", f.trim_end_matches('0'))
    }
}

fn pct(share: f64) -> String {
    format!("{:.2}%", share * 100.0)
}

fn clock(seconds_of_day: f64) -> String {
    let minutes = (seconds_of_day / 60.0).round() as u64 % (24 * 60);
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

fn human_span(seconds: f64) -> String {
    let total = seconds.round().max(0.0) as u64;
    let (h, m, sec) = (total / 3600, total / 60 % 60, total % 60);
    let mut out = String::new();
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if m > 0 {
        let _ = write!(out, "{m}m");
    }
    if sec > 0 || out.is_empty() {
        let _ = write!(out, "{sec}s");
    }
    out
}

fn time_of(ns: i128) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ns).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn midnight(t: OffsetDateTime) -> OffsetDateTime {
    t.replace_time(time::Time::MIDNIGHT)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_parse_as_scenario_units() {
        use crate::scenario::units::{parse_duration, parse_rate};
        for x in [0.0, 0.0004, 1.5, 40.0123456, 30000.0] {
            parse_duration(&ms(x)).unwrap();
        }
        assert_eq!(ms(40.0123456), "40.012ms");
        assert_eq!(ms(0.5), "0.5ms");
        for x in [0.0, 0.016666666, 1.0, 123.456789, 1e6] {
            parse_rate(&format!("{}/s", num(x))).unwrap();
        }
        assert_eq!(num(1.0), "1");
        assert_eq!(clock(14.0 * 3600.0 + 7.0 * 60.0 + 20.0), "14:07");
        assert_eq!(clock(86_399.0), "00:00");
        assert_eq!(human_span(20_000.0), "5h33m20s");
        assert_eq!(toml_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
