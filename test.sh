#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test through ctest.
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh test

build_dir="${BERTH_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

# Integration tests start their own servers on port 0, so they can run side by side.
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 900 "$@"
