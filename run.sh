#!/usr/bin/env bash
# Installs what Berth needs, builds it (Release) and starts `berth serve` on 127.0.0.1 with the
# default config and the example policies. Extra arguments go to `berth serve`.
# BERTH_BIN=PATH skips the build and runs that binary (packagers, and the test of this script).
set -euo pipefail
cd "$(dirname "$0")"

if [[ -z "${BERTH_BIN:-}" ]]; then
  scripts/install-deps.sh build
  cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBERTH_BUILD_TESTS=OFF \
    -DBERTH_BUILD_BENCH=OFF >/dev/null
  cmake --build build-release -j"$(nproc)" --target berth
  BERTH_BIN=./build-release/berth
fi

mkdir -p .berth-run
exec "$BERTH_BIN" serve --config examples/config/default.yaml "$@"
