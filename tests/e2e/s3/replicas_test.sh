#!/usr/bin/env bash
# Two `berth serve` replicas on one S3 bucket (Ceph radosgw from tests/e2e/ceph/rgw.sh), the way
# the Helm chart runs them with storage.s3: push through one, pull through the other; one blob
# upload whose chunks land on different replicas; concurrent pushes of one tag; concurrent
# creations of one immutable tag; a replica killed mid-push; garbage collection while a push
# runs. Everything listens on 127.0.0.1.
#   replicas_test.sh BERTH_BINARY
# Exit 77 (skipped) when not root (radosgw needs namespaces and chroot) or a tool is missing.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RGW="$HERE/../ceph/rgw.sh"
BERTH="$(realpath "${1:?usage: replicas_test.sh BERTH_BINARY}")"

skip() { echo "replicas_test.sh: skipped: $*" >&2; exit 77; }
[[ "$(id -u)" == 0 ]] || skip "radosgw needs root"
for tool in skopeo curl python3 sha256sum; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/berth-s3-replicas.XXXXXX")"
declare -A PID PORT
cleanup() {
  local name
  for name in "${!PID[@]}"; do kill "${PID[$name]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "$RGW" stop "$WORK/rgw" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

PASSED=0
FAILED=0
ok() { echo "ok - $*"; PASSED=$((PASSED + 1)); }
not_ok() { echo "not ok - $*"; FAILED=$((FAILED + 1)); }
check() { # NAME COMMAND...: one test; its output goes to the log and is shown when it fails
  local name="$1"
  shift
  if "$@" >"$WORK/$name.log" 2>&1; then ok "$name"; else not_ok "$name"; sed 's/^/    /' "$WORK/$name.log"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- radosgw and the bucket --------------------------------------------------------------
mkdir -p "$WORK/rgw"
"$RGW" start "$WORK/rgw" >/dev/null
# shellcheck disable=SC1091
source "$WORK/rgw/env"
s3curl() { # METHOD PATH: a signed request to radosgw
  curl -sS -o /dev/null -w '%{http_code}' --aws-sigv4 "aws:amz:$S3_REGION:s3" \
    --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" -X "$1" "$S3_ENDPOINT$2"
}
[[ "$(s3curl PUT /berth-replicas)" == 200 ]] || { echo "cannot create the bucket" >&2; exit 1; }
s3list() { # PREFIX: the ListObjectsV2 answer for the keys under PREFIX
  curl -sS --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY:$S3_SECRET_KEY" \
    -H "x-amz-content-sha256: $(printf '' | sha256sum | cut -d' ' -f1)" \
    "$S3_ENDPOINT/berth-replicas?list-type=2&prefix=${1//\//%2F}"  # signed as SigV4 encodes it
}

# --- two replicas -------------------------------------------------------------------------
# Tags of team/immutable are immutable; the other repositories stay mutable.
cat >"$WORK/policy.yaml" <<'YAML'
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: replicas}
spec:
  rules:
    - name: immutable-releases
      match: {images: ['.*/team/immutable:.*']}
      action: immutable-tags
YAML
config() { # NAME
  cat >"$WORK/$1.yaml" <<YAML
logLevel: warn
policy:
  path: $WORK/policy.yaml
registry:
  listen: 127.0.0.1:${PORT[$1]}
  s3:
    endpoint: $S3_ENDPOINT
    region: $S3_REGION
    bucket: berth-replicas
    prefix: registry/
YAML
}
start() { # NAME: starts (or restarts) a replica and waits for /v2/
  AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
    "$BERTH" serve --config "$WORK/$1.yaml" >>"$WORK/$1.serve.log" 2>&1 &
  PID[$1]=$!
  local i
  for ((i = 0; i < 100; i++)); do
    curl -fsS "http://127.0.0.1:${PORT[$1]}/v2/" >/dev/null 2>&1 && return 0
    kill -0 "${PID[$1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "replica $1 did not start:" >&2
  cat "$WORK/$1.serve.log" >&2
  exit 1
}
for name in a b; do
  PORT[$name]="$(free_port)"
  config "$name"
  start "$name"
done
url() { echo "http://127.0.0.1:${PORT[$1]}"; }
ref() { echo "docker://127.0.0.1:${PORT[$1]}/$2"; }

# --- images -------------------------------------------------------------------------------
# layout DIR MIB SEED: an OCI layout tagged v1 with one random layer of MIB MiB (declared
# gzip, so skopeo copies it as it is and digests stay the same everywhere).
layout() {
  python3 - "$@" <<'PY'
import hashlib, json, os, random, sys
d, mib, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(d + "/blobs/sha256", exist_ok=True)
def put(data):
    h = hashlib.sha256(data).hexdigest()
    open(d + "/blobs/sha256/" + h, "wb").write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
layer = put(random.Random(seed).randbytes(mib << 20))
layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar+gzip"
config = put(json.dumps({"architecture": "amd64", "os": "linux", "seed": seed,
                         "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}).encode())
config["mediaType"] = "application/vnd.oci.image.config.v1+json"
mt = "application/vnd.oci.image.manifest.v1+json"
m = put(json.dumps({"schemaVersion": 2, "mediaType": mt, "config": config,
                    "layers": [layer]}).encode())
m["mediaType"] = mt
m["annotations"] = {"org.opencontainers.image.ref.name": "v1"}
open(d + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
open(d + "/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [m]}))
print(m["digest"])
PY
}
push() { skopeo copy --quiet --dest-tls-verify=false "oci:$1:v1" "$(ref "$2" "$3")"; }
manifest_digest() { # REPLICA REPO:TAG
  echo "sha256:$(skopeo inspect --raw --tls-verify=false "$(ref "$1" "$2")" | sha256sum | cut -d' ' -f1)"
}
pull_verified() { # REPLICA REPO:TAG DIR: pulls and checks every blob against its name
  rm -rf "$3"
  skopeo copy --quiet --src-tls-verify=false "$(ref "$1" "$2")" "oci:$3:v1"
  local blob
  for blob in "$3"/blobs/sha256/*; do
    [[ "$(sha256sum "$blob" | cut -d' ' -f1)" == "$(basename "$blob")" ]] || return 1
  done
}

# --- the tests ----------------------------------------------------------------------------
push_through_one_pull_through_other() {
  local digest
  digest="$(layout "$WORK/one" 13 1)"
  push "$WORK/one" a team/app:v1
  [[ "$(manifest_digest b team/app:v1)" == "$digest" ]]
  pull_verified b team/app:v1 "$WORK/one-pulled"
  cmp "$WORK/one/blobs/sha256/${digest#sha256:}" "$WORK/one-pulled/blobs/sha256/${digest#sha256:}"
  curl -fsS "$(url b)/v2/_catalog" | grep -q '"team/app"'
}

chunks_on_different_replicas() {
  python3 -c 'import random,sys; sys.stdout.buffer.write(random.Random(9).randbytes(13 << 20))' \
    >"$WORK/chunked"
  local digest location status
  digest="sha256:$(sha256sum "$WORK/chunked" | cut -d' ' -f1)"
  location="$(curl -fsS -X POST -D - -o /dev/null "$(url a)/v2/team/chunks/blobs/uploads/" |
    tr -d '\r' | sed -n 's/^[Ll]ocation: //p')"
  [[ -n "$location" ]]
  head -c $((7 << 20)) "$WORK/chunked" >"$WORK/chunk1"
  tail -c +$(((7 << 20) + 1)) "$WORK/chunked" >"$WORK/chunk2"
  curl -fsS -X PATCH -H 'Content-Type: application/octet-stream' \
    -H "Content-Range: 0-$(((7 << 20) - 1))" --data-binary "@$WORK/chunk1" "$(url a)$location"
  curl -fsS -X PATCH -H 'Content-Type: application/octet-stream' \
    -H "Content-Range: $((7 << 20))-$(((13 << 20) - 1))" --data-binary "@$WORK/chunk2" \
    "$(url b)$location"
  # Either replica reports the whole upload.
  curl -fsS -D - -o /dev/null "$(url a)$location" | tr -d '\r' |
    grep -qi "^range: 0-$(((13 << 20) - 1))$"
  status="$(curl -sS -o /dev/null -w '%{http_code}' -X PUT "$(url b)$location?digest=$digest")"
  [[ "$status" == 201 ]]
  curl -fsS -I "$(url a)/v2/team/chunks/blobs/$digest" | tr -d '\r' |
    grep -qi "^content-length: $((13 << 20))$"
  [[ "$(curl -fsS "$(url a)/v2/team/chunks/blobs/$digest" | sha256sum | cut -d' ' -f1)" == "${digest#sha256:}" ]]
}

concurrent_pushes_of_one_tag() {
  local first second winner_a winner_b
  first="$(layout "$WORK/race1" 6 2)"
  second="$(layout "$WORK/race2" 6 3)"
  push "$WORK/race1" a team/race:latest &
  local p1=$!
  push "$WORK/race2" b team/race:latest &
  local p2=$!
  wait "$p1"
  wait "$p2"
  winner_a="$(manifest_digest a team/race:latest)"
  winner_b="$(manifest_digest b team/race:latest)"
  # Last writer wins, never a torn tag: both replicas agree on one of the two.
  [[ "$winner_a" == "$winner_b" ]]
  [[ "$winner_a" == "$first" || "$winner_a" == "$second" ]]
  pull_verified a team/race:latest "$WORK/race-pulled"
}

# PUT of a manifest (a file) at REPO:TAG on a replica; prints "STATUS BODY" on one line.
put_manifest() { # REPLICA REPO TAG FILE
  curl -sS -o "$4.answer" -w '%{http_code}' -X PUT \
    -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$4" \
    "$(url "$1")/v2/$2/manifests/$3"
  printf ' %s\n' "$(tr -d '\n' <"$4.answer")"
}

# Two replicas receive, at the same moment, different manifests for one new immutable tag,
# round after round. Each replica locks tags only in its own process: only the bucket's
# conditional write (If-None-Match: *) keeps both from creating the tag. Every check returns
# explicitly: `check` runs this in an `if`, where set -e does not apply.
concurrent_creates_of_one_immutable_tag() {
  local digest_a digest_b round answer_a answer_b winner loser status file
  printf '{"architecture":"amd64","os":"linux"}' >"$WORK/imm-config"
  printf 'layer a' >"$WORK/imm-layer-a"
  printf 'layer b' >"$WORK/imm-layer-b"
  for file in imm-config imm-layer-a imm-layer-b; do
    status="$(curl -sS -o /dev/null -w '%{http_code}' -X POST \
      -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/$file" \
      "$(url a)/v2/team/immutable/blobs/uploads/?digest=sha256:$(sha256sum "$WORK/$file" | cut -d' ' -f1)")"
    [[ "$status" == 201 ]] || return 1
  done
  imm_manifest() { # LAYER_FILE
    printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d}]}' \
      "$(sha256sum "$WORK/imm-config" | cut -d' ' -f1)" "$(stat -c %s "$WORK/imm-config")" \
      "$(sha256sum "$1" | cut -d' ' -f1)" "$(stat -c %s "$1")"
  }
  imm_manifest "$WORK/imm-layer-a" >"$WORK/imm-manifest-a"
  imm_manifest "$WORK/imm-layer-b" >"$WORK/imm-manifest-b"
  digest_a="sha256:$(sha256sum "$WORK/imm-manifest-a" | cut -d' ' -f1)"
  digest_b="sha256:$(sha256sum "$WORK/imm-manifest-b" | cut -d' ' -f1)"
  local wins_a=0 wins_b=0
  for ((round = 0; round < 40; round++)); do
    # Both requests wait for one file to appear, so they leave together.
    rm -f "$WORK/imm-go"
    (until [[ -e "$WORK/imm-go" ]]; do :; done
     put_manifest a team/immutable "r$round" "$WORK/imm-manifest-a") >"$WORK/imm-answer-a" &
    local pa=$!
    (until [[ -e "$WORK/imm-go" ]]; do :; done
     put_manifest b team/immutable "r$round" "$WORK/imm-manifest-b") >"$WORK/imm-answer-b" &
    local pb=$!
    touch "$WORK/imm-go"
    wait "$pa" "$pb"
    answer_a="$(cat "$WORK/imm-answer-a")"
    answer_b="$(cat "$WORK/imm-answer-b")"
    echo "round $round: a: $answer_a"
    echo "round $round: b: $answer_b"
    if [[ "$answer_a" == "201 "* && "$answer_b" == "403 "* ]]; then
      winner="$digest_a"; loser="$answer_b"; wins_a=$((wins_a + 1))
    elif [[ "$answer_b" == "201 "* && "$answer_a" == "403 "* ]]; then
      winner="$digest_b"; loser="$answer_a"; wins_b=$((wins_b + 1))
    else
      echo "round $round: not exactly one winner"
      return 1
    fi
    grep -q '"code":"DENIED"' <<<"$loser" || return 1
    grep -q "tag team/immutable:r$round is immutable (policy rule 'immutable-releases'): it already points at $winner" <<<"$loser" || return 1
    [[ "$(manifest_digest a "team/immutable:r$round")" == "$winner" ]] || return 1
    [[ "$(manifest_digest b "team/immutable:r$round")" == "$winner" ]] || return 1
  done
  echo "wins: a $wins_a, b $wins_b"
  # The tag stays where it is, whichever replica is asked to move it.
  answer_a="$(put_manifest a team/immutable r0 "$WORK/imm-manifest-a")"
  answer_b="$(put_manifest b team/immutable r0 "$WORK/imm-manifest-b")"
  echo "again: a: $answer_a"
  echo "again: b: $answer_b"
  [[ "$answer_a" == "201 "* || "$answer_b" == "201 "* ]] || return 1
  [[ "$answer_a" == "403 "* || "$answer_b" == "403 "* ]]
}

replica_killed_mid_push() {
  layout "$WORK/big" 96 4 >/dev/null
  push "$WORK/big" a team/killed:v1 &
  local pusher=$! i
  # Killed once the layer's upload session has stored a part: the push is surely mid-way.
  for ((i = 0; i < 300; i++)); do
    s3list registry/repositories/team/killed/_uploads/ | grep -q '\.part-0000000000000[1-9]' && break
    sleep 0.05
  done
  kill -9 "${PID[a]}"
  wait "${PID[a]}" 2>/dev/null || true
  if wait "$pusher"; then
    echo "the push finished before the kill: nothing was interrupted"
    return 1
  fi
  start a
  # Whatever was stored, nothing visible is torn: the tag is absent or whole.
  if skopeo inspect --raw --tls-verify=false "$(ref b team/killed:v1)" >/dev/null 2>&1; then
    pull_verified b team/killed:v1 "$WORK/killed-early"
  fi
  push "$WORK/big" b team/killed:v1
  pull_verified a team/killed:v1 "$WORK/killed-pulled"
}

gc_while_pushing() {
  local digest report
  digest="$(layout "$WORK/gc" 40 5)"
  push "$WORK/gc" b team/gc:v1 &
  local pusher=$! i
  for ((i = 0; i < 300; i++)); do  # until the layer's upload is under way
    s3list registry/repositories/team/gc/_uploads/ | grep -q '\.part-' && break
    sleep 0.05
  done
  # The default grace period (an hour) keeps every blob this push has stored so far.
  report="$(AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
    "$BERTH" gc --config "$WORK/a.yaml")"
  echo "$report"
  wait "$pusher"
  grep -q '^blobs deleted: 0 ' <<<"$report"
  pull_verified a team/gc:v1 "$WORK/gc-pulled"
  [[ "$(manifest_digest a team/gc:v1)" == "$digest" ]]

  # An unreferenced blob goes once it is older than the grace period (0 here); what the
  # manifests reference stays.
  printf 'orphan blob' >"$WORK/orphan"
  local orphan status
  orphan="sha256:$(sha256sum "$WORK/orphan" | cut -d' ' -f1)"
  status="$(curl -sS -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary "@$WORK/orphan" "$(url a)/v2/team/orphans/blobs/uploads/?digest=$orphan")"
  [[ "$status" == 201 ]]
  report="$(AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$S3_SECRET_KEY" \
    "$BERTH" gc --config "$WORK/b.yaml" --grace-period 0)"
  echo "$report"
  grep -q "^deleted $orphan$" <<<"$report"
  [[ "$(curl -sS -o /dev/null -w '%{http_code}' -I "$(url b)/v2/team/orphans/blobs/$orphan")" == 404 ]]
  pull_verified b team/app:v1 "$WORK/app-after-gc"
  pull_verified b team/gc:v1 "$WORK/gc-after-gc"
}

check push_through_one_pull_through_other push_through_one_pull_through_other
check chunks_on_different_replicas chunks_on_different_replicas
check concurrent_pushes_of_one_tag concurrent_pushes_of_one_tag
check concurrent_creates_of_one_immutable_tag concurrent_creates_of_one_immutable_tag
check replica_killed_mid_push replica_killed_mid_push
check gc_while_pushing gc_while_pushing

echo "$PASSED passed, $FAILED failed"
[[ "$FAILED" == 0 ]]
