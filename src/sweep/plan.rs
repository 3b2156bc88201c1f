//! A sweep's run list: which grid point and seed each run index stands for, and the manifest
//! (`sweep.json`) that identifies the sweep across shards.
//!
//! Run `i` is replication `i % R` of grid point `i / R` (R replications per point), so a point's
//! replications are neighbours and `points.csv` can be computed in one pass over the runs in
//! index order. Seeds never depend on which thread or shard runs a run:
//! - by default replication r of every point uses [`replication_seed`]`(seed, r)`: common random
//!   numbers, so differences between points are not drowned by seed noise;
//! - with `independent = true`, the seed comes from (seed, point, replication).

use std::path::{Path, PathBuf};

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::SweepError;
use super::replicate::replication_seed;
use crate::engine::stream;
use crate::scenario::overrides::display;
use crate::scenario::sweep::SweepSpec;
use crate::scenario::{self, Override, Scenario, load::sha256_hex};

/// Version of the `sweep.json` and `journal.jsonl` formats.
pub const FORMAT: u32 = 1;

/// What identifies a sweep, written to `sweep.json` by every shard. Paths of files are left
/// out on purpose: shards on a cluster see the scenario under other paths.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version ([`FORMAT`]).
    pub format: u32,
    /// The spacesim that ran it.
    pub spacesim_version: String,
    /// SHA-256 over everything below but `shard`: equal ids, equal sweeps.
    pub sweep_id: String,
    /// The scenario's name.
    pub scenario: String,
    /// SHA-256 of the scenario file as written.
    pub scenario_sha256: String,
    /// Command-line overrides, as `path=value`, in order.
    pub overrides: Vec<String>,
    /// Root seed.
    pub seed: u64,
    /// Runs per grid point.
    pub replications: u32,
    /// Seeds derived from the point too.
    pub independent: bool,
    /// Grid paths, in column order.
    pub params: Vec<String>,
    /// Each grid point's values, as written in the CSVs.
    pub points: Vec<Vec<String>>,
    /// Runs in the whole sweep.
    pub runs: u64,
    /// The slice this directory holds, or None for a whole sweep.
    pub shard: Option<Shard>,
}

/// The K-th of N slices of a run list: the runs whose index is K − 1 modulo N. Interleaving
/// keeps slices balanced when run cost grows along a grid axis.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1-based slice number.
    pub k: u64,
    /// Number of slices.
    pub n: u64,
}

impl Shard {
    /// Parses `K/N`, or `auto/N` with K from `SLURM_ARRAY_TASK_ID` (1-based, for
    /// `sbatch --array=1-N`) or `JOB_COMPLETION_INDEX` (0-based, a Kubernetes Indexed Job).
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let usage =
            || format!("--shard {text}: expected K/N with 1 <= K <= N (e.g. 2/8), or auto/N");
        let (k, n) = text.split_once('/').ok_or_else(usage)?;
        let n: u64 = n.trim().parse().map_err(|_| usage())?;
        let k: u64 = if k.trim() == "auto" {
            if let Some(id) = env("SLURM_ARRAY_TASK_ID") {
                id.trim().parse().map_err(|_| {
                    format!("--shard auto/{n}: SLURM_ARRAY_TASK_ID is \"{id}\", not a number")
                })?
            } else if let Some(id) = env("JOB_COMPLETION_INDEX") {
                id.trim().parse::<u64>().map(|i| i + 1).map_err(|_| {
                    format!("--shard auto/{n}: JOB_COMPLETION_INDEX is \"{id}\", not a number")
                })?
            } else {
                return Err(format!(
                    "--shard auto/{n}: neither SLURM_ARRAY_TASK_ID (Slurm job arrays) nor \
                     JOB_COMPLETION_INDEX (Kubernetes Indexed Jobs) is set; give K/N instead"
                ));
            }
        } else {
            k.trim().parse().map_err(|_| usage())?
        };
        if n == 0 || k == 0 || k > n {
            return Err(format!(
                "--shard {text}: shard {k} of {n} does not exist; K runs from 1 to N \
                 (with Slurm, submit with --array=1-{n})"
            ));
        }
        Ok(Shard { k, n })
    }

    /// Whether run `i` belongs to this slice.
    pub fn holds(self, i: u64) -> bool {
        i % self.n == self.k - 1
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

/// A sweep ready to run: the scenario file, its overrides and the expanded grid.
pub struct Plan {
    /// The scenario file.
    pub file: PathBuf,
    text: String,
    /// Command-line overrides, applied before each point's.
    pub overrides: Vec<Override>,
    /// The scenario with the command-line overrides (its `[sweep]` read from it).
    pub base: Scenario,
    /// The grid.
    pub spec: SweepSpec,
    /// The manifest of the whole sweep (no shard).
    pub manifest: Manifest,
}

impl Plan {
    /// Reads `file`, applies `overrides` and expands its `[sweep]`.
    pub fn load(file: &Path, overrides: Vec<Override>) -> Result<Plan, SweepError> {
        let text = scenario::load::read_text(file)?;
        let base = scenario::load::parse_file_text(file, &text, &overrides)?;
        let Some(spec) = base.sweep.clone() else {
            return Err(SweepError::NoSweep(file.to_path_buf()));
        };
        let points: Vec<Vec<String>> = (0..spec.points())
            .map(|p| spec.point(p).iter().map(|v| display_toml(v)).collect())
            .collect();
        let mut manifest = Manifest {
            format: FORMAT,
            spacesim_version: env!("CARGO_PKG_VERSION").to_string(),
            sweep_id: String::new(),
            scenario: base.name.clone(),
            scenario_sha256: sha256_hex(text.as_bytes()),
            overrides: overrides.iter().map(Override::assignment).collect(),
            seed: base.seed,
            replications: spec.replications,
            independent: spec.independent,
            params: spec.params.clone(),
            points,
            runs: spec.runs(),
            shard: None,
        };
        manifest.sweep_id = sha256_hex(
            serde_json::to_string(&manifest)
                .expect("manifests serialize")
                .as_bytes(),
        );
        Ok(Plan {
            file: file.to_path_buf(),
            text,
            overrides,
            base,
            spec,
            manifest,
        })
    }

    /// Runs in the whole sweep.
    pub fn runs(&self) -> u64 {
        self.spec.runs()
    }

    /// (point, replication) of run `i`.
    pub fn locate(&self, i: u64) -> (u64, u32) {
        let r = u64::from(self.spec.replications);
        (i / r, (i % r) as u32)
    }

    /// The seed of run `i`.
    pub fn seed(&self, i: u64) -> u64 {
        let (point, r) = self.locate(i);
        if self.spec.independent {
            stream(
                self.base.seed,
                &format!("sweep/point/{point}/replication/{r}"),
            )
            .next_u64()
        } else {
            replication_seed(self.base.seed, r)
        }
    }

    /// The overrides that make grid point `p`.
    pub fn point_overrides(&self, p: u64) -> Vec<Override> {
        let values = self.spec.point(p);
        self.spec
            .params
            .iter()
            .zip(values)
            .map(|(path, v)| {
                Override::from_toml(
                    path,
                    v,
                    format!("[sweep.grid] point {p}: {path} = {}", display_toml(v)),
                )
            })
            .collect()
    }

    /// The scenario of grid point `p` (seed not yet set per run).
    pub fn point_scenario(&self, p: u64) -> Result<Scenario, SweepError> {
        let mut all = self.overrides.clone();
        all.extend(self.point_overrides(p));
        scenario::load::parse_file_text(&self.file, &self.text, &all).map_err(|e| {
            SweepError::Point {
                point: p,
                values: self.describe_point(p),
                cause: Box::new(e),
            }
        })
    }

    /// `path=value, ...` of point `p`, for messages.
    pub fn describe_point(&self, p: u64) -> String {
        self.spec
            .params
            .iter()
            .zip(&self.manifest.points[p as usize])
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A grid value as the CSVs show it.
fn display_toml(v: &toml::Value) -> String {
    display(&crate::scenario::overrides::parse_value(&v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_from_arguments_and_cluster_variables() {
        let none = |_: &str| None;
        assert_eq!(Shard::parse("2/3", none), Ok(Shard { k: 2, n: 3 }));
        let slurm = |k: &str| (k == "SLURM_ARRAY_TASK_ID").then(|| "3".to_string());
        assert_eq!(Shard::parse("auto/3", slurm), Ok(Shard { k: 3, n: 3 }));
        let k8s = |k: &str| (k == "JOB_COMPLETION_INDEX").then(|| "0".to_string());
        assert_eq!(Shard::parse("auto/3", k8s), Ok(Shard { k: 1, n: 3 }));
        assert!(
            Shard::parse("auto/3", none)
                .unwrap_err()
                .contains("neither")
        );
        assert!(
            Shard::parse("0/3", none)
                .unwrap_err()
                .contains("does not exist")
        );
        assert!(Shard::parse("4/3", none).is_err());
        assert!(Shard::parse("3", none).is_err());
        let out_of_range = |_: &str| Some("4".to_string());
        assert!(Shard::parse("auto/3", out_of_range).is_err());
    }

    #[test]
    fn shards_interleave_and_cover_every_run_once() {
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        for i in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.holds(i)).count(), 1);
        }
        assert!(shards[0].holds(0) && shards[1].holds(1) && shards[2].holds(5));
    }
}
