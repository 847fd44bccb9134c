#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test: ctest (unit, integration, helm,
# fuzz, soak, e2e) and the unit and integration tests again under the sanitizers.
# Exits non-zero when anything fails. BERTH_SKIP_SANITIZERS=1 leaves the sanitizer builds out,
# for a quicker local run; CI always runs them. Arguments go to both ctest runs (-R PATTERN).
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh test
# Debian 12's skopeo and podman have sigstore signing and verification patched out; the
# signature interop tests use Debian 13's skopeo and podman, unpacked once into
# ~/.cache/berth-e2e (about 11 s and 52 MB cold). Here, so that a download problem fails as
# setup, not as a test.
bash tests/support/trixie-containers.sh >/dev/null

# The e2e tests' tools (kube-apiserver and kubelet built from Debian's source; a Debian trixie
# root with Ceph) are built once into ~/.cache/berth-e2e. On a fresh machine that takes about
# 25 minutes, much of it downloading, so it runs in the background through everything else, at
# a lower priority: it takes the CPU the builds and tests leave idle, and timing-sensitive tests
# are not slowed by it. The e2e tests run last and find it done. Only as root: the tests that
# use them need root and are skipped otherwise.
e2e_prep_pids=()
if [[ $(id -u) == 0 && -z ${BERTH_SKIP_E2E_PREP:-} ]]; then
  mkdir -p "${BERTH_E2E_CACHE:-$HOME/.cache/berth-e2e}"
  log_dir=$(mktemp -d /tmp/berth-e2e-prep.XXXXXX)
  nice -n 10 bash tests/e2e/build-tools.sh >"$log_dir/kube.log" 2>&1 &
  e2e_prep_pids+=($!)
  nice -n 10 bash tests/e2e/ceph/build-root.sh >"$log_dir/ceph.log" 2>&1 &
  e2e_prep_pids+=($!)
  echo "e2e tools: preparing in the background (logs in $log_dir)"
fi

build_dir="${BERTH_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
echo "test.sh: built at ${SECONDS}s"

# Integration tests start their own servers on port 0, so they can run side by side.
run_ctest() {
  ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 900 "$@"
}
run_ctest -LE '^e2e$' "$@"
echo "test.sh: ctest without e2e done at ${SECONDS}s"

# The unit and integration tests again, built with AddressSanitizer + UBSan and then with
# ThreadSanitizer (docs/RELIABILITY.md).
if [[ -z ${BERTH_SKIP_SANITIZERS:-} ]]; then
  scripts/sanitizer-tests.sh all
  echo "test.sh: sanitizer tests done at ${SECONDS}s"
fi

# A failed preparation is not fatal here: each e2e test runs the same idempotent script again
# and reports its error.
for pid in "${e2e_prep_pids[@]}"; do
  wait "$pid" || echo "e2e tools: a preparation step failed (logs in $log_dir); the e2e tests retry it"
done
echo "test.sh: e2e tools ready at ${SECONDS}s"
run_ctest -L '^e2e$' "$@"
echo "test.sh: e2e tests done at ${SECONDS}s"
