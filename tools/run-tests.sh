#!/usr/bin/env bash
# Run swiftq's whole test suite on this machine:
#
#     tools/run-tests.sh [pytest arguments...]
#
# Without arguments it runs the whole suite in phases (run_whole_suite,
# tools/test_plan.py); with arguments, one pytest with them.
#
# Works on a fresh Debian machine with Python 3.11: installs the OS packages
# the embedded Swift needs (memcached, rsync) when they are missing, creates
# .venv and installs swiftq with its test extras into it (again only when
# setup.cfg or setup.py changed), then runs pytest. Extra arguments go to
# pytest, e.g. tools/run-tests.sh tests/functional -k claim -x
#
# tools/dev.sh sources this file for the install steps.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${SWIFTQ_VENV:-$REPO_ROOT/.venv}"
STAMP="$VENV/.swiftq-install-stamp"
TEST_TIMEOUT="${SWIFTQ_TEST_TIMEOUT:-300}"

log() { echo "$(basename "$0"): $*" >&2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The interpreter the venv is made with: python3.11, else python3 >= 3.11.
find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
           "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'
        then
            echo "$candidate"
            return 0
        fi
    done
    log "no Python >= 3.11 found (tried \$PYTHON, python3.11, python3)"
    return 1
}

# OS packages: memcached (tempauth tokens) and rsync (Swift replicators);
# the shellcheck linter (tests/devstack checks the devstack plugin);
# redis-server (Zaqar's Redis driver, tests/bench/test_zaqar_peer.py);
# python3-venv only when the interpreter cannot make a venv (Debian splits
# ensurepip out).
ensure_os_packages() {
    local python="$1" missing=()
    command -v memcached >/dev/null 2>&1 || missing+=(memcached)
    command -v rsync >/dev/null 2>&1 || missing+=(rsync)
    command -v shellcheck >/dev/null 2>&1 || missing+=(shellcheck)
    command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
    if ! [ -x "$VENV/bin/python" ] &&
       ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        missing+=("python3-venv")
    fi
    if [ "${#missing[@]}" -gt 0 ]; then
        log "installing OS packages: ${missing[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
}

# What the install depends on: when this changes, pip runs again.
install_fingerprint() {
    cat "$REPO_ROOT/setup.cfg" "$REPO_ROOT/setup.py" |
        sha256sum | cut -d' ' -f1
    "$VENV/bin/python" -c 'import sys; print(sys.version)'
}

# .venv with swiftq installed editable, with its test extras.
ensure_venv() {
    local python="$1"
    if ! [ -x "$VENV/bin/python" ]; then
        log "creating $VENV with $python"
        "$python" -m venv "$VENV"
    fi
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(install_fingerprint)" ]
    then
        return 0
    fi
    log "installing swiftq and its test dependencies into $VENV"
    rm -f "$STAMP"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/python" -m pip install -q \
        -e "${REPO_ROOT}[test]"
    install_fingerprint > "$STAMP"
}

# .venv-keystone: a real Keystone (tests/keystone/keystone-requirements.txt)
# for the tests in tests/keystone, which start it from there. A venv of its
# own because keystone's dependency pins need not agree with swift's.
# Rebuilt only when the requirements file or the interpreter changes;
# tests/keystone/keystone_server.py calls this function too, so plain
# pytest works on a machine where it never ran.
KEYSTONE_VENV="${SWIFTQ_KEYSTONE_VENV:-$REPO_ROOT/.venv-keystone}"
KEYSTONE_REQUIREMENTS="$REPO_ROOT/tests/keystone/keystone-requirements.txt"

ensure_keystone_venv() {
    local python="${1:-}" stamp="$KEYSTONE_VENV/.swiftq-install-stamp" want
    [ -n "$python" ] || python="$(find_python)"
    want="$(sha256sum < "$KEYSTONE_REQUIREMENTS" | cut -d' ' -f1)"
    want="$want $("$python" -c 'import sys; print(sys.version)')"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
       [ -x "$KEYSTONE_VENV/bin/keystone-manage" ]; then
        return 0
    fi
    local started=$SECONDS
    log "installing Keystone into $KEYSTONE_VENV"
    rm -f "$stamp"
    [ -x "$KEYSTONE_VENV/bin/python" ] || "$python" -m venv "$KEYSTONE_VENV"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$KEYSTONE_VENV/bin/python" -m pip \
        install -q -r "$KEYSTONE_REQUIREMENTS"
    echo "$want" > "$stamp"
    log "Keystone installed in $((SECONDS - started)) s"
}

# .venv-zaqar: OpenStack Zaqar from PyPI, the peer that swiftq-bench
# --zaqar-peer measures swiftq against (tests/bench/test_zaqar_peer.py).
# tools/zaqar-venv.sh says what goes in; it reinstalls only when that or
# the interpreter changes. The test calls this function too.
ensure_zaqar_venv() {
    "$REPO_ROOT/tools/zaqar-venv.sh" "${1:-}"
}

# What the service needs (tools/dev.sh): OS packages and .venv.
install_service() {
    local python
    python="$(find_python)"
    ensure_os_packages "$python"
    ensure_venv "$python"
}

# What the tests need besides: the Keystone and Zaqar venvs.
install_all() {
    install_service
    local python
    python="$(find_python)"
    ensure_keystone_venv "$python"
    ensure_zaqar_venv "$python"
}

pytest_run() {
    "$VENV/bin/python" -m pytest -q -ra -p no:cacheprovider --durations=25 \
        --timeout="$TEST_TIMEOUT" "$@"
}

# The whole suite, as tools/test_plan.py splits it: the tests that race,
# inject faults or measure run alone first; then the others in
# $SWIFTQ_TEST_SHARDS concurrent pytest processes (default 1: a run with
# 2 timed out requests of the short-bound servers in a shard; those files
# run alone now, but no whole run with 2 has passed since), whose outputs
# follow when all are done. Fails if any phase failed.
run_whole_suite() {
    local plan="$VENV/bin/python $REPO_ROOT/tools/test_plan.py"
    local shards="${SWIFTQ_TEST_SHARDS:-1}" status=0 k work
    local -a pids=()
    log "phase 1: the tests that race, inject faults or measure, alone"
    # shellcheck disable=SC2046  # the plan prints a list of paths
    pytest_run $($plan alone) || status=1
    log "phase 2: the other tests in $shards concurrent shards"
    work="$(mktemp -d)"
    for k in $(seq 1 "$shards"); do
        # shellcheck disable=SC2046
        pytest_run --basetemp="$work/tmp-$k" $($plan shard "$k" "$shards") \
            > "$work/shard-$k.log" 2>&1 &
        pids+=("$!")
    done
    for k in $(seq 1 "$shards"); do
        wait "${pids[$((k - 1))]}" || status=1
    done
    for k in $(seq 1 "$shards"); do
        echo "================ phase 2, shard $k of $shards ================"
        cat "$work/shard-$k.log"
    done
    rm -rf "$work"
    if [ "$status" -eq 0 ]; then
        log "every phase passed"
    else
        log "FAILED: see the failures of each phase above"
    fi
    return "$status"
}

run_tests() {
    cd "$REPO_ROOT"
    if [ "$#" -eq 0 ]; then
        run_whole_suite
    else
        pytest_run "$@"
    fi
}

main() {
    local started=$SECONDS
    install_all
    log "environment ready in $((SECONDS - started)) s"
    run_tests "$@"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    main "$@"
fi
