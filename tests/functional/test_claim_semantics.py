"""Claims, TTLs, delays, grace, renewals, releases and dead-letter queues
over real HTTP and a real Swift, with short bounds (``fast_api``: minimum
TTLs of 1 s, leases of 3 s, clock skew 0.2 s).

Each test cites the part of doc/source/design/claims.rst it proves.
"""

import time
import uuid

import pytest
import requests

from tests.conftest import FAST_OVERRIDES

SKEW = 0.2      # FAST_OVERRIDES' max_clock_skew


def qname(tag='q'):
    return '%s-%s' % (tag, uuid.uuid4().hex[:8])


def post(api, queue, bodies, ttl=60, **extra):
    resp = api.post('/v2/queues/%s/messages' % queue, json={
        'messages': [dict(body=b, ttl=ttl, **extra) for b in bodies]})
    assert resp.status_code == 201, resp.text
    return [h.rsplit('/', 1)[1] for h in resp.json()['resources']]


def claim(api, queue, ttl=30, grace=0, limit=10):
    resp = api.post('/v2/queues/%s/claims?limit=%d' % (queue, limit),
                    json={'ttl': ttl, 'grace': grace})
    if resp.status_code == 204:
        return None, []
    assert resp.status_code == 201, resp.text
    claim_id = resp.headers['Location'].rsplit('/', 1)[1]
    return claim_id, [m['id'] for m in resp.json()['messages']]


def listed(api, queue, **params):
    resp = api.get('/v2/queues/%s/messages' % queue,
                   params=dict(params, limit=20))
    assert resp.status_code == 200, resp.text
    return [m['id'] for m in resp.json()['messages']]


def wait_until(predicate, timeout=10.0, step=0.2):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def test_claimed_messages_are_hidden_from_other_claims_lists_and_pops(
        fast_api, api_factory, fast_swiftq_server):
    """claims.rst §C1: while a claim is live nobody else gets or removes
    its messages."""
    queue = qname()
    ids = post(fast_api, queue, range(3))
    claim_id, got = claim(fast_api, queue, limit=2)
    assert got == ids[:2]
    other = api_factory(project=fast_api.project, server=fast_swiftq_server)
    assert claim(other, queue)[1] == [ids[2]]
    assert listed(other, queue, echo='true') == []
    assert sorted(listed(other, queue, echo='true',
                         include_claimed='true')) == sorted(ids)
    resp = other.delete('/v2/queues/%s/messages' % queue,
                        params={'pop': 5})
    assert resp.json()['messages'] == []
    resp = other.delete('/v2/queues/%s/messages/%s' % (queue, ids[0]))
    assert resp.status_code == 403
    assert resp.json()['description'] == (
        'This message is claimed; it cannot be deleted without a valid '
        'claim ID.')
    # A bulk delete without claim ids never breaks a live claim.
    assert other.delete('/v2/queues/%s/messages?ids=%s'
                        % (queue, ','.join(ids[:2]))).status_code == 204
    assert sorted(listed(other, queue, echo='true',
                         include_claimed='true')) == sorted(ids)
    resp = fast_api.get('/v2/queues/%s/claims/%s' % (queue, claim_id))
    assert [m['id'] for m in resp.json()['messages']] == ids[:2]


def test_claim_expires_and_messages_come_back(fast_api):
    """claims.rst §C1: protection lasts until expiry + max_clock_skew, then
    the messages are claimable again; the old claim id no longer deletes."""
    queue = qname()
    ids = post(fast_api, queue, ['a'])
    claim_id, got = claim(fast_api, queue, ttl=1)
    assert got == ids
    assert claim(fast_api, queue)[1] == []
    time.sleep(1 + SKEW + 0.3)
    assert fast_api.get('/v2/queues/%s/claims/%s' % (queue, claim_id)
                        ).status_code == 404
    resp = fast_api.delete('/v2/queues/%s/messages/%s?claim_id=%s'
                           % (queue, ids[0], claim_id))
    assert resp.status_code == 400
    new_id, again = claim(fast_api, queue)
    assert again == ids and new_id != claim_id


def test_message_ttl_expiry_is_filtered_before_swift_reaps_it(fast_api):
    """claims.rst "Object layout": expired messages are never returned,
    whatever Swift's expirer has done yet."""
    queue = qname()
    ids = post(fast_api, queue, ['short'], ttl=1) + \
        post(fast_api, queue, ['long'], ttl=60)
    time.sleep(1.5)
    assert listed(fast_api, queue, echo='true') == ids[1:]
    assert fast_api.get('/v2/queues/%s/messages/%s' % (queue, ids[0])
                        ).status_code == 404
    assert claim(fast_api, queue)[1] == ids[1:]
    stats = fast_api.get('/v2/queues/%s/stats' % queue).json()['messages']
    assert stats['total'] == 1 and stats['claimed'] == 1


def test_grace_keeps_a_claimed_message_alive_past_its_ttl(fast_api):
    """claims.rst "Operations/Claim": lives extended to now + ttl + grace."""
    queue = qname()
    # a TTL of 2 s: the claim must take the queue's lease (two rounds,
    # claims.rst) before the message expires, on a busy machine too
    ids = post(fast_api, queue, ['g'], ttl=2)
    claim_id, got = claim(fast_api, queue, ttl=1, grace=8)
    assert got == ids
    time.sleep(2 + SKEW + 0.5)     # past the message TTL and the claim
    msg = fast_api.get('/v2/queues/%s/messages/%s' % (queue, ids[0]))
    assert msg.status_code == 200 and msg.json()['ttl'] >= 5
    assert claim(fast_api, queue, ttl=10)[1] == ids


def test_renew_extends_the_claim_and_release_frees_at_once(fast_api):
    """claims.rst "Renew / release"."""
    queue = qname()
    ids = post(fast_api, queue, ['r1', 'r2'])
    claim_id, got = claim(fast_api, queue, ttl=1)
    resp = fast_api.patch('/v2/queues/%s/claims/%s' % (queue, claim_id),
                          json={'ttl': 30, 'grace': 0})
    assert resp.status_code == 204
    time.sleep(1 + SKEW + 0.3)
    assert claim(fast_api, queue)[1] == []          # still protected
    doc = fast_api.get('/v2/queues/%s/claims/%s' % (queue, claim_id)).json()
    assert doc['ttl'] == 30
    assert fast_api.delete('/v2/queues/%s/claims/%s' % (queue, claim_id)
                           ).status_code == 204
    assert claim(fast_api, queue)[1] == ids


def test_delete_with_claim_id_rules(fast_api):
    """Zaqar's rules (its code): no claim id on a claimed message -> 403; a
    malformed or expired claim id -> 400; the right one -> 204."""
    queue = qname()
    ids = post(fast_api, queue, ['d1', 'd2'])
    claim_id, _ = claim(fast_api, queue)
    base = '/v2/queues/%s/messages/' % queue
    assert fast_api.delete(base + ids[0] + '?claim_id=nope'
                           ).status_code == 400
    assert fast_api.delete(base + ids[0]).status_code == 403
    assert fast_api.delete(base + ids[0] + '?claim_id=' + claim_id
                           ).status_code == 204
    assert fast_api.get(base + ids[0]).status_code == 404
    other_claim = uuid.uuid4().hex
    assert fast_api.delete(base + ids[1] + '?claim_id=' + other_claim
                           ).status_code == 403


def test_delayed_messages_wait_then_become_claimable(fast_api):
    """Per-queue ``_default_message_delay`` and a message's own delay."""
    queue = qname()
    fast_api.put('/v2/queues/' + queue, json={'_default_message_delay': 2})
    ids = post(fast_api, queue, ['late'])
    assert claim(fast_api, queue)[1] == []
    assert listed(fast_api, queue, echo='true') == []
    assert listed(fast_api, queue, echo='true',
                  include_delayed='true') == ids
    assert wait_until(lambda: claim(fast_api, queue)[1] == ids, timeout=6)


def test_dead_letter_queue_after_max_claim_count_survives_release(fast_api):
    """Claim counts survive a release; at ``_max_claim_count`` a message
    moves to ``_dead_letter_queue`` with its TTL."""
    queue, dlq = qname(), qname('dlq')
    fast_api.put('/v2/queues/' + queue, json={
        '_max_claim_count': 2, '_dead_letter_queue': dlq,
        '_dead_letter_queue_messages_ttl': 120})
    ids = post(fast_api, queue, [{'poison': True}])
    for _ in range(2):
        claim_id, got = claim(fast_api, queue)
        assert got == ids
        fast_api.delete('/v2/queues/%s/claims/%s' % (queue, claim_id))
    assert claim(fast_api, queue) == (None, [])
    moved = fast_api.get('/v2/queues/%s/messages' % dlq,
                         params={'echo': 'true'}).json()['messages']
    assert [m['body'] for m in moved] == [{'poison': True}]
    assert moved[0]['ttl'] == 120


def test_fifo_across_api_processes(fast_swiftq_server, swiftq_server_factory,
                                   local_swift):
    """claims.rst "FIFO": posts that do not overlap come back in the order
    they were acknowledged, whichever API process took them and whichever
    serves the claims and the listing."""
    second = swiftq_server_factory(
        swift=local_swift, workers=2,
        container_prefix=fast_swiftq_server.container_prefix,
        overrides=FAST_OVERRIDES)
    project, queue = 'fifo-' + uuid.uuid4().hex[:6], qname('fifo')
    sessions = []
    for server in (fast_swiftq_server, second):
        for _ in range(2):
            s = requests.Session()
            s.headers.update({'Client-ID': str(uuid.uuid4()),
                              'X-Project-ID': project})
            s.base = server.base_url
            sessions.append(s)
    acked = []
    for n in range(24):
        s = sessions[n % len(sessions)]
        resp = s.post('%s/v2/queues/%s/messages' % (s.base, queue),
                      json={'messages': [{'body': n, 'ttl': 60}]})
        assert resp.status_code == 201
        acked.append(resp.json()['resources'][0].rsplit('/', 1)[1])
    s = sessions[1]
    page = s.get('%s/v2/queues/%s/messages' % (s.base, queue),
                 params={'echo': 'true', 'limit': 20}).json()['messages']
    assert [m['id'] for m in page] == acked[:20]
    claimed = []
    for s in sessions[::-1] * 3:
        resp = s.post('%s/v2/queues/%s/claims?limit=5' % (s.base, queue),
                      json={'ttl': 30, 'grace': 0})
        if resp.status_code == 204:
            break
        claimed.extend(m['id'] for m in resp.json()['messages'])
    assert claimed == acked


@pytest.mark.parametrize('bulk', [True, False])
def test_pop_and_bulk_delete_are_fifo_and_exact(fast_api, bulk):
    queue = qname()
    ids = post(fast_api, queue, range(6))
    if bulk:
        assert fast_api.delete('/v2/queues/%s/messages?ids=%s'
                               % (queue, ','.join(ids[:3]))).status_code == 204
    else:
        popped = fast_api.delete('/v2/queues/%s/messages' % queue,
                                 params={'pop': 3}).json()['messages']
        assert [m['id'] for m in popped] == ids[:3]
    assert listed(fast_api, queue, echo='true') == ids[3:]
    stats = fast_api.get('/v2/queues/%s/stats' % queue).json()['messages']
    assert (stats['total'], stats['free'], stats['claimed']) == (3, 3, 0)


@pytest.mark.parametrize('how', ['bulk delete', 'pop'])
def test_a_segment_deleted_whole_stays_deleted_for_the_next_holder(
        fast_swiftq_server, swiftq_server_factory, local_swift, api_factory,
        how):
    """claims.rst "Delete, bulk delete, pop": a deletion that leaves its
    segment dead is recorded by the segment's DELETE alone (no state
    PUT). Another API process, taking the lease afterwards and loading the
    state without those deletions, never returns those messages."""
    second = swiftq_server_factory(
        swift=local_swift, workers=1,
        container_prefix=fast_swiftq_server.container_prefix,
        overrides=FAST_OVERRIDES)
    project, queue = 'tomb-' + uuid.uuid4().hex[:6], qname('tomb')
    first_api, second_api = (api_factory(project=project, server=s)
                             for s in (fast_swiftq_server, second))
    first = post(first_api, queue, range(10))
    rest = post(first_api, queue, range(10, 20))
    if how == 'pop':
        resp = first_api.delete('/v2/queues/%s/messages' % queue,
                                params={'pop': 10})
        assert [m['id'] for m in resp.json()['messages']] == first
    else:
        claim_id, ids = claim(first_api, queue, limit=10)
        assert ids == first
        resp = first_api.delete('/v2/queues/%s/messages?ids=%s&claim_ids=%s'
                                % (queue, ','.join(ids), claim_id))
        assert resp.status_code == 204
    time.sleep(1.5)     # past lease_max_hold: the lease can move on
    claim_id, ids = claim(second_api, queue, limit=20)
    assert ids == rest
    for api in (first_api, second_api):
        stats = api.get('/v2/queues/%s/stats' % queue).json()['messages']
        assert (stats['total'], stats['claimed']) == (10, 10)
        assert listed(api, queue, echo='true',
                      include_claimed='true') == rest
        assert api.get('/v2/queues/%s/messages/%s'
                       % (queue, first[0])).status_code == 404
