"""``GET /v2/health``: Zaqar's detailed health report over the in-memory
storage (the probe's steps, the message volume), its guard, and the
probe queue kept away from tenants."""

from swiftq.api import acl
from swiftq.storage import errors as storage_errors
from swiftq.storage import health
from swiftq.swift import client as swift_client
from tests.unit.api.base import app, client, conf  # noqa: F401
from tests.unit.api.base import assert_error, overrides  # noqa: F401
from tests.unit.api.base import post_messages, storage  # noqa: F401

#: zaqar/storage/base.py, _get_operation_status, in its order.
ZAQAR_OPERATIONS = ['create_queue', 'post_messages', 'claim_messages',
                    'list_messages', 'delete_messages', 'delete_claim',
                    'bulk_delete_messages', 'delete_queue']


def test_report_is_zaqars(client):
    resp = client.get('/v2/health')
    assert resp.status_code == 200
    doc = resp.get_json()
    assert set(doc) == {'storage_reachable', 'operation_status',
                        'message_volume'}
    assert doc['storage_reachable'] is True
    assert list(doc['operation_status']) == ZAQAR_OPERATIONS
    for status in doc['operation_status'].values():
        assert set(status) == {'succeeded', 'seconds', 'ref'}
        assert status['succeeded'] is True and status['ref'] is None
        assert 0 <= status['seconds'] < 5
    assert doc['message_volume'] == {'free': 0, 'claimed': 0, 'total': 0}


def test_message_volume_counts_every_project_but_the_probe(client):
    post_messages(client, 'work', 1, 2, 3)
    post_messages(client.other(project='p-other'), 'jobs', 4)
    assert client.post('/v2/queues/work/claims?limit=1',
                       json={'ttl': 60, 'grace': 60}).status_code == 201
    doc = client.get('/v2/health').get_json()
    assert doc['message_volume'] == {'free': 3, 'claimed': 1, 'total': 4}


def test_the_probe_leaves_nothing_behind_and_no_tenant_sees_it(client,
                                                               storage):
    post_messages(client, 'mine', 1)
    client.get('/v2/health')
    probed = [c for c in storage.calls if health.PROBE_PROJECT in c]
    assert probed and all(c[2] == health.PROBE_QUEUE for c in probed)
    assert not [key for key in storage.queue_data
                if key[0] == health.PROBE_PROJECT]
    names = [q['name'] for q in client.get('/v2/queues').get_json()[
        'queues']]
    assert names == ['mine']


def test_no_caller_can_name_the_probe_project(client):
    assert len(health.PROBE_PROJECT) > 256
    resp = client.get('/v2/queues', headers={
        'X-Project-ID': health.PROBE_PROJECT})
    assert resp.status_code == 400


def test_a_failed_step_has_a_ref_and_skips_what_needs_it(client, storage):
    def broken(*args, **kwargs):
        raise storage_errors.ServiceUnavailable('claims are down')
    storage.claim_create = broken
    doc = client.get('/v2/health').get_json()
    status = doc['operation_status']
    assert status['claim_messages']['succeeded'] is False
    assert len(status['claim_messages']['ref']) == 36
    assert 'delete_messages' not in status
    assert 'delete_claim' not in status
    assert status['bulk_delete_messages']['succeeded'] is True
    assert status['delete_queue']['succeeded'] is True


def test_unreachable_storage_reports_what_it_can(client, storage):
    storage.alive = False
    doc = client.get('/v2/health').get_json()
    assert doc['storage_reachable'] is False
    assert 'operation_status' in doc
    assert 'message_volume' not in doc


def test_storage_raising_is_503(client, storage):
    storage.unavailable = True
    assert_error(client.get('/v2/health'), 503,
                 'Service temporarily unavailable',
                 'Health status could not be read. Please try again in a '
                 'few seconds.')


def test_guarded_by_health_get(app, client, storage):
    seen = []

    def refuse(rule):
        seen.append(rule)
        raise acl.forbidden()
    app.extensions['swiftq'].authorize = refuse
    assert_error(client.get('/v2/health'), 403, 'Not authorized')
    assert seen == ['health:get']
    assert not [c for c in storage.calls if c[0] != 'is_alive']


def test_backend_info_is_added_to_the_report(client, storage):
    storage.backend_info = lambda: {'storage_policies': [
        {'name': 'gold', 'default': True}]}
    doc = client.get('/v2/health').get_json()
    assert doc['storage_policies'] == [{'name': 'gold', 'default': True}]


def test_swift_info_url_is_at_the_proxys_root():
    assert swift_client.info_url('http://127.0.0.1:8080/v1/AUTH_test') == \
        'http://127.0.0.1:8080/info'
    assert swift_client.info_url('https://cloud.example.com/swift/v1/'
                                 'AUTH_4f2/') == \
        'https://cloud.example.com/swift/info'
