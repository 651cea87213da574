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
# Written last: a venv without it is a half-finished install and is redone.
STAMP="$MOTO_DIR/.installed"

installed() { [[ -f "$STAMP" && -x "$MOTO_SERVER" ]]; }

if installed; then echo "$MOTO_SERVER"; exit 0; fi

mkdir -p "$DRM_CACHE_DIR"
# Several test processes may ask at once: one installs, the others wait for it.
exec 9>"$DRM_CACHE_DIR/moto-$MOTO_VERSION.lock"
if command -v flock >/dev/null; then flock 9; fi
if installed; then echo "$MOTO_SERVER"; exit 0; fi

PYTHON="$(command -v python3 || true)"
[[ -n "$PYTHON" ]] || { log "moto needs python3 (3.9 or newer); install it (e.g. apt-get install python3 python3-venv)"; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
  || { log "moto $MOTO_VERSION needs Python 3.9 or newer, found $("$PYTHON" --version 2>&1)"; exit 1; }

log "installing moto[server]==$MOTO_VERSION into $MOTO_DIR (once per machine)"
OUTPUT="$(mktemp "${TMPDIR:-/tmp}/drm-moto-install.XXXXXX")"
trap 'rm -f "$OUTPUT"' EXIT

# The venv is built at its final path (venvs are not relocatable), in a fresh directory.
rm -rf "$MOTO_DIR"
if "$PYTHON" -m venv "$MOTO_DIR" >"$OUTPUT" 2>&1; then
  PIP=("$MOTO_DIR/bin/python" -m pip)
elif "$PYTHON" -m venv --without-pip "$MOTO_DIR" >>"$OUTPUT" 2>&1 && "$PYTHON" -m pip --version >/dev/null 2>&1; then
  # Debian's python3 without python3-venv has no ensurepip: install with the system pip
  # into the venv instead (pip 22.3 or newer).
  PIP=("$PYTHON" -m pip --python "$MOTO_DIR/bin/python")
else
  cat "$OUTPUT" >&2
  log "could not create a Python venv: install python3-venv (apt-get install python3-venv)"
  exit 1
fi

if ! "${PIP[@]}" install --quiet --disable-pip-version-check --no-input "moto[server]==$MOTO_VERSION" >>"$OUTPUT" 2>&1; then
  cat "$OUTPUT" >&2
  log "pip could not install moto[server]==$MOTO_VERSION"
  rm -rf "$MOTO_DIR"
  exit 1
fi
[[ -x "$MOTO_SERVER" ]] || { log "moto installed but $MOTO_SERVER is missing"; exit 1; }
touch "$STAMP"
echo "$MOTO_SERVER"
