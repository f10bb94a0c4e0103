"""Who is calling: the caller of a request and how it was established.

A request to a non-public resource has exactly one :class:`Caller`,
found by :func:`swiftq.api.hooks.authenticate` in this order:

1. ``auth_strategy = keystone``: the Keystone token that keystonemiddleware
   validated (:func:`token_caller`). The project is the token's; the
   ``X-Project-ID`` a client sends is removed by the middleware before
   the application sees the request, so it can never override the token.
2. A pre-signed URL (``URL-Signature`` and friends, checked by
   :mod:`swiftq.auth.signing` for :mod:`swiftq.api.signed_url`): the
   project is the one that was signed.
   Such requests need no token, in both modes.
3. ``auth_strategy = noauth`` only: the ``X-Project-ID`` header, trusted
   (development only; ``swiftq-api`` says so loudly when it starts).

With Keystone, the API answers a request that is none of these 401, with
keystonemiddleware's ``WWW-Authenticate: Keystone uri="..."``
(:class:`swiftq.api.errors.Unauthorized`): the statuses are the API's,
nothing here knows about HTTP answers.

Modules:

* ``keystone``: keystonemiddleware's ``auth_token`` in front of the API;
* ``signing``: Zaqar's pre-signed URL signature, made and checked.
"""

#: How a caller was identified.
TOKEN = 'token'
SIGNED_URL = 'signed_url'
NOAUTH = 'noauth'


class Caller:
    """The authenticated caller of one request.

    ``project_id`` (None when the credentials carry no project: the hooks
    answer that as Zaqar does, 400 "Project-Id Missing"), ``user_id``,
    ``roles`` (names, lower case), ``method`` (:data:`TOKEN`,
    :data:`SIGNED_URL` or :data:`NOAUTH`).
    """

    __slots__ = ('project_id', 'user_id', 'roles', 'method', 'domain_id')

    def __init__(self, project_id, method, user_id=None, roles=(),
                 domain_id=None):
        self.project_id = project_id
        self.method = method
        self.user_id = user_id
        self.roles = [r.lower() for r in roles]
        self.domain_id = domain_id

    def policy_values(self):
        """The credentials oslo.policy checks rules against (oslo.context's
        ``to_policy_values`` keys, plus Zaqar's ``is_admin``)."""
        return {
            'user_id': self.user_id,
            'project_id': self.project_id,
            'domain_id': self.domain_id,
            'roles': list(self.roles),
            'is_admin': 'admin' in self.roles,
            'system_scope': None,
            'identity_method': self.method,
        }

    def __repr__(self):
        return '<Caller %s project=%s user=%s roles=%s>' % (
            self.method, self.project_id, self.user_id, self.roles)


def token_caller(environ):
    """The caller of a Keystone token that keystonemiddleware confirmed, or
    None.

    Only what the middleware put in the environ counts: its
    ``keystone.token_auth`` object (no client can set a WSGI environ key
    that does not start with ``HTTP_``) and its ``X-Identity-Status``
    (a client's own is removed first). A token that failed any check
    (unknown, expired, revoked, refused service token) is not confirmed.
    """
    token_auth = environ.get('keystone.token_auth')
    if token_auth is None or not token_auth.has_user_token:
        return None
    if environ.get('HTTP_X_IDENTITY_STATUS') != 'Confirmed':
        return None
    if environ.get('HTTP_X_SERVICE_IDENTITY_STATUS',
                   'Confirmed') != 'Confirmed':
        return None
    user = token_auth.user
    return Caller(user.project_id, TOKEN, user_id=user.user_id,
                  roles=user.role_names or (),
                  domain_id=user.project_domain_id)


#: The headers a noauth caller may name its project with (Zaqar reads
#: X-Project-ID; the others are keystonemiddleware's older names).
_PROJECT_HEADERS = ('HTTP_X_PROJECT_ID', 'HTTP_X_TENANT_ID', 'HTTP_X_TENANT')


def header_caller(environ):
    """``auth_strategy = noauth``: the caller is whoever the headers say
    (project ``None`` when there is no project header)."""
    for key in _PROJECT_HEADERS:
        if key in environ:
            return Caller(environ[key], NOAUTH)
    return Caller(None, NOAUTH)
