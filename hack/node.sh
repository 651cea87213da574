#!/usr/bin/env bash
# Real nodes for the local control plane: each a kubelet (built with the control plane, same
# pinned Kubernetes) with its own containerd, runc and a bridge CNI network, all as plain
# background processes (no systemd). Pods on them are real containers, with logs, probes and
# termination messages. kwok nodes stay beside them for simulated scale and simulated GPUs.
#
#   real-cpu-0  a CPU node
#   real-gpu-0  a node that advertises 2 simulated nvidia.com/gpu (NVIDIA-A10G) as extended
#               resources, so GPU work runs real worker code on it
#
# Both carry drm.dtf.io/real-node=true and the NoSchedule taint drm.dtf.io/real-node=true: only
# pods that tolerate it (the chart's operator with the demo's values; subtasks of a pool that names
# the taint) run there, so tests that bring their own nodes are not disturbed by them.
#
# Pods reach the API server the way in-cluster clients do, through the `kubernetes` Service's
# ClusterIP (10.96.0.1:443): with no kube-proxy here, the host holds that address itself on a
# port-less bridge interface and forwards it to the API server on loopback. Pod networks are bridges on
# this machine, without masquerading: no traffic leaves it.
#
# Another control plane on the same machine (the chaos suite's, hack/scale-cluster.sh) has real
# nodes of its own by naming others in the environment; the defaults are the main cluster's:
#   DRM_REAL_NODE_SPECS   one node a line: name hardware kubelet-port healthz-port subnet [bridge]
#   DRM_SERVICE_IP        the `kubernetes` Service's ClusterIP (hack/cluster.sh's DRM_SERVICE_CIDR)
#   DRM_SERVICE_BRIDGE    the interface that holds it
#
#   hack/node.sh up | down | status
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CLUSTER_DIR="$LOCAL_DIR/cluster"
PKI="$CLUSTER_DIR/pki"
APISERVER_PORT="${DRM_APISERVER_PORT:-46443}"
SERVICE_IP="${DRM_SERVICE_IP:-10.96.0.1}"
SERVICE_BRIDGE="${DRM_SERVICE_BRIDGE:-drm-svc}"
CNI_BIN_DIR=/usr/lib/cni
# name hardware kubelet-port healthz-port subnet [bridge, by default drm + the name's last part + the hardware's initial]
mapfile -t NODES < <(printf '%s\n' "${DRM_REAL_NODE_SPECS:-"real-cpu-0 cpu 10250 10248 10.85.0.0/24
real-gpu-0 gpu 10260 10258 10.85.1.0/24"}" | sed '/^[[:space:]]*$/d')
REAL_NODE_TAINT="drm.dtf.io/real-node=true:NoSchedule"

kubectl_local() { "$CONTROL_PLANE_BIN/kubectl" --kubeconfig "$LOCAL_KUBECONFIG" "$@"; }

# A serving and a client certificate per node from the cluster's CA (hack/cluster.sh made it).
node_certs() { # name dir
  local name="$1" dir="$2"
  [[ -f "$dir/kubelet-client.crt" && -f "$dir/kubelet.crt" ]] && return 0
  mkdir -p "$dir"
  (
    cd "$dir"
    printf 'subjectAltName=IP:127.0.0.1,DNS:%s\nextendedKeyUsage=serverAuth\n' "$name" >serving.ext
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -keyout kubelet.key -out kubelet.csr -subj "/CN=$name" 2>/dev/null
    openssl x509 -req -in kubelet.csr -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 3650 \
      -out kubelet.crt -extfile serving.ext 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout kubelet-client.key -out kubelet-client.csr \
      -subj "/O=system:nodes/CN=system:node:$name" 2>/dev/null
    openssl x509 -req -in kubelet-client.csr -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial -days 3650 \
      -out kubelet-client.crt -extfile client.ext 2>/dev/null
    rm -f ./*.csr ./*.ext
  )
}

write_node_config() { # dir name hardware kubelet-port healthz-port subnet [bridge]
  local dir="$1"
  shift
  local name="$1" port="$3" healthz="$4" subnet="$5" bridge="${6:-drm${1##*-}${2:0:1}}"
  mkdir -p "$dir/cni/net.d" "$dir/cni/ipam" "$dir/containerd-state" "$dir/kubelet" "$dir/pod-logs" "$NODE_CONTAINERD_ROOT/$name"
  # containerd's CRI with runc and cgroupfs (cgroups here are hybrid v1; crun refuses them);
  # restrict_oom_score_adj because no negative oom_score_adj can be set without CAP_SYS_RESOURCE.
  cat >"$dir/containerd.toml" <<TOML
version = 2
root = "$NODE_CONTAINERD_ROOT/$name"
state = "$dir/containerd-state"
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  enable_selinux = false
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$dir/cni/net.d"
TOML
  cat >"$dir/cni/net.d/10-drm.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "drm-$name",
  "plugins": [
    {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$subnet"}]], "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "$dir/cni/ipam"}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
JSON
  cat >"$dir/kubelet.kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: drm-local
  cluster: {server: "https://127.0.0.1:${APISERVER_PORT}", certificate-authority: "$PKI/ca.crt"}
users:
- name: kubelet
  user: {client-certificate: "$dir/pki/kubelet-client.crt", client-key: "$dir/pki/kubelet-client.key"}
contexts:
- name: drm-local
  context: {cluster: drm-local, user: kubelet}
current-context: drm-local
KC
  # cgroupfs driver, cgroups v1 allowed, swap tolerated; each kubelet under its own cgroup root
  # and pod log directory so that several can share the machine; serving on loopback with a certificate from the cluster's CA;
  # requests authenticated by client certificate and authorized by the API server (Webhook).
  cat >"$dir/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $port
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $healthz
containerRuntimeEndpoint: unix://$dir/containerd.sock
cgroupDriver: cgroupfs
cgroupRoot: $(cgroup_root "$name")
failCgroupV1: false
failSwapOn: false
tlsCertFile: $dir/pki/kubelet.crt
tlsPrivateKeyFile: $dir/pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%}
# Per node: a kubelet garbage-collects the log directories of pods it does not know.
podLogsDir: $dir/pod-logs
maxPods: 110
YAML
}

# Each kubelet has a cgroup root of its own, named after its clone too: cgroups are machine-wide,
# and a kubelet removes pod cgroups under its root that it does not know.
cgroup_root() { # name
  echo "/drm-$(echo -n "$NODE_DIR" | md5sum | cut -c1-8)-$1"
}

# The cgroup root must exist in every v1 hierarchy the kubelet uses.
make_cgroup_root() { # name
  local controller root
  root="$(cgroup_root "$1")"
  for controller in /sys/fs/cgroup/*/; do
    case "$controller" in */unified/|*/systemd/) continue ;; esac
    mkdir -p "$controller${root#/}"
  done
  mkdir -p "/sys/fs/cgroup/systemd${root}" 2>/dev/null || true
}

# What a cloud controller would do for an external cloud provider: the node's addresses (the
# kubelet refuses a loopback --node-ip) and the removal of the uninitialized taint; for the GPU
# node, its simulated GPUs as extended resources.
initialize_node() { # name hardware
  local name="$1" hardware="$2" capacity='{}'
  if [[ "$hardware" == gpu ]]; then capacity='{"nvidia.com/gpu":"2"}'; fi
  kubectl_local patch node "$name" --subresource=status --type=merge -p \
    "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$name\"}],\"capacity\":$capacity}}" >/dev/null
  kubectl_local taint node "$name" node.cloudprovider.kubernetes.io/uninitialized:NoSchedule- >/dev/null 2>&1 || true
}

node_ready() {
  [[ "$(kubectl_local get node "$1" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]
}

gpu_capacity_present() {
  [[ -n "$(kubectl_local get node "$1" -o jsonpath='{.status.allocatable.nvidia\.com/gpu}' 2>/dev/null)" ]]
}

# The `kubernetes` Service's ClusterIP, held by the host and forwarded to the API server.
start_service_forwarder() {
  if ! ip -o addr show dev "$SERVICE_BRIDGE" 2>/dev/null | grep -q "$SERVICE_IP/"; then
    # A bridge with no ports: the kernel here has no dummy interfaces.
    ip link show "$SERVICE_BRIDGE" >/dev/null 2>&1 || ip link add "$SERVICE_BRIDGE" type bridge
    ip addr add "$SERVICE_IP/32" dev "$SERVICE_BRIDGE" 2>/dev/null || true
    ip link set "$SERVICE_BRIDGE" up
  fi
  start_background "$NODE_DIR/service-forwarder.pid" "$NODE_DIR/service-forwarder.log" \
    socat "TCP-LISTEN:443,bind=$SERVICE_IP,reuseaddr,fork" "TCP:127.0.0.1:$APISERVER_PORT"
}

start_node() { # name hardware kubelet-port healthz-port subnet [bridge]
  local name="$1" hardware="$2" dir="$NODE_DIR/$1"
  write_node_config "$dir" "$@"
  node_certs "$name" "$dir/pki"
  make_cgroup_root "$name"
  if ! pid_alive "$dir/containerd.pid"; then log "starting containerd for $name"; fi
  start_background "$dir/containerd.pid" "$dir/containerd.log" containerd --config "$dir/containerd.toml"
  wait_until "containerd of $name" 30 ctr --address "$dir/containerd.sock" version
  bash "$HACK_DIR/images.sh" load "$dir/containerd.sock" "$NODE_CONTAINERD_ROOT/$name/imported"
  if ! pid_alive "$dir/kubelet.pid"; then log "starting the kubelet of $name"; fi
  start_background "$dir/kubelet.pid" "$dir/kubelet.log" "$CONTROL_PLANE_BIN/kubelet" \
    --config "$dir/kubelet.yaml" --kubeconfig "$dir/kubelet.kubeconfig" --root-dir "$dir/kubelet" \
    --hostname-override "$name" --cloud-provider external \
    --node-labels "drm.dtf.io/real-node=true,drm.dtf.io/hardware=$hardware$([[ $hardware == gpu ]] && echo ',nvidia.com/gpu.product=NVIDIA-A10G,nvidia.com/gpu.memory=24576')" \
    --register-with-taints "$REAL_NODE_TAINT"
}

up() {
  if using_external_cluster; then log "KUBECONFIG points at $KUBECONFIG: real nodes are only for the local cluster"; return 0; fi
  (( EUID == 0 )) || { log "real nodes need root (containerd, cgroups, network namespaces)"; exit 1; }
  ensure_container_tools
  [[ -x "$CONTROL_PLANE_BIN/kubelet" ]] || { log "the kubelet is not built; run hack/cluster.sh up first"; exit 1; }
  mkdir -p "$NODE_DIR"
  bash "$HACK_DIR/images.sh" all
  start_service_forwarder
  local spec name hardware
  for spec in "${NODES[@]}"; do
    # shellcheck disable=SC2086 # the spec's fields
    start_node $spec
  done
  for spec in "${NODES[@]}"; do
    read -r name hardware _ <<<"$spec"
    wait_until "node $name to register" 90 kubectl_local get node "$name" \
      || { tail -20 "$NODE_DIR/$name/kubelet.log" >&2; exit 1; }
    initialize_node "$name" "$hardware"
    wait_until "node $name Ready" 90 node_ready "$name" || { tail -20 "$NODE_DIR/$name/kubelet.log" >&2; exit 1; }
    if [[ "$hardware" == gpu ]]; then wait_until "$name's GPUs" 30 gpu_capacity_present "$name"; fi
  done
  log "real nodes Ready: $(for spec in "${NODES[@]}"; do echo -n "${spec%% *} "; done)(kubelet $KUBE_VERSION, $(containerd --version | awk '{print $3}'))"
}

# Stops a node's kubelet, then every pod sandbox through the CRI (so CNI releases addresses
# and network namespaces), then its containerd and the shims it started.
stop_node() { # name
  local name="$1" dir="$NODE_DIR/$1"
  stop_pid_file "kubelet of $name" "$dir/kubelet.pid"
  if [[ -S "$dir/containerd.sock" ]] && pid_alive "$dir/containerd.pid"; then
    local crictl=("$CONTROL_PLANE_BIN/crictl" --runtime-endpoint "unix://$dir/containerd.sock" --timeout 30s)
    if [[ -x "${crictl[0]}" ]]; then
      "${crictl[@]}" stopp $("${crictl[@]}" pods -q 2>/dev/null) >/dev/null 2>&1 || true
      "${crictl[@]}" rmp -a -f >/dev/null 2>&1 || true
    fi
  fi
  stop_pid_file "containerd of $name" "$dir/containerd.pid"
  pkill -KILL -f -- "-address $dir/containerd.sock" 2>/dev/null || true
  # The kubelet's mounts (service-account tokens are tmpfs) outlive it.
  if [[ -d "$dir/kubelet" ]]; then
    local mounts
    # The kubelet bind-mounts its root directory onto itself, and volumes below it.
    mounts="$(awk -v root="$dir/kubelet" '$2 == root || index($2, root "/") == 1 {print $2}' /proc/mounts | sort -r)"
    for mnt in $mounts; do umount -l "$mnt" 2>/dev/null || true; done
  fi
}

down() {
  local spec
  for spec in "${NODES[@]}"; do stop_node "${spec%% *}"; done
  stop_pid_file "service forwarder" "$NODE_DIR/service-forwarder.pid"
  if [[ "${1:-}" == "--purge" ]]; then
    for spec in "${NODES[@]}"; do
      kubectl_local delete node "${spec%% *}" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    done
    rm -rf "$NODE_DIR"
  fi
}

status() {
  local spec name
  for spec in "${NODES[@]}"; do
    name="${spec%% *}"
    if pid_alive "$NODE_DIR/$name/kubelet.pid"; then echo "$name: kubelet running"; else echo "$name: stopped"; fi
  done
}

case "${1:-}" in
  up) up ;;
  down) shift; down "$@" ;;
  status) status ;;
  names) for spec in "${NODES[@]}"; do echo "${spec%% *}"; done ;;
  *) echo "usage: $0 up | down [--purge] | status | names" >&2; exit 2 ;;
esac
