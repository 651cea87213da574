#!/usr/bin/env bash
# `npm test`: everything CI checks, on a fresh clone by itself. Installs what is missing (npm
# dependencies with the project's Node 24, the control plane), checks types, lint and generated
# files, runs the unit tests, then the integration tests against a real control plane: the
# cluster KUBECONFIG points at, or the local one (started here if not running, and then stopped).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_node_deps
cd "$ROOT_DIR"
RESULTS="$LOCAL_DIR/test-results"
mkdir -p "$RESULTS"
rm -f "$RESULTS"/*.json

log "type check"; tsc -p tsconfig.json --noEmit
log "lint"; eslint .
log "Dockerfile lint"; bash "$HACK_DIR/hadolint.sh"
log "generated files up to date"; tsx hack/generate.ts --check
# The operator and worker run compiled in integration tests, built by the image's own build
# script (Dockerfile).
log "build"; npm run --silent build

# Tests run their own operators: another drm-operator on the same cluster (the demo's release, say)
# would take their tasks. On the local cluster its release is uninstalled; on a cluster of the
# user's own, the run refuses to start.
stop_other_operators() {
  local releases
  if ! using_external_cluster; then
    # The demo's static pools over the real nodes would let the tests' subtasks onto those nodes,
    # and its finished subtasks would teach the tests' operators (they learn from every finished
    # subtask they see).
    "$DRM_KUBECTL" delete -f "$HACK_DIR/demo/pools.yaml" --ignore-not-found >/dev/null 2>&1 || true
    delete_demo_namespace "$DRM_KUBECTL"
  fi
  releases="$("$DRM_HELM" list --all-namespaces --output json 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>{for(const r of JSON.parse(s||"[]"))if(String(r.chart).startsWith("drm-operator-"))console.log(r.namespace+" "+r.name)})')"
  [[ -z "$releases" ]] && return 0
  if using_external_cluster; then
    log "drm-operator is installed on this cluster ($(tr '\n' ' ' <<<"$releases")): it would take the tests' tasks; uninstall it or point KUBECONFIG elsewhere"
    exit 1
  fi
  local namespace name
  while read -r namespace name; do
    log "uninstalling helm release $name in $namespace (the demo's operator would take the tests' tasks)"
    "$DRM_HELM" uninstall "$name" --namespace "$namespace" --wait --timeout 120s >/dev/null
  done <<<"$releases"
}

status=0
log "unit tests"
bash "$HACK_DIR/jest.sh" --selectProjects unit --json --outputFile "$RESULTS/unit.json" "$@" || status=$?

use_test_cluster
stop_other_operators
export CHROMIUM_PATH
# The dashboard's browser test drives Debian's Chromium.
CHROMIUM_PATH="$(bash "$HACK_DIR/chromium.sh")"
log "integration tests"
# --forceExit: a failed test that leaves a timer or socket behind must fail the run, not hang it.
bash "$HACK_DIR/jest.sh" --selectProjects integration --runInBand --forceExit --json --outputFile "$RESULTS/integration.json" "$@" || status=$?

# One plain closing line over both runs.
node -e '
  const fs = require("fs"), path = require("path");
  let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1]).filter((f) => f.endsWith(".json"))) {
    const r = JSON.parse(fs.readFileSync(path.join(process.argv[1], f), "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$RESULTS"
(( STARTED_CLUSTER == 0 )) || log "stopping the control plane this run started"
exit "$status"
