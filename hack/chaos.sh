#!/usr/bin/env bash
# `npm run chaos`: faults while tasks run (bench/chaos-main.ts), on a control plane of its own that
# it starts and stops (hack/scale-cluster.sh): it restarts etcd and kube-apiserver.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_deps
cd "$ROOT_DIR"
log "build"; npm run --silent build
source "$HACK_DIR/scale-cluster.sh"
scale_cluster_up
node --import tsx bench/chaos-main.ts "$@"
