#!/usr/bin/env bash
# Runs the chart tests: tests/helm/run.sh BERTH_BINARY [TEST_FILE...]
# Installs helm and the schema models on first use (setup.sh, cached outside the clone).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
if [[ $# -lt 1 ]]; then
  echo "usage: $0 BERTH_BINARY [TEST_FILE...]" >&2
  exit 2
fi
berth="$1"
shift
[[ -x "$berth" ]] || { echo "run.sh: $berth is not an executable berth binary" >&2; exit 1; }
tools="$("$here/setup.sh")"
files=("$@")
if ((${#files[@]} == 0)); then
  files=("$here"/*.test.mjs)
fi
export HELM_TOOLS="$tools" BERTH="$berth" BERTH_SOURCE_DIR="$(cd "$here/../.." && pwd)"
exec node --test --test-reporter=spec "${files[@]}"
