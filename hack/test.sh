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

status=0
log "unit tests"
bash "$HACK_DIR/jest.sh" --selectProjects unit --json --outputFile "$RESULTS/unit.json" "$@" || status=$?

use_test_cluster
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
