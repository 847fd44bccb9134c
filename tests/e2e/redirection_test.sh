#!/usr/bin/env bash
# End-to-end redirection test (issue #5) with only real components:
#
#   upstream-a   Debian's docker-registry, anonymous          (stands in for a public registry)
#   upstream-b   Debian's docker-registry, htpasswd Basic auth (a private upstream)
#   berth        `berth serve`: registry with the pull-through cache of both upstreams, the
#                webhooks (certificates from `berth certs generate`), an audit log
#   node proxy   `berth serve --node-proxy-listen`: the node-local endpoint containerd pulls from
#   cluster      etcd + kube-apiserver, with the webhook configurations RENDERED FROM THE CHART
#                (helm template; only clientConfig becomes a URL, as no Service routes here);
#                kubelet + containerd + runc as the node
#
# It checks:
#   1. a Pod naming an upstream image is stored with the node-local reference and runs; the
#      image came through the node endpoint and Berth's cache (audit: pulls + upstream fetches);
#   2. the same for a Deployment's pod template from the Basic auth upstream (no
#      controller-manager runs: the test creates the Pod from the stored template);
#   3. a Pod with a denied image and a Pod with a mutable `:latest` tag are refused with Berth's
#      messages;
#   4. with upstream-a stopped and containerd's copy of the image removed, a new Pod on the same
#      image still starts, from Berth's cache;
#   5. with containerd configured to use the node endpoint as a mirror for upstream-a (hosts.toml)
#      a Pod naming the original, unrewritten image starts too (upstream-a still stopped);
#   6. the rest of the chart's objects pass `kubectl apply --dry-run=server`.
#
# Usage: redirection_test.sh BERTH_BINARY     E2E_KEEP=1 keeps the run directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
berth=${1:?usage: redirection_test.sh BERTH_BINARY}
berth=$(realpath "$berth")
if [[ $(id -u) != 0 ]]; then
  echo "redirection_test: SKIP: runs a kubelet and containerd, needs root" >&2
  exit 77
fi

# shellcheck source=lib.sh
source "$here/lib.sh"
bash "$here/build-tools.sh"
helm="$(bash "$root/tests/helm/setup.sh")/bin/helm"
e2e_setup
e2e_cluster_up

# --- upstreams, seeded with skopeo -----------------------------------------------------------
sleeper=$(e2e_sleeper_image)
upstream_a=$E2E_UPSTREAM
e2e_push "$sleeper" 1.0 "$upstream_a/e2e/sleeper:1.0"
e2e_push "$sleeper" 1.0 "$upstream_a/e2e/sleeper:latest"
e2e_push "$sleeper" 1.0 "$upstream_a/forbidden/sleeper:1.0"
# A different image (file name, config, so every digest differs) for the Basic auth upstream: its
# blobs must come from there, not from what the first image left in the caches.
sleeper_b=$(e2e_static_image sleeper-b 2.0 "$E2E_CACHE/images/sleeper.bin" /sleeper-b)
e2e_upstream_registry upstream-b team-reader 'b-secret-9'
upstream_b=$E2E_UPSTREAM_ADDR
e2e_push "$sleeper_b" 2.0 "$upstream_b/team/sleeper:2.0" 'team-reader:b-secret-9'
anonymous=$(curl -s -o /dev/null -w '%{http_code}' "http://$upstream_b/v2/team/sleeper/tags/list")
[[ $anonymous == 401 ]] || e2e_fail "upstream-b should refuse anonymous reads, answered $anonymous"

# --- Berth: registry + pull-through cache + webhooks, and the node-local endpoint ------------
node_port=$(e2e_free_ports 1)
node_endpoint=localhost:$node_port
policies="$E2E_RUN/policies"
mkdir -p "$policies"
cat >"$policies/10-deny.yaml" <<EOF
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: e2e-deny}
spec:
  rules:
    - name: no-forbidden
      match: {images: {include: ['.*/forbidden/.*']}}
      action: deny
      message: 'berth-e2e: forbidden/ images are not approved'
    - name: no-latest
      match: {images: {include: ['.*:latest']}}
      action: deny
      message: 'berth-e2e: the mutable tag latest is not allowed'
EOF
cat >"$policies/20-mirror.yaml" <<EOF
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: e2e-mirror}
spec:
  rules:
    - name: mirror-upstreams
      match: {images: {include: ['${upstream_a//./\\.}/.*', '${upstream_b//./\\.}/.*']}}
      action: rewrite
EOF
cat >"$E2E_RUN/berth.yaml" <<EOF
registry:
  proxy:
    upstreams:
      - {host: "$upstream_a", url: "http://$upstream_a", insecure: true}
      - host: "$upstream_b"
        url: "http://$upstream_b"
        insecure: true
        credentials: [{pathPrefix: team, username: team-reader, password: b-secret-9}]
EOF
audit="$E2E_RUN/berth/audit.log"
E2E_BERTH_REWRITE_TARGET=$node_endpoint
e2e_berth_up "$berth" "$policies" --config "$E2E_RUN/berth.yaml" --audit-log "$audit"
cat >"$E2E_RUN/node-proxy.yaml" <<EOF
nodeProxy:
  listen: 127.0.0.1:$node_port
  upstreamRegistry: http://$E2E_BERTH_REGISTRY
  cacheDir: $E2E_RUN/node-cache
EOF
e2e_start node-proxy "$berth" serve --config "$E2E_RUN/node-proxy.yaml"
e2e_wait 30 "the node endpoint" curl -fsS "http://$node_endpoint/readyz" ||
  e2e_fail "the node endpoint did not start"

# --- the chart's webhook configurations, registered with the API server -------------------------
e2e_register_chart_webhooks "$helm" --set 'webhook.excludeNamespaces={e2e-mirror}'
registered=$(e2e_kubectl get mutatingwebhookconfiguration berth -o json)
[[ $(jq -r '.webhooks[0].reinvocationPolicy' <<<"$registered") == IfNeeded ]] ||
  e2e_fail "the registered mutating webhook lost reinvocationPolicy: IfNeeded"
e2e_log "PASS the chart's webhook configurations are registered"

# Kubernetes 1.21+ labels every namespace with kubernetes.io/metadata.name, which the chart's
# namespaceSelector excludes by; this 1.20 API server does not, so the test labels as 1.21 would.
e2e_namespace e2e-apps kubernetes.io/metadata.name=e2e-apps
e2e_namespace e2e-mirror kubernetes.io/metadata.name=e2e-mirror

denied_pod=$(e2e_pod_yaml e2e-apps denied "$upstream_a/forbidden/sleeper:1.0")
e2e_wait 60 "the webhooks to be active" bash -c \
  "! kubectl --kubeconfig '$E2E_KUBECONFIG' apply --dry-run=server -f - <<<'$denied_pod'" ||
  e2e_fail "a denied image is still admitted 60s after registering the webhooks"

audit_count() { # OPERATION REPOSITORY
  jq -c --arg op "$1" --arg repo "$2" 'select(.operation == $op and .repository == $repo)' \
    "$audit" 2>/dev/null | wc -l
}
# Manifest requests Berth's registry answered with 200 (HEAD included: containerd resolves a tag
# with a HEAD and skips the GET when it still holds the manifest; the audit log records GETs).
manifests_served() {
  curl -fsS "http://$E2E_BERTH_REGISTRY/metrics" | awk '/^berth_registry_requests_total\{/ &&
    /operation="manifest-(head|get)"/ && /status="200"/ {n += $NF} END {print n + 0}'
}
encoded_a=${upstream_a/:/_}
encoded_b=${upstream_b/:/_}

# --- 1. a Pod is rewritten to the node endpoint and runs ---------------------------------------
e2e_pod_yaml e2e-apps direct "$upstream_a/e2e/sleeper:1.0" | e2e_kubectl apply -f - >/dev/null ||
  e2e_fail "the Pod naming the upstream image was refused"
want="$node_endpoint/$encoded_a/e2e/sleeper:1.0"
stored=$(e2e_kubectl -n e2e-apps get pod direct -o 'jsonpath={.spec.containers[0].image}')
[[ $stored == "$want" ]] || e2e_fail "stored image is '$stored', expected '$want'"
original=$(e2e_kubectl -n e2e-apps get pod direct \
  -o 'jsonpath={.metadata.annotations.berth\.dev/original-images}')
grep -q "$upstream_a/e2e/sleeper:1.0" <<<"$original" ||
  e2e_fail "the original image is not recorded in the annotation: '$original'"
e2e_wait_pod_running e2e-apps direct 120
image_id=$(e2e_kubectl -n e2e-apps get pod direct -o 'jsonpath={.status.containerStatuses[0].imageID}')
served=$(jq -r --arg repo "$encoded_a/e2e/sleeper" \
  'select(.operation == "pull-manifest" and .repository == $repo and .status == 200) | .digest' \
  "$audit" | sort -u)
[[ -n $served && $image_id == *"${served##*$'\n'}"* ]] ||
  e2e_fail "the Pod's image ID '$image_id' is not what Berth served ('$served')"
(($(audit_count proxy-fetch-manifest "$encoded_a/e2e/sleeper") >= 1)) ||
  e2e_fail "no upstream manifest fetch in the audit log"
(($(audit_count proxy-fetch-blob "$encoded_a/e2e/sleeper") >= 1)) ||
  e2e_fail "no upstream blob fetch in the audit log"
(($(audit_count pull-blob "$encoded_a/e2e/sleeper") >= 1)) ||
  e2e_fail "no blob pull in the audit log"
e2e_log "PASS Pod rewritten to $stored, Running, image $image_id pulled through the node endpoint"

# --- 2. a Deployment's pod template, from the Basic auth upstream --------------------------------
e2e_kubectl apply -f - >/dev/null <<EOF || e2e_fail "the Deployment was refused"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: e2e-apps}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeName: $E2E_NODE_NAME
      hostNetwork: true
      terminationGracePeriodSeconds: 2
      containers:
      - name: main
        image: $upstream_b/team/sleeper:2.0
        args: [web]
EOF
want="$node_endpoint/$encoded_b/team/sleeper:2.0"
stored=$(e2e_kubectl -n e2e-apps get deployment web \
  -o 'jsonpath={.spec.template.spec.containers[0].image}')
[[ $stored == "$want" ]] || e2e_fail "stored template image is '$stored', expected '$want'"
# What the ReplicaSet controller would do: a Pod from the stored template.
e2e_kubectl -n e2e-apps get deployment web -o json |
  jq '{apiVersion: "v1", kind: "Pod",
       metadata: (.spec.template.metadata + {name: "web-from-template", namespace: "e2e-apps"}),
       spec: .spec.template.spec}' | e2e_kubectl apply -f - >/dev/null ||
  e2e_fail "the Pod from the Deployment's template was refused"
stored=$(e2e_kubectl -n e2e-apps get pod web-from-template -o 'jsonpath={.spec.containers[0].image}')
[[ $stored == "$want" ]] || e2e_fail "the reviewed Pod changed the image again: '$stored'"
e2e_wait_pod_running e2e-apps web-from-template 120
(($(audit_count proxy-fetch-manifest "$encoded_b/team/sleeper") >= 1)) ||
  e2e_fail "no manifest fetch from the Basic auth upstream in the audit log"
(($(audit_count proxy-fetch-blob "$encoded_b/team/sleeper") >= 1)) ||
  e2e_fail "no blob fetch from the Basic auth upstream in the audit log"
e2e_log "PASS Deployment template rewritten to $stored; its Pod Running (Basic auth upstream)"

# --- 3. refusals with Berth's messages --------------------------------------------------------
refused() { # NAME IMAGE MESSAGE
  local out
  if out=$(e2e_pod_yaml e2e-apps "$1" "$2" | e2e_kubectl apply -f - 2>&1); then
    e2e_fail "the Pod $1 ($2) was admitted"
  fi
  grep -qF "$3" <<<"$out" || e2e_fail "the Pod $1 was refused, but not with Berth's message: $out"
  e2e_log "PASS $2 refused: $(grep -o 'admission webhook.*' <<<"$out" | head -c 160)"
}
refused denied "$upstream_a/forbidden/sleeper:1.0" 'berth-e2e: forbidden/ images are not approved'
refused mutable "$upstream_a/e2e/sleeper:latest" 'berth-e2e: the mutable tag latest is not allowed'

# --- 4. upstream-a down: a new Pod on the same image starts from Berth's cache ------------------
e2e_stop upstream
e2e_kubectl -n e2e-apps delete pod direct --grace-period 1 --wait=true --timeout 60s >/dev/null
ctr_images() { ctr --address "$E2E_CONTAINERD_SOCK" -n k8s.io images "$@"; }
# forget_image PATTERN: every reference (by tag and by digest) and, with --sync, the content
# itself, so the next Pod must fetch the manifest again.
forget_image() {
  local ref
  for ref in $(ctr_images ls -q | grep -F "$1"); do ctr_images rm --sync "$ref" >/dev/null; done
  [[ -z "$(ctr_images ls -q | grep -F "$1")" ]] || e2e_fail "containerd still lists $1"
}
forget_image "$encoded_a/e2e/sleeper"
served_before=$(manifests_served)
e2e_pod_yaml e2e-apps again "$upstream_a/e2e/sleeper:1.0" | e2e_kubectl apply -f - >/dev/null
e2e_wait_pod_running e2e-apps again 120
(($(manifests_served) > served_before)) || e2e_fail "the second Pod's image did not come from Berth"
e2e_log "PASS upstream stopped: Pod e2e-apps/again Running from Berth's cache"

# --- 5. containerd with the node endpoint as a mirror: the unrewritten image ------------------
mkdir -p "$E2E_RUN/containerd/certs.d/$upstream_a"
cat >"$E2E_RUN/containerd/certs.d/$upstream_a/hosts.toml" <<EOF
server = "http://$upstream_a"
[host."http://$node_endpoint"]
  capabilities = ["pull", "resolve"]
EOF
e2e_kubectl -n e2e-apps delete pod again --grace-period 1 --wait=true --timeout 60s >/dev/null
forget_image "$encoded_a/e2e/sleeper"
served_before=$(manifests_served)
e2e_pod_yaml e2e-mirror mirror "$upstream_a/e2e/sleeper:1.0" | e2e_kubectl apply -f - >/dev/null
stored=$(e2e_kubectl -n e2e-mirror get pod mirror -o 'jsonpath={.spec.containers[0].image}')
[[ $stored == "$upstream_a/e2e/sleeper:1.0" ]] ||
  e2e_fail "the excluded namespace's Pod was rewritten to '$stored'"
e2e_wait_pod_running e2e-mirror mirror 120
(($(manifests_served) > served_before)) || e2e_fail "the mirror pull did not reach Berth"
e2e_log "PASS mirror: Pod naming $stored Running with upstream-a stopped (served via ?ns=)"

# --- 6. the rest of the chart, validated by the API server ---------------------------------------
e2e_kubectl create namespace berth-system >/dev/null
# Default values, except two things this 1.20 API server cannot take although the chart's
# Kubernetes (>= 1.25) does: PodDisruptionBudget policy/v1 (1.21+; the chart tests validate it
# against the OpenAPI schemas) and the `helm test` Pod (a hook, not installed; admission would
# look up its ServiceAccount, which a dry run does not create).
"$helm" template berth "$root/helm/berth" --namespace berth-system --no-hooks \
  --set webhook.podDisruptionBudget.enabled=false >"$E2E_RUN/chart.yaml" ||
  e2e_fail "helm template (default values)"
e2e_kubectl apply --dry-run=server -n berth-system -f "$E2E_RUN/chart.yaml" >"$E2E_RUN/dry-run.txt" ||
  e2e_fail "the API server refused the chart's objects: $(tail -5 "$E2E_RUN/dry-run.txt")"
e2e_log "PASS the chart's $(grep -c . "$E2E_RUN/dry-run.txt") objects pass kubectl apply --dry-run=server"

e2e_check_alive_except() {
  local n pid
  while read -r n pid; do
    [[ $n == upstream ]] && continue
    e2e_pid_alive "$pid" || e2e_fail "$n (pid $pid) exited; see $E2E_RUN/logs/$n.log"
  done <"$E2E_RUN/state/pids"
}
e2e_check_alive_except
errors=$(jq -c 'select(.level == "error")' "$E2E_RUN/logs/berth.log" 2>/dev/null | head -5)
[[ -z $errors ]] || e2e_fail "Berth logged errors: $errors"
e2e_log "redirection test passed in $((SECONDS - E2E_T0))s"
