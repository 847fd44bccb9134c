#!/usr/bin/env bash
# e2e smoke test: a real kube-apiserver and a real node (kubelet + containerd + runc), then Berth
# as their admission webhooks.
#
#   1. a Pod naming an image in a local upstream registry (docker-registry) runs: containerd pulled
#      it, the sandbox (pause) image too; `kubectl logs` reaches the kubelet;
#   2. with `berth serve` registered as Mutating/Validating webhook (by URL, caBundle from
#      `berth certs generate --ca-bundle`), a Pod naming `:latest` is refused with Berth's message;
#   3. a Pod whose image a `rewrite` rule sends to Berth's registry is stored with the rewritten
#      image and runs, containerd pulling it from Berth.
#
# Usage: smoke_test.sh [BERTH_BINARY]   (default: build-e2e/berth, then build/berth)
# E2E_KEEP=1 keeps the run directory (logs, configs) after a successful run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
berth=${1:-}
if [[ -z $berth ]]; then
  for berth in "$root/build-e2e/berth" "$root/build/berth" ""; do
    [[ -x $berth ]] && break
  done
fi
[[ -n $berth && -x $berth ]] || { echo "smoke_test: no berth binary (pass its path)" >&2; exit 2; }
berth=$(realpath "$berth")
if [[ $(id -u) != 0 ]]; then
  echo "smoke_test: SKIP: runs a kubelet and containerd, needs root" >&2
  exit 77
fi

# shellcheck source=lib.sh
source "$here/lib.sh"
bash "$here/build-tools.sh"
e2e_setup
e2e_cluster_up

# --- 1. the node runs a Pod from a local registry --------------------------------------------
sleeper=$(e2e_sleeper_image)
e2e_push "$sleeper" 1.0 "$E2E_UPSTREAM/e2e/sleeper:1.0"
e2e_push "$sleeper" 1.0 "$E2E_UPSTREAM/e2e/sleeper:latest"

e2e_namespace e2e-plain
e2e_pod_yaml e2e-plain plain "$E2E_UPSTREAM/e2e/sleeper:1.0" | e2e_kubectl apply -f - >/dev/null
e2e_wait_pod_running e2e-plain plain 120
e2e_log "PASS Pod e2e-plain/plain Running (image pulled by containerd from $E2E_UPSTREAM)"
e2e_wait 30 "kubectl logs" bash -c \
  "kubectl --kubeconfig '$E2E_KUBECONFIG' -n e2e-plain logs plain | grep -q 'berth-e2e sleeper up: plain'" ||
  e2e_fail "kubectl logs did not show the sleeper's line"
e2e_log "PASS kubectl logs through the kubelet"

# --- 2. Berth as the admission webhooks --------------------------------------------------------
policies="$E2E_RUN/policies"
mkdir -p "$policies"
upstream_re=${E2E_UPSTREAM//./\\.}
cat >"$policies/10-no-latest.yaml" <<EOF
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: no-latest}
spec:
  rules:
    - name: no-latest
      match: {images: ['.*:latest']}
      action: deny
      message: 'berth-e2e: the :latest tag is not allowed'
EOF
cat >"$policies/20-mirror-upstream.yaml" <<EOF
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: mirror-upstream}
spec:
  rules:
    - name: mirror-local-upstream
      match: {images: ['$upstream_re/.*']}
      action: rewrite
EOF
e2e_berth_up "$berth" "$policies"
e2e_berth_webhooks berth.dev/e2e=enabled
e2e_namespace e2e-berth berth.dev/e2e=enabled

latest_pod=$(e2e_pod_yaml e2e-berth latest "$E2E_UPSTREAM/e2e/sleeper:latest")
# The API server picks up webhook configurations asynchronously: wait until a server-side dry run
# is refused (dry runs reach webhooks with sideEffects None), then try for real.
e2e_wait 60 "the webhooks to be active" bash -c \
  "! kubectl --kubeconfig '$E2E_KUBECONFIG' apply --dry-run=server -f - <<<'$latest_pod'" ||
  e2e_fail "a :latest Pod is still accepted 60s after registering the webhooks"
if out=$(e2e_kubectl apply -f - <<<"$latest_pod" 2>&1); then
  e2e_fail "the :latest Pod was accepted: $out"
fi
grep -q 'berth-e2e: the :latest tag is not allowed' <<<"$out" ||
  e2e_fail "the :latest Pod was refused, but not with Berth's message: $out"
e2e_log "PASS :latest refused: $(grep -o 'admission webhook.*' <<<"$out" | head -c 200)"

# --- 3. a rewrite sends the Pod to Berth's registry --------------------------------------------
# Until the pull-through cache lands, seed Berth with the image where the rewrite points.
mirrored="$E2E_BERTH_REGISTRY/${E2E_UPSTREAM/:/_}/e2e/sleeper:1.0"
e2e_push "$sleeper" 1.0 "$mirrored"
e2e_pod_yaml e2e-berth mirrored "$E2E_UPSTREAM/e2e/sleeper:1.0" | e2e_kubectl apply -f - >/dev/null
stored=$(e2e_kubectl -n e2e-berth get pod mirrored -o 'jsonpath={.spec.containers[0].image}')
[[ $stored == "$mirrored" ]] || e2e_fail "stored image is '$stored', expected '$mirrored'"
e2e_log "PASS Pod stored with the rewritten image $stored"
e2e_wait_pod_running e2e-berth mirrored 120
e2e_log "PASS Pod e2e-berth/mirrored Running (image pulled by containerd from Berth)"

e2e_check_alive
e2e_log "smoke test passed (cluster up to Node Ready: see above; total $((SECONDS - E2E_T0))s)"
