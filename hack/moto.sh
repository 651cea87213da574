#!/usr/bin/env bash
# Installs moto's server (a local fake of the AWS APIs; the AWS provider's tests run EC2
# against it) once per machine, into a Python venv cached outside the clone under
# $DRM_CACHE_DIR/moto-<version>, and prints the path of its moto_server. Idempotent and quiet
# when the install is already there; needs python3 (3.9 or newer) and PyPI.
#   hack/moto.sh            # install if missing, print the moto_server path
#   MOTO_VERSION=... hack/moto.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

MOTO_VERSION="${MOTO_VERSION:-5.1.22}"
MOTO_DIR="$DRM_CACHE_DIR/moto-$MOTO_VERSION"
MOTO_SERVER="$MOTO_DIR/bin/moto_server"
pip_tool_install "moto[server]==$MOTO_VERSION" "$MOTO_DIR" "$MOTO_SERVER" "moto[server]==$MOTO_VERSION"
echo "$MOTO_SERVER"
