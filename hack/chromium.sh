#!/usr/bin/env bash
# Makes sure a Chromium the dashboard's browser test can drive is installed, and prints its path.
# Debian's chromium package (no download from elsewhere: playwright-core only drives it). Needs
# root or sudo the first time on a machine; idempotent and quiet afterwards.
#   hack/chromium.sh          # install if missing, print the path
#   CHROMIUM_PATH=/path/to/chrome hack/chromium.sh   # use that browser instead
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM_PATH" ]]; then echo "$CHROMIUM_PATH"; exit 0; fi

if (( EUID == 0 )); then SUDO=(); elif command -v sudo >/dev/null; then SUDO=(sudo -n); else
  log "Chromium is missing at $CHROMIUM_PATH and this user cannot install it: run 'apt-get install chromium' as root, or set CHROMIUM_PATH"
  exit 1
fi
command -v apt-get >/dev/null || { log "Chromium is missing at $CHROMIUM_PATH and apt-get is not here: install Chromium and set CHROMIUM_PATH"; exit 1; }

log "installing Debian's chromium (once per machine)"
OUTPUT="$(mktemp "${TMPDIR:-/tmp}/drm-chromium-install.XXXXXX")"
trap 'rm -f "$OUTPUT"' EXIT
export DEBIAN_FRONTEND=noninteractive
# The package lists may be missing or stale on a fresh machine: refresh them only if needed.
if ! "${SUDO[@]}" apt-get install -y --no-install-recommends chromium >"$OUTPUT" 2>&1; then
  "${SUDO[@]}" apt-get update >>"$OUTPUT" 2>&1 || true
  "${SUDO[@]}" apt-get install -y --no-install-recommends chromium >>"$OUTPUT" 2>&1 \
    || { tail -20 "$OUTPUT" >&2; log "apt-get install chromium failed (above)"; exit 1; }
fi
[[ -x "$CHROMIUM_PATH" ]] || { log "chromium installed but not at $CHROMIUM_PATH; set CHROMIUM_PATH"; exit 1; }
echo "$CHROMIUM_PATH"
