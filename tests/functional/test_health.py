"""``GET /v2/health`` on a real swiftq-api over the real local Swift:
Zaqar's detailed report, every probe step succeeding, the message
volume of the deployment, Swift's storage policies, and no trace of the
probe queue for tenants or in Swift afterwards."""

import json
import time
import urllib.parse
import uuid

import pytest

from swiftq.storage import health
from swiftq.storage import naming
from swiftq.swift.client import SwiftClient
import swiftq.conf
from tests.functional.relay import DelayingRelay

ZAQAR_OPERATIONS = ['create_queue', 'post_messages', 'claim_messages',
                    'list_messages', 'delete_messages', 'delete_claim',
                    'bulk_delete_messages', 'delete_queue']


@pytest.fixture(scope='module')
def health_server(swiftq_server_factory):
    # A server of its own: the message volume is its deployment's alone.
    return swiftq_server_factory(workers=1)


def swift_of(server):
    swift = server.swift
    return SwiftClient.from_conf(swiftq.conf.new_conf(overrides={
        ('swift', 'auth_url'): swift.auth_url,
        ('swift', 'user'): swift.user, ('swift', 'key'): swift.key}))


def test_detailed_health_on_swift(health_server, api_factory):
    api = api_factory(server=health_server)
    other = api_factory(server=health_server)
    queue = 'work-' + uuid.uuid4().hex[:6]
    for client, count in ((api, 3), (other, 2)):
        resp = client.post('/v2/queues/%s/messages' % queue, json={
            'messages': [{'body': i, 'ttl': 600} for i in range(count)]})
        assert resp.status_code == 201
    assert api.post('/v2/queues/%s/claims?limit=2' % queue,
                    json={'ttl': 60, 'grace': 60}).status_code == 201

    resp = api.get('/v2/health', timeout=60)
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    print('\n[health] %s' % json.dumps(doc, indent=1))
    assert doc['storage_reachable'] is True
    assert list(doc['operation_status']) == ZAQAR_OPERATIONS
    failed = {name: status for name, status in
              doc['operation_status'].items() if not status['succeeded']}
    assert not failed, (failed, health_server.warnings())
    assert doc['message_volume'] == {'free': 3, 'claimed': 2, 'total': 5}
    assert {'name': 'Policy-0', 'default': True} in doc['storage_policies']

    # The probe queue is nowhere: not in a listing, not in Swift.
    for client in (api, other):
        names = [q['name'] for q in client.get('/v2/queues').json()[
            'queues']]
        assert names == [queue]
    probe = naming.catalog_prefix(health_server.container_prefix,
                                  health.PROBE_PROJECT)
    assert swift_of(health_server).list_containers(prefix=probe) == []


def test_health_while_swift_is_unreachable(swiftq_server_factory,
                                           local_swift, api_factory):
    """Swift gone (the relay this server reaches it through is closed):
    200 at once, ``storage_reachable`` false, the probe's first step
    failed with a ref, no volume (Zaqar's shape for a dead backend); and
    all of it again once Swift is back."""
    proxy = urllib.parse.urlsplit(local_swift.proxy_url)
    relay = DelayingRelay((proxy.hostname, proxy.port))
    path = urllib.parse.urlsplit(local_swift.storage_url).path
    server = swiftq_server_factory(workers=1, overrides={
        ('swift', 'auth_url'): relay.url + '/auth/v1.0',
        ('swift', 'storage_url'): relay.url + path})
    api = api_factory(server=server)
    try:
        assert api.get('/v2/health', timeout=60).json()[
            'storage_reachable'] is True
        relay.close()
        started = time.monotonic()
        resp = api.get('/v2/health', timeout=60)
        took = time.monotonic() - started
        assert resp.status_code == 200
        doc = resp.json()
        print('\n[health, Swift gone, %.1fs] %s' % (took, json.dumps(doc)))
        assert doc['storage_reachable'] is False
        assert list(doc['operation_status']) == ['create_queue']
        status = doc['operation_status']['create_queue']
        assert status['succeeded'] is False and len(status['ref']) == 36
        assert 'message_volume' not in doc
        assert 'storage_policies' not in doc
        assert took < 10, took
        assert any(status['ref'] in line for line in server.warnings())
    finally:
        relay.close()
        server.stop()
