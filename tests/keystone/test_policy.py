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


def test_member_uses_topics(keystone_api, alpha):
    """Zaqar's topics:* defaults are open to the project's members, as
    the messages and subscriptions of a topic are."""
    api = keystone_api(alpha)
    assert api.put('/v2/topics/policy-t').status_code in (201, 204)
    assert api.post('/v2/topics/policy-t/messages', json={
        'messages': [{'body': 1}]}).status_code == 201
    assert api.post('/v2/topics/policy-t/subscriptions', json={
        'subscriber': 'http://example.com/hook'}).status_code == 201
    assert api.get('/v2/topics/policy-t/stats').status_code == 200
    assert api.get('/v2/topics').json()['topics'][0]['name'] == 'policy-t'
    assert api.delete('/v2/topics/policy-t').status_code == 204


def test_operator_rule_for_topics_leaves_queues_alone(
        keystone, local_swift, swiftq_server_factory, keystone_api, alpha,
        tmp_path):
    """A topic's own operations are ``topics:*`` (not ``queues:*``): an
    operator's policy file can restrict topics alone."""
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text('"topics:create": "role:admin"\n')
    overrides = keystone.authtoken_options()
    overrides[('oslo_policy', 'policy_file')] = str(policy_file)
    server = swiftq_server_factory(swift=local_swift, workers=1,
                                   auth_strategy='keystone',
                                   overrides=overrides)
    member = keystone_api(alpha, server=server)
    resp = member.put('/v2/topics/restricted')
    assert resp.status_code == 403
    assert resp.json() == FORBIDDEN
    assert member.put('/v2/queues/restricted').status_code in (201, 204)
    admin = keystone_api(keystone['alpha-admin'], server=server)
    assert admin.put('/v2/topics/restricted').status_code in (201, 204)
    assert member.get('/v2/topics/restricted').status_code == 200
