#!/usr/bin/env bash
# Memory benchmark (issue 8): runs benches/day-2k.toml (24 h at 2,000 requests/s, about 173
# million requests) under /usr/bin/time and reports the peak resident memory (target: under
# 100 MB) and the rows of timeseries.csv (one per simulated second and key: it must not grow
# with the request count).
#
# Usage: benches/memory.sh [path/to/spacesim]   (default: target/release/spacesim, built here)
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${1:-target/release/spacesim}
if [[ $# -eq 0 ]]; then
    cargo build --release --quiet
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

/usr/bin/time -f '%M %e %U %S' -o "$out/time" \
    "$bin" run benches/day-2k.toml --out "$out/run" --no-plots -q
read -r peak_kb wall_s user_s sys_s < "$out/time"

requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"]["total"])' \
    "$out/run/summary.json" 2>/dev/null || echo "?")
rows=$(($(wc -l < "$out/run/timeseries.csv") - 1))
keys=$(tail -n +2 "$out/run/timeseries.csv" | cut -d, -f2-4 | sort -u | wc -l)
seconds=$((24 * 3600))

printf '%-34s %14s\n' "scenario" "benches/day-2k.toml"
printf '%-34s %14s\n' "requests" "$requests"
printf '%-34s %14s\n' "wall s" "$wall_s"
printf '%-34s %14s   (user %s + system %s)\n' "CPU s" "$(echo "$user_s + $sys_s" | bc -l)" "$user_s" "$sys_s"
printf '%-34s %14.1f   (target < 100)\n' "peak RSS MB" "$(echo "$peak_kb / 1024" | bc -l)"
printf '%-34s %14s\n' "timeseries.csv rows" "$rows"
printf '%-34s %14s   (%s keys x %s s)\n' "expected rows (per second x key)" \
    "$((keys * seconds))" "$keys" "$seconds"
if [[ $rows -ne $((keys * seconds)) ]]; then
    echo "timeseries.csv does not hold one row per second and key" >&2
    exit 1
fi
