#!/usr/bin/env bash
# `npm run demo`, the README's main command. For now: bring up the local control plane (built
# on first use) and install the drm.dtf.io CRDs into it, then say where to look.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_deps
bash "$HACK_DIR/cluster.sh" up
if ! using_external_cluster; then export KUBECONFIG="$LOCAL_KUBECONFIG"; fi
KUBECTL="$(tool_path kubectl)"
"$KUBECTL" apply --server-side --force-conflicts -f "$ROOT_DIR/crds"
"$KUBECTL" wait --for=condition=Established --timeout=60s \
  crd/orchestratedtasks.drm.dtf.io crd/subtasks.drm.dtf.io crd/workerpools.drm.dtf.io
cat <<MSG

drm-operator's API is installed at $("$KUBECTL" config view --minify -o jsonpath='{.clusters[0].cluster.server}').
  npm run kubectl -- get drm -A                      # every OrchestratedTask, Subtask and WorkerPool
  npm run kubectl -- explain orchestratedtask.spec   # the API, field by field
  npm run cluster:down                               # stop the local control plane
MSG
