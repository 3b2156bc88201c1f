//! Reading router lines: `heroku logs` lines and octet-counted RFC 5424 syslog-drain frames.
//!
//! Two framings are recognised, anywhere in a file and mixed:
//! - `heroku logs`: `<RFC 3339 timestamp> heroku[router]: at=info method=GET …`; text before the
//!   timestamp is not allowed, but the timestamp may have any precision and offset.
//! - syslog drain: `<LEN> <PRI>1 <TIMESTAMP> <HOSTNAME> heroku router <MSGID> [SD] at=info …`,
//!   possibly several frames on one line. The octet count is used when it lands on the end of
//!   the line or on the next frame; otherwise (a count broken by re-encoding, say) the frame ends
//!   where the next `<digits> <PRI>1 ` begins.
//!
//! A router line is one with an `at=` field and a `method=`, `status=` or `code=` field; anything
//! else (app output, dyno-manager lines, garbage, unparseable timestamps) is counted as skipped.
//! Field values may be bare or double-quoted (`path="/"` or `path=/`), and may be empty
//! (`dyno= connect=`), as on error lines.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One request as the router logged it.
#[derive(Clone, Debug, PartialEq)]
pub struct RouterLine {
    /// When the line was written (the router writes it when the request ends).
    pub at: OffsetDateTime,
    /// `at=`: `info`, `warning` or `error`.
    pub level: String,
    /// `code=` (`H12`…), when present and not empty.
    pub code: Option<String>,
    /// `desc=`, when present and not empty.
    pub desc: Option<String>,
    /// `host=`, possibly empty.
    pub host: String,
    /// `dyno=`, when present and not empty.
    pub dyno: Option<String>,
    /// `connect=` in milliseconds, when present and readable.
    pub connect_ms: Option<f64>,
    /// `service=` in milliseconds, when present and readable.
    pub service_ms: Option<f64>,
    /// `status=`, when present and readable.
    pub status: Option<u16>,
    /// The syslog HOSTNAME of a drain frame; `None` for `heroku logs` lines.
    pub syslog_host: Option<String>,
}

/// What one physical line of a file held.
#[derive(Debug, Default, PartialEq)]
pub struct LineItems {
    /// Router lines found on the line (several for multi-frame syslog lines).
    pub router: Vec<RouterLine>,
    /// Messages on the line that are not router lines (0 or more; a blank line counts 0).
    pub skipped: u64,
}

/// Parses one physical line of a log file. Never panics, whatever the input.
pub fn parse_line(line: &str) -> LineItems {
    // A byte-order mark (a log saved by a Windows editor) starts the first line: not text.
    let line = line
        .trim_end_matches(['\r', '\n'])
        .trim_start_matches('\u{feff}');
    let mut items = LineItems::default();
    if line.trim().is_empty() {
        return items;
    }
    let frames = syslog_frames(line);
    if frames.is_empty() {
        match parse_plain(line) {
            Some(r) => items.router.push(r),
            None => items.skipped += 1,
        }
        return items;
    }
    for frame in frames {
        match parse_syslog(frame) {
            Some(r) => items.router.push(r),
            None => items.skipped += 1,
        }
    }
    items
}

/// `<timestamp> heroku[router]: <fields>`.
fn parse_plain(line: &str) -> Option<RouterLine> {
    let (stamp, rest) = line.trim_start().split_once(' ')?;
    let rest = rest.trim_start().strip_prefix("heroku[router]:")?;
    let at = OffsetDateTime::parse(stamp, &Rfc3339).ok()?;
    router_fields(at, rest, None)
}

/// Whether a syslog frame header `<digits> <digits>1 ` starts at byte `i` of `s`; returns the
/// declared length, the length of the count, and where the message (`<PRI>…`) starts.
fn frame_header(s: &str, i: usize) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    if j == i || j - i > 9 {
        return None;
    }
    let len: usize = s[i..j].parse().ok()?;
    let msg = j + 1;
    if b.get(j) != Some(&b' ') || b.get(msg) != Some(&b'<') {
        return None;
    }
    let mut k = msg + 1;
    let pri_start = k;
    while k < b.len() && b[k].is_ascii_digit() {
        k += 1;
    }
    if k == pri_start || k - pri_start > 3 || b.get(k) != Some(&b'>') {
        return None;
    }
    if b.get(k + 1) != Some(&b'1') || b.get(k + 2) != Some(&b' ') {
        return None;
    }
    Some((len, msg))
}

/// Splits a line into syslog messages (`<PRI>1 …`), or returns none if it does not start with a
/// frame header.
fn syslog_frames(line: &str) -> Vec<&str> {
    let start = line.len() - line.trim_start().len();
    let mut frames = Vec::new();
    let mut i = start;
    let Some(mut header) = frame_header(line, i) else {
        return frames;
    };
    loop {
        let (len, msg) = header;
        // Trust the octet count when it ends the line or lands on the next frame.
        let counted = msg
            .checked_add(len)
            .filter(|&end| end <= line.len() && line.is_char_boundary(end))
            .filter(|&end| {
                let after = end + (line.len() - end - line[end..].trim_start().len());
                after == line.len() || frame_header(line, after).is_some()
            });
        let end = match counted {
            Some(end) => end,
            None => next_frame_start(line, msg).unwrap_or(line.len()),
        };
        frames.push(line[msg..end].trim_end());
        i = end + (line.len() - end - line[end..].trim_start().len());
        match frame_header(line, i) {
            Some(h) if i < line.len() => header = h,
            _ => break,
        }
    }
    if i < line.len() && !line[i..].trim().is_empty() {
        // Trailing text that is not a frame: keep it with its own message so it is counted.
        frames.push(&line[i..]);
    }
    frames
}

/// The next position after `from` where a frame header starts after a space.
fn next_frame_start(line: &str, from: usize) -> Option<usize> {
    let b = line.as_bytes();
    (from..b.len()).find(|&p| {
        b[p].is_ascii_digit()
            && p > 0
            && b[p - 1] == b' '
            && line.is_char_boundary(p)
            && frame_header(line, p).is_some()
    })
}

/// `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] MSG`: a router message has APP-NAME
/// `heroku` and PROCID `router`.
fn parse_syslog(msg: &str) -> Option<RouterLine> {
    let rest = msg.strip_prefix('<')?;
    let (_pri, rest) = rest.split_once(">1 ")?;
    let mut parts = rest.splitn(6, ' ');
    let stamp = parts.next()?;
    let hostname = parts.next()?;
    let app = parts.next()?;
    let procid = parts.next()?;
    let _msgid = parts.next()?;
    let mut body = parts.next().unwrap_or("").trim_start();
    if app != "heroku" || procid != "router" {
        return None;
    }
    if let Some(b) = body.strip_prefix("- ") {
        body = b;
    } else if body.starts_with('[') {
        body = body.split_once("] ").map_or("", |(_, b)| b);
    }
    let at = OffsetDateTime::parse(stamp, &Rfc3339).ok()?;
    router_fields(at, body, Some(hostname.to_string()))
}

/// The fields of a router message; `None` unless it has `at=` and one of `method=`, `status=`,
/// `code=`.
fn router_fields(
    at: OffsetDateTime,
    text: &str,
    syslog_host: Option<String>,
) -> Option<RouterLine> {
    let mut line = RouterLine {
        at,
        level: String::new(),
        code: None,
        desc: None,
        host: String::new(),
        dyno: None,
        connect_ms: None,
        service_ms: None,
        status: None,
        syslog_host,
    };
    let (mut has_level, mut has_request) = (false, false);
    for (key, value) in fields(text) {
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        match key {
            "at" => {
                has_level = true;
                line.level = value.to_string();
            }
            "method" => has_request = true,
            "code" => {
                has_request = true;
                line.code = some(value);
            }
            "desc" => line.desc = some(value),
            "host" => line.host = value.to_string(),
            "dyno" => line.dyno = some(value),
            "connect" => line.connect_ms = millis(value),
            "service" => line.service_ms = millis(value),
            "status" => {
                has_request = true;
                line.status = value.parse().ok();
            }
            _ => {}
        }
    }
    (has_level && has_request).then_some(line)
}

/// `key=value` pairs; values bare (to the next space) or double-quoted (backslash escapes kept).
fn fields(text: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        let token_end = rest.find([' ', '=']).unwrap_or(rest.len());
        if !rest[token_end..].starts_with('=') {
            // A word without `=`: skip it.
            rest = rest[token_end..].trim_start();
            continue;
        }
        let key = &rest[..token_end];
        let after = &rest[token_end + 1..];
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let close = closing_quote(quoted).unwrap_or(quoted.len());
            let next = quoted.get(close + 1..).unwrap_or("");
            (&quoted[..close], next)
        } else {
            let end = after.find(' ').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        out.push((key, value));
        rest = next.trim_start();
    }
    out
}

/// The byte index of the first unescaped `"` in `s`.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return Some(i),
            _ => escaped = false,
        }
    }
    None
}

/// `18ms`, `18`, `0.5ms` or `2s` as milliseconds; `None` when empty or unreadable.
fn millis(value: &str) -> Option<f64> {
    let (number, per) = if let Some(n) = value.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = value.strip_suffix("us") {
        (n, 1e-3)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1e3)
    } else {
        (value, 1.0)
    };
    let v: f64 = number.parse().ok()?;
    let ms = v * per;
    (v.is_finite() && v >= 0.0 && ms <= MAX_MS).then_some(ms)
}

/// Longest `connect=` or `service=` read, in ms: about 31 years. No request takes longer; a
/// bigger value is a corrupt line, and read as is it pushed the arrival times the fit derives
/// (end minus time taken) out of range (found by fuzzing: `service=0222…2ms`, 73 digits,
/// overflowed the fit's span arithmetic).
pub const MAX_MS: f64 = 1e12;

#[cfg(test)]
mod tests {
    use super::*;

    const LEGACY: &str = r#"2012-10-11T03:47:20+00:00 heroku[router]: at=info method=GET path=/ host=example-app-1234567890ab.herokuapp.com request_id=8601b555-6a83-4c12-8269-97c8e32cdb22 fwd="204.204.204.204" dyno=web.1 connect=1ms service=18ms status=200 bytes=13 tls_version=tls1.1 protocol=http"#;

    #[test]
    fn reads_a_legacy_line() {
        let items = parse_line(LEGACY);
        assert_eq!(items.skipped, 0);
        let r = &items.router[0];
        assert_eq!(r.level, "info");
        assert_eq!(r.host, "example-app-1234567890ab.herokuapp.com");
        assert_eq!(r.dyno.as_deref(), Some("web.1"));
        assert_eq!(
            (r.connect_ms, r.service_ms, r.status),
            (Some(1.0), Some(18.0), Some(200))
        );
        assert_eq!(r.syslog_host, None);
    }

    /// Regression (fuzz inputs): a log starting with a UTF-8 byte-order mark lost its first line.
    #[test]
    fn reads_a_line_after_a_byte_order_mark() {
        let items = parse_line(&format!("\u{feff}{LEGACY}\n"));
        assert_eq!((items.router.len(), items.skipped), (1, 0));
    }

    #[test]
    fn reads_router_2_and_error_lines() {
        let r2 = r#"2024-04-26T16:58:32.943253+00:00 heroku[router]: at=info method=GET path="/" host=my-app.example.com request_id=6903a168 fwd=138.68.186.89 dyno=web.1 connect=0ms service=0ms status=200 bytes=0 protocol=http2.0 tls=true tls_version=tls1.3"#;
        let r = &parse_line(r2).router[0];
        assert_eq!(r.service_ms, Some(0.0));
        assert_eq!(r.at.microsecond(), 943_253);
        let h10 = r#"2024-04-26T16:58:33Z heroku[router]: at=error code=H10 desc="App crashed" method=GET path="/" host=myapp.herokuapp.com fwd=17.17.17.17 dyno= connect= service= status=503 bytes="#;
        let r = &parse_line(h10).router[0];
        assert_eq!(r.code.as_deref(), Some("H10"));
        assert_eq!(r.desc.as_deref(), Some("App crashed"));
        assert_eq!(
            (r.dyno.clone(), r.connect_ms, r.service_ms),
            (None, None, None)
        );
        assert_eq!(r.status, Some(503));
    }

    #[test]
    fn reads_several_syslog_frames_on_one_line() {
        let msg = "<158>1 2012-10-11T03:47:20+00:00 host heroku router - at=info method=GET path=/ host=a.herokuapp.com dyno=web.2 connect=1ms service=18ms status=200 bytes=13";
        let app = "<190>1 2012-10-11T03:47:21+00:00 host app web.1 - Completed 200 OK";
        let line = format!("{} {msg}{} {app}", msg.len(), app.len());
        let items = parse_line(&line);
        assert_eq!(items.router.len(), 1);
        assert_eq!(items.skipped, 1);
        assert_eq!(items.router[0].syslog_host.as_deref(), Some("host"));
        // A wrong octet count falls back to scanning for the next frame.
        let line = format!("999 {msg} 12 {msg}");
        let items = parse_line(&line);
        assert_eq!((items.router.len(), items.skipped), (2, 0));
    }

    #[test]
    fn skips_what_is_not_a_router_line() {
        for junk in [
            "2012-10-11T03:47:20+00:00 app[web.1]: Started GET /",
            "2012-10-11T03:47:20+00:00 heroku[web.1]: State changed from starting to up",
            "garbage \u{0} \"unterminated",
            "not-a-time heroku[router]: at=info method=GET status=200",
            "12 <1>1 x",
            "2012-10-11T03:47:20+00:00 heroku[router]: hello",
        ] {
            let items = parse_line(junk);
            assert!(items.router.is_empty(), "{junk}");
            assert_eq!(items.skipped, 1, "{junk}");
        }
        assert_eq!(parse_line("   ").skipped, 0);
    }

    #[test]
    fn millis_reads_units() {
        assert_eq!(millis("18ms"), Some(18.0));
        assert_eq!(millis("18"), Some(18.0));
        assert_eq!(millis("1.5s"), Some(1500.0));
        assert_eq!(millis(""), None);
        assert_eq!(millis("-1ms"), None);
        assert_eq!(millis("1e12ms"), Some(1e12));
        assert_eq!(millis("1000000001s"), None);
        assert_eq!(millis(&format!("0{}ms", "2".repeat(72))), None);
    }
}
