"""The WSGI application: :func:`create_app` builds it (Flask factory).

::

    app = create_app(conf)               # storage built on first request
    app = create_app(conf, storage=s)    # any swiftq.storage.base.Storage

The application owns its configuration and storage
(``app.extensions['swiftq']``, a :class:`swiftq.api.context.Service`),
runs the request hooks of :mod:`swiftq.api.hooks` in order, serves one
blueprint per resource (those that topics share with queues a second
time, under ``/v2/topics``) and answers every error as Zaqar's JSON
``{"title", "description"}`` (:func:`swiftq.api.errors.handle`).

The WSGI middleware around it (request ids, access log, CORS,
``/healthcheck``, authentication) is stacked by :func:`build_pipeline`,
the one place where middleware is added; ``app.wsgi_app`` is the result,
so ``app`` stays the Flask object.
"""

import functools

import flask

from swiftq import middleware
from swiftq.auth import keystone as auth_keystone
from swiftq.api import claims
from swiftq.api import context
from swiftq.api import errors
from swiftq.api import health
from swiftq.api import homedoc
from swiftq.api import hooks
from swiftq.api import http_metrics
from swiftq.api import kinds
from swiftq.api import messages
from swiftq.api import openapi
from swiftq.api import queues
from swiftq.api import sqs
from swiftq.api import subscriptions
import swiftq.conf

BLUEPRINTS = (homedoc.blueprint, health.blueprint, queues.blueprint,
              queues.item_blueprint, queues.share_blueprint,
              messages.blueprint, claims.blueprint, subscriptions.blueprint,
              openapi.blueprint)

#: Zaqar's topics: the queue views without claims and sharing, under
#: ``/v2/topics`` (:mod:`swiftq.api.kinds`).
_TOPIC = '/v2/topics/<%s>' % kinds.TOPIC_VARIABLE
TOPIC_BLUEPRINTS = (
    (queues.blueprint, '/v2/topics'),
    (queues.item_blueprint, _TOPIC),
    (messages.blueprint, _TOPIC + '/messages'),
    (subscriptions.blueprint, _TOPIC + '/subscriptions'),
)


def _default_conf():
    swiftq.conf.register_opts(swiftq.conf.CONF)
    return swiftq.conf.CONF


def _swift_storage(conf):
    # Imported on first use: the Swift storage is a separate module that
    # tests with another storage never load.
    from swiftq.storage.swift_storage import SwiftStorage
    return SwiftStorage(conf)


def build_pipeline(wsgi_app, conf, service=None):
    """The WSGI middleware around the Flask application ``wsgi_app``
    (whose :class:`swiftq.api.context.Service` is ``service``).

    Listed outermost first (each layer wraps all that follow it; see
    :mod:`swiftq.middleware`):

    0. RFC 9110 reason phrases in every status line;
    1. request id (``x-openstack-request-id``);
    2. log context and access log;
    3. CORS (``[cors]``);
    4. ``/healthcheck`` (``[healthcheck]``), answered before auth;
    5. the SQS endpoint at ``/sqs`` (:mod:`swiftq.api.sqs`: its own
       authentication, AWS Signature Version 4), when enabled;
    6. authentication (``auth_strategy = keystone``);
    7. the caller's identity into the log context.

    With ``[metrics] enabled``, the request metrics
    (:mod:`swiftq.api.http_metrics`) wrap them all: they time whatever
    answers.
    """
    layers = [
        http_metrics.layer,
        middleware.rfc_reason_phrases,
        middleware.request_id,
        middleware.access_log,
        middleware.cors,
        middleware.healthcheck,
        functools.partial(sqs.mount, service=service),
        auth_keystone.layer,
        middleware.caller_context,
    ]
    for layer in reversed(layers):
        wsgi_app = layer(wsgi_app, conf)
    return wsgi_app


def create_app(conf=None, storage=None):
    """A Flask application serving the API.

    ``conf``: a ConfigOpts with swiftq's options registered (default
    ``swiftq.conf.CONF``). ``storage``: an implementation of
    :class:`swiftq.storage.base.Storage`; by default a ``SwiftStorage``
    built from ``conf`` on first use.
    """
    conf = conf if conf is not None else _default_conf()
    app = flask.Flask(__name__)
    app.config['MAX_CONTENT_LENGTH'] = conf.api.max_request_body_size
    service = context.Service(conf, storage=storage,
                              storage_factory=_swift_storage)
    app.extensions[context.EXTENSION] = service
    http_metrics.install(app, conf)     # first: before any hook refuses
    hooks.install(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    kinds.register(app, TOPIC_BLUEPRINTS)
    app.register_error_handler(Exception, errors.handle)
    app.wsgi_app = build_pipeline(app.wsgi_app, conf, service)
    return app
