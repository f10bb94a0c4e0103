#!/usr/bin/env bash
# Create (or refresh) .venv-zaqar: OpenStack Zaqar 23 from PyPI, the peer
# that `swiftq-bench --local --zaqar-peer` measures side by side with
# swiftq on the same local Swift (swiftq/bench/zaqar_peer.py):
#
#     tools/zaqar-venv.sh [PYTHON]
#
# A venv of its own: Zaqar's dependency pins (oslo.*, keystonemiddleware,
# falcon...) need not agree with swift's in .venv. gunicorn serves Zaqar's
# WSGI application (no uwsgi, which would need a compiler); redis is the
# client of Zaqar's Redis driver (--zaqar-peer redis; the server is
# Debian's redis-server). Nothing is installed again unless ZAQAR_PACKAGES
# or the interpreter changed.
# tools/run-tests.sh calls this script (ensure_zaqar_venv), and so does
# tests/bench/test_zaqar_peer.py, so plain pytest works too.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZAQAR_VENV="${SWIFTQ_ZAQAR_VENV:-$REPO_ROOT/.venv-zaqar}"
# What goes into the venv; the stamp is made from this line.
ZAQAR_PACKAGES="zaqar==23.0.1 redis==8.1.0 gunicorn==27.0.1"

log() { echo "zaqar-venv.sh: $*" >&2; }

python="${1:-${PYTHON:-}}"
if [ -z "$python" ]; then
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'
        then
            python="$candidate"
            break
        fi
    done
fi
[ -n "$python" ] || { log "no Python >= 3.11 found"; exit 1; }

stamp="$ZAQAR_VENV/.swiftq-install-stamp"
want="$(echo "$ZAQAR_PACKAGES" | sha256sum | cut -d' ' -f1)"
want="$want $("$python" -c 'import sys; print(sys.version)')"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
   [ -x "$ZAQAR_VENV/bin/zaqar-sql-db-manage" ]; then
    exit 0
fi
started=$SECONDS
log "installing $ZAQAR_PACKAGES into $ZAQAR_VENV"
rm -f "$stamp"
[ -x "$ZAQAR_VENV/bin/python" ] || "$python" -m venv "$ZAQAR_VENV"
# shellcheck disable=SC2086  # one word per package
PIP_DISABLE_PIP_VERSION_CHECK=1 "$ZAQAR_VENV/bin/python" -m pip install -q \
    $ZAQAR_PACKAGES
echo "$want" > "$stamp"
log "Zaqar installed in $((SECONDS - started)) s"
