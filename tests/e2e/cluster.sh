#!/usr/bin/env bash
# Starts or stops the e2e cluster by hand (tests source lib.sh and manage it themselves):
#
#   tests/e2e/cluster.sh up      # builds/uses the cached tools, prints the run directory
#   source <(tests/e2e/cluster.sh env /tmp/berth-e2e.XXXXXX)   # KUBECONFIG, E2E_UPSTREAM, ...
#   tests/e2e/cluster.sh down /tmp/berth-e2e.XXXXXX
#
# `up` leaves everything running (logs in RUN/logs) and prints RUN; `down RUN` stops what `up`
# started (by PID), restores the sysctls kubelet changed and removes the paths it created.
# Without RUN, env/down use the run `up` started last (/tmp/berth-e2e.last).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

run_dir() {
  local run=${1:-$(cat /tmp/berth-e2e.last 2>/dev/null || true)}
  [[ -n $run && -f $run/env ]] || e2e_fail "no e2e run directory (give the one 'up' printed)"
  echo "$run"
}

case ${1:-} in
  up)
    bash "$here/build-tools.sh"
    e2e_setup --keep
    trap 'rc=$?; ((rc == 0)) || e2e_teardown "$rc"' EXIT
    e2e_cluster_up
    echo "$E2E_RUN" >/tmp/berth-e2e.last
    echo "$E2E_RUN"
    ;;
  env)
    cat "$(run_dir "${2:-}")/env"
    ;;
  down)
    run=$(run_dir "${2:-}")
    # shellcheck disable=SC1091
    source "$run/env"
    E2E_RUN=$run
    e2e_teardown 0
    rm -f /tmp/berth-e2e.last
    ;;
  *)
    echo "usage: $0 up | env [RUN] | down [RUN]" >&2
    exit 2
    ;;
esac
