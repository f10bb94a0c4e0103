#!/usr/bin/env bash
# Run swiftq on an embedded local Swift (development only: no auth):
#
#     tools/dev.sh [--dir DIR] [--port 8888] [--websocket-port 9000]
#
# The service's install steps of tools/run-tests.sh (OS packages, .venv;
# not the test-only Keystone and Zaqar venvs), then swiftq-dev in the
# foreground (swiftq-api, swiftq-notifier and swiftq-websocket on that
# Swift); Ctrl-C stops it all.
set -euo pipefail

# shellcheck source=tools/run-tests.sh
source "$(dirname "${BASH_SOURCE[0]}")/run-tests.sh"
install_service
exec "$VENV/bin/swiftq-dev" "$@"
