"""Fixtures for the HTTP layer's unit tests (import them into a test
module): a Flask test client over :class:`MemoryStorage`.

``overrides`` (a fixture a module may redefine) maps ``(group, name)`` to
a configuration value.
"""

import uuid

import pytest

from swiftq import app as app_module
import swiftq.conf
from tests.unit.api import memory_storage

PROJECT = 'p-unit'


class ApiClient:
    """Flask's test client with default Client-ID and X-Project-ID headers;
    ``headers={'Client-ID': None}`` drops a default header."""

    def __init__(self, flask_client, project=PROJECT, client_id=None):
        self.flask_client = flask_client
        self.project = project
        self.client_id = client_id or str(uuid.uuid4())

    def _headers(self, headers):
        merged = {'Client-ID': self.client_id, 'X-Project-ID': self.project}
        merged.update(headers or {})
        return {k: v for k, v in merged.items() if v is not None}

    def request(self, method, path, headers=None, **kwargs):
        return self.flask_client.open(path, method=method,
                                      headers=self._headers(headers),
                                      **kwargs)

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def head(self, path, **kwargs):
        return self.request('HEAD', path, **kwargs)

    def post(self, path, **kwargs):
        return self.request('POST', path, **kwargs)

    def put(self, path, **kwargs):
        return self.request('PUT', path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request('PATCH', path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)

    def other(self, project=None, client_id=None):
        """Another client of the same application."""
        return ApiClient(self.flask_client, project or self.project,
                         client_id)


@pytest.fixture
def overrides():
    return {}


@pytest.fixture
def conf(overrides):
    # The application is called directly, without keystonemiddleware in
    # front: noauth (auth_strategy = keystone is tested in tests/keystone).
    return swiftq.conf.new_conf(
        overrides={(None, 'auth_strategy'): 'noauth', **overrides})


@pytest.fixture
def storage():
    return memory_storage.MemoryStorage()


@pytest.fixture
def app(conf, storage):
    flask_app = app_module.create_app(conf, storage)
    flask_app.testing = False     # errors go through the error handler
    return flask_app


@pytest.fixture
def client(app):
    return ApiClient(app.test_client())


def assert_error(resp, status, title, description=None):
    """The response is Zaqar's JSON error with this status and title (and
    description, when given)."""
    assert resp.status_code == status, resp.get_data(as_text=True)
    assert resp.mimetype == 'application/json'
    doc = resp.get_json()
    assert doc['title'] == title, doc
    if description is not None:
        assert doc['description'] == description, doc
    return doc


def post_messages(client, queue, *bodies, ttl=None, headers=None):
    """POST one message per body; returns the response."""
    messages = []
    for body in bodies:
        message = {'body': body}
        if ttl is not None:
            message['ttl'] = ttl
        messages.append(message)
    return client.post('/v2/queues/%s/messages' % queue,
                       json={'messages': messages}, headers=headers)


def message_ids(resp):
    return resp.headers['Location'].rsplit('=', 1)[-1].split(',')
