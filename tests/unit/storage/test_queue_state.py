"""The claim rules on their own (no Swift): what is free, what a claim
protects, how lives are extended and what is pruned."""

from swiftq.storage import naming
from swiftq.storage.queue_state import QueueState
from swiftq.storage.queue_state import Segment

T0 = 1_800_000_000.0


def make_segment(created=T0, count=3, ttl=60, delay=0, salt='00000000'):
    key = '%016x%s' % (int(created * 1e9), salt)
    return Segment(key, count, ttl, delay)


def test_message_ids_round_trip_through_naming():
    seg = make_segment()
    ids = seg.message_ids()
    assert len(ids) == 3
    assert [naming.split_message_id(i) for i in ids] == [
        (seg.key, 0), (seg.key, 1), (seg.key, 2)]
    assert abs(seg.created - T0) < 1e-6


def test_select_free_is_fifo_and_skips_claimed_deleted_expired_delayed():
    old = make_segment(T0 - 100, count=2, ttl=60, salt='0000000a')
    delayed = make_segment(T0 + 1, count=1, delay=30, salt='0000000b')
    seg = make_segment(T0, count=3, salt='0000000c')
    later = make_segment(T0 + 2, count=2, salt='0000000d')
    state = QueueState(skew=1.0)
    now = T0 + 5
    state.add_claim('c' * 32, [seg.message_ids()[0]], {seg.key: seg}, 30, 0,
                    now)
    state.delete_message(seg, seg.message_ids()[1])
    chosen = state.select_free([old, seg, delayed, later], now, 10)
    assert [m for _, m in chosen] == [seg.message_ids()[2]] + \
        later.message_ids()


def test_claim_protects_until_expiry_plus_skew_but_owner_only_until_expiry():
    seg = make_segment()
    state = QueueState(skew=2.0)
    msg = seg.message_ids()[0]
    state.add_claim('a' * 32, [msg], {seg.key: seg}, 10, 0, T0)
    assert state.protecting_claim(msg, T0 + 9.9).id == 'a' * 32
    assert state.live_claim(msg, T0 + 10.5) is None
    assert state.protecting_claim(msg, T0 + 11.5) is not None
    assert state.protecting_claim(msg, T0 + 12.1) is None
    assert state.is_free(seg, msg, T0 + 12.1)


def test_grace_extends_life_and_claim_count_survives_release():
    seg = make_segment(ttl=60)
    state = QueueState()
    msg = seg.message_ids()[0]
    state.add_claim('b' * 32, [msg], {seg.key: seg}, 50, 40, T0 + 30)
    assert state.message_expires(seg, msg) == T0 + 120
    state.release_claim('b' * 32)
    assert state.is_free(seg, msg, T0 + 31)
    assert state.claim_count(msg) == 1
    assert state.is_alive(seg, msg, T0 + 100)     # extended past ttl 60
    state.add_claim('c' * 32, [msg], {seg.key: seg}, 10, 0, T0 + 31)
    assert state.claim_count(msg) == 2


def test_renew_moves_expiry_and_extends_life():
    seg = make_segment(ttl=60)
    state = QueueState()
    msg = seg.message_ids()[1]
    state.add_claim('d' * 32, [msg], {seg.key: seg}, 20, 0, T0)
    state.renew_claim('d' * 32, {seg.key: seg}, 100, 10, T0 + 15)
    assert state.get_live_claim('d' * 32, T0 + 100).ttl == 100
    assert state.message_expires(seg, msg) == T0 + 125


def test_dead_segment_and_prune():
    seg = make_segment(count=2, ttl=60)
    state = QueueState(skew=1.0)
    ids = seg.message_ids()
    state.delete_message(seg, ids[0])
    assert not state.is_dead(seg, T0 + 1)
    state.delete_message(seg, ids[1])
    assert state.is_dead(seg, T0 + 1)
    state.add_claim('e' * 32, [ids[0]], {seg.key: seg}, 5, 0, T0)
    state.prune(T0 + 200)
    assert state.claims == {} and state.deleted == {} and state.counts == {}


def test_json_round_trip_keeps_everything():
    seg = make_segment()
    state = QueueState(skew=0.5)
    ids = seg.message_ids()
    state.add_claim('f' * 32, ids[:2], {seg.key: seg}, 30, 60, T0)
    state.delete_message(seg, ids[2])
    again = QueueState.from_json(state.to_json(), skew=0.5)
    assert again.to_json() == state.to_json()
    assert again.live_claim(ids[0], T0 + 1).id == 'f' * 32
    assert again.is_deleted(ids[2])
    assert again.claim_count(ids[1]) == 1


def test_foreign_ids_are_never_alive():
    state = QueueState()
    assert state.is_deleted('../../etc/passwd')
    assert naming.split_message_id('A' * 28) is None
    assert naming.split_message_id('0' * 27) is None


def test_a_deleted_segment_stays_dead_for_lagging_listings_until_forgotten():
    """A container replica that missed a segment's DELETE still lists it:
    the state says the segment is gone, every message of it dead, until
    ``until``; a state without the record (an older writer's) does not."""
    seg = make_segment(ttl=600, salt='000000aa')
    other = make_segment(T0 + 1, ttl=600, salt='000000bb')
    state = QueueState(skew=1.0)
    state.add_claim('d' * 32, seg.message_ids()[:1], {seg.key: seg}, 30, 0,
                    T0)
    state.segment_deleted(seg.key, until=T0 + 120)
    assert state.counts == {} and state.extended == {}      # forgotten
    for when in (T0 + 1, T0 + 118):
        assert not any(state.is_alive(seg, m, when)
                       for m in seg.message_ids())
        assert state.is_dead(seg, when)
        assert state.select_free([seg, other], when, 10) == [
            (other, m) for m in other.message_ids()]
    reloaded = QueueState.from_json(state.to_json(), skew=1.0)
    assert reloaded.gone == {seg.key: T0 + 120}     # a 10 s bucket
    assert reloaded.is_dead(seg, T0 + 5)
    state.prune(T0 + 122)
    assert state.gone == {}
    assert state.is_alive(seg, seg.message_ids()[1], T0 + 122)


def test_deleted_segments_cost_about_a_key_each_in_the_state_object():
    state = QueueState()
    keys = [make_segment(T0 + i / 10, salt='%08x' % i).key
            for i in range(300)]
    empty = len(state.to_json())
    for i, key in enumerate(keys):
        state.segment_deleted(key, until=T0 + 120 + i / 10)
    per_segment = (len(state.to_json()) - empty) / len(keys)
    assert naming.KEY_LEN <= per_segment < naming.KEY_LEN + 1
    assert set(QueueState.from_json(state.to_json()).gone) == set(keys)
