"""Console scripts: ``swiftq-api`` (the service), ``swiftq-notifier``
(deliveries to subscriptions), ``swiftq-status`` (the operator's upgrade
check) and ``swiftq-dev`` (the service on an embedded Swift, for
development); and the start-up they share."""

import importlib.metadata

from oslo_log import log

import swiftq.conf


def version():
    """The installed swiftq's version ('unknown' from a bare checkout)."""
    try:
        return importlib.metadata.version('swiftq')
    except importlib.metadata.PackageNotFoundError:
        return 'unknown'


def parse_service_args(argv, prog, conf=None):
    """Register every swiftq and oslo.log option on ``conf`` (the global
    CONF by default) and parse ``argv`` into it, oslo.config's way
    (``--config-file``, ``--config-dir``, ``--debug``...)."""
    conf = conf if conf is not None else swiftq.conf.CONF
    swiftq.conf.register_opts(conf)
    log.register_options(conf)
    conf(args=argv, project='swiftq', prog=prog, version=version())
    return conf
