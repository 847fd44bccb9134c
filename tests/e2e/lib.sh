# shellcheck shell=bash
# The e2e harness library: a real kube-apiserver (with etcd) and a real node (kubelet with
# containerd and runc) on 127.0.0.1, everything private to one run directory.
#
# Sourced by tests (see redirection_test.sh) and by cluster.sh. Typical use:
#
#   source tests/e2e/lib.sh
#   e2e_setup                 # run dir, lock, trap EXIT -> e2e_teardown
#   e2e_cluster_up            # etcd, apiserver, local registry + pause, containerd, kubelet, Node Ready
#   e2e_namespace demo        # namespace + default ServiceAccount + token Secret
#   e2e_kubectl apply -f pod.yaml
#
# What it changes outside the run directory, and undoes in e2e_teardown whatever happens:
#   sysctls kubelet sets (recorded first, written back), /var/lib/kubelet, /var/log/pods,
#   /var/log/containers, /run/containerd (removed when they did not exist before; otherwise only
#   the entries created during the run), cgroups kubepods and k8s.io (removed when created).
# Only processes this library started are stopped, by their PID (plus the containerd shims and
# container processes of its own containerd, found by its private socket and its cgroups).

export PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_CACHE="${BERTH_E2E_CACHE:-$HOME/.cache/berth-e2e}"
E2E_KUBE_BIN="$E2E_CACHE/kube-v1.20.2/bin"
E2E_NODE_NAME=berth-e2e-node
E2E_SYSCTLS=(vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
             kernel/keys/root_maxkeys kernel/keys/root_maxbytes)
E2E_HOST_PATHS=(/var/lib/kubelet /var/log/pods /var/log/containers /run/containerd
                /opt/containerd /usr/libexec/kubernetes)
E2E_CGROUP_NAMES=(kubepods k8s.io)
E2E_T0=${E2E_T0:-$SECONDS}

e2e_log() { printf '[e2e %4ds] %s\n' "$((SECONDS - E2E_T0))" "$*" >&2; }
e2e_fail() {
  e2e_log "FAIL: $*"
  exit 1
}

# e2e_wait SECONDS DESCRIPTION COMMAND... : retries COMMAND every 0.5 s until it succeeds.
e2e_wait() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || {
      e2e_log "timed out after ${timeout}s waiting for $what"
      return 1
    }
    sleep 0.5
  done
}

# Prints N distinct TCP ports free on 127.0.0.1 (random in 20000-59999, checked with ss, never
# handed out twice in one run).
e2e_free_ports() {
  local n=$1 out=() p used="${E2E_RUN:-/tmp}/state/ports"
  while ((${#out[@]} < n)); do
    p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    [[ " ${out[*]} " == *" $p "* ]] && continue
    [[ -f $used ]] && grep -qx "$p" "$used" && continue
    [[ -z "$(ss -Htan "( sport = :$p or dport = :$p )" 2>/dev/null)" ]] || continue
    out+=("$p")
  done
  [[ -d ${used%/*} ]] && printf '%s\n' "${out[@]}" >>"$used"
  echo "${out[*]}"
}

# ---------------------------------------------------------------------------------------------
# Run directory, lock, host-state records

# e2e_setup [--keep]: creates the run directory and installs the EXIT trap (unless the caller
# manages teardown itself, as cluster.sh up does).
e2e_setup() {
  [[ $(id -u) == 0 ]] || e2e_fail "the e2e harness runs a kubelet and containerd: it needs root"
  [[ -x $E2E_KUBE_BIN/kube-apiserver && -x $E2E_KUBE_BIN/kubelet && -x $E2E_KUBE_BIN/pause ]] ||
    e2e_fail "no binaries in $E2E_KUBE_BIN: run tests/e2e/build-tools.sh"
  # One harness at a time per machine: the node-level paths and sysctls are shared.
  exec {E2E_LOCK_FD}>/tmp/berth-e2e.lock
  flock -w 1800 "$E2E_LOCK_FD" || e2e_fail "another e2e run holds /tmp/berth-e2e.lock"
  E2E_RUN=$(mktemp -d /tmp/berth-e2e.XXXXXX)
  chmod 755 "$E2E_RUN"
  export E2E_RUN
  mkdir -p "$E2E_RUN/logs" "$E2E_RUN/state"
  : >"$E2E_RUN/state/pids"
  e2e_record_host_state
  if [[ ${1:-} != --keep ]]; then
    trap 'e2e_on_exit' EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
  fi
  e2e_log "run directory $E2E_RUN"
}

e2e_on_exit() {
  local rc=$?
  if ((rc != 0)); then
    e2e_log "failed (exit $rc); logs in $E2E_RUN/logs (kept), last lines:"
    local f
    for f in "$E2E_RUN"/logs/*.log; do
      [[ -f $f ]] || continue
      echo "----- $(basename "$f") -----" >&2
      tail -n 15 "$f" >&2
    done
  fi
  e2e_teardown "$rc"
}

e2e_record_host_state() {
  local s p c
  : >"$E2E_RUN/state/sysctls"
  for s in "${E2E_SYSCTLS[@]}"; do
    [[ -r /proc/sys/$s ]] && echo "$s $(cat "/proc/sys/$s")" >>"$E2E_RUN/state/sysctls"
  done
  : >"$E2E_RUN/state/paths"
  for p in "${E2E_HOST_PATHS[@]}"; do
    if [[ -e $p ]]; then
      # Existed: remember its entries so only the run's own are removed.
      echo "existing $p" >>"$E2E_RUN/state/paths"
      ls -A "$p" >"$E2E_RUN/state/entries.$(echo "$p" | tr / _)" 2>/dev/null || true
    else
      echo "new $p" >>"$E2E_RUN/state/paths"
    fi
  done
  : >"$E2E_RUN/state/cgroups"
  for c in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    for s in "${E2E_CGROUP_NAMES[@]}"; do
      [[ -d $c$s ]] || echo "$c$s" >>"$E2E_RUN/state/cgroups"
    done
  done
}

e2e_restore_host_state() {
  local name value p kind entry c
  while read -r name value; do
    [[ -n $name ]] || continue
    if [[ "$(cat "/proc/sys/$name")" != "$value" ]]; then
      echo "$value" >"/proc/sys/$name" || e2e_log "cannot restore $name=$value"
    fi
  done <"$E2E_RUN/state/sysctls"
  while read -r kind p; do
    [[ -e $p ]] || continue
    if [[ $kind == new ]]; then
      rm -rf --one-file-system "$p"
    else
      local before="$E2E_RUN/state/entries.$(echo "$p" | tr / _)"
      while IFS= read -r entry; do
        grep -qxF -- "$entry" "$before" || rm -rf --one-file-system "${p:?}/$entry"
      done < <(ls -A "$p")
    fi
  done <"$E2E_RUN/state/paths"
  # cgroups created during the run: deepest first; rmdir only removes empty ones.
  while read -r c; do
    [[ -d $c ]] || continue
    find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [[ -d $c ]] && e2e_log "could not remove cgroup $c (processes left?)"
  done <"$E2E_RUN/state/cgroups"
}

# ---------------------------------------------------------------------------------------------
# Processes

# e2e_start NAME COMMAND... : starts COMMAND in the background, logging to logs/NAME.log.
e2e_start() {
  local name=$1
  shift
  if [[ -n ${E2E_LOCK_FD:-} ]]; then
    "$@" >"$E2E_RUN/logs/$name.log" 2>&1 </dev/null {E2E_LOCK_FD}>&- &
  else
    "$@" >"$E2E_RUN/logs/$name.log" 2>&1 </dev/null &
  fi
  local pid=$!
  echo "$name $pid" >>"$E2E_RUN/state/pids"
  eval "E2E_PID_${name//[^a-zA-Z0-9]/_}=$pid"
  e2e_log "started $name (pid $pid)"
}

e2e_pid_alive() { kill -0 "$1" 2>/dev/null; }

# e2e_stop_pid PID [SECONDS]: SIGTERM, then SIGKILL after SECONDS (default 10).
e2e_stop_pid() {
  local pid=$1 grace=${2:-10} i
  e2e_pid_alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 10; i++)); do
    e2e_pid_alive "$pid" || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.2
}

e2e_stop() {
  local name=$1 n pid
  while read -r n pid; do
    if [[ $n == "$name" ]]; then e2e_stop_pid "$pid" "${2:-10}"; fi
  done <"$E2E_RUN/state/pids"
}

e2e_check_alive() {
  local n pid
  while read -r n pid; do
    e2e_pid_alive "$pid" || e2e_fail "$n (pid $pid) exited; see $E2E_RUN/logs/$n.log"
  done <"$E2E_RUN/state/pids"
}

# ---------------------------------------------------------------------------------------------
# Images (OCI layouts built once into the cache, pushed with skopeo)

# e2e_static_image NAME TAG BINARY ENTRYPOINT... : an OCI layout holding one static binary at
# /NAME, in $E2E_CACHE/images/NAME (rebuilt when the binary changes). Prints the layout path.
e2e_static_image() {
  local name=$1 tag=$2 binary=$3
  shift 3
  local dir="$E2E_CACHE/images/$name" sum
  sum=$(sha256sum "$binary" | cut -c1-16)
  if [[ -f $dir/.built && "$(cat "$dir/.built")" == "$sum $tag $*" ]]; then
    echo "$dir/layout"
    return
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  (
    set -e
    cd "$dir"
    umoci init --layout layout
    umoci new --image "layout:$tag"
    umoci unpack --image "layout:$tag" bundle
    install -m 0755 "$binary" "bundle/rootfs/$name"
    umoci repack --image "layout:$tag" bundle
    local args=() a
    for a in "$@"; do args+=(--config.entrypoint "$a"); done
    umoci config --image "layout:$tag" --os linux --architecture amd64 "${args[@]}" \
      --config.workingdir / --author berth-e2e
    rm -rf bundle
  ) >&2 || e2e_fail "cannot build the OCI image $name"
  echo "$sum $tag $*" >"$dir/.built"
  echo "$dir/layout"
}

# e2e_push LAYOUT TAG REGISTRY/REPO:TAG [USER:PASSWORD]
e2e_push() {
  local creds=()
  [[ -n ${4:-} ]] && creds=(--dest-creds "$4")
  skopeo copy --quiet --dest-tls-verify=false "${creds[@]}" "oci:$1:$2" "docker://$3" >&2 ||
    e2e_fail "skopeo copy oci:$1:$2 -> $3"
}

# e2e_upstream_registry NAME [USER PASSWORD]: Debian's docker-registry (CNCF distribution) on
# 127.0.0.1, the stand-in for a public registry; with USER and PASSWORD it requires htpasswd
# Basic auth. Sets E2E_UPSTREAM_ADDR (host:port); `e2e_stop NAME` stops it.
e2e_upstream_registry() {
  local name=$1 user=${2:-} password=${3:-} port auth=""
  port=$(e2e_free_ports 1)
  mkdir -p "$E2E_RUN/$name"
  if [[ -n $user ]]; then
    htpasswd -Bbn "$user" "$password" >"$E2E_RUN/$name/htpasswd" 2>/dev/null ||
      e2e_fail "htpasswd (apache2-utils) is needed for the Basic auth upstream"
    auth="auth: {htpasswd: {realm: $name, path: $E2E_RUN/$name/htpasswd}}"
  fi
  cat >"$E2E_RUN/$name/config.yml" <<EOF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $E2E_RUN/$name/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
EOF
  e2e_start "$name" docker-registry serve "$E2E_RUN/$name/config.yml"
  E2E_UPSTREAM_ADDR=127.0.0.1:$port
  # With auth on, /v2/ answers 401: any answer means it is up.
  e2e_wait 30 "the $name registry" curl -sS -o /dev/null "http://$E2E_UPSTREAM_ADDR/v2/" ||
    e2e_fail "the $name registry did not start"
}

# ---------------------------------------------------------------------------------------------
# The control plane

e2e_etcd_up() {
  local ports
  read -r E2E_ETCD_PORT E2E_ETCD_PEER_PORT < <(e2e_free_ports 2)
  e2e_start etcd etcd --name e2e --data-dir "$E2E_RUN/etcd" \
    --listen-client-urls "http://127.0.0.1:$E2E_ETCD_PORT" \
    --advertise-client-urls "http://127.0.0.1:$E2E_ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
    --initial-advertise-peer-urls "http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
    --initial-cluster "e2e=http://127.0.0.1:$E2E_ETCD_PEER_PORT" \
    --log-level warn
  e2e_wait 30 etcd curl -fsS "http://127.0.0.1:$E2E_ETCD_PORT/health" || e2e_fail "etcd"
}

e2e_apiserver_up() {
  local d="$E2E_RUN/apiserver"
  mkdir -p "$d/certs"
  E2E_APISERVER_PORT=$(e2e_free_ports 1)
  E2E_ADMIN_TOKEN=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  # token,user,uid,"group1,group2"
  echo "$E2E_ADMIN_TOKEN,berth-e2e-admin,1000,\"system:masters\"" >"$d/tokens.csv"
  openssl genrsa -out "$d/sa.key" 2048 2>/dev/null
  openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
  e2e_start apiserver "$E2E_KUBE_BIN/kube-apiserver" \
    --etcd-servers "http://127.0.0.1:$E2E_ETCD_PORT" \
    --bind-address 127.0.0.1 --secure-port "$E2E_APISERVER_PORT" --insecure-port 0 \
    --advertise-address 127.0.0.1 \
    --cert-dir "$d/certs" \
    --token-auth-file "$d/tokens.csv" \
    --authorization-mode AlwaysAllow \
    --service-account-key-file "$d/sa.pub" \
    --service-account-signing-key-file "$d/sa.key" \
    --service-account-issuer https://kubernetes.default.svc \
    --service-cluster-ip-range 10.96.0.0/24 \
    --enable-admission-plugins NamespaceLifecycle,ServiceAccount,MutatingAdmissionWebhook,ValidatingAdmissionWebhook \
    --endpoint-reconciler-type none \
    --allow-privileged=true \
    --profiling=false \
    --v 1
  E2E_KUBECONFIG="$E2E_RUN/kubeconfig"
  cat >"$E2E_KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://127.0.0.1:$E2E_APISERVER_PORT
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: $E2E_ADMIN_TOKEN
contexts:
- name: e2e
  context: {cluster: e2e, user: admin}
current-context: e2e
EOF
  export KUBECONFIG=$E2E_KUBECONFIG
  e2e_wait 120 "kube-apiserver /readyz" curl -fsSk -H "Authorization: Bearer $E2E_ADMIN_TOKEN" \
    "https://127.0.0.1:$E2E_APISERVER_PORT/readyz" || e2e_fail "kube-apiserver did not get ready"
  e2e_wait 30 "the default namespace" e2e_kubectl get namespace default || e2e_fail "no default ns"
}

e2e_kubectl() { kubectl --kubeconfig "$E2E_KUBECONFIG" --request-timeout 30s "$@"; }

# e2e_namespace NAME [LABEL=VALUE...]: the namespace, its default ServiceAccount and a token
# Secret made by hand (no controller-manager runs, and the ServiceAccount admission plugin
# refuses Pods whose ServiceAccount has no token Secret).
e2e_namespace() {
  local ns=$1
  shift
  e2e_kubectl get namespace "$ns" >/dev/null 2>&1 || e2e_kubectl create namespace "$ns" >/dev/null
  local l
  for l in "$@"; do e2e_kubectl label --overwrite namespace "$ns" "$l" >/dev/null; done
  e2e_kubectl -n "$ns" get serviceaccount default >/dev/null 2>&1 || e2e_kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: $ns}
secrets: [{name: default-token-e2e}]
EOF
  local uid
  uid=$(e2e_kubectl -n "$ns" get serviceaccount default -o 'jsonpath={.metadata.uid}')
  e2e_kubectl -n "$ns" get secret default-token-e2e >/dev/null 2>&1 || e2e_kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: default-token-e2e
  namespace: $ns
  annotations:
    kubernetes.io/service-account.name: default
    kubernetes.io/service-account.uid: $uid
stringData:
  namespace: $ns
  token: not-a-real-token
EOF
}

# ---------------------------------------------------------------------------------------------
# The node

# e2e_pause_image REGISTRY: pushes the sandbox image (static pause from the Kubernetes tree).
e2e_pause_image() {
  local layout
  layout=$(e2e_static_image pause 3.4.1 "$E2E_KUBE_BIN/pause" /pause)
  E2E_PAUSE_IMAGE="$1/e2e/pause:3.4.1"
  e2e_push "$layout" 3.4.1 "$E2E_PAUSE_IMAGE"
}

e2e_containerd_up() {
  local d="$E2E_RUN/containerd"
  mkdir -p "$d/root" "$d/state" "$d/runc" "$d/opt" "$d/certs.d" "$E2E_RUN/cni/bin" \
    "$E2E_RUN/cni/conf"
  E2E_CONTAINERD_SOCK="$d/containerd.sock"
  # A no-op CNI network of its own: test Pods use hostNetwork, but the CRI plugin reports the
  # network "not ready" (and kubelet the Node NotReady) until some CNI config loads.
  local loopback
  for loopback in /usr/lib/cni/loopback /opt/cni/bin/loopback /usr/libexec/cni/loopback; do
    [[ -x $loopback ]] && break
  done
  if [[ -x $loopback ]]; then
    cp "$loopback" "$E2E_RUN/cni/bin/loopback"
  else
    # No plugin installed: a stub that answers like loopback (only non-hostNetwork Pods call it).
    cat >"$E2E_RUN/cni/bin/loopback" <<'EOF'
#!/bin/sh
echo '{"cniVersion":"0.4.0","interfaces":[{"name":"lo"}],"ips":[]}'
EOF
    chmod +x "$E2E_RUN/cni/bin/loopback"
  fi
  cat >"$E2E_RUN/cni/conf/10-e2e.conflist" <<'EOF'
{"cniVersion": "0.4.0", "name": "berth-e2e", "plugins": [{"type": "loopback"}]}
EOF
  local cri='plugins."io.containerd.grpc.v1.cri"'
  cat >"$d/config.toml" <<EOF
version = 2
root = "$d/root"
state = "$d/state"
oom_score = 0
[grpc]
  address = "$E2E_CONTAINERD_SOCK"
[ttrpc]
  address = "$d/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
[$cri]
  sandbox_image = "$E2E_PAUSE_IMAGE"
  restrict_oom_score_adj = true
  disable_apparmor = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
[$cri.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"
[$cri.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"
[$cri.containerd.runtimes.runc.options]
  BinaryName = "$(command -v runc)"
  Root = "$d/runc"
  SystemdCgroup = false
[$cri.registry]
  # Per-host mirror configuration (hosts.toml), read at every pull: tests add mirrors here.
  config_path = "$d/certs.d"
[$cri.cni]
  bin_dir = "$E2E_RUN/cni/bin"
  conf_dir = "$E2E_RUN/cni/conf"
  max_conf_num = 1
EOF
  e2e_start containerd containerd --config "$d/config.toml" --log-level warn
  e2e_wait 60 containerd ctr --address "$E2E_CONTAINERD_SOCK" version || e2e_fail "containerd"
}

e2e_kubelet_up() {
  local d="$E2E_RUN/kubelet"
  mkdir -p "$d/root" "$d/certs" "$d/volume-plugins"
  read -r E2E_KUBELET_PORT E2E_KUBELET_HEALTHZ_PORT < <(e2e_free_ports 2)
  cat >"$d/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: https://127.0.0.1:$E2E_APISERVER_PORT
    insecure-skip-tls-verify: true
users:
- name: kubelet
  user:
    token: $E2E_ADMIN_TOKEN
contexts:
- name: e2e
  context: {cluster: e2e, user: kubelet}
current-context: e2e
EOF
  cat >"$d/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $E2E_KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $E2E_KUBELET_HEALTHZ_PORT
cgroupDriver: cgroupfs
failSwapOn: false
evictionHard: {}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
makeIPTablesUtilChains: false
volumePluginDir: $d/volume-plugins
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization:
  mode: AlwaysAllow
nodeStatusUpdateFrequency: 2s
syncFrequency: 5s
fileCheckFrequency: 5s
EOF
  e2e_start kubelet "$E2E_KUBE_BIN/kubelet" \
    --config "$d/config.yaml" \
    --kubeconfig "$d/kubeconfig" \
    --root-dir "$d/root" \
    --cert-dir "$d/certs" \
    --hostname-override "$E2E_NODE_NAME" \
    --container-runtime remote \
    --container-runtime-endpoint "unix://$E2E_CONTAINERD_SOCK" \
    --image-service-endpoint "unix://$E2E_CONTAINERD_SOCK" \
    --pod-infra-container-image "$E2E_PAUSE_IMAGE" \
    --v 1
}

e2e_node_ready() {
  [[ "$(e2e_kubectl get node "$E2E_NODE_NAME" \
      -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

e2e_node_prepare() {
  local t0=$SECONDS
  e2e_wait 180 "Node $E2E_NODE_NAME Ready" e2e_node_ready || {
    e2e_kubectl get node "$E2E_NODE_NAME" -o yaml >&2 || true
    e2e_fail "the Node did not get Ready"
  }
  E2E_NODE_READY_SECONDS=$((SECONDS - t0))
  e2e_log "Node Ready ${E2E_NODE_READY_SECONDS}s after kubelet start"
  # No controller-manager: lift the taint the kubelet registers with.
  e2e_kubectl taint node "$E2E_NODE_NAME" node.kubernetes.io/not-ready- >/dev/null 2>&1 || true
  # kubelet refuses a loopback node IP, so the Node has no address and the API server could not
  # reach it for logs/exec: give it 127.0.0.1.
  e2e_kubectl patch node "$E2E_NODE_NAME" --subresource=status --type=merge -p \
    "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$E2E_NODE_NAME\"}]}}" \
    >/dev/null || e2e_fail "cannot patch the Node's addresses"
}

# e2e_cluster_up: everything up to a Ready, untainted Node with an address, and the pause image
# in a local registry (Debian's docker-registry, also the test's "upstream").
e2e_cluster_up() {
  local t0=$SECONDS
  e2e_upstream_registry upstream
  E2E_UPSTREAM=$E2E_UPSTREAM_ADDR
  e2e_pause_image "$E2E_UPSTREAM"
  e2e_etcd_up
  e2e_apiserver_up
  e2e_log "API server ready at https://127.0.0.1:$E2E_APISERVER_PORT ($((SECONDS - t0))s)"
  e2e_containerd_up
  e2e_kubelet_up
  e2e_node_prepare
  e2e_namespace default
  e2e_write_env
  e2e_log "cluster up in $((SECONDS - t0))s"
}

e2e_write_env() {
  cat >"$E2E_RUN/env" <<EOF
export E2E_RUN=$E2E_RUN
export KUBECONFIG=$E2E_KUBECONFIG
export E2E_KUBECONFIG=$E2E_KUBECONFIG
export E2E_UPSTREAM=$E2E_UPSTREAM
export E2E_APISERVER_PORT=$E2E_APISERVER_PORT
export E2E_CONTAINERD_SOCK=$E2E_CONTAINERD_SOCK
export E2E_NODE_NAME=$E2E_NODE_NAME
export E2E_PAUSE_IMAGE=$E2E_PAUSE_IMAGE
EOF
}

# e2e_wait_pod NS NAME PHASE [SECONDS]
e2e_pod_phase() { e2e_kubectl -n "$1" get pod "$2" -o 'jsonpath={.status.phase}' 2>/dev/null; }
e2e_wait_pod_running() {
  local ns=$1 name=$2 timeout=${3:-120}
  local deadline=$((SECONDS + timeout))
  while [[ "$(e2e_pod_phase "$ns" "$name")" != Running ]]; do
    if ((SECONDS >= deadline)); then
      e2e_kubectl -n "$ns" get pod "$name" -o yaml >&2 || true
      e2e_kubectl -n "$ns" get events >&2 || true
      e2e_fail "Pod $ns/$name did not reach Running in ${timeout}s"
    fi
    sleep 0.5
  done
}

# ---------------------------------------------------------------------------------------------
# Teardown

# Containers of our containerd: stop them through its API, then stop any shim or container
# process still left (found by our private socket path and our cgroups, and killed by PID).
e2e_node_cleanup() {
  local sock=${E2E_CONTAINERD_SOCK:-$E2E_RUN/containerd/containerd.sock}
  if [[ -S $sock ]]; then
    local c
    for c in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    done
    sleep 0.5
    for c in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks rm -f "$c" >/dev/null 2>&1 || true
    done
  fi
}

e2e_kill_leftovers() {
  local pid cg
  # Container processes in the cgroups this run created.
  if [[ -f $E2E_RUN/state/cgroups ]]; then
    while read -r cg; do
      [[ -d $cg ]] || continue
      while read -r pid; do
        [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null || true
      done < <(find "$cg" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)
    done <"$E2E_RUN/state/cgroups"
  fi
  # Shims of our containerd (their command line names our private socket).
  for pid in $(pgrep -f -- "containerd-shim.*$E2E_RUN/" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
}

e2e_unmount_run() {
  local m
  # Deepest first.
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
  done < <(awk -v r="$E2E_RUN/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo | sort -r)
}

e2e_teardown() {
  local rc=${1:-0}
  [[ -n ${E2E_RUN:-} && -d $E2E_RUN/state ]] || return 0
  trap - EXIT INT TERM
  e2e_log "teardown"
  # Give the kubelet a chance to stop Pods itself (unmounting their volumes).
  if [[ -n ${E2E_KUBECONFIG:-} ]] && grep -q '^kubelet ' "$E2E_RUN/state/pids"; then
    kubectl --kubeconfig "$E2E_KUBECONFIG" --request-timeout 5s delete pods --all \
      --all-namespaces --grace-period 1 --wait=false >/dev/null 2>&1 || true
    local deadline=$((SECONDS + 20))
    while ((SECONDS < deadline)) && [[ -n "$(kubectl --kubeconfig "$E2E_KUBECONFIG" \
        --request-timeout 5s get pods --all-namespaces -o name 2>/dev/null)" ]]; do
      sleep 0.5
    done
  fi
  # Stop in reverse start order.
  local names=() n pid
  while read -r n pid; do names=("$n $pid" "${names[@]}"); done <"$E2E_RUN/state/pids"
  local entry
  for entry in "${names[@]}"; do
    read -r n pid <<<"$entry"
    [[ $n == containerd ]] && e2e_node_cleanup
    e2e_stop_pid "$pid" 10
  done
  e2e_kill_leftovers
  e2e_unmount_run
  e2e_restore_host_state
  if ((rc == 0)) && [[ -z ${E2E_KEEP:-} ]]; then
    rm -rf --one-file-system "$E2E_RUN"
  else
    e2e_log "kept $E2E_RUN"
  fi
  [[ -n ${E2E_LOCK_FD:-} ]] && flock -u "$E2E_LOCK_FD" 2>/dev/null || true
}

# ---------------------------------------------------------------------------------------------
# Berth (the binary under test)

# e2e_berth_up BERTH POLICY_DIR [SERVE_FLAGS...]: `berth serve` with its registry and webhooks on
# free ports of 127.0.0.1. The API server calls the webhook by URL (no Service): `berth certs
# generate` makes no IP SANs, so the URL names localhost (a --dns SAN) rather than 127.0.0.1.
# Rewrites go to E2E_BERTH_REWRITE_TARGET when set, else to Berth's registry.
# Sets E2E_BERTH_REGISTRY (host:port), E2E_BERTH_WEBHOOK_PORT, E2E_BERTH_CA_BUNDLE.
e2e_berth_up() {
  local berth=$1 policies=$2
  shift 2
  local d="$E2E_RUN/berth"
  mkdir -p "$d/storage"
  local reg_port hook_port
  read -r reg_port hook_port < <(e2e_free_ports 2)
  E2E_BERTH_REGISTRY=127.0.0.1:$reg_port
  E2E_BERTH_WEBHOOK_PORT=$hook_port
  E2E_BERTH_CA_BUNDLE=$("$berth" certs generate --service berth-webhook --namespace berth-system \
    --dns localhost --out "$d/certs" --ca-bundle 2>>"$E2E_RUN/logs/berth-certs.log") ||
    e2e_fail "berth certs generate"
  "$berth" policy check "$policies" >&2 || e2e_fail "berth policy check $policies"
  e2e_start berth "$berth" serve \
    --registry-listen "$E2E_BERTH_REGISTRY" --storage "$d/storage" \
    --policy "$policies" --rewrite-target "${E2E_BERTH_REWRITE_TARGET:-$E2E_BERTH_REGISTRY}" \
    --webhook-listen "127.0.0.1:$hook_port" \
    --webhook-tls-cert "$d/certs/tls.crt" --webhook-tls-key "$d/certs/tls.key" "$@"
  e2e_wait 30 "berth registry" curl -fsS "http://$E2E_BERTH_REGISTRY/v2/" ||
    e2e_fail "berth registry did not start"
  e2e_wait 30 "berth webhook" curl -fsS --cacert "$d/certs/ca.crt" \
    "https://localhost:$hook_port/healthz" || e2e_fail "berth webhook did not start"
}

# e2e_register_chart_webhooks HELM [HELM_FLAGS...]: renders the chart's webhook configurations
# (failurePolicy Fail, the certificate e2e_berth_up made, plus HELM_FLAGS) and registers them
# with the API server. The chart points clientConfig at the webhook Service; no Service routes
# on this node, so the API server gets a URL with the same path. Everything else is as rendered.
e2e_register_chart_webhooks() {
  local helm=$1
  shift
  "$helm" template berth "$E2E_DIR/../../helm/berth" --namespace berth-system \
    --set webhook.failurePolicy=Fail --set webhook.tls.mode=existingSecret \
    --set webhook.tls.existingSecret.name=berth-e2e-webhook-tls \
    --set "webhook.tls.existingSecret.caBundle=$E2E_BERTH_CA_BUNDLE" "$@" \
    --show-only templates/webhook-configurations.yaml >"$E2E_RUN/chart-webhooks.yaml" ||
    e2e_fail "helm template"
  e2e_kubectl create --dry-run=client -o json -f "$E2E_RUN/chart-webhooks.yaml" |
    jq -s --arg base "https://localhost:$E2E_BERTH_WEBHOOK_PORT" '
      {apiVersion: "v1", kind: "List", items: map(.webhooks |= map(
        .clientConfig = {url: ($base + .clientConfig.service.path),
                         caBundle: .clientConfig.caBundle}))}' >"$E2E_RUN/chart-webhooks.json" ||
    e2e_fail "cannot convert the rendered webhook configurations"
  local kind n
  for kind in MutatingWebhookConfiguration ValidatingWebhookConfiguration; do
    n=$(jq --arg k "$kind" '[.items[] | select(.kind == $k)] | length' "$E2E_RUN/chart-webhooks.json")
    [[ $n == 1 ]] || e2e_fail "the chart rendered $n ${kind}s"
  done
  e2e_kubectl apply -f "$E2E_RUN/chart-webhooks.json" >/dev/null ||
    e2e_fail "cannot register the webhooks"
}

# e2e_pod_yaml NS NAME IMAGE: a hostNetwork Pod bound to the node (no scheduler runs).
e2e_pod_yaml() {
  cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $2, namespace: $1}
spec:
  nodeName: $E2E_NODE_NAME
  hostNetwork: true
  terminationGracePeriodSeconds: 2
  containers:
  - name: main
    image: $3
    args: ["$2"]
EOF
}

# e2e_sleeper_image: the test image (static C program that sleeps), built once. Prints the layout.
e2e_sleeper_image() {
  local bin="$E2E_CACHE/images/sleeper.bin"
  if [[ ! -x $bin || $E2E_DIR/images/sleeper.c -nt $bin ]]; then
    mkdir -p "$E2E_CACHE/images"
    { gcc -Os -static -o "$bin.tmp" "$E2E_DIR/images/sleeper.c" && strip "$bin.tmp" &&
      mv "$bin.tmp" "$bin"; } >&2 || e2e_fail "cannot build the sleeper"
  fi
  e2e_static_image sleeper 1.0 "$bin" /sleeper
}
