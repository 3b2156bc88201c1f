//! Sending one request and classifying what came back, over hyper's HTTP/1.1 client
//! connections with a small pool of idle keep-alive connections.
//!
//! The pool is deliberately simple: a connection whose response was read to the end goes back
//! to the pool (when its class keeps connections alive); a request takes any idle connection
//! that is still open and ready, else opens a new one. There is no limit on connections other
//! than the generator's cap on outstanding requests.

use std::error::Error as _;
use std::io;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{CONNECTION, HOST, HeaderName, HeaderValue};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::target::Target;
use crate::scenario::http::HttpSpec;

/// What became of one scheduled request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A complete response with this status.
    Status(u16),
    /// No complete response within the timeout.
    Timeout,
    /// The connection was refused.
    Refused,
    /// The connection was reset or closed before a complete response.
    Reset,
    /// Another I/O or protocol error.
    Io,
    /// Never sent: the generator's cap on outstanding requests was reached.
    Dropped,
}

impl Outcome {
    /// Whether the request counts as successful: a response with a status below 400.
    pub fn is_ok(self) -> bool {
        matches!(self, Outcome::Status(s) if s < 400)
    }
}

/// One class's request, prepared once.
struct Prepared {
    method: Method,
    path: String,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    keep_alive: bool,
}

/// Sends requests to one target.
pub struct Client {
    addr: SocketAddr,
    host: HeaderValue,
    classes: Vec<Prepared>,
    timeout: Duration,
    idle: Mutex<Vec<SendRequest<Full<Bytes>>>>,
}

/// A class's request that cannot be sent (the scenario checks make this unreachable, but a
/// spec built in code may not have been checked).
#[derive(Debug, thiserror::Error)]
#[error("traffic class {class}: {message}")]
pub struct PrepareError {
    /// Class name.
    pub class: String,
    /// What is wrong.
    pub message: String,
}

impl Client {
    /// A client for `target`, connecting to `addr`, sending `classes[i]` for class `i`, giving
    /// each request `timeout` from its send to its last body byte.
    pub fn new(
        target: &Target,
        addr: SocketAddr,
        classes: &[(String, HttpSpec)],
        timeout: Duration,
    ) -> Result<Client, PrepareError> {
        let prepared = classes
            .iter()
            .map(|(name, spec)| {
                let err = |message: String| PrepareError {
                    class: name.clone(),
                    message,
                };
                let method = Method::from_bytes(spec.method.as_bytes())
                    .map_err(|e| err(format!("method {:?}: {e}", spec.method)))?;
                let headers = spec
                    .headers
                    .iter()
                    .map(|(n, v)| {
                        let name = HeaderName::from_bytes(n.as_bytes())
                            .map_err(|e| err(format!("header {n:?}: {e}")))?;
                        let value = HeaderValue::from_str(v)
                            .map_err(|e| err(format!("header {n:?}: {e}")))?;
                        Ok((name, value))
                    })
                    .collect::<Result<_, PrepareError>>()?;
                Ok(Prepared {
                    method,
                    path: target.path_for(&spec.path),
                    headers,
                    body: Bytes::from(spec.body.clone()),
                    keep_alive: spec.keep_alive,
                })
            })
            .collect::<Result<_, PrepareError>>()?;
        let host = HeaderValue::from_str(&target.authority).map_err(|e| PrepareError {
            class: String::new(),
            message: format!("host {:?}: {e}", target.authority),
        })?;
        Ok(Client {
            addr,
            host,
            classes: prepared,
            timeout,
            idle: Mutex::new(Vec::new()),
        })
    }

    /// Sends one request of class `class` and waits (at most the timeout) for the whole
    /// response.
    pub async fn send(&self, class: usize) -> Outcome {
        match tokio::time::timeout(self.timeout, self.exchange(class)).await {
            Err(_) => Outcome::Timeout,
            Ok(Ok(status)) => Outcome::Status(status),
            Ok(Err(e)) => classify(&e),
        }
    }

    async fn exchange(&self, class: usize) -> Result<u16, Failure> {
        let p = &self.classes[class];
        let pooled = if p.keep_alive { self.take_idle() } else { None };
        let mut sender = match pooled {
            Some(s) => s,
            None => self.connect().await?,
        };
        let mut builder = Request::builder()
            .method(p.method.clone())
            .uri(p.path.as_str())
            .header(HOST, self.host.clone());
        for (n, v) in &p.headers {
            builder = builder.header(n, v);
        }
        if !p.keep_alive {
            builder = builder.header(CONNECTION, "close");
        }
        let request = builder
            .body(Full::new(p.body.clone()))
            .map_err(|_| Failure::Build)?;
        sender.ready().await?;
        let response = sender.send_request(request).await?;
        let status = response.status().as_u16();
        // The latency includes the whole body, as a client sees it.
        response.into_body().collect().await?;
        if p.keep_alive && !sender.is_closed() {
            self.idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(sender);
        }
        Ok(status)
    }

    /// An idle connection that is still open and ready for a request.
    fn take_idle(&self) -> Option<SendRequest<Full<Bytes>>> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        while let Some(s) = idle.pop() {
            if s.is_ready() {
                return Some(s);
            }
        }
        None
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, Failure> {
        let stream = TcpStream::connect(self.addr).await?;
        // Requests are small; waiting to fill a segment would only add latency.
        let _ = stream.set_nodelay(true);
        let (sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
        // The connection's driver ends when the connection closes or the sender is dropped.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(sender)
    }
}

/// Why an exchange failed.
#[derive(Debug)]
enum Failure {
    Io(io::Error),
    Hyper(hyper::Error),
    /// The request could not be built.
    Build,
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<hyper::Error> for Failure {
    fn from(e: hyper::Error) -> Self {
        Failure::Hyper(e)
    }
}

/// Sorts a failure into refused, reset or other I/O by the first I/O error in its chain.
fn classify(e: &Failure) -> Outcome {
    let io_kind = |k: io::ErrorKind| match k {
        io::ErrorKind::ConnectionRefused => Outcome::Refused,
        io::ErrorKind::ConnectionReset
        | io::ErrorKind::ConnectionAborted
        | io::ErrorKind::BrokenPipe
        | io::ErrorKind::UnexpectedEof => Outcome::Reset,
        io::ErrorKind::TimedOut => Outcome::Timeout,
        _ => Outcome::Io,
    };
    match e {
        Failure::Io(e) => io_kind(e.kind()),
        Failure::Hyper(h) => {
            let mut source = h.source();
            while let Some(s) = source {
                if let Some(io) = s.downcast_ref::<io::Error>() {
                    return io_kind(io.kind());
                }
                source = s.source();
            }
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                Outcome::Reset
            } else {
                Outcome::Io
            }
        }
        Failure::Build => Outcome::Io,
    }
}
