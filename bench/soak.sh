#!/usr/bin/env bash
# Soak: one `berth serve` under a mixed push/pull load from many clients for a long time.
#
#   bench/soak.sh [--duration SECONDS] [--clients N] [--berth BINARY] [--out DIR]
#                 [--rss-growth-pct P] [--rss-growth-mib M] [--fd-growth N]
#
# Defaults: 600 s, 32 clients, the berth of build-release/ or build/, a temporary DIR (kept when
# the soak fails). Starts berth serve on 127.0.0.1 (port 0, default config but a request rate
# limit no client reaches, fsync durability) with its own storage, runs bench/soak_client.py
# (pushes of fresh random layers and manifests, tag overwrites, blob and manifest pulls checked
# against their digests, HEADs, tag lists and the catalog), samples VmRSS, VmHWM and the open
# descriptors of the server every 10 s, then stops it with SIGTERM. Prints a report and exits 1
# when a request failed, the server logged a warning or an error, did not exit 0, or grew: RSS
# from the warmed-up sample (after a sixth of the run) to the end by more than P% + M MiB
# (default 50% + 32 MiB), or descriptors from before the load to after it (clients gone) by
# more than N (default 0). Exit 2 on a usage error.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
duration=600
clients=32
berth=""
out=""
rss_pct=50
rss_mib=32
fd_growth=0

usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --duration) duration="$2"; shift 2 ;;
    --clients) clients="$2"; shift 2 ;;
    --berth) berth="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --rss-growth-pct) rss_pct="$2"; shift 2 ;;
    --rss-growth-mib) rss_mib="$2"; shift 2 ;;
    --fd-growth) fd_growth="$2"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
for n in "$duration" "$clients" "$rss_pct" "$rss_mib" "$fd_growth"; do
  [[ "$n" =~ ^[0-9]+$ ]] || { echo "soak.sh: '$n' is not a whole number" >&2; exit 2; }
done
((duration >= 10 && clients >= 1)) || { echo "soak.sh: --duration >= 10, --clients >= 1" >&2; exit 2; }
if [[ -z "$berth" ]]; then
  for candidate in "$root/build-release/berth" "$root/build/berth"; do
    [[ -x "$candidate" ]] && { berth="$candidate"; break; }
  done
fi
[[ -n "$berth" && -x "$berth" ]] || { echo "soak.sh: no berth binary (build it, or --berth)" >&2; exit 2; }

keep=0
if [[ -z "$out" ]]; then
  out="$(mktemp -d /tmp/berth-soak.XXXXXX)"
else
  mkdir -p "$out"
  keep=1
fi
server_pid=""
sampler_pid=""
cleanup() {
  [[ -n "$sampler_pid" ]] && kill "$sampler_pid" 2>/dev/null || true
  [[ -n "$server_pid" ]] && kill -KILL "$server_pid" 2>/dev/null || true
}
trap cleanup EXIT

# VmRSS and VmHWM in KiB and the open descriptor count of a process, on one line.
sample() {
  local pid=$1 rss hwm fds
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 1
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || return 1
  fds=$(ls "/proc/$pid/fd" 2>/dev/null | wc -l)
  echo "$rss $hwm $fds"
}

# The default config, except for the per-client request rate: the clients stand for as many
# machines but all come from 127.0.0.1, and together send over 1,000 requests a second, the
# default limit of one client. The limit stays on (every request still passes through the
# rate limiter), high enough never to refuse.
cat >"$out/config.yaml" <<'YAML'
registry:
  limits:
    requestsPerSecond: 1000000
    burst: 1000000
YAML
"$berth" serve --config "$out/config.yaml" --registry-listen 127.0.0.1:0 \
  --webhook-listen 127.0.0.1:0 --storage "$out/storage" --ready-file "$out/ready.json" \
  >"$out/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 600); do
  [[ -s "$out/ready.json" ]] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$out/server.log" >&2; echo "soak.sh: berth exited" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$out/ready.json" ]] || { echo "soak.sh: berth did not become ready" >&2; exit 1; }
port=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["registryPort"])' "$out/ready.json")

read -r rss0 hwm0 fds0 < <(sample "$server_pid")
echo "soak: berth pid $server_pid on 127.0.0.1:$port, $clients clients for ${duration}s, in $out"
# Every 10 s: seconds since start, VmRSS KiB, VmHWM KiB, open descriptors.
(
  start=$SECONDS
  while sleep 10; do
    s=$(sample "$server_pid") || break
    echo "$((SECONDS - start)) $s"
  done
) >"$out/samples.txt" &
sampler_pid=$!

client_status=0
python3 "$here/soak_client.py" --port "$port" --clients "$clients" --duration "$duration" \
  >"$out/client.json" 2>"$out/client.err" || client_status=$?
kill "$sampler_pid" 2>/dev/null || true
wait "$sampler_pid" 2>/dev/null || true
sampler_pid=""

if ! kill -0 "$server_pid" 2>/dev/null; then
  server_status=0
  wait "$server_pid" || server_status=$?
  server_pid=""
  head -c 2000 "$out/client.json" "$out/client.err" >&2 || true
  tail -n 20 "$out/server.log" >&2
  echo "soak: FAILED: berth exited during the soak with status $server_status (kept in $out)" >&2
  exit 1
fi
# The clients have closed their connections; give the server a moment to notice each close.
rss1=0 hwm1=0 fds_end=0
for _ in $(seq 1 50); do
  read -r rss1 hwm1 fds_end < <(sample "$server_pid" || echo "0 0 0")
  ((fds_end <= fds0 + fd_growth)) && break
  sleep 0.1
done
kill -TERM "$server_pid"
server_status=0
wait "$server_pid" || server_status=$?
server_pid=""

failures=()
report=$(python3 - "$out" "$duration" "$rss0" "$hwm0" "$fds0" "$rss1" "$hwm1" "$fds_end" \
  "$rss_pct" "$rss_mib" "$fd_growth" <<'EOF'
import json, sys
out, duration = sys.argv[1], int(sys.argv[2])
rss0, hwm0, fds0, rss1, hwm1, fds1, pct, mib, fdg = map(int, sys.argv[3:])
samples = [list(map(int, l.split())) for l in open(f"{out}/samples.txt") if l.strip()]
try:
    client = json.load(open(f"{out}/client.json"))
except Exception:
    client = {}
warm_at = max(10, duration // 6)
warm = next((s for s in samples if s[0] >= warm_at), samples[0] if samples else [0, rss0, hwm0, fds0])
last = samples[-1] if samples else [0, rss1, hwm1, fds1]
limit = warm[1] * (100 + pct) // 100 + mib * 1024
levels = {}
for line in open(f"{out}/server.log", errors="replace"):
    try:
        level = json.loads(line).get("level", "?")
    except ValueError:
        level = "not-json"
    levels[level] = levels.get(level, 0) + 1
bad_log = sum(v for k, v in levels.items() if k not in ("debug", "info"))
m = lambda kib: f"{kib / 1024:.1f} MiB"
print(f"requests      {client.get('requests', '?')} ({client.get('requests_per_second', '?')}/s, "
      f"operations {client.get('operations', {})}, latency {client.get('operation_ms', {})})")
print(f"failed        {client.get('failed', '?')} (hung clients {client.get('hung_clients', '?')})")
print(f"server log    {levels} -> {bad_log} warnings/errors/other")
print(f"VmRSS         start {m(rss0)}, warmed up (t={warm[0]}s) {m(warm[1])}, "
      f"last sample (t={last[0]}s) {m(last[1])}, after the load {m(rss1)}; limit {m(limit)}")
print(f"VmHWM         start {m(hwm0)}, end {m(hwm1)}")
print(f"open fds      start {fds0}, peak {max([s[3] for s in samples] or [fds0])}, "
      f"after the load {fds1}; limit {fds0 + fdg}")
verdict = []
if client.get("failed", 1) or client.get("hung_clients", 1):
    verdict.append("failed requests")
if bad_log:
    verdict.append("warnings or errors in the server log")
if max(last[1], rss1) > limit:
    verdict.append("RSS growth")
if fds1 > fds0 + fdg:
    verdict.append("descriptor growth")
print("verdict       " + ("; ".join(verdict) if verdict else "ok"))
EOF
)
echo "$report" | sed 's/^/soak: /'
{ echo "$report"; echo "server exit $server_status"; } >"$out/report.txt"
grep -q '^verdict       ok$' <<<"$report" || failures+=("$(sed -n 's/^verdict *//p' <<<"$report")")
((client_status == 0)) || failures+=("soak_client.py exited $client_status")
((server_status == 0)) || failures+=("berth serve exited $server_status on SIGTERM")
if [[ -s "$out/client.err" ]]; then
  head -n 20 "$out/client.err" >&2
fi
if ((${#failures[@]})); then
  echo "soak: FAILED: ${failures[*]} (kept in $out)" >&2
  grep -v '"level":"info"' "$out/server.log" | head -n 20 >&2 || true
  exit 1
fi
echo "soak: ok (server exit $server_status)"
((keep)) || rm -rf "$out"
