"""The HTTP API, called in process: one websocket action becomes one WSGI
call of the same application ``swiftq-api`` serves (blocking; the server
runs it in a thread).

:class:`Bridge` builds the WSGI environ of a v2 request (method, path,
query string, JSON body, the caller's headers) and returns the answer as
an :class:`swiftq.websocket.actions.Answer`. Everything between the
environ and the answer is the API's own pipeline: request ids, access log,
keystonemiddleware, the request hooks, validation, policy, storage.

:meth:`Bridge.authenticate` checks a Keystone token for the
``authenticate`` action with the same keystonemiddleware ``auth_token``
configuration as the API (:func:`swiftq.auth.keystone.install`) in front
of a probe that reads the caller as the API does
(:func:`swiftq.auth.token_caller`).
"""

import io
import json
import sys

from swiftq import auth
from swiftq.api import subscriptions as api_subscriptions
from swiftq.auth import keystone as auth_keystone
from swiftq.websocket import actions

#: Frame headers passed to the API as HTTP headers. X-Auth-Token is the
#: socket's (from ``authenticate``), never a frame's.
FORWARDED = ('Client-ID', 'X-Project-ID', 'User-Agent', 'URL-Signature',
             'URL-Expires', 'URL-Methods', 'URL-Paths')


#: Environ key of the dict the token probe writes its finding in (a dict
#: the middleware passes along even if it copies the environ).
_RESULT = 'swiftq.websocket.result'


def _environ_key(header):
    return 'HTTP_' + header.upper().replace('-', '_')


def _header_value(value):
    if isinstance(value, list):            # Zaqar's URL-Methods, URL-Paths
        return ','.join(str(v) for v in value)
    return str(value)


def _wsgi_str(text):
    """PEP 3333: environ strings are bytes decoded as latin-1."""
    return text.encode('utf-8').decode('latin-1')


class Authenticated:
    """What ``authenticate`` learnt: the token's caller (a
    :class:`swiftq.auth.Caller`) and when the token expires (ISO 8601, or
    None)."""

    __slots__ = ('caller', 'expires_at')

    def __init__(self, caller, expires_at):
        self.caller = caller
        self.expires_at = expires_at


class Bridge:
    """``app``: the API's WSGI callable; ``conf``: its configuration."""

    def __init__(self, app, conf):
        self.app = app
        self.conf = conf
        self._probe = None
        if conf.auth_strategy == 'keystone':
            self._probe = auth_keystone.install(self._token_probe, conf)

    def _environ(self, method, path, query, document, headers, token,
                 peer=''):
        body = document or b''
        environ = {
            'REQUEST_METHOD': method,
            'SCRIPT_NAME': '',
            'PATH_INFO': _wsgi_str(path),
            'QUERY_STRING': query,
            'SERVER_NAME': 'swiftq-websocket',
            'SERVER_PORT': str(self.conf.websocket.bind_port),
            'SERVER_PROTOCOL': 'HTTP/1.1',
            'REMOTE_ADDR': peer,
            'wsgi.version': (1, 0),
            'wsgi.url_scheme': 'http',
            'wsgi.input': io.BytesIO(body),
            'wsgi.errors': sys.stderr,
            'wsgi.multithread': True,
            'wsgi.multiprocess': False,
            'wsgi.run_once': False,
        }
        if document is not None:
            environ['CONTENT_TYPE'] = 'application/json'
            environ['CONTENT_LENGTH'] = str(len(body))
        if method == 'PATCH':
            environ['CONTENT_TYPE'] = 'application/json'
        for name in FORWARDED:
            if name in headers:
                environ[_environ_key(name)] = _wsgi_str(
                    _header_value(headers[name]))
        if token:
            environ['HTTP_X_AUTH_TOKEN'] = _wsgi_str(token)
        return environ

    def call(self, method, path, query, document, headers, token=None,
             peer='', socket=None):
        """The API's :class:`~swiftq.websocket.actions.Answer` to one
        request (``token``: the socket's Keystone token; ``peer``: the
        client's address, for the access log; ``socket``: the
        :class:`swiftq.websocket.push.SocketSubscriber` of a
        ``subscription_create``)."""
        environ = self._environ(method, path, query, document, headers,
                                token, peer)
        if socket is not None:
            environ[api_subscriptions.SOCKET] = socket
        started = {}

        def start_response(status, response_headers, exc_info=None):
            started['status'] = int(status.split(' ', 1)[0])
            started['headers'] = {k.lower(): v for k, v in response_headers}
            return lambda data: None

        chunks = self.app(environ, start_response)
        try:
            data = b''.join(chunks)
        finally:
            if hasattr(chunks, 'close'):
                chunks.close()
        try:
            document = json.loads(data) if data else None
        except ValueError:
            document = None
        return actions.Answer(started['status'], started['headers'],
                              document)

    # -- authenticate ---------------------------------------------------------
    @staticmethod
    def _token_probe(environ, start_response):
        caller = auth.token_caller(environ)
        if caller is None or not caller.project_id:
            start_response('401 Unauthorized', [])
            return [b'']
        token = (environ.get('keystone.token_info') or {}).get('token', {})
        environ[_RESULT]['authenticated'] = Authenticated(
            caller, token.get('expires_at'))
        start_response('200 OK', [])
        return [b'']

    def authenticate(self, token):
        """An :class:`Authenticated` for a valid Keystone ``token``, None
        for any other (or with ``auth_strategy = noauth``)."""
        if self._probe is None or not token:
            return None
        environ = self._environ('GET', '/v2/authenticate', '', None, {},
                                token)
        result = environ[_RESULT] = {}
        self._probe(environ, lambda status, headers, exc_info=None: None)
        return result.get('authenticated')
