"""Prometheus metrics (``[metrics]``): where the exposition is served.

The exposition is never served on the API's port: ``swiftq-api`` answers
scrapes on a listener of its own (its gunicorn master, for all its
workers), ``swiftq-notifier`` on another. Off by default; when on, it
listens on the loopback address unless told otherwise, since the
figures are for the operator's Prometheus only. See
doc/source/operate.rst, "Metrics".
"""

from oslo_config import cfg

enabled = cfg.BoolOpt(
    'enabled', default=False,
    help='Serve Prometheus metrics (text exposition format) on '
         'bind_host:bind_port (swiftq-api) and '
         'bind_host:notifier_bind_port (swiftq-notifier), apart from the '
         'API\'s port.')

bind_host = cfg.HostAddressOpt(
    'bind_host', default='127.0.0.1',
    help='Address the metrics listeners listen on. Keep it on the '
         'loopback or a management network: the figures are not for '
         'tenants.')

bind_port = cfg.PortOpt(
    'bind_port', default=9216,
    help='Port of the metrics listener of swiftq-api (every worker\'s '
         'figures, summed).')

notifier_bind_port = cfg.PortOpt(
    'notifier_bind_port', default=9217,
    help='Port of the metrics listener of swiftq-notifier. Several '
         'notifiers on one host need one configuration file each, with '
         'their own port.')

GROUP_NAME = 'metrics'
ALL_OPTS = [enabled, bind_host, bind_port, notifier_bind_port]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
