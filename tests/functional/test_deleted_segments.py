"""A container replica that missed a segment's DELETE must not bring its
messages back to stats or listings (claims.rst "Delete, bulk delete, pop":
the state records deleted segments for [claims] deleted_segment_memory).

The lagging replica is made for real: after swiftq deleted a segment, the
container server is told again that the segment exists (Swift's
direct_client, the message an async pending would carry), so the proxy's
listing shows it exactly as a replica that missed the DELETE does."""

import time
import uuid

from swiftq.storage import naming
from swiftq.storage.queue_state import QueueState
from tests.functional import stale_replica
from tests.functional.test_stripes import swift_client


def _gone_keys(swift, container):
    """The segments the queue state in Swift records as deleted."""
    resp = swift.get_object(container, naming.STATE, newest=True)
    return set(QueueState.from_json(resp.data).gone) \
        if resp.status == 200 else set()


def _wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_a_lagging_listing_does_not_revive_a_deleted_segment(
        api, swiftq_server, local_swift):
    queue = 'gone-' + uuid.uuid4().hex[:8]
    assert api.put('/v2/queues/%s' % queue).status_code == 201
    url = '/v2/queues/%s/messages' % queue
    posted = api.post(url, json={'messages': [
        {'body': i, 'ttl': 600} for i in range(10)]})
    assert posted.status_code == 201
    swift = swift_client(local_swift)
    container = naming.queue_container(swiftq_server.container_prefix,
                                       api.project, queue)
    [entry] = [e for e in swift.list_objects(container)
               if e['name'].startswith(naming.SEGMENT_PREFIX)]

    # A pop of every message deletes the segment by its DELETE alone (a
    # tombstone commit); the state write that records it comes when the
    # lease is given back.
    popped = api.delete(url, params={'pop': 10})
    assert len(popped.json()['messages']) == 10
    key = naming.key_from_segment_object(entry['name'])
    assert _wait_for(lambda: key in _gone_keys(swift, container))
    assert swift.get_object(container, entry['name'],
                            newest=True).status == 404

    stale_replica.list_again(local_swift, container, entry)
    assert entry['name'] in [e['name'] for e in swift.list_objects(container)]

    stats = api.get('/v2/queues/%s/stats' % queue).json()['messages']
    assert (stats['total'], stats['free'], stats['claimed']) == (0, 0, 0)
    listed = api.get(url, params={'echo': 'true', 'include_claimed': 'true'})
    assert listed.status_code == 200
    assert listed.json()['messages'] == []
    assert api.post('/v2/queues/%s/claims' % queue,
                    json={'ttl': 60}).status_code == 204
