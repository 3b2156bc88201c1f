#!/usr/bin/env bash
# Runs both fuzz targets for SECONDS each (default 60), one after the other, on one core.
#
#   fuzz/run.sh [SECONDS]
#
# cargo-fuzz builds with nightly-only compiler flags (-Zsanitizer=address, coverage
# instrumentation); RUSTC_BOOTSTRAP=1 lets the stable toolchain accept them. It is meant for
# building compilers and tools like this one, not for library code: nothing it builds ships.
# New corpus entries go to fuzz/corpus/<target>/ (not committed); crashes to
# fuzz/artifacts/<target>/ - minimise one with
#   RUSTC_BOOTSTRAP=1 cargo fuzz tmin <target> fuzz/artifacts/<target>/crash-…
# and commit it under tests/fixtures/fuzz/<target>/ (see tests/integration/fuzz_regressions.rs).
set -euo pipefail

seconds="${1:-60}"
cd "$(dirname "$0")"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz (cargo install cargo-fuzz)…" >&2
    cargo install cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1
status=0
for target in scenario router_log; do
    mkdir -p "corpus/$target"
    echo "== fuzzing $target for ${seconds}s" >&2
    # corpus/<target> collects what the fuzzer finds; seeds/<target> (committed) is read only.
    if ! cargo fuzz run -O "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
        -print_final_stats=1; then
        echo "== $target: the fuzzer stopped on a failure; see fuzz/artifacts/$target/" >&2
        status=1
    fi
done
exit "$status"
