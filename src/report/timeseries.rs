//! `timeseries.csv`: one tidy (long) table of per-second rows, pandas-friendly.
//!
//! Columns are fixed and documented in the README; later versions add columns, never reshape.
//! `kind` says which key a row has: `traffic` rows are per (second, app, traffic class) and fill
//! the request columns; `process` rows are per (second, app, process type) and fill the dyno
//! columns; `jobs` rows are per (second, app, job kind) and fill the job columns. Cells that do
//! not apply to a row's kind are empty (NaN in pandas).

use std::io::{self, Write};

use crate::metrics::{JobRow, ProcessRow, SeriesSink, TrafficRow};
use crate::model::codes::ErrorCode;

/// Columns of a traffic row after the key columns.
const TRAFFIC_TAIL: [&str; 4] = ["blocked", "in_flight", "latency_ms_p50", "latency_ms_p99"];
/// Columns of a process row.
const PROCESS: [&str; 7] = [
    "dynos_up",
    "busy",
    "backlog",
    "dynos_provisioning",
    "dynos_starting",
    "dynos_stopping",
    "dynos_crashed",
];
/// Columns of a jobs row.
const JOBS: [&str; 4] = ["jobs_enqueued", "jobs_done", "jobs_waiting", "jobs_running"];

/// The header line's columns, in order.
pub fn columns() -> Vec<String> {
    let mut cols: Vec<String> = ["time_s", "app", "kind", "name", "arrivals", "ok", "failed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cols.extend(ErrorCode::ALL.iter().map(|c| format!("failed_{}", c.key())));
    for group in [
        &TRAFFIC_TAIL[..],
        &PROCESS[..],
        &JOBS[..],
        &["operations"][..],
    ] {
        cols.extend(group.iter().map(|s| s.to_string()));
    }
    cols
}

/// Number of request columns (arrivals through latency_ms_p99).
fn request_columns() -> usize {
    3 + ErrorCode::ALL.len() + TRAFFIC_TAIL.len()
}

/// Writes rows as CSV to any writer.
pub struct CsvSeries<W: Write> {
    out: csv::Writer<W>,
}

impl<W: Write> CsvSeries<W> {
    /// Starts the table (writes the header).
    pub fn new(out: W) -> io::Result<Self> {
        let mut out = csv::Writer::from_writer(out);
        out.write_record(columns())?;
        Ok(CsvSeries { out })
    }

    /// Flushes and returns the writer.
    pub fn finish(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn blanks(n: usize) -> impl Iterator<Item = String> {
    std::iter::repeat_n(String::new(), n)
}

fn key(time_s: u64, app: &str, kind: &str, name: &str) -> Vec<String> {
    vec![
        time_s.to_string(),
        app.to_string(),
        kind.to_string(),
        name.to_string(),
    ]
}

impl<W: Write> SeriesSink for CsvSeries<W> {
    fn traffic(&mut self, r: &TrafficRow<'_>) -> io::Result<()> {
        let mut rec = key(r.time_s, r.app, "traffic", r.class);
        rec.extend([
            r.arrivals.to_string(),
            r.ok.to_string(),
            (r.failed.iter().sum::<u64>() + r.failed_other).to_string(),
        ]);
        rec.extend(r.failed.iter().map(|n| n.to_string()));
        rec.extend([
            r.blocked.to_string(),
            r.in_flight.to_string(),
            opt(r.latency_ms_p50),
            opt(r.latency_ms_p99),
        ]);
        rec.extend(blanks(PROCESS.len() + JOBS.len()));
        rec.push(r.operations.to_string());
        Ok(self.out.write_record(&rec)?)
    }

    fn process(&mut self, r: &ProcessRow<'_>) -> io::Result<()> {
        let mut rec = key(r.time_s, r.app, "process", r.process);
        rec.extend(blanks(request_columns()));
        // DynoState::ALL order: provisioning, starting, up, stopping, down, crashed.
        let [provisioning, starting, up, stopping, _down, crashed] = r.dynos;
        rec.extend(
            [
                up,
                r.busy,
                r.backlog,
                provisioning,
                starting,
                stopping,
                crashed,
            ]
            .map(|n| n.to_string()),
        );
        rec.extend(blanks(JOBS.len()));
        rec.push(r.operations.to_string());
        Ok(self.out.write_record(&rec)?)
    }

    fn jobs(&mut self, r: &JobRow<'_>) -> io::Result<()> {
        let mut rec = key(r.time_s, r.app, "jobs", r.job);
        rec.extend(blanks(request_columns() + PROCESS.len()));
        rec.extend([r.enqueued, r.done, r.waiting, r.running].map(|n| n.to_string()));
        rec.push(r.operations.to_string());
        Ok(self.out.write_record(&rec)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::series::CODES;

    #[test]
    fn rows_of_every_kind_have_every_column() {
        let mut s = CsvSeries::new(Vec::new()).unwrap();
        let mut failed = [0; CODES];
        failed[ErrorCode::H12.index()] = 1;
        s.traffic(&TrafficRow {
            time_s: 3,
            app: "api",
            class: "default",
            arrivals: 10,
            ok: 9,
            failed,
            failed_other: 0,
            blocked: 0,
            in_flight: 2,
            latency_ms_p50: Some(12.5),
            latency_ms_p99: None,
            operations: "deploy-1",
        })
        .unwrap();
        s.process(&ProcessRow {
            time_s: 3,
            app: "api",
            process: "web",
            dynos: [1, 2, 5, 1, 0, 0],
            busy: 7,
            backlog: 0,
            operations: "deploy-1",
        })
        .unwrap();
        s.jobs(&JobRow {
            time_s: 3,
            app: "api",
            job: "email",
            enqueued: 4,
            done: 3,
            waiting: 1,
            running: 2,
            operations: "",
        })
        .unwrap();
        let text = String::from_utf8(s.finish().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "time_s,app,kind,name,arrivals,ok,failed,failed_H11,failed_H12,failed_H13,failed_H14,\
             failed_H20,failed_H21,failed_H27,failed_H99,failed_schema_mismatch,failed_pool_timeout,\
             failed_addon_unavailable,failed_external_refused,failed_tls_handshake,\
             failed_no_such_app,blocked,in_flight,latency_ms_p50,latency_ms_p99,dynos_up,busy,\
             backlog,dynos_provisioning,dynos_starting,dynos_stopping,dynos_crashed,jobs_enqueued,\
             jobs_done,jobs_waiting,jobs_running,operations"
        );
        assert_eq!(
            lines[1],
            "3,api,traffic,default,10,9,1,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,2,12.5,,,,,,,,,,,,,deploy-1"
        );
        assert_eq!(
            lines[2],
            "3,api,process,web,,,,,,,,,,,,,,,,,,,,,,5,7,0,1,2,1,0,,,,,deploy-1"
        );
        assert_eq!(
            lines[3],
            "3,api,jobs,email,,,,,,,,,,,,,,,,,,,,,,,,,,,,,4,3,1,2,"
        );
        let width = columns().len();
        for line in &lines {
            assert_eq!(line.split(',').count(), width, "{line}");
        }
    }
}
