"""keystonemiddleware's ``auth_token`` in front of the application
(``auth_strategy = keystone``).

``auth_token`` is configured from ``[keystone_authtoken]`` of swiftq's own
configuration: it is given swiftq's ConfigOpts (``oslo_config_config``),
so it reads the files ``swiftq-api --config-file`` read, and nothing in
``/etc/keystone`` or a paste file. It validates ``X-Auth-Token`` (caching
validated tokens in process, or in memcached with ``memcached_servers``)
and always runs with ``delay_auth_decision = true``, whatever the file
says: requests without a valid token reach swiftq, which lets through only
the public resources (``/``, ``/v2``, ``/v2/ping``) and verified
pre-signed URLs and answers everything else 401 (:mod:`swiftq.auth`); the
middleware adds ``WWW-Authenticate: Keystone uri="<www_authenticate_uri>"``
to every 401.

The middleware removes every identity header a client sends
(``X-Project-Id``, ``X-Roles``, ``X-Identity-Status``...) before it sets
its own. A pre-signed URL signs the project the client names in
``X-Project-ID``, so that one header is kept aside first (only when the
request carries ``URL-Signature``), in the environ key
:data:`SIGNED_PROJECT`.
"""

#: WSGI environ key holding the X-Project-ID a client sent along with a
#: URL-Signature, before auth_token removed the header.
SIGNED_PROJECT = 'swiftq.signed_url.project'


class KeepSignedProject:
    """Keep a pre-signed URL's X-Project-ID where auth_token cannot strip
    it."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        if 'HTTP_URL_SIGNATURE' in environ:
            environ[SIGNED_PROJECT] = environ.get('HTTP_X_PROJECT_ID')
        else:
            environ.pop(SIGNED_PROJECT, None)
        return self.app(environ, start_response)


def install(app, conf):
    """``app`` (a WSGI callable) behind auth_token configured from
    ``conf``'s ``[keystone_authtoken]``."""
    from keystonemiddleware import auth_token  # only with keystone

    protected = auth_token.AuthProtocol(app, {
        'oslo_config_config': conf,
        'delay_auth_decision': True,
    })
    return KeepSignedProject(protected)


def layer(app, conf):
    """The authentication layer of :func:`swiftq.app.build_pipeline`:
    :func:`install` with ``auth_strategy = keystone``, nothing with
    ``noauth``."""
    if conf.auth_strategy == 'keystone':
        return install(app, conf)
    return app
