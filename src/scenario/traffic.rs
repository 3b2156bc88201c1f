//! The `[[apps.traffic]]` tables: the serde mirror of `arrival` and `service`, and the builders
//! that check them and turn them into an [`ArrivalProcess`] and a [`ServiceDist`].
//!
//! ```toml
//! [[apps.traffic]]
//! name = "default"
//! arrival = { process = "poisson", rate = "32/s" }
//! service = { dist = "exponential", mean = "1s" }   # or service = "120ms" (constant)
//! ```
//!
//! Arrival processes (`process = …`), with defaults:
//! - `constant {rate}`, `poisson {rate}`
//! - `ramp {from, to, start = "0s", end}`
//! - `steps {steps = [{at, rate}, …]}` (rate 0 before the first step)
//! - `diurnal {trough, peak, peak_at, period = "24h"}`
//! - `burst {rate, on, off, base = "0/s", start = "0s"}`
//! - `trace {file}` (format in [`TraceSpec`])
//!
//! Service distributions (`dist = …`), or a bare duration string for a constant:
//! - `constant {value}`, `uniform {min, max}`, `exponential {mean}`, `normal {mean, sd}`
//!   (truncated at zero)
//! - `lognormal {mean, cv}` or `lognormal {median, p99}`
//! - `gamma {mean, cv}` or `gamma {shape, mean}`; `erlang {k, mean}`
//! - `pareto {shape, min}` or `pareto {shape, mean}`
//! - `empirical {file}` (one duration per row), `empirical {quantiles = [[q, "value"], …]}` or
//!   `empirical {quantile_file}` (rows `q,value`)
//!
//! Times of the run (`start`, `end`, `at`, `peak_at`) may be offsets (`"10m"`), clock times
//! (`"14:00"`) or date-times; the last two need the scenario's `start`. Durations in files are
//! plain numbers of seconds (`0.25`) or duration strings (`"250ms"`). Relative file paths are
//! relative to the scenario file's folder ([`BuildCtx::base_dir`]).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use time::OffsetDateTime;

use crate::engine::SimDuration;
use crate::model::arrival::ArrivalProcess;
use crate::model::service::{Empirical, GammaDist, ServiceDist};
use crate::model::trace::{
    CsvRows, TraceSpec, looks_like_header, parse_seconds_or_duration, validate_trace,
};
use crate::scenario::units::{Dur, Rate, RateValue, TimeSpec, TimeValue};

/// The z-score of the 99th percentile of a standard normal.
const Z_P99: f64 = 2.326_347_874_040_841;

/// `arrival = { process = "…", … }`: how requests of a traffic class arrive.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "process", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawArrival {
    /// `{ process = "constant", rate = "10/s" }`: evenly spaced.
    Constant {
        /// Arrivals per time unit.
        rate: RateValue,
    },
    /// `{ process = "poisson", rate = "32/s" }`.
    Poisson {
        /// Arrivals per time unit.
        rate: RateValue,
    },
    /// `{ process = "ramp", from = "10/s", to = "100/s", start = "5m", end = "15m" }`.
    Ramp {
        /// Rate before `start`.
        from: RateValue,
        /// Rate from `end` on.
        to: RateValue,
        /// When the ramp begins; default `"0s"`.
        #[serde(default = "time_zero")]
        start: TimeValue,
        /// When the ramp ends; after `start`.
        end: TimeValue,
    },
    /// `{ process = "steps", steps = [{ at = "0s", rate = "10/s" }, { at = "5m", rate = "50/s" }] }`.
    Steps {
        /// The steps, in time order; at least one.
        steps: Vec<RawStep>,
    },
    /// `{ process = "diurnal", trough = "5/s", peak = "50/s", peak_at = "14:00" }`.
    Diurnal {
        /// Lowest rate.
        trough: RateValue,
        /// Highest rate.
        peak: RateValue,
        /// A moment of peak traffic.
        peak_at: TimeValue,
        /// Length of one cycle; default `"24h"`.
        #[serde(default = "one_day")]
        period: Dur,
    },
    /// `{ process = "burst", rate = "200/s", on = "30s", off = "5m" }`.
    Burst {
        /// Rate during bursts.
        rate: RateValue,
        /// Length of each burst.
        on: Dur,
        /// Gap between bursts.
        off: Dur,
        /// Rate outside bursts; default `"0/s"`.
        #[serde(default = "rate_zero")]
        base: RateValue,
        /// When the first burst begins; default `"0s"`.
        #[serde(default = "time_zero")]
        start: TimeValue,
    },
    /// `{ process = "trace", file = "arrivals.csv" }`: replay a CSV of arrival times.
    Trace {
        /// The CSV file, relative to the scenario's folder.
        file: PathBuf,
    },
}

/// One `{ at, rate }` entry of `steps`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    /// When this rate begins.
    pub at: TimeValue,
    /// The rate from `at` until the next step.
    pub rate: RateValue,
}

fn time_zero() -> TimeValue {
    TimeValue(TimeSpec::Offset(SimDuration::ZERO))
}

fn one_day() -> Dur {
    Dur(SimDuration::from_secs(86_400))
}

fn rate_zero() -> RateValue {
    RateValue(Rate::per_sec(0.0))
}

/// `service = …`: a bare duration string (`"120ms"`, a constant) or a `{ dist = "…", … }` table.
#[derive(Clone, Debug, PartialEq)]
pub struct RawService(pub RawDist);

/// The `{ dist = "…", … }` table form of `service`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawDist {
    /// `{ dist = "constant", value = "120ms" }`.
    Constant {
        /// The time.
        value: Dur,
    },
    /// `{ dist = "uniform", min = "10ms", max = "30ms" }`.
    Uniform {
        /// Shortest time.
        min: Dur,
        /// Longest time.
        max: Dur,
    },
    /// `{ dist = "exponential", mean = "1s" }`.
    Exponential {
        /// Mean time.
        mean: Dur,
    },
    /// `{ dist = "normal", mean = "100ms", sd = "20ms" }`, truncated at zero.
    Normal {
        /// Mean before truncation.
        mean: Dur,
        /// Standard deviation before truncation.
        sd: Dur,
    },
    /// `{ dist = "lognormal", mean = "100ms", cv = 1.5 }` or
    /// `{ dist = "lognormal", median = "80ms", p99 = "900ms" }`.
    LogNormal {
        /// Mean (with `cv`).
        mean: Option<Dur>,
        /// Coefficient of variation, sd / mean (with `mean`).
        cv: Option<f64>,
        /// Median (with `p99`).
        median: Option<Dur>,
        /// 99th percentile (with `median`).
        p99: Option<Dur>,
    },
    /// `{ dist = "gamma", mean = "100ms", cv = 0.5 }` or `{ dist = "gamma", shape = 4.0, mean = "100ms" }`.
    Gamma {
        /// Mean time.
        mean: Dur,
        /// Coefficient of variation (or give `shape`).
        cv: Option<f64>,
        /// Shape k (or give `cv`).
        shape: Option<f64>,
    },
    /// `{ dist = "erlang", k = 3, mean = "100ms" }`: the sum of `k` exponential phases.
    Erlang {
        /// Number of phases, 1 or more.
        k: u64,
        /// Mean time.
        mean: Dur,
    },
    /// `{ dist = "pareto", shape = 2.5, min = "10ms" }` or `{ dist = "pareto", shape = 2.5, mean = "50ms" }`.
    Pareto {
        /// Tail index; more than 1 for a finite mean.
        shape: f64,
        /// Smallest time (or give `mean`).
        min: Option<Dur>,
        /// Mean time (or give `min`).
        mean: Option<Dur>,
    },
    /// `{ dist = "empirical", file = "…" }`, `{ dist = "empirical", quantiles = [[0.0, "10ms"], …] }`
    /// or `{ dist = "empirical", quantile_file = "…" }`: exactly one of the three.
    Empirical {
        /// CSV of samples: one duration per row in the first column, optional header.
        file: Option<PathBuf>,
        /// `[q, value]` pairs from q = 0 to q = 1.
        quantiles: Option<Vec<(f64, Dur)>>,
        /// CSV with columns `q,value`, optional header.
        quantile_file: Option<PathBuf>,
    },
}

impl<'de> Deserialize<'de> for RawService {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawService;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a duration string such as \"120ms\", or a table such as \
                     { dist = \"exponential\", mean = \"1s\" }",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawService, E> {
                crate::scenario::units::parse_duration(v)
                    .map(|d| RawService(RawDist::Constant { value: Dur(d) }))
                    .map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawService, A::Error> {
                RawDist::deserialize(de::value::MapAccessDeserializer::new(map)).map(RawService)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// What the builders need besides the raw tables.
#[derive(Clone, Copy, Debug)]
pub struct BuildCtx<'a> {
    /// The folder relative file paths are resolved against (the scenario file's folder).
    pub base_dir: &'a Path,
    /// The scenario's start date-time, for clock times and date-times.
    pub start: Option<OffsetDateTime>,
    /// The length of the run.
    pub duration: SimDuration,
}

impl BuildCtx<'_> {
    fn path(&self, file: &Path) -> PathBuf {
        self.base_dir.join(file)
    }

    /// The data file `file` (`what`: "trace file", ...) resolved against the scenario's folder,
    /// refused when it exists but is not a regular file: a device such as `/dev/zero` or a pipe
    /// would never end (found by a fuzz regression input: the parser hung on it, its memory growing), and data
    /// files are read twice (checked here, read again by the run). A missing file is left to
    /// the reader, whose error names it.
    fn data_file(&self, file: &Path, what: &str) -> Result<PathBuf, String> {
        let path = self.path(file);
        match std::fs::metadata(&path) {
            Ok(meta) if !meta.is_file() => Err(format!(
                "{what} {} is not a regular file (a folder, device or pipe); give a CSV file",
                path.display()
            )),
            _ => Ok(path),
        }
    }

    fn at(&self, process: &str, key: &str, value: &TimeValue) -> Result<SimDuration, String> {
        value
            .0
            .resolve(self.start)
            .map_err(|e| format!("{process}: `{key}`: {e}"))
    }
}

/// Checks an `arrival` table and builds its process. Reads and validates a trace file.
pub fn build_arrival(raw: &RawArrival, ctx: &BuildCtx) -> Result<ArrivalProcess, String> {
    let process = match raw {
        RawArrival::Constant { rate } => ArrivalProcess::Constant { rate: rate.0 },
        RawArrival::Poisson { rate } => ArrivalProcess::Poisson { rate: rate.0 },
        RawArrival::Ramp {
            from,
            to,
            start,
            end,
        } => ArrivalProcess::Ramp {
            from: from.0,
            to: to.0,
            start: ctx.at("ramp", "start", start)?,
            end: ctx.at("ramp", "end", end)?,
        },
        RawArrival::Steps { steps } => {
            if steps.is_empty() {
                return Err(
                    "steps: `steps` is empty; expected at least one { at = \"0s\", \
                            rate = \"10/s\" }"
                        .to_string(),
                );
            }
            let steps = steps
                .iter()
                .enumerate()
                .map(|(i, s)| Ok((ctx.at("steps", &format!("steps[{i}].at"), &s.at)?, s.rate.0)))
                .collect::<Result<Vec<_>, String>>()?;
            ArrivalProcess::Steps { steps }
        }
        RawArrival::Diurnal {
            trough,
            peak,
            peak_at,
            period,
        } => ArrivalProcess::Diurnal {
            period: period.0,
            trough: trough.0,
            peak: peak.0,
            peak_at: ctx.at("diurnal", "peak_at", peak_at)?,
        },
        RawArrival::Burst {
            rate,
            on,
            off,
            base,
            start,
        } => ArrivalProcess::Burst {
            base: base.0,
            rate: rate.0,
            on: on.0,
            off: off.0,
            start: ctx.at("burst", "start", start)?,
        },
        RawArrival::Trace { file } => {
            let spec = TraceSpec {
                path: ctx.data_file(file, "trace file")?,
                start: ctx.start,
            };
            if validate_trace(&spec)? == 0 {
                return Err(format!(
                    "trace file {}: no arrival rows; expected one arrival time per row",
                    spec.path.display()
                ));
            }
            ArrivalProcess::Trace(spec)
        }
    };
    process.validate()?;
    Ok(process)
}

/// Checks a `service` value and builds its distribution. Reads empirical files.
pub fn build_service(raw: &RawService, ctx: &BuildCtx) -> Result<ServiceDist, String> {
    let dist = match &raw.0 {
        RawDist::Constant { value } => ServiceDist::Constant(value.0),
        RawDist::Uniform { min, max } => ServiceDist::Uniform {
            min: min.0,
            max: max.0,
        },
        RawDist::Exponential { mean } => ServiceDist::Exponential {
            mean: positive("exponential", "mean", mean)?,
        },
        RawDist::Normal { mean, sd } => ServiceDist::Normal {
            mean: positive("normal", "mean", mean)?,
            sd: positive("normal", "sd", sd)?,
        },
        RawDist::LogNormal {
            mean,
            cv,
            median,
            p99,
        } => lognormal(*mean, *cv, *median, *p99)?,
        RawDist::Gamma { mean, cv, shape } => {
            let mean = positive("gamma", "mean", mean)?.as_secs_f64();
            let (shape, scale) = match (cv, shape) {
                (Some(cv), None) => {
                    let cv = positive_number("gamma", "cv", *cv)?;
                    (1.0 / (cv * cv), mean * cv * cv)
                }
                (None, Some(shape)) => {
                    let shape = positive_number("gamma", "shape", *shape)?;
                    (shape, mean / shape)
                }
                _ => {
                    return Err("gamma: give `mean` with exactly one of `cv` (e.g. 0.5) or \
                                `shape` (e.g. 4.0)"
                        .to_string());
                }
            };
            ServiceDist::Gamma(GammaDist::new(shape, scale)?)
        }
        RawDist::Erlang { k, mean } => {
            if *k == 0 {
                return Err("erlang: `k` must be a whole number of phases, 1 or more".to_string());
            }
            let mean = positive("erlang", "mean", mean)?.as_secs_f64();
            ServiceDist::Gamma(GammaDist::new(*k as f64, mean / *k as f64)?)
        }
        RawDist::Pareto { shape, min, mean } => {
            let shape = positive_number("pareto", "shape", *shape)?;
            let scale_s = match (min, mean) {
                (Some(min), None) => positive("pareto", "min", min)?.as_secs_f64(),
                (None, Some(mean)) => {
                    if shape <= 1.0 {
                        return Err(format!(
                            "pareto: `shape` ({shape}) must be more than 1 when a `mean` is \
                             given (the mean is infinite otherwise); give `min` instead"
                        ));
                    }
                    positive("pareto", "mean", mean)?.as_secs_f64() * (shape - 1.0) / shape
                }
                _ => {
                    return Err(
                        "pareto: give `shape` with exactly one of `min` (the smallest \
                                time) or `mean`"
                            .to_string(),
                    );
                }
            };
            ServiceDist::Pareto { scale_s, shape }
        }
        RawDist::Empirical {
            file,
            quantiles,
            quantile_file,
        } => {
            let empirical = match (file, quantiles, quantile_file) {
                (Some(file), None, None) => Empirical::from_samples(read_samples(
                    &ctx.data_file(file, "empirical samples file")?,
                )?)?,
                (None, Some(points), None) => {
                    Empirical::from_quantiles(points.iter().map(|(q, v)| (*q, v.0)).collect())?
                }
                (None, None, Some(file)) => read_quantiles(&ctx.data_file(file, "quantile file")?)?,
                _ => {
                    return Err("empirical: give exactly one of `file` (a CSV of samples), \
                                `quantiles` (e.g. [[0.0, \"10ms\"], [0.5, \"80ms\"], [1.0, \"2s\"]]) \
                                or `quantile_file` (a CSV of q,value rows)"
                        .to_string());
                }
            };
            ServiceDist::Empirical(empirical)
        }
    };
    dist.validate()?;
    Ok(dist)
}

fn positive(dist: &str, key: &str, value: &Dur) -> Result<SimDuration, String> {
    if value.0 == SimDuration::ZERO {
        return Err(format!("{dist}: `{key}` must be more than zero"));
    }
    Ok(value.0)
}

fn positive_number(dist: &str, key: &str, value: f64) -> Result<f64, String> {
    if !(value.is_finite() && value > 0.0) {
        return Err(format!(
            "{dist}: `{key}` ({value}) must be a number more than zero"
        ));
    }
    Ok(value)
}

fn lognormal(
    mean: Option<Dur>,
    cv: Option<f64>,
    median: Option<Dur>,
    p99: Option<Dur>,
) -> Result<ServiceDist, String> {
    let (mu, sigma) = match (mean, cv, median, p99) {
        (Some(mean), Some(cv), None, None) => {
            let mean = positive("lognormal", "mean", &mean)?.as_secs_f64();
            let cv = positive_number("lognormal", "cv", cv)?;
            let sigma2 = (1.0 + cv * cv).ln();
            (mean.ln() - sigma2 / 2.0, sigma2.sqrt())
        }
        (None, None, Some(median), Some(p99)) => {
            let median = positive("lognormal", "median", &median)?;
            if p99.0 <= median {
                return Err(format!(
                    "lognormal: `p99` (\"{}\") must be above `median` (\"{median}\")",
                    p99.0
                ));
            }
            let (m, p) = (median.as_secs_f64(), p99.0.as_secs_f64());
            (m.ln(), (p / m).ln() / Z_P99)
        }
        _ => {
            let given: Vec<&str> = [
                ("mean", mean.is_some()),
                ("cv", cv.is_some()),
                ("median", median.is_some()),
                ("p99", p99.is_some()),
            ]
            .iter()
            .filter(|(_, given)| *given)
            .map(|(key, _)| *key)
            .collect();
            return Err(format!(
                "lognormal: give exactly one pair, `mean` and `cv` (e.g. mean = \"100ms\", \
                 cv = 1.5) or `median` and `p99`; got {}",
                if given.is_empty() {
                    "neither".to_string()
                } else {
                    format!("`{}`", given.join("`, `"))
                }
            ));
        }
    };
    Ok(ServiceDist::LogNormal { mu, sigma })
}

/// Reads a CSV of samples: one duration per row in the first column, optional header.
fn read_samples(path: &Path) -> Result<Vec<SimDuration>, String> {
    let mut rows = CsvRows::open(path, "empirical samples file")?;
    let mut samples = Vec::new();
    let mut first = true;
    while let Some(line) = rows.next_row()? {
        let text = rows.field(0);
        match parse_seconds_or_duration(text) {
            Ok(d) => samples.push(d),
            Err(_) if first && looks_like_header(text) => {}
            Err(e) => return Err(rows.error(line, &e)),
        }
        first = false;
    }
    if samples.is_empty() {
        return Err(format!(
            "empirical samples file {}: no samples; expected one duration per row (0.25 or \"250ms\")",
            path.display()
        ));
    }
    Ok(samples)
}

/// Reads a CSV of `q,value` rows, optional header, into a quantile table.
fn read_quantiles(path: &Path) -> Result<Empirical, String> {
    let mut rows = CsvRows::open(path, "quantile file")?;
    let mut points = Vec::new();
    let mut first = true;
    while let Some(line) = rows.next_row()? {
        let (q_text, value_text) = (rows.field(0), rows.field(1));
        let q = match q_text.parse::<f64>() {
            Ok(q) => q,
            Err(_) if first && looks_like_header(q_text) => {
                first = false;
                continue;
            }
            Err(_) => {
                return Err(rows.error(
                    line,
                    &format!(
                        "cannot read \"{q_text}\" as a quantile; expected a number from 0 to 1"
                    ),
                ));
            }
        };
        first = false;
        if value_text.is_empty() {
            return Err(rows.error(line, "no value; expected rows `q,value` such as 0.5,80ms"));
        }
        let value = parse_seconds_or_duration(value_text).map_err(|e| rows.error(line, &e))?;
        points.push((q, value));
    }
    Empirical::from_quantiles(points).map_err(|e| format!("quantile file {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::stream;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Class {
        arrival: Option<RawArrival>,
        service: Option<RawService>,
    }

    fn parse(toml_text: &str) -> Result<Class, String> {
        toml::from_str(toml_text).map_err(|e| e.to_string())
    }

    fn ctx() -> BuildCtx<'static> {
        BuildCtx {
            base_dir: Path::new(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/traffic"
            )),
            start: None,
            duration: SimDuration::from_secs(3_600),
        }
    }

    fn arrival(toml_text: &str) -> Result<ArrivalProcess, String> {
        build_arrival(&parse(toml_text)?.arrival.unwrap(), &ctx())
    }

    fn service(toml_text: &str) -> Result<ServiceDist, String> {
        build_service(&parse(toml_text)?.service.unwrap(), &ctx())
    }

    fn secs(n: u64) -> SimDuration {
        SimDuration::from_secs(n)
    }

    fn rate(r: f64) -> Rate {
        Rate::per_sec(r)
    }

    #[test]
    fn every_arrival_process_parses_and_builds() {
        let a = |t: &str| arrival(t).unwrap();
        assert_eq!(
            a(r#"arrival = { process = "constant", rate = "10/s" }"#),
            ArrivalProcess::Constant { rate: rate(10.0) }
        );
        assert_eq!(
            a(r#"arrival = { process = "poisson", rate = "120/min" }"#),
            ArrivalProcess::Poisson { rate: rate(2.0) }
        );
        assert_eq!(
            a(r#"arrival = { process = "ramp", from = "1/s", to = "9/s", end = "10m" }"#),
            ArrivalProcess::Ramp {
                from: rate(1.0),
                to: rate(9.0),
                start: secs(0),
                end: secs(600)
            }
        );
        assert_eq!(
            a(
                r#"arrival = { process = "steps", steps = [{ at = "0s", rate = "1/s" }, { at = "5m", rate = "3/s" }] }"#
            ),
            ArrivalProcess::Steps {
                steps: vec![(secs(0), rate(1.0)), (secs(300), rate(3.0))]
            }
        );
        assert_eq!(
            a(
                r#"arrival = { process = "diurnal", trough = "1/s", peak = "5/s", peak_at = "14h" }"#
            ),
            ArrivalProcess::Diurnal {
                period: secs(86_400),
                trough: rate(1.0),
                peak: rate(5.0),
                peak_at: secs(50_400)
            }
        );
        assert_eq!(
            a(r#"arrival = { process = "burst", rate = "50/s", on = "10s", off = "50s" }"#),
            ArrivalProcess::Burst {
                base: rate(0.0),
                rate: rate(50.0),
                on: secs(10),
                off: secs(50),
                start: secs(0)
            }
        );
        let trace = a(r#"arrival = { process = "trace", file = "trace_offsets.csv" }"#);
        assert!(
            matches!(trace, ArrivalProcess::Trace(ref s) if s.path.ends_with("trace_offsets.csv"))
        );
    }

    #[test]
    fn clock_times_need_start_and_resolve_against_it() {
        let raw = parse(
            r#"arrival = { process = "diurnal", trough = "1/s", peak = "5/s", peak_at = "14:00" }"#,
        )
        .unwrap()
        .arrival
        .unwrap();
        let err = build_arrival(&raw, &ctx()).unwrap_err();
        assert!(
            err.contains("diurnal: `peak_at`") && err.contains("`start`"),
            "{err}"
        );
        let start = crate::scenario::units::parse_datetime("2026-12-01T09:00:00Z").unwrap();
        let built = build_arrival(
            &raw,
            &BuildCtx {
                start: Some(start),
                ..ctx()
            },
        )
        .unwrap();
        assert!(
            matches!(built, ArrivalProcess::Diurnal { peak_at, .. } if peak_at == secs(5 * 3_600))
        );
    }

    #[test]
    fn arrival_cross_field_errors_name_the_keys() {
        let err = |t: &str| arrival(t).unwrap_err();
        assert!(err(r#"arrival = { process = "ramp", from = "1/s", to = "2/s", start = "10m", end = "5m" }"#)
            .contains("`end` (\"5m\") must be after `start` (\"10m\")"));
        assert!(err(r#"arrival = { process = "steps", steps = [] }"#).contains("`steps` is empty"));
        assert!(err(r#"arrival = { process = "steps", steps = [{ at = "5m", rate = "1/s" }, { at = "1m", rate = "1/s" }] }"#)
            .contains("step 2 `at` (\"1m\") must be after step 1 `at` (\"5m\")"));
        assert!(
            err(
                r#"arrival = { process = "diurnal", trough = "9/s", peak = "5/s", peak_at = "0s" }"#
            )
            .contains("`peak` (5/s) must be at least `trough` (9/s)")
        );
        assert!(err(r#"arrival = { process = "diurnal", trough = "1/s", peak = "5/s", peak_at = "0s", period = "0s" }"#)
            .contains("`period` must be more than zero"));
        assert!(
            err(r#"arrival = { process = "burst", rate = "5/s", on = "0s", off = "5s" }"#)
                .contains("`on`")
        );
        let missing = err(r#"arrival = { process = "trace", file = "nope.csv" }"#);
        assert!(
            missing.contains("cannot open trace file") && missing.contains("nope.csv"),
            "{missing}"
        );
        let disorder = err(r#"arrival = { process = "trace", file = "trace_out_of_order.csv" }"#);
        assert!(disorder.contains("line 4"), "{disorder}");
    }

    /// Regression (fuzz inputs): a device or folder as a data file hung the parser (`/dev/zero`
    /// never ends); it is now refused up front, naming the file.
    #[test]
    fn data_files_that_are_not_regular_files_are_refused() {
        let a = arrival(r#"arrival = { process = "trace", file = "/dev/zero" }"#).unwrap_err();
        assert!(
            a.contains("trace file /dev/zero is not a regular file"),
            "{a}"
        );
        let s = service(r#"service = { dist = "empirical", file = "/dev/zero" }"#).unwrap_err();
        assert!(
            s.contains("empirical samples file /dev/zero is not a regular file"),
            "{s}"
        );
        let q = service(r#"service = { dist = "empirical", quantile_file = "." }"#).unwrap_err();
        assert!(
            q.contains("quantile file") && q.contains("not a regular file"),
            "{q}"
        );
    }

    #[test]
    fn serde_errors_say_what_was_wrong() {
        let err = |t: &str| parse(t).unwrap_err();
        let unknown_process = err(r#"arrival = { process = "weibull", rate = "1/s" }"#);
        assert!(
            unknown_process.contains("unknown variant `weibull`")
                && unknown_process.contains("`poisson`"),
            "{unknown_process}"
        );
        let unknown_dist = err(r#"service = { dist = "cauchy", mean = "1s" }"#);
        assert!(
            unknown_dist.contains("unknown variant `cauchy`")
                && unknown_dist.contains("`lognormal`"),
            "{unknown_dist}"
        );
        let unknown_field = err(r#"arrival = { process = "poisson", rate = "1/s", burst = "2s" }"#);
        assert!(
            unknown_field.contains("unknown field `burst`"),
            "{unknown_field}"
        );
        let unknown_service_field =
            err(r#"service = { dist = "exponential", mean = "1s", sd = "1s" }"#);
        assert!(
            unknown_service_field.contains("unknown field `sd`"),
            "{unknown_service_field}"
        );
        let bad_duration = err(r#"service = { dist = "exponential", mean = "1 sec" }"#);
        assert!(
            bad_duration.contains("unknown unit") && bad_duration.contains("expected a duration"),
            "{bad_duration}"
        );
        let bad_bare = err(r#"service = "120" "#);
        assert!(bad_bare.contains("without a unit"), "{bad_bare}");
        let bad_rate = err(r#"arrival = { process = "poisson", rate = "32" }"#);
        assert!(bad_rate.contains("no \"/unit\""), "{bad_rate}");
        let missing = err(r#"arrival = { process = "ramp", from = "1/s", to = "2/s" }"#);
        assert!(missing.contains("missing field `end`"), "{missing}");
        let no_tag = err(r#"service = { mean = "1s" }"#);
        assert!(no_tag.contains("missing field `dist`"), "{no_tag}");
        let wrong_type = err("service = 5");
        assert!(
            wrong_type.contains("a duration string such as \"120ms\""),
            "{wrong_type}"
        );
    }

    #[test]
    fn every_service_form_parses_and_builds() {
        let s = |t: &str| service(t).unwrap();
        let ms = SimDuration::from_millis;
        assert_eq!(s(r#"service = "120ms""#), ServiceDist::Constant(ms(120)));
        assert_eq!(
            s(r#"service = { dist = "constant", value = "2s" }"#),
            ServiceDist::Constant(secs(2))
        );
        assert_eq!(
            s(r#"service = { dist = "uniform", min = "1ms", max = "3ms" }"#),
            ServiceDist::Uniform {
                min: ms(1),
                max: ms(3)
            }
        );
        assert_eq!(
            s(r#"service = { dist = "exponential", mean = "1s" }"#),
            ServiceDist::Exponential { mean: secs(1) }
        );
        assert_eq!(
            s(r#"service = { dist = "normal", mean = "1s", sd = "200ms" }"#),
            ServiceDist::Normal {
                mean: secs(1),
                sd: ms(200)
            }
        );
        let close = |d: ServiceDist, want: f64| {
            let got = d.mean_secs();
            assert!(
                (got - want).abs() < 1e-9 * want,
                "{d:?}: mean {got}, want {want}"
            );
        };
        close(
            s(r#"service = { dist = "lognormal", mean = "100ms", cv = 1.5 }"#),
            0.1,
        );
        close(
            s(r#"service = { dist = "gamma", mean = "100ms", cv = 0.5 }"#),
            0.1,
        );
        close(
            s(r#"service = { dist = "gamma", shape = 3, mean = "90ms" }"#),
            0.09,
        );
        close(
            s(r#"service = { dist = "erlang", k = 4, mean = "80ms" }"#),
            0.08,
        );
        close(
            s(r#"service = { dist = "pareto", shape = 2.5, mean = "50ms" }"#),
            0.05,
        );
        assert_eq!(
            s(r#"service = { dist = "pareto", shape = 2, min = "10ms" }"#),
            ServiceDist::Pareto {
                scale_s: 0.01,
                shape: 2.0
            }
        );
        // samples.csv: header, then 10 ms, 20 ms, 0.03 s, 40 ms, "1.5s".
        close(
            s(r#"service = { dist = "empirical", file = "samples.csv" }"#),
            (0.01 + 0.02 + 0.03 + 0.04 + 1.5) / 5.0,
        );
        close(
            s(
                r#"service = { dist = "empirical", quantiles = [[0.0, "10ms"], [0.5, "80ms"], [1.0, "2s"]] }"#,
            ),
            0.5 * 0.045 + 0.5 * 1.04,
        );
        // quantiles.csv holds the same table as above.
        close(
            s(r#"service = { dist = "empirical", quantile_file = "quantiles.csv" }"#),
            0.5 * 0.045 + 0.5 * 1.04,
        );
    }

    #[test]
    fn lognormal_by_median_and_p99_recovers_them() {
        // Sample quantiles from 200k draws: the standard error of the p99 is about 0.6% here,
        // of the median about 0.2%; the tolerance is 2%.
        let d =
            service(r#"service = { dist = "lognormal", median = "80ms", p99 = "400ms" }"#).unwrap();
        let mut rng = stream(1, "test");
        let mut draws: Vec<SimDuration> = (0..200_000).map(|_| d.sample(&mut rng)).collect();
        draws.sort();
        let quantile = |q: f64| draws[(q * draws.len() as f64) as usize].as_secs_f64();
        assert!(
            (quantile(0.5) / 0.08 - 1.0).abs() < 0.02,
            "median {}",
            quantile(0.5)
        );
        assert!(
            (quantile(0.99) / 0.4 - 1.0).abs() < 0.02,
            "p99 {}",
            quantile(0.99)
        );
    }

    #[test]
    fn service_cross_field_errors_name_the_keys() {
        let err = |t: &str| service(t).unwrap_err();
        assert!(
            err(r#"service = { dist = "uniform", min = "3ms", max = "1ms" }"#)
                .contains("`max` (\"1ms\") must be at least `min` (\"3ms\")")
        );
        assert!(
            err(r#"service = { dist = "exponential", mean = "0s" }"#)
                .contains("`mean` must be more than zero")
        );
        assert!(err(r#"service = { dist = "normal", mean = "1s", sd = "0s" }"#).contains("`sd`"));
        assert!(err(r#"service = { dist = "lognormal", mean = "1s" }"#).contains("got `mean`"));
        assert!(
            err(r#"service = { dist = "lognormal", mean = "1s", cv = 1.0, median = "1s" }"#)
                .contains("exactly one pair")
        );
        assert!(
            err(r#"service = { dist = "lognormal", mean = "1s", cv = 0.0 }"#).contains("`cv` (0)")
        );
        assert!(
            err(r#"service = { dist = "lognormal", median = "1s", p99 = "1s" }"#)
                .contains("`p99` (\"1s\") must be above")
        );
        assert!(
            err(r#"service = { dist = "gamma", mean = "1s" }"#).contains("exactly one of `cv`")
        );
        assert!(
            err(r#"service = { dist = "gamma", mean = "1s", cv = nan }"#).contains("`cv` (NaN)")
        );
        assert!(err(r#"service = { dist = "erlang", k = 0, mean = "1s" }"#).contains("`k`"));
        assert!(
            err(r#"service = { dist = "pareto", shape = 1.0, mean = "1s" }"#)
                .contains("more than 1")
        );
        assert!(
            err(r#"service = { dist = "pareto", shape = -2.0, min = "1s" }"#).contains("`shape`")
        );
        assert!(
            err(r#"service = { dist = "pareto", shape = 2.0 }"#).contains("exactly one of `min`")
        );
        assert!(err(r#"service = { dist = "empirical" }"#).contains("exactly one of `file`"));
        assert!(
            err(r#"service = { dist = "empirical", quantiles = [[0.0, "1s"], [0.9, "2s"]] }"#)
                .contains("not 1")
        );
        let missing = err(r#"service = { dist = "empirical", file = "nope.csv" }"#);
        assert!(
            missing.contains("cannot open empirical samples file") && missing.contains("nope.csv"),
            "{missing}"
        );
        let bad = err(r#"service = { dist = "empirical", file = "samples_bad.csv" }"#);
        assert!(
            bad.contains("samples_bad.csv: line 3: cannot read \"abc\" as a duration"),
            "{bad}"
        );
        let empty = err(r#"service = { dist = "empirical", file = "samples_empty.csv" }"#);
        assert!(empty.contains("no samples"), "{empty}");
        let bad_q = err(r#"service = { dist = "empirical", quantile_file = "quantiles_bad.csv" }"#);
        assert!(
            bad_q.contains("quantiles_bad.csv: line 3: cannot read \"half\" as a quantile"),
            "{bad_q}"
        );
    }
}
