"""Message bodies encrypted at rest (``_enable_encrypt_messages``), over
real HTTP, a real Swift and a real notifier: doc/source/encryption.rst.

Three API servers share one container prefix, so they see the same
queues with different ``[transport]`` keys: ``keyed`` (KEY), ``changed``
(NEW_KEY only: the key was changed without keeping the old one) and
``rotated`` (NEW_KEY, KEY kept in ``message_encryption_old_keys``). What
Swift holds is read with the test's own Swift client, not through swiftq.
"""

import hashlib
import json
import uuid

import pytest

from swiftq.storage import encryption
from swiftq.storage import naming
from swiftq.storage import segments
from tests.functional import server as server_lib
from tests.functional.notifier_process import NotifierProcess
from tests.functional.receivers import HttpReceiver
from tests.functional.test_notifier import message_ids
from tests.functional.test_notifier import wait_until
from tests.functional.test_stripes import swift_client

KEY = 'functional-key-one'
NEW_KEY = 'functional-key-two'
#: In every body posted: never to be found in what Swift holds.
MARK = 'plaintext-%s' % uuid.uuid4().hex[:8]
PATCH_TYPE = 'application/openstack-messaging-v2.0-json-patch'
UNAVAILABLE_TITLE = 'Service temporarily unavailable'


@pytest.fixture(scope='module')
def prefix():
    return server_lib.unique_prefix()


def _server(factory, prefix, key, old=None):
    overrides = {('transport', 'message_encryption_key'): key,
                 (None, 'enable_checksum'): True}
    if old:
        overrides[('transport', 'message_encryption_old_keys')] = old
    return factory(workers=1, container_prefix=prefix, overrides=overrides)


@pytest.fixture(scope='module')
def keyed(swiftq_server_factory, prefix):
    return _server(swiftq_server_factory, prefix, KEY)


@pytest.fixture(scope='module')
def changed(swiftq_server_factory, prefix):
    return _server(swiftq_server_factory, prefix, NEW_KEY)


@pytest.fixture(scope='module')
def rotated(swiftq_server_factory, prefix):
    return _server(swiftq_server_factory, prefix, NEW_KEY, [KEY])


@pytest.fixture(scope='module')
def swift(local_swift):
    return swift_client(local_swift)


@pytest.fixture
def clients(api_factory, keyed):
    """``clients(server, ...)``: clients of one project on those
    servers (the first is ``keyed``'s)."""
    first = api_factory(server=keyed)

    def make(*servers):
        return [first] + [api_factory(project=first.project, server=s)
                          for s in servers]
    return make


def queue_name(tag):
    return '%s-%s' % (tag, uuid.uuid4().hex[:6])


def create(api, queue, encrypted):
    resp = api.put('/v2/queues/' + queue,
                   json={'_enable_encrypt_messages': encrypted})
    assert resp.status_code == 201, resp.text


def set_encrypted(api, queue, encrypted):
    resp = api.patch('/v2/queues/' + queue, headers={
        'Content-Type': PATCH_TYPE}, data=json.dumps([{
            'op': 'replace', 'path': '/metadata/_enable_encrypt_messages',
            'value': encrypted}]))
    assert resp.status_code == 200, resp.text


def post(api, queue, bodies, ttl=300):
    resp = api.post('/v2/queues/%s/messages' % queue,
                    json={'messages': [{'body': b, 'ttl': ttl}
                                       for b in bodies]})
    assert resp.status_code == 201, resp.text
    return resp.json()['resources']


def listed_bodies(api, queue):
    resp = api.get('/v2/queues/%s/messages' % queue,
                   params={'echo': 'true', 'limit': 20})
    assert resp.status_code == 200, resp.text
    return [m['body'] for m in resp.json()['messages']]


def stored_segments(swift, server, api, queue):
    """``[(segment document, raw bytes)]`` of the queue, in post order,
    as Swift has them."""
    container = naming.queue_container(server.container_prefix,
                                       api.project, queue)
    found = []
    for entry in swift.iter_objects(container, prefix=naming.SEGMENT_PREFIX):
        data = swift.get_object(container, entry['name']).data
        found.append((json.loads(data), data))
    return found


def assert_refused_undecryptable(resp):
    assert resp.status_code == 503, resp.text
    assert resp.json() == {'title': UNAVAILABLE_TITLE,
                           'description': segments.CANNOT_DECRYPT}


def md5_of(body):
    return 'MD5:' + hashlib.md5(json.dumps(body).encode()).hexdigest()


BODIES = [MARK + ' as a string', {'text': MARK, 'n': [1, 2.5, None]},
          [MARK, True], 'short']


def test_swift_holds_no_plaintext_and_every_read_decrypts(keyed, swift,
                                                          clients):
    api, = clients()
    queue = queue_name('sealed')
    create(api, queue, True)
    hrefs = post(api, queue, BODIES[:2], ttl=300) + \
        post(api, queue, BODIES[2:], ttl=301)

    stored = stored_segments(swift, keyed, api, queue)
    assert len(stored) == 2
    for doc, data in stored:
        assert MARK.encode() not in data
        assert set(doc) == {'c', 's'} and doc['s']['alg'] == 'AES256'
        assert doc['s']['key'] == encryption.Key.from_secret(KEY).id

    assert listed_bodies(api, queue) == BODIES
    one = api.get(hrefs[1]).json()
    assert one['body'] == BODIES[1]
    # The checksum is of the plaintext the client gets (Zaqar's storage
    # drivers compute it after the transport encrypted: of the ciphertext,
    # which no client can check).
    assert one['checksum'] == md5_of(BODIES[1])
    ids = ','.join(h.rsplit('/', 1)[1] for h in hrefs)
    # ids in the URL as Zaqar's clients send them: literal commas
    by_ids = api.get('/v2/queues/%s/messages?ids=%s' % (queue, ids))
    assert by_ids.status_code == 200, (by_ids.status_code, by_ids.text)
    assert [m['body'] for m in by_ids.json()['messages']] == BODIES

    # Zaqar decrypts only in message list and get; a claim, a claim's get
    # and a pop are decrypted here too.
    claim = api.post('/v2/queues/%s/claims?limit=2' % queue,
                     json={'ttl': 60, 'grace': 60})
    assert claim.status_code == 201, claim.text
    assert [m['body'] for m in claim.json()['messages']] == BODIES[:2]
    held = api.get(claim.headers['Location']).json()
    assert [m['body'] for m in held['messages']] == BODIES[:2]
    popped = api.delete('/v2/queues/%s/messages' % queue,
                        params={'pop': 2})
    assert popped.status_code == 200, popped.text
    assert [m['body'] for m in popped.json()['messages']] == BODIES[2:]


def test_mixed_queues_and_a_toggled_flag(keyed, swift, clients):
    """Each segment says whether it is sealed: a plain queue beside an
    encrypted one stays plain, and turning the flag on or off changes only
    what is posted afterwards; everything stays readable."""
    api, = clients()
    plain = queue_name('plain')
    create(api, plain, False)
    post(api, plain, [MARK])
    (doc, data), = stored_segments(swift, keyed, api, plain)
    assert doc['b'] == [MARK] and 's' not in doc

    queue = queue_name('toggled')
    create(api, queue, False)
    post(api, queue, [MARK + ' before'])
    set_encrypted(api, queue, True)
    post(api, queue, [MARK + ' during'])
    set_encrypted(api, queue, False)
    post(api, queue, [MARK + ' after'])
    stored = stored_segments(swift, keyed, api, queue)
    assert ['s' in doc for doc, _ in stored] == [False, True, False]
    assert MARK.encode() not in stored[1][1]
    assert listed_bodies(api, queue) == [
        MARK + ' before', MARK + ' during', MARK + ' after']


def test_a_changed_key_is_refused_clearly_and_old_keys_still_read(
        keyed, changed, rotated, swift, clients):
    """Without the key a segment was sealed with, every read of it is a
    503 with a JSON body (never a 500 or garbage) and the log names the
    segment and key id; a message a claim or pop could not return is not
    lost. ``message_encryption_old_keys`` reads it again."""
    api, other, both = clients(changed, rotated)
    queue = queue_name('rekeyed')
    create(api, queue, True)
    first, = post(api, queue, [MARK + ' one'])
    plain = queue_name('plain')
    post(api, plain, [MARK + ' plain'])

    assert_refused_undecryptable(
        other.get('/v2/queues/%s/messages' % queue, params={'echo': 1}))
    assert_refused_undecryptable(other.get(first))
    assert_refused_undecryptable(
        other.post('/v2/queues/%s/claims' % queue, json={'ttl': 60}))
    assert_refused_undecryptable(
        other.delete('/v2/queues/%s/messages' % queue, params={'pop': 1}))
    log = open(changed.log_file).read()
    assert 'cannot decrypt segment' in log
    assert encryption.Key.from_secret(KEY).id in log
    assert KEY not in log
    assert listed_bodies(other, plain) == [MARK + ' plain']

    # Posts on the changed server are sealed with its key...
    second, = post(other, queue, [MARK + ' two'])
    stored = stored_segments(swift, keyed, api, queue)
    assert [doc['s']['key'] for doc, _ in stored] == [
        encryption.Key.from_secret(KEY).id,
        encryption.Key.from_secret(NEW_KEY).id]
    assert_refused_undecryptable(api.get(second))
    # ... and the rotated server reads both, the claim was not taken.
    assert listed_bodies(both, queue) == [MARK + ' one', MARK + ' two']
    claim = both.post('/v2/queues/%s/claims' % queue, json={'ttl': 60})
    assert claim.status_code == 201, claim.text
    assert [m['body'] for m in claim.json()['messages']] == [
        MARK + ' one', MARK + ' two']


def test_no_key_refuses_encrypted_posts(api, swiftq_server):
    """``swiftq_server`` has no message_encryption_key: the flag is
    accepted (Zaqar accepts it), posts are refused and nothing is
    stored."""
    queue = queue_name('keyless')
    create(api, queue, True)
    resp = api.post('/v2/queues/%s/messages' % queue,
                    json={'messages': [{'body': MARK, 'ttl': 300}]})
    assert resp.status_code == 503, resp.text
    assert resp.json() == {'title': UNAVAILABLE_TITLE,
                           'description': segments.CANNOT_ENCRYPT}
    assert listed_bodies(api, queue) == []
    assert 'no [transport] message_encryption_key is configured' in \
        open(swiftq_server.log_file).read()


def test_notifier_delivers_decrypted_bodies(keyed, clients, tmp_path):
    """A notifier without the key delivers nothing and logs why; with the
    key it delivers the plaintext (Zaqar's notifier would send the
    ciphertext)."""
    api, = clients()
    queue = queue_name('notified')
    create(api, queue, True)
    with HttpReceiver() as receiver:
        resp = api.post('/v2/queues/%s/subscriptions' % queue, json={
            'subscriber': receiver.endpoint('hook'), 'ttl': 3600})
        assert resp.status_code == 201, resp.text
        hrefs = post(api, queue, [{'text': MARK, 'n': i} for i in range(3)])
        posted = [h.rsplit('/', 1)[1] for h in hrefs]

        wrong = NotifierProcess(str(tmp_path), keyed, name='wrong-key', extra={
            'transport': {'message_encryption_key': NEW_KEY}})
        with wrong:
            wrong.wait_for_log('cannot decrypt segment', timeout=30)
        assert receiver.delivered('hook') == []

        right = NotifierProcess(str(tmp_path), keyed, name='right-key',
                                extra={'transport': {
                                    'message_encryption_key': KEY}})
        with right:
            wait_until(lambda: set(posted) <= set(message_ids(
                receiver.delivered('hook'))), 'delivery', timeout=30,
                process=right)
        bodies = sorted((r.json['body'] for r in receiver.delivered('hook')),
                        key=lambda b: b['n'])
        assert bodies == [{'text': MARK, 'n': i} for i in range(3)]
