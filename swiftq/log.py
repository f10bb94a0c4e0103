"""Who a log line is about: the request context of oslo.log.

While a request is served, the thread that serves it holds a
:class:`RequestContext` (oslo.context keeps it thread-local), and oslo.log
writes every line of that thread in its context format::

    ... INFO swiftq.access [None req-6f0c... - 7d2c... - - - - 3b1e...]
        127.0.0.1 "POST /v2/queues/q1/claims" status: 201 len: 412 ...

(one line in the log). The bracket is ``[global_request_id request_id
user project domain system_scope user_domain project_domain client_id]``
(``[DEFAULT] logging_user_identity_format``, see
:mod:`swiftq.conf.lib_defaults`), ``-`` for what is not known. The
middleware of :mod:`swiftq.middleware` creates the contexts; the access
log line is written by :class:`swiftq.middleware.AccessLog`.

A context never holds the caller's token.
"""

from oslo_context import context


class RequestContext(context.RequestContext):
    """oslo.context's request context plus the Zaqar ``Client-ID``."""

    def __init__(self, client_id=None, **kwargs):
        super().__init__(**kwargs)
        self.client_id = client_id

    def to_dict(self):
        values = super().to_dict()
        values['client_id'] = self.client_id
        return values

    @classmethod
    def from_environ(cls, environ, **kwargs):
        """The context of a WSGI request: identity from the headers that
        keystonemiddleware (or, with ``auth_strategy = noauth``, the
        client) set, request ids from oslo.middleware's ``request_id``.
        Tokens are left out."""
        kwargs.setdefault('auth_token', None)
        kwargs.setdefault('service_token', None)
        kwargs.setdefault('client_id', client_id_of(environ))
        return super().from_environ(environ, **kwargs)


#: Longest Client-ID written to logs; longer values are cut (the API
#: refuses them anyway, see [transport] max_length_client_id).
MAX_LOGGED_CLIENT_ID = 64


def client_id_of(environ):
    """The request's ``Client-ID`` header as it may appear in a log line
    (at most :data:`MAX_LOGGED_CLIENT_ID` printable characters), or None."""
    value = environ.get('HTTP_CLIENT_ID')
    if not value:
        return None
    value = value[:MAX_LOGGED_CLIENT_ID]
    return ''.join(c if c.isprintable() and not c.isspace() else '?'
                   for c in value)
