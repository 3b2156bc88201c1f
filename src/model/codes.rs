//! Why a request failed: the router error codes and application failures the model emits.
//!
//! Every code here is always present in `summary.json` and `timeseries.csv` (zero when it did
//! not occur), so columns never change between runs. The README keeps the table of conditions,
//! keys and statuses; [`ErrorCode::condition`] and [`ErrorCode::source`] hold the same text.

/// A failure reason, keyed by the platform's code (or a name, for application failures).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCode {
    /// H11 Backlog too deep: the router's limit on requests in flight is reached.
    H11,
    /// H12 Request timeout: no response within the router timeout (30 s by default).
    H12,
    /// H13 Connection closed without response: the dyno was killed (SIGKILL, crash) mid-request.
    H13,
    /// H14 No web dynos running: the app has no `up` web dyno.
    H14,
    /// H20 App boot timeout: held 75 s by the Common Runtime router, no web dyno came up.
    H20,
    /// H21 Backend connection refused: the chosen dyno's backlog is full (after retries on the
    /// Common Runtime).
    H21,
    /// H27 Client Request Interrupted: the client gave up (client timeout), status 499.
    H27,
    /// H99 Platform error: every up dyno stayed quarantined through the router's 75 s hold.
    H99,
    /// Application 500: the request touched the database on the old release during an
    /// incompatible schema rollout.
    SchemaMismatch,
    /// Application 500: no database connection became free within the pool timeout.
    PoolTimeout,
    /// Application 500: the add-on was unavailable (failover, maintenance).
    AddonUnavailable,
    /// Application 500: an external service refused a call from the space's outbound IP.
    ExternalRefused,
    /// The TLS handshake failed (no SNI in a Private Space, or HTTPS on the default domain of
    /// an app with custom-domain SSL): no HTTP response at all.
    TlsHandshake,
    /// Router 404: the app does not exist (never created, or destroyed).
    NoSuchApp,
}

impl ErrorCode {
    /// Every code, in the order columns and keys are written.
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::H11,
        ErrorCode::H12,
        ErrorCode::H13,
        ErrorCode::H14,
        ErrorCode::H20,
        ErrorCode::H21,
        ErrorCode::H27,
        ErrorCode::H99,
        ErrorCode::SchemaMismatch,
        ErrorCode::PoolTimeout,
        ErrorCode::AddonUnavailable,
        ErrorCode::ExternalRefused,
        ErrorCode::TlsHandshake,
        ErrorCode::NoSuchApp,
    ];

    /// Position in [`ErrorCode::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The key used in `errors.<key>` and `failed_<key>`.
    pub fn key(self) -> &'static str {
        match self {
            ErrorCode::H11 => "H11",
            ErrorCode::H12 => "H12",
            ErrorCode::H13 => "H13",
            ErrorCode::H14 => "H14",
            ErrorCode::H20 => "H20",
            ErrorCode::H21 => "H21",
            ErrorCode::H27 => "H27",
            ErrorCode::H99 => "H99",
            ErrorCode::SchemaMismatch => "schema_mismatch",
            ErrorCode::PoolTimeout => "pool_timeout",
            ErrorCode::AddonUnavailable => "addon_unavailable",
            ErrorCode::ExternalRefused => "external_refused",
            ErrorCode::TlsHandshake => "tls_handshake",
            ErrorCode::NoSuchApp => "no_such_app",
        }
    }

    /// The HTTP status the client sees; None when the connection fails before any HTTP
    /// response (a failed TLS handshake).
    pub fn status(self) -> Option<u16> {
        match self {
            ErrorCode::H27 => Some(499),
            ErrorCode::SchemaMismatch
            | ErrorCode::PoolTimeout
            | ErrorCode::AddonUnavailable
            | ErrorCode::ExternalRefused => Some(500),
            ErrorCode::NoSuchApp => Some(404),
            ErrorCode::TlsHandshake => None,
            _ => Some(503),
        }
    }

    /// False for failures no timeline operation causes or cures, which come from how clients
    /// and external services are set up (`tls_handshake`, `external_refused`): they are not
    /// charged to the operations active when they happen, so a deploy's window and its
    /// zero-downtime verdict measure the deploy.
    pub fn charged_to_operations(self) -> bool {
        !matches!(self, ErrorCode::TlsHandshake | ErrorCode::ExternalRefused)
    }

    /// True for the platform router's H codes, false for application failures.
    pub fn is_router_code(self) -> bool {
        self.key().starts_with('H')
    }

    /// The platform's description, as its router logs write it.
    pub fn desc(self) -> &'static str {
        match self {
            ErrorCode::H11 => "Backlog too deep",
            ErrorCode::H12 => "Request timeout",
            ErrorCode::H13 => "Connection closed without response",
            ErrorCode::H14 => "No web processes running",
            ErrorCode::H20 => "App boot timeout",
            ErrorCode::H21 => "Backend connection refused",
            ErrorCode::H27 => "Client Request Interrupted",
            ErrorCode::H99 => "Platform error",
            ErrorCode::SchemaMismatch => "Application error: schema mismatch",
            ErrorCode::PoolTimeout => "Application error: connection pool timeout",
            ErrorCode::AddonUnavailable => "Application error: add-on unavailable",
            ErrorCode::ExternalRefused => "Application error: external service refused the call",
            ErrorCode::TlsHandshake => "TLS handshake failed",
            ErrorCode::NoSuchApp => "No such app",
        }
    }

    /// When the model emits it.
    pub fn condition(self) -> &'static str {
        match self {
            ErrorCode::H11 => {
                "requests in flight reach `simulator.max_in_flight`, or (Common Runtime) 200 per up web dyno"
            }
            ErrorCode::H12 => "no response within `router.timeout`",
            ErrorCode::H13 => {
                "the dyno is killed (SIGKILL after the shutdown grace, or a crash) while holding the request"
            }
            ErrorCode::H14 => {
                "the app has no routable web dyno (Private Space: also while it boots)"
            }
            ErrorCode::H20 => {
                "Common Runtime: held for `platform.hold_timeout` while the app boots"
            }
            ErrorCode::H21 => {
                "the chosen dyno's backlog is full (Common Runtime: on every dyno tried)"
            }
            ErrorCode::H27 => "the client's own timeout passes first",
            ErrorCode::H99 => "Common Runtime: every up dyno quarantined through the hold",
            ErrorCode::SchemaMismatch => {
                "the request uses the database on an old-release dyno during an incompatible schema rollout"
            }
            ErrorCode::PoolTimeout => {
                "no add-on connection free within the add-on's `pool_timeout`"
            }
            ErrorCode::AddonUnavailable => "the add-on is in failover or maintenance",
            ErrorCode::ExternalRefused => {
                "an external service the request calls does not allow the outbound IP the call leaves from"
            }
            ErrorCode::TlsHandshake => {
                "Private Space: an HTTPS request without SNI, or to the default app domain of an app with custom-domain SSL"
            }
            ErrorCode::NoSuchApp => {
                "the request's app does not exist: a `create_app` has not created it, or a `destroy_app` destroyed it"
            }
        }
    }

    /// Where the behaviour comes from (heroku-facts.md section, or "assumption").
    pub fn source(self) -> &'static str {
        match self {
            ErrorCode::H11 => {
                "facts §1.1/§1.6 (router counter → H11); the simulator's limit is an assumption"
            }
            ErrorCode::H12 => "facts §1.3, §1.6 (REQ-TIMEOUT, ERROR-CODES)",
            ErrorCode::H13 => "facts §1.6 (ERROR-CODES), §2 (SHUTDOWN: SIGKILL after 30 s)",
            ErrorCode::H14 => {
                "facts §1.2, §1.6; Private Space behaviour undocumented (assumption: 503 at once)"
            }
            ErrorCode::H20 => "facts §1.2, §1.6 (ERROR-CODES H20)",
            ErrorCode::H21 => {
                "assumption: a full listen backlog refuses the connection (facts §1.2, §1.6 H21)"
            }
            ErrorCode::H27 => "facts §1.6 (ERROR-CODES H27, 499)",
            ErrorCode::H99 => "facts §1.2 (HTTP-ROUTING 2025: all quarantined → H99 after 75 s)",
            ErrorCode::SchemaMismatch => "facts §3.2 (ROLLING: schema must suit old and new code)",
            ErrorCode::PoolTimeout => {
                "facts §6 (plan connection limits); the wait is an assumption"
            }
            ErrorCode::AddonUnavailable => "facts §6.1 (HA failover ~2 min of checks)",
            ErrorCode::ExternalRefused => {
                "private-spaces.txt, \"Stable outbound IP addresses\"; the status is an assumption"
            }
            ErrorCode::TlsHandshake => {
                "private-spaces.txt, \"Adding custom domains and SSL\" (SNI required; no HTTPS on the default domain with custom-domain SSL)"
            }
            ErrorCode::NoSuchApp => {
                "assumption: the router answers 404 for an app that does not exist"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_matches_position_in_all() {
        for (i, c) in ErrorCode::ALL.iter().enumerate() {
            assert_eq!(c.index(), i);
        }
    }
}
