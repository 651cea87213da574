# Versions of the local control plane. Kubernetes 1.34.4 pairs with etcd 3.6.4
# (the etcd version its go.mod requires).
KUBE_VERSION=v1.34.4
ETCD_VERSION=v3.6.4
KWOK_VERSION=v0.8.0
HELM_VERSION=v3.22.0
# BUILD_REVISION changes when the build itself changes (kubelet added, helm stamped), so a
# cache from an older build is not reused.
BUILD_REVISION=2
CONTROL_PLANE_KEY="r${BUILD_REVISION}_k8s-${KUBE_VERSION}_etcd-${ETCD_VERSION}_kwok-${KWOK_VERSION}_helm-${HELM_VERSION}"
DRM_CACHE_DIR="${DRM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/drm-operator}"
CONTROL_PLANE_BIN="${DRM_CACHE_DIR}/${CONTROL_PLANE_KEY}/bin"
# The real node: crictl from cri-tools (pairs with the kubelet's minor version); the npm that the
# locally built node base image carries (the Dockerfile's FROM names the Node version).
CRICTL_VERSION=v1.34.0
BASE_NPM_VERSION=11.19.1
PAUSE_IMAGE=registry.k8s.io/pause:3.10
