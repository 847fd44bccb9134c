#!/usr/bin/env bash
# Berth against docker-registry (CNCF distribution) and nginx on this machine, measured side by
# side in one run; prints the table and writes bench/RESULTS.md. See bench/README.md.
#
#   bench/run.sh                       # 3 rounds, 256 MiB blobs, wrk 10 s per endpoint
#   bench/run.sh --rounds 1 --wrk-seconds 3 --blob-mib 64 --out /tmp/quick.md
#   bench/run.sh --baseline-commit 118f63d     # also an earlier commit, in the same rounds
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

# --baseline-commit REV: that commit's berth, built in its own worktree and build directory
# (kept in build-bench-REV for the next run), joins every round beside this one.
command="bench/run.sh${*:+ $*}"
args=()
label=""
while (($#)); do
  if [[ "$1" == --baseline-commit ]]; then
    label=$(git -C "$repo" rev-parse --short "$2")
    shift 2
  else
    args+=("$1")
    shift
  fi
done
if [[ -n "$label" ]]; then
  tree="$repo/build-bench-$label/src"
  if [[ ! -d "$tree" ]]; then
    mkdir -p "$repo/build-bench-$label"
    git -C "$repo" archive "$label" | tar -x -C "$repo/build-bench-$label" --one-top-level=src
  fi
  if [[ ! -f "$repo/build-bench-$label/build/CMakeCache.txt" ]]; then
    cmake -S "$tree" -B "$repo/build-bench-$label/build" -DCMAKE_BUILD_TYPE=Release \
      -DBERTH_BUILD_TESTS=OFF >/dev/null
  fi
  cmake --build "$repo/build-bench-$label/build" --target berth -j "$(nproc)" >/dev/null
  args+=(--baseline "$repo/build-bench-$label/build/berth" --baseline-label "$label")
fi

exec python3 "$repo/bench/registry_bench.py" \
  --repo "$repo" \
  --berth "$build/berth" \
  --webhook-load "$build/bench/webhook_load" \
  --policy-bench "$build/bench/policy_bench" \
  --out "$repo/bench/RESULTS.md" \
  --command "$command" \
  "${args[@]}"
