"""Exclusivity under the faults of issue #15, injected for real on the
3-replica local Swift.

Two "processes" here are two storage stacks in this interpreter, each
with its own Swift client, lease keeper (holder id) and views: as far as
Swift and the lease protocol can tell, two API processes. The faults are
injected in our own Swift client (an authentication that stalls, an
answer lost after Swift stored the write), in which every request that is
sent reaches the real Swift and takes effect there, or in Swift itself
(replicas that lost an object, a storage node stopped).
"""

import threading
import uuid

import pytest

from swiftq import conf as swiftq_conf
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage.swift_storage import SwiftStorage
from swiftq.swift.errors import SwiftTimeout
from tests.functional import replica_files

PROJECT = 'lease-safety'


def _storage(swift, prefix, **claims):
    overrides = {('swift', 'auth_type'): 'tempauth',
                 ('swift', 'auth_url'): swift.auth_url,
                 ('swift', 'user'): swift.user,
                 ('swift', 'key'): swift.key,
                 ('swift', 'container_prefix'): prefix}
    overrides.update({('claims', k): v for k, v in claims.items()})
    return SwiftStorage(swiftq_conf.new_conf(overrides=overrides))


def _ids(messages):
    return [m['id'] for m in messages]


class StallingAuth:
    """Wraps a Swift client's authenticator: once ``arm()``ed, the token
    for the next state PUT, and every token asked for after it, waits
    until ``release()`` (a Keystone re-authentication or a tempauth round
    trip that hangs). The stall starts at the write, after the claim
    picked its messages."""

    def __init__(self, client):
        self._inner = client._auth
        self._armed = False
        self._tripped = False
        self._go = threading.Event()
        self._sending = threading.local()
        self.stalled = 0
        client._auth = self
        real_request = client.request

        def request(method, container=None, obj=None, **kwargs):
            self._sending.what = (method, obj)
            return real_request(method, container, obj, **kwargs)
        client.request = request

    def arm(self):
        self._armed = True

    def release(self):
        self._go.set()

    def get(self):
        if self._armed and getattr(self._sending, 'what', None) == (
                'PUT', naming.STATE):
            self._tripped = True
        if self._tripped and not self._go.is_set():
            # the token is being fetched again: every caller waits for it
            # (the lease renewals too)
            self.stalled += 1
            self._go.wait(60)
        return self._inner.get()

    def invalidate(self, token):
        self._inner.invalidate(token)


def _in_thread(func, *args):
    outcome = []

    def run():
        try:
            outcome.append(func(*args))
        except Exception as exc:
            outcome.append(exc)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_claim_whose_state_put_waited_out_the_lease_in_auth_is_refused(
        local_swift_3r):
    """#15.1. A holds the lease and has picked five messages for a claim
    when its Swift authentication stalls past the lease's end. B takes the
    expired lease, loads the state (without A's claim) and claims the same
    five. Before the fix, A's state PUT then left with its old timeout and
    A answered the five as well: two consumers, one message."""
    prefix = 'ls' + uuid.uuid4().hex[:6]
    a = _storage(local_swift_3r, prefix, lease_idle_release=60.0,
                 lease_max_hold=600.0)
    b = _storage(local_swift_3r, prefix)
    a.queues.create(PROJECT, 'jobs')
    posted = []
    for i in range(6):
        posted += a.messages.post(PROJECT, 'jobs',
                                  [{'ttl': 300, 'delay': 0, 'body': i}],
                                  'client-a')
    _, first = a.claims.create(PROJECT, 'jobs', 120, 60, 1)   # A: lease+view
    assert _ids(first) == posted[:1]

    auth = StallingAuth(a._process.parts.swift)
    auth.arm()
    thread, a_outcome = _in_thread(a.claims.create, PROJECT, 'jobs', 120,
                                   60, 5)
    # B waits for A's lease to expire (Swift timestamp + lease_seconds +
    # max_clock_skew), takes it and claims.
    _, b_got = b.claims.create(PROJECT, 'jobs', 120, 60, 5)
    auth.release()
    thread.join(30)
    assert auth.stalled >= 1
    assert _ids(b_got) == posted[1:]
    [a_got] = a_outcome
    assert isinstance(a_got, errors.ServiceUnavailable), \
        'A answered %r after its lease ran out' % (a_got,)


def test_a_pop_whose_write_may_have_landed_fails_instead_of_popping_on(
        local_swift_3r):
    """#15.3. A pop on a striped queue whose state PUT on one stripe was
    stored by Swift but answered too late: that stripe's popped message is
    deleted. Before the fix the pop went on to the next stripe and
    answered its messages with 200, and the first one was lost unreported.
    Now the pop answers 503 (at most once, as a timed-out pop on one
    stripe always did) and the other stripes are untouched."""
    prefix = 'ls' + uuid.uuid4().hex[:6]
    storage = _storage(local_swift_3r, prefix)
    storage.queues.create(PROJECT, 'popped', {'_stripes': 2})
    posted = []
    for i in range(4):
        # two messages per post, so popping one leaves its segment alive
        # and the pop is recorded by a state PUT
        posted += storage.messages.post(
            PROJECT, 'popped', [{'ttl': 300, 'delay': 0, 'body': [i, 0]},
                                {'ttl': 300, 'delay': 0, 'body': [i, 1]}],
            'client-p')
    client = storage._process.parts.swift
    real_request = client.request
    lost = []

    def answer_lost(method, container=None, obj=None, **kwargs):
        resp = real_request(method, container, obj, **kwargs)
        if method == 'PUT' and obj == naming.STATE and not lost:
            lost.append(container)
            raise SwiftTimeout('injected: the answer to a stored PUT was '
                               'lost')
        return resp
    client.request = answer_lost

    with pytest.raises(errors.ServiceUnavailable):
        storage.messages.pop(PROJECT, 'popped', 1)
    assert len(lost) == 1
    client.request = real_request
    # Every message of the other stripe is still there: nothing was popped
    # from it by the failed request.
    left = storage.messages.get_many(PROJECT, 'popped', posted)
    stripe_of = {m: storage._process.parts.catalog.layout(
        PROJECT, 'popped').message(m)[0] for m in posted}
    other = [m for m in posted if stripe_of[m] != lost[0]]
    assert len(other) == 4
    assert set(other) <= {m['id'] for m in left}
    # ...while the write whose answer was lost did land: one message of
    # its stripe is gone (claims.rst, "Pop": at most once).
    failed = [m for m in posted if stripe_of[m] == lost[0]]
    assert len(set(failed) - {m['id'] for m in left}) == 1


def _claim_ids(storage, queue, limit):
    return _ids(storage.claims.create(PROJECT, queue, 120, 60, limit)[1])


def _only_replica_that_has_it_is_down(local_swift, storage, queue, obj):
    """Make every primary replica of ``obj`` of the queue's container but
    one lose it, and stop the node of that one: Swift's X-Newest GET then
    answers 404 (one plain 404 is passed over by the proxy, the other is
    the whole answer: swift/proxy/controllers/base.py GetOrHeadHandler,
    rebalance_missing_suppression_count). Returns the node stopped."""
    container = storage._process.parts.catalog.container(PROJECT, queue)
    keep, *others = replica_files.primaries(local_swift, container, obj)
    for replica in others:
        replica_files.lose(replica)
    local_swift.stop_node(keep['node'])
    resp = storage._process.parts.swift.get_object(container, obj,
                                                   newest=True)
    assert resp.status == 404, 'the fault did not take: %r' % resp
    return keep['node']


def test_a_state_that_reads_as_missing_is_not_taken_for_an_empty_one(
        local_swift_3r):
    """#15, "a missing state read as empty forgets live claims". A claims
    two of three messages and gives the lease back. The state's only
    replica that still has it is on a stopped node, the two others lost
    it: Swift answers B's X-Newest read 404. Before the fix B took that as
    a queue with no claims and claimed A's two messages again. Now the
    lease object names the state generation written (the state floor), B
    refuses the read (503), and once the node is back claims only the
    third message."""
    prefix = 'ls' + uuid.uuid4().hex[:6]
    a = _storage(local_swift_3r, prefix)
    b = _storage(local_swift_3r, prefix)
    a.queues.create(PROJECT, 'held')
    posted = []
    for i in range(3):
        posted += a.messages.post(PROJECT, 'held',
                                  [{'ttl': 300, 'delay': 0, 'body': i}],
                                  'client-a')
    assert _claim_ids(a, 'held', 2) == posted[:2]
    a._process.parts.leases.release_all()
    node = _only_replica_that_has_it_is_down(local_swift_3r, b, 'held',
                                             naming.STATE)
    try:
        with pytest.raises(errors.ServiceUnavailable):
            b.claims.create(PROJECT, 'held', 120, 60, 3)
    finally:
        local_swift_3r.start_node(node)
    assert _claim_ids(b, 'held', 3) == posted[2:]


def test_a_segment_that_reads_as_missing_keeps_its_deletions(
        local_swift_3r):
    """#15, "a segment GET that answers 404 spuriously makes a claim
    forget that segment, and the next state PUT drops its deletions". A
    deletes the first message of a two-message segment and gives the
    lease back. The segment's only replica that has it is down:
    B's claim skips the segment (and claims the message of the next one),
    but its state PUT keeps the deletion. Before the fix the deletion was
    dropped and, with the node back, B handed out the deleted message."""
    prefix = 'ls' + uuid.uuid4().hex[:6]
    a = _storage(local_swift_3r, prefix)
    b = _storage(local_swift_3r, prefix)
    a.queues.create(PROJECT, 'kept')
    first_two = a.messages.post(
        PROJECT, 'kept', [{'ttl': 300, 'delay': 0, 'body': 'deleted'},
                          {'ttl': 300, 'delay': 0, 'body': 'live'}],
        'client-a')
    last = a.messages.post(PROJECT, 'kept',
                           [{'ttl': 300, 'delay': 0, 'body': 'next'}],
                           'client-a')
    a.messages.delete(PROJECT, 'kept', first_two[0])
    a._process.parts.leases.release_all()
    segment = naming.segment_object(
        naming.split_message_id(first_two[0])[0])
    node = _only_replica_that_has_it_is_down(local_swift_3r, b, 'kept',
                                             segment)
    try:
        assert _claim_ids(b, 'kept', 3) == last
    finally:
        local_swift_3r.start_node(node)
    b._process.parts.leases.release_all()
    assert _claim_ids(b, 'kept', 3) == first_two[1:]
