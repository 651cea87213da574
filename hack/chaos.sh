#!/usr/bin/env bash
# `npm run chaos`: faults while tasks run (bench/chaos-main.ts), on a control plane of its own that
# it starts and stops (hack/scale-cluster.sh): it restarts etcd and kube-apiserver. That control
# plane has one real node (DRM_SCALE_REAL_NODE=1), where the pipeline runs the real worker.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_deps
cd "$ROOT_DIR"
log "build"; npm run --silent build
# Its own state directory and ports, apart from the scale bench's (which may run meanwhile).
export DRM_SCALE_DIR="${DRM_SCALE_DIR:-/tmp/drm-chaos}" DRM_SCALE_REAL_NODE="${DRM_SCALE_REAL_NODE:-1}"
export DRM_SCALE_ETCD_PORT="${DRM_SCALE_ETCD_PORT:-55379}" DRM_SCALE_ETCD_PEER_PORT="${DRM_SCALE_ETCD_PEER_PORT:-55380}"
export DRM_SCALE_APISERVER_PORT="${DRM_SCALE_APISERVER_PORT:-55443}" DRM_SCALE_CONTROLLER_MANAGER_PORT="${DRM_SCALE_CONTROLLER_MANAGER_PORT:-55257}"
export DRM_SCALE_SCHEDULER_PORT="${DRM_SCALE_SCHEDULER_PORT:-55259}" DRM_SCALE_KWOK_PORT="${DRM_SCALE_KWOK_PORT:-55710}"
source "$HACK_DIR/scale-cluster.sh"
scale_cluster_up
node --import tsx bench/chaos-main.ts "$@"
