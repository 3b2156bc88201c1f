//! `--router-log FILE`: the run as the platform's logs would show it — one router line per
//! request that got an answer, and the dyno manager's lines for each dyno state change, in
//! simulated-time order (facts §1.7).
//!
//! # Format
//! Plain `heroku logs` lines (the legacy router's field order, facts §1.7):
//! ```text
//! 2026-12-01T14:00:00.123456+00:00 heroku[router]: at=info method=GET path=/ host=api.herokuapp.com request_id=0c9f…-… fwd="203.0.113.7" dyno=web.3 connect=0ms service=18ms status=200 bytes=1234 protocol=https
//! 2026-12-01T14:00:30.123456+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path=/ host=api.herokuapp.com request_id=… fwd="203.0.113.9" dyno=web.1 connect=0ms service=30000ms status=503 bytes=0 protocol=https
//! 2026-12-01T14:00:31.000000+00:00 heroku[router]: at=error code=H14 desc="No web processes running" method=GET path=/ host=api.herokuapp.com request_id=… fwd="203.0.113.4" dyno= connect= service= status=503 bytes= protocol=https
//! 2026-12-01T14:00:32.000000+00:00 heroku[router]: sock=client at=warning code=H27 desc="Client Request Interrupted" method=GET … status=499 bytes=0 protocol=https
//! 2026-12-01T14:01:02.000000+00:00 heroku[web.1]: State changed from starting to up
//! ```
//!
//! # Choices (assumptions, documented in the README)
//! - **Timestamps**: the scenario's `start` plus simulated time, in UTC with microseconds; with
//!   no `start`, [`DEFAULT_START`] (2026-01-01T00:00:00Z).
//! - **Which requests**: every request whose client got an answer, warm-up included (a real log
//!   has no warm-up). Left out: requests blocked by the trusted IP ranges and failed TLS
//!   handshakes (neither reaches the router's HTTP layer), and requests still in flight when
//!   the run ends. A client's retry is a new request with its own line.
//! - **`connect`/`service`**: the model has no connection set-up time, so `connect=0ms`
//!   whenever a dyno was reached, and `service` is the whole time from the router receiving the
//!   request to the answer — the dyno's backlog wait (and a Common Runtime hold) included, as
//!   on the platform. Both are rounded to the nearest millisecond. An H12 therefore shows
//!   `service=30000ms` (the router timeout). With no dyno reached (H11, H14, H20, H21, H99,
//!   `no_such_app`) `dyno=`, `connect=`, `service=` and `bytes=` are empty.
//! - **Application failures** (`schema_mismatch`, `pool_timeout`, `addon_unavailable`,
//!   `external_refused`) are the app's own answers: `at=info … status=500 bytes=0`;
//!   `no_such_app` is `at=info … status=404`.
//! - **Request ids** are UUID-shaped (version 4 layout) hashes of the seed and the line's
//!   sequence number; **`fwd`** is the client address when the model drew one (trusted IP
//!   ranges that admit some clients and not others), else an address in the documentation
//!   range 203.0.113.0/24 picked by the same hash; **`bytes`** of a 200 is 512–8191, from the
//!   hash; `method` is always `GET`; `path` is `/` for an app with one traffic class, else
//!   `/<class>`; `host` is `<app>.herokuapp.com`; `protocol` is `https` or `http` as the class
//!   sends.
//! - **Dyno lines** are those of the lifecycle the model runs (`heroku[web.1]: …`):
//!   `State changed from created|down|up to provisioning` (a new dedicated instance),
//!   `State changed from provisioning|crashed|up|down to starting`, `State changed from
//!   starting to up`, `Stopping all processes with SIGTERM`, `Process exited with status 143`
//!   (drained) / `137` (killed) / `1` (crash operation), `Error R12 (Exit timeout)`, `Stopping
//!   process with SIGKILL`, `Error R10 (Boot timeout)`, `State changed from … to crashed`,
//!   `Cycling`, `State changed from … to down` (a dyno that leaves for good). Dynos up at time
//!   zero log nothing until they change. One-off dynos are not logged. Like `heroku logs`, a
//!   dyno line does not name its app: in a scenario with several apps, tell apps apart by the
//!   router lines' `host`.

use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use time::OffsetDateTime;

use crate::engine::SimTime;
use crate::model::codes::ErrorCode;
use crate::model::dyno::DynoState;
use crate::model::observe::{DynoChange, DynoRef, Observer, RequestEnd};
use crate::scenario::Scenario;

/// The log's clock at simulated time zero when the scenario has no `start`.
pub const DEFAULT_START: OffsetDateTime = time::macros::datetime!(2026-01-01 00:00:00 UTC);

/// What one label (`web.1` of an app) last showed in the log, and which dyno owns it now.
#[derive(Copy, Clone)]
struct Label {
    owner: u32,
    shown: &'static str,
}

/// Writes the router log of a run to `out` as it happens.
///
/// Write errors are kept (the first one) and writing stops; [`RouterLog::finish`] returns it.
pub struct RouterLog<'s, W: Write> {
    scenario: &'s Scenario,
    out: W,
    error: Option<io::Error>,
    start_unix_s: i64,
    start_nanos: u64,
    /// The whole second (since the Unix epoch) whose `YYYY-MM-DDTHH:MM:SS` is cached.
    cached_second: Option<i64>,
    cached_prefix: String,
    line: Vec<u8>,
    seq: u64,
    seed: u64,
    /// Per app: host, and per traffic class: path and protocol.
    hosts: Vec<String>,
    paths: Vec<Vec<(String, &'static str)>>,
    labels: HashMap<(u32, u32, u32), Label>,
    /// Dynos SIGKILLed (R10 or R12) whose exit is not logged yet.
    killed: HashSet<u32>,
    router_lines: u64,
    dyno_lines: u64,
}

impl<'s, W: Write> RouterLog<'s, W> {
    /// A log of `scenario`'s run written to `out`.
    pub fn new(scenario: &'s Scenario, out: W) -> Self {
        let start = scenario
            .start
            .unwrap_or(DEFAULT_START)
            .to_offset(time::UtcOffset::UTC);
        let hosts = scenario
            .apps
            .iter()
            .map(|a| format!("{}.herokuapp.com", a.name))
            .collect();
        let paths = scenario
            .apps
            .iter()
            .map(|a| {
                a.traffic
                    .iter()
                    .map(|t| {
                        let path = if a.traffic.len() == 1 {
                            "/".to_string()
                        } else {
                            format!("/{}", t.name)
                        };
                        let protocol = if t.network.https { "https" } else { "http" };
                        (path, protocol)
                    })
                    .collect()
            })
            .collect();
        RouterLog {
            scenario,
            out,
            error: None,
            start_unix_s: start.unix_timestamp(),
            start_nanos: u64::from(start.nanosecond()),
            cached_second: None,
            cached_prefix: String::new(),
            line: Vec::with_capacity(512),
            seq: 0,
            seed: scenario.seed,
            hosts,
            paths,
            labels: HashMap::new(),
            killed: HashSet::new(),
            router_lines: 0,
            dyno_lines: 0,
        }
    }

    /// Router lines written so far.
    pub fn router_lines(&self) -> u64 {
        self.router_lines
    }

    /// Dyno-manager lines written so far.
    pub fn dyno_lines(&self) -> u64 {
        self.dyno_lines
    }

    /// Returns the writer, or the first write error.
    pub fn finish(mut self) -> io::Result<W> {
        if let Some(e) = self.error.take() {
            return Err(e);
        }
        self.out.flush()?;
        Ok(self.out)
    }

    /// Starts `line` with the timestamp of simulated time `at` and a space.
    fn begin(&mut self, at: SimTime) {
        self.line.clear();
        let nanos = self.start_nanos + at.as_nanos();
        let second = self.start_unix_s + (nanos / 1_000_000_000) as i64;
        let micros = (nanos % 1_000_000_000) / 1_000;
        if self.cached_second != Some(second) {
            let t = OffsetDateTime::from_unix_timestamp(second).unwrap_or(DEFAULT_START);
            self.cached_prefix = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            );
            self.cached_second = Some(second);
        }
        self.line.extend_from_slice(self.cached_prefix.as_bytes());
        let _ = write!(self.line, ".{micros:06}+00:00 ");
    }

    /// Ends the line and writes it, unless an earlier write failed.
    fn end(&mut self) {
        self.line.push(b'\n');
        if self.error.is_none()
            && let Err(e) = self.out.write_all(&self.line)
        {
            self.error = Some(e);
        }
    }

    fn dyno_line(&mut self, at: SimTime, dyno: DynoRef, message: std::fmt::Arguments<'_>) {
        self.begin(at);
        let kind = &self.scenario.apps[dyno.app as usize].processes[dyno.process as usize].kind;
        let _ = write!(self.line, "heroku[{kind}.{}]: ", dyno.number);
        let _ = self.line.write_fmt(message);
        self.end();
        self.dyno_lines += 1;
    }

    /// Logs `State changed from <shown> to <to>` if `dyno` owns its label (or takes the label
    /// when `take`), and records what the label shows now.
    fn state_line(
        &mut self,
        at: SimTime,
        dyno: DynoRef,
        from: &'static str,
        to: DynoState,
        take: bool,
    ) {
        let key = (dyno.app, dyno.process, dyno.number);
        let shown = match self.labels.get(&key) {
            Some(l) if l.owner == dyno.id => Some(l.shown),
            // A replacement with the same name continues its predecessor's line of states.
            Some(l) if take => Some(l.shown),
            Some(_) => None,
            None => Some(from),
        };
        let Some(shown) = shown else {
            return;
        };
        self.labels.insert(
            key,
            Label {
                owner: dyno.id,
                shown: to.name(),
            },
        );
        self.dyno_line(
            at,
            dyno,
            format_args!("State changed from {shown} to {}", to.name()),
        );
    }
}

/// SplitMix64: a fast, well-mixed 64-bit hash step (Steele, Lea & Flood 2014).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn ms(nanos: u64) -> u64 {
    (nanos + 500_000) / 1_000_000
}

impl<W: Write> Observer for RouterLog<'_, W> {
    fn request_ended(&mut self, end: &RequestEnd) {
        // Neither reaches the router's HTTP layer (blocked requests are not reported at all).
        if end.outcome == Err(ErrorCode::TlsHandshake) {
            return;
        }
        self.seq += 1;
        let hi = mix(self.seed ^ mix(self.seq));
        let lo = mix(hi ^ 0x5bd1_e995_5bd1_e995);
        self.begin(end.ended);
        let line = &mut self.line;
        let _ = line.write_all(b"heroku[router]: ");
        let status = match end.outcome {
            Ok(()) => {
                let _ = line.write_all(b"at=info ");
                200
            }
            Err(code) => {
                let status = code.status().unwrap_or(503);
                if code == ErrorCode::H27 {
                    let _ = write!(
                        line,
                        "sock=client at=warning code=H27 desc=\"{}\" ",
                        code.desc()
                    );
                } else if code.is_router_code() {
                    let _ = write!(
                        line,
                        "at=error code={} desc=\"{}\" ",
                        code.key(),
                        code.desc()
                    );
                } else {
                    let _ = line.write_all(b"at=info ");
                }
                status
            }
        };
        let (path, protocol) = &self.paths[end.app as usize][end.class_in_app as usize];
        let _ = write!(
            line,
            "method=GET path={path} host={} request_id={:08x}-{:04x}-4{:03x}-{:04x}-{:012x} fwd=\"",
            self.hosts[end.app as usize],
            hi >> 32,
            (hi >> 16) & 0xffff,
            hi & 0x0fff,
            0x8000 | ((lo >> 48) & 0x3fff),
            lo & 0xffff_ffff_ffff,
        );
        let _ = match end.client {
            Some(addr) => write!(line, "{addr}"),
            None => write!(line, "203.0.113.{}", 1 + (lo >> 8) % 254),
        };
        match end.dyno {
            Some(d) => {
                let kind = &self.scenario.apps[d.app as usize].processes[d.process as usize].kind;
                let bytes = if status == 200 {
                    512 + (hi >> 20) % 7680
                } else {
                    0
                };
                let _ = write!(
                    line,
                    "\" dyno={kind}.{} connect=0ms service={}ms status={status} bytes={bytes} protocol={protocol}",
                    d.number,
                    ms(end.ended.since(end.arrival).as_nanos()),
                );
            }
            None => {
                let _ = write!(
                    line,
                    "\" dyno= connect= service= status={status} bytes= protocol={protocol}"
                );
            }
        }
        self.end();
        self.router_lines += 1;
    }

    fn dyno_changed(&mut self, at: SimTime, dyno: DynoRef, change: DynoChange) {
        let platform = &self.scenario.platform;
        match change {
            DynoChange::Provisioning => {
                self.state_line(at, dyno, "created", DynoState::Provisioning, true)
            }
            DynoChange::Starting { from } => {
                self.state_line(at, dyno, from.name(), DynoState::Starting, true)
            }
            DynoChange::Up { from } => {
                if from == DynoState::Starting {
                    self.state_line(at, dyno, from.name(), DynoState::Up, false);
                } else {
                    // Up at time zero: the log starts with it up, silently.
                    let key = (dyno.app, dyno.process, dyno.number);
                    self.labels.insert(
                        key,
                        Label {
                            owner: dyno.id,
                            shown: DynoState::Up.name(),
                        },
                    );
                }
            }
            DynoChange::Sigterm => self.dyno_line(
                at,
                dyno,
                format_args!("Stopping all processes with SIGTERM"),
            ),
            DynoChange::ExitTimeout => {
                let grace = platform.shutdown_grace.as_secs_f64();
                self.dyno_line(
                    at,
                    dyno,
                    format_args!(
                        "Error R12 (Exit timeout) -> Process failed to exit within {grace} seconds of SIGTERM"
                    ),
                );
                self.dyno_line(at, dyno, format_args!("Stopping process with SIGKILL"));
                self.killed.insert(dyno.id);
            }
            DynoChange::BootTimeout => {
                let limit = platform.boot_timeout.as_secs_f64();
                self.dyno_line(
                    at,
                    dyno,
                    format_args!(
                        "Error R10 (Boot timeout) -> Web process failed to bind to $PORT within {limit} seconds of launch"
                    ),
                );
                self.dyno_line(at, dyno, format_args!("Stopping process with SIGKILL"));
                self.killed.insert(dyno.id);
            }
            DynoChange::Crashed { from } => {
                if from != DynoState::Provisioning {
                    let status = if self.killed.remove(&dyno.id) { 137 } else { 1 };
                    self.dyno_line(
                        at,
                        dyno,
                        format_args!("Process exited with status {status}"),
                    );
                }
                self.state_line(at, dyno, from.name(), DynoState::Crashed, false);
            }
            DynoChange::Cycling => self.dyno_line(at, dyno, format_args!("Cycling")),
            DynoChange::Down { from } => {
                if matches!(
                    from,
                    DynoState::Starting | DynoState::Up | DynoState::Stopping
                ) {
                    let status = if self.killed.remove(&dyno.id) {
                        137
                    } else {
                        143
                    };
                    self.dyno_line(
                        at,
                        dyno,
                        format_args!("Process exited with status {status}"),
                    );
                }
                // A stopping dyno still shows `up`: the platform logs no `stopping` state.
                let from = if from == DynoState::Stopping {
                    DynoState::Up
                } else {
                    from
                };
                self.state_line(at, dyno, from.name(), DynoState::Down, false);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_to_milliseconds() {
        assert_eq!(ms(0), 0);
        assert_eq!(ms(499_999), 0);
        assert_eq!(ms(500_000), 1);
        assert_eq!(ms(30_000_000_000), 30_000);
    }
}
