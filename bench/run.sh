#!/usr/bin/env bash
# Berth against docker-registry (CNCF distribution) and nginx on this machine, measured side by
# side in one run; prints the table and writes bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh                       # 3 rounds, 256 MiB blobs, wrk 10 s per endpoint
#   bench/run.sh --rounds 1 --wrk-seconds 3 --blob-mib 64 --out /tmp/quick.md
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build="$repo/build-bench"

missing=()
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v nginx >/dev/null || missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v python3 >/dev/null || missing+=(python3)
if ((${#missing[@]})); then
  echo "installing ${missing[*]}" >&2
  apt-get install -y "${missing[@]}" >/dev/null || {
    apt-get update >/dev/null && apt-get install -y "${missing[@]}" >/dev/null
  }
fi

# Release build of the three programs only; the tests have their own build directories.
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target berth webhook_load policy_bench -j "$(nproc)" >/dev/null

exec python3 "$repo/bench/registry_bench.py" \
  --repo "$repo" \
  --berth "$build/berth" \
  --webhook-load "$build/bench/webhook_load" \
  --policy-bench "$build/bench/policy_bench" \
  --out "$repo/bench/RESULTS.md" \
  --command "bench/run.sh${*:+ $*}" \
  "$@"
