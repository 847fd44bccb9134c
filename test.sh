#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every test through ctest.
# Exits non-zero when anything fails.
set -euo pipefail
cd "$(dirname "$0")"

scripts/install-deps.sh test

# The e2e tests' tools (kube-apiserver and kubelet built from Debian's source; a Debian trixie
# root with Ceph) are built once into ~/.cache/berth-e2e. On a fresh machine that takes a while,
# much of it downloading, so it runs beside the C++ build; the e2e tests find it done. Only as
# root: the tests that use them need root and are skipped otherwise.
e2e_prep_pids=()
if [[ $(id -u) == 0 && -z ${BERTH_SKIP_E2E_PREP:-} ]]; then
  mkdir -p "${BERTH_E2E_CACHE:-$HOME/.cache/berth-e2e}"
  log_dir=$(mktemp -d /tmp/berth-e2e-prep.XXXXXX)
  bash tests/e2e/build-tools.sh >"$log_dir/kube.log" 2>&1 &
  e2e_prep_pids+=($!)
  bash tests/e2e/ceph/build-root.sh >"$log_dir/ceph.log" 2>&1 &
  e2e_prep_pids+=($!)
  echo "e2e tools: preparing in the background (logs in $log_dir)"
fi

build_dir="${BERTH_BUILD_DIR:-build}"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build_dir" -j"$(nproc)"

# A failed preparation is not fatal here: each e2e test runs the same idempotent script again
# and reports its error.
for pid in "${e2e_prep_pids[@]}"; do
  wait "$pid" || echo "e2e tools: a preparation step failed (logs in $log_dir); the e2e tests retry it"
done

echo "test.sh: built, e2e tools ready at ${SECONDS}s"

# Integration tests start their own servers on port 0, so they can run side by side.
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 900 "$@"
echo "test.sh: ctest done at ${SECONDS}s"

# The unit and integration tests again, built with AddressSanitizer + UBSan and then with
# ThreadSanitizer (docs/RELIABILITY.md). Last, on a machine no other test is loading: sanitized
# code runs several times slower and the integration tests have timeouts. BERTH_SKIP_SANITIZERS=1
# leaves them out, for a quick local run; CI always runs them.
if [[ -z ${BERTH_SKIP_SANITIZERS:-} ]]; then
  scripts/sanitizer-tests.sh all
  echo "test.sh: sanitizer tests done at ${SECONDS}s"
fi
