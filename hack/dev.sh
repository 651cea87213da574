#!/usr/bin/env bash
# `npm run dev:up` / `npm run dev:down`: the product installed the way users install it, on the
# local cluster: the control plane and its real nodes (kubelet + containerd, hack/node.sh), the
# image built from the Dockerfile and loaded into the nodes' containerd (hack/images.sh), the chart
# installed with helm (2 replicas, leader election) onto the real CPU node, and static WorkerPools
# over the real nodes. `down` uninstalls the release and stops the cluster (--keep-cluster: only
# the release).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
RELEASE="${DRM_RELEASE:-drm}"
RELEASE_NAMESPACE="${DRM_RELEASE_NAMESPACE:-drm-system}"

up() {
  ensure_node_deps
  bash "$HACK_DIR/cluster.sh" up
  if ! using_external_cluster; then export KUBECONFIG="$LOCAL_KUBECONFIG"; fi
  local kubectl helm image_id
  kubectl="$(tool_path kubectl)"
  helm="$(tool_path helm)"
  # CRDs first and server-side: helm installs a chart's crds/ only once, never on upgrade.
  "$kubectl" apply --server-side --force-conflicts -f "$ROOT_DIR/crds" >/dev/null
  "$kubectl" wait --for=condition=Established --timeout=60s crd/orchestratedtasks.drm.dtf.io crd/subtasks.drm.dtf.io crd/workerpools.drm.dtf.io >/dev/null
  # The image's ID as a pod annotation: a rebuilt image under the same tag rolls the replicas.
  image_id="$(CONTAINERS_CONF="$HACK_DIR/podman/containers.conf" podman image inspect --format '{{.Id}}' "$(bash "$HACK_DIR/images.sh" name)" | cut -c1-12)"
  log "helm upgrade --install $RELEASE charts/drm-operator (namespace $RELEASE_NAMESPACE)"
  "$helm" upgrade --install "$RELEASE" "$ROOT_DIR/charts/drm-operator" --namespace "$RELEASE_NAMESPACE" --create-namespace \
    -f "$HACK_DIR/demo/values.yaml" --set-string "podAnnotations.drm\.dtf\.io/image-id=$image_id" \
    --wait --timeout 180s >/dev/null \
    || { "$kubectl" get pods -n "$RELEASE_NAMESPACE" -o wide >&2; "$kubectl" describe pods -n "$RELEASE_NAMESPACE" | tail -30 >&2; exit 1; }
  "$kubectl" apply -f "$HACK_DIR/demo/pools.yaml" >/dev/null
  # One replica holds the Lease and reconciles; the other waits to take over.
  local start=$SECONDS holder=""
  until holder="$("$kubectl" get lease -n "$RELEASE_NAMESPACE" -o jsonpath='{.items[*].spec.holderIdentity}' 2>/dev/null)" && [[ -n "$holder" ]]; do
    (( SECONDS - start < 90 )) || { log "no operator replica took the leader Lease in 90s"; exit 1; }
    sleep 1
  done
  log "operator installed: $("$kubectl" get deploy -n "$RELEASE_NAMESPACE" -o jsonpath='{.items[0].status.readyReplicas}') replicas ready, leader $holder"
}

down() {
  if apiserver_reachable; then
    local helm
    helm="$(tool_path helm)"
    "$(tool_path kubectl)" delete -f "$HACK_DIR/demo/pools.yaml" --ignore-not-found --wait=false >/dev/null 2>&1 || true
    # While its operator still runs to finalize the tasks.
    delete_demo_namespace "$(tool_path kubectl)"
    "$helm" uninstall "$RELEASE" --namespace "$RELEASE_NAMESPACE" --wait --timeout 60s >/dev/null 2>&1 || true
  fi
  if [[ "${1:-}" != "--keep-cluster" ]]; then bash "$HACK_DIR/cluster.sh" down; fi
}

apiserver_reachable() {
  if ! using_external_cluster; then export KUBECONFIG="$LOCAL_KUBECONFIG"; fi
  [[ -f "${KUBECONFIG:-}" ]] && "$(tool_path kubectl)" get --raw /readyz --request-timeout=3s >/dev/null 2>&1
}

case "${1:-}" in
  up) up ;;
  down) shift; down "$@" ;;
  *) echo "usage: $0 up | down [--keep-cluster]" >&2; exit 2 ;;
esac
