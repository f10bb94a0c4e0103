"""Zaqar's WSGI application for gunicorn, configured by one file (runs in
.venv-zaqar, started by :mod:`swiftq.bench.zaqar_peer`).

``zaqar.transport.wsgi.app`` reads its configuration from the standard
paths only (``/etc/zaqar/...``), and oslo.config would parse gunicorn's
command line. This does what its ``init_application`` does, with
``--config-file $SWIFTQ_ZAQAR_CONFIG`` and nothing else on the command
line. Only the standard library and Zaqar are imported: swiftq is not
installed in that venv.
"""

import os
import sys

del sys.argv[1:]

from oslo_config import cfg  # noqa: E402
from oslo_log import log  # noqa: E402

from zaqar import bootstrap  # noqa: E402
from zaqar.common import consts  # noqa: E402


def _application():
    conf = cfg.CONF
    log.register_options(conf)
    conf(project='zaqar', prog='zaqar-queues',
         args=['--config-file', os.environ['SWIFTQ_ZAQAR_CONFIG']],
         default_config_files=[], default_config_dirs=[])
    log.setup(conf, 'zaqar')
    boot = bootstrap.Bootstrap(conf)
    conf.drivers.transport = consts.TRANSPORT_WSGI
    return boot.transport.app


application = _application()
