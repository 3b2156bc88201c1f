//! Why a request failed: the router error codes the model emits.
//!
//! Every code here is always present in `summary.json` and `timeseries.csv` (zero when it did
//! not occur), so columns never change between runs. The README keeps the table of conditions,
//! keys and statuses; [`ErrorCode::condition`] and [`ErrorCode::source`] hold the same text.

/// A failure reason, keyed by the platform's code.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCode {
    /// H11 Backlog too deep: the router's limit on requests in flight is reached.
    H11,
    /// H12 Request timeout: no response within the router timeout (30 s by default).
    H12,
    /// H14 No web dynos running: the app has no `up` web dyno.
    H14,
    /// H21 Backend connection refused: the chosen dyno's backlog is full.
    H21,
}

impl ErrorCode {
    /// Every code, in the order columns and keys are written.
    pub const ALL: [ErrorCode; 4] = [
        ErrorCode::H11,
        ErrorCode::H12,
        ErrorCode::H14,
        ErrorCode::H21,
    ];

    /// The key used in `errors.<key>` and `failed_<key>`.
    pub fn key(self) -> &'static str {
        match self {
            ErrorCode::H11 => "H11",
            ErrorCode::H12 => "H12",
            ErrorCode::H14 => "H14",
            ErrorCode::H21 => "H21",
        }
    }

    /// The HTTP status the router returns.
    pub fn status(self) -> u16 {
        503
    }

    /// The platform's description, as its router logs write it.
    pub fn desc(self) -> &'static str {
        match self {
            ErrorCode::H11 => "Backlog too deep",
            ErrorCode::H12 => "Request timeout",
            ErrorCode::H14 => "No web processes running",
            ErrorCode::H21 => "Backend connection refused",
        }
    }

    /// When the model emits it.
    pub fn condition(self) -> &'static str {
        match self {
            ErrorCode::H11 => "requests in flight reach `simulator.max_in_flight`",
            ErrorCode::H12 => "no response within `router.timeout`",
            ErrorCode::H14 => "the app has no up web dyno",
            ErrorCode::H21 => "the chosen dyno's backlog is full",
        }
    }

    /// Where the behaviour comes from (heroku-facts.md section, or "assumption").
    pub fn source(self) -> &'static str {
        match self {
            ErrorCode::H11 => {
                "facts §1.1/§1.6 (router counter → H11); the limit itself is a simulator assumption"
            }
            ErrorCode::H12 => "facts §1.3, §1.6 (REQ-TIMEOUT, ERROR-CODES)",
            ErrorCode::H14 => {
                "facts §1.2, §1.6 (ERROR-CODES); Private Space behaviour undocumented"
            }
            ErrorCode::H21 => {
                "assumption: a full listen backlog refuses the connection (facts §1.2, §1.6 H21); \
                 the Private Space router does not retry"
            }
        }
    }
}
