#!/usr/bin/env bash
# `npm run demo`, the README's main command: the user's path on the local cluster (hack/dev.sh:
# control plane with real kubelet nodes, image built from the Dockerfile, `helm install`), then one
# example per strategy from examples/, waited for, with each task's phase and merged result, the
# nodes (real or simulated) and the worker pods' containers.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NAMESPACE="${DRM_DEMO_NAMESPACE:-drm-demo}"
TIMEOUT="${DRM_DEMO_TIMEOUT_SECONDS:-300}"

bash "$HACK_DIR/dev.sh" up
RELEASE_NAMESPACE="${DRM_RELEASE_NAMESPACE:-drm-system}"
if ! using_external_cluster; then export KUBECONFIG="$LOCAL_KUBECONFIG"; fi
KUBECTL="$(tool_path kubectl)"
k() { "$KUBECTL" "$@"; }

k create namespace "$NAMESPACE" --dry-run=client -o yaml | k apply -f - >/dev/null
# A fresh run each time: earlier demo tasks are replaced.
k delete orchestratedtasks --all -n "$NAMESPACE" --wait=true --timeout=60s >/dev/null 2>&1 || true
# The task manifests only: examples/pools.yaml holds WorkerPools for the simulator, which would grow
# this cluster.
task_files=()
for file in "$ROOT_DIR"/examples/*.yaml; do
  if grep -q '^kind: OrchestratedTask$' "$file"; then task_files+=(-f "$file"); fi
done
k apply -n "$NAMESPACE" "${task_files[@]}"

mapfile -t TASKS < <(k get orchestratedtasks -n "$NAMESPACE" -o jsonpath='{range .items[*]}{.metadata.name}{"\n"}{end}')
log "waiting up to ${TIMEOUT}s for ${#TASKS[@]} tasks"
start=$SECONDS
while :; do
  phases="$(k get orchestratedtasks -n "$NAMESPACE" -o jsonpath='{range .items[*]}{.status.phase}{"\n"}{end}')"
  unfinished="$(grep -cvE '^(Completed|Failed|Cancelled)$' <<<"$phases" || true)"
  (( unfinished == 0 )) && break
  if (( SECONDS - start > TIMEOUT )); then log "timed out with $unfinished task(s) unfinished"; break; fi
  sleep 2
done

echo
k get orchestratedtasks -n "$NAMESPACE"
echo
status=0
for task in "${TASKS[@]}"; do
  phase="$(k get orchestratedtask "$task" -n "$NAMESPACE" -o jsonpath='{.status.phase}')"
  result="$(k get orchestratedtask "$task" -n "$NAMESPACE" -o jsonpath='{.status.result}')"
  ref="$(k get orchestratedtask "$task" -n "$NAMESPACE" -o jsonpath='{.status.resultRef.configMapName}')"
  printf '%-18s %-10s %s\n' "$task" "$phase" "${result:-${ref:+(in ConfigMap $ref)}}" | cut -c1-240
  [[ "$phase" == "Completed" ]] || status=1
done
echo
echo "Nodes (real: a kubelet with containerd on this machine; simulated: kwok, added by kwok WorkerPools):"
k get nodes -o go-template='{{range .items}}{{printf "  %-14s" .metadata.name}}{{if index .metadata.labels "drm.dtf.io/real-node"}}real      {{.status.nodeInfo.containerRuntimeVersion}}{{else}}simulated kwok{{end}}{{"\n"}}{{end}}'
echo
echo "Operator replicas and the examples' worker pods (container IDs from containerd):"
k get pods -n "$RELEASE_NAMESPACE" -o go-template='{{range .items}}{{printf "  %-44s %-10s %-12s" .metadata.name .status.phase .spec.nodeName}}{{range .status.containerStatuses}}{{.containerID}}{{end}}{{"\n"}}{{end}}'
k get pods -n "$NAMESPACE" -o go-template='{{range .items}}{{printf "  %-44s %-10s %-12s" .metadata.name .status.phase .spec.nodeName}}{{range .status.containerStatuses}}{{.containerID}}{{end}}{{"\n"}}{{end}}' | head -40
cat <<MSG

Look further:
  npm run kubectl -- get drm -n $NAMESPACE                 # tasks, subtasks (and pools)
  npm run kubectl -- get subtasks -n $NAMESPACE -o wide     # where each piece ran, attempts
  npm run kubectl -- describe orchestratedtask flaky -n $NAMESPACE   # events: split, retries, merge
  npm run kubectl -- get ot squares -n $NAMESPACE -o jsonpath='{.status.result}'
  npm run kubectl -- get pods -A -o wide                    # the operator's replicas and the workers
  npm run kubectl -- -n $RELEASE_NAMESPACE port-forward svc/drm-drm-operator-metrics 8081   # then http://localhost:8081/dashboard/
  npm run dev:down                                          # stop everything
MSG
exit "$status"
