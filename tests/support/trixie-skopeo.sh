#!/usr/bin/env bash
# Installs (once, cached outside the clone) a skopeo that can sign and verify sigstore signatures,
# for the signature interop tests:
#   ${BERTH_E2E_CACHE:-~/.cache/berth-e2e}/trixie-skopeo/skopeo      (the wrapper to run)
#   ${BERTH_E2E_CACHE:-~/.cache/berth-e2e}/trixie-skopeo/root        (the unpacked packages)
#
# Why: Debian 12's skopeo 1.9.3 (and podman 4.3.1) are built with containers/image 5.23.1-4,
# whose disable-sigstore.patch stubs out sigstore signing and verification. Debian 13 (trixie)
# builds skopeo 1.18 against containers/image 5.34 with sigstore enabled, but it needs
# libc6 >= 2.38 (bookworm has 2.36), so apt cannot install it here.
#
# How, without apt and without root: the trixie release file (InRelease) is checked with gpgv
# against the host's debian-archive-keyring, the Packages index against the release file, and each
# .deb against the index (SHA256 all the way); the .debs are unpacked with `dpkg-deb -x`. The
# packages are a fixed list: skopeo and exactly the shared libraries its binary needs
# (readelf -d, transitively: libgpgme.so.11 -> libassuan.so.9, libgpg-error.so.0;
# libsqlite3.so.0 -> libm.so.6; libc.so.6), with trixie's libc6 and its dynamic loader. The
# wrapper runs the binary through that loader with --library-path, so no host library is used and
# the host is not changed. No configuration file is installed: callers pass --policy,
# --registries.d (and, to ignore the host's, --registries-conf) on the command line.
#
# The versions are whatever trixie's index names today (old .debs leave the mirror, so they are
# not pinned); the stamp records them. Idempotent: when the stamp matches the recipe and the
# wrapper is in place it prints the wrapper and exits without touching the network. The tree is
# built beside its final place and renamed there only when complete, under a lock (tests may run
# this concurrently).
#
# A cold run downloads about 21 MB (the Packages index is 9.7 MB of it).
# Environment: BERTH_E2E_CACHE (default ~/.cache/berth-e2e),
#              BERTH_DEBIAN_MIRROR (default http://deb.debian.org/debian).
# Prints the wrapper's path on stdout; the log goes to stderr. Any download or checksum problem
# fails with a non-zero exit and a message naming it.
set -euo pipefail

SUITE=trixie
ARCH=amd64
COMPONENT=main
MIRROR="${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
CACHE_ROOT="${BERTH_E2E_CACHE:-$HOME/.cache/berth-e2e}"
DIR="$CACHE_ROOT/trixie-skopeo"
ROOT="$DIR/root"
WRAPPER="$DIR/skopeo"
STAMP_FILE=.berth-trixie-skopeo-stamp
# Bump when the recipe below changes: the stamp then no longer matches and everything is fetched
# again.
RECIPE=1
PACKAGES=(skopeo libc6 libgpgme11t64 libassuan9 libgpg-error0 libsqlite3-0)
# The stamp's first line; the lines after it name the versions unpacked.
STAMP_WANT="suite=$SUITE arch=$ARCH recipe=$RECIPE packages=${PACKAGES[*]}"

log() { printf '[trixie-skopeo] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

stamp_ok() {
  [[ -x $WRAPPER && -x $ROOT/usr/bin/skopeo && -f $ROOT/$STAMP_FILE &&
     "$(head -n 1 "$ROOT/$STAMP_FILE")" == "$STAMP_WANT" ]]
}

if stamp_ok; then
  log "cached: $WRAPPER ($(tail -n +2 "$ROOT/$STAMP_FILE" | paste -sd ' '))"
  echo "$WRAPPER"
  exit 0
fi

for tool in curl gpgv xz sha256sum dpkg-deb flock awk; do
  command -v "$tool" >/dev/null || die "$tool is required and not installed"
done
[[ -f $KEYRING ]] || die "$KEYRING is missing (package debian-archive-keyring)"

mkdir -p "$DIR"
# One install at a time; a second caller waits, then finds the stamp.
exec 9>"$DIR/.lock"
flock 9
if stamp_ok; then
  log "cached: $WRAPPER (installed by a concurrent run)"
  echo "$WRAPPER"
  exit 0
fi

WORK=$(mktemp -d "$DIR/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
DOWNLOADED=0
T0=$SECONDS

# fetch URL FILE: downloads or fails with the URL and curl's reason.
fetch() {
  local err
  if ! err=$(curl -fsSL --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 600 \
                  -o "$2" "$1" 2>&1); then
    die "download failed: $1: $err"
  fi
  DOWNLOADED=$((DOWNLOADED + $(stat -c %s "$2")))
}

# check_sha256 FILE WANT WHAT
check_sha256() {
  local got
  got=$(sha256sum "$1" | cut -d ' ' -f 1)
  [[ $got == "$2" ]] || die "checksum mismatch for $3: expected sha256 $2, got $got"
}

# The release file: signed by the archive's keys, it names the index's checksum.
log "index: $MIRROR/dists/$SUITE/InRelease"
fetch "$MIRROR/dists/$SUITE/InRelease" "$WORK/InRelease"
if ! gpgv_out=$(gpgv --keyring "$KEYRING" --output "$WORK/Release" "$WORK/InRelease" 2>&1); then
  die "the signature of $MIRROR/dists/$SUITE/InRelease does not verify with $KEYRING: $gpgv_out"
fi
index_path="$COMPONENT/binary-$ARCH/Packages.xz"
# The SHA256 section's line for the index: " <sha256> <size> <path>".
index_sha=$(awk -v p="$index_path" '
  /^[^ ]/ { in_sha = ($0 == "SHA256:") ; next }
  in_sha && $3 == p { print $1; exit }' "$WORK/Release")
[[ -n $index_sha ]] || die "the release file names no SHA256 for $index_path"

log "index: $MIRROR/dists/$SUITE/$index_path"
fetch "$MIRROR/dists/$SUITE/$index_path" "$WORK/Packages.xz"
check_sha256 "$WORK/Packages.xz" "$index_sha" "$index_path"
xz -dc "$WORK/Packages.xz" >"$WORK/Packages" || die "cannot decompress $index_path"

# resolve PACKAGE: prints "version filename sha256" of its one stanza in the index.
resolve() {
  awk -v want="$1" '
    BEGIN { RS = ""; FS = "\n" }
    {
      pkg = ""; ver = ""; file = ""; sha = ""
      for (i = 1; i <= NF; i++) {
        if ($i ~ /^Package: /) pkg = substr($i, 10)
        else if ($i ~ /^Version: /) ver = substr($i, 10)
        else if ($i ~ /^Filename: /) file = substr($i, 11)
        else if ($i ~ /^SHA256: /) sha = substr($i, 9)
      }
      if (pkg == want) { print ver, file, sha; n++ }
    }
    END { exit n == 1 ? 0 : 1 }' "$WORK/Packages"
}

mkdir -p "$WORK/debs" "$WORK/root"
versions=()
for pkg in "${PACKAGES[@]}"; do
  if ! line=$(resolve "$pkg"); then
    die "$pkg: not exactly one stanza in $SUITE's $index_path"
  fi
  read -r version filename sha <<<"$line"
  [[ -n $version && -n $filename && ${#sha} == 64 ]] || die "$pkg: incomplete stanza: $line"
  deb="$WORK/debs/$(basename "$filename")"
  log "package: $pkg $version"
  fetch "$MIRROR/$filename" "$deb"
  check_sha256 "$deb" "$sha" "$MIRROR/$filename"
  dpkg-deb -x "$deb" "$WORK/root" || die "dpkg-deb -x $deb failed"
  versions+=("$pkg=$version")
done

LOADER=usr/lib64/ld-linux-x86-64.so.2
LIBDIR=usr/lib/x86_64-linux-gnu
[[ -x $WORK/root/usr/bin/skopeo ]] || die "the skopeo package has no usr/bin/skopeo"
[[ -e $WORK/root/$LOADER ]] || die "libc6 has no $LOADER"
# Every library the binary needs resolves inside the tree, none from the host.
if ! libs=$("$WORK/root/$LOADER" --library-path "$WORK/root/$LIBDIR" --list \
              "$WORK/root/usr/bin/skopeo" 2>&1); then
  die "the loader cannot load skopeo: $libs"
fi
if outside=$(grep '=>' <<<"$libs" | grep -v "=> $WORK/root/"); then
  die "libraries resolved outside the tree: $outside"
fi
printf '%s\n' "$STAMP_WANT" "${versions[@]}" >"$WORK/root/$STAMP_FILE"

rm -rf "$ROOT" "$WRAPPER"
mv "$WORK/root" "$ROOT"
# The wrapper finds the tree beside itself, so the cache can move.
cat >"$WORK/skopeo" <<EOF
#!/bin/sh
# trixie's skopeo (${versions[*]}), written by tests/support/trixie-skopeo.sh:
# the binary runs through trixie's dynamic loader and libraries, unpacked beside this file.
root="\$(dirname "\$(readlink -f "\$0")")/root"
exec "\$root/$LOADER" --library-path "\$root/$LIBDIR" "\$root/usr/bin/skopeo" "\$@"
EOF
chmod 0755 "$WORK/skopeo"
mv "$WORK/skopeo" "$WRAPPER"

version=$("$WRAPPER" --version) || die "$WRAPPER --version failed"
log "installed: $version in $((SECONDS - T0)) s, downloaded $((DOWNLOADED / 1000000)) MB ($DOWNLOADED bytes)"
echo "$WRAPPER"
