"""The API's request metrics: a count and a latency per request, by
method, route template and status (:mod:`swiftq.metrics.instruments`).

Two parts, on with ``[metrics] enabled`` only:

* :func:`layer`, the outermost WSGI middleware (:func:`swiftq.app.
  build_pipeline`): it times every request, to its status, whoever
  answers it (Flask, ``/healthcheck``, the SQS endpoint, Keystone's 401);
* :func:`record_route`, the application's first ``before_request``:
  it tells the middleware the URL rule Flask matched
  (``/v2/queues/<queue_name>/messages``), never the path, so no queue
  name reaches a label.

A request no route matched (404, 405, refused before Flask) is labelled
``unmatched``; ``/healthcheck`` and ``/sqs`` by their own paths.
"""

import time

import flask

from swiftq.metrics import instruments

#: The environ key of the dict the route is written into (a dict that
#: outlives any copy of the environ a middleware might make).
ENVIRON_KEY = 'swiftq.metrics'
#: Methods labelled as themselves; anything else is ``other``.
METHODS = frozenset(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE',
                     'OPTIONS'])
#: Paths answered by middleware, not Flask: their own label.
MOUNTS = ('/healthcheck', '/sqs')
UNMATCHED = 'unmatched'


def layer(wsgi_app, conf):
    """The measuring middleware, or ``wsgi_app`` itself when metrics are
    off."""
    if not conf.metrics.enabled:
        return wsgi_app
    return _Measured(wsgi_app)


def install(app, conf):
    """Record the matched route of every request (metrics on only)."""
    if conf.metrics.enabled:
        app.before_request(record_route)


def record_route():
    slot = flask.request.environ.get(ENVIRON_KEY)
    rule = flask.request.url_rule
    if slot is not None and rule is not None:
        slot['route'] = rule.rule


def route_label(environ, slot):
    if 'route' in slot:
        return slot['route']
    path = environ.get('PATH_INFO', '')
    for mount in MOUNTS:
        if path == mount or path.startswith(mount + '/'):
            return mount
    return UNMATCHED


def method_label(environ):
    method = environ.get('REQUEST_METHOD', '')
    return method if method in METHODS else 'other'


class _Measured:

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        started = time.monotonic()
        slot = environ[ENVIRON_KEY] = {}
        counted = []

        def count(status):
            if not counted:
                counted.append(status)
                instruments.http_request(
                    method_label(environ), route_label(environ, slot),
                    status, time.monotonic() - started)

        def measured_start_response(status, headers, exc_info=None):
            count(int(status.split(' ', 1)[0]))
            return start_response(status, headers, exc_info)

        try:
            return self.application(environ, measured_start_response)
        except Exception:
            count(500)      # the server answers it
            raise
