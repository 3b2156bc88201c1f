//! What a run measured: latency statistics and the per-second time series.

pub mod latency;
pub mod operations;
pub mod series;

pub use latency::{LatencyStats, LatencySummary};
pub use series::{JobRow, NullSink, ProcessRow, SeriesAccumulator, SeriesSink, TrafficRow};
