"""A deleted queue stays deleted although Swift may bring its container
back (claims.rst "Queue delete").

Swift keeps a deleted container's database until reclaim_age, and a
container server that receives an object row for it (the late update of a
write made before the DELETE: an async pending replayed by the
object-updater, or a slow request's update) counts the object again, and
the container exists again. The late row is made for real here, with
Swift's direct_client, as the object-updater would send it."""

import hashlib
import time
import uuid

from swiftq.storage import naming
from tests.functional import stale_replica
from tests.functional.test_stripes import swift_client

FIXED_NAMES = [naming.META, naming.STATE, naming.LEASE, naming.LEASE_WANTED,
               naming.NOTIFY]


def test_late_updates_of_earlier_writes_do_not_bring_a_queue_back(
        api, swiftq_server, local_swift):
    queue = 'del-' + uuid.uuid4().hex[:8]
    assert api.put('/v2/queues/%s' % queue).status_code == 201
    assert api.post('/v2/queues/%s/messages' % queue, json={
        'messages': [{'body': 1}]}).status_code == 201
    swift = swift_client(local_swift)
    container = naming.queue_container(swiftq_server.container_prefix,
                                       api.project, queue)
    written = time.time()       # a write of each name, before the delete
    time.sleep(0.05)
    assert api.delete('/v2/queues/%s' % queue).status_code == 204
    assert swift.request('HEAD', container).status == 404

    for name in FIXED_NAMES:
        stale_replica.list_again(local_swift, container, {
            'name': name, 'bytes': 0, 'content_type': 'application/json',
            'hash': hashlib.md5(b'').hexdigest()}, timestamp=written)

    assert swift.request('HEAD', container).status == 404
    assert api.head('/v2/queues/%s' % queue).status_code == 404
    names = [q['name'] for q in api.get('/v2/queues').json()['queues']]
    assert queue not in names
