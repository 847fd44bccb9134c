#!/usr/bin/env bash
# Validates the vulnerability-report fixtures (tests/fixtures/reports) against the formats'
# published schemas: tests/reports/run.sh [TEST_FILE...]. The schemas and ajv come from npm
# through tests/helm/setup.sh (cached outside the clone; only the npm registry is contacted).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tools="$("$here/../helm/setup.sh")"
files=("$@")
if ((${#files[@]} == 0)); then
  files=("$here"/*.test.mjs)
fi
export HELM_TOOLS="$tools" BERTH_SOURCE_DIR="$(cd "$here/../.." && pwd)"
exec node --test --test-reporter=spec "${files[@]}"
