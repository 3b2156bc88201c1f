//! The journal (`journal.jsonl`): one JSON line per finished run, appended the moment the run
//! finishes, so an interrupted sweep loses no finished run.
//!
//! The first line is a [`Header`] naming the sweep and shard; every other line is a [`Record`].
//! A line is written with one `write` call and flushed; a process killed in the middle of one
//! leaves a last line without its newline, which readers ignore and `--resume` cuts off.
//! When a sweep finishes, the journal is rewritten in run order, so the finished directory is
//! the same however the runs were scheduled.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::SweepError;
use super::plan::Shard;

/// The journal's file name.
pub const JOURNAL: &str = "journal.jsonl";

/// The journal's first line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Header {
    /// The sweep's id (see [`super::plan::Manifest`]).
    pub sweep_id: String,
    /// The slice this journal is for.
    pub shard: Option<Shard>,
}

/// One finished run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Run index in the whole sweep.
    pub run: u64,
    /// Grid point.
    pub point: u64,
    /// Replication within the point.
    pub replication: u32,
    /// The run's root seed.
    pub seed: u64,
    /// Every number and boolean of the run's summary by metric path (`latency_ms.p99`); null
    /// where nothing was measured.
    pub metrics: BTreeMap<String, Value>,
}

/// The metrics of a summary: numbers, booleans and nulls by dotted path, leaving out
/// provenance, names and lists.
pub fn metrics_of(summary: &Value) -> BTreeMap<String, Value> {
    fn walk(v: &Value, prefix: &str, out: &mut BTreeMap<String, Value>) {
        match v {
            Value::Object(map) => {
                for (k, child) in map {
                    if prefix.is_empty() && k == "provenance" {
                        continue;
                    }
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(child, &path, out);
                }
            }
            Value::Number(_) | Value::Bool(_) | Value::Null => {
                out.insert(prefix.to_string(), v.clone());
            }
            Value::String(_) | Value::Array(_) => {}
        }
    }
    let mut out = BTreeMap::new();
    walk(summary, "", &mut out);
    out
}

/// Appends records, one whole line at a time, from any thread.
pub struct Writer {
    path: PathBuf,
    file: Mutex<File>,
}

impl Writer {
    /// Starts a new journal at `path` (replacing one that is there) with `header`.
    pub fn create(path: &Path, header: &Header) -> Result<Writer, SweepError> {
        let mut file = File::create(path).map_err(|e| SweepError::io(path, e))?;
        let line = line_of(header);
        file.write_all(line.as_bytes())
            .map_err(|e| SweepError::io(path, e))?;
        Ok(Writer {
            path: path.to_path_buf(),
            file: Mutex::new(file),
        })
    }

    /// Continues the journal at `path`: checks its header against `header`, cuts off a last
    /// line a killed process left half-written, and returns the runs already finished.
    pub fn resume(path: &Path, header: &Header) -> Result<(Writer, BTreeSet<u64>), SweepError> {
        if !path.is_file() {
            return Err(SweepError::Refused(format!(
                "{}: nothing to resume (no journal here); run the sweep without --resume",
                path.display()
            )));
        }
        let mut index = Index::default();
        let (found, complete_len) = index.scan(path, 0)?;
        if found != *header {
            return Err(SweepError::Refused(format!(
                "{}: this journal is for another sweep or shard ({}), not this one ({}); \
                 use another --out or run without --resume to start over",
                path.display(),
                describe(&found),
                describe(header)
            )));
        }
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| SweepError::io(path, e))?;
        file.set_len(complete_len)
            .map_err(|e| SweepError::io(path, e))?;
        Ok((
            Writer {
                path: path.to_path_buf(),
                file: Mutex::new(file),
            },
            index.runs.keys().copied().collect(),
        ))
    }

    /// Appends `record` and flushes it to the operating system.
    pub fn append(&self, record: &Record) -> Result<(), SweepError> {
        let line = line_of(record);
        let mut file = self.file.lock().expect("journal lock");
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| SweepError::io(&self.path, e))
    }
}

fn line_of<T: Serialize>(value: &T) -> String {
    let mut line = serde_json::to_string(value).expect("journal lines serialize");
    line.push('\n');
    line
}

fn describe(h: &Header) -> String {
    let shard = h
        .shard
        .map_or_else(|| "whole".to_string(), |s| format!("shard {s}"));
    format!(
        "sweep {}…, {shard}",
        &h.sweep_id[..h.sweep_id.len().min(12)]
    )
}

/// Where each finished run's line is, over one or more journals, and every metric seen.
/// The journals stay open, so replacing one (the sorted rewrite) does not move its lines.
#[derive(Debug, Default)]
pub struct Index {
    /// The journals, in the order they were scanned.
    pub files: Vec<PathBuf>,
    handles: Vec<Option<File>>,
    /// Run → (file number, byte offset, length) of its line.
    pub runs: BTreeMap<u64, (usize, u64, usize)>,
    /// Every metric path any run has.
    pub metrics: BTreeSet<String>,
}

impl Index {
    /// Reads journal `path` and adds its runs; returns its header and the length of its
    /// complete lines. A run already indexed from another journal must have the same record.
    pub fn scan(&mut self, path: &Path, file_no: usize) -> Result<(Header, u64), SweepError> {
        let file = File::open(path).map_err(|e| SweepError::io(path, e))?;
        if file_no >= self.files.len() {
            self.files.resize(file_no + 1, PathBuf::new());
            self.handles.resize_with(file_no + 1, || None);
        }
        self.files[file_no] = path.to_path_buf();
        // A second open file, with its own offset: fetching must not move the reader below.
        self.handles[file_no] = Some(File::open(path).map_err(|e| SweepError::io(path, e))?);
        let mut reader = BufReader::new(file);
        let mut offset = 0u64;
        let mut header: Option<Header> = None;
        let mut buf = Vec::new();
        let mut line_no = 0;
        loop {
            buf.clear();
            let n = reader
                .read_until(b'\n', &mut buf)
                .map_err(|e| SweepError::io(path, e))?;
            if n == 0 || buf.last() != Some(&b'\n') {
                break; // end, or a line cut short by a killed process
            }
            line_no += 1;
            let bad = |m: String| SweepError::Journal {
                path: path.to_path_buf(),
                line: line_no,
                message: m,
            };
            if header.is_none() {
                header = Some(serde_json::from_slice(&buf).map_err(|e| bad(e.to_string()))?);
            } else {
                let record: Record =
                    serde_json::from_slice(&buf).map_err(|e| bad(e.to_string()))?;
                if let Some(&(other, off, len)) = self.runs.get(&record.run) {
                    if self.fetch((other, off, len))? != record {
                        return Err(bad(format!(
                            "run {} differs from the same run in {}; these journals do not \
                             come from one sweep",
                            record.run,
                            self.files[other].display()
                        )));
                    }
                } else {
                    self.metrics.extend(record.metrics.keys().cloned());
                    self.runs.insert(record.run, (file_no, offset, n));
                }
            }
            offset += n as u64;
        }
        let header = header.ok_or_else(|| SweepError::Journal {
            path: path.to_path_buf(),
            line: 1,
            message: "the journal is empty (no header line)".to_string(),
        })?;
        Ok((header, offset))
    }

    /// The record at `at`, as returned in [`Index::runs`].
    pub fn fetch(&self, (file_no, offset, len): (usize, u64, usize)) -> Result<Record, SweepError> {
        let path = &self.files[file_no];
        let mut file = self.handles[file_no]
            .as_ref()
            .expect("scanned files are open");
        let mut buf = vec![0; len];
        file.seek(SeekFrom::Start(offset))
            .and_then(|_| file.read_exact(&mut buf))
            .map_err(|e| SweepError::io(path, e))?;
        serde_json::from_slice(&buf).map_err(|e| SweepError::Journal {
            path: path.clone(),
            line: 0,
            message: format!("the line at byte {offset} changed while reading: {e}"),
        })
    }
}

/// Writes `value` (a [`Header`] or a [`Record`]) as one journal line, as [`Writer`] does; the
/// sorted rewrite of a finished sweep writes its lines with it.
pub fn write_line<T: Serialize>(value: &T, out: &mut impl Write) -> Result<(), SweepError> {
    out.write_all(line_of(value).as_bytes())
        .map_err(|e| SweepError::io(Path::new(JOURNAL), e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(run: u64, p99: f64) -> Record {
        Record {
            run,
            point: run / 2,
            replication: (run % 2) as u32,
            seed: 7,
            metrics: metrics_of(
                &json!({"latency_ms": {"p99": p99}, "zero_downtime": {"observed": null}}),
            ),
        }
    }

    #[test]
    fn metrics_are_numbers_booleans_and_nulls_by_path() {
        let m = metrics_of(&json!({
            "scenario": "x", "provenance": {"seed": 1},
            "requests": {"ok": 3}, "zero_downtime": {"observed": true, "disagreements": []},
            "cost": null
        }));
        let keys: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(keys, ["cost", "requests.ok", "zero_downtime.observed"]);
    }

    #[test]
    fn a_half_written_last_line_is_cut_off_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL);
        let header = Header {
            sweep_id: "abc".into(),
            shard: None,
        };
        let w = Writer::create(&path, &header).unwrap();
        w.append(&record(0, 1.0)).unwrap();
        w.append(&record(1, 2.0)).unwrap();
        drop(w);
        // A killed process left half a line.
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"run\":2,\"poi").unwrap();
        drop(f);
        let (w, done) = Writer::resume(&path, &header).unwrap();
        assert_eq!(done.into_iter().collect::<Vec<_>>(), [0, 1]);
        w.append(&record(2, 3.0)).unwrap();
        let mut index = Index::default();
        index.scan(&path, 0).unwrap();
        assert_eq!(index.runs.len(), 3);
        assert_eq!(index.fetch(index.runs[&2]).unwrap(), record(2, 3.0));
        // Another sweep's journal is refused.
        let other = Header {
            sweep_id: "def".into(),
            shard: None,
        };
        assert!(Writer::resume(&path, &other).is_err());
    }

    #[test]
    fn differing_duplicates_across_journals_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let header = Header {
            sweep_id: "abc".into(),
            shard: None,
        };
        let a = dir.path().join("a.jsonl");
        let b = dir.path().join("b.jsonl");
        Writer::create(&a, &header)
            .unwrap()
            .append(&record(0, 1.0))
            .unwrap();
        Writer::create(&b, &header)
            .unwrap()
            .append(&record(0, 9.0))
            .unwrap();
        let mut index = Index::default();
        index.scan(&a, 0).unwrap();
        let e = index.scan(&b, 1).unwrap_err().to_string();
        assert!(e.contains("run 0 differs"), "{e}");
    }
}
