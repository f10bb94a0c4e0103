"""A segment whose listing row comes late is claimed by a holder that
keeps its lease (claims.rst C2, "late, not lost": the holder lists the
queue again from its head when claims come up short).

The late row is made for real: the segment's row is taken out of the
container listing with Swift's direct_client before the holder lists the
queue, and put back once the holder's listings have gone past its key, as
an async pending replayed by the object-updater would."""

import time
import uuid

import pytest

from swiftq.storage.holder import sync
from swiftq.storage import naming
from tests.functional import stale_replica
from tests.functional.test_stripes import swift_client


@pytest.fixture(scope='module')
def holding_server(local_swift, swiftq_server_factory):
    """One worker that never gives a lease back between requests."""
    return swiftq_server_factory(swift=local_swift, workers=1, overrides={
        ('claims', 'lease_idle_release'): 120.0,
        ('claims', 'lease_max_hold'): 600.0})


def _ids(resp):
    return sorted(m['id'] for m in resp.json()['messages'])


def test_a_segment_listed_late_is_claimed_by_the_busy_holder(
        holding_server, api_factory, local_swift):
    api = api_factory(server=holding_server)
    queue = 'late-' + uuid.uuid4().hex[:8]
    url = '/v2/queues/%s' % queue
    assert api.put(url).status_code == 201
    swift = swift_client(local_swift)
    container = naming.queue_container(holding_server.container_prefix,
                                       api.project, queue)

    early = api.post(url + '/messages', json={'messages': [
        {'body': i, 'ttl': 600} for i in range(5)]})
    [entry] = [e for e in swift.list_objects(container)
               if e['name'].startswith(naming.SEGMENT_PREFIX)]
    stale_replica.unlist(local_swift, container, entry)
    later = api.post(url + '/messages', json={'messages': [
        {'body': i, 'ttl': 600} for i in range(5, 10)]})
    claimed = api.post(url + '/claims', json={'ttl': 300, 'grace': 60},
                       params={'limit': 10})
    assert _ids(claimed) == sorted(
        r.rsplit('/', 1)[1] for r in later.json()['resources'])

    stale_replica.list_again(local_swift, container, entry)
    arrived = time.monotonic()
    while True:
        resp = api.post(url + '/claims', json={'ttl': 300, 'grace': 60},
                        params={'limit': 10})
        if resp.status_code == 201:
            break
        assert resp.status_code == 204
        assert time.monotonic() - arrived < sync.RELIST_INTERVAL + 5
        time.sleep(0.2)
    assert _ids(resp) == sorted(
        r.rsplit('/', 1)[1] for r in early.json()['resources'])
