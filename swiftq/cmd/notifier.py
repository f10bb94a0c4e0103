"""swiftq-notifier: deliver queue messages to their subscriptions.

::

    swiftq-notifier --config-file /etc/swiftq/swiftq.conf

Reads the same configuration as swiftq-api ([swift] to reach Swift,
[notification] for itself, [signed_url] to sign confirmation requests)
and runs until SIGTERM or SIGINT, after which it waits up to
``[notification] delivery_timeout`` for the deliveries in flight and
records them. With ``[metrics] enabled`` it serves its Prometheus
metrics on ``[metrics] bind_host:notifier_bind_port``. Run one per shard
(``[notification] processes`` / ``process``); it holds no state that
Swift does not have, so it can be killed and restarted at any time
(deliveries in flight are repeated).
"""

import signal
import sys
import threading

from oslo_log import log

from swiftq import cmd
from swiftq.metrics import exposition
from swiftq.notification import notifier as notifier_mod

LOG = log.getLogger(__name__)


def parse_args(argv, conf=None):
    return cmd.parse_service_args(argv, 'swiftq-notifier', conf)


def main(argv=None):
    conf = parse_args(sys.argv[1:] if argv is None else argv)
    log.setup(conf, 'swiftq')
    try:
        notifier = notifier_mod.Notifier(conf)
    except ValueError as exc:
        LOG.error('%s', exc)
        return 2
    if conf.notification.require_confirmation and \
            not conf.signed_url.secret_key:
        LOG.error('[notification] require_confirmation is on but '
                  '[signed_url] secret_key is not set: no confirmation '
                  'request can be signed')
    stop = threading.Event()

    def _stop(signum, frame):
        LOG.info('signal %d: stopping after this pass', signum)
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if conf.metrics.enabled:
        exposition.serve(conf.metrics.bind_host,
                         conf.metrics.notifier_bind_port)
    LOG.info('swiftq-notifier %s', cmd.version())
    notifier.run(stop)
    return 0


if __name__ == '__main__':
    sys.exit(main())
