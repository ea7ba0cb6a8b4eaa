#!/usr/bin/env bash
# N Token Lab replicas behind nginx on this machine (Debian's nginx, run as you; Ctrl-C stops all):
#   bash deploy/start.sh --replicas 2 --first-port 8601 --port 8080 [--address 0.0.0.0]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "error: nginx is needed (apt-get install nginx)" >&2; exit 1; }
PY=.venv/bin/python; [ -x "$PY" ] || PY=python3
exec "$PY" deploy/replicas.py "$@"
