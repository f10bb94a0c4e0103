"""The lease holder's writer (swiftq.storage.holder) on its own: group
commit, the lease's deadline, what the view learns and forgets. Swift is
the small in-memory fake of our own client (fake_swift.py); the real Swift
is in tests/functional (test_claim_semantics, test_claim_races, ...)."""

import json
import threading
import time

import pytest

from swiftq import conf as swiftq_conf
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage import process
from swiftq.storage.holder import commit
from swiftq.storage.holder import sync
from swiftq.storage.holder.view import QueueView
from swiftq.storage.queue_state import QueueState
from swiftq.swift.errors import DeadlinePassed
from swiftq.swift.errors import SwiftTimeout
from swiftq.swift.errors import SwiftUnavailable
from tests.unit.storage.fake_swift import FakeSwift

QUEUE = 'swiftq:proj:jobs'
STATE_PUT = ('PUT', naming.STATE)


class Holder:
    """One process's storage parts over a FakeSwift, with one queue."""

    def __init__(self, **claims):
        options = {'lease_settle_delay': 0.06, 'lease_write_deadline': 0.05,
                   'lease_idle_release': 60.0, 'lease_max_hold': 60.0}
        options.update(claims)
        self.conf = swiftq_conf.new_conf(overrides={
            ('claims', name): value for name, value in options.items()})
        self.swift = FakeSwift()
        self.dead_letters = []
        self.parts = process.ProcessParts(
            self.conf,
            lambda container, message, client_id:
                self.dead_letters.append((container, message)),
            swift=self.swift)
        self.writer = self.parts.writer
        self.swift.request('PUT', QUEUE)

    def post(self, *bodies, ttl=60, delay=0):
        """One segment per body; returns the message ids."""
        ids = []
        for body in bodies:
            ids += self.parts.segments.write(
                QUEUE, [{'ttl': ttl, 'delay': delay, 'body': body}], 'cli')
        return ids

    def view(self):
        return self.parts.leases.current(QUEUE).view

    def state_in_swift(self):
        data, _ = self.swift.containers[QUEUE][naming.STATE]
        return QueueState.from_json(data)


@pytest.fixture
def holder():
    h = Holder()
    yield h
    h.parts.leases.release_all()


def _claim(holder, limit=1, ttl=30, grace=30):
    return holder.writer.claim(QUEUE, ttl, grace, limit)


def test_a_claim_answers_after_its_state_put_with_the_claim_in_it(holder):
    [msg] = holder.post('a')
    result = _claim(holder)
    assert [p.id for p in result.picked] == [msg]
    stored = holder.state_in_swift()
    assert stored.get_live_claim(result.claim_id, time.time()) is not None
    assert stored.live_claim(msg, time.time()).id == result.claim_id


def test_concurrent_claims_share_state_puts_and_none_answers_early(holder):
    ids = holder.post('a', 'b', 'c', 'd', 'e')
    _claim(holder)                       # lease taken, view loaded
    puts_before = holder.swift.count(*STATE_PUT)
    release = holder.swift.hold(*STATE_PUT)
    results = []

    def claim():
        results.append(_claim(holder))

    first = threading.Thread(target=claim)
    first.start()
    _wait_for(lambda: holder.swift.count(*STATE_PUT) == puts_before + 1)
    others = [threading.Thread(target=claim) for _ in range(3)]
    for thread in others:
        thread.start()
    view = holder.view()
    _wait_for(lambda: view.version == view.committed + 4)
    time.sleep(0.1)
    assert results == []                 # nobody answers before a PUT ack
    release.set()
    for thread in [first] + others:
        thread.join(5)
    # The first PUT carried the first claim; one more carried the other 3.
    assert holder.swift.count(*STATE_PUT) == puts_before + 2
    claimed = sorted(p.id for r in results for p in r.picked)
    assert claimed == sorted(ids[1:])    # four claims, no message twice
    stored = holder.state_in_swift()
    assert {c for c in stored.claims} >= {r.claim_id for r in results}


def test_a_failed_state_put_breaks_the_view_and_loses_nothing(holder):
    [msg] = holder.post('a')
    _take_lease(holder)
    view = holder.view()
    holder.swift.fail('PUT', naming.STATE, 503)
    with pytest.raises(SwiftUnavailable):
        _claim(holder)
    assert view.broken
    assert holder.parts.leases.current(QUEUE) is None     # given back
    # The next claim starts from Swift's state, where the failed claim is
    # not: the message is free again.
    assert [p.id for p in _claim(holder).picked] == [msg]
    assert holder.view() is not view


def test_no_state_put_is_sent_once_the_lease_has_run_out():
    swift = FakeSwift()
    writer = commit.StateWriter(swift, segments=None, read_timeout=10.0,
                                deleted_memory=0)

    class RunOut:
        container = QUEUE

        def write_deadline(self):
            return time.monotonic() - 0.001

    view = QueueView(QueueState(), {})
    with view.mutex:
        version = view.changed()
    with pytest.raises(DeadlinePassed):
        writer.flush(RunOut(), view, version)
    assert swift.requests == []
    assert view.broken and view.committed == 0


def test_a_state_put_acknowledged_after_the_lease_ran_out_is_not_answered(
        holder):
    """#15.1: the PUT left in time but its answer came after the lease's
    end, when another process may have taken the lease from a state
    without this claim: the claim is not answered with its messages. It
    runs once more under a new lease, which finds them held by the claim
    that landed late (held until its TTL, handed to nobody)."""
    [first, second] = holder.post('a', 'b')
    _claim(holder)                          # lease taken, view loaded
    lease = holder.parts.leases.current(QUEUE)
    release = holder.swift.hold(*STATE_PUT)
    outcome = []

    def claim():
        try:
            outcome.append(_claim(holder))
        except Exception as exc:
            outcome.append(exc)

    thread = threading.Thread(target=claim)
    thread.start()
    _wait_for(lambda: holder.swift.count(*STATE_PUT) == 2)
    lease.valid_until = time.monotonic() + 0.05     # runs out in flight
    time.sleep(0.1)
    release.set()
    thread.join(15)
    [result] = outcome
    assert result.picked == [], result              # not answered twice
    late = [c for c in holder.state_in_swift().claims.values()
            if second in c.messages]
    assert len(late) == 1 and late[0].id != result.claim_id
    assert holder.parts.leases.current(QUEUE) is not lease  # a new lease


def test_a_claim_whose_put_missed_the_deadline_runs_again_on_a_new_lease(
        holder, monkeypatch):
    """A busy process: the claim took so long choosing its messages that
    its state PUT could not be sent by the lease's deadline. Nothing left,
    so the claim runs once more under a new lease and gets the message
    (it used to answer 503)."""
    [msg] = holder.post('a')
    _take_lease(holder)
    lease = holder.parts.leases.current(QUEUE)
    pick_free = holder.writer._pick_free
    slow = [lease]

    def pick_slowly(*args):
        picked = pick_free(*args)
        if slow:
            slow.pop().valid_until = time.monotonic() - 0.01    # too long
        return picked

    monkeypatch.setattr(holder.writer, '_pick_free', pick_slowly)
    result = _claim(holder)
    assert [p.id for p in result.picked] == [msg]
    assert holder.swift.count(*STATE_PUT) == 1      # the late one never left
    assert holder.parts.leases.current(QUEUE) is not lease
    assert holder.state_in_swift().get_live_claim(result.claim_id,
                                                  time.time())


def test_every_write_under_a_lease_carries_its_deadline(holder):
    """#15.1/#15.2: state PUTs, tombstone DELETEs, lease renewals and the
    release are all bounded by the lease's deadline (their timeouts are
    computed when they leave, after every wait)."""
    [a, b] = holder.post('a', 'b')
    result = _claim(holder)
    lease = holder.parts.leases.current(QUEUE)
    holder.writer.delete(QUEUE, a, result.claim_id)    # a tombstone commit
    assert holder.parts.leases._renew(lease)
    holder.parts.leases.retire(lease)                  # the release

    def is_under_lease(r):
        if r.method == 'PUT':
            return r.obj in (naming.STATE, naming.LEASE)
        return r.method == 'DELETE' and r.obj is not None and \
            r.obj.startswith(naming.SEGMENT_PREFIX)

    # the first two lease PUTs are the acquisition's (each bounded by
    # Delta from its read)
    under_lease = [r for r in holder.swift.requests if is_under_lease(r)]
    lease_puts = [r for r in under_lease if r.obj == naming.LEASE]
    assert len(lease_puts) == 4     # 2 rounds, renewal, release
    kinds = {(r.method, r.obj.split('/')[0]) for r in under_lease}
    assert {('PUT', naming.STATE), ('PUT', naming.LEASE),
            ('DELETE', naming.SEGMENT_PREFIX.rstrip('/'))} <= kinds
    for r in under_lease:
        assert r.deadline is not None, r
        # the timeout is computed just before ``sent_at`` is noted (the
        # fake's lock in between): a few ms of slack on a busy machine,
        # against the 2-10 s the timeout would be without the deadline
        assert r.sent_at < r.deadline and \
            r.sent_at + r.timeout <= r.deadline + 0.05, r


def test_a_release_is_not_sent_after_the_lease_deadline(holder):
    """#15.2: a release that left late could land after the next holder's
    lease PUT and make a held lease look free. It is a PUT marking the
    lease free (never retried), bounded by the deadline."""
    holder.post('a')
    _claim(holder)
    lease = holder.parts.leases.current(QUEUE)
    holder.swift._retries = 2
    holder.swift._backoff = 0.1
    # Swift answers the release 503: it is not sent again.
    holder.swift.fail('PUT', naming.LEASE, 503)
    holder.parts.leases.retire(lease)
    sent = [r for r in holder.swift.requests
            if (r.method, r.obj) == ('PUT', naming.LEASE)]
    assert len(sent) == 3           # the acquisition's two and one release
    release = sent[-1]
    assert release.deadline is not None
    assert release.sent_at < release.deadline
    assert holder.swift.count('DELETE', naming.LEASE) == 0


def test_a_release_marks_the_lease_free_with_the_state_generation(holder):
    """The next holder takes a released lease at once, and learns which
    state generation it must find (claims.rst, "The state floor")."""
    holder.post('a', 'b')
    _claim(holder)
    _claim(holder)
    holder.parts.leases.release_all()
    data, _ = holder.swift.containers[QUEUE][naming.LEASE]
    doc = json.loads(data)
    assert doc['free'] is True
    assert doc['state'] == holder.state_in_swift().generation == 2


def _second_process(holder):
    """Another process's parts over the same fake Swift."""
    other = Holder()
    other.swift = holder.swift
    other.parts = process.ProcessParts(
        holder.conf, lambda *args: None, swift=holder.swift)
    other.writer = other.parts.writer
    return other


def test_a_state_missing_or_older_than_the_lease_says_is_not_used(holder):
    """#15: a state read (X-Newest) that answers 404, or an older state,
    while the lease object says a newer one was written (the replicas
    holding it did not answer) must not be taken for the queue's state:
    the claims in it would be forgotten and their messages handed out
    again. The holder refuses it (503) and claims nothing."""
    [a, b] = holder.post('a', 'b')
    first = _claim(holder)
    assert [p.id for p in first.picked] == [a]
    old_state = holder.swift.containers[QUEUE][naming.STATE]
    holder.parts.leases.release_all()
    other = _second_process(holder)
    try:
        # 404: as when the only replicas that answered never had it
        del holder.swift.containers[QUEUE][naming.STATE]
        with pytest.raises(SwiftUnavailable):
            other.writer.claim(QUEUE, 30, 30, 2)
        # an older generation: a stale replica's copy
        data, headers = old_state
        stale = QueueState.from_json(data)
        stale.generation -= 1
        stale.claims.clear()
        stale._reindex()
        holder.swift.containers[QUEUE][naming.STATE] = (stale.to_json(),
                                                        headers)
        with pytest.raises(SwiftUnavailable):
            other.writer.claim(QUEUE, 30, 30, 2)
        # the replicas answer again: the live claim is kept
        holder.swift.containers[QUEUE][naming.STATE] = old_state
        second = other.writer.claim(QUEUE, 30, 30, 2)
        assert [p.id for p in second.picked] == [b]
    finally:
        other.parts.leases.release_all()


def test_a_state_put_never_outlives_the_lease(holder):
    holder.post('a')
    _claim(holder)
    lease = holder.parts.leases.current(QUEUE)
    [timeout] = [r.timeout for r in holder.swift.requests
                 if (r.method, r.obj) == STATE_PUT]
    conf = holder.conf.claims
    assert 0 < timeout <= conf.lease_seconds - conf.max_clock_skew
    assert timeout <= lease.remaining() + 1.0


def test_nothing_free_tells_when_a_message_may_be_free_again(holder):
    holder.post('a')
    taken = _claim(holder, ttl=30)
    result = _claim(holder)
    assert result.claim_id is None and result.picked == []
    claim = holder.view().state.claims[taken.claim_id]
    assert result.next_release == pytest.approx(
        claim.expires + holder.conf.claims.max_clock_skew)


def test_deleting_a_whole_segment_is_committed_by_its_delete(holder):
    [msg] = holder.post('a')
    taken = _claim(holder)
    key = naming.split_message_id(msg)[0]
    puts = holder.swift.count(*STATE_PUT)
    holder.writer.delete(QUEUE, msg, taken.claim_id)
    # The segment's tombstone is the record: no state PUT was needed.
    assert holder.swift.count(*STATE_PUT) == puts
    assert naming.segment_object(key) not in holder.swift.containers[QUEUE]
    view = holder.view()
    assert key not in view.segments and key in view.state.gone
    assert view.pending()
    # Before the lease is given back, the record goes to Swift.
    holder.parts.leases.release_all()
    assert key in holder.state_in_swift().gone


def test_a_delete_that_leaves_a_segment_alive_writes_the_state(holder):
    ids = holder.parts.segments.write(
        QUEUE, [{'ttl': 60, 'delay': 0, 'body': b} for b in 'ab'], 'cli')
    puts = holder.swift.count(*STATE_PUT)
    holder.writer.delete(QUEUE, ids[0])
    assert holder.swift.count(*STATE_PUT) == puts + 1
    assert holder.state_in_swift().is_deleted(ids[0])
    assert [p.id for p in _claim(holder).picked] == [ids[1]]


def test_a_claimed_message_is_not_deleted_without_its_claim(holder):
    claimed, free = holder.post('a', 'b')
    _claim(holder)
    for other_claim in (None, 'a' * 32):
        with pytest.raises(errors.MessageIsClaimed):
            holder.writer.delete(QUEUE, claimed, other_claim)
    with pytest.raises(errors.MessageNotClaimed):
        holder.writer.delete(QUEUE, free, 'a' * 32)


def test_a_claim_of_each_message_holds_each_alone_in_one_state_put(holder):
    first, second = holder.post('a', 'b')
    _take_lease(holder)
    puts = holder.swift.count(*STATE_PUT)
    result = holder.writer.claim(QUEUE, 30, 0, 5, each=True)
    assert [p.id for p in result.picked] == [first, second]
    assert holder.swift.count(*STATE_PUT) == puts + 1
    one, two = result.claim_ids
    assert one != two and result.claim_id == one
    now = time.time()
    stored = holder.state_in_swift()
    assert stored.get_live_claim(one, now).messages == [first]
    assert stored.get_live_claim(two, now).messages == [second]
    # Releasing one message's claim frees it alone.
    holder.writer.release(QUEUE, one)
    assert [p.id for p in _claim(holder, limit=5).picked] == [first]


def test_a_late_listing_row_is_found_by_listing_from_the_head(
        holder, monkeypatch):
    [late] = holder.post('late')
    late_key = naming.split_message_id(late)[0]
    late_object = holder.swift.containers[QUEUE].pop(
        naming.segment_object(late_key))
    [later] = holder.post('later')
    assert [p.id for p in _claim(holder).picked] == [later]
    # The earlier segment's row arrives after the view listed past it.
    holder.swift.containers[QUEUE][naming.segment_object(late_key)] = \
        late_object
    monkeypatch.setattr(sync, 'RELIST_INTERVAL', 60.0)
    assert _claim(holder).picked == []      # the tail listing misses it
    monkeypatch.setattr(sync, 'RELIST_INTERVAL', 0.0)
    assert [p.id for p in _claim(holder).picked] == [late]


def test_own_posts_are_claimed_without_reading_them_back(holder):
    _take_lease(holder)
    messages = holder.parts.segments
    ids = messages.write(QUEUE, [{'ttl': 60, 'delay': 0, 'body': 'mine'}],
                         'cli', own_posts=_own_posts(holder))
    key = naming.split_message_id(ids[0])[0]
    gets = holder.swift.count('GET', naming.segment_object(key))
    result = _claim(holder)
    assert [p.body for p in result.picked] == ['mine']
    assert holder.swift.count('GET', naming.segment_object(key)) == gets


def test_a_message_past_its_max_claim_count_goes_to_the_dead_letters():
    h = Holder()
    try:
        metadata = {'_max_claim_count': 1, '_dead_letter_queue': 'dlq'}
        h.writer.update_metadata(QUEUE, lambda current: metadata)
        [msg] = h.post('poison')
        taken = _claim(h)
        h.writer.release(QUEUE, taken.claim_id)
        assert _claim(h).picked == []
        assert h.dead_letters == [
            ('swiftq:proj:dlq', {'ttl': 60, 'delay': 0, 'body': 'poison'})]
        assert h.view().state.is_deleted(msg)
    finally:
        h.parts.leases.release_all()


def _take_lease(holder):
    """Take the queue's lease and load its view, changing nothing."""
    holder.writer.release(QUEUE, 'e' * 32)
    assert holder.view() is not None


def _own_posts(holder):
    from swiftq.storage.holder.view import OwnPosts
    return OwnPosts.for_post(holder.parts.leases, QUEUE)


def _wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, 'condition not met in time'
        time.sleep(0.005)


def test_a_segment_read_as_missing_keeps_its_deletions(holder, monkeypatch):
    """#15: a listed segment whose X-Newest GET answers 404 while the
    state says some of its messages are live (the replicas that hold it
    did not answer) is skipped, not forgotten. Forgetting it dropped its
    deletions from the next state PUT, and a deleted message came back
    once the segment could be read again."""
    monkeypatch.setattr(sync, 'MISSING_RETRY', 0.0)
    [a, b] = holder.parts.segments.write(
        QUEUE, [{'ttl': 60, 'delay': 0, 'body': 'a'},
                {'ttl': 60, 'delay': 0, 'body': 'b'}], 'cli')
    [c] = holder.post('c')
    first = _claim(holder)
    assert [p.id for p in first.picked] == [a]
    holder.writer.delete(QUEUE, a, first.claim_id)
    holder.parts.leases.release_all()
    other = _second_process(holder)
    try:
        key = naming.split_message_id(a)[0]
        holder.swift.fail('GET', naming.segment_object(key), 404)
        second = other.writer.claim(QUEUE, 30, 30, 2)
        assert [p.id for p in second.picked] == [c]
        assert holder.state_in_swift().is_deleted(a)
        # the segment answers again: b is claimed, never the deleted a
        third = other.writer.claim(QUEUE, 30, 30, 2)
        assert [p.id for p in third.picked] == [b]
    finally:
        other.parts.leases.release_all()


def test_a_lease_is_dated_from_the_read_before_its_last_put(holder):
    """Readers date a lease from its newest PUT's Swift timestamp, which is
    after the read that allowed that PUT: the holder's deadline counts
    from that read (never from a later one, which would outlast what
    readers think)."""
    holder.post('a')
    _claim(holder)
    lease = holder.parts.leases.current(QUEUE)
    puts = [r for r in holder.swift.requests
            if (r.method, r.obj) == ('PUT', naming.LEASE)]
    assert len(puts) == 2
    conf = holder.conf.claims
    assert lease.valid_until <= puts[-1].sent_at + conf.lease_seconds - \
        conf.max_clock_skew


def test_a_second_round_too_slow_is_tried_again(holder):
    """A second-round PUT whose answer was lost does not give the attempt
    up while the lease still reads as ours: the round is tried again from
    a new read (the late PUT carries our own nonce)."""
    holder.swift.fail('GET', naming.LEASE, 404)     # the first read
    holder.swift.fail('PUT', naming.LEASE, 201)     # round 1, not stored
    leases = holder.parts.leases
    assert leases._try_acquire(QUEUE) is None       # read-back: not ours
    holder.swift.requests.clear()
    real = holder.swift._send_authenticated
    puts = []

    def lose_second(method, container, obj, *args):
        resp = real(method, container, obj, *args)
        if (method, obj) == ('PUT', naming.LEASE):
            puts.append(resp)
            if len(puts) == 2:
                raise SwiftTimeout('injected: answer lost')
        return resp
    holder.swift._send_authenticated = lose_second
    lease = leases._try_acquire(QUEUE)
    assert lease is not None
    assert len(puts) == 3


def test_a_lease_handed_over_is_taken_in_one_round_by_its_successor_only(
        holder):
    """A holder gives its lease back to the process that asked for it
    (``lease-wanted`` names it): the lease object names that successor,
    every other process takes it as held, and the successor, the only
    writer while it lasts, takes it in one round (no PUT can tie with
    its own)."""
    holder.post('a')
    _claim(holder)
    successor = _second_process(holder)
    other = _second_process(holder)
    try:
        successor.parts.leases._say_wanted(QUEUE)
        lease = holder.parts.leases.current(QUEUE)
        lease.acquired -= holder.conf.claims.lease_max_hold
        holder.parts.leases._reap_once()
        assert holder.parts.leases.current(QUEUE) is None
        data, _ = holder.swift.containers[QUEUE][naming.LEASE]
        assert json.loads(data)['successor'] == \
            successor.parts.leases._holder
        assert other.parts.leases._try_acquire(QUEUE) is None
        before = holder.swift.count('PUT', naming.LEASE)
        taken = successor.parts.leases._try_acquire(QUEUE)
        assert taken is not None
        assert holder.swift.count('PUT', naming.LEASE) == before + 1
        assert taken.state_floor == holder.state_in_swift().generation
    finally:
        for h in (successor, other):
            h.parts.leases.release_all()
