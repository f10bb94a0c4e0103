"""swiftq's defaults for options that libraries own (oslo.log, CORS).

:func:`set_defaults` is called by :func:`swiftq.conf.register_opts` (so
every swiftq process runs with them) and by oslo-config-generator and the
documentation through the ``oslo.config.opts.defaults`` entry point
``swiftq`` (so the sample configuration shows them). It is idempotent.
"""

from oslo_config import cfg
from oslo_log import _options as log_options
from oslo_middleware import cors

#: oslo.log's ``%(user_identity)s`` with the Client-ID at the end: every
#: log line written while a request is served names the user, the project
#: and the client (:class:`swiftq.log.RequestContext`).
USER_IDENTITY_FORMAT = ('%(user)s %(project)s %(domain)s %(system_scope)s '
                        '%(user_domain)s %(project_domain)s %(client_id)s')

#: What a browser may send and read cross-origin, once ``[cors]
#: allowed_origin`` names the origins: the Zaqar v2 API's headers.
CORS_DEFAULTS = {
    'allow_headers': ['Client-ID', 'X-Project-ID', 'X-Auth-Token',
                      'X-OpenStack-Request-ID', 'Content-Type', 'Accept'],
    'expose_headers': ['X-OpenStack-Request-ID', 'Location',
                       'Content-Location'],
    'allow_methods': ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
}


def set_defaults():
    # oslo_log.log.set_defaults() covers two options only; it sets the
    # others' defaults the same way, on oslo.log's own option objects.
    cfg.set_defaults(log_options.log_opts,
                     logging_user_identity_format=USER_IDENTITY_FORMAT)
    cors.set_defaults(**CORS_DEFAULTS)
