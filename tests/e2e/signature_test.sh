#!/usr/bin/env bash
# End-to-end signature gate (issue 17) with real components: `berth serve` as registry and
# webhooks, the chart's webhook configurations registered with a real kube-apiserver, and
# kubelet + containerd pulling from Berth. The images are pushed with skopeo; their cosign keyed
# signatures are made here with openssl in the format `cosign sign --key` writes (a manifest
# under sha256-<hex>.sig whose simple-signing layer carries the signature) and pushed over the
# distribution API.
#
# It checks:
#   1. a Pod on the signed image's tag is pinned to its digest by the mutating webhook, admitted,
#      Running, and the audit line says its signature was satisfied;
#   2. a Pod on an unsigned image is refused with Berth's message;
#   3. a Pod on an image signed by another key is refused, naming the key it wanted;
#   4. a genuine signature copied to another image's signature tag does not admit that image;
#   5. under a check-vulnerabilities rule, a Pod on an image whose attached Trivy report lists a
#      critical finding is refused naming the finding and its fix, and one whose report is clean
#      is admitted.
#
# Usage: signature_test.sh BERTH_BINARY     E2E_KEEP=1 keeps the run directory.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
berth=${1:?usage: signature_test.sh BERTH_BINARY}
berth=$(realpath "$berth")
if [[ $(id -u) != 0 ]]; then
  echo "signature_test: SKIP: runs a kubelet and containerd, needs root" >&2
  exit 77
fi

# shellcheck source=lib.sh
source "$here/lib.sh"
bash "$here/build-tools.sh"
helm="$(bash "$root/tests/helm/setup.sh")/bin/helm"
e2e_setup
e2e_cluster_up

keys="$E2E_RUN/keys"
mkdir -p "$keys"
for who in release attacker; do
  openssl ecparam -name prime256v1 -genkey -noout -out "$keys/$who.key" 2>/dev/null
  openssl ec -in "$keys/$who.key" -pubout -out "$keys/$who.pub" 2>/dev/null
done
policies="$E2E_RUN/policies"
mkdir -p "$policies"
cat >"$policies/10-signed.yaml" <<POLICY
apiVersion: berth.dev/v1
kind: ImagePolicy
metadata: {name: e2e-supply-chain}
spec:
  rules:
    - name: signed-by-release
      match: {images: ['.*/signed/.*']}
      action: verify-signature
      keys: [{file: $keys/release.pub}]
    - name: no-criticals
      match: {images: ['.*/scanned/.*']}
      action: check-vulnerabilities
      maxSeverity: high
POLICY
audit="$E2E_RUN/berth/audit.log"
e2e_berth_up "$berth" "$policies" --audit-log "$audit"
registry=$E2E_BERTH_REGISTRY

# --- the chart's webhook configurations --------------------------------------------------------
e2e_register_chart_webhooks "$helm"
# As Kubernetes 1.21+ labels namespaces (this 1.20 API server does not): the chart selects by it.
e2e_namespace e2e-apps kubernetes.io/metadata.name=e2e-apps

# containerd reaches Berth over plain HTTP.
mkdir -p "$E2E_RUN/containerd/certs.d/$registry"
printf 'server = "http://%s"\n[host."http://%s"]\n  capabilities = ["pull", "resolve"]\n' \
  "$registry" "$registry" >"$E2E_RUN/containerd/certs.d/$registry/hosts.toml"

# --- images and signatures -----------------------------------------------------------------------
manifest_digest() { # REPO TAG
  curl -fsS -o /dev/null -D - -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$registry/v2/$1/manifests/$2" |
    awk 'tolower($1) == "docker-content-digest:" {print $2}' | tr -d '\r'
}
push_blob() { # REPO FILE: prints the digest
  local digest
  digest="sha256:$(sha256sum "$2" | cut -d' ' -f1)"
  curl -fsS -o /dev/null -X POST -H 'Content-Type: application/octet-stream' \
    --data-binary "@$2" "http://$registry/v2/$1/blobs/uploads/?digest=$digest" ||
    e2e_fail "cannot push a blob to $1"
  echo "$digest"
}
# sign_into REPO TAG_DIGEST SIGNED_DIGEST KEY: stores under REPO's signature tag for TAG_DIGEST a
# cosign signature, made with KEY, of a payload naming SIGNED_DIGEST (the same digest, except
# when the test copies a signature to another image).
sign_into() {
  local repo=$1 work payload config
  work=$(mktemp -d "$E2E_RUN/signature.XXXXXX")
  printf '{"critical":{"identity":{"docker-reference":"%s"},"image":{"docker-manifest-digest":"%s"},"type":"cosign container image signature"},"optional":null}' \
    "$registry/$repo" "$3" >"$work/payload"
  openssl dgst -sha256 -sign "$4" -out "$work/signature" "$work/payload" || e2e_fail "openssl sign"
  printf '{}' >"$work/config"
  payload=$(push_blob "$repo" "$work/payload")
  config=$(push_blob "$repo" "$work/config")
  jq -n --arg config "$config" --arg payload "$payload" \
    --argjson size "$(stat -c %s "$work/payload")" --arg sig "$(base64 -w0 "$work/signature")" '
    {schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
     config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $config, size: 2},
     layers: [{mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", digest: $payload,
               size: $size, annotations: {"dev.cosignproject.cosign/signature": $sig}}]}' \
    >"$work/manifest"
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$work/manifest" \
    "http://$registry/v2/$repo/manifests/sha256-${2#sha256:}.sig" ||
    e2e_fail "cannot push the signature of $repo@$2"
}
# push_image NAME TAG REPO: a sleeper image of its own content (so every digest differs).
push_image() {
  local layout
  layout=$(e2e_static_image "$1" "$2" "$E2E_CACHE/images/sleeper.bin" "/$1")
  e2e_push "$layout" "$2" "$registry/$3:$2"
  manifest_digest "$3" "$2"
}

e2e_sleeper_image >/dev/null  # builds sleeper.bin
signed=$(push_image sleeper-s 1.0 signed/app)
[[ $signed == sha256:* ]] || e2e_fail "no digest for signed/app:1.0"
sign_into signed/app "$signed" "$signed" "$keys/release.key"
unsigned=$(push_image sleeper-u 2.0 signed/unsigned)
forged=$(push_image sleeper-f 3.0 signed/forged)
sign_into signed/forged "$forged" "$forged" "$keys/attacker.key"
copied=$(push_image sleeper-c 4.0 signed/copied)
sign_into signed/copied "$copied" "$signed" "$keys/release.key"

# attach_report REPO DIGEST FILE: the Trivy report FILE as an OCI 1.1 referrer of REPO@DIGEST,
# as `oras attach --artifact-type application/vnd.aquasecurity.trivy.report+json` stores it.
attach_report() {
  local work report empty type=application/vnd.aquasecurity.trivy.report+json
  work=$(mktemp -d "$E2E_RUN/report.XXXXXX")
  curl -fsS -o "$work/subject" -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://$registry/v2/$1/manifests/$2" || e2e_fail "cannot read $1@$2"
  printf '{}' >"$work/empty"
  report=$(push_blob "$1" "$3")
  empty=$(push_blob "$1" "$work/empty")
  jq -n --arg type "$type" --arg report "$report" --arg empty "$empty" --arg subject "$2" \
    --argjson size "$(stat -c %s "$3")" --argjson subjectSize "$(stat -c %s "$work/subject")" '
    {schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", artifactType: $type,
     config: {mediaType: "application/vnd.oci.empty.v1+json", digest: $empty, size: 2},
     layers: [{mediaType: $type, digest: $report, size: $size}],
     subject: {mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $subject,
               size: $subjectSize}}' >"$work/manifest"
  curl -fsS -o /dev/null -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
    --data-binary "@$work/manifest" \
    "http://$registry/v2/$1/manifests/sha256:$(sha256sum "$work/manifest" | cut -d' ' -f1)" ||
    e2e_fail "cannot attach the report to $1@$2"
}
vulnerable=$(push_image sleeper-v 5.0 scanned/vulnerable)
attach_report scanned/vulnerable "$vulnerable" "$root/tests/fixtures/reports/trivy.json"
clean=$(push_image sleeper-k 6.0 scanned/clean)
attach_report scanned/clean "$clean" "$root/tests/fixtures/reports/trivy-clean.json"

refused() { # NAME IMAGE MESSAGE
  local out
  if out=$(e2e_pod_yaml e2e-apps "$1" "$2" | e2e_kubectl apply -f - 2>&1); then
    e2e_fail "the Pod $1 ($2) was admitted"
  fi
  grep -qF "$3" <<<"$out" || e2e_fail "the Pod $1 was refused, but not with Berth's message: $out"
  e2e_log "PASS $2 refused: $(grep -o 'admission webhook.*' <<<"$out" | head -c 200)"
}
# The webhooks take a moment to be called after registration.
e2e_wait 60 "the webhooks to be active" bash -c \
  "! kubectl --kubeconfig '$E2E_KUBECONFIG' apply --dry-run=server -f - <<<'$(e2e_pod_yaml e2e-apps probe "$registry/signed/unsigned:2.0")'" ||
  e2e_fail "an unsigned image is still admitted 60s after registering the webhooks"

# --- 1. the signed image: pinned, admitted, Running --------------------------------------------
e2e_pod_yaml e2e-apps signed "$registry/signed/app:1.0" | e2e_kubectl apply -f - >/dev/null ||
  e2e_fail "the Pod on the signed image was refused"
stored=$(e2e_kubectl -n e2e-apps get pod signed -o 'jsonpath={.spec.containers[0].image}')
[[ $stored == "$registry/signed/app:1.0@$signed" ]] ||
  e2e_fail "the stored image is '$stored', not pinned to the verified digest $signed"
e2e_wait_pod_running e2e-apps signed 120
grep -F '"outcome":"satisfied"' "$E2E_RUN/logs/berth.log" | grep -qF "signed/app" ||
  e2e_fail "no admission line says the signature of signed/app was satisfied"
e2e_log "PASS signed image pinned to $signed, admitted and Running"

# --- 2-4. refusals with Berth's messages -------------------------------------------------------
refused unsigned "$registry/signed/unsigned:2.0" \
  "is denied by rule \"signed-by-release\" of policy \"e2e-supply-chain\": the image $unsigned has no signatures"
refused forged "$registry/signed/forged:3.0" "not signed by any of the keys ($keys/release.pub)"
refused copied "$registry/signed/copied:4.0" "it signs $signed, not $copied"

# --- 5. vulnerability reports ------------------------------------------------------------------
refused vulnerable "$registry/scanned/vulnerable:5.0" \
  "is denied by rule \"no-criticals\" of policy \"e2e-supply-chain\": 1 finding is above high: CVE-2024-0001 in libssl3 3.0.11-1~deb12u1 (critical, fixed in 3.0.13-1~deb12u1)"
e2e_pod_yaml e2e-apps clean "$registry/scanned/clean:6.0" | e2e_kubectl apply -f - >/dev/null ||
  e2e_fail "the Pod on the image with a clean report was refused"
e2e_wait_pod_running e2e-apps clean 120
e2e_log "PASS critical finding refused, clean report admitted and Running"

e2e_check_alive
errors=$(jq -c 'select(.level == "error")' "$E2E_RUN/logs/berth.log" 2>/dev/null | head -5)
[[ -z $errors ]] || e2e_fail "Berth logged errors: $errors"
e2e_log "signature test passed in $((SECONDS - E2E_T0))s"
