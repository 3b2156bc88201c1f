//! The short human summary `spacesim run` prints.
//!
//! Everything fits in 100 columns: tables size their columns to their contents, long operation
//! names are shortened (the full name is in `summary.json`), and long reasons wrap with a
//! hanging indent. Sections appear only when the run has something to put in them: the
//! operations table when the scenario has a timeline, the jobs table when it has job kinds,
//! dyno-hours when it has operations, jobs, autoscaling or prices, and cost when it has prices.

use std::fmt::Write as _;
use std::time::Duration;

use super::operations::OpSummary;
use super::summary::{Stats, Summary};
use crate::engine::SimDuration;
use crate::metrics::LatencySummary;

/// The printed summary's width in columns.
const WIDTH: usize = 100;
/// Width of the labels in the left margin (`requests     `).
const LABEL: usize = 13;

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

/// Seconds since the run's start as `h:mm:ss` (fractions dropped).
fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// A length of time, short: `12.3s`, `4m05s`, `2h03m`.
fn took(secs: f64) -> String {
    let s = secs.max(0.0);
    if s < 60.0 {
        format!("{s:.1}s")
    } else if s < 3600.0 {
        let whole = s as u64;
        format!("{}m{:02}s", whole / 60, whole % 60)
    } else {
        let whole = s as u64;
        format!("{}h{:02}m", whole / 3600, whole / 60 % 60)
    }
}

fn yes_no(v: bool) -> &'static str {
    if v { "yes" } else { "no" }
}

/// `items` joined by `sep` in lines of at most [`WIDTH`] columns: the first line starts with
/// `first`, the others with `indent` spaces. Breaks between items; an item longer than a line
/// is left whole. A `first` ending in a space is followed directly by the first item, any other
/// by a space.
fn wrap_items<S: AsRef<str>>(first: &str, indent: usize, items: &[S], sep: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = first.is_empty() || first.ends_with(' ');
    let mut fresh = true;
    for item in items {
        let item = item.as_ref();
        let gap = if empty {
            0
        } else if fresh {
            1
        } else {
            sep.chars().count()
        };
        if !empty && line.chars().count() + gap + item.chars().count() > WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = " ".repeat(indent);
            empty = true;
        }
        if !empty {
            line.push_str(if fresh { " " } else { sep });
        }
        line.push_str(item);
        empty = false;
        fresh = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

/// `text` wrapped at spaces, as [`wrap_items`] does with its words.
fn wrap(first: &str, indent: usize, text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    wrap_items(first, indent, &words, " ")
}

/// `s` cut to `n` characters, ending in `…` when cut.
fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Column alignment.
#[derive(Copy, Clone)]
enum Align {
    Left,
    Right,
}

/// A table whose columns are as wide as their widest cell, two spaces apart (one when two do
/// not fit). A row may carry
/// notes: lines printed under it as they are.
struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<(Vec<String>, String)>,
    /// Spaces between columns.
    sep: usize,
}

impl Table {
    fn new(columns: &[(&'static str, Align)]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
            sep: 2,
        }
    }

    fn row(&mut self, cells: Vec<String>, notes: String) {
        debug_assert_eq!(cells.len(), self.columns.len());
        self.rows.push((cells, notes));
    }

    fn widths(&self) -> Vec<usize> {
        self.columns
            .iter()
            .enumerate()
            .map(|(i, (h, _))| {
                self.rows
                    .iter()
                    .map(|(cells, _)| cells[i].chars().count())
                    .chain([h.chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Makes the table fit in [`WIDTH`]: first one space between columns instead of two, then
    /// the cells of column `col` shortened, down to `min` characters.
    fn fit(&mut self, col: usize, min: usize) {
        let widths = self.widths();
        let total = |sep: usize| widths.iter().sum::<usize>() + sep * (widths.len() - 1);
        if total(self.sep) <= WIDTH {
            return;
        }
        self.sep = 1;
        if total(1) <= WIDTH {
            return;
        }
        let keep = widths[col].saturating_sub(total(1) - WIDTH).max(min);
        for (cells, _) in &mut self.rows {
            cells[col] = shorten(&cells[col], keep);
        }
    }

    fn render(&self, out: &mut String) {
        let widths = self.widths();
        let line = |cells: Vec<&str>| -> String {
            let mut s = String::new();
            for (i, cell) in cells.iter().enumerate() {
                if i > 0 {
                    s.push_str(&" ".repeat(self.sep));
                }
                let pad = widths[i].saturating_sub(cell.chars().count());
                match self.columns[i].1 {
                    Align::Left => {
                        s.push_str(cell);
                        s.push_str(&" ".repeat(pad));
                    }
                    Align::Right => {
                        s.push_str(&" ".repeat(pad));
                        s.push_str(cell);
                    }
                }
            }
            let mut s = s.trim_end().to_string();
            s.push('\n');
            s
        };
        out.push_str(&line(self.columns.iter().map(|(h, _)| *h).collect()));
        for (cells, notes) in &self.rows {
            out.push_str(&line(cells.iter().map(String::as_str).collect()));
            out.push_str(notes);
        }
    }
}

fn latency_line(label: &str, l: &LatencySummary) -> String {
    format!(
        "{label:<LABEL$}mean {}  p50 {}  p90 {}  p99 {}  p99.9 {}  max {}\n",
        ms(l.mean),
        ms(l.p50),
        ms(l.p90),
        ms(l.p99),
        ms(l.p999),
        ms(l.max)
    )
}

/// `["H13 12", "H14 3"]` over the non-zero counts, or `["none"]`.
fn codes<'a>(errors: impl IntoIterator<Item = (&'a &'static str, &'a u64)>) -> Vec<String> {
    let nonzero: Vec<String> = errors
        .into_iter()
        .filter(|(_, n)| **n > 0)
        .map(|(k, n)| format!("{k} {}", thousands(*n)))
        .collect();
    if nonzero.is_empty() {
        vec!["none".to_string()]
    } else {
        nonzero
    }
}

/// The notes under an operation's row: failures by code, why it was refused or aborted, and for
/// deploy-like operations each failed zero-downtime condition and any disagreement.
fn op_notes(op: &OpSummary) -> String {
    let mut notes = String::new();
    if op.requests.failed > 0 {
        notes.push_str(&wrap_items(
            "  failed by code:",
            4,
            &codes(&op.errors),
            "  ",
        ));
    }
    if let Some(why) = &op.refused {
        notes.push_str(&wrap("  refused:", 4, why));
    }
    if let Some(why) = &op.aborted {
        notes.push_str(&wrap("  aborted:", 4, why));
    }
    if let Some(zd) = &op.zero_downtime {
        for c in zd.conditions.iter().filter(|c| !c.pass) {
            notes.push_str(&wrap(&format!("  ✗ {}:", c.name), 4, &c.detail));
        }
        match zd.observed {
            Some(false) if zd.predicted => notes.push_str(&wrap(
                "  !! DISAGREEMENT:",
                4,
                &format!(
                    "the checker predicted zero downtime, but {} request{} failed ({})",
                    thousands(op.requests.failed),
                    if op.requests.failed == 1 { "" } else { "s" },
                    codes(&op.errors).join(", ")
                ),
            )),
            Some(true) if !zd.predicted => {
                let failed: Vec<&str> = zd
                    .conditions
                    .iter()
                    .filter(|c| !c.pass)
                    .map(|c| c.name)
                    .collect();
                notes.push_str(&wrap(
                    "  !! DISAGREEMENT:",
                    4,
                    &format!(
                        "the checker predicted downtime ({}), but no request failed",
                        failed.join(", ")
                    ),
                ));
            }
            _ => {}
        }
    }
    notes
}

/// The operations table, in order of start (ties by name).
fn operations(summary: &Summary, out: &mut String) {
    let ops = &summary.operations.operations;
    if ops.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "operations   start = h:mm:ss from the run's start; p99 in ms; slots = fewest up web dynos ×"
    );
    let _ = writeln!(
        out,
        "             concurrency; ZD = zero downtime predicted/observed (deploy-like operations)"
    );
    let mut order: Vec<(&String, &OpSummary)> = ops.iter().collect();
    order.sort_by(|a, b| a.1.start_s.total_cmp(&b.1.start_s).then(a.0.cmp(b.0)));
    let mut table = Table::new(&[
        ("operation", Align::Left),
        ("action", Align::Left),
        ("start", Align::Right),
        ("took", Align::Right),
        ("batches", Align::Right),
        ("failed", Align::Right),
        ("p99 before→during", Align::Right),
        ("slots", Align::Right),
        ("down s", Align::Right),
        ("ZD", Align::Left),
    ]);
    for (name, op) in order {
        let zd = match &op.zero_downtime {
            None => String::new(),
            Some(zd) => {
                let observed = match zd.observed {
                    None => "-",
                    // Capitals where the observation contradicts the prediction.
                    Some(o) if o != zd.predicted => {
                        if o {
                            "YES"
                        } else {
                            "NO"
                        }
                    }
                    Some(o) => yes_no(o),
                };
                format!("{}/{observed}", yes_no(zd.predicted))
            }
        };
        let still_running = op.end_s.is_none() && op.refused.is_none();
        table.row(
            vec![
                name.clone(),
                op.action.to_string(),
                clock(op.start_s),
                format!(
                    "{}{}",
                    took(op.duration_s),
                    if still_running { "+" } else { "" }
                ),
                op.batches.len().to_string(),
                thousands(op.requests.failed),
                format!(
                    "{} → {}",
                    ms(op.latency_ms.before.p99),
                    ms(op.latency_ms.during.p99)
                ),
                op.min_capacity_slots
                    .map_or_else(|| "-".to_string(), |n| n.to_string()),
                op.downtime_s.to_string(),
                zd,
            ],
            op_notes(op),
        );
    }
    table.fit(0, 9);
    table.render(out);
    let zd = &summary.operations.zero_downtime;
    if let Some(predicted) = zd.predicted {
        let observed = zd.observed.map_or("-", yes_no);
        let n = zd.disagreements.len();
        let _ = writeln!(
            out,
            "{:<LABEL$}predicted {}, observed {}{}",
            "ZD overall",
            yes_no(predicted),
            observed,
            match n {
                0 => String::new(),
                1 => "  !! 1 disagreement (above)".to_string(),
                n => format!("  !! {n} disagreements (above)"),
            }
        );
    }
}

/// The jobs table: per app and job kind.
fn jobs(summary: &Summary, out: &mut String) {
    if summary.apps.values().all(|a| a.jobs.is_empty()) {
        return;
    }
    let secs = |v: Option<f64>| v.map_or_else(|| "-".to_string(), |x| format!("{:.1}", x / 1e3));
    let mut table = Table::new(&[
        ("app/job", Align::Left),
        ("enqueued", Align::Right),
        ("done", Align::Right),
        ("waiting", Align::Right),
        ("running", Align::Right),
        ("requeued", Align::Right),
        ("p50 s", Align::Right),
        ("p99 s", Align::Right),
    ]);
    for (app, a) in &summary.apps {
        for (kind, j) in &a.jobs {
            table.row(
                vec![
                    format!("{app}/{kind}"),
                    thousands(j.enqueued),
                    thousands(j.done),
                    thousands(j.waiting),
                    thousands(j.running),
                    thousands(j.requeued),
                    secs(j.latency_ms.p50),
                    secs(j.latency_ms.p99),
                ],
                String::new(),
            );
        }
    }
    table.fit(0, 12);
    table.render(out);
}

/// `label` then `items` two spaces apart, wrapped under the label.
fn items_line(label: &str, items: &[String]) -> String {
    wrap_items(&format!("{label:<LABEL$}"), LABEL, items, "  ")
}

/// Dyno-hours by type and, when priced, their cost; autoscaler activity.
fn dynos(summary: &Summary, out: &mut String) {
    for (app, a) in &summary.apps {
        let (added, removed, refused) =
            (a.autoscale.added, a.autoscale.removed, a.autoscale.refused);
        if added + removed + refused > 0 {
            let limited = if refused > 0 {
                format!(", {refused} refused by a limit")
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "{:<LABEL$}{app}: {added} web dyno{} added, {removed} removed{limited}",
                "autoscale",
                if added == 1 { "" } else { "s" }
            );
        }
    }
    let d = &summary.operations.dynos;
    // A run without operations, jobs, autoscaling or prices keeps its formation: its dyno-hours
    // say nothing the scenario does not.
    let any_jobs = summary.apps.values().any(|a| !a.jobs.is_empty());
    let autoscaled = summary
        .apps
        .values()
        .any(|a| a.autoscale.added + a.autoscale.removed > 0);
    let changes = !summary.operations.operations.is_empty() || any_jobs || autoscaled;
    if d.dyno_hours.is_empty() || (!changes && d.cost.is_none()) {
        return;
    }
    let mut hours: Vec<String> = d
        .dyno_hours
        .iter()
        .map(|(t, h)| format!("{t} {h:.2}"))
        .collect();
    hours.push(format!("total {:.2}", d.dyno_hours.values().sum::<f64>()));
    out.push_str(&items_line("dyno-hours", &hours));
    if let Some(cost) = &d.cost {
        let mut items: Vec<String> = cost
            .by_type
            .iter()
            .map(|(t, usd)| format!("{t} ${usd:.2}"))
            .collect();
        items.push(format!("total ${:.2}", cost.total));
        if !cost.unpriced.is_empty() {
            items.push(format!("(no price: {})", cost.unpriced.join(", ")));
        }
        out.push_str(&items_line("cost", &items));
    }
}

/// One line about the space when something happened to it: allocation during the run,
/// refused operations, one-off dynos, destruction.
fn space_line(summary: &Summary, out: &mut String) {
    let sp = &summary.space;
    let mut items = Vec::new();
    match sp.allocated_s {
        Some(t) if t > 0.0 => items.push(format!("allocated at {}", clock(t))),
        Some(_) => {}
        None => items.push("still allocating at the end".to_string()),
    }
    if sp.operations_refused > 0 {
        items.push(format!(
            "{} operation{} refused",
            sp.operations_refused,
            if sp.operations_refused == 1 { "" } else { "s" }
        ));
    }
    if sp.one_off_dynos > 0 {
        items.push(format!(
            "{} one-off dyno{}",
            sp.one_off_dynos,
            if sp.one_off_dynos == 1 { "" } else { "s" }
        ));
    }
    if let Some(t) = sp.destroyed_s {
        items.push(format!("destroyed at {}", clock(t)));
    }
    if !items.is_empty() {
        out.push_str(&items_line("space", &items));
    }
}

/// The printed summary: requests, failures by code, latency, availability; then, when the run
/// has them, operations, jobs, autoscaling, dyno-hours and cost; last the engine's speed
/// (`wall`, which never goes into `summary.json`).
pub fn render(summary: &Summary, wall: Duration) -> String {
    let s = &summary.stats;
    let r = &s.requests;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (seed {}): {} {}, warm-up {}",
        summary.scenario,
        summary.provenance.seed,
        if summary.partial {
            SimDuration::from_secs_f64(summary.duration_s).whole_seconds()
        } else {
            SimDuration::from_secs_f64(summary.duration_s)
        },
        match &summary.measured {
            None => "simulated".to_string(),
            Some(m) => format!("measured against {} ({} loop)", m.target, m.mode),
        },
        SimDuration::from_secs_f64(summary.warmup_s)
    );
    if let (Some(reason), Some(planned)) = (summary.partial_reason, summary.planned_duration_s) {
        let _ = writeln!(
            out,
            "PARTIAL      the run stopped ({}) after {} of {}: every number covers that part only",
            reason.replace('_', " "),
            SimDuration::from_secs_f64(summary.duration_s).whole_seconds(),
            SimDuration::from_secs_f64(planned)
        );
    }
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
    if r.retries > 0 {
        let _ = writeln!(
            out,
            "{:<LABEL$}{} of the requests were client retries",
            "retries",
            thousands(r.retries)
        );
    }
    match &summary.measured {
        None => out.push_str(&items_line("errors", &codes(&s.errors))),
        Some(m) => out.push_str(&items_line("errors", &measured_failures(m))),
    }
    out.push_str(&latency_line("latency ms", &s.latency_ms));
    if summary.measured.is_none() {
        out.push_str(&latency_line("queue ms", &s.queue_ms));
    }
    let _ = writeln!(
        out,
        "availability {}  error rate {}  downtime {} s",
        pct(s.availability),
        pct(s.error_rate),
        s.downtime_s
    );
    space_line(summary, &mut out);
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
    operations(summary, &mut out);
    jobs(summary, &mut out);
    dynos(summary, &mut out);
    if let Some(m) = &summary.measured {
        measured_lines(m, wall, &mut out);
        return out;
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

/// A measured run's failures, nonzero only: HTTP statuses of 400 and more, transport errors,
/// dropped sends.
fn measured_failures(m: &super::measured::Measured) -> Vec<String> {
    let t = &m.transport;
    let items = m
        .http
        .iter()
        .filter(|(code, _)| code.as_str() >= "400")
        .map(|(code, n)| (format!("http {code}"), *n))
        .chain([
            ("timeout".to_string(), t.timeout),
            ("refused".to_string(), t.refused),
            ("reset".to_string(), t.reset),
            ("io".to_string(), t.io),
            ("dropped".to_string(), m.generator.dropped),
        ])
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| format!("{k} {}", thousands(n)))
        .collect::<Vec<_>>();
    if items.is_empty() {
        vec!["none".to_string()]
    } else {
        items
    }
}

/// The lines only a measured run (`spacesim load`) prints: responses by status, transport
/// errors and the generator's schedule keeping.
fn measured_lines(m: &super::measured::Measured, wall: Duration, out: &mut String) {
    let statuses: Vec<String> = m
        .http
        .iter()
        .map(|(code, n)| format!("{code} {}", thousands(*n)))
        .collect();
    let _ = writeln!(
        out,
        "{:<LABEL$}{}",
        "http",
        if statuses.is_empty() {
            "no responses".to_string()
        } else {
            statuses.join("  ")
        }
    );
    let t = &m.transport;
    let _ = writeln!(
        out,
        "{:<LABEL$}timeout {}  refused {}  reset {}  io {}",
        "transport",
        thousands(t.timeout),
        thousands(t.refused),
        thousands(t.reset),
        thousands(t.io)
    );
    let g = &m.generator;
    let _ = writeln!(
        out,
        "{:<LABEL$}scheduled {}  sent {}  late {} (> {} ms)  dropped {}  max lag {} ms  in {:.2} s wall",
        "generator",
        thousands(g.scheduled),
        thousands(g.sent),
        thousands(g.late),
        g.late_threshold_ms,
        thousands(g.dropped),
        g.max_lag_ms,
        wall.as_secs_f64()
    );
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::metrics::NullSink;
    use crate::model::sim;
    use crate::report::summarize;
    use crate::scenario::parse;

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn times_and_wrapping() {
        assert_eq!(clock(50_400.0), "14:00:00");
        assert_eq!(clock(3_725.9), "1:02:05");
        assert_eq!(
            (took(12.34), took(245.0), took(7_380.0)),
            ("12.3s".into(), "4m05s".into(), "2h03m".into())
        );
        assert_eq!(shorten("friday-afternoon-deploy", 10), "friday-af…");
        let long = "word ".repeat(60);
        let wrapped = wrap("  ✗ capacity:", 4, &long);
        assert!(wrapped.lines().count() > 1);
        assert!(
            wrapped.lines().all(|l| l.chars().count() <= WIDTH),
            "{wrapped}"
        );
        assert!(
            wrapped.lines().skip(1).all(|l| l.starts_with("    word")),
            "{wrapped}"
        );
    }

    fn render_scenario(text: &str) -> String {
        let scenario = parse(text, "t.toml", Path::new("."), None).expect("valid scenario");
        let output = sim::run(&scenario, &mut NullSink).expect("the run finishes");
        let summary = summarize(&scenario, &output);
        render(&summary, Duration::ZERO)
    }

    /// Four web dynos of 5 slots at a constant 10 requests/s of 100 ms, each holding a Postgres
    /// connection for half its service; one worker works the jobs a tenth of the requests
    /// enqueue. A rolling deploy at 2 min replaces one web dyno at a time and the worker beside
    /// them (10 s to provision, 5 s to boot); the checker fails it because the worker has one
    /// dyno (at least two needed), yet no request fails: a disagreement. A failover at 4 min
    /// makes the database unavailable for exactly 10 s: the 100 requests arriving then fail.
    const TINY: &str = r#"
        name = "tiny"
        duration = "6m"
        [platform]
        provision = "10s"
        [prices]
        "private-m" = 0.5
        [[apps]]
        name = "api"
        [[apps.processes]]
        type = "web"
        count = 4
        concurrency = 5
        boot = "5s"
        [[apps.processes]]
        type = "worker"
        count = 1
        boot = "5s"
        [[apps.addons]]
        name = "DATABASE"
        kind = "postgres"
        plan = "private-0"
        [[apps.jobs]]
        name = "email"
        process = "worker"
        service = "1s"
        [[apps.traffic]]
        name = "default"
        arrival = { process = "constant", rate = "10/s" }
        service = "100ms"
        addons = [{ addon = "DATABASE", hold = "50%" }]
        enqueue = { job = "email", per_request = 0.1 }
        [[timeline]]
        at = "2m"
        action = "deploy"
        name = "friday-deploy"
        [[timeline]]
        at = "4m"
        action = "failover"
        addon = "DATABASE"
        duration = "10s"
    "#;

    #[test]
    fn operations_jobs_and_cost_render_within_100_columns() {
        let text = render_scenario(TINY);
        for line in text.lines() {
            let n = line.chars().count();
            assert!(n <= WIDTH, "{n} columns: {line}\n{text}");
        }
        let lines: Vec<&str> = text.lines().collect();
        let at = |prefix: &str| {
            lines
                .iter()
                .position(|l| l.starts_with(prefix))
                .unwrap_or_else(|| panic!("no line starting {prefix:?} in\n{text}"))
        };
        assert_eq!(lines[at("errors")], "errors       addon_unavailable 100");
        let want = [
            concat!(
                "operation      action      start   took  batches  failed  p99 before→during  ",
                "slots  down s  ZD"
            ),
            concat!(
                "friday-deploy  deploy    0:02:00  1m00s        5       0      100.0 → 100.0  ",
                "   15       0  no/YES"
            ),
            "  ✗ capacity: web: 4 dynos, 1 replaced at a time; offered 1 busy slots (10 req/s at 2m) on 15",
            "    remaining (3 × 5) → 6.7% ≤ 80%; worker: 1 dyno, 1 replaced at a time (at least 2 needed)",
            "  !! DISAGREEMENT: the checker predicted downtime (capacity), but no request failed",
            concat!(
                "failover-1     failover  0:04:00  10.0s        0     100      100.0 → 100.0  ",
                "   20      10"
            ),
            "  failed by code: addon_unavailable 100",
            "ZD overall   predicted no, observed yes  !! 1 disagreement (above)",
        ];
        let from = at("operation ");
        assert_eq!(lines[from..from + want.len()], want, "\n{text}");
        let jobs = at("app/job");
        assert!(lines[jobs + 1].starts_with("api/email "), "{text}");
        assert!(
            lines[at("dyno-hours")].starts_with("dyno-hours   private-m "),
            "{text}"
        );
        assert!(lines[at("cost")].contains("total $"), "{text}");
    }

    #[test]
    fn a_run_without_operations_prints_no_operation_sections() {
        let text = render_scenario(
            r#"
            duration = "1m"
            [[apps]]
            name = "api"
            [[apps.processes]]
            type = "web"
            count = 2
            [[apps.traffic]]
            name = "default"
            arrival = { process = "constant", rate = "10/s" }
            service = "20ms"
            "#,
        );
        for word in [
            "operation",
            "app/job",
            "dyno-hours",
            "cost",
            "retries",
            "ZD overall",
        ] {
            assert!(!text.contains(word), "{word:?} in\n{text}");
        }
        assert!(text.contains("errors       none"), "{text}");
    }
}
