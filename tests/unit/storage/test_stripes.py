"""Stripe naming, id mapping, count rules and the choice of stripe
(doc/source/design/stripes.rst). The picker is tested with a small fake
lease keeper: what is under test is its order of preference."""

import pytest

from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage import stripes
from swiftq.swift.errors import SwiftUnavailable

QUEUE = 'sq:proj:jobs'


def test_stripe_containers_stay_out_of_the_catalog():
    assert naming.stripe_container(QUEUE, 0) == QUEUE
    third = naming.stripe_container(QUEUE, 3)
    assert third == 'sq+3:proj:jobs'
    assert not third.startswith(naming.catalog_prefix('sq', 'proj'))
    assert naming.queue_of_stripe(third) == QUEUE
    assert naming.queue_of_stripe(QUEUE) == QUEUE
    assert naming.stripe_of_container(third) == 3
    assert naming.stripe_of_container(QUEUE) == 0
    assert naming.queue_name_from_container(third) == 'jobs'


def test_ids_carry_their_stripe():
    plain = 'a' * 28
    assert naming.striped_id(plain, 0) == plain
    assert naming.striped_id(plain, 5) == plain + '05'
    assert naming.split_striped_message_id(plain) == (0, plain)
    assert naming.split_striped_message_id(plain + '3f') == (63, plain)
    claim = 'b' * 32
    assert naming.split_striped_claim_id(claim + '0a') == (10, claim)
    for bad in (plain + '00', plain + '1', plain.upper(), 'x' * 28, None,
                claim + '00', 42):
        assert naming.split_striped_message_id(bad) is None
    assert naming.split_striped_claim_id(plain) is None
    # never the id of a real claim (uuid4 hex has a 4 at index 12)
    assert naming.FOREIGN_CLAIM_ID[12] != '4'
    assert naming.is_claim_id(naming.FOREIGN_CLAIM_ID)


def test_layout_maps_client_ids_to_stripes():
    layout = stripes.Layout(QUEUE, 4)
    assert layout.containers == [QUEUE, 'sq+1:proj:jobs', 'sq+2:proj:jobs',
                                 'sq+3:proj:jobs']
    plain = 'c' * 28
    assert layout.outward('sq+2:proj:jobs', plain) == plain + '02'
    assert layout.outward(QUEUE, plain) == plain
    assert layout.outward(QUEUE, None) is None
    assert layout.message(plain + '02') == ('sq+2:proj:jobs', plain)
    # beyond this process's count (it may be stale): still located
    assert layout.message(plain + '09') == ('sq+9:proj:jobs', plain)
    assert layout.message('nope') is None
    groups = layout.group_messages([plain + '01', plain, 'bad',
                                    'd' * 28 + '01'])
    assert groups == {'sq+1:proj:jobs': [(plain + '01', plain),
                                         ('d' * 28 + '01', 'd' * 28)],
                      QUEUE: [(plain, plain)]}


def test_counts_only_grow():
    assert stripes.count_to_record({}, None, 1) == 1
    assert stripes.count_to_record({}, None, 4) == 4
    assert stripes.count_to_record({'_stripes': 8}, None, 4) == 8
    assert stripes.count_to_record({'_stripes': 2}, 6, 1) == 6
    assert stripes.count_to_record({'_stripes': True}, None, 1) == 1
    assert stripes.count_to_record({'_stripes': 65}, None, 1) == 1
    assert stripes.count_from_headers({}) == 1
    assert stripes.count_from_headers(
        {stripes.STRIPES_HEADER: '7'}) == 7
    assert stripes.count_from_headers(
        {stripes.STRIPES_HEADER: 'x'}) == 1
    assert stripes.count_from_headers(
        {stripes.STRIPES_HEADER: '999'}) == naming.MAX_STRIPES


class FakeLeases:
    def __init__(self, held=(), busy=(), active=None):
        self.held = set(held)
        self.busy = set(busy)
        self.active = dict(active or {})   # held stripe -> operations

    def holds(self, container):
        return container in self.held

    def in_use(self, container):
        return self.active.get(container, 0) if container in self.held \
            else 0


class Recorder:
    """``operation`` for the picker: messages per stripe, busy leases."""

    def __init__(self, leases, messages, failing=()):
        self.leases = leases
        self.messages = messages
        self.failing = set(failing)
        self.calls = []

    def __call__(self, container, wait):
        self.calls.append((container, wait))
        if container in self.failing:
            raise SwiftUnavailable('lease PUT timed out')
        if not wait and container in self.leases.busy:
            raise errors.LeaseBusy(container)
        return self.messages.get(container, [])


def pick(held=(), busy=(), messages=None, probe=None, failing=(),
         active=None):
    layout = stripes.Layout(QUEUE, 4)
    leases = FakeLeases(held, busy, active)
    messages = messages or {}
    recorder = Recorder(leases, messages, failing)
    picker = stripes.StripePicker(
        leases, probe or (lambda c: bool(messages.get(c))))
    result = picker.take(layout, recorder, bool)
    return result, recorder.calls


S = [naming.stripe_container(QUEUE, k) for k in range(4)]


def test_a_held_stripe_is_used_without_a_probe():
    probed = []
    result, calls = pick(held=[S[2]], messages={S[2]: ['m'], S[0]: ['n']},
                         probe=lambda c: probed.append(c) or True)
    assert result == ['m'] and calls == [(S[2], True)] and probed == []


def test_free_stripes_are_taken_without_waiting_and_empty_ones_skipped():
    result, calls = pick(messages={S[3]: ['m']})
    assert result == ['m'] and calls == [(S[3], False)]


def test_stripes_held_elsewhere_are_waited_for_only_as_a_last_resort():
    result, calls = pick(busy=[S[1]], messages={S[1]: ['m'], S[2]: ['n']})
    assert result == ['n']
    assert (S[1], True) not in calls
    result, calls = pick(busy=[S[1]], messages={S[1]: ['m']})
    assert result == ['m'] and calls[-1] == (S[1], True)


def test_one_failing_stripe_does_not_fail_the_claim():
    result, calls = pick(failing=[S[0]], messages={S[0]: ['x'],
                                                   S[1]: ['m']})
    assert result == ['m']
    with pytest.raises(SwiftUnavailable):
        pick(failing=[S[0]], messages={S[0]: ['x']})


def test_nothing_anywhere_costs_only_probes():
    result, calls = pick()
    assert not result and calls == []


def test_calls_start_at_the_next_stripe_in_turn():
    layout = stripes.Layout(QUEUE, 4)
    leases = FakeLeases()
    seen = []

    def probe(container):
        seen.append(container)
        return False

    picker = stripes.StripePicker(leases, probe)
    for _ in range(4):
        picker.take(layout, lambda c, w: [], bool)
    firsts = seen[::4]
    assert sorted(firsts) == sorted(S)


def test_a_single_stripe_queue_is_claimed_as_before():
    layout = stripes.Layout(QUEUE, 1)
    calls = []
    picker = stripes.StripePicker(FakeLeases(), lambda c: False)
    assert picker.take(layout, lambda c, w: calls.append((c, w)) or ['m'],
                       bool) == ['m']
    assert calls == [(QUEUE, True)]


def test_a_process_with_a_stripe_of_its_own_never_waits_for_another():
    result, calls = pick(held=[S[0]], busy=[S[1]], messages={S[1]: ['m']})
    assert not result
    assert all(wait is False or c == S[0] for c, wait in calls)


def test_a_stripe_found_busy_is_passed_over_for_a_while():
    layout = stripes.Layout(QUEUE, 4)
    leases = FakeLeases(held=[S[0]], busy=[S[1]])
    probes = []
    recorder = Recorder(leases, {S[1]: ['m']})
    picker = stripes.StripePicker(leases,
                                  lambda c: probes.append(c) or c == S[1])
    picker.take(layout, recorder, bool)
    picker.take(layout, recorder, bool)
    assert probes.count(S[1]) == 1


def test_an_idle_held_stripe_comes_before_one_in_use():
    for _ in range(8):      # whichever stripe the turn starts at
        result, calls = pick(held=[S[0], S[1]], active={S[0]: 1},
                             messages={S[0]: ['a'], S[1]: ['b']})
        assert result == ['b'] and calls == [(S[1], True)]


def test_with_every_held_stripe_in_use_a_free_one_is_taken_first():
    result, calls = pick(held=[S[0]], active={S[0]: 1},
                         messages={S[0]: ['a'], S[2]: ['c']})
    assert result == ['c'] and calls == [(S[2], False)]


def test_else_the_least_used_held_stripe_serves():
    result, calls = pick(held=[S[0], S[1]], active={S[0]: 2, S[1]: 1},
                         busy=[S[2]], messages={S[0]: ['a'], S[1]: ['b']})
    assert result == ['b'] and calls[-1] == (S[1], True)
    assert (S[0], True) not in calls


def test_stripes_probed_empty_while_spreading_are_left_alone_a_while():
    layout = stripes.Layout(QUEUE, 4)
    leases = FakeLeases(held=[S[0]], active={S[0]: 1})
    probes = []
    recorder = Recorder(leases, {S[0]: ['a']})
    picker = stripes.StripePicker(leases, lambda c: probes.append(c))
    assert picker.take(layout, recorder, bool) == ['a']
    assert picker.take(layout, recorder, bool) == ['a']
    assert sorted(probes) == sorted(S[1:])      # once each
    # A process with nothing in use probes as before.
    leases.active = {}
    picker.take(layout, Recorder(leases, {}), bool)
    assert len(probes) == 6
