//! What the benchmarks share: best-of-N timing and the printed table.

#![allow(dead_code)] // each benchmark uses part of it

use std::time::Instant;

/// One row of a benchmark table.
pub struct Row {
    /// What ran.
    pub name: String,
    /// Simulated requests (or runs, for sweeps) per repetition.
    pub requests: u64,
    /// Best wall-clock time of the repetitions, in seconds.
    pub wall_s: f64,
    /// Rate relative to the row this table compares against, if any.
    pub ratio: Option<f64>,
}

impl Row {
    /// Requests per wall-clock second.
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.wall_s
    }
}

/// Runs `f` once and returns its result and wall time in seconds.
pub fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let started = Instant::now();
    let out = f();
    (out, started.elapsed().as_secs_f64())
}

/// Prints `rows` under a header; `unit` names what `requests` counts ("requests", "runs") and
/// `ratio` the last column ("ratio to yardstick", "speedup").
pub fn print_table(unit: &str, ratio: &str, rows: &[Row]) {
    println!(
        "{:<44} {:>12} {:>9} {:>14} {:>18}",
        "benchmark",
        unit,
        "wall s",
        format!("{unit}/s"),
        ratio
    );
    for r in rows {
        let ratio = r
            .ratio
            .map_or_else(|| "-".to_string(), |x| format!("{x:.2}x"));
        println!(
            "{:<44} {:>12} {:>9.3} {:>14.0} {:>18}",
            r.name,
            r.requests,
            r.wall_s,
            r.rate(),
            ratio
        );
    }
}

/// The number of repetitions: `BENCH_REPEAT` if set, else `default`.
pub fn repetitions(default: usize) -> usize {
    std::env::var("BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

/// CPU time (user + system) this process has used so far, in seconds, from `/proc/self/stat`;
/// `None` where that file does not exist. Clock ticks are assumed to be 100 per second, the
/// value on every Linux architecture spacesim builds for.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command (in parentheses, which may hold spaces): state is field 3,
    // utime field 14 and stime field 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}
