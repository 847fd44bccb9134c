#!/usr/bin/env bash
# Builds berth and the tests with sanitizers and runs the unit and integration tests under them.
#
#   scripts/sanitizer-tests.sh [address|thread|all]      default: all
#
# address: AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer where the host allows
# it) into build-asan/; thread: ThreadSanitizer into build-tsan/. Built with clang (half the
# compile time of g++ on this code; its sanitizer runtimes are the reference ones), line tables,
# precompiled headers, and ninja and lld when installed; the build directories are reused.
#
# ctest runs every test labelled unit or integration (not helm, fuzz, soak, e2e) against the
# sanitized berth, then bench/soak.sh puts 16 concurrent clients on one sanitized server for
# 20 s. Every finding aborts the process that made it (halt_on_error), and every report of any
# process (test programs, and the berth servers and commands they start) goes to
# <build>/sanitizer-reports/, so a report from a child process fails the run even when its test
# did not notice the child die. Exit 1 on a failed test or any report (printed), 2 on a usage
# error. Environment: BERTH_SANITIZER_JOBS (build and ctest parallelism, default nproc),
# BERTH_SANITIZER_SOAK_SECONDS (default 20; 0 skips the soak). Suppressions:
# scripts/sanitizers/{lsan,tsan}.supp, documented third-party false positives only.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
which="${1:-all}"
case "$which" in
  address|thread) kinds=("$which") ;;
  all) kinds=(address thread) ;;
  -h|--help) sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "sanitizer-tests.sh: unknown sanitizer '$which' (address, thread or all)" >&2; exit 2 ;;
esac
for tool in clang++ cmake ctest python3; do
  command -v "$tool" >/dev/null || { echo "sanitizer-tests.sh: $tool is not installed" >&2; exit 1; }
done
jobs="${BERTH_SANITIZER_JOBS:-$(nproc)}"
soak_seconds="${BERTH_SANITIZER_SOAK_SECONDS:-20}"
supp="$root/scripts/sanitizers"

# LeakSanitizer needs ptrace-like access to the process; some containers forbid it, and then
# every sanitized program would fail at exit. Probe once with the freshly built berth.
leaks_supported() {
  local out
  out=$(ASAN_OPTIONS=detect_leaks=1 "$1" version 2>&1) && return 0
  [[ "$out" != *"LeakSanitizer has encountered a fatal error"* ]]
}

failed=()
for kind in "${kinds[@]}"; do
  started=$SECONDS
  # ASan and UBSan find the same at -O0, which compiles a third faster; TSan code at -O0 runs
  # too slowly for the timing of the integration tests, so berth keeps -O1 there. The tests'
  # own code is -O0 in both (tests/CMakeLists.txt).
  case "$kind" in
    address) build="${BERTH_ASAN_BUILD:-$root/build-asan}"; opt=-O0 ;;
    thread) build="${BERTH_TSAN_BUILD:-$root/build-tsan}"; opt=-O1 ;;
  esac
  echo "== $kind: building in $build"
  if [[ ! -f "$build/CMakeCache.txt" ]]; then
    generator=()
    command -v ninja >/dev/null && generator=(-G Ninja)
    linker=()
    command -v ld.lld >/dev/null && linker=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld)
    cmake "${generator[@]}" -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ \
      -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=$opt -g1" -DBERTH_SANITIZE="$kind" \
      -DBERTH_PRECOMPILE_HEADERS=ON -DBERTH_BUILD_BENCH=OFF "${linker[@]}" >/dev/null
  fi
  # Everything the unit and integration tests need: berth and the test programs (not fuzz/bench).
  cmake --build "$build" -j"$jobs"
  built=$SECONDS

  reports="$build/sanitizer-reports"
  rm -rf "$reports"
  mkdir -p "$reports"
  leaks=0
  if [[ "$kind" == address ]] && leaks_supported "$build/berth"; then leaks=1; fi
  # Each runtime also reads the other tools' variables (UBSAN_OPTIONS's log_path would win in a
  # TSan build): set only this build's.
  unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS
  if [[ "$kind" == address ]]; then
    export ASAN_OPTIONS="halt_on_error=1:detect_leaks=$leaks:detect_stack_use_after_return=1:strict_string_checks=1:check_initialization_order=1:log_path=$reports/address"
    export LSAN_OPTIONS="suppressions=$supp/lsan.supp:print_suppressions=0"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/address"
  else
    # ignore_noninstrumented_modules: see scripts/sanitizers/tsan.supp.
    export TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:ignore_noninstrumented_modules=1:log_path=$reports/thread:suppressions=$supp/tsan.supp"
  fi

  echo "== $kind: unit and integration tests (leak checks: $leaks)"
  status=0
  ctest --test-dir "$build" --output-on-failure -j"$jobs" --timeout 600 -L '^(unit|integration)$' \
    -E '_NOT_BUILT$' || status=$?
  if ((soak_seconds > 0)); then
    echo "== $kind: soak, 16 clients, ${soak_seconds}s"
    # The sanitizers' own memory (ASan quarantine, TSan shadow) grows with the load: no RSS limit.
    "$root/bench/soak.sh" --berth "$build/berth" --duration "$soak_seconds" --clients 16 \
      --rss-growth-pct 100000 || status=1
  fi
  if compgen -G "$reports/*" >/dev/null; then
    echo "== $kind: sanitizer reports (from the tests or the berth processes they started):" >&2
    for report in "$reports"/*; do
      echo "--- $report" >&2
      head -n 80 "$report" >&2
    done
    status=1
  fi
  echo "== $kind: $(( built - started ))s build, $(( SECONDS - built ))s tests, status $status"
  ((status == 0)) || failed+=("$kind")
done

if ((${#failed[@]})); then
  echo "sanitizer-tests.sh: failed: ${failed[*]}" >&2
  exit 1
fi
echo "sanitizer-tests.sh: no findings"
