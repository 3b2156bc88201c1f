//! Replaying recorded arrival times: trace files, and the CSV reading the traffic inputs share.
//!
//! A trace is streamed row by row, never loaded whole, so memory does not grow with its length.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::engine::SimDuration;
use crate::scenario::units::{parse_datetime, parse_duration};

/// A trace file of arrival times to replay.
///
/// # Format
/// UTF-8 CSV. The arrival time is the FIRST column; other columns are ignored. The first row is
/// a header if its first field is not a time and does not start with a digit, `.`, `+` or `-`
/// (so a typo in the first data row is reported, not skipped). Blank lines are skipped. Each
/// time is one of:
/// - seconds from the run's start as a plain decimal number: `12.5`;
/// - a duration from the run's start: `"12.5s"`, `"1h2m"`, `"250ms"`;
/// - an RFC 3339 date-time, `"2026-12-01T09:00:12.5Z"`, taken relative to `start` when given,
///   else to the first data row's date-time (which is then time zero).
///
/// Times must be non-decreasing; an out-of-order row is an error naming the file and line.
#[derive(Clone, Debug, PartialEq)]
pub struct TraceSpec {
    /// The file, as it should be opened (relative paths are already resolved).
    pub path: PathBuf,
    /// The scenario's start date-time, for date-time rows.
    pub start: Option<OffsetDateTime>,
}

/// Streams a whole trace file once and checks every row; returns the number of arrival rows.
/// Called when a scenario is loaded, so errors show before any run.
pub fn validate_trace(spec: &TraceSpec) -> Result<u64, String> {
    let mut reader = TraceReader::open(spec)?;
    let mut rows = 0u64;
    while reader.next_time()?.is_some() {
        rows += 1;
    }
    Ok(rows)
}

/// Rows of a CSV file read one at a time, with their line numbers, skipping blank rows.
pub(crate) struct CsvRows {
    what: &'static str,
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    record: csv::StringRecord,
}

impl std::fmt::Debug for CsvRows {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CsvRows({} {})", self.what, self.path.display())
    }
}

impl CsvRows {
    /// Opens `path`; `what` names the file in errors ("trace file").
    pub(crate) fn open(path: &Path, what: &'static str) -> Result<CsvRows, String> {
        let file =
            File::open(path).map_err(|e| format!("cannot open {what} {}: {e}", path.display()))?;
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(BufReader::new(file));
        Ok(CsvRows {
            what,
            path: path.to_path_buf(),
            reader,
            record: csv::StringRecord::new(),
        })
    }

    /// Reads the next non-blank row; returns its line number.
    pub(crate) fn next_row(&mut self) -> Result<Option<u64>, String> {
        loop {
            let more = self
                .reader
                .read_record(&mut self.record)
                .map_err(|e| format!("{} {}: {e}", self.what, self.path.display()))?;
            if !more {
                return Ok(None);
            }
            if self.record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            return Ok(Some(self.record.position().map_or(0, |p| p.line())));
        }
    }

    /// Field `i` of the current row, trimmed; empty if the row is shorter.
    pub(crate) fn field(&self, i: usize) -> &str {
        self.record.get(i).unwrap_or("").trim()
    }

    /// An error about row `line`, naming the file.
    pub(crate) fn error(&self, line: u64, message: &str) -> String {
        format!(
            "{} {}: line {line}: {message}",
            self.what,
            self.path.display()
        )
    }
}

/// Whether a first row whose first field failed to parse is a header rather than a typo.
pub(crate) fn looks_like_header(first_field: &str) -> bool {
    !first_field.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '.' | '+' | '-'))
}

/// Parses seconds as a plain decimal number (`12.5`) or a duration string (`"250ms"`), exactly.
pub(crate) fn parse_seconds_or_duration(text: &str) -> Result<SimDuration, String> {
    let plain = !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.');
    if plain {
        parse_duration(&format!("{text}s")).map_err(|_| {
            format!("cannot read \"{text}\" as seconds; expected a decimal number such as 12.5 with at most 9 decimals")
        })
    } else {
        parse_duration(text).map_err(|e| format!("{e}; or seconds as a plain number such as 12.5"))
    }
}

/// Streams arrival times from a trace file (see [`TraceSpec`] for the format).
#[derive(Debug)]
pub(crate) struct TraceReader {
    rows: CsvRows,
    clock: TraceClock,
    first_row: bool,
    data_rows: u64,
    previous: SimDuration,
}

/// Turns date-time rows into offsets from time zero.
#[derive(Debug)]
struct TraceClock {
    start: Option<OffsetDateTime>,
    /// Time zero: `start`, else the first data row's date-time.
    origin: Option<OffsetDateTime>,
}

const TRACE_HELP: &str = "expected seconds from the start such as 12.5, a duration such as \
     \"12.5s\", or an RFC 3339 date-time such as \"2026-12-01T09:00:00Z\"";

impl TraceReader {
    pub(crate) fn open(spec: &TraceSpec) -> Result<TraceReader, String> {
        Ok(TraceReader {
            rows: CsvRows::open(&spec.path, "trace file")?,
            clock: TraceClock {
                start: spec.start,
                origin: spec.start,
            },
            first_row: true,
            data_rows: 0,
            previous: SimDuration::ZERO,
        })
    }

    /// The next arrival time (offset from the run's start), or `None` at the end of the file.
    pub(crate) fn next_time(&mut self) -> Result<Option<SimDuration>, String> {
        while let Some(line) = self.rows.next_row()? {
            let first_row = std::mem::replace(&mut self.first_row, false);
            let text = self.rows.field(0);
            let parsed = if text.contains('-') && text.contains(':') {
                self.clock.offset(text, self.data_rows == 0)
            } else {
                parse_seconds_or_duration(text)
                    .map_err(|_| format!("cannot read \"{text}\" as an arrival time; {TRACE_HELP}"))
            };
            let t = match parsed {
                Ok(t) => t,
                Err(_) if first_row && looks_like_header(text) => continue,
                Err(e) => return Err(self.rows.error(line, &e)),
            };
            if t < self.previous {
                return Err(self.rows.error(
                    line,
                    &format!(
                        "time \"{t}\" is before the previous row's \"{}\"; arrival times must be \
                         non-decreasing (sort the file by time)",
                        self.previous
                    ),
                ));
            }
            self.previous = t;
            self.data_rows += 1;
            return Ok(Some(t));
        }
        Ok(None)
    }
}

impl TraceClock {
    /// The offset of date-time `text`; the first data row (`first_data_row`) sets time zero
    /// when the scenario has no `start`.
    fn offset(&mut self, text: &str, first_data_row: bool) -> Result<SimDuration, String> {
        let at = parse_datetime(text)?;
        let origin = match self.origin {
            Some(origin) => origin,
            None if first_data_row => *self.origin.insert(at),
            None => {
                return Err(format!(
                    "\"{text}\" is a date-time, but the scenario has no `start` and the first \
                     row is not a date-time; give `start`, or write offsets such as 12.5"
                ));
            }
        };
        let ns = (at - origin).whole_nanoseconds();
        if ns < 0 {
            let what = if self.start.is_some() {
                "the scenario's `start`"
            } else {
                "the first row"
            };
            return Err(format!("\"{text}\" is before {what} ({origin})"));
        }
        Ok(SimDuration(u64::try_from(ns).unwrap_or(u64::MAX)))
    }
}
