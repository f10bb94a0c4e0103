"""What a request handler needs to know: the service (configuration,
validator, storage) and the caller (project, Client-ID).

The service lives on ``app.extensions['swiftq']`` (see
:func:`swiftq.app.create_app`); the caller is set on ``flask.g`` by the
hooks before any resource runs.
"""

import threading

import flask

from swiftq.api import validation
from swiftq.auth import trusts

EXTENSION = 'swiftq'


class Service:
    """Per-application state: conf, validator, storage and trustee.

    ``storage`` is built on first use by ``storage_factory(conf)`` so that
    an application can be created (and forked) before Swift is reachable.
    ``authorize(rule)``, if set, is called before each resource with
    Zaqar's policy rule name (e.g. ``"queues:get"``); it raises
    :class:`swiftq.api.errors.Forbidden` to refuse.
    """

    def __init__(self, conf, storage=None, storage_factory=None):
        self.conf = conf
        self.validator = validation.Validator(conf)
        self.authorize = None
        self._storage = storage
        self._storage_factory = storage_factory
        self._trustee = None
        self._lock = threading.Lock()

    @property
    def trustee(self):
        """swiftq's trustee in Keystone (``[trustee]``), for trust
        subscriptions; built on first use."""
        if self._trustee is None:
            with self._lock:
                if self._trustee is None:
                    self._trustee = trusts.Trustee(self.conf)
        return self._trustee

    @property
    def storage(self):
        if self._storage is None:
            with self._lock:
                if self._storage is None:
                    self._storage = self._storage_factory(self.conf)
        return self._storage


def service():
    return flask.current_app.extensions[EXTENSION]


def conf():
    return service().conf


def validator():
    return service().validator


def storage():
    return service().storage


def project_id():
    return flask.g.project_id


def client_id():
    return flask.g.client_id
