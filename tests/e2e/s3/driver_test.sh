#!/usr/bin/env bash
# Runs the StorageDriver contract against a real S3 server: starts radosgw with
# tests/e2e/ceph/rgw.sh, runs the GoogleTest program given as $1 with S3_* in its environment,
# stops radosgw. Exit 77 (skipped) when not root, since rgw.sh needs namespaces and chroot.
#   driver_test.sh BUILD/tests/e2e/s3/s3_driver_contract_test [gtest flags...]
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RGW="$HERE/../ceph/rgw.sh"
PROGRAM="${1:?usage: driver_test.sh CONTRACT_TEST_BINARY [gtest flags]}"
shift

if [[ "$(id -u)" != 0 ]]; then
  echo "driver_test.sh: skipped, radosgw needs root" >&2
  exit 77
fi
[[ -x "$RGW" ]] || { echo "driver_test.sh: $RGW is missing" >&2; exit 1; }

STATE="$(mktemp -d "${TMPDIR:-/tmp}/berth-s3-driver.XXXXXX")"
cleanup() {
  "$RGW" stop "$STATE" >/dev/null 2>&1 || true
  rm -rf "$STATE"
}
trap cleanup EXIT

"$RGW" start "$STATE" >/dev/null
set -a
# shellcheck disable=SC1091
source "$STATE/env"
set +a
"$PROGRAM" "$@"
