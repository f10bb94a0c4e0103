"""How many Swift requests each API call costs, counted on the real local
Swift (claims.rst "Swift requests per API call"): a batch post is one PUT,
and a claim's cost does not grow with the depth of the queue."""

import collections
import uuid

import pytest

from swiftq import conf as swiftq_conf
from swiftq.app import create_app
from swiftq.swift import client as swift_client


class CountingSwift:
    """Counts the requests the app's storage sends to Swift."""

    def __init__(self, monkeypatch):
        self.calls = []
        original = swift_client.SwiftClient.request

        def counted(client, method, container=None, obj=None, **kwargs):
            what = obj.split('/')[0] if obj else ('container' if container
                                                  else 'account')
            newest = (kwargs.get('headers') or {}).get('X-Newest')
            self.calls.append('%s %s%s' % (method, what,
                                           ' (newest)' if newest else ''))
            return original(client, method, container, obj, **kwargs)
        monkeypatch.setattr(swift_client.SwiftClient, 'request', counted)

    def during(self, func):
        self.calls = []
        result = func()
        return result, collections.Counter(self.calls)


@pytest.fixture
def costed(local_swift, monkeypatch):
    conf = swiftq_conf.new_conf(overrides={
        (None, 'auth_strategy'): 'noauth',
        ('swift', 'auth_url'): local_swift.auth_url,
        ('swift', 'user'): local_swift.user,
        ('swift', 'key'): local_swift.key,
        ('swift', 'container_prefix'): 'c' + uuid.uuid4().hex[:6],
        ('claims', 'lease_idle_release'): 60.0,
        ('claims', 'lease_max_hold'): 60.0,
    })
    counter = CountingSwift(monkeypatch)
    headers = {'Client-ID': str(uuid.uuid4()), 'X-Project-ID': 'costs'}

    def api_process():
        """A caller of its own app: its own leases and views, as another
        API process would have."""
        client = create_app(conf).test_client()

        def call(method, path, **kwargs):
            return counter.during(lambda: client.open(
                path, method=method, headers=headers, **kwargs))
        return call
    call = api_process()
    call.another_process = api_process
    return call


def _post(call, queue, n):
    (resp, cost) = call('POST', '/v2/queues/%s/messages' % queue, json={
        'messages': [{'body': i, 'ttl': 600} for i in range(n)]})
    assert resp.status_code == 201
    return resp, cost


def test_costs_of_the_hot_path(costed):
    queue = 'costs-' + uuid.uuid4().hex[:6]
    costed('PUT', '/v2/queues/' + queue)
    _, post_cost = _post(costed, queue, 10)
    # One metadata read (queue defaults) and one PUT for 10 messages.
    assert post_cost['PUT m'] == 1 and sum(post_cost.values()) <= 2
    costed('POST', '/v2/queues/%s/claims' % queue, json={})  # takes lease
    _post(costed, queue, 10)
    (resp, claim_cost) = costed('POST', '/v2/queues/%s/claims?limit=10'
                                % queue, json={'ttl': 60, 'grace': 60})
    assert resp.status_code == 201
    assert claim_cost['PUT state'] == 1
    # Posted by this process while it held the lease: its body is not
    # read back (claims.OwnPosts).
    assert 'GET m (newest)' not in claim_cost, claim_cost
    assert sum(claim_cost.values()) <= 3, claim_cost
    ids = [m['id'] for m in resp.json['messages']]
    claim_id = resp.headers['Location'].rsplit('/', 1)[1]

    def bulk_delete(some):
        resp, cost = costed('DELETE', '/v2/queues/%s/messages?ids=%s'
                            '&claim_ids=%s' % (queue, ','.join(some),
                                               claim_id))
        assert resp.status_code == 204
        return cost
    # Half a segment: the deletions are recorded in the state.
    part_cost = bulk_delete(ids[:5])
    assert part_cost['PUT state'] == 1 and 'DELETE m' not in part_cost
    assert sum(part_cost.values()) <= 2, part_cost
    # The rest: the segment is dead, its DELETE is the record (claims.rst
    # "Delete, bulk delete, pop"), no state PUT.
    rest_cost = bulk_delete(ids[5:])
    assert rest_cost['DELETE m'] == 1 and 'PUT state' not in rest_cost
    assert sum(rest_cost.values()) <= 2, rest_cost
    print('\npost(10): %s\nclaim(10): %s\nbulk delete(5 of 10): %s\n'
          'bulk delete(last 5): %s' % (dict(post_cost), dict(claim_cost),
                                       dict(part_cost), dict(rest_cost)))
    # Nothing deleted is listed or counted any more (another holder: see
    # test_claim_semantics.py).
    # Left: the 10 messages of the first post, claimed by the first claim.
    resp, _ = costed('GET', '/v2/queues/%s/messages?include_claimed=true'
                     '&echo=true&limit=20' % queue)
    listed = {m['id'] for m in resp.json['messages']}
    assert len(listed) == 10 and not listed & set(ids), resp.json
    resp, _ = costed('GET', '/v2/queues/%s/stats' % queue)
    assert resp.json['messages']['total'] == 10, resp.json


def test_claim_cost_does_not_grow_with_queue_depth(costed):
    """Issue bar: claims cost the same with 20 or 2,000 queued messages."""
    costs = {}
    for depth in (20, 2000):
        queue = 'depth-%d-%s' % (depth, uuid.uuid4().hex[:6])
        for _ in range(depth // 20):
            _post(costed, queue, 20)
        costed('POST', '/v2/queues/%s/claims?limit=1' % queue, json={})
        costs[depth] = 0
        for _ in range(5):
            (resp, cost) = costed('POST', '/v2/queues/%s/claims?limit=3'
                                  % queue, json={'ttl': 60})
            assert resp.status_code == 201
            costs[depth] += sum(cost.values())
    # Same requests per claim whatever the depth (a background read-ahead
    # may land in either count).
    assert costs[2000] <= costs[20] + 2, costs


def test_a_claim_reads_back_the_segments_of_other_processes(costed):
    """A segment another process posted may have been claimed and deleted
    by another holder before this one took the lease: its body is read
    with X-Newest (claims.rst "Operations", Claim); one this process posted
    under its lease is not."""
    queue = 'reads-' + uuid.uuid4().hex[:6]
    other = costed.another_process()
    costed('PUT', '/v2/queues/' + queue)
    _post(costed, queue, 1)
    costed('POST', '/v2/queues/%s/claims' % queue, json={})  # takes lease
    _post(other, queue, 10)
    _post(costed, queue, 10)
    claims = []
    for _ in range(2):
        (resp, cost) = costed('POST', '/v2/queues/%s/claims?limit=10'
                              % queue, json={'ttl': 60})
        assert resp.status_code == 201
        claims.append(cost)
    print('\nclaim of the other process\'s segment: %s\n'
          'claim of its own: %s' % (dict(claims[0]), dict(claims[1])))
    assert claims[0]['GET m (newest)'] == 1, claims[0]
    assert 'GET m (newest)' not in claims[1], claims[1]
