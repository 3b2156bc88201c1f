//! The short human summary `spacesim run` prints.

use std::fmt::Write as _;
use std::time::Duration;

use super::summary::{Stats, Summary};
use crate::engine::SimDuration;
use crate::metrics::LatencySummary;

/// `n` with a comma every three digits: `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn ms(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.1}"))
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{:.3}%", x * 100.0))
}

fn latency_line(label: &str, l: &LatencySummary) -> String {
    format!(
        "{label:<13}mean {}  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}\n",
        ms(l.mean),
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        ms(l.p999),
        ms(l.max)
    )
}

fn errors_text(s: &Stats) -> String {
    let nonzero: Vec<String> = s
        .errors
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{k} {}", thousands(*n)))
        .collect();
    if nonzero.is_empty() {
        "none".to_string()
    } else {
        nonzero.join("  ")
    }
}

/// The printed summary: requests, failures by code, latency, availability, and the engine's
/// speed (`wall`, which never goes into `summary.json`).
pub fn render(summary: &Summary, wall: Duration) -> String {
    let s = &summary.stats;
    let r = &s.requests;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (seed {}): {} simulated, warm-up {}",
        summary.scenario,
        summary.provenance.seed,
        SimDuration::from_secs_f64(summary.duration_s),
        SimDuration::from_secs_f64(summary.warmup_s)
    );
    let _ = writeln!(
        out,
        "requests     total {}  ok {}  failed {}  blocked {}  in flight {}  (warm-up {})",
        thousands(r.total),
        thousands(r.ok),
        thousands(r.failed),
        thousands(r.blocked),
        thousands(r.in_flight),
        thousands(r.warmup)
    );
    let _ = writeln!(out, "errors       {}", errors_text(s));
    out.push_str(&latency_line("latency ms", &s.latency_ms));
    out.push_str(&latency_line("queue ms", &s.queue_ms));
    let _ = writeln!(
        out,
        "availability {}  error rate {}  downtime {} s",
        pct(s.availability),
        pct(s.error_rate),
        s.downtime_s
    );
    let classes: usize = summary.apps.values().map(|a| a.traffic.len()).sum();
    if classes > 1 {
        let _ = writeln!(
            out,
            "{:<28} {:>10} {:>10} {:>8} {:>9} {:>9}",
            "app/class", "requests", "ok", "failed", "p50 ms", "p99 ms"
        );
        for (name, app) in &summary.apps {
            let mut row = |label: String, st: &Stats| {
                let _ = writeln!(
                    out,
                    "{label:<28} {:>10} {:>10} {:>8} {:>9} {:>9}",
                    thousands(st.requests.total),
                    thousands(st.requests.ok),
                    thousands(st.requests.failed),
                    ms(st.latency_ms.p50),
                    ms(st.latency_ms.p99)
                );
            };
            row(name.clone(), &app.stats);
            for (class, st) in &app.traffic {
                row(format!("  {name}/{class}"), st);
            }
        }
    }
    let secs = wall.as_secs_f64();
    let rate = if secs > 0.0 {
        summary.events as f64 / secs
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "engine       {} events in {:.2} s wall ({:.2} M events/s)",
        thousands(summary.events),
        secs,
        rate / 1e6
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
