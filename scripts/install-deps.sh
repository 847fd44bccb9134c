#!/usr/bin/env bash
# Installs the Debian packages Berth builds and tests with, only when something is missing, so a
# second run costs nothing. Usage: scripts/install-deps.sh [build|test]
set -euo pipefail

build_packages=(cmake g++ make pkg-config libcpp-httplib-dev libssl-dev libyaml-cpp-dev
                libre2-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
                libcrypt-dev)
# Real registry clients and peers used by the integration tests.
test_packages=(skopeo umoci podman docker-registry apache2-utils curl openssl unzip
               clang libclang-rt-14-dev)  # clang: the libFuzzer targets in fuzz/

wanted=("${build_packages[@]}")
if [[ "${1:-build}" == "test" ]]; then
  wanted+=("${test_packages[@]}")
fi

missing=()
for pkg in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
# kubectl applies JSON Patches offline in the admission tests; Debian ships it in
# kubernetes-client, but some images carry their own build.
if [[ "${1:-build}" == "test" ]] && ! command -v kubectl >/dev/null; then
  missing+=(kubernetes-client)
fi

# The Helm chart tests (tests/helm) run on Node.js; keep a node that is already installed.
if [[ "${1:-build}" == "test" ]] && ! command -v node >/dev/null; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
