//! The discrete-event engine: simulated time, the event queue and random streams.
//!
//! The engine knows nothing of dynos or routers; the model drives it.

pub mod heap;
pub mod queue;
pub mod rng;
pub mod time;

pub use queue::{Due, EventQueue};
pub use rng::{Stream, stream};
pub use time::{NANOS_PER_MILLI, NANOS_PER_SEC, SimDuration, SimTime, round_to_u64};
