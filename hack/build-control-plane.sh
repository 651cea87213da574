#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, kubelet, crictl,
# kwok and helm from the Go module proxy, once per machine: binaries are cached outside the clone
# under $DRM_CACHE_DIR keyed by version, and linked into the clone's git-ignored .local/.
set -euo pipefail
HACK_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$HACK_DIR")"
source "$HACK_DIR/versions.sh"

BINARIES=(etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet crictl kwok helm)
log() { echo "[control-plane] $*" >&2; }

all_present() {
  local b
  for b in "${BINARIES[@]}"; do [[ -x "$CONTROL_PLANE_BIN/$b" ]] || return 1; done
}

link_into_clone() {
  mkdir -p "$ROOT_DIR/.local"
  ln -sfn "$CONTROL_PLANE_BIN" "$ROOT_DIR/.local/bin"
}

if all_present; then link_into_clone; exit 0; fi

command -v go >/dev/null || { log "Go is required to build the control plane (https://go.dev/dl)"; exit 1; }
mkdir -p "$CONTROL_PLANE_BIN"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/drm-control-plane.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
export GOFLAGS="-mod=mod -buildvcs=false -trimpath"
export CGO_ENABLED=0
# The module proxy is the only reachable source; fall back to no checksum database only if
# sum lookups are refused (a proxy-verified go.sum is still written).
go_cmd() {
  if ! "$@"; then
    log "retrying with GONOSUMDB/GOSUMDB=off after a failure"
    GOSUMDB=off "$@"
  fi
}

build_kubernetes() {
  local need=0 b
  for b in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet; do
    [[ -x "$CONTROL_PLANE_BIN/$b" ]] || need=1
  done
  [[ $need == 1 ]] || return 0
  local dir="$WORK/kubernetes" minor staging_version
  mkdir -p "$dir"
  minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
  staging_version="v0.${KUBE_VERSION#v1.}"
  log "building Kubernetes $KUBE_VERSION (staging modules $staging_version); this takes a while on 2 cores"
  # k8s.io/kubernetes replaces every staging module with ./staging/...; a wrapper module
  # must pin each to its published version instead.
  local modfile
  modfile="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  {
    echo "module drm.dtf.io/control-plane-build"
    echo
    echo "go 1.24"
    echo
    echo "require k8s.io/kubernetes $KUBE_VERSION"
    echo
    grep -E '^\s+k8s\.io/[a-z0-9-]+ => \./staging/' "$modfile" \
      | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
  } >"$dir/go.mod"
  local commit date ldflags
  commit="0000000000000000000000000000000000000000"
  date="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  (cd "$dir" && go_cmd go mod download k8s.io/kubernetes \
    && go_cmd go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" \
    && go build -ldflags "$ldflags" -o "$CONTROL_PLANE_BIN/" \
      k8s.io/kubernetes/cmd/kube-apiserver \
      k8s.io/kubernetes/cmd/kube-controller-manager \
      k8s.io/kubernetes/cmd/kube-scheduler \
      k8s.io/kubernetes/cmd/kubectl \
    && go build -ldflags "$ldflags" -o "$CONTROL_PLANE_BIN/" k8s.io/kubernetes/cmd/kubelet)
}

build_etcd() {
  [[ -x "$CONTROL_PLANE_BIN/etcd" ]] && return 0
  local dir="$WORK/etcd"
  mkdir -p "$dir"
  log "building etcd $ETCD_VERSION"
  printf 'module drm.dtf.io/etcd-build\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$ETCD_VERSION" >"$dir/go.mod"
  local pkg=go.etcd.io/etcd/server/v3
  (cd "$dir" && go_cmd go get "$pkg@$ETCD_VERSION" \
    && go build -ldflags "-s -w" -o "$CONTROL_PLANE_BIN/etcd" "$pkg")
}

build_tool() { # name module-path version
  [[ -x "$CONTROL_PLANE_BIN/$1" ]] && return 0
  log "building $1 $3"
  GOBIN="$CONTROL_PLANE_BIN" go_cmd go install -ldflags "${4:-}" "$2@$3"
}

# helm's release build stamps the Kubernetes version of its client modules (k8s.io/client-go
# v0.MINOR.x is Kubernetes 1.MINOR); unstamped, `helm template` assumes v1.20 and refuses charts
# that require newer (kubeVersion).
helm_ldflags() {
  local modfile client_go minor flags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" pkg
  modfile="$(go mod download -json "helm.sh/helm/v3@$HELM_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  client_go="$(awk '$1 == "k8s.io/client-go" {print $2; exit}' "$modfile")"
  minor="$(echo "$client_go" | cut -d. -f2)"
  [[ -n "$minor" ]] || { log "cannot read helm's k8s.io/client-go version from $modfile"; exit 1; }
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    flags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$minor"
  done
  echo "$flags"
}

build_etcd
build_tool kwok sigs.k8s.io/kwok/cmd/kwok "$KWOK_VERSION" "-s -w"
build_tool crictl sigs.k8s.io/cri-tools/cmd/crictl "$CRICTL_VERSION" "-s -w"
[[ -x "$CONTROL_PLANE_BIN/helm" ]] || build_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION" "$(helm_ldflags)"
build_kubernetes

all_present || { log "some binaries are missing from $CONTROL_PLANE_BIN"; exit 1; }
link_into_clone
log "control plane ready in $CONTROL_PLANE_BIN"
