# shellcheck shell=bash
#
# A small stand-in for the devstack functions that devstack/plugin.sh and
# devstack/settings call, so that tests/devstack/test_plugin.py can source
# the plugin outside devstack and run its phases. Each function keeps the
# signature and the behaviour the plugin relies on (read from devstack's
# functions-common, functions, inc/ini-config, inc/python, lib/keystone and
# lib/apache); none is devstack's code.
#
# Every call is appended to $FAKE_DEVSTACK_DIR/calls.log, one line per
# call: the function name and its arguments, shell-quoted.
#
# What is real and what is not:
#
#   iniset, configure_keystoneauth,     real: they edit the INI files as
#   configure_keystone_authtoken_...    devstack's do (the same keys)
#   write_uwsgi_config                  real uwsgi INI with devstack's
#                                       options; the Apache ProxyPass it
#                                       would add (no "http" argument) is
#                                       only recorded
#   remove_uwsgi_config                 real rm; Apache part recorded
#   run_process / stop_process          real: the command runs in the
#                                       background (its own session, log
#                                       in $FAKE_DEVSTACK_DIR/logs), where
#                                       devstack writes a systemd unit;
#                                       stop sends SIGTERM to its group
#   wait_for_service                    real, with curl
#   is_service_enabled, enable_service  real, over $ENABLED_SERVICES
#   setup_develop                       checks that swiftq imports with
#                                       $FAKE_DEVSTACK_PYTHON (the test's
#                                       venv has it installed); no pip
#   get_python_exec_prefix              the directory of that python
#   create_service_user,                recorded only: no Keystone here
#   get_or_create_service,
#   get_or_create_endpoint,
#   get_or_add_user_project_role
#   sudo                                runs the command as is (the test
#                                       writes only under its tmp dir)
#   die, echo_summary, define_plugin    as devstack (die exits 1)
#
# Expected from the caller: FAKE_DEVSTACK_DIR, FAKE_DEVSTACK_PYTHON, and
# the devstack globals the plugin reads (DEST, STACK_USER, SERVICE_HOST,
# ENABLED_SERVICES, ...; see tests/devstack/test_plugin.py).

function _fake_record {
    local line
    line=$(printf '%q ' "$@")
    echo "${line% }" >> "$FAKE_DEVSTACK_DIR/calls.log"
}

function die {
    local lineno=$1
    shift
    echo "[ERROR] plugin line $lineno: $*" >&2
    _fake_record die "$@"
    exit 1
}

function echo_summary {
    echo "summary: $*"
}

function define_plugin {
    _fake_record define_plugin "$@"
}

function sudo {
    "$@"
}

# -- services -------------------------------------------------------------
function is_service_enabled {
    local service
    for service in "$@"; do
        [[ ,${ENABLED_SERVICES}, =~ ,${service}, ]] && return 0
        [[ ${service} == "swift" && ,${ENABLED_SERVICES} =~ ,"s-" ]] && return 0
    done
    return 1
}

function enable_service {
    local service
    for service in "$@"; do
        is_service_enabled "$service" || ENABLED_SERVICES+=",$service"
    done
    ENABLED_SERVICES=${ENABLED_SERVICES#,}
}

# -- INI files -------------------------------------------------------------
# iniset FILE SECTION OPTION VALUE: set OPTION in [SECTION]; a new option
# goes right under the section header, a new section at the end.
function iniset {
    "$FAKE_DEVSTACK_PYTHON" -S -I - "$@" <<'PYTHON'
import re
import sys

path, section, option, value = sys.argv[1:5]
try:
    with open(path) as f:
        lines = f.read().splitlines()
except FileNotFoundError:
    lines = []
header = '[%s]' % section
if header not in lines:
    lines += ['', header]
start = lines.index(header) + 1
end = start
while end < len(lines) and not lines[end].startswith('['):
    end += 1
pattern = re.compile(r'^%s\s*=' % re.escape(option))
for i in range(start, end):
    if pattern.match(lines[i]):
        lines[i] = '%s = %s' % (option, value)
        break
else:
    lines.insert(start, '%s = %s' % (option, value))
with open(path, 'w') as f:
    f.write('\n'.join(lines) + '\n')
PYTHON
}

function configure_keystoneauth {
    local conf_file=$1 admin_user=$2 section=$3
    iniset "$conf_file" "$section" auth_type password
    iniset "$conf_file" "$section" interface public
    iniset "$conf_file" "$section" auth_url "$KEYSTONE_SERVICE_URI"
    iniset "$conf_file" "$section" username "$admin_user"
    iniset "$conf_file" "$section" password "$SERVICE_PASSWORD"
    iniset "$conf_file" "$section" user_domain_name "$SERVICE_DOMAIN_NAME"
    iniset "$conf_file" "$section" project_name "$SERVICE_PROJECT_NAME"
    iniset "$conf_file" "$section" project_domain_name "$SERVICE_DOMAIN_NAME"
}

function configure_keystone_authtoken_middleware {
    local conf_file=$1 admin_user=$2 section=${3:-keystone_authtoken}
    _fake_record configure_keystone_authtoken_middleware "$@"
    configure_keystoneauth "$conf_file" "$admin_user" "$section"
    iniset "$conf_file" "$section" www_authenticate_uri "$KEYSTONE_SERVICE_URI"
    iniset "$conf_file" "$section" cafile "$SSL_BUNDLE_FILE"
    iniset "$conf_file" "$section" memcached_servers "$MEMCACHE_SERVERS"
}

# -- Python ------------------------------------------------------------------
function setup_develop {
    _fake_record setup_develop "$@"
    (cd "$1" && "$FAKE_DEVSTACK_PYTHON" -c 'import swiftq.app') ||
        die $LINENO "swiftq does not import from $1"
}

function get_python_exec_prefix {
    dirname "$FAKE_DEVSTACK_PYTHON"
}

# -- Keystone (recorded only) ------------------------------------------------
function create_service_user {
    _fake_record create_service_user "$@"
}

function get_or_add_user_project_role {
    _fake_record get_or_add_user_project_role "$@"
}

function get_or_create_service {
    _fake_record get_or_create_service "$@"
    echo "fake-service-id"
}

function get_or_create_endpoint {
    _fake_record get_or_create_endpoint "$@"
    echo "fake-endpoint-id"
}

# -- uwsgi and Apache ----------------------------------------------------------
# write_uwsgi_config CONF WSGI URL HTTP NAME, with lib/apache's options.
function write_uwsgi_config {
    local conf=$1 wsgi=$2 url=$3 http=$4 name=$5
    _fake_record write_uwsgi_config "$@"
    if ! [[ "$wsgi" =~ ^[a-zA-Z0-9_.]+:[a-zA-Z0-9_]+$ ]]; then
        die $LINENO "write_uwsgi_config: $wsgi is not a module:callable"
    fi
    rm -f "$conf"
    iniset "$conf" uwsgi module "$wsgi"
    iniset "$conf" uwsgi processes "$API_WORKERS"
    iniset "$conf" uwsgi master true
    iniset "$conf" uwsgi die-on-term true
    iniset "$conf" uwsgi exit-on-reload false
    iniset "$conf" uwsgi worker-reload-mercy "$WORKER_TIMEOUT"
    iniset "$conf" uwsgi enable-threads true
    iniset "$conf" uwsgi plugins http,python3
    iniset "$conf" uwsgi thunder-lock true
    iniset "$conf" uwsgi hook-master-start "unix_signal:15 gracefully_kill_them_all"
    iniset "$conf" uwsgi buffer-size 65535
    iniset "$conf" uwsgi add-header "Connection: close"
    iniset "$conf" uwsgi lazy-apps true
    iniset "$conf" uwsgi start-time %t
    if [[ -n "$http" ]]; then
        iniset "$conf" uwsgi http "$http"
    else
        local socket="$FAKE_DEVSTACK_DIR/run/$name.socket"
        iniset "$conf" uwsgi socket "$socket"
        iniset "$conf" uwsgi chmod-socket 666
        _fake_record apache_proxy_pass "$url" "unix:$socket|uwsgi://uwsgi-uds-$name" "$name"
    fi
}

function remove_uwsgi_config {
    _fake_record remove_uwsgi_config "$@"
    rm -f "$1"
    _fake_record disable_apache_site "$(basename "$2")"
}

# -- processes -----------------------------------------------------------------
# run_process SERVICE COMMAND [GROUP] [USER] [ENV_VARS]
function run_process {
    local service=$1 command=$2 env_vars=${5:-}
    _fake_record run_process "$@"
    is_service_enabled "$service" || return 0
    mkdir -p "$FAKE_DEVSTACK_DIR/run" "$FAKE_DEVSTACK_DIR/logs"
    # The command is one string, as in a systemd unit's ExecStart, and
    # ENV_VARS its Environment= ("NAME=value ...").
    # shellcheck disable=SC2086
    setsid env $env_vars bash -c "exec $command" </dev/null \
        >"$FAKE_DEVSTACK_DIR/logs/$service.log" 2>&1 &
    echo $! > "$FAKE_DEVSTACK_DIR/run/$service.pid"
}

function stop_process {
    local service=$1 pidfile pid
    _fake_record stop_process "$@"
    pidfile="$FAKE_DEVSTACK_DIR/run/$service.pid"
    [[ -f "$pidfile" ]] || return 0
    pid=$(cat "$pidfile")
    kill -TERM -- "-$pid" 2>/dev/null || true
    local _
    for _ in $(seq 50); do
        kill -0 -- "-$pid" 2>/dev/null || break
        sleep 0.2
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
    rm -f "$pidfile"
}

# wait_for_service TIMEOUT URL: until URL answers anything but 503 (or
# the connection is refused), like devstack's.
function wait_for_service {
    local timeout=$1 url=$2
    _fake_record wait_for_service "$@"
    local deadline=$((SECONDS + timeout)) code
    while (( SECONDS < deadline )); do
        code=$(curl -k --noproxy '*' -s -o /dev/null -w '%{http_code}' "$url") || true
        if [[ "$code" != 000 && "$code" != 503 ]]; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}
