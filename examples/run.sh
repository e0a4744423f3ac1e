#!/usr/bin/env bash
# Builds every example against an installed recpool and runs it:
#   cmake --install build --prefix /tmp/rp && bash examples/run.sh /tmp/rp [WORK_DIR]
# Each example is a stand-alone CMake project that sees only the installed package (find_package(recpool)); the
# digits come from this repository's tests/data/. Ends with "examples: N passed, M failed"; exit 1 if any failed.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bash examples/run.sh PREFIX [WORK_DIR]" >&2; exit 2; }
prefix=$(readlink -f "$1")
here=$(dirname "$(readlink -f "$0")")
data="$here/../tests/data"
work=${2:-$(mktemp -d)}
mkdir -p "$work"

for ex in custom_loss custom_op; do
  echo "== configure and build examples/$ex against $prefix"
  cmake -S "$here/$ex" -B "$work/$ex" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$work/$ex" -j2
done

passed=0 failed=0
run() {
  echo "== $*"
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $*"; failed=$((failed + 1)); fi
}
run "$work/custom_loss/custom_loss" "$data/train-images-500-idx3-ubyte" "$data/train-labels-500-idx1-ubyte"
run "$work/custom_op/firm_shrink_check"
# A short timing run (one size, 10 ms a case): it checks that the benchmark builds and runs, not the speed.
run "$work/custom_op/firm_shrink_bench" --benchmark_filter='/B:100/n:400/' --benchmark_min_time=0.01
echo "examples: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
