{{/* Names and labels. */}}
{{- define "berth.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "berth.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "berth.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "berth.labels" -}}
helm.sh/chart: {{ include "berth.chart" . }}
app.kubernetes.io/name: {{ include "berth.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: berth
{{- end }}

{{/* Selector labels of one component: (dict "ctx" $ "component" "registry"). */}}
{{- define "berth.selectorLabels" -}}
app.kubernetes.io/name: {{ include "berth.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "berth.componentLabels" -}}
{{ include "berth.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "berth.registryName" -}}{{ include "berth.fullname" . }}-registry{{- end }}
{{- define "berth.webhookName" -}}{{ include "berth.fullname" . }}-webhook{{- end }}
{{- define "berth.configName" -}}{{ include "berth.fullname" . }}-config{{- end }}
{{- define "berth.policiesName" -}}{{ include "berth.fullname" . }}-policies{{- end }}

{{- define "berth.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "berth.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "berth.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The registry Service's in-cluster address, http://NAME.NS.svc.DOMAIN:PORT */}}
{{- define "berth.registryUrl" -}}
{{- printf "http://%s.%s.svc.%s:%d" (include "berth.registryName" .) .Release.Namespace .Values.clusterDomain (int .Values.registry.service.port) }}
{{- end }}

{{/* The Secret holding the webhook's serving certificate (tls.crt, tls.key, ca.crt). */}}
{{- define "berth.webhookTlsSecretName" -}}
{{- if eq .Values.webhook.tls.mode "existingSecret" }}
{{- required "webhook.tls.existingSecret.name is required when webhook.tls.mode is existingSecret" .Values.webhook.tls.existingSecret.name }}
{{- else }}
{{- include "berth.webhookName" . }}-tls
{{- end }}
{{- end }}

{{/* DNS names the API server may use for the webhook Service. */}}
{{- define "berth.webhookDnsNames" -}}
{{- $svc := include "berth.webhookName" . }}
{{- $ns := .Release.Namespace }}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns .Values.clusterDomain) | toJson }}
{{- end }}

{{/*
The generated webhook CA and serving certificate (webhook.tls.mode=generate), as YAML with
caCert, cert and key (PEM). Computed once per render and cached in .Values, because the Secret
and both webhook configurations must carry the same CA; reused from the existing Secret on
upgrade (lookup) so the certificate does not change on every `helm upgrade`.
*/}}
{{- define "berth.generatedTls" -}}
{{- if not (hasKey .Values "berthGeneratedTlsCache") }}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "berth.webhookTlsSecretName" .) }}
{{- $tls := dict }}
{{- if and $secret $secret.data (hasKey $secret.data "ca.crt") (hasKey $secret.data "tls.crt") (hasKey $secret.data "tls.key") }}
{{- $tls = dict "caCert" (index $secret.data "ca.crt" | b64dec) "cert" (index $secret.data "tls.crt" | b64dec) "key" (index $secret.data "tls.key" | b64dec) }}
{{- else }}
{{- $days := int .Values.webhook.tls.generate.validityDays }}
{{- $ca := genCA (printf "%s-webhook-ca" (include "berth.fullname" .)) $days }}
{{- $dns := include "berth.webhookDnsNames" . | fromJsonArray }}
{{- $cert := genSignedCert (index $dns 2) nil $dns $days $ca }}
{{- $tls = dict "caCert" $ca.Cert "cert" $cert.Cert "key" $cert.Key }}
{{- end }}
{{- $_ := set .Values "berthGeneratedTlsCache" $tls }}
{{- end }}
{{- toYaml .Values.berthGeneratedTlsCache }}
{{- end }}

{{/* caBundle (base64 PEM) for the webhook configurations, empty with cert-manager (injected). */}}
{{- define "berth.caBundle" -}}
{{- if eq .Values.webhook.tls.mode "generate" }}
{{- (include "berth.generatedTls" . | fromYaml).caCert | b64enc }}
{{- else if eq .Values.webhook.tls.mode "existingSecret" }}
{{- required "webhook.tls.existingSecret.caBundle (base64 PEM of the CA) is required when webhook.tls.mode is existingSecret" .Values.webhook.tls.existingSecret.caBundle }}
{{- end }}
{{- end }}

{{/*
Security contexts are fixed, not values: every Berth container runs as the image's non-root
user 65532, read-only, with no capabilities, under the runtime's default seccomp profile.
*/}}
{{- define "berth.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
fsGroup: 65532
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "berth.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The policy directory: the chart's ConfigMap plus every ConfigMap in existingConfigMaps,
projected into one directory. A projected volume is updated in place by the kubelet (through
the ..data symlink), so Berth reloads policies without a restart.
*/}}
{{/*
Secrets holding public keys for verify-signature rules (signatureKeySecrets), each mounted as a
directory /etc/berth/keys/<secret>/ beside the policies: a rule names a key as
file: /etc/berth/keys/<secret>/<key>. Mounted wherever the policies are, since a policy whose
key file is missing does not load.
*/}}
{{- define "berth.signatureKeyMounts" -}}
{{- range $i, $name := .Values.signatureKeySecrets }}
- name: signature-keys-{{ $i }}
  mountPath: /etc/berth/keys/{{ $name }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "berth.signatureKeyVolumes" -}}
{{- range $i, $name := .Values.signatureKeySecrets }}
- name: signature-keys-{{ $i }}
  secret:
    secretName: {{ $name }}
{{- end }}
{{- end }}

{{- define "berth.policyVolume" -}}
- name: policies
  projected:
    sources:
      - configMap:
          name: {{ include "berth.policiesName" . }}
      {{- range .Values.existingConfigMaps }}
      - configMap:
          name: {{ . }}
      {{- end }}
{{- end }}

{{/*
Registry auth: the Secret holding the htpasswd file and the plain passwords of the chart's
accounts, generated (<release>-registry-auth) or named by registry.auth.existingSecret.
*/}}
{{- define "berth.authSecretName" -}}
{{- default (printf "%s-registry-auth" (include "berth.fullname" .)) .Values.registry.auth.existingSecret }}
{{- end }}

{{/*
The chart's access rules, first in registry.auth.access: admin may do everything, the node
endpoint and the webhooks may only pull. The values' own rules follow.
*/}}
{{- define "berth.accessRules" -}}
{{- $a := .Values.registry.auth.accounts -}}
- account: {{ $a.admin | quote }}
  repository: ".*"
  actions: ["*"]
- account: {{ $a.node | quote }}
  repository: ".*"
  actions: [pull]
- account: {{ $a.webhook | quote }}
  repository: ".*"
  actions: [pull]
{{- with .Values.registry.auth.access }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
A volume with one key of the auth Secret as the file `path`, mode 0440 (readable by the Pods'
fsGroup only): (dict "ctx" $ "name" VOLUME "key" SECRET_KEY "path" FILE). Each Pod gets only
the key it needs, never the whole Secret.
*/}}
{{- define "berth.authSecretVolume" -}}
- name: {{ .name }}
  secret:
    secretName: {{ include "berth.authSecretName" .ctx }}
    defaultMode: 288  # 0440: owner root, group the fsGroup
    items:
      - key: {{ .key }}
        path: {{ .path }}
{{- end }}

{{/* Where the node endpoint and the webhooks read their registry password. */}}
{{- define "berth.registryPasswordFile" -}}/etc/berth/registry-auth/password{{- end }}
