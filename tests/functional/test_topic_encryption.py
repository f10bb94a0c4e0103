"""A topic's message bodies encrypted at rest (``_enable_encrypt_messages``
in its metadata), as a queue's are (``test_encryption.py``): Swift holds
no plaintext in the topic's container, every API read decrypts."""

import json

from swiftq.storage import encryption
from swiftq.storage import naming
from tests.functional.test_encryption import BODIES
from tests.functional.test_encryption import KEY
from tests.functional.test_encryption import MARK
from tests.functional.test_encryption import clients  # noqa: F401
from tests.functional.test_encryption import keyed  # noqa: F401
from tests.functional.test_encryption import prefix  # noqa: F401
from tests.functional.test_encryption import queue_name
from tests.functional.test_encryption import swift  # noqa: F401


def test_topic_bodies_are_sealed_in_swift_and_read_back(keyed, swift,
                                                        clients):
    api, = clients()
    topic = queue_name('sealed-topic')
    resp = api.put('/v2/topics/' + topic,
                   json={'_enable_encrypt_messages': True})
    assert resp.status_code == 201, resp.text
    resp = api.post('/v2/topics/%s/messages' % topic, json={
        'messages': [{'body': b, 'ttl': 300} for b in BODIES]})
    assert resp.status_code == 201, resp.text
    hrefs = resp.json()['resources']

    container = naming.queue_container(keyed.container_prefix + '-topics',
                                       api.project, topic)
    stored = [swift.get_object(container, entry['name']).data
              for entry in swift.iter_objects(
                  container, prefix=naming.SEGMENT_PREFIX)]
    assert len(stored) == 1
    assert MARK.encode() not in stored[0]
    sealed = json.loads(stored[0])['s']
    assert sealed['key'] == encryption.Key.from_secret(KEY).id

    listed = api.get('/v2/topics/%s/messages' % topic,
                     params={'echo': 'true'}).json()['messages']
    assert [m['body'] for m in listed] == BODIES
    assert api.get(hrefs[1]).json()['body'] == BODIES[1]
    popped = api.delete('/v2/topics/%s/messages' % topic,
                        params={'pop': 1}).json()['messages']
    assert [m['body'] for m in popped] == BODIES[:1]
