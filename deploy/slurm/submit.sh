#!/usr/bin/env bash
# Submit a spacesim sweep to Slurm: an array of SHARDS tasks (sweep.sbatch), then a merge job
# (merge.sbatch) that starts once every task has succeeded.
#
#   deploy/slurm/submit.sh SCENARIO OUT SHARDS [SBATCH_OPTION...]
#
# OUT must be on a file system every node sees; it gets shard-1 ... shard-SHARDS, merged/ and
# logs/ (one file per task, and merge.out). SBATCH_OPTIONs (--partition=..., --account=...,
# --time=...) go to both jobs; so do sbatch's own SBATCH_* environment variables. SPACESIM names
# the binary (default `spacesim` on PATH); the jobs get its absolute path.
#
# Prints what it submitted on stderr and the two job ids, "ARRAY_ID MERGE_ID", on stdout.
# If a task fails the merge job is cancelled (--kill-on-invalid-dep=yes); submitting again with
# the same OUT resumes the shards from their journals.
set -euo pipefail

fail() {
  echo "submit.sh: $*" >&2
  exit 2
}

[ "$#" -ge 3 ] || fail "usage: submit.sh SCENARIO OUT SHARDS [SBATCH_OPTION...]"
scenario=$1 out=$2 shards=$3
shift 3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[ -f "$scenario" ] || fail "no scenario file $scenario"
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || fail "SHARDS must be a positive integer, not '$shards'"
command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm login node"
spacesim=$(command -v "${SPACESIM:-spacesim}") \
  || fail "spacesim binary '${SPACESIM:-spacesim}' not found; set SPACESIM"
# The jobs may start in another directory and on other nodes: give them absolute paths.
scenario=$(realpath "$scenario")
spacesim=$(realpath "$spacesim")
mkdir -p "$out/logs"
out=$(realpath "$out")
case "$spacesim" in *,*) fail "sbatch --export cannot pass a path with a comma: $spacesim" ;; esac

array=$(sbatch --parsable --array="1-$shards" --output="$out/logs/shard-%a.out" \
  --export="ALL,SPACESIM=$spacesim,SWEEP_SHARDS=$shards" "$@" \
  "$here/sweep.sbatch" "$scenario" "$out")
array=${array%%;*} # --parsable prints "id;cluster" on multi-cluster sites
merge=$(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes \
  --output="$out/logs/merge.out" --export="ALL,SPACESIM=$spacesim" "$@" \
  "$here/merge.sbatch" "$out")
merge=${merge%%;*}

cat >&2 <<MSG
submitted a spacesim sweep of $scenario in $shards shards:
  array job $array, tasks 1-$shards: $out/shard-K, logs $out/logs/shard-K.out
  merge job $merge, once every task has succeeded: $out/merged, log $out/logs/merge.out
watch it with: squeue -j $array,$merge
MSG
echo "$array $merge"
