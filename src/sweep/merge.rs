//! `spacesim merge`: the shards of one sweep, run anywhere, joined into the files an unsharded
//! sweep writes, byte for byte.
//!
//! Each shard directory holds `sweep.json` and `journal.jsonl`. Merging refuses directories of
//! different sweeps (their manifests differ beyond the shard), shards of different splits, and a
//! set of journals with a run missing, naming which shard should have had it.

use std::path::{Path, PathBuf};

use super::SweepError;
use super::journal::{Index, JOURNAL};
use super::plan::{Manifest, Shard};
use super::tables::{self, MANIFEST};
use crate::report::OutputDir;

/// Reads the shard directories `dirs` and writes the whole sweep's files to `out`.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<Vec<PathBuf>, SweepError> {
    if dirs.is_empty() {
        return Err(SweepError::Refused(
            "nothing to merge: name the shard directories".to_string(),
        ));
    }
    let mut first: Option<(Manifest, &PathBuf)> = None;
    let mut index = Index::default();
    for (n, dir) in dirs.iter().enumerate() {
        let manifest = read_manifest(dir)?;
        let (header, _) = index.scan(&dir.join(JOURNAL), n)?;
        if header.sweep_id != manifest.sweep_id || header.shard != manifest.shard {
            return Err(SweepError::Refused(format!(
                "{}: its journal and sweep.json disagree (another sweep wrote into this \
                 directory?); rerun this shard",
                dir.display()
            )));
        }
        match &first {
            None => first = Some((manifest, dir)),
            Some((m, first_dir)) => {
                let mut a = m.clone();
                let mut b = manifest.clone();
                a.shard = None;
                b.shard = None;
                if a != b {
                    return Err(SweepError::Refused(format!(
                        "{} and {} come from different sweeps ({}); merge shards of one sweep \
                         (same scenario file, overrides and spacesim version)",
                        first_dir.display(),
                        dir.display(),
                        difference(&a, &b)
                    )));
                }
                if let (Some(x), Some(y)) = (m.shard, manifest.shard)
                    && x.n != y.n
                {
                    return Err(SweepError::Refused(format!(
                        "{} is shard {x} and {} is shard {y}: shards of different splits",
                        first_dir.display(),
                        dir.display()
                    )));
                }
            }
        }
    }
    let (mut manifest, _) = first.expect("at least one directory");
    let split = manifest.shard.map(|s| s.n);
    let missing: Vec<u64> = (0..manifest.runs)
        .filter(|i| !index.runs.contains_key(i))
        .collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(5).map(u64::to_string).collect();
        let whose = match split {
            Some(n) => {
                let mut shards: Vec<String> = missing
                    .iter()
                    .map(|&i| Shard { k: i % n + 1, n }.to_string())
                    .collect();
                shards.dedup();
                shards.sort();
                shards.dedup();
                format!(
                    "; they belong to shard(s) {}: run those (with --resume if they started) \
                     and merge again",
                    shards.join(", ")
                )
            }
            None => String::new(),
        };
        return Err(SweepError::Refused(format!(
            "{} of {} runs are missing (run {}{}){whose}",
            missing.len(),
            manifest.runs,
            shown.join(", "),
            if missing.len() > 5 { ", …" } else { "" }
        )));
    }
    manifest.shard = None;
    let out = OutputDir::create(out)?;
    tables::write_all(&out, &manifest, &index)
}

/// The `sweep.json` in `dir`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, SweepError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            SweepError::Refused(format!(
                "{}: not a sweep directory (no {MANIFEST}); name the --out directories of \
                 `spacesim sweep --shard`",
                dir.display()
            ))
        } else {
            SweepError::io(&path, e)
        }
    })?;
    serde_json::from_str(&text).map_err(|e| SweepError::Journal {
        path,
        line: e.line(),
        message: e.to_string(),
    })
}

/// The first field where two manifests differ, for the refusal message.
fn difference(a: &Manifest, b: &Manifest) -> String {
    let fields = [
        (
            "their spacesim versions differ",
            a.spacesim_version != b.spacesim_version,
        ),
        (
            "their scenario files differ",
            a.scenario_sha256 != b.scenario_sha256,
        ),
        ("their --set overrides differ", a.overrides != b.overrides),
        ("their seeds differ", a.seed != b.seed),
        (
            "their grids differ",
            a.params != b.params || a.points != b.points,
        ),
        (
            "their replications differ",
            a.replications != b.replications,
        ),
    ];
    fields
        .iter()
        .find(|(_, differs)| *differs)
        .map_or("their sweep ids differ", |(name, _)| name)
        .to_string()
}
