#!/usr/bin/env bash
# Push and pull throughput of one `berth serve` on the S3 driver (a real Ceph radosgw from
# tests/e2e/ceph/rgw.sh, memstore OSD) beside the filesystem driver, in the same run.
#
#   bench/s3_bench.sh BERTH_BINARY [MIB] [ROUNDS]      (root: radosgw runs in a chroot)
#
# Per driver and round: a fresh random blob of MIB MiB (default 128) pushed monolithically
# (POST + one PUT with the body) and in 16 MiB chunks (PATCH with Content-Range, then PUT), then
# pulled by one client. Prints MiB/s, the median over ROUNDS (default 3).
set -euo pipefail
berth=$(realpath "${1:?usage: s3_bench.sh BERTH_BINARY [MIB] [ROUNDS]}")
mib=${2:-128}
rounds=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
rgw="$root/tests/e2e/ceph/rgw.sh"
[[ $(id -u) == 0 ]] || { echo "s3_bench: needs root (radosgw runs in a chroot)" >&2; exit 77; }

work=$(mktemp -d /tmp/berth-s3-bench.XXXXXX)
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$rgw" stop "$work/rgw" >/dev/null 2>&1 || true
  [[ -n ${S3_BENCH_KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mkdir -p "$work/rgw"
# The OSD keeps everything in RAM (memstore): room for every round's blobs, their upload parts
# and the copies a move makes, with a margin.
BERTH_RGW_MEMSTORE_MB=$((mib * rounds * 8 + 1024)) "$rgw" start "$work/rgw" >/dev/null
# shellcheck disable=SC1091
source "$work/rgw/env"
empty_sha=$(printf '' | sha256sum | cut -d' ' -f1)
code=$(curl -sS -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:$S3_REGION:s3" \
  --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" -H "x-amz-content-sha256: $empty_sha" -X PUT \
  "$S3_ENDPOINT/berth-bench")
[[ $code == 200 ]] || { echo "s3_bench: cannot create the bucket ($code)" >&2; exit 1; }

declare -A port
port[s3]=$(free_port)
port[fs]=$(free_port)
cat >"$work/s3.yaml" <<EOF
logLevel: warn
registry:
  listen: 127.0.0.1:${port[s3]}
  s3: {endpoint: "$S3_ENDPOINT", region: "$S3_REGION", bucket: berth-bench, prefix: registry/}
EOF
cat >"$work/fs.yaml" <<EOF
logLevel: warn
registry:
  listen: 127.0.0.1:${port[fs]}
  storage: $work/fs-storage
  durability: fsync
EOF
for d in s3 fs; do
  AWS_ACCESS_KEY_ID=$S3_ACCESS_KEY AWS_SECRET_ACCESS_KEY=$S3_SECRET_KEY \
    "$berth" serve --config "$work/$d.yaml" >"$work/$d.log" 2>&1 &
  pids+=($!)
done
for d in s3 fs; do
  for _ in $(seq 100); do curl -fsS "http://127.0.0.1:${port[$d]}/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
done

seconds() { python3 -c 'import time; print(time.monotonic())'; }
rate() { python3 -c "print(f'{$mib / ($2 - $1):.1f}')"; }
location() { curl -fsS -D - -o /dev/null -X POST "$1/v2/bench/blobs/uploads/" | tr -d '\r' |
  awk -F': ' 'tolower($1) == "location" {print $2}'; }
absolute() { [[ $2 == http* ]] && echo "$2" || echo "$1$2"; }
join_q() { [[ $1 == *\?* ]] && echo "$1&$2" || echo "$1?$2"; }

push_mono() { # BASE FILE DIGEST
  local loc
  loc=$(absolute "$1" "$(location "$1")")
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' \
    --data-binary "@$2" "$(join_q "$loc" "digest=$3")"
}
push_chunked() { # BASE FILE DIGEST
  local loc size chunk=$((16 << 20)) off=0 end
  loc=$(absolute "$1" "$(location "$1")")
  size=$(stat -c %s "$2")
  while ((off < size)); do
    end=$((off + chunk < size ? off + chunk : size))
    # Chunks are whole MiB (MIB is an integer), so dd reads them by MiB.
    loc=$(dd if="$2" bs=1M skip=$((off >> 20)) count=$(((end - off) >> 20)) status=none |
      curl -fsS -D - -o /dev/null -X PATCH -H 'Content-Type: application/octet-stream' \
        -H "Content-Range: $off-$((end - 1))" --data-binary @- "$loc" | tr -d '\r' |
      awk -F': ' 'tolower($1) == "location" {print $2}')
    loc=$(absolute "$1" "$loc")
    off=$end
  done
  curl -fsS -o /dev/null -X PUT "$(join_q "$loc" "digest=$3")"
}

declare -A results
for ((r = 1; r <= rounds; r++)); do
  for d in s3 fs; do
    base="http://127.0.0.1:${port[$d]}"
    for mode in mono chunked; do
      blob="$work/blob"
      head -c $((mib << 20)) /dev/urandom >"$blob"
      digest="sha256:$(sha256sum "$blob" | cut -d' ' -f1)"
      t0=$(seconds)
      "push_$mode" "$base" "$blob" "$digest"
      t1=$(seconds)
      results[$d-push-$mode]+="$(rate "$t0" "$t1") "
      if [[ $mode == mono ]]; then
        t0=$(seconds)
        curl -fsS -o /dev/null "$base/v2/bench/blobs/$digest"
        t1=$(seconds)
        results[$d-pull]+="$(rate "$t0" "$t1") "
      fi
      rm -f "$blob"
    done
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '| figure (%d MiB, median of %d) | S3 (radosgw, memstore) | filesystem (fsync) | S3 / filesystem |\n' "$mib" "$rounds"
printf '|---|---|---|---|\n'
for f in push-mono push-chunked pull; do
  s3=$(median "${results[s3-$f]}")
  fs=$(median "${results[fs-$f]}")
  printf '| %s MiB/s | %s | %s | %s |\n' "$f" "$s3" "$fs" "$(python3 -c "print(f'{$s3/$fs:.2f}x')")"
done
