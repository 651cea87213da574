#!/usr/bin/env bash
# `npm run bench`: placement, dashboard and predictor benchmarks. In process, then against the cluster KUBECONFIG points
# at, or the local control plane (started here if not running, and then stopped).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_deps
cd "$ROOT_DIR"
log "build"; npm run --silent build
use_test_cluster
node --import tsx bench/main.ts
