"""swiftq-websocket: serve the API over Zaqar's websocket protocol.

::

    swiftq-websocket --config-file /etc/swiftq/swiftq.conf

One process (asyncio) serves every socket on ``[websocket] bind_host`` and
``bind_port`` (9000); the requests run in ``[websocket] threads`` threads.
The command line follows oslo.config's conventions, as ``swiftq-api``'s.
See :mod:`swiftq.websocket` and doc/source/websocket.rst.
"""

import asyncio
import resource
import sys

from oslo_log import log

from swiftq import cmd
from swiftq.cmd import api as cmd_api

LOG = log.getLogger(__name__)


def raise_open_files_limit(sockets):
    """Each socket is a file descriptor (and each Swift connection): lift
    the soft limit (often 1024) towards what ``max_sockets`` needs, up to
    the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = sockets + 1024
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
        soft = wanted
    if soft != resource.RLIM_INFINITY and soft < sockets + 64:
        LOG.warning('open files limit %d is below [websocket] max_sockets '
                    '(%d): raise it (ulimit -n, LimitNOFILE=)', soft,
                    sockets)


def main(argv=None):
    conf = cmd.parse_service_args(sys.argv[1:] if argv is None else argv,
                                  'swiftq-websocket')
    log.setup(conf, 'swiftq')
    if conf.auth_strategy == 'noauth':
        LOG.warning(cmd_api.NOAUTH_WARNING)
    raise_open_files_limit(conf.websocket.max_sockets)
    from swiftq.websocket import server
    LOG.info('swiftq-websocket %s (auth_strategy = %s)', cmd.version(),
             conf.auth_strategy)
    asyncio.run(server.WebsocketServer(conf).run())


if __name__ == '__main__':
    main()
