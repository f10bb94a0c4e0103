"""swiftq-websocket: serve the API over Zaqar's websocket protocol.

::

    swiftq-websocket --config-file /etc/swiftq/swiftq.conf

One process (asyncio) serves every socket on ``[websocket] bind_host`` and
``bind_port`` (9000); the requests run in ``[websocket] threads`` threads.
The command line follows oslo.config's conventions, as ``swiftq-api``'s.
See :mod:`swiftq.websocket` and doc/source/websocket.rst.
"""

import asyncio
import sys

from oslo_log import log

from swiftq import cmd
from swiftq.cmd import api as cmd_api

LOG = log.getLogger(__name__)


def main(argv=None):
    conf = cmd.parse_service_args(sys.argv[1:] if argv is None else argv,
                                  'swiftq-websocket')
    log.setup(conf, 'swiftq')
    if conf.auth_strategy == 'noauth':
        LOG.warning(cmd_api.NOAUTH_WARNING)
    from swiftq.websocket import server
    LOG.info('swiftq-websocket %s (auth_strategy = %s)', cmd.version(),
             conf.auth_strategy)
    asyncio.run(server.WebsocketServer(conf).run())


if __name__ == '__main__':
    main()
