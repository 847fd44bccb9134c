#!/usr/bin/env bash
# Installs (once, cached outside the clone) a skopeo and a podman that can sign and verify sigstore
# signatures, for the signature interop tests:
#   ${BERTH_E2E_CACHE:-~/.cache/berth-e2e}/trixie-containers/skopeo   (the wrappers to run)
#   ${BERTH_E2E_CACHE:-~/.cache/berth-e2e}/trixie-containers/podman
#   ${BERTH_E2E_CACHE:-~/.cache/berth-e2e}/trixie-containers/root     (the unpacked packages)
#
# Why: Debian 12's skopeo 1.9.3 and podman 4.3.1 are built with containers/image 5.23.1-4,
# whose disable-sigstore.patch stubs out sigstore signing and verification. Debian 13 (trixie)
# builds skopeo 1.18 and podman 5.4 against containers/image 5.34 with sigstore enabled, but they
# need libc6 >= 2.38 (bookworm has 2.36), so apt cannot install them here.
#
# How, without apt and without changing the host: the trixie release file (InRelease) is checked
# with gpgv against the host's debian-archive-keyring, the Packages index against the release
# file, and each .deb against the index (SHA256 all the way); the .debs are unpacked with
# `dpkg-deb -x`. The packages are a fixed list: skopeo, podman and netavark (podman 5 will not
# start without its network helper, though a pull never runs it), and exactly the shared
# libraries they need (readelf -d, transitively), with trixie's libc6 and its dynamic loader.
# skopeo's wrapper runs the binary through that loader with --library-path. podman cannot be run
# that way: it re-executes /proc/self/exe, which would then be the loader. So podman and netavark
# are rewritten by patchelf to name the tree's loader (PT_INTERP) and library directory
# (DT_RPATH, which also applies to the libraries' own dependencies); those name absolute paths,
# so the stamp records the tree's place and a moved cache is installed again. Either way every
# library resolves inside the tree (checked at install), none from the host. No configuration
# file is installed but podman's containers.conf, which only says where netavark is; callers pass
# --policy/--signature-policy, --registries.d (podman: HOME with .config/containers/registries.d)
# and an empty registries.conf.
#
# The versions are whatever trixie's index names today (old .debs leave the mirror, so they are
# not pinned); the stamp records them. Idempotent: when the stamp matches the recipe and the
# wrappers are in place it prints the skopeo wrapper and exits without touching the network. The
# tree is built beside its final place and renamed there only when complete, under a lock (tests
# may run this concurrently).
#
# A cold run downloads about 45 MB (the Packages index is 9.7 MB of it).
# Environment: BERTH_E2E_CACHE (default ~/.cache/berth-e2e),
#              BERTH_DEBIAN_MIRROR (default http://deb.debian.org/debian).
# Prints the skopeo wrapper's path on stdout (podman's is beside it); the log goes to stderr. Any
# download or checksum problem fails with a non-zero exit and a message naming it.
set -euo pipefail

SUITE=trixie
ARCH=amd64
COMPONENT=main
MIRROR="${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
CACHE_ROOT="${BERTH_E2E_CACHE:-$HOME/.cache/berth-e2e}"
DIR="$CACHE_ROOT/trixie-containers"
ROOT="$DIR/root"
WRAPPER="$DIR/skopeo"
PODMAN="$DIR/podman"
STAMP_FILE=.berth-trixie-containers-stamp
# Bump when the recipe below changes: the stamp then no longer matches and everything is fetched
# again.
RECIPE=2
PACKAGES=(skopeo podman netavark libc6 libgcc-s1 libgpgme11t64 libassuan9 libgpg-error0
  libsqlite3-0 libseccomp2 libsubid5 libacl1 libattr1 libaudit1 libcap-ng0 libbsd0 libmd0
  libcrypt1 libpam0g libselinux1 libpcre2-8-0 libsemanage2 libsepol2 libbz2-1.0)
# The stamp's first line; the lines after it name the versions unpacked.
STAMP_WANT="suite=$SUITE arch=$ARCH recipe=$RECIPE root=$ROOT packages=${PACKAGES[*]}"

log() { printf '[trixie-containers] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

stamp_ok() {
  [[ -x $WRAPPER && -x $PODMAN && -x $ROOT/usr/bin/skopeo && -f $ROOT/$STAMP_FILE &&
     "$(head -n 1 "$ROOT/$STAMP_FILE")" == "$STAMP_WANT" ]]
}

if stamp_ok; then
  log "cached: $WRAPPER ($(tail -n +2 "$ROOT/$STAMP_FILE" | paste -sd ' '))"
  echo "$WRAPPER"
  exit 0
fi

for tool in curl gpgv xz sha256sum dpkg-deb flock awk patchelf; do
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
HELPERS=usr/lib/podman
BINARIES=(usr/bin/skopeo usr/bin/podman "$HELPERS/netavark")
for binary in "${BINARIES[@]}"; do
  [[ -x $WORK/root/$binary ]] || die "no $binary in the packages"
done
[[ -e $WORK/root/$LOADER ]] || die "libc6 has no $LOADER"

# podman and netavark name the loader and the libraries at the tree's final place.
for binary in usr/bin/podman "$HELPERS/netavark"; do
  patchelf --set-interpreter "$ROOT/$LOADER" --force-rpath --set-rpath "$ROOT/$LIBDIR" \
    "$WORK/root/$binary" || die "patchelf $binary failed"
done

# Every library each binary needs resolves inside the tree, none from the host.
for binary in "${BINARIES[@]}"; do
  if ! libs=$("$WORK/root/$LOADER" --library-path "$WORK/root/$LIBDIR" --list \
                "$WORK/root/$binary" 2>&1); then
    die "the loader cannot load $binary: $libs"
  fi
  if outside=$(grep '=>' <<<"$libs" | grep -v "=> $WORK/root/"); then
    die "$binary: libraries resolved outside the tree: $outside"
  fi
done
printf '%s\n' "$STAMP_WANT" "${versions[@]}" >"$WORK/root/$STAMP_FILE"
printf '[engine]\nhelper_binaries_dir = ["%s"]\n' "$ROOT/$HELPERS" >"$WORK/root/containers.conf"

rm -rf "$ROOT" "$WRAPPER" "$PODMAN"
mv "$WORK/root" "$ROOT"
# skopeo's wrapper finds the tree beside itself.
cat >"$WORK/skopeo" <<WRAPPER_END
#!/bin/sh
# trixie's skopeo (${versions[*]}), written by tests/support/trixie-containers.sh:
# the binary runs through trixie's dynamic loader and libraries, unpacked beside this file.
root="\$(dirname "\$(readlink -f "\$0")")/root"
exec "\$root/$LOADER" --library-path "\$root/$LIBDIR" "\$root/usr/bin/skopeo" "\$@"
WRAPPER_END
# podman's names the containers.conf that says where netavark is, unless the caller names one;
# on a cgroup v1 host podman 5 warns on every command otherwise.
cat >"$WORK/podman" <<WRAPPER_END
#!/bin/sh
# trixie's podman, patched by tests/support/trixie-containers.sh to load trixie's loader and
# libraries from $ROOT.
export CONTAINERS_CONF="\${CONTAINERS_CONF:-$ROOT/containers.conf}"
export PODMAN_IGNORE_CGROUPSV1_WARNING=1
exec "$ROOT/usr/bin/podman" "\$@"
WRAPPER_END
chmod 0755 "$WORK/skopeo" "$WORK/podman"
mv "$WORK/skopeo" "$WRAPPER"
mv "$WORK/podman" "$PODMAN"

version=$("$WRAPPER" --version) || die "$WRAPPER --version failed"
podman_version=$("$PODMAN" --version) || die "$PODMAN --version failed"
log "installed: $version, $podman_version in $((SECONDS - T0)) s," \
  "downloaded $((DOWNLOADED / 1000000)) MB ($DOWNLOADED bytes)"
echo "$WRAPPER"
