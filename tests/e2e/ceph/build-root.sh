#!/usr/bin/env bash
# Builds (once, cached outside the clone) a Debian trixie root with Ceph's radosgw, ceph-mon and
# ceph-osd, for rgw.sh to run a real S3 server in:
#   ${BERTH_E2E_CACHE:-~/.cache/berth-e2e}/ceph-trixie/root
#
# debootstrap is not installed system-wide: its .deb is fetched with `apt-get download` and
# unpacked (dpkg -x) into the cache, then run with DEBOOTSTRAP_DIR pointing there.
#
# Safety:
#  - the root is built in a temporary directory beside it and renamed into place only when
#    complete (with a stamp file inside), so an interrupted build never looks done;
#  - debootstrap and every chroot step run inside a private mount namespace (unshare -m), so
#    their /proc, /dev and /sys mounts are invisible to the host and vanish with the process;
#    an EXIT trap still unmounts anything left under the temporary directory and removes it
#    (rm --one-file-system, and only when nothing is mounted there any more);
#  - nothing under /etc/apt, /etc/ceph or the host's services is touched (on the host it runs at
#    most `apt-get update` when `apt-get download` fails, and installs wget if it is missing);
#    Ceph's maintainer scripts see no systemd in the chroot, and policy-rc.d blocks service starts.
#
# Idempotent: when the stamp matches, it prints the root and exits at once.
# Environment: BERTH_E2E_CACHE (default ~/.cache/berth-e2e),
#              BERTH_DEBIAN_MIRROR (default http://deb.debian.org/debian).
# Prints the root's path on stdout; the log goes to stderr.
set -euo pipefail

SUITE=trixie
MIRROR="${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CACHE_ROOT="${BERTH_E2E_CACHE:-$HOME/.cache/berth-e2e}"
CEPH_DIR="$CACHE_ROOT/ceph-$SUITE"
ROOT="$CEPH_DIR/root"
STAMP_FILE=.berth-ceph-root-stamp
# Bump when the recipe below changes: the stamp then no longer matches and the root is rebuilt.
RECIPE=1
PACKAGES=(radosgw ceph-mon ceph-osd)
STAMP_WANT="suite=$SUITE recipe=$RECIPE packages=${PACKAGES[*]}"

log() { printf '[ceph-build-root] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

stamp_ok() { [[ -f $ROOT/$STAMP_FILE && "$(cat "$ROOT/$STAMP_FILE")" == "$STAMP_WANT" ]]; }

if stamp_ok; then
  log "cached: $ROOT ($STAMP_WANT)"
  echo "$ROOT"
  exit 0
fi
[[ $(id -u) == 0 ]] || die "must run as root (debootstrap and chroot)"

# Mount points (host namespace) at or under $1, deepest first.
mounts_under() {
  local dir
  dir=$(readlink -f "$1")
  findmnt -rn -o TARGET | awk -v d="$dir" '$0 == d || index($0, d "/") == 1' | sort -r
}

# Unmounts everything at or under $1; returns non-zero if something stays mounted.
unmount_under() {
  local m
  [[ -e $1 ]] || return 0
  while read -r m; do
    [[ -n $m ]] || continue
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "could not unmount $m"
  done < <(mounts_under "$1")
  [[ -z "$(mounts_under "$1")" ]]
}

# Removes a (temporary or stale) tree, never through a mount point.
remove_tree() {
  [[ -e $1 ]] || return 0
  if unmount_under "$1"; then
    rm -rf --one-file-system "$1"
  else
    log "left $1 in place: something is still mounted under it"
  fi
}

mkdir -p "$CEPH_DIR"
# One build at a time (a second caller waits, then finds the stamp).
exec 9>"$CEPH_DIR/.build.lock"
flock 9
if stamp_ok; then
  log "cached: $ROOT (built by a concurrent run)"
  echo "$ROOT"
  exit 0
fi

TMP_ROOT="$CEPH_DIR/root.tmp.$$"
OLD_ROOT="$CEPH_DIR/root.old.$$"
cleanup() {
  local rc=$?
  remove_tree "$TMP_ROOT"
  remove_tree "$OLD_ROOT"
  ((rc == 0)) || log "failed (exit $rc); nothing was put in place at $ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# Leftovers of earlier interrupted builds (their process is gone: we hold the lock).
for stale in "$CEPH_DIR"/root.tmp.* "$CEPH_DIR"/root.old.*; do
  [[ -e $stale ]] && { log "removing leftover $stale"; remove_tree "$stale"; }
done

T0=$SECONDS

# --- debootstrap, unpacked into the cache -----------------------------------------------------
DBS_DIR="$CEPH_DIR/debootstrap"
DEBOOTSTRAP="$DBS_DIR/usr/sbin/debootstrap"
if [[ ! -x $DEBOOTSTRAP || ! -f $DBS_DIR/usr/share/debootstrap/scripts/$SUITE ]]; then
  command -v wget >/dev/null || {
    log "installing wget (debootstrap downloads with it)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wget >&2
  }
  rm -rf "$DBS_DIR.dl" "$DBS_DIR"
  mkdir -p "$DBS_DIR.dl"
  log "fetching debootstrap (apt-get download) into $DBS_DIR"
  if ! (cd "$DBS_DIR.dl" && apt-get download debootstrap >&2); then
    apt-get update >&2
    (cd "$DBS_DIR.dl" && apt-get download debootstrap >&2)
  fi
  dpkg -x "$DBS_DIR.dl"/debootstrap_*.deb "$DBS_DIR"
  rm -rf "$DBS_DIR.dl"
  [[ -f $DBS_DIR/usr/share/debootstrap/scripts/$SUITE ]] ||
    die "this debootstrap has no script for $SUITE"
fi
export DEBOOTSTRAP_DIR="$DBS_DIR/usr/share/debootstrap"
# Downloaded .debs are kept here, so a rebuild does not fetch them again.
DEB_CACHE="$CEPH_DIR/debs"
mkdir -p "$DEB_CACHE"

run_debootstrap() {
  # Private mount namespace: debootstrap's /proc, /sys and /dev mounts never reach the host.
  nice -n 10 unshare -m --propagation private -- \
    "$DEBOOTSTRAP" --variant=minbase --cache-dir="$DEB_CACHE" \
    "$SUITE" "$TMP_ROOT" "$MIRROR" >&2
}

# Runs a command chrooted in the new root with /proc and /dev mounted in a private namespace
# (gone when it exits), and the .deb cache as apt's archive directory.
in_chroot() {
  nice -n 10 unshare -m --propagation private -- /bin/sh -euc '
    r=$1 c=$2; shift 2
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount --bind "$c" "$r/var/cache/apt/archives"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 "$@"' sh "$TMP_ROOT" "$DEB_CACHE" "$@"
}

# debootstrap --include=radosgw,ceph-mon,ceph-osd fails on trixie: the Ceph packages pull in
# systemd (through lvm2 and ceph-base), and debootstrap's unpack/configure order breaks on it
# ("Failure trying to run: chroot ... dpkg --install ... systemd_257..."), after ~3.5 minutes of
# downloading. So: a plain minbase, then apt-get inside the chroot, which orders them right.
log "debootstrap --variant=minbase $SUITE into $TMP_ROOT (mirror $MIRROR)"
t=$SECONDS
run_debootstrap
log "debootstrap: $((SECONDS - t)) s"

log "apt-get install ${PACKAGES[*]} in the chroot"
t=$SECONDS
[[ -f $TMP_ROOT/usr/sbin/policy-rc.d ]] || {
  printf '#!/bin/sh\nexit 101\n' >"$TMP_ROOT/usr/sbin/policy-rc.d"
  chmod 755 "$TMP_ROOT/usr/sbin/policy-rc.d"
}
in_chroot apt-get update >&2
in_chroot apt-get install -y --no-install-recommends \
  -o Dpkg::Options::=--force-unsafe-io -o Dpkg::Use-Pty=0 "${PACKAGES[@]}" >&2
log "apt-get install: $((SECONDS - t)) s"
for bin in ceph-mon ceph-osd radosgw radosgw-admin ceph monmaptool ceph-authtool; do
  [[ -x $TMP_ROOT/usr/bin/$bin ]] || die "$bin is missing from the root"
done
# The daemons' only storage is memstore: check this build still has it.
grep -q memstore "$TMP_ROOT/usr/bin/ceph-osd" ||
  die "ceph-osd has no memstore objectstore"
log "ceph: $(in_chroot ceph-osd --version 2>&1 | head -1)"

# rgw.sh bind-mounts each run's state directory under /berth-runs/ID inside the root.
mkdir -p "$TMP_ROOT/berth-runs"
# Nothing inside the root should think it may start services.
printf '#!/bin/sh\nexit 101\n' >"$TMP_ROOT/usr/sbin/policy-rc.d"
chmod 755 "$TMP_ROOT/usr/sbin/policy-rc.d"
# apt's caches and lists (~120 MB) are not needed to run Ceph; `apt-get update` brings them back.
rm -rf "$TMP_ROOT"/var/cache/apt/archives/*.deb "$TMP_ROOT"/var/cache/apt/*.bin \
  "$TMP_ROOT"/var/lib/apt/lists/*_* 2>/dev/null || true

unmount_under "$TMP_ROOT" || die "something is still mounted under $TMP_ROOT"
echo "$STAMP_WANT" >"$TMP_ROOT/$STAMP_FILE"
if [[ -e $ROOT ]]; then
  mv "$ROOT" "$OLD_ROOT"
fi
mv "$TMP_ROOT" "$ROOT"
log "ready: $ROOT ($(du -sh --one-file-system "$ROOT" | cut -f1)) in $((SECONDS - T0)) s"
echo "$ROOT"
