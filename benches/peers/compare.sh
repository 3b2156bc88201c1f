#!/usr/bin/env bash
# Peer comparison (issue 8): the reference model (5 dynos x 8 slots, random routing, Poisson
# 32k/s, exponential 1 ms service) in SimPy and in spacesim, run in the same invocation on the
# same machine; prints each one's simulated requests per wall-clock second and the ratio
# spacesim / SimPy (target: at least 100x).
#
# SimPy simulates fewer seconds (SIMPY_DURATION, default 5 s: 160,000 requests) than spacesim's
# benchmark (60 s): rates are per request, so the ratio does not depend on it.
#
# Usage: benches/peers/compare.sh         (installs SimPy from requirements.txt if missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."

python=${PYTHON:-python3}
if ! "$python" -c 'import simpy' 2>/dev/null; then
    echo "installing SimPy (benches/peers/requirements.txt)" >&2
    "$python" -m pip install --quiet -r "$here/requirements.txt"
fi

echo "running the SimPy model ..." >&2
simpy_json=$("$python" "$here/reference_simpy.py" --duration "${SIMPY_DURATION:-5}" --repeat 2)

echo "running spacesim's engine benchmark (cargo bench --bench engine) ..." >&2
engine=$(BENCH_REPEAT=${BENCH_REPEAT:-3} cargo bench --quiet --bench engine 2>/dev/null)

field() { "$python" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$simpy_json" "$1"; }
simpy_rate=$(field requests_per_s)
simpy_requests=$(field requests)
simpy_wall=$(field wall_s)
simpy_mean=$(field mean_ms)
# The rows are "<name> <requests> <wall s> <requests/s> <ratio>"; the name has spaces.
row() { grep "^$1" <<<"$engine" | awk '{print $(NF-3), $(NF-2), $(NF-1)}'; }
read -r sim_requests sim_wall sim_rate < <(row "spacesim sim::run")
read -r bare_requests bare_wall bare_rate < <(row "yardstick")
read -r struct_requests struct_wall struct_rate < <(row "bare loop on spacesim")
sim_mean=$(grep '^mean response time' <<<"$engine" | sed 's/.*spacesim \([0-9.]*\) ms.*/\1/')

printf '%-36s %12s %9s %14s %16s\n' benchmark requests "wall s" requests/s "ratio to SimPy"
ratio() { "$python" -c "print(f'{$1 / $2:.1f}x')"; }
printf '%-36s %12s %9.3f %14.0f %16s\n' "SimPy $(field simpy) (Resource per dyno)" \
    "$simpy_requests" "$simpy_wall" "$simpy_rate" "1.0x"
printf '%-36s %12s %9.3f %14.0f %16s\n' "spacesim sim::run (all features)" \
    "$sim_requests" "$sim_wall" "$sim_rate" "$(ratio "$sim_rate" "$simpy_rate")"
printf '%-36s %12s %9.3f %14.0f %16s\n' "yardstick (bare BinaryHeap loop)" \
    "$bare_requests" "$bare_wall" "$bare_rate" "$(ratio "$bare_rate" "$simpy_rate")"
printf '%-36s %12s %9.3f %14.0f %16s\n' "bare loop on spacesim's event queue" \
    "$struct_requests" "$struct_wall" "$struct_rate" "$(ratio "$struct_rate" "$simpy_rate")"
printf '\nmean response time: SimPy %.4f ms, spacesim %s ms (same model)\n' "$simpy_mean" "$sim_mean"
printf 'SimPy ran on %s: its speed, and so the ratio, depends on the Python version\n' "$(field python)"
printf 'spacesim / SimPy: %s (target >= 100x)\n' "$(ratio "$sim_rate" "$simpy_rate")"
