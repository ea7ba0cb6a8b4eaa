#!/usr/bin/env bash
# Installs everything the tests need (Python packages, Debian's chromium, a CJK font for it, and nginx) and
# runs the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/pip install -q -r requirements-test.txt
# Debian packages, each only when missing: chromium (the browser tests), a CJK font (the browser draws the pages'
# Chinese with it), nginx (the scale-out test runs it as the current user, not as a service)
MISSING=""
[ -x /usr/bin/chromium ] || MISSING="$MISSING chromium"
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || MISSING="$MISSING fonts-wqy-microhei"
[ -x /usr/sbin/nginx ] || MISSING="$MISSING nginx"
if [ -n "$MISSING" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && $SUDO apt-get install -y -qq $MISSING >/dev/null
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
.venv/bin/python -m pytest "$@"
