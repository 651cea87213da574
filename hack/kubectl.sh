#!/usr/bin/env bash
# `npm run kubectl -- ...`: the project's kubectl against the local control plane, or
# against $KUBECONFIG when the user points it at a cluster of their own.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if ! using_external_cluster; then export KUBECONFIG="$LOCAL_KUBECONFIG"; fi
KUBECTL="$(tool_path kubectl)" || { log "no kubectl: run 'npm run cluster:up' first"; exit 1; }
exec "$KUBECTL" "$@"
