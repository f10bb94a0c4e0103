"""``application`` for any WSGI server (uwsgi, gunicorn, mod_wsgi)::

    SWIFTQ_CONFIG_FILE=/etc/swiftq/swiftq.conf gunicorn swiftq.wsgi

The configuration file is ``$SWIFTQ_CONFIG_FILE``, else
``/etc/swiftq/swiftq.conf`` when it exists, else none (defaults only).
The server's own command line is never parsed.
"""

import os

from oslo_config import cfg
from oslo_log import log

from swiftq import app
import swiftq.conf

DEFAULT_CONFIG_FILE = '/etc/swiftq/swiftq.conf'


def _config_files():
    path = os.environ.get('SWIFTQ_CONFIG_FILE')
    if path:
        return [path]
    return [DEFAULT_CONFIG_FILE] if os.path.exists(DEFAULT_CONFIG_FILE) else []


def load_conf():
    conf = cfg.ConfigOpts()
    swiftq.conf.register_opts(conf)
    log.register_options(conf)
    conf(args=[], project='swiftq', default_config_files=_config_files())
    log.setup(conf, 'swiftq')
    return conf


application = app.create_app(load_conf())
