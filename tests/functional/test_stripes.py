"""A queue spread over several containers (doc/source/design/stripes.rst),
over real HTTP and a real Swift, on ``swiftq_server`` (2 API processes,
the default lease bounds).

Each test cites the section of stripes.rst it proves.
"""

import concurrent.futures
import threading
import time
import uuid

import pytest

from swiftq import conf as swiftq_conf
from swiftq.storage import naming
from swiftq.swift.client import SwiftClient

STRIPES = 4


def qname(tag='s'):
    return '%s-%s' % (tag, uuid.uuid4().hex[:8])


def make_queue(api, queue, stripes=STRIPES):
    resp = api.put('/v2/queues/%s' % queue, json={'_stripes': stripes})
    assert resp.status_code == 201, resp.text


def post_one_by_one(api, queue, count, ttl=300):
    """``count`` posts of one message: consecutive posts go to the next
    stripe in turn (per API process)."""
    ids = []
    for i in range(count):
        resp = api.post('/v2/queues/%s/messages' % queue,
                        json={'messages': [{'body': i, 'ttl': ttl}]})
        assert resp.status_code == 201, resp.text
        ids.append(resp.json()['resources'][0].rsplit('/', 1)[1])
    return ids


def stripe_of(msg_id):
    return naming.split_striped_message_id(msg_id)[0]


def claim(api, queue, limit=20, ttl=60, wait=None):
    url = '/v2/queues/%s/claims?limit=%d' % (queue, limit)
    if wait is not None:
        url += '&wait=%d' % wait
    resp = api.post(url, json={'ttl': ttl, 'grace': 60})
    if resp.status_code == 204:
        return None, []
    assert resp.status_code == 201, resp.text
    return (resp.headers['Location'].rsplit('/', 1)[1],
            [m['id'] for m in resp.json()['messages']])


def listed(api, queue, **params):
    resp = api.get('/v2/queues/%s/messages' % queue,
                   params=dict({'echo': 'true', 'limit': 20}, **params))
    assert resp.status_code == 200, resp.text
    return [m['id'] for m in resp.json()['messages']]


def stats(api, queue):
    resp = api.get('/v2/queues/%s/stats' % queue)
    assert resp.status_code == 200, resp.text
    return resp.json()['messages']


def swift_client(swift):
    conf = swiftq_conf.new_conf(overrides={
        ('swift', 'auth_type'): 'tempauth',
        ('swift', 'auth_url'): swift.auth_url,
        ('swift', 'user'): swift.user,
        ('swift', 'key'): swift.key})
    return SwiftClient.from_conf(conf)


def test_posts_spread_over_stripes_and_read_back_in_post_order(api):
    """stripes.rst "Layout" and "Order": ids carry their stripe; a listing
    merges the stripes in post order; get, get-many and stats see every
    stripe."""
    queue = qname()
    make_queue(api, queue)
    ids = post_one_by_one(api, queue, 8)
    assert len({stripe_of(i) for i in ids}) >= 2
    for msg_id in ids:
        assert len(msg_id) == (28 if stripe_of(msg_id) == 0 else 30)
    assert listed(api, queue) == ids
    # paging with a marker from any stripe
    first = listed(api, queue, limit=3)
    assert first == ids[:3]
    assert listed(api, queue, marker=first[-1]) == ids[3:]
    for index, msg_id in enumerate(ids):
        resp = api.get('/v2/queues/%s/messages/%s' % (queue, msg_id))
        assert resp.status_code == 200
        assert (resp.json()['id'], resp.json()['body']) == (msg_id, index)
    resp = api.get('/v2/queues/%s/messages?ids=%s'
                   % (queue, ','.join(reversed(ids))))
    assert resp.status_code == 200, resp.text
    assert [m['id'] for m in resp.json()['messages']] == ids[::-1]
    counts = stats(api, queue)
    assert (counts['total'], counts['free'], counts['claimed']) == (8, 8, 0)
    assert counts['oldest']['href'].endswith('/' + ids[0])
    assert counts['newest']['href'].endswith('/' + ids[-1])


def test_claims_are_exclusive_and_fifo_within_a_stripe(api,
                                                       api_factory,
                                                       swiftq_server):
    """stripes.rst "Claims": a claim takes the oldest free messages of one
    stripe; every message is claimed once; claim ids name their stripe, so
    get, renew, release and delete-with-claim find it."""
    queue = qname()
    make_queue(api, queue)
    ids = post_one_by_one(api, queue, 12)
    other = api_factory(project=api.project, server=swiftq_server)
    claims = {}
    for client in [api, other] * 6:
        claim_id, got = claim(client, queue)
        if claim_id is None:
            continue
        assert len({stripe_of(m) for m in got}) == 1
        assert naming.split_striped_claim_id(claim_id)[0] == \
            stripe_of(got[0])
        assert got == [m for m in ids if m in got]      # FIFO in the stripe
        claims[claim_id] = got
        if sum(len(g) for g in claims.values()) == len(ids):
            break
    claimed = [m for got in claims.values() for m in got]
    assert sorted(claimed) == sorted(ids)                 # each exactly once
    assert claim(other, queue) == (None, [])
    assert stats(api, queue)['claimed'] == 12

    claim_id, got = next(iter(claims.items()))
    resp = other.get('/v2/queues/%s/claims/%s' % (queue, claim_id))
    assert resp.status_code == 200
    assert [m['id'] for m in resp.json()['messages']] == got
    assert all(m['href'].endswith('?claim_id=' + claim_id)
               for m in resp.json()['messages'])
    assert other.patch('/v2/queues/%s/claims/%s' % (queue, claim_id),
                       json={'ttl': 120, 'grace': 60}).status_code == 204
    # a claim of another stripe does not hold these messages
    foreign = [c for c, g in claims.items()
               if stripe_of(g[0]) != stripe_of(got[0])]
    if foreign:
        resp = other.delete('/v2/queues/%s/messages/%s?claim_id=%s'
                            % (queue, got[0], foreign[0]))
        assert resp.status_code == 403, resp.text
    for claim_id, got in claims.items():
        for msg_id in got:
            resp = other.delete('/v2/queues/%s/messages/%s?claim_id=%s'
                                % (queue, msg_id, claim_id))
            assert resp.status_code == 204, resp.text
    assert stats(api, queue)['total'] == 0
    # released claims give their messages back, in their stripe
    more = post_one_by_one(api, queue, 4)
    claim_id, got = claim(api, queue)
    assert api.delete('/v2/queues/%s/claims/%s'
                      % (queue, claim_id)).status_code == 204
    assert sorted(listed(api, queue)) == sorted(more)


def test_unknown_ids_of_a_striped_queue(api):
    """stripes.rst "Ids": ids naming a stripe that was never made read as
    missing, never as errors."""
    queue = qname()
    make_queue(api, queue)
    post_one_by_one(api, queue, 2)
    ghost_message = 'a' * 28 + '3f'
    ghost_claim = 'b' * 32 + '3f'
    assert api.get('/v2/queues/%s/messages/%s'
                   % (queue, ghost_message)).status_code == 404
    assert api.get('/v2/queues/%s/claims/%s'
                   % (queue, ghost_claim)).status_code == 404
    assert api.patch('/v2/queues/%s/claims/%s' % (queue, ghost_claim),
                     json={'ttl': 60}).status_code == 404
    assert api.delete('/v2/queues/%s/claims/%s'
                      % (queue, ghost_claim)).status_code == 204
    assert api.delete('/v2/queues/%s/messages/%s'
                      % (queue, ghost_message)).status_code == 204
    # a stripe suffix of 00 is never made: not an id of ours
    assert api.get('/v2/queues/%s/messages/%s'
                   % (queue, 'c' * 28 + '00')).status_code == 404


def test_pop_bulk_delete_and_purge_cover_every_stripe(api):
    """stripes.rst "Claims" (pop) and "Queues" (purge)."""
    queue = qname()
    make_queue(api, queue)
    ids = post_one_by_one(api, queue, 12)
    popped = []
    for _ in range(12):
        resp = api.delete('/v2/queues/%s/messages' % queue,
                          params={'pop': 2})
        assert resp.status_code == 200, resp.text
        popped.extend(m['id'] for m in resp.json()['messages'])
        if len(popped) >= 4:
            break
    assert len(popped) == len(set(popped)) >= 4
    rest = [m for m in ids if m not in popped]
    resp = api.delete('/v2/queues/%s/messages?ids=%s'
                      % (queue, ','.join(rest[:4])))
    assert resp.status_code == 204
    assert sorted(listed(api, queue)) == sorted(rest[4:])
    assert api.post('/v2/queues/%s/purge' % queue,
                    json={'resource_types': ['messages']}
                    ).status_code == 204
    assert listed(api, queue) == []
    assert stats(api, queue)['total'] == 0


def test_queue_delete_removes_every_stripe(api, swiftq_server,
                                           local_swift):
    """stripes.rst "Layout": stripe k > 0 is container ``<prefix>+<k>:...``
    (never in the queue catalog), and deleting the queue deletes them
    all."""
    queue = qname()
    make_queue(api, queue)
    post_one_by_one(api, queue, 8)
    swift = swift_client(local_swift)
    container = naming.queue_container(swiftq_server.container_prefix,
                                       api.project, queue)
    made = [naming.stripe_container(container, k) for k in range(STRIPES)
            if swift.request('HEAD', naming.stripe_container(
                container, k)).status == 204]
    assert len(made) >= 2 and made[0] == container
    names = [q['name'] for q in api.get('/v2/queues').json()['queues']]
    assert names == [queue]
    assert api.delete('/v2/queues/%s' % queue).status_code == 204
    for stripe in made:
        assert swift.request('HEAD', stripe).status == 404
    # A queue made again with the same name starts empty.
    make_queue(api, queue)
    assert listed(api, queue) == []


@pytest.mark.parametrize('value', [0, STRIPES * 100, '4', True, 2.5])
def test_stripes_metadata_is_validated(api, value):
    """stripes.rst "Configuration": ``_stripes`` is an integer 1..64."""
    resp = api.put('/v2/queues/%s' % qname(), json={'_stripes': value})
    assert resp.status_code == 400
    assert resp.json()['description'] == \
        '_stripes must be an integer from 1 to 64.'


def test_stripes_can_be_raised_but_never_lowered(api, swiftq_server,
                                                 local_swift):
    """stripes.rst "Configuration": a PATCH raises the count; lowering
    ``_stripes`` keeps the stripes there are, so no message is stranded."""
    queue = qname()
    assert api.put('/v2/queues/%s' % queue).status_code == 201
    before = post_one_by_one(api, queue, 2)
    assert {stripe_of(m) for m in before} == {0}
    patch = {'Content-Type': 'application/openstack-messaging-v2.0-'
                             'json-patch'}
    resp = api.patch('/v2/queues/%s' % queue, headers=patch, json=[
        {'op': 'add', 'path': '/metadata/_stripes', 'value': 3}])
    assert resp.status_code == 200, resp.text
    time.sleep(2.2)     # the other API process's metadata cache
    after = post_one_by_one(api, queue, 6)
    assert {stripe_of(m) for m in after} == {0, 1, 2}
    resp = api.patch('/v2/queues/%s' % queue, headers=patch, json=[
        {'op': 'replace', 'path': '/metadata/_stripes', 'value': 1}])
    assert resp.status_code == 200, resp.text
    time.sleep(2.2)
    assert listed(api, queue) == before + after
    swift = swift_client(local_swift)
    container = naming.queue_container(swiftq_server.container_prefix,
                                       api.project, queue)
    resp = swift.get_object(container, naming.META)
    assert resp.headers['X-Object-Meta-Swiftq-Stripes'] == '3'


def test_a_waiting_claim_wakes_for_a_post_to_any_stripe(api,
                                                        api_factory,
                                                        swiftq_server):
    """stripes.rst "Long polling": the watch of a striped queue lists every
    stripe."""
    queue = qname()
    make_queue(api, queue)
    producer = api_factory(project=api.project,
                           server=swiftq_server)
    posted = []

    def post_later():
        time.sleep(1.0)
        posted.extend(post_one_by_one(producer, queue, STRIPES))

    thread = threading.Thread(target=post_later)
    started = time.monotonic()
    thread.start()
    claim_id, got = claim(api, queue, wait=10)
    waited = time.monotonic() - started
    thread.join()
    assert got and set(got) <= set(posted)
    assert waited < 9


def test_processes_claim_a_hot_striped_queue_in_parallel(api,
                                                         api_factory,
                                                         swiftq_server):
    """stripes.rst "Claims": consumers on both API processes drain a
    striped queue, every message once."""
    queue = qname()
    make_queue(api, queue)
    resp = api.post('/v2/queues/%s/messages' % queue, json={
        'messages': [{'body': i, 'ttl': 300} for i in range(10)]})
    ids = [h.rsplit('/', 1)[1] for h in resp.json()['resources']]
    for _ in range(7):
        resp = api.post('/v2/queues/%s/messages' % queue, json={
            'messages': [{'body': i, 'ttl': 300} for i in range(10)]})
        ids += [h.rsplit('/', 1)[1] for h in resp.json()['resources']]
    clients = [api_factory(project=api.project,
                           server=swiftq_server) for _ in range(6)]

    def consume(client):
        got = []
        empty = 0
        while empty < 3:
            claim_id, msgs = claim(client, queue, limit=5)
            if not msgs:
                empty += 1
                time.sleep(0.3)
                continue
            empty = 0
            got.extend(msgs)
            assert client.delete(
                '/v2/queues/%s/messages?ids=%s&claim_ids=%s'
                % (queue, ','.join(msgs), claim_id)).status_code == 204
        return got

    with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(consume, clients))
    consumed = [m for got in results for m in got]
    assert sorted(consumed) == sorted(ids)
    assert stats(api, queue)['total'] == 0
