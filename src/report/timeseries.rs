//! `timeseries.csv`: one tidy (long) table of per-second rows, pandas-friendly.
//!
//! Columns are fixed and documented in the README; later versions add columns, never reshape.
//! `kind` says which key a row has: `traffic` rows are per (second, app, traffic class) and fill
//! the request columns; `process` rows are per (second, app, process type) and fill the dyno
//! columns. Cells that do not apply to a row's kind are empty (NaN in pandas).

use std::io::{self, Write};

use crate::metrics::{ProcessRow, SeriesSink, TrafficRow};
use crate::model::codes::ErrorCode;

/// The header line's columns, in order.
pub fn columns() -> Vec<String> {
    let mut cols: Vec<String> = ["time_s", "app", "kind", "name", "arrivals", "ok", "failed"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    cols.extend(ErrorCode::ALL.iter().map(|c| format!("failed_{}", c.key())));
    cols.extend(
        [
            "blocked",
            "in_flight",
            "latency_ms_p50",
            "latency_ms_p99",
            "dynos_up",
            "busy",
            "backlog",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    cols
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

impl<W: Write> SeriesSink for CsvSeries<W> {
    fn traffic(&mut self, r: &TrafficRow<'_>) -> io::Result<()> {
        let mut rec = vec![
            r.time_s.to_string(),
            r.app.to_string(),
            "traffic".to_string(),
            r.class.to_string(),
            r.arrivals.to_string(),
            r.ok.to_string(),
            r.failed.iter().sum::<u64>().to_string(),
        ];
        rec.extend(r.failed.iter().map(|n| n.to_string()));
        rec.extend([
            r.blocked.to_string(),
            r.in_flight.to_string(),
            opt(r.latency_ms_p50),
            opt(r.latency_ms_p99),
            String::new(),
            String::new(),
            String::new(),
        ]);
        Ok(self.out.write_record(&rec)?)
    }

    fn process(&mut self, r: &ProcessRow<'_>) -> io::Result<()> {
        let mut rec = vec![
            r.time_s.to_string(),
            r.app.to_string(),
            "process".to_string(),
            r.process.to_string(),
        ];
        rec.extend(std::iter::repeat_n(
            String::new(),
            3 + ErrorCode::ALL.len() + 4,
        ));
        rec.extend([
            r.dynos_up.to_string(),
            r.busy.to_string(),
            r.backlog.to_string(),
        ]);
        Ok(self.out.write_record(&rec)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::series::CODES;

    #[test]
    fn rows_of_both_kinds_have_every_column() {
        let mut s = CsvSeries::new(Vec::new()).unwrap();
        s.traffic(&TrafficRow {
            time_s: 3,
            app: "api",
            class: "default",
            arrivals: 10,
            ok: 9,
            failed: [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            blocked: 0,
            in_flight: 2,
            latency_ms_p50: Some(12.5),
            latency_ms_p99: None,
        })
        .unwrap();
        s.process(&ProcessRow {
            time_s: 3,
            app: "api",
            process: "web",
            dynos_up: 5,
            busy: 7,
            backlog: 0,
        })
        .unwrap();
        let text = String::from_utf8(s.finish().unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(CODES, 11);
        assert_eq!(
            lines[0],
            "time_s,app,kind,name,arrivals,ok,failed,failed_H11,failed_H12,failed_H14,failed_H21,\
             blocked,in_flight,latency_ms_p50,latency_ms_p99,dynos_up,busy,backlog"
        );
        assert_eq!(
            lines[1],
            "3,api,traffic,default,10,9,1,0,1,0,0,0,2,12.5,,,,"
        );
        assert_eq!(lines[2], "3,api,process,web,,,,,,,,,,,,5,7,0");
    }
}
