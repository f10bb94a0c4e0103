"""The application factory, the error handler and the WSGI entry point."""

import importlib
import sys
import types

import pytest

from swiftq import app as app_module
from swiftq.api import context
from swiftq.api import errors
from swiftq.storage import errors as storage_errors
import swiftq.conf
from tests.unit.api import memory_storage
from tests.unit.api.base import ApiClient
from tests.unit.api.base import app, assert_error, client, conf  # noqa: F401
from tests.unit.api.base import overrides, storage  # noqa: F401


def test_service_on_extensions(app, conf, storage):
    service = app.extensions['swiftq']
    assert service.conf is conf
    assert service.storage is storage


def test_one_blueprint_per_resource(app):
    """Topics reuse the queue, message and subscription blueprints (a
    queue's own resources: ``queue``; its pre-signed URLs: queues only)."""
    assert set(app.blueprints) == {
        'homedoc', 'health', 'openapi', 'queues', 'queue', 'queue_share',
        'messages', 'claims', 'subscriptions', 'topic_queues',
        'topic_queue', 'topic_messages', 'topic_subscriptions'}


def test_max_content_length_from_conf(app, conf):
    assert app.config['MAX_CONTENT_LENGTH'] == \
        conf.api.max_request_body_size


def test_storage_built_lazily_once(monkeypatch, conf):
    built = []

    class RecordingStorage(memory_storage.MemoryStorage):
        def __init__(self, conf):
            built.append(conf)
            super().__init__()

    module = types.ModuleType('swiftq.storage.swift_storage')
    module.SwiftStorage = RecordingStorage
    monkeypatch.setitem(sys.modules, 'swiftq.storage.swift_storage', module)

    flask_app = app_module.create_app(conf)
    assert built == []
    api = ApiClient(flask_app.test_client())
    assert api.get('/v2/ping').status_code == 204
    assert api.get('/v2/queues').status_code == 200
    assert built == [conf]


def test_default_conf_is_the_global_one():
    flask_app = app_module.create_app(storage=memory_storage.MemoryStorage())
    assert flask_app.extensions['swiftq'].conf is swiftq.conf.CONF
    assert swiftq.conf.CONF.transport.max_messages_per_page == 20


# -- errors ------------------------------------------------------------------
def test_unknown_url_is_json_404(client):
    assert_error(client.get('/v2/nothing/here'), 404, '404 Not Found',
                 'The requested resource could not be found.')


def test_trailing_slash_is_not_a_route(client):
    assert client.get('/v2/queues/').status_code == 404


def test_wrong_method_is_json_405_with_allow(client):
    resp = client.post('/v2/queues')
    assert_error(resp, 405, '405 Method Not Allowed')
    assert set(resp.headers['Allow'].split(', ')) == {'GET', 'HEAD',
                                                      'OPTIONS'}


def test_wrong_method_on_queue(client):
    resp = client.post('/v2/queues/q1')
    assert resp.status_code == 405
    assert set(resp.headers['Allow'].split(', ')) == {
        'GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'}


def test_unexpected_exception_is_logged_json_500(client, storage, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError('secret detail')
    storage.queue_list = boom
    resp = client.get('/v2/queues')
    doc = assert_error(resp, 500, 'Internal server error')
    assert 'secret detail' not in doc['description']
    assert 'secret detail' in caplog.text
    assert 'Internal server error' in caplog.text


@pytest.mark.parametrize('method,path,description', [
    ('GET', '/v2/queues', 'Queues could not be listed.'),
    ('PUT', '/v2/queues/q', 'Queue could not be created.'),
    ('GET', '/v2/queues/q', 'Queue metadata could not be retrieved.'),
    ('DELETE', '/v2/queues/q', 'Queue could not be deleted.'),
    ('GET', '/v2/queues/q/stats', 'Queue stats could not be read.'),
    ('POST', '/v2/queues/q/purge', 'Queue could not be purged.'),
    ('GET', '/v2/queues/q/messages', 'Messages could not be listed.'),
    ('DELETE', '/v2/queues/q/messages?ids=a',
     'Messages could not be deleted.'),
    ('GET', '/v2/queues/q/messages/a', 'Message could not be retrieved.'),
    ('DELETE', '/v2/queues/q/messages/a', 'Message could not be deleted.'),
    ('POST', '/v2/queues/q/claims', 'Claim could not be created.'),
    ('GET', '/v2/queues/q/claims/a', 'Claim could not be queried.'),
    ('DELETE', '/v2/queues/q/claims/a', 'Claim could not be deleted.'),
    ('GET', '/v2/health', 'Health status could not be read.'),
])
def test_storage_unavailable_is_503(client, storage, method, path,
                                    description):
    storage.unavailable = True
    resp = client.request(method, path)
    assert_error(resp, 503, 'Service temporarily unavailable',
                 description + ' Please try again in a few seconds.')


def test_storage_unavailable_in_post_and_patch(client, storage):
    storage.unavailable = True
    resp = client.post('/v2/queues/q/messages',
                       json={'messages': [{'body': 1}]})
    assert_error(resp, 503, 'Service temporarily unavailable',
                 'Messages could not be enqueued. Please try again in a few '
                 'seconds.')
    resp = client.patch('/v2/queues/q/claims/c', json={'ttl': 100})
    assert resp.get_json()['description'].startswith(
        'Claim could not be updated.')
    resp = client.patch(
        '/v2/queues/q', data='[{"op": "add", "path": "/metadata/a", '
        '"value": 1}]',
        content_type='application/openstack-messaging-v2.0-json-patch')
    assert resp.get_json()['description'].startswith(
        'Queue could not be updated.')


def test_lease_unavailable_is_503(client, storage):
    def busy(*args, **kwargs):
        raise storage_errors.LeaseUnavailable('lease busy')
    storage.claim_create = busy
    resp = client.post('/v2/queues/q/claims')
    assert resp.status_code == 503


def test_undecorated_storage_unavailable_is_503(app):
    with app.test_request_context('/v2/x'):
        resp = errors.handle(storage_errors.ServiceUnavailable('down'))
    assert resp.status_code == 503
    assert resp.get_json() == {
        'title': 'Service temporarily unavailable',
        'description': 'Storage is not available. Please try again in a '
                       'few seconds.'}


def test_patch_conflict_from_storage_is_409(app):
    with app.test_request_context('/v2/x'):
        resp = errors.handle(storage_errors.PatchConflict('no key'))
    assert resp.status_code == 409
    assert resp.get_json()['title'] == 'Resource conflict'


def test_other_storage_errors_are_500(client, storage):
    def bad(*args):
        raise storage_errors.StorageError('bug')
    storage.queue_stats = bad
    assert client.get('/v2/queues/q/stats').status_code == 500


def test_error_body_is_utf8_json(app):
    with app.test_request_context('/'):
        resp = errors.NotFound('Queue é').to_response()
    assert resp.mimetype == 'application/json'
    assert 'é'.encode('utf-8') in resp.get_data()


# -- policy hook -------------------------------------------------------------
def test_authorize_sees_zaqar_rule_names(app, client):
    seen = []
    app.extensions['swiftq'].authorize = seen.append
    client.get('/v2/queues')
    client.put('/v2/queues/q')
    client.get('/v2/health')
    assert seen == ['queues:get_all', 'queues:create', 'health:get']


def test_authorize_can_refuse(app, client):
    def refuse(rule):
        raise errors.Forbidden('You are not authorized to complete this '
                               'action.')
    app.extensions['swiftq'].authorize = refuse
    assert_error(client.get('/v2/health'), 403, 'Not authorized')


# -- wsgi --------------------------------------------------------------------
def test_wsgi_application_from_env(monkeypatch, tmp_path):
    config = tmp_path / 'swiftq.conf'
    config.write_text('[transport]\nmax_messages_per_page = 7\n')
    monkeypatch.setenv('SWIFTQ_CONFIG_FILE', str(config))
    sys.modules.pop('swiftq.wsgi', None)
    wsgi = importlib.import_module('swiftq.wsgi')
    try:
        service = wsgi.application.extensions[context.EXTENSION]
        assert service.conf.transport.max_messages_per_page == 7
    finally:
        sys.modules.pop('swiftq.wsgi', None)


def test_wsgi_without_config_file(monkeypatch):
    monkeypatch.delenv('SWIFTQ_CONFIG_FILE', raising=False)
    sys.modules.pop('swiftq.wsgi', None)
    wsgi = importlib.import_module('swiftq.wsgi')
    try:
        files = wsgi._config_files()
        assert files in ([], [wsgi.DEFAULT_CONFIG_FILE])
    finally:
        sys.modules.pop('swiftq.wsgi', None)
