#!/usr/bin/env bash
# `npm run bench`: placement benchmarks. In process, then against the cluster KUBECONFIG points
# at, or the local control plane (started here if not running, and then stopped).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_deps
cd "$ROOT_DIR"
log "build"; npm run --silent build
if ! using_external_cluster; then
  if ! bash "$HACK_DIR/cluster.sh" status 2>/dev/null | grep -q 'apiserver: ready'; then
    trap 'bash "$HACK_DIR/cluster.sh" down' EXIT
  fi
  bash "$HACK_DIR/cluster.sh" up
  export KUBECONFIG="$LOCAL_KUBECONFIG"
fi
export DRM_KUBECTL DRM_HELM
DRM_KUBECTL="$(tool_path kubectl)"
DRM_HELM="$(tool_path helm)"
node --import tsx bench/main.ts
