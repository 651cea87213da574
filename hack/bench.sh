#!/usr/bin/env bash
# `npm run bench`: placement, dashboard and predictor benchmarks (`-- --scale`: bench/scale-main.ts). In process, then against the cluster KUBECONFIG points
# at, or the local control plane (started here if not running, and then stopped).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_deps
cd "$ROOT_DIR"
log "build"; npm run --silent build
# --scale: the whole system against the Job controller, on a control plane of its own.
if [[ " $* " == *" --scale "* ]]; then
  source "$HACK_DIR/scale-cluster.sh"
  scale_cluster_up
  node --import tsx bench/scale-main.ts "$@"
  exit
fi
use_test_cluster
node --import tsx bench/main.ts
