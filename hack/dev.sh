#!/usr/bin/env bash
# `npm run dev:up` / `npm run dev:down`: the whole product locally, in the background — the
# control plane, the CRDs, the operator, and the dev runner with a pool of nodes it runs pods on
# for real (two CPU nodes, two GPU-labeled nodes). Logs and pids live in .local/dev/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DEV_DIR="$LOCAL_DIR/dev"
OPERATOR_HEALTH_PORT="${DRM_OPERATOR_HEALTH_PORT:-18081}"
DEV_NODES=(
  dev-cpu-1:cpu:4:8Gi
  dev-cpu-2:cpu:4:8Gi
  dev-gpu-1:gpu:8:32Gi:1:NVIDIA-A10G:24576
  dev-gpu-2:gpu:16:64Gi:2:NVIDIA-H100-80GB-HBM3:81920
)

alive() { local pid; pid="$(cat "$DEV_DIR/$1.pid" 2>/dev/null || true)"; [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

start_background() { # name command...
  local name="$1"
  shift
  if alive "$name"; then return 0; fi
  log "starting $name (log: $DEV_DIR/$name.log)"
  setsid "$@" >"$DEV_DIR/$name.log" 2>&1 </dev/null &
  echo $! >"$DEV_DIR/$name.pid"
}

stop_background() { stop_pid_file "$1" "$DEV_DIR/$1.pid"; }

up() {
  ensure_node_deps
  mkdir -p "$DEV_DIR"
  bash "$HACK_DIR/cluster.sh" up
  if ! using_external_cluster; then export KUBECONFIG="$LOCAL_KUBECONFIG"; fi
  local kubectl
  kubectl="$(tool_path kubectl)"
  "$kubectl" apply --server-side --force-conflicts -f "$ROOT_DIR/crds" >/dev/null
  "$kubectl" wait --for=condition=Established --timeout=60s crd/orchestratedtasks.drm.dtf.io crd/subtasks.drm.dtf.io crd/workerpools.drm.dtf.io >/dev/null
  log "building the operator and worker (dist/)"
  (cd "$ROOT_DIR" && tsc -p tsconfig.build.json)
  local node_args=() n
  for n in "${DEV_NODES[@]}"; do node_args+=(--node "$n"); done
  start_background dev-runner node --import tsx "$ROOT_DIR/hack/dev-runner/main.ts" "${node_args[@]}" --state-dir "$DEV_DIR/runner" --compiled-worker
  start_background operator node --enable-source-maps "$ROOT_DIR/dist/operator/main.js" --no-leader-elect \
    --health-host 127.0.0.1 --health-port "$OPERATOR_HEALTH_PORT"
  local start=$SECONDS
  until curl -sf "http://127.0.0.1:$OPERATOR_HEALTH_PORT/readyz" >/dev/null; do
    alive operator || { log "the operator exited; see $DEV_DIR/operator.log"; tail -20 "$DEV_DIR/operator.log" >&2; exit 1; }
    (( SECONDS - start < 60 )) || { log "the operator did not become ready in 60s"; exit 1; }
    sleep 0.5
  done
  # The runner registers its nodes as it starts: wait for each to exist and be Ready.
  for n in "${DEV_NODES[@]}"; do
    start=$SECONDS
    until [[ "$("$kubectl" get node "${n%%:*}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == "True" ]]; do
      alive dev-runner || { log "the dev runner exited; see $DEV_DIR/dev-runner.log"; tail -20 "$DEV_DIR/dev-runner.log" >&2; exit 1; }
      (( SECONDS - start < 60 )) || { log "node ${n%%:*} not Ready in 60s"; exit 1; }
      sleep 0.5
    done
  done
  log "dev environment up: operator ready (http://127.0.0.1:$OPERATOR_HEALTH_PORT/readyz), ${#DEV_NODES[@]} dev-runner nodes Ready"
}

down() {
  stop_background operator
  stop_background dev-runner
  # Worker processes the runner started belong to its process group; none may outlive it.
  pkill -f -- "$DEV_DIR/runner/" 2>/dev/null || true
  if [[ "${1:-}" != "--keep-cluster" ]]; then bash "$HACK_DIR/cluster.sh" down; fi
}

case "${1:-}" in
  up) up ;;
  down) shift; down "$@" ;;
  *) echo "usage: $0 up | down [--keep-cluster]" >&2; exit 2 ;;
esac
