//! What a run measured: latency statistics and the per-second time series.

pub mod latency;
pub mod series;

pub use latency::{LatencyStats, LatencySummary};
pub use series::{NullSink, ProcessRow, SeriesAccumulator, SeriesSink, TrafficRow};
