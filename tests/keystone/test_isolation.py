"""Tenant isolation with real tokens: alpha's member, knowing the names of
beta's queues and the ids of its messages and claims, can neither see nor
change them; a queue name is a different queue in each project."""

import uuid

import pytest


def qname():
    return 'iso-' + uuid.uuid4().hex[:10]


@pytest.fixture
def betas_queue(keystone_api, beta):
    """A queue of beta's with 3 messages, one claimed; its name, message
    ids and claim id are what alpha 'knows'."""
    api = keystone_api(beta)
    queue = qname()
    assert api.put('/v2/queues/' + queue,
                   json={'owner': 'beta'}).status_code == 201
    resp = api.post('/v2/queues/%s/messages' % queue, json={'messages': [
        {'body': {'n': i}, 'ttl': 600} for i in range(3)]})
    assert resp.status_code == 201
    ids = resp.headers['Location'].rsplit('=', 1)[-1].split(',')
    resp = api.post('/v2/queues/%s/claims?limit=1' % queue,
                    json={'ttl': 300, 'grace': 60})
    assert resp.status_code == 201
    claim_id = resp.headers['Location'].rsplit('/', 1)[-1]
    return api, queue, ids, claim_id


def _beta_state(api, queue):
    stats = api.get('/v2/queues/%s/stats' % queue).json()['messages']
    for end in ('oldest', 'newest'):
        stats[end].pop('age')        # time passes
    metadata = api.get('/v2/queues/' + queue).json()
    return stats, metadata


def test_alpha_cannot_read_betas_queue(keystone_api, alpha, betas_queue):
    beta_api, queue, ids, claim_id = betas_queue
    api = keystone_api(alpha)
    listing = api.get('/v2/queues?limit=20&name=' + queue).json()
    assert listing['queues'] == []
    assert api.head('/v2/queues/' + queue).status_code == 404
    assert 'owner' not in api.get('/v2/queues/' + queue).json()
    stats = api.get('/v2/queues/%s/stats' % queue).json()['messages']
    assert stats['total'] == 0
    resp = api.get('/v2/queues/%s/messages?include_claimed=true' % queue)
    assert resp.status_code == 200 and resp.json()['messages'] == []
    for msg_id in ids:
        assert api.get('/v2/queues/%s/messages/%s'
                       % (queue, msg_id)).status_code == 404
    assert api.get('/v2/queues/%s/messages?ids=%s'
                   % (queue, ','.join(ids))).status_code == 404
    assert api.get('/v2/queues/%s/claims/%s'
                   % (queue, claim_id)).status_code == 404


def test_alpha_cannot_change_betas_queue(keystone_api, alpha, betas_queue):
    beta_api, queue, ids, claim_id = betas_queue
    before = _beta_state(beta_api, queue)
    api = keystone_api(alpha)
    # Claims, deletes, pops and patches all land in alpha's own (empty)
    # namespace: nothing of beta's is touched.
    assert api.post('/v2/queues/%s/claims' % queue,
                    json={'ttl': 60}).status_code == 204
    assert api.patch('/v2/queues/%s/claims/%s' % (queue, claim_id),
                     json={'ttl': 120}).status_code == 404
    assert api.delete('/v2/queues/%s/claims/%s'
                      % (queue, claim_id)).status_code == 204
    for msg_id in ids:
        assert api.delete('/v2/queues/%s/messages/%s?claim_id=%s'
                          % (queue, msg_id, claim_id)).status_code == 204
    assert api.delete('/v2/queues/%s/messages?ids=%s'
                      % (queue, ','.join(ids))).status_code == 204
    resp = api.delete('/v2/queues/%s/messages?pop=5' % queue)
    assert resp.status_code == 200 and resp.json()['messages'] == []
    assert api.post('/v2/queues/%s/purge' % queue,
                    json={'resource_types': ['messages']}).status_code == 204
    assert api.delete('/v2/queues/' + queue).status_code == 204
    # Posting to the name creates alpha's own queue.
    assert api.post('/v2/queues/%s/messages' % queue, json={
        'messages': [{'body': 'from alpha'}]}).status_code == 201

    assert _beta_state(beta_api, queue) == before
    stats, metadata = before
    assert stats['total'] == 3 and stats['claimed'] == 1
    assert metadata['owner'] == 'beta'
    bodies = [m['body'] for m in beta_api.get(
        '/v2/queues/%s/messages?include_claimed=true&echo=true'
        % queue).json()['messages']]
    assert sorted(b['n'] for b in bodies) == [0, 1, 2]
    # beta's claim is still beta's
    claim = beta_api.get('/v2/queues/%s/claims/%s' % (queue, claim_id))
    assert claim.status_code == 200


def test_same_name_two_projects_two_queues(keystone_api, alpha, beta):
    queue = qname()
    apis = {'alpha': keystone_api(alpha), 'beta': keystone_api(beta)}
    for who, api in apis.items():
        assert api.put('/v2/queues/' + queue,
                       json={'who': who}).status_code == 201
    for who, api in apis.items():
        resp = api.post('/v2/queues/%s/messages' % queue, json={
            'messages': [{'body': who + '-%d' % i} for i in range(2)]})
        assert resp.status_code == 201
    # A second client of each project sees its own project's messages only
    for who, identity in (('alpha', alpha), ('beta', beta)):
        reader = keystone_api(identity)
        assert reader.get('/v2/queues/' + queue).json()['who'] == who
        messages = reader.get('/v2/queues/%s/messages' % queue).json()
        assert sorted(m['body'] for m in messages['messages']) == [
            who + '-0', who + '-1']
        resp = reader.post('/v2/queues/%s/claims?limit=10' % queue,
                           json={'ttl': 60})
        assert sorted(m['body'] for m in resp.json()['messages']) == [
            who + '-0', who + '-1']
    assert apis['alpha'].delete('/v2/queues/' + queue).status_code == 204
    assert apis['beta'].get(
        '/v2/queues/%s/stats' % queue).json()['messages']['total'] == 2
