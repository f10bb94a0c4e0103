"""The WSGI application: :func:`create_app` builds it (Flask factory).

::

    app = create_app(conf)               # storage built on first request
    app = create_app(conf, storage=s)    # any swiftq.storage.base.Storage

The application owns its configuration and storage
(``app.extensions['swiftq']``, a :class:`swiftq.api.context.Service`),
runs the request hooks of :mod:`swiftq.api.hooks` in order, serves one
blueprint per resource and answers every error as Zaqar's JSON
``{"title", "description"}`` (:func:`swiftq.api.errors.handle`).
"""

import flask

from swiftq.api import claims
from swiftq.api import context
from swiftq.api import errors
from swiftq.api import health
from swiftq.api import homedoc
from swiftq.api import hooks
from swiftq.api import messages
from swiftq.api import queues
import swiftq.conf

BLUEPRINTS = (homedoc.blueprint, health.blueprint, queues.blueprint,
              messages.blueprint, claims.blueprint)


def _default_conf():
    swiftq.conf.register_opts(swiftq.conf.CONF)
    return swiftq.conf.CONF


def _swift_storage(conf):
    # Imported on first use: the Swift storage is a separate module that
    # tests with another storage never load.
    from swiftq.storage.swift_storage import SwiftStorage
    return SwiftStorage(conf)


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
    app.extensions[context.EXTENSION] = context.Service(
        conf, storage=storage, storage_factory=_swift_storage)
    hooks.install(app)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.register_error_handler(Exception, errors.handle)
    return app
