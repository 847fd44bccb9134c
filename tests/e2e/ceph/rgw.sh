#!/usr/bin/env bash
# A real S3 server for tests: Ceph radosgw (Reef, Debian trixie) on one ceph-mon and one ceph-osd
# whose object store is memstore (RAM), all on 127.0.0.1, run chrooted in the root that
# build-root.sh caches.
#
#   rgw.sh start STATE_DIR   # builds the root if needed, starts the daemons, waits for S3,
#                            # writes STATE_DIR/env (S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY,
#                            # S3_REGION, S3_ADDRESSING) and prints its path
#   rgw.sh stop STATE_DIR    # kills every daemon of that run; nothing stays mounted
#   rgw.sh status STATE_DIR  # exit 0 when all three daemons of that run are alive
#
# Layout: STATE_DIR holds everything of a run (ceph.conf, mon/, osd/, run/ with pid files and
# admin sockets, log/). Inside the root it is seen as /berth-runs/RUN_ID: each daemon and each
# ceph/radosgw-admin command runs in its own private mount namespace (unshare -m) in which
# STATE_DIR is bind-mounted there and /proc and /dev are mounted, then chroots. The host never
# sees those mounts and they vanish with the process, so a killed run leaves nothing mounted.
# Ports: the monitor's and radosgw's are picked free at run time (ss), the OSD binds the first
# free ones from Ceph's 6800-7568 range. Nothing touches the host's /etc/ceph or its services.
#
# Environment: BERTH_E2E_CACHE (as build-root.sh), BERTH_RGW_ACCESS_KEY / BERTH_RGW_SECRET_KEY
# (default: generated per run), BERTH_RGW_MEMSTORE_MB (OSD's RAM store, default 1024),
# BERTH_RGW_START_TIMEOUT (seconds, default 120), BERTH_RGW_KEEP_FAILED=1 (leave the daemons of a
# failed start running, to debug them; stop them with `rgw.sh stop`).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${BERTH_E2E_CACHE:-$HOME/.cache/berth-e2e}"
ROOT="$CACHE_ROOT/ceph-trixie/root"
S3_REGION=default
START_TIMEOUT="${BERTH_RGW_START_TIMEOUT:-120}"
MEMSTORE_MB="${BERTH_RGW_MEMSTORE_MB:-1024}"
# The pools radosgw uses with the default zone. ".rgw.root" is replaced by "rgw.root" (see conf).
POOLS=(rgw.root default.rgw.control default.rgw.meta default.rgw.log default.rgw.buckets.index
       default.rgw.buckets.data default.rgw.buckets.non-ec)

log() { printf '[rgw] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() { echo "usage: $0 start|stop|status STATE_DIR" >&2; exit 2; }

# A TCP port on 127.0.0.1 that nothing uses now (below the ephemeral range, so outgoing
# connections do not take it meanwhile), and not in the list of ports already chosen.
free_port() {
  local p i
  for ((i = 0; i < 200; i++)); do
    p=$((20000 + RANDOM % 12000))
    [[ " $* " == *" $p "* ]] && continue
    [[ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]] || continue
    if command -v python3 >/dev/null; then
      python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1])))' \
        "$p" 2>/dev/null || continue
    fi
    echo "$p"
    return
  done
  die "no free port found"
}

set_run_vars() { # STATE_DIR
  STATE="$1"
  RUN_ID="$(cat "$STATE/run-id" 2>/dev/null || true)"
  P="/berth-runs/$RUN_ID"  # STATE_DIR as seen inside the root
  CONF="$P/ceph.conf"
}

# The command prefix that runs ARGS chrooted in the root, in a private mount namespace with
# /proc, /dev and this run's STATE_DIR (at $P) mounted.
in_root_cmd() {
  IN_ROOT=(unshare -m --propagation private -- /bin/sh -euc '
    r=$1 s=$2 p=$3; shift 3
    mount -t proc proc "$r/proc"
    mount --rbind /dev "$r/dev"
    mount --bind "$s" "$r$p"
    exec chroot "$r" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
      LC_ALL=C.UTF-8 TZ=UTC "$@"' sh "$ROOT" "$STATE" "$P")
}

in_root() { in_root_cmd; "${IN_ROOT[@]}" "$@"; }

ceph_cli() { in_root timeout 30 ceph -c "$CONF" --connect-timeout 10 "$@"; }

# Starts a daemon in the background, in its own session, output to log/NAME.out; records its pid
# (setsid, unshare, sh, chroot and env all exec, so $! becomes the daemon itself).
start_daemon() { # NAME ARGS...
  local name=$1; shift
  in_root_cmd
  setsid "${IN_ROOT[@]}" "$@" -c "$CONF" >"$STATE/log/$name.out" 2>&1 </dev/null &
  echo "$name $!" >>"$STATE/pids"
}

# Pids of this run's processes: every process whose command line names this run's directory
# inside the root (the daemons, and any ceph/radosgw-admin command still running), nothing else.
run_pids() {
  [[ -n $RUN_ID ]] || return 0
  # "[/]" keeps this grep from matching its own command line.
  grep -laE "/berth-runs/${RUN_ID}[/]" /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3 || true
}

daemon_alive() { # NAME
  local pid
  pid=$(awk -v n="$1" '$1 == n {print $2}' "$STATE/pids" 2>/dev/null | tail -1)
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null &&
    { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$P/"
}

dump_logs() {
  local f
  for f in "$STATE"/log/*; do
    [[ -f $f ]] || continue
    log "----- ${f#"$STATE"/} (last 40 lines)"
    tail -n 40 "$f" >&2
  done
}

cmd_stop() {
  set_run_vars "$1"
  [[ -n $RUN_ID ]] || { log "no run in $STATE"; return 0; }
  local pids i
  pids=$(run_pids)
  if [[ -n $pids ]]; then
    # SIGTERM lets the daemons flush their logs, but a clean shutdown takes 2-3 s per daemon
    # (more for the OSD, which waits to tell the monitor that is going down too), which a
    # throwaway run does not need: whatever is left gets SIGKILL after 1 s.
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 10; i++)); do
      pids=$(run_pids)
      [[ -z $pids ]] && break
      sleep 0.1
    done
    if [[ -n $pids ]]; then
      kill -KILL $pids 2>/dev/null || true
      for ((i = 0; i < 50; i++)); do
        [[ -z "$(run_pids)" ]] && break
        sleep 0.1
      done
    fi
  fi
  [[ -z "$(run_pids)" ]] || die "processes of run $RUN_ID survive: $(run_pids | tr "\n" " ")"
  # The mounts lived only in the daemons' namespaces; the host has none. Check, and remove the
  # (empty) mount point in the root.
  if findmnt -rn -o TARGET | grep -qF "$ROOT$P"; then
    umount -R "$ROOT$P" 2>/dev/null || umount -l "$ROOT$P" || true
  fi
  rmdir "$ROOT$P" 2>/dev/null || true
  rm -f "$STATE/pids"
  log "stopped run $RUN_ID ($STATE)"
}

# Empty /berth-runs/ID directories in the root left by runs that died without `stop`: removed
# when older than an hour and no process names them. (Only then: removing a directory that is a
# mount point in a live run's namespace would detach that run's state.)
remove_stale_mount_points() {
  local d id
  for d in "$ROOT"/berth-runs/*; do
    [[ -d $d ]] || continue
    id=${d##*/}
    [[ -n "$(find "$d" -maxdepth 0 -mmin +60 -empty)" ]] || continue
    grep -qlE "/berth-runs/${id}[/]" /proc/[0-9]*/cmdline 2>/dev/null && continue
    rmdir "$d" 2>/dev/null || true
  done
}

cmd_status() {
  set_run_vars "$1"
  [[ -n $RUN_ID ]] || return 1
  daemon_alive mon && daemon_alive osd && daemon_alive rgw
}

wait_until() { # SECONDS DESCRIPTION COMMAND...
  local deadline=$((SECONDS + $1)) what=$2; shift 2
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || { log "timed out waiting for $what"; return 1; }
    local d
    for d in mon osd rgw; do
      if grep -q "^$d " "$STATE/pids" 2>/dev/null && ! daemon_alive "$d"; then
        log "ceph-$d died while waiting for $what"
        return 1
      fi
    done
    sleep 0.5
  done
}

s3_answers() { # anonymous GET / gets an S3 XML answer
  curl -s -m 5 "http://127.0.0.1:$RGW_PORT/" | grep -q '<?xml\|ListAllMyBucketsResult\|<Error>'
}

s3_signed_ok() { # a signed ListBuckets succeeds
  # curl 7.88 signs sha256("") as the payload hash but does not send x-amz-content-sha256;
  # radosgw then assumes UNSIGNED-PAYLOAD and the signatures differ: send the header.
  curl -sf -m 5 --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "http://127.0.0.1:$RGW_PORT/" | grep -q ListAllMyBucketsResult
}

osd_up() { ceph_cli osd stat -f json | grep -q '"num_up_osds":1'; }

random_string() { # LENGTH ALPHABET
  tr -dc "$2" </dev/urandom | head -c "$1" || true
}

cmd_start() {
  [[ $(id -u) == 0 ]] || die "must run as root (chroot, mount namespaces)"
  mkdir -p "$1"
  STATE="$(cd "$1" && pwd)"
  if [[ -f $STATE/run-id ]]; then
    set_run_vars "$STATE"
    [[ -z "$(run_pids)" ]] || die "run $RUN_ID is still running in $STATE (rgw.sh stop it first)"
    rm -rf --one-file-system "$STATE/mon" "$STATE/osd" "$STATE/run" "$STATE/log" "$STATE/rgw" \
      "$STATE/pids" "$STATE/env"
    rmdir "$ROOT$P" 2>/dev/null || true
  fi
  bash "$HERE/build-root.sh" >/dev/null
  local t0=$SECONDS
  remove_stale_mount_points

  random_string 12 'a-f0-9' >"$STATE/run-id"
  set_run_vars "$STATE"
  mkdir -p "$STATE"/{mon,osd,run,log,rgw} "$ROOT$P"
  trap 'rc=$?; if ((rc != 0)); then dump_logs; if [[ -n ${BERTH_RGW_KEEP_FAILED:-} ]]; then log "start failed; left running (BERTH_RGW_KEEP_FAILED)"; else log "start failed; stopping"; cmd_stop "$STATE" || true; fi; fi' EXIT

  local mon_port rgw_port fsid osd_uuid
  mon_port=$(free_port)
  rgw_port=$(free_port "$mon_port")
  RGW_PORT=$rgw_port
  fsid=$(cat /proc/sys/kernel/random/uuid)
  osd_uuid=$(cat /proc/sys/kernel/random/uuid)
  ACCESS_KEY="${BERTH_RGW_ACCESS_KEY:-$(random_string 20 'A-Z0-9')}"
  SECRET_KEY="${BERTH_RGW_SECRET_KEY:-$(random_string 40 'A-Za-z0-9')}"

  cat >"$STATE/ceph.conf" <<EOF
# Written by tests/e2e/ceph/rgw.sh for run $RUN_ID; paths are as seen inside the root.
[global]
fsid = $fsid
mon host = [v2:127.0.0.1:$mon_port]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind msgr1 = false
ms bind msgr2 = true
auth cluster required = none
auth service required = none
auth client required = none
# radosgw defaults ms_mon_client_mode to "secure", which auth "none" cannot do: without this the
# daemon loops on "send_auth_request get_initial_auth_request returned -13" and never serves.
ms mon client mode = crc
run dir = $P/run
admin socket = $P/run/\$name.asok
pid file = $P/run/\$name.pid
log file = $P/log/\$name.log
mon cluster log file = $P/log/cluster.log
log to stderr = false
err to stderr = true
mon data = $P/mon/\$cluster-\$id
osd data = $P/osd/\$cluster-\$id
rgw data = $P/rgw

osd objectstore = memstore
memstore device bytes = $((MEMSTORE_MB * 1024 * 1024))
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon max pg per osd = 1000
# Commit monitor changes every 50 ms instead of every second: creating the pools and the OSD is
# a dozen map changes in a row.
paxos propose interval = 0.05

# Reef refuses to create pools whose name starts with a dot, so the realm/zonegroup/zone/period
# objects go to "rgw.root" instead of ".rgw.root" (created below, before radosgw starts).
rgw realm root pool = rgw.root
rgw zonegroup root pool = rgw.root
rgw zone root pool = rgw.root
rgw period root pool = rgw.root
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
# Virtual-host style works for clients that resolve BUCKET.localhost to 127.0.0.1 (curl does);
# path style works always.
rgw dns name = localhost
EOF

  log "run $RUN_ID in $STATE: mon 127.0.0.1:$mon_port, S3 127.0.0.1:$rgw_port"
  in_root monmaptool --create --clobber --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" \
    "$P/monmap" >"$STATE/log/monmaptool.out" 2>&1
  in_root ceph-mon --mkfs -i a --monmap "$P/monmap" -c "$CONF" >"$STATE/log/mon-mkfs.out" 2>&1 ||
    die "ceph-mon --mkfs failed"
  start_daemon mon ceph-mon -f -i a
  wait_until 60 "the monitor" ceph_cli mon stat
  log "mon up after $((SECONDS - t0)) s"

  local osd_id
  osd_id=$(ceph_cli osd new "$osd_uuid") || die "ceph osd new failed"
  [[ $osd_id =~ ^[0-9]+$ ]] || die "ceph osd new said '$osd_id'"
  mkdir -p "$STATE/osd/ceph-$osd_id"
  in_root ceph-osd -i "$osd_id" --mkfs --osd-uuid "$osd_uuid" -c "$CONF" \
    >"$STATE/log/osd-mkfs.out" 2>&1 || die "ceph-osd --mkfs failed"
  start_daemon osd ceph-osd -f -i "$osd_id"
  wait_until 60 "the OSD to be up" osd_up
  log "osd up after $((SECONDS - t0)) s"

  # One client for all pools (the ceph CLI would take ~1.5 s per command).
  in_root timeout 60 python3 -c '
import json, sys, rados
conf, pools = sys.argv[1], sys.argv[2:]
with rados.Rados(conffile=conf) as c:
    for pool in pools:
        for cmd in ({"prefix": "osd pool create", "pool": pool, "pg_num": 8, "pgp_num": 8},
                    {"prefix": "osd pool application enable", "pool": pool, "app": "rgw"}):
            ret, out, err = c.mon_command(json.dumps(cmd), b"", timeout=30)
            print(cmd["prefix"], pool, ret, err, flush=True)
            if ret != 0:
                sys.exit(1)
' "$CONF" "${POOLS[@]}" >"$STATE/log/pools.out" 2>&1 || die "creating the pools failed"
  log "pools created after $((SECONDS - t0)) s"

  in_root timeout 60 radosgw-admin -c "$CONF" user create --uid=berth --display-name=berth \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >"$STATE/log/user-create.out" 2>&1 ||
    die "radosgw-admin user create failed: $(cat "$STATE/log/user-create.out")"
  log "user created after $((SECONDS - t0)) s"

  start_daemon rgw radosgw -f -n client.rgw.berth
  wait_until "$START_TIMEOUT" "S3 on 127.0.0.1:$rgw_port" s3_answers
  wait_until 30 "a signed ListBuckets" s3_signed_ok

  umask 077
  cat >"$STATE/env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$rgw_port
S3_ACCESS_KEY=$ACCESS_KEY
S3_SECRET_KEY=$SECRET_KEY
S3_REGION=$S3_REGION
S3_ADDRESSING=path
EOF
  trap - EXIT
  log "S3 ready at http://127.0.0.1:$rgw_port after $((SECONDS - t0)) s; env in $STATE/env"
  echo "$STATE/env"
}

(($# == 2)) || usage
case "$1" in
  start) cmd_start "$2" ;;
  stop) cmd_stop "$2" ;;
  status) cmd_status "$2" ;;
  *) usage ;;
esac
