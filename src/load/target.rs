//! The `--target` URL: plain `http://host[:port][/base]` only.

use std::net::SocketAddr;

use hyper::Uri;

/// Where requests go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The URL as given.
    pub url: String,
    /// `host[:port]`, sent as the `host` header.
    pub authority: String,
    /// `host` alone, to resolve.
    pub host: String,
    /// The port (80 when the URL has none).
    pub port: u16,
    /// The URL's path without a trailing `/` (empty for `http://host/`); each class's `path` is
    /// appended to it.
    pub base: String,
}

/// Why a `--target` was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Not a URL at all.
    #[error("--target {0:?} is not a URL; expected one such as http://127.0.0.1:8080/")]
    NotAUrl(String),
    /// `https://`: TLS is not supported.
    #[error(
        "--target {0:?}: https is not supported (spacesim load speaks plain HTTP/1.1); target \
         the service's http:// address, or put a TLS-terminating proxy in front"
    )]
    Https(String),
    /// Another scheme, or none.
    #[error("--target {0:?}: expected an http:// URL such as http://127.0.0.1:8080/")]
    Scheme(String),
    /// A query string: classes give their own paths and queries.
    #[error(
        "--target {0:?}: the URL must not have a query; put queries in each traffic class's \
         `path`"
    )]
    Query(String),
    /// The host name did not resolve.
    #[error("--target {url:?}: cannot resolve {host}: {message}")]
    Resolve {
        /// The URL.
        url: String,
        /// The host.
        host: String,
        /// Why.
        message: String,
    },
}

impl Target {
    /// Parses and checks `url`.
    pub fn parse(url: &str) -> Result<Target, TargetError> {
        let uri: Uri = url
            .parse()
            .map_err(|_| TargetError::NotAUrl(url.to_string()))?;
        match uri.scheme_str() {
            Some("http") => {}
            Some(s) if s.eq_ignore_ascii_case("https") => {
                return Err(TargetError::Https(url.to_string()));
            }
            _ => return Err(TargetError::Scheme(url.to_string())),
        }
        let Some(authority) = uri.authority() else {
            return Err(TargetError::NotAUrl(url.to_string()));
        };
        if authority.as_str().contains('@') || authority.host().is_empty() {
            return Err(TargetError::NotAUrl(url.to_string()));
        }
        if uri.query().is_some() {
            return Err(TargetError::Query(url.to_string()));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        Ok(Target {
            url: url.to_string(),
            authority: authority.as_str().to_string(),
            host,
            port: authority.port_u16().unwrap_or(80),
            base: uri.path().trim_end_matches('/').to_string(),
        })
    }

    /// The request target (path and query) of a class whose `path` is `path`.
    pub fn path_for(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Resolves the host once, before any request (a name that resolves to several addresses
    /// uses the first).
    pub fn resolve(&self) -> Result<SocketAddr, TargetError> {
        use std::net::ToSocketAddrs;
        let err = |message: String| TargetError::Resolve {
            url: self.url.clone(),
            host: self.host.clone(),
            message,
        };
        (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| err(e.to_string()))?
            .next()
            .ok_or_else(|| err("no address".to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_urls_parse_with_their_base_path() {
        let t = Target::parse("http://127.0.0.1:8080/api/").unwrap();
        assert_eq!(t.host, "127.0.0.1");
        assert_eq!(t.port, 8080);
        assert_eq!(t.authority, "127.0.0.1:8080");
        assert_eq!(t.path_for("/x?y=1"), "/api/x?y=1");
        let t = Target::parse("http://localhost").unwrap();
        assert_eq!((t.port, t.path_for("/")), (80, "/".to_string()));
        let t = Target::parse("http://[::1]:9/").unwrap();
        assert_eq!(t.host, "::1");
    }

    #[test]
    fn other_schemes_are_refused_with_a_reason() {
        assert!(matches!(
            Target::parse("https://example.com/"),
            Err(TargetError::Https(_))
        ));
        assert!(matches!(
            Target::parse("ftp://example.com/"),
            Err(TargetError::Scheme(_))
        ));
        assert!(matches!(
            Target::parse("127.0.0.1:80"),
            Err(TargetError::Scheme(_) | TargetError::NotAUrl(_))
        ));
        assert!(matches!(
            Target::parse("http://h/?q=1"),
            Err(TargetError::Query(_))
        ));
        assert!(Target::parse("not a url").is_err());
    }
}
