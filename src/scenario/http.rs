//! The HTTP request a traffic class sends under `spacesim load`: `method`, `path`, `headers`,
//! `body` and `keep_alive` in `[[apps.traffic]]`. The simulation ignores them (`spacesim run`
//! has no HTTP), but they are checked on every read so a typo fails the same way everywhere.
//!
//! ```toml
//! [[apps.traffic]]
//! name = "checkout"
//! arrival = { process = "poisson", rate = "5/s" }
//! service = "40ms"
//! method = "POST"                                    # default "GET"
//! path = "/checkout?src=load"                        # default "/"
//! headers = { "content-type" = "application/json" }  # default none
//! body = '{"sku": 42}'                               # default empty
//! keep_alive = true                                  # default true: reuse connections
//! ```
//!
//! Validity is judged by the `http` crate hyper itself uses, so whatever passes here is sent as
//! written.

use hyper::http::header::{HeaderName, HeaderValue};
use hyper::http::uri::PathAndQuery;

use super::error::ScenarioError;
use super::load::Checker;
use super::raw::RawTraffic;

/// Default method (`GET`).
pub const DEFAULT_METHOD: &str = "GET";
/// Default path (`/`).
pub const DEFAULT_PATH: &str = "/";

/// What one request of a traffic class looks like on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpSpec {
    /// An HTTP method token (`GET`, `POST`, ...); default [`DEFAULT_METHOD`].
    pub method: String,
    /// Path and query, starting with `/`; default [`DEFAULT_PATH`].
    pub path: String,
    /// Header names and values, sorted by name (the order a TOML table gives).
    pub headers: Vec<(String, String)>,
    /// The body; empty by default.
    pub body: String,
    /// Reuse a connection for the next request (HTTP/1.1 keep-alive); default true. False
    /// opens a connection per request and sends `connection: close`.
    pub keep_alive: bool,
}

impl Default for HttpSpec {
    fn default() -> Self {
        HttpSpec {
            method: DEFAULT_METHOD.to_string(),
            path: DEFAULT_PATH.to_string(),
            headers: Vec::new(),
            body: String::new(),
            keep_alive: true,
        }
    }
}

/// A method is an RFC 9110 token: one or more of letters, digits and ``!#$%&'*+-.^_`|~``.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Builds the class's [`HttpSpec`] from its table, checking each key.
pub(super) fn build_http(
    ctx: &Checker,
    t: &RawTraffic,
    tkey: &str,
) -> Result<HttpSpec, ScenarioError> {
    let mut spec = HttpSpec::default();
    if let Some(m) = &t.method {
        if !is_token(m.get_ref()) {
            return Err(ctx.err(
                m.span(),
                format!("{tkey}.method"),
                format!(
                    "{:?} is not an HTTP method: expected a token such as \"GET\" or \"POST\" \
                     (letters, digits and !#$%&'*+-.^_`|~, no spaces)",
                    m.get_ref()
                ),
            ));
        }
        spec.method = m.get_ref().clone();
    }
    if let Some(p) = &t.path {
        let text = p.get_ref();
        if !text.starts_with('/') || text.parse::<PathAndQuery>().is_err() {
            return Err(ctx.err(
                p.span(),
                format!("{tkey}.path"),
                format!(
                    "{text:?} is not a request path: expected one starting with '/', such as \
                     \"/\" or \"/search?q=x\", without spaces or control characters \
                     (percent-encode them)"
                ),
            ));
        }
        spec.path = text.clone();
    }
    for (name, value) in t.headers.iter().flatten() {
        let key = format!("{tkey}.headers.{}", name.get_ref());
        if HeaderName::from_bytes(name.get_ref().as_bytes()).is_err() {
            return Err(ctx.err(
                name.span(),
                key,
                format!(
                    "{:?} is not an HTTP header name: expected a token such as \
                     \"content-type\" or \"x-request-id\" (no spaces or ':')",
                    name.get_ref()
                ),
            ));
        }
        if HeaderValue::from_str(value.get_ref()).is_err() {
            return Err(ctx.err(
                value.span(),
                key,
                "a header value must be visible ASCII, spaces and tabs (no line breaks or \
                 control characters)",
            ));
        }
        spec.headers
            .push((name.get_ref().clone(), value.get_ref().clone()));
    }
    if let Some(b) = &t.body {
        spec.body = b.get_ref().clone();
    }
    if let Some(k) = t.keep_alive {
        spec.keep_alive = k;
    }
    Ok(spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_tokens() {
        assert!(is_token("GET"));
        assert!(is_token("PROPFIND"));
        assert!(!is_token(""));
        assert!(!is_token("GE T"));
        assert!(!is_token("GET/"));
    }
}
