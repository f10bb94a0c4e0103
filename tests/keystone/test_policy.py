"""oslo.policy with real Keystone roles: Zaqar's rule names and defaults;
operator-only resources refuse members with Zaqar's 403."""

FORBIDDEN = {'title': 'Not authorized',
             'description': 'You are not authorized to complete this '
                            'action.'}


def test_member_cannot_read_detailed_health(keystone_api, alpha):
    resp = keystone_api(alpha).get('/v2/health')
    assert resp.status_code == 403
    assert resp.json() == FORBIDDEN


def test_admin_reads_detailed_health(keystone, keystone_api):
    resp = keystone_api(keystone['alpha-admin']).get('/v2/health')
    assert resp.status_code == 200, resp.text
    assert resp.json()['storage_reachable'] is True


def test_member_uses_queues_messages_and_claims(keystone_api, alpha):
    api = keystone_api(alpha)
    assert api.put('/v2/queues/policy-q').status_code in (201, 204)
    assert api.post('/v2/queues/policy-q/messages', json={
        'messages': [{'body': 1}]}).status_code == 201
    assert api.post('/v2/queues/policy-q/claims',
                    json={'ttl': 60}).status_code in (201, 204)
    assert api.post('/v2/queues/policy-q/share',
                    json={}).status_code == 200
    assert api.delete('/v2/queues/policy-q').status_code == 204
