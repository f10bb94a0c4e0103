"""swiftq-api: serve the messaging API with gunicorn.

::

    swiftq-api --config-file /etc/swiftq/swiftq.conf

The command line follows oslo.config's conventions (``--config-file``,
``--config-dir``, ``--debug``, ``--log-file``...); every other setting is
read from the configuration files, and gunicorn never sees ``sys.argv``.
gunicorn runs embedded with threaded (``gthread``) workers:

=================  ==========================================
gunicorn setting   taken from
=================  ==========================================
bind               ``[api] bind_host`` and ``[api] bind_port``
workers            ``[api] workers``
worker_class       :class:`JsonErrorWorker` (gthread)
threads            ``[api] threads`` + ``[long_poll] waiters_per_worker``
keepalive          ``[api] keepalive_timeout``
graceful_timeout   :data:`GRACEFUL_TIMEOUT` seconds
control socket     disabled
when_ready         the metrics listener, with ``[metrics] enabled``
child_exit         a dead worker's live gauges dropped, likewise
=================  ==========================================

With ``[metrics] enabled``, the gunicorn master serves the Prometheus
exposition of all its workers on ``[metrics] bind_host:bind_port``, a
listener of its own that the API's port never answers for
(:mod:`swiftq.metrics.exposition`: the multi-process directory is made
before the application is imported).

Requests gunicorn refuses before the application sees them (a request
line over 4094 bytes, a header over 8190 bytes or more than 100 headers,
a malformed request line or header) are answered by
:class:`JsonErrorWorker` in the API's error format, ``{"title",
"description"}`` as ``application/json``, with gunicorn's status codes
(414, 431, 400...; 400 where gunicorn says 501) and RFC 9110's reason
phrases instead of gunicorn's HTML page. So is a request whose
``SCRIPT_NAME`` header (trusted from gunicorn's ``forwarded_allow_ips``)
does not begin its path: 500, as gunicorn answers it, but not with
gunicorn's status line ``500 Bad Request``.

The application is built in each worker, after the fork, so that every
worker owns its storage and its connections to Swift; nothing that holds a
socket is created in the master process.
"""

import json
import sys

from gunicorn.app import base as gunicorn_base
from gunicorn.http import errors as http_errors
from gunicorn import util as gunicorn_util
from gunicorn.workers import gthread
from oslo_log import log

from swiftq import cmd
from swiftq.metrics import exposition
from swiftq import reason_phrases

LOG = log.getLogger(__name__)

#: Seconds a stopping worker gets to finish its requests (SIGTERM), after
#: which it is killed. Short, because a swiftq request that is cut off is
#: safe to retry and Swift has the state.
GRACEFUL_TIMEOUT = 5

#: Seconds a worker may go without notifying the master before it is
#: considered hung and replaced. gthread workers notify from their main
#: loop, so long requests (a claim waiting for a queue lease) do not count.
WORKER_TIMEOUT = 30

NOAUTH_WARNING = (
    '*** auth_strategy = noauth: development only: X-Project-ID is '
    'trusted. Any client can read, write and delete the queues of any '
    'project. Never expose this server. ***')


def _bind_address(host, port):
    if ':' in host:
        return '[%s]:%d' % (host, port)
    return '%s:%d' % (host, port)


def gunicorn_settings(conf):
    """The gunicorn settings for ``conf``, as a dict name -> value."""
    settings = {
        'bind': [_bind_address(conf.api.bind_host, conf.api.bind_port)],
        'workers': conf.api.workers,
        'worker_class': JsonErrorWorker,
        # Long-polling requests wait in threads of their own (at most
        # waiters_per_worker of them), never in the [api] threads.
        'threads': conf.api.threads + conf.long_poll.waiters_per_worker,
        # gunicorn's default (2 s) closes connections that clients still
        # hold and reuse; see the option's help.
        'keepalive': conf.api.keepalive_timeout,
        'graceful_timeout': GRACEFUL_TIMEOUT,
        'timeout': WORKER_TIMEOUT,
        'preload_app': False,
        'proc_name': 'swiftq-api',
        'errorlog': '-',
        'loglevel': 'debug' if conf.debug else 'info',
        # One access line per request comes from swiftq.middleware, with
        # the request id and the caller; gunicorn's own would repeat it.
        'accesslog': None,
        # gunicorn >= 25.1 opens a control socket shared by every gunicorn
        # of the user ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl); two
        # servers on one host would fight over it.
        'control_socket_disable': True,
    }
    if conf.metrics.enabled:
        settings['when_ready'] = _metrics_listener(conf)
        settings['child_exit'] = _forget_worker
    return settings


def _metrics_listener(conf):
    def when_ready(server):
        exposition.serve(conf.metrics.bind_host, conf.metrics.bind_port)
    return when_ready


def _forget_worker(server, worker):
    exposition.mark_worker_dead(worker.pid)


#: gunicorn's refusals of a request it could not parse: exception class ->
#: status. Checked in order; anything else is 400.
_PARSE_ERROR_STATUS = (
    (http_errors.LimitRequestLine, 414),
    (http_errors.LimitRequestHeaders, 431),
    (http_errors.ExpectationFailed, 417),
    (http_errors.ForbiddenProxyRequest, 403),
    # A SCRIPT_NAME the path does not start with: the deployment's fault,
    # 500 as gunicorn says (whose own answer reads "500 Bad Request").
    (http_errors.ConfigurationProblem, 500),
    # An unknown transfer coding: RFC 9112 6.1 says a server SHOULD answer
    # 501 (gunicorn does); it is the client's input, and no input is
    # answered with a 5xx here, so 400.
)

#: Errors in the application's answer, not in the request: gunicorn
#: answers them (500 Internal Server Error).
_APPLICATION_FAULTS = (http_errors.InvalidResponseHeader,
                       http_errors.InvalidResponseHeaderName)


def parse_error_answer(exc):
    """``(status, reason, body bytes)`` of the JSON answer to a request
    gunicorn refused with ``exc``; None if ``exc`` is not about the
    request."""
    if not isinstance(exc, http_errors.ParseException) or \
            isinstance(exc, _APPLICATION_FAULTS):
        return None
    status = 400
    for exc_class, exc_status in _PARSE_ERROR_STATUS:
        if isinstance(exc, exc_class):
            status = exc_status
            break
    reason = reason_phrases.PHRASES[status]
    # Titles as falcon's (and so Zaqar's) for these statuses.
    body = json.dumps({'title': '%d %s' % (status, reason),
                       'description': str(exc)}).encode('utf-8')
    return status, reason, body


class JsonErrorWorker(gthread.ThreadWorker):
    """gunicorn's threaded worker, answering the requests it cannot parse
    in the API's JSON error format (see the module's documentation)."""

    def handle_error(self, req, client, addr, exc):
        answer = parse_error_answer(exc)
        if answer is None:
            return super().handle_error(req, client, addr, exc)
        status, reason, body = answer
        self.log.warning('Invalid request from ip=%s: %s',
                         (addr or ('',))[0], exc)
        head = ('HTTP/1.1 %d %s\r\nConnection: close\r\n'
                'Content-Type: application/json\r\n'
                'Content-Length: %d\r\n\r\n' % (status, reason, len(body)))
        try:
            gunicorn_util.write_nonblock(client, head.encode('latin-1') + body)
        except Exception:
            self.log.debug('Failed to send error message.')


class APIServer(gunicorn_base.BaseApplication):
    """gunicorn, configured from oslo.config instead of its command line."""

    def __init__(self, conf):
        self.conf = conf
        super().__init__(prog='swiftq-api')

    def init(self, parser, opts, args):
        """Unused: BaseApplication never parses a command line."""

    def load_config(self):
        known = self.cfg.settings
        for name, value in gunicorn_settings(self.conf).items():
            if name in known:
                self.cfg.set(name, value)

    def load(self):
        # Runs in each worker after the fork (preload_app is off): the
        # application's storage and its Swift connection pool belong to
        # this worker alone.
        from swiftq import app
        return app.create_app(self.conf)


def parse_args(argv, conf=None):
    """Register every option on ``conf`` and parse ``argv`` into it."""
    return cmd.parse_service_args(argv, 'swiftq-api', conf)


def main(argv=None):
    conf = parse_args(sys.argv[1:] if argv is None else argv)
    log.setup(conf, 'swiftq')

    if conf.auth_strategy == 'noauth':
        LOG.warning(NOAUTH_WARNING)

    if conf.metrics.enabled:
        # Before the application (and so prometheus_client) is imported.
        exposition.prepare_multiprocess_dir()

    # Import the application in the master so that a broken install fails
    # here, once, instead of in every worker. Importing opens nothing.
    import swiftq.app  # noqa: F401

    LOG.info('swiftq-api %s: %d worker(s) x %d thread(s) on %s '
             '(auth_strategy = %s)', cmd.version(), conf.api.workers,
             conf.api.threads,
             _bind_address(conf.api.bind_host, conf.api.bind_port),
             conf.auth_strategy)
    APIServer(conf).run()


if __name__ == '__main__':
    main()
