#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/CMakeLists.txt, clang) in build-fuzz/ and runs each for SECONDS
# (default 60), starting from its seed corpus in tests/data/. A crash, an uncaught exception other than DataError,
# a sanitizer report, a leak or a timeout fails the run; the input that caused it is kept in build-fuzz/findings/.
# New inputs found are kept in build-fuzz/corpus/<target>/, so a second run continues where the first stopped.
#   bash tests/fuzz/run.sh 60            (as CI does)      bash tests/fuzz/run.sh 3600 fuzz_npz   (one target, an hour)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
seconds=${1:-60}
shift || true
out=build-fuzz
CC=${CC:-clang} CXX=${CXX:-clang++} cmake -S tests/fuzz -B "$out" >/dev/null
cmake --build "$out" -j"$(nproc)"

seeds() {  # the committed files each target starts from
    case $1 in
        fuzz_idx) echo tests/data/*-ubyte tests/data/*-ubyte.gz tests/data/corrupt/* ;;
        fuzz_npz) echo tests/data/npz/*.npz ;;
        fuzz_config) echo tests/data/config/*.json ;;
        *) echo "no seeds for $1" >&2; exit 2 ;;
    esac
}

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_idx fuzz_npz fuzz_config)
mkdir -p "$out/findings"
for t in "${targets[@]}"; do
    mkdir -p "$out/corpus/$t"
    # shellcheck disable=SC2046
    cp -n $(seeds "$t") "$out/corpus/$t/"
    echo "fuzz: $t for $seconds s" >&2
    # -max_len: the 392 KB image seed would make every mutation slow; headers and directories sit in the first bytes.
    # -rss_limit_mb / -malloc_limit_mb: an input that makes a reader allocate more than 2 GB is a finding.
    "$out/$t" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=30 \
        -print_final_stats=1 -artifact_prefix="$out/findings/$t-" "$out/corpus/$t" 2>"$out/$t.log" ||
        { tail -n 60 "$out/$t.log" >&2; echo "fuzz: $t FAILED (log: $out/$t.log, input in $out/findings/)" >&2; exit 1; }
    grep -E '^stat::number_of_executed_units|^stat::new_units_added' "$out/$t.log" | tr '\n' ' ' >&2
    echo >&2
done
echo "fuzz: ${targets[*]}: no finding in $seconds s each" >&2
