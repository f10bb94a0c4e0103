"""The WSGI middleware around the API, as :func:`swiftq.app.build_pipeline`
stacks it, from the outside in:

0. :class:`ReasonPhrases`: every status line gets RFC 9110's reason
   phrase (``201 Created``, not Werkzeug's ``201 CREATED``; see
   :mod:`swiftq.reason_phrases`), whichever layer answered.
1. :class:`RequestId`: a request id per request, in the WSGI environment
   (``openstack.request_id``) and in the response header
   ``x-openstack-request-id``; a well-formed ``X-OpenStack-Request-ID``
   sent by the client becomes the *global* request id
   (``openstack.global_request_id``), so one id follows a call across
   services. This is oslo.middleware's ``request_id`` contract (its names,
   its id format), implemented on plain WSGI: oslo.middleware's classes
   answer through WebOb, which rewrites a relative ``Location`` header
   into an absolute URL built from the request's Host, and the API's
   ``Location`` headers are relative, as Zaqar's resources make them.
2. :class:`AccessLog`: starts the request's log context (request ids and
   Client-ID, see :mod:`swiftq.log`) and writes one line per request to
   the logger ``swiftq.access`` once the response is sent::

       127.0.0.1 "GET /v2/queues/q1/messages" status: 200 len: 912 time: 0.0123

   Method, path (percent-encoded as on the wire, *without* the query
   string), status, response bytes and seconds; never a header, a body
   or a token.
3. :func:`cors` (oslo.middleware, options ``[cors]``): cross-origin
   requests from the origins listed in ``[cors] allowed_origin``; with
   none listed (the default) it does nothing. Only requests that carry
   an ``Origin`` header go through it (see 1. for why).
4. :func:`healthcheck` (oslo.middleware, options ``[healthcheck]``):
   ``GET|HEAD /healthcheck`` for load balancers, answered before
   authentication. It says whether this process serves; with the
   ``disable_by_file`` backend an operator drains a node by creating a
   file. It does not look at Swift: ``GET /v2/ping`` does.
5. authentication (``auth_strategy = keystone``: keystonemiddleware).
6. :class:`CallerContext`: the caller's user and project, as
   authentication left them (or as the client sent them with ``noauth``),
   join the log context.
"""

import logging
import re
import time
import urllib.parse

from oslo_context import context as oslo_context
from oslo_middleware import cors as cors_middleware
from oslo_middleware import healthcheck as healthcheck_middleware
from oslo_middleware import request_id as request_id_middleware

from swiftq import log as swiftq_log
from swiftq import reason_phrases

ACCESS_LOG = logging.getLogger('swiftq.access')

#: Where :func:`healthcheck` answers.
HEALTHCHECK_PATH = '/healthcheck'

#: Characters of a path logged as they are; others are percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_MAX_LOGGED_PATH = 1024


def rfc_reason_phrases(application, conf):
    return ReasonPhrases(application)


def request_id(application, conf):
    return RequestId(application)


def cors(application, conf):
    return _WhenHeader(application, 'HTTP_ORIGIN',
                       cors_middleware.CORS(application, conf))


def healthcheck(application, conf):
    return _Mount(application, HEALTHCHECK_PATH,
                  healthcheck_middleware.Healthcheck(application, conf))


def access_log(application, conf):
    return AccessLog(application)


def caller_context(application, conf):
    return CallerContext(application)


class ReasonPhrases:
    """Rewrite the status line of every answer with RFC 9110's reason
    phrase."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        def rfc_start_response(status, headers, exc_info=None):
            return start_response(reason_phrases.rfc_status(status),
                                  headers, exc_info)

        return self.application(environ, rfc_start_response)


class RequestId:
    """oslo.middleware's ``request_id`` on plain WSGI (see above)."""

    ENV_REQUEST_ID = request_id_middleware.ENV_REQUEST_ID
    ENV_GLOBAL_REQUEST_ID = request_id_middleware.GLOBAL_REQ_ID
    RESPONSE_HEADER = request_id_middleware.HTTP_RESP_HEADER_REQUEST_ID
    _GLOBAL_ID = re.compile(request_id_middleware.ID_FORMAT)

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        inbound = environ.get('HTTP_X_OPENSTACK_REQUEST_ID', '')
        if self._GLOBAL_ID.match(inbound):
            environ[self.ENV_GLOBAL_REQUEST_ID] = inbound
        req_id = oslo_context.generate_request_id()
        environ[self.ENV_REQUEST_ID] = req_id

        def add_header(status, headers, exc_info=None):
            if not any(name.lower() == self.RESPONSE_HEADER
                       for name, _ in headers):
                headers = list(headers) + [(self.RESPONSE_HEADER, req_id)]
            return start_response(status, headers, exc_info)

        return self.application(environ, add_header)


class _WhenHeader:
    """``wrapped`` serves the requests that carry the header ``key`` (a
    WSGI environ key); ``application`` the others."""

    def __init__(self, application, key, wrapped):
        self.application = application
        self.key = key
        self.wrapped = wrapped

    def __call__(self, environ, start_response):
        if self.key in environ:
            return self.wrapped(environ, start_response)
        return self.application(environ, start_response)


class _Mount:
    """``mounted`` answers requests for exactly ``path``; ``application``
    everything else. (oslo.middleware's healthcheck is an application
    that answers any path it is given.)"""

    def __init__(self, application, path, mounted):
        self.application = application
        self.path = path
        self.mounted = mounted

    def __call__(self, environ, start_response):
        if environ.get('PATH_INFO') == self.path:
            return self.mounted(environ, start_response)
        return self.application(environ, start_response)


def logged_path(environ):
    """The request's path for a log line: SCRIPT_NAME + PATH_INFO,
    percent-encoded like on the wire, without the query string."""
    path = environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', '')
    raw = path.encode('latin-1', 'replace')[:_MAX_LOGGED_PATH]
    return urllib.parse.quote(raw, safe=_PATH_SAFE)


class AccessLog:
    """Log context for the request and one access line when it is done."""

    def __init__(self, application, logger=ACCESS_LOG):
        self.application = application
        self.logger = logger

    def __call__(self, environ, start_response):
        started = time.monotonic()
        # Identity is not known yet (authentication comes later in the
        # pipeline): only the ids and the Client-ID. CallerContext adds
        # the rest once it is trustworthy.
        swiftq_log.RequestContext(
            request_id=environ.get(RequestId.ENV_REQUEST_ID),
            global_request_id=environ.get(RequestId.ENV_GLOBAL_REQUEST_ID),
            client_id=swiftq_log.client_id_of(environ))
        status = []

        def recording_start_response(status_line, headers, exc_info=None):
            status[:] = [status_line.split(' ', 1)[0]]
            return start_response(status_line, headers, exc_info)

        def log(length):
            self.logger.info(
                '%(client_ip)s "%(method)s %(path)s" status: %(status)s '
                'len: %(len)d time: %(time).4f',
                {'client_ip': environ.get('REMOTE_ADDR', '-'),
                 'method': environ.get('REQUEST_METHOD', '-'),
                 'path': logged_path(environ),
                 'status': status[0] if status else '500',
                 'len': length,
                 'time': time.monotonic() - started})

        try:
            body = self.application(environ, recording_start_response)
        except Exception:
            log(0)
            raise
        return _LoggedBody(body, log)


class _LoggedBody:
    """A WSGI response body that counts its bytes and calls
    ``on_close(length)`` once, when the server closes it."""

    def __init__(self, body, on_close):
        self._body = body
        self._on_close = on_close
        self._length = 0

    def __iter__(self):
        for chunk in self._body:
            self._length += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self._body, 'close', None)
            if close is not None:
                close()
        finally:
            on_close, self._on_close = self._on_close, None
            if on_close is not None:
                on_close(self._length)


class CallerContext:
    """Replace the request's log context by one with the caller's
    identity, as the WSGI environment holds it after authentication."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        swiftq_log.RequestContext.from_environ(environ)
        return self.application(environ, start_response)
