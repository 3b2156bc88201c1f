//! The open-loop schedule: when each request is due, drawn by the very generators and named
//! random streams a simulation of the same scenario and seed uses
//! (`traffic/<app>/<class>/arrival`), so `spacesim load` sends the arrivals `spacesim run`
//! simulates.

use crate::engine::{SimDuration, stream};
use crate::model::arrival::ArrivalGen;
use crate::scenario::AppSpec;

/// One scheduled request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Due {
    /// When it is due, ns from the start.
    pub at_ns: u64,
    /// Index of its traffic class in the app.
    pub class: usize,
}

/// Why no schedule could be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// A class's arrival process failed (a trace file unreadable).
    #[error("traffic class {class}: {message}")]
    Arrival {
        /// `app/class`.
        class: String,
        /// Why.
        message: String,
    },
    /// More requests than the bound allows.
    #[error(
        "the schedule has more than {limit} requests in {duration}; shorten it with \
         --duration or raise --max-requests"
    )]
    TooMany {
        /// The bound.
        limit: u64,
        /// The run's length.
        duration: SimDuration,
    },
}

/// The requests `app`'s classes make in `[0, duration)`, in time order (ties in class order),
/// from root seed `seed`; at most `limit` of them.
pub fn open_loop(
    app: &AppSpec,
    seed: u64,
    duration: SimDuration,
    limit: u64,
) -> Result<Vec<Due>, ScheduleError> {
    let mut all = Vec::new();
    for (ci, class) in app.traffic.iter().enumerate() {
        let name = format!("{}/{}", app.name, class.name);
        let err = |message| ScheduleError::Arrival {
            class: name.clone(),
            message,
        };
        let rng = stream(seed, &format!("traffic/{name}/arrival"));
        let mut arrivals = ArrivalGen::new(&class.arrival, rng).map_err(err)?;
        while let Some(t) = arrivals.next_arrival().map_err(err)? {
            if t.0 >= duration.as_nanos() {
                break;
            }
            if all.len() as u64 >= limit {
                return Err(ScheduleError::TooMany { limit, duration });
            }
            all.push(Due {
                at_ns: t.0,
                class: ci,
            });
        }
    }
    // Stable: equal times keep class order.
    all.sort_by_key(|d| d.at_ns);
    Ok(all)
}
