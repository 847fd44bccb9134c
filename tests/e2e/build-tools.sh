#!/usr/bin/env bash
# Builds (once, cached outside the clone) everything the e2e harness runs:
#   ~/.cache/berth-e2e/kube-v1.20.2/bin/{kube-apiserver,kubelet,pause}
# and installs the Debian packages it needs (only the missing ones).
#
# kube-apiserver and kubelet come from Debian's `kubernetes` source package (v1.20.2 with vendor/),
# fetched with a PRIVATE apt configuration (the system's sources are left untouched) and built
# with Debian's Go 1.19. The vendored modern-go/reflect2 1.0.1 crashes under Go >= 1.18 on the
# first webhook call, so it is replaced by Debian's 1.0.2 before building.
#
# Idempotent: when the binaries exist and the stamp matches, it only checks packages and exits.
# Environment: BERTH_E2E_CACHE (default ~/.cache/berth-e2e).
set -euo pipefail

KUBE_VERSION=v1.20.2
CACHE_ROOT="${BERTH_E2E_CACHE:-$HOME/.cache/berth-e2e}"
KUBE_DIR="$CACHE_ROOT/kube-$KUBE_VERSION"
BIN_DIR="$KUBE_DIR/bin"
GO_ROOT=/usr/lib/go-1.19
REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2
# Bump when the recipe below changes: the stamp then no longer matches and everything rebuilds.
RECIPE=3
STAMP_WANT="kube=$KUBE_VERSION recipe=$RECIPE go=golang-1.19 reflect2=debian-1.0.2"

log() { printf '[build-tools] %s\n' "$*" >&2; }

packages=(golang-1.19-go rsync etcd-server containerd runc golang-github-modern-go-reflect2-dev
          dpkg-dev gcc libc6-dev make skopeo umoci docker-registry openssl curl jq iproute2
          apache2-utils)

install_missing_packages() {
  local missing=() p
  for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    log "packages: all present"
    return
  fi
  log "packages: installing ${missing[*]}"
  local sudo=()
  [[ $(id -u) == 0 ]] || sudo=(sudo)
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         "${missing[@]}" >&2; then
    "${sudo[@]}" apt-get update >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      "${missing[@]}" >&2
  fi
  # The containerd package starts a system containerd; the harness never uses it (it runs its own
  # with private --root/--state/--address), so it is left as the package set it up.
}

stamp_ok() {
  [[ -x $BIN_DIR/kube-apiserver && -x $BIN_DIR/kubelet && -x $BIN_DIR/pause &&
     -f $BIN_DIR/.stamp && "$(cat "$BIN_DIR/.stamp")" == "$STAMP_WANT" ]]
}

fetch_source() {
  # A private apt configuration: its own source list, lists dir and cache; nothing under /etc/apt
  # or /var/lib/apt is written.
  local apt_dir="$KUBE_DIR/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/sources.list.d"
  cat >"$apt_dir/sources.list" <<'EOF'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
EOF
  local apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
                  -o "Dir::Etc::sourceparts=$apt_dir/sources.list.d"
                  -o "Dir::State::Lists=$apt_dir/lists"
                  -o "Dir::Cache=$apt_dir/cache"
                  -o "Debug::NoLocking=1")
  log "source: apt-get update (private config in $apt_dir)"
  apt-get "${apt_opts[@]}" update >&2
  rm -rf "$KUBE_DIR/srcpkg"
  mkdir -p "$KUBE_DIR/srcpkg"
  log "source: apt-get source kubernetes"
  (cd "$KUBE_DIR/srcpkg" && apt-get "${apt_opts[@]}" source kubernetes >&2)
  local tree
  tree=$(find "$KUBE_DIR/srcpkg" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -1)
  [[ -n $tree && -d $tree/vendor ]] || { log "source: no tree with vendor/ found"; exit 1; }
  rm -rf "$KUBE_DIR/src"
  mv "$tree" "$KUBE_DIR/src"
  rm -rf "$KUBE_DIR/srcpkg"
  log "source: $KUBE_DIR/src"
}

patch_reflect2() {
  local dst="$KUBE_DIR/src/vendor/github.com/modern-go/reflect2"
  [[ -d $REFLECT2_SRC ]] || { log "missing $REFLECT2_SRC"; exit 1; }
  log "patch: vendor/github.com/modern-go/reflect2 <- Debian reflect2 1.0.2"
  rm -rf "$dst"
  mkdir -p "$dst"
  # Only the package's Go sources (no tests, no go.mod) so vendor/modules.txt stays consistent.
  find "$REFLECT2_SRC" -maxdepth 1 -type f \( -name '*.go' -o -name '*.s' -o -name LICENSE \) \
    ! -name '*_test.go' -exec cp {} "$dst/" \;
}

build_kube() {
  local src="$KUBE_DIR/src"
  log "build: make WHAT='cmd/kube-apiserver cmd/kubelet' with Go 1.19 (about 13 minutes on 2 cores)"
  local t0=$SECONDS
  (
    cd "$src"
    export PATH="$GO_ROOT/bin:$PATH"
    export GOFLAGS=-mod=vendor GO111MODULE=on GOTOOLCHAIN=local
    export KUBE_GIT_VERSION=$KUBE_VERSION KUBE_GIT_MAJOR=1 KUBE_GIT_MINOR=20
    export KUBE_GIT_TREE_STATE=clean KUBE_GIT_COMMIT=faecb196815e248d3ecfb03c680a4507229c2a56
    nice -n 10 make WHAT='cmd/kube-apiserver cmd/kubelet' >&2
  )
  mkdir -p "$BIN_DIR"
  local out="$src/_output/local/bin/linux/amd64"
  [[ -d $out ]] || out=$(dirname "$(find "$src/_output" -type f -name kube-apiserver | head -1)")
  install -m 0755 "$out/kube-apiserver" "$out/kubelet" "$BIN_DIR/"
  log "build: done in $((SECONDS - t0)) s"
}

build_pause() {
  local src="$KUBE_DIR/src/build/pause/linux/pause.c"
  log "build: static pause from $src"
  mkdir -p "$BIN_DIR"
  gcc -Os -static -DVERSION="\"3.4.1-berth\"" -o "$BIN_DIR/pause" "$src"
  strip "$BIN_DIR/pause" || true
}

main() {
  install_missing_packages
  if stamp_ok; then
    log "cached: $BIN_DIR ($STAMP_WANT)"
    return
  fi
  mkdir -p "$KUBE_DIR"
  rm -f "$BIN_DIR/.stamp"
  [[ -f $KUBE_DIR/src/.berth-source-ok ]] || {
    fetch_source
    patch_reflect2
    touch "$KUBE_DIR/src/.berth-source-ok"
  }
  if [[ ! -x $BIN_DIR/kube-apiserver || ! -x $BIN_DIR/kubelet ||
        "$(cat "$BIN_DIR/.kube-stamp" 2>/dev/null)" != "$STAMP_WANT" ]]; then
    build_kube
    echo "$STAMP_WANT" >"$BIN_DIR/.kube-stamp"
  fi
  build_pause
  echo "$STAMP_WANT" >"$BIN_DIR/.stamp"
  log "ready: $BIN_DIR"
}

main "$@"
