#!/usr/bin/env bash
# Installs the Debian packages Berth builds and tests with, only when something is missing, so a
# second run costs nothing. Usage: scripts/install-deps.sh [build|test]
set -euo pipefail

build_packages=(cmake g++ make pkg-config libcpp-httplib-dev libssl-dev libyaml-cpp-dev
                libre2-dev nlohmann-json3-dev libgtest-dev libgmock-dev libbenchmark-dev
                libcrypt-dev)
# Real registry clients and peers used by the integration tests; python3-nacl makes the sigstore
# private keys skopeo signs with; gpgv, xz-utils, debian-archive-keyring and patchelf let
# tests/support/trixie-containers.sh check and unpack Debian 13's skopeo and podman.
# clang, ninja and lld: the libFuzzer targets in fuzz/ and the sanitizer builds
# (scripts/sanitizer-tests.sh); clang-format: scripts/check-format.sh.
test_packages=(skopeo umoci podman docker-registry apache2-utils curl openssl unzip python3-nacl
               gpgv xz-utils debian-archive-keyring patchelf
               clang libclang-rt-14-dev ninja-build lld clang-format)

# The e2e tests (root only): a kube-apiserver and kubelet built with Go from Debian's source,
# etcd, containerd and runc as the node, jq; wget for debootstrap (the Ceph root). Installed
# here, before test.sh starts tests/e2e/build-tools.sh and tests/e2e/ceph/build-root.sh side by
# side, so that those two never run apt on the host at the same time.
e2e_packages=(golang-1.19-go rsync etcd-server containerd runc golang-github-modern-go-reflect2-dev
              dpkg-dev gcc libc6-dev jq iproute2 wget)

wanted=("${build_packages[@]}")
if [[ "${1:-build}" == "test" ]]; then
  wanted+=("${test_packages[@]}")
  [[ $(id -u) == 0 ]] && wanted+=("${e2e_packages[@]}")
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
