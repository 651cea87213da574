# shellcheck shell=bash
# A control plane of the scale bench and the chaos suite's own (sourced): its own state directory
# and ports, so an operator reconciling every task of its cluster never meets another suite's, and
# faults (restarting etcd or kube-apiserver) hit nobody else. No real nodes, unless
# DRM_SCALE_REAL_NODE=1 (the chaos suite): then one real CPU node with kubelet ports, pod subnet,
# bridge and `kubernetes` Service address (a service range) of its own, beside the main cluster's.
export DRM_LOCAL_DIR="${DRM_SCALE_DIR:-/tmp/drm-scale}"
export DRM_ETCD_PORT="${DRM_SCALE_ETCD_PORT:-53379}" DRM_ETCD_PEER_PORT="${DRM_SCALE_ETCD_PEER_PORT:-53380}"
export DRM_APISERVER_PORT="${DRM_SCALE_APISERVER_PORT:-57443}" DRM_CONTROLLER_MANAGER_PORT="${DRM_SCALE_CONTROLLER_MANAGER_PORT:-57257}"
export DRM_SCHEDULER_PORT="${DRM_SCALE_SCHEDULER_PORT:-57259}" DRM_KWOK_PORT="${DRM_SCALE_KWOK_PORT:-57710}"
if [[ "${DRM_SCALE_REAL_NODE:-0}" == 1 ]]; then
  export DRM_REAL_NODES=1
  export DRM_REAL_NODE_SPECS="${DRM_SCALE_REAL_NODE_SPEC:-scale-cpu-0 cpu 10270 10268 10.86.0.0/24 drmscale0c}"
  export DRM_SERVICE_CIDR="${DRM_SCALE_SERVICE_CIDR:-10.97.0.0/16}" DRM_SERVICE_IP="${DRM_SCALE_SERVICE_IP:-10.97.0.1}"
  export DRM_SERVICE_BRIDGE="${DRM_SCALE_SERVICE_BRIDGE:-drm-svc-scale}"
else
  export DRM_REAL_NODES=0
fi
# kwok's defaults (4 leases, 4 pod stages and 4 node stages at a time) fall behind with 1,000 nodes:
# their leases expire (540 of 1,590 nodes NotReady in a run) and pods wait minutes to start.
export DRM_KWOK_CONFIG="${DRM_KWOK_CONFIG:-$DRM_LOCAL_DIR/kwok-options.yaml}"
if [[ ! -f "$DRM_KWOK_CONFIG" ]]; then
  mkdir -p "$(dirname "$DRM_KWOK_CONFIG")"
  cat > "$DRM_KWOK_CONFIG" <<'YAML'
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  nodeLeaseParallelism: 32
  podPlayStageParallelism: 32
  nodePlayStageParallelism: 16
YAML
fi

# Starts it unless it already runs (then it is left running afterwards); exports KUBECONFIG and the tools.
scale_cluster_up() {
  local cluster="$HACK_DIR/cluster.sh"
  if KUBECONFIG="" bash "$cluster" status 2>/dev/null | grep -q 'apiserver: ready'; then
    log "using the running scale cluster in $DRM_LOCAL_DIR (left running)"
  else
    trap 'KUBECONFIG="" bash "$HACK_DIR/cluster.sh" down' EXIT
    KUBECONFIG="" bash "$cluster" up || { log "could not start the scale cluster in $DRM_LOCAL_DIR (ports ${DRM_ETCD_PORT}, ${DRM_APISERVER_PORT}, …; DRM_SCALE_*_PORT move them)"; exit 1; }
  fi
  export KUBECONFIG="$DRM_LOCAL_DIR/kubeconfig"
  export DRM_KUBECTL DRM_HELM
  DRM_KUBECTL="$(tool_path kubectl)"
  DRM_HELM="$(tool_path helm)"
}
