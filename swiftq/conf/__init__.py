"""swiftq's configuration, one module per option group (oslo.config).

``CONF`` is the process-wide object used by the console scripts; tests and
the application factory may build their own ``cfg.ConfigOpts`` and pass it
to :func:`register_opts` instead.

* ``default``: ``[DEFAULT]``, ``auth_strategy``;
* ``api``: ``[api]``, the API server (address, workers, body size...);
* ``swift``: ``[swift]``, reaching Swift (auth, timeouts, pool), containers;
* ``swift_keystone``: ``[swift_keystone]``, Swift reached through Keystone;
* ``trustee``: ``[trustee]``, the trustee of ``trust+`` subscriptions;
* ``transport``: ``[transport]``, Zaqar's API limits;
* ``claims``: ``[claims]``, time bounds of the claim protocol;
* ``long_poll``: ``[long_poll]``, ``?wait=N``;
* ``signed_url``: ``[signed_url]``, the key of pre-signed URLs;
* ``notification``: ``[notification]``, ``swiftq-notifier``;
* ``status``: ``[status]``, ``swiftq-status upgrade check``;
* ``websocket``: ``[websocket]``, ``swiftq-websocket``;
* ``sqs``: ``[sqs]``, the SQS-compatible endpoint;
* ``metrics``: ``[metrics]``, the Prometheus metrics listeners;
* ``lib_defaults``: swiftq's defaults for the libraries' options.
"""

from oslo_config import cfg

from swiftq.conf import api
from swiftq.conf import claims
from swiftq.conf import default
from swiftq.conf import lib_defaults
from swiftq.conf import long_poll
from swiftq.conf import metrics
from swiftq.conf import notification
from swiftq.conf import signed_url
from swiftq.conf import sqs
from swiftq.conf import status
from swiftq.conf import swift
from swiftq.conf import swift_keystone
from swiftq.conf import transport
from swiftq.conf import trustee
from swiftq.conf import websocket

CONF = cfg.CONF

_MODULES = (default, api, swift, swift_keystone, transport, claims, long_poll,
            status, signed_url, notification, trustee, websocket, sqs,
            metrics)


def register_opts(conf):
    """Register every swiftq option on ``conf`` (idempotent), with
    swiftq's defaults for the libraries' options (lib_defaults)."""
    lib_defaults.set_defaults()
    for module in _MODULES:
        module.register_opts(conf)


def list_opts():
    """Entry point for oslo-config-generator (``swiftq.conf:list_opts``)."""
    opts = []
    for module in _MODULES:
        for group, group_opts in module.list_opts().items():
            opts.append((group, group_opts))
    return opts


def new_conf(args=None, config_files=None, overrides=None):
    """A fresh, fully registered ConfigOpts, optionally with overrides.

    ``overrides`` maps ``(group, name)`` (group ``None`` for DEFAULT) to a
    value.  Used by tests and by the dev launcher.
    """
    conf = cfg.ConfigOpts()
    register_opts(conf)
    conf(args=args or [], project='swiftq',
         default_config_files=config_files or [])
    for (group, name), value in (overrides or {}).items():
        conf.set_override(name, value, group=group)
    return conf
