#!/bin/bash
#
# devstack/plugin.sh: swiftq, the Zaqar v2 messaging API stored in Swift.
#
# In local.conf ([[local|localrc]]), with Swift enabled:
#
#     enable_service s-proxy s-object s-container s-account
#     enable_plugin swiftq <git url of swiftq> [branch]
#
# devstack sources this file as "plugin.sh <mode> [phase]" (devstack's
# doc/source/plugins.rst):
#
#   stack pre-install   refuse to go on without Swift
#   stack install       install swiftq from $SWIFTQ_DIR (setup_develop)
#   stack post-config   write $SWIFTQ_CONF and the uwsgi configuration;
#                       with Keystone, create the service user, the
#                       "messaging" service and endpoint and (unless
#                       disabled) the "messaging-websocket" ones
#   stack extra         start swiftq-api under uwsgi (run_process, unit
#                       devstack@swiftq-api), wait until GET /v2/ping
#                       answers 204; start swiftq-notifier (unit
#                       devstack@swiftq-notifier) and swiftq-websocket
#                       (unit devstack@swiftq-websocket) unless disabled;
#                       run "swiftq-status upgrade check"
#   unstack             stop swiftq-websocket, swiftq-notifier and
#                       swiftq-api
#   clean               remove the uwsgi/Apache configuration and
#                       $SWIFTQ_CONF_DIR
#
# With Keystone ("key" enabled): auth_strategy = keystone with
# [keystone_authtoken], and swiftq reaches Swift as the service user
# $SWIFTQ_SERVICE_USER ([swift] auth_type = keystone, [swift_keystone]).
# Without: auth_strategy = noauth (development only: X-Project-ID is
# trusted) and Swift's tempauth.
#
# The settings, and how to change them, are in devstack/settings.

# Save trace setting
_SWIFTQ_XTRACE=$(set +o | grep xtrace)
set +o xtrace


# The URL clients reach the API at (the "messaging" endpoint).
function swiftq_endpoint_url {
    if [[ -n "$SWIFTQ_UWSGI_HTTP" ]]; then
        echo "$SWIFTQ_SERVICE_PROTOCOL://$SWIFTQ_UWSGI_HTTP"
    else
        echo "$SWIFTQ_SERVICE_PROTOCOL://$SWIFTQ_SERVICE_HOST$SWIFTQ_URL_PREFIX"
    fi
}

# The URL websocket clients reach swiftq-websocket at (the
# "messaging-websocket" endpoint). Zaqar's devstack registers it as
# http://; python-zaqarclient picks its transport by the URL's scheme, so
# ws:// is what its websocket transport (and os-collect-config) needs.
function swiftq_websocket_url {
    echo "ws://$SWIFTQ_SERVICE_HOST:$SWIFTQ_WEBSOCKET_PORT"
}

# install_swiftq - swiftq and its Python dependencies, from the clone
function install_swiftq {
    setup_develop "$SWIFTQ_DIR"
}

# configure_swiftq - $SWIFTQ_CONF and the uwsgi configuration
function configure_swiftq {
    sudo install -d -o "$STACK_USER" -m 755 "$SWIFTQ_CONF_DIR"

    # Start from the generated sample: every option is there, commented
    # out, with its help; what devstack sets is added under each section.
    cp "$SWIFTQ_DIR/etc/swiftq/swiftq.conf.sample" "$SWIFTQ_CONF"

    iniset "$SWIFTQ_CONF" DEFAULT debug "$ENABLE_DEBUG_LOG_LEVEL"
    iniset "$SWIFTQ_CONF" swift container_prefix "$SWIFTQ_CONTAINER_PREFIX"
    # swiftq-status reads Swift's replica count from the rings here.
    iniset "$SWIFTQ_CONF" status swift_dir "${SWIFT_CONF_DIR:-/etc/swift}"
    # Confirmation requests tell subscribers where to confirm.
    iniset "$SWIFTQ_CONF" notification api_public_url "$(swiftq_endpoint_url)"
    iniset "$SWIFTQ_CONF" websocket bind_host "$SWIFTQ_WEBSOCKET_BIND_HOST"
    iniset "$SWIFTQ_CONF" websocket bind_port "$SWIFTQ_WEBSOCKET_PORT"

    if is_service_enabled key; then
        iniset "$SWIFTQ_CONF" DEFAULT auth_strategy keystone
        configure_keystone_authtoken_middleware "$SWIFTQ_CONF" "$SWIFTQ_SERVICE_USER"
        iniset "$SWIFTQ_CONF" swift auth_type keystone
        configure_keystoneauth "$SWIFTQ_CONF" "$SWIFTQ_SERVICE_USER" swift_keystone
        # The trustee: a user and its domain, no project (its tokens are
        # scoped to one trust at a time).
        iniset "$SWIFTQ_CONF" trustee auth_type password
        iniset "$SWIFTQ_CONF" trustee auth_url "$KEYSTONE_SERVICE_URI"
        iniset "$SWIFTQ_CONF" trustee username \
            "${SWIFTQ_TRUSTEE_USER:-$SWIFTQ_SERVICE_USER}"
        iniset "$SWIFTQ_CONF" trustee password \
            "${SWIFTQ_TRUSTEE_PASSWORD:-$SERVICE_PASSWORD}"
        iniset "$SWIFTQ_CONF" trustee user_domain_id "$SWIFTQ_TRUSTEE_DOMAIN"
    else
        local auth_url=$SWIFTQ_SWIFT_TEMPAUTH_URL
        if [[ -z "$auth_url" ]]; then
            auth_url="${SWIFT_SERVICE_PROTOCOL:-$SERVICE_PROTOCOL}://$SERVICE_HOST:${SWIFT_DEFAULT_BIND_PORT:-8080}/auth/v1.0"
        fi
        iniset "$SWIFTQ_CONF" DEFAULT auth_strategy noauth
        iniset "$SWIFTQ_CONF" swift auth_type tempauth
        iniset "$SWIFTQ_CONF" swift auth_url "$auth_url"
        iniset "$SWIFTQ_CONF" swift user "$SWIFTQ_SWIFT_TEMPAUTH_USER"
        iniset "$SWIFTQ_CONF" swift key "$SWIFTQ_SWIFT_TEMPAUTH_KEY"
    fi

    write_uwsgi_config "$SWIFTQ_UWSGI_CONF" "$SWIFTQ_UWSGI_APP" \
        "$SWIFTQ_URL_PREFIX" "$SWIFTQ_UWSGI_HTTP" "swiftq-api"
    iniset "$SWIFTQ_UWSGI_CONF" uwsgi threads "$SWIFTQ_UWSGI_THREADS"
    # swiftq writes its own access log line (with the request id); uwsgi's
    # would repeat it.
    iniset "$SWIFTQ_UWSGI_CONF" uwsgi disable-logging true
}

# create_swiftq_accounts - service user, "messaging" service and endpoint
function create_swiftq_accounts {
    # The role makes the user an operator of its project's Swift account,
    # where swiftq keeps every queue.
    create_service_user "$SWIFTQ_SERVICE_USER" "$SWIFTQ_SWIFT_ROLE"
    get_or_create_service swiftq messaging \
        "Messaging service (swiftq: the Zaqar v2 API on Swift)"
    get_or_create_endpoint messaging "$REGION_NAME" "$(swiftq_endpoint_url)"
    if is_service_enabled swiftq-websocket; then
        get_or_create_service swiftq-websocket messaging-websocket \
            "Messaging service over websockets (swiftq-websocket)"
        get_or_create_endpoint messaging-websocket "$REGION_NAME" \
            "$(swiftq_websocket_url)"
    fi
}

# start_swiftq - run the API and wait until it serves
function start_swiftq {
    local uwsgi
    uwsgi=$(which uwsgi)
    # swiftq.wsgi reads its configuration file from SWIFTQ_CONFIG_FILE
    # (given to the systemd unit: uwsgi's own "env" option is not seen by
    # a uwsgi whose Python started first, as pip's pyuwsgi).
    run_process swiftq-api "$uwsgi --procname-prefix swiftq-api --ini $SWIFTQ_UWSGI_CONF" \
        "" "" "SWIFTQ_CONFIG_FILE=$SWIFTQ_CONF"

    local ping_url
    ping_url="$(swiftq_endpoint_url)/v2/ping"
    echo "Waiting for swiftq-api to answer $ping_url ..."
    if ! wait_for_service "$SERVICE_TIMEOUT" "$ping_url"; then
        die $LINENO "swiftq-api did not answer $ping_url (it answers 503 while it cannot reach Swift)"
    fi
    # wait_for_service settles for any answer but 503; ping says 204 only
    # when swiftq reaches Swift.
    local status
    status=$(curl -k -s -o /dev/null -w '%{http_code}' --noproxy '*' "$ping_url")
    if [[ "$status" != 204 ]]; then
        die $LINENO "swiftq-api answered $status to GET $ping_url (not 204)"
    fi
}

# start_swiftq_notifier - the daemon that delivers messages to
# subscriptions (webhooks, mailto); one is enough on a devstack host
function start_swiftq_notifier {
    run_process swiftq-notifier \
        "$SWIFTQ_BIN_DIR/swiftq-notifier --config-file $SWIFTQ_CONF"
}

# start_swiftq_websocket - Zaqar's websocket transport, on its own port;
# waits until it answers (a plain HTTP GET gets a refused handshake)
function start_swiftq_websocket {
    run_process swiftq-websocket \
        "$SWIFTQ_BIN_DIR/swiftq-websocket --config-file $SWIFTQ_CONF"
    local url="http://$SWIFTQ_SERVICE_HOST:$SWIFTQ_WEBSOCKET_PORT/"
    echo "Waiting for swiftq-websocket to answer $url ..."
    if ! wait_for_service "$SERVICE_TIMEOUT" "$url"; then
        die $LINENO "swiftq-websocket did not answer on $url"
    fi
}

# check_swiftq - swiftq-status upgrade check; warnings (a 1-replica Swift)
# are shown, failures stop stack.sh
function check_swiftq {
    local rc=0
    "$SWIFTQ_BIN_DIR/swiftq-status" --config-file "$SWIFTQ_CONF" \
        upgrade check --expirer-timeout "$SWIFTQ_STATUS_EXPIRER_TIMEOUT" || rc=$?
    if [[ $rc -ne 0 && $rc -ne 1 ]]; then
        die $LINENO "swiftq-status upgrade check failed (exit code $rc)"
    fi
}

# stop_swiftq - stop the websocket server, the notifier and the API
function stop_swiftq {
    if is_service_enabled swiftq-websocket; then
        stop_process swiftq-websocket
    fi
    if is_service_enabled swiftq-notifier; then
        stop_process swiftq-notifier
    fi
    stop_process swiftq-api
}

# cleanup_swiftq - what stack left behind, but Swift's data (clean.sh
# wipes Swift)
function cleanup_swiftq {
    remove_uwsgi_config "$SWIFTQ_UWSGI_CONF" "swiftq-api"
    sudo rm -rf "$SWIFTQ_CONF_DIR"
}


if is_service_enabled swiftq-api; then
    # Where pip put swiftq's console scripts.
    SWIFTQ_BIN_DIR=$(get_python_exec_prefix)

    if [[ "$1" == "stack" && "$2" == "pre-install" ]]; then
        if ! is_service_enabled swift; then
            die $LINENO "swiftq stores everything in Swift: enable_service s-proxy s-object s-container s-account"
        fi

    elif [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing swiftq"
        install_swiftq

    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring swiftq"
        configure_swiftq
        if is_service_enabled key; then
            create_swiftq_accounts
        fi

    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting swiftq"
        start_swiftq
        if is_service_enabled swiftq-notifier; then
            start_swiftq_notifier
        fi
        if is_service_enabled swiftq-websocket; then
            start_swiftq_websocket
        fi
        check_swiftq
    fi

    if [[ "$1" == "unstack" ]]; then
        stop_swiftq
    fi

    if [[ "$1" == "clean" ]]; then
        cleanup_swiftq
    fi
fi

# Restore xtrace
$_SWIFTQ_XTRACE

# Local variables:
# mode: shell-script
# End:
