#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (into build-fuzz/, reused) and runs them.
#
#   fuzz/run.sh [TARGET|all] [SECONDS]      default: all, 30 seconds per target
#
# For each target: replays fuzz/regressions/<target>/ first (inputs that once crashed; any failure
# fails the run), then fuzzes for SECONDS from the seed corpus fuzz/corpus/<target>/ plus the
# working corpus in build-fuzz/corpus/<target>/ (kept between runs, not committed), with the
# dictionary fuzz/dict/<target>.dict when there is one. Crash, leak, timeout and out-of-memory
# inputs are written to fuzz/findings/<target>/ (gitignored). Exit 1 when any target found
# something, 2 on a usage error. Environment: BERTH_FUZZ_BUILD (build dir), BERTH_FUZZ_JOBS
# (make -j, default 2).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${BERTH_FUZZ_BUILD:-$root/build-fuzz}"
targets=(image_reference policy_load admission_review manifest upload_range auth_header
         auth_challenge router head_parser vulnerability_report)

which="${1:-all}"
seconds="${2:-30}"
if [[ "$which" == "-h" || "$which" == "--help" ]]; then
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 0
fi
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || ((seconds < 1)); then
  echo "run.sh: SECONDS must be a positive integer, got '$seconds'" >&2
  exit 2
fi
if [[ "$which" != "all" ]]; then
  if [[ " ${targets[*]} " != *" $which "* ]]; then
    echo "run.sh: unknown target '$which' (one of: all ${targets[*]})" >&2
    exit 2
  fi
  targets=("$which")
fi

for tool in clang++ cmake make; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 1; }
done

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
make -C "$build" -j"${BERTH_FUZZ_JOBS:-2}" "${targets[@]/%/_fuzzer}" >/dev/null

failed=()
for target in "${targets[@]}"; do
  binary="$build/${target}_fuzzer"
  findings="$here/findings/$target"
  corpus="$build/corpus/$target"
  mkdir -p "$findings" "$corpus"
  # Hosts that forbid ptrace (containers) make LeakSanitizer fail at exit; leaks are not what
  # these targets look for, so they are off.
  export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0}"
  export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

  regressions="$here/regressions/$target"
  if compgen -G "$regressions/*" >/dev/null; then
    echo "== $target: replaying $(ls "$regressions" | wc -l) regression input(s)"
    if ! "$binary" -runs=1 "$regressions"/* >"$build/$target.regressions.log" 2>&1; then
      tail -n 30 "$build/$target.regressions.log" >&2
      failed+=("$target (regression)")
      continue
    fi
  fi

  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536
        -print_final_stats=1 -artifact_prefix="$findings/")
  [[ -f "$here/dict/$target.dict" ]] && args+=(-dict="$here/dict/$target.dict")
  echo "== $target: fuzzing for ${seconds}s"
  if "$binary" "${args[@]}" "$corpus" "$here/corpus/$target" >"$build/$target.log" 2>&1; then
    grep -E '^stat::(number_of_executed_units|new_units_added)' "$build/$target.log" |
      sed "s/^/   /" || true
    echo "   corpus: $(ls "$corpus" | wc -l) files"
  else
    tail -n 40 "$build/$target.log" >&2
    echo "   finding kept in $findings/" >&2
    failed+=("$target")
  fi
done

if ((${#failed[@]})); then
  echo "run.sh: findings in: ${failed[*]}" >&2
  exit 1
fi
echo "run.sh: no findings"
