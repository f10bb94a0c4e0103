"""swiftq reaching Swift through Keystone: ``[swift] auth_type =
keystone`` (a keystoneauth1 session of the service user ``swiftq``,
Swift's URL from the catalog) against a LocalSwift whose proxy runs
``authtoken keystoneauth`` instead of tempauth."""

import uuid

from swiftq.localswift import probes


def test_queue_round_trip(keystone, keystone_api, alpha, beta,
                          swift_keystone_swiftq, keystone_swift):
    api = keystone_api(alpha, server=swift_keystone_swiftq)
    queue = 'ks-' + uuid.uuid4().hex[:10]
    assert api.put('/v2/queues/' + queue).status_code == 201
    resp = api.post('/v2/queues/%s/messages' % queue, json={
        'messages': [{'body': {'n': i}, 'ttl': 300} for i in range(3)]})
    assert resp.status_code == 201
    resp = api.post('/v2/queues/%s/claims?limit=2' % queue,
                    json={'ttl': 60, 'grace': 60})
    assert resp.status_code == 201
    claimed = resp.json()['messages']
    assert [m['body']['n'] for m in claimed] == [0, 1]
    for message in claimed:
        assert api.delete(message['href']).status_code == 204
    stats = api.get('/v2/queues/%s/stats' % queue).json()['messages']
    assert stats['total'] == 1 and stats['claimed'] == 0
    listing = api.get('/v2/queues?limit=20&name=' + queue).json()
    assert [q['name'] for q in listing['queues']] == [queue]
    # beta does not see it on this server either
    other = keystone_api(beta, server=swift_keystone_swiftq)
    assert other.head('/v2/queues/' + queue).status_code == 404

    # The data is in the service project's account, reached with a
    # Keystone token of the service user: the proxy really is keystoneauth.
    service = keystone['swiftq']
    token, project_id = keystone.server.token(
        service.username, service.password, 'service')
    account = keystone_swift.proxy_url + '/v1/AUTH_' + project_id
    status, _, body = probes.request(
        'GET', account + '?format=json&prefix='
        + swift_keystone_swiftq.container_prefix,
        {'X-Auth-Token': token})
    assert status == 200
    assert queue in body.decode()
    # and tempauth is not in the pipeline
    status, _, _ = probes.request('GET', keystone_swift.proxy_url +
                                  '/auth/v1.0', {'X-Auth-User': 'test:tester',
                                                 'X-Auth-Key': 'testing'})
    assert status // 100 != 2

    assert api.delete('/v2/queues/' + queue).status_code == 204
    assert api.head('/v2/queues/' + queue).status_code == 404
