"""The long-poll watcher's own rules (swiftq.storage.watch), with a small
in-memory segment listing: waiting ends on news or at the deadline, claim
waiters wake one at a time and pass the news on, a waiter joins a claim
attempt in progress instead of repeating it, and the slots bound the
waiting threads. Real Swift is in tests/functional/test_long_poll.py."""

import concurrent.futures
import threading
import time
import types

import pytest

from swiftq.storage import watch as watch_mod
from swiftq.storage.queue_state import QueueState
from swiftq.storage.queue_state import Segment


def _conf(waiters=8, interval=0.05, recheck=60.0):
    return types.SimpleNamespace(
        long_poll=types.SimpleNamespace(
            watch_interval=interval, recheck_interval=recheck,
            waiters_per_worker=waiters),
        claims=types.SimpleNamespace(max_clock_skew=0.0))


class Listing:
    """Segments of one container, as SegmentStore.list returns them."""

    def __init__(self):
        self.segments = []
        self.calls = 0

    def add(self, count=1):
        key = '%016x%s' % (time.time_ns(), 'abcd0123')
        self.segments.append(Segment.from_listing({
            'name': 'm/' + key,
            'content_type': 'application/x-swiftq-segment;count=%d;ttl=300;'
                            'delay=0' % count}))

    def list(self, container, marker_key=None, limit=None):
        self.calls += 1
        return [s for s in self.segments
                if marker_key is None or s.key > marker_key][:limit]


@pytest.fixture
def pool():
    with concurrent.futures.ThreadPoolExecutor(4) as executor:
        yield executor


def _watcher(listing, pool, **conf):
    return watch_mod.Watcher(listing, lambda c: QueueState(), pool,
                             _conf(**conf))


def test_no_wait_is_one_attempt(pool):
    watcher = _watcher(Listing(), pool)
    calls = []
    result = watcher.wait('c', lambda: calls.append(1) or [], len, 0)
    assert result == [] and calls == [1]


def test_waiting_ends_at_the_deadline_without_news(pool):
    watcher = _watcher(Listing(), pool)
    began = time.monotonic()
    result = watcher.wait('c', lambda: [], len, 0.3)
    assert result == []
    assert time.monotonic() - began >= 0.3


def test_local_news_wakes_a_waiter(pool):
    watcher = _watcher(Listing(), pool, interval=30)
    box = []

    def attempt():
        return list(box)

    with concurrent.futures.ThreadPoolExecutor(1) as runner:
        future = runner.submit(watcher.wait, 'c', attempt, len, 10,
                               exclusive=True, limit=1)
        time.sleep(0.2)
        box.append('m')
        watcher.news('c')
        assert future.result(timeout=5) == ['m']


def test_a_post_seen_by_the_listing_wakes_a_waiter(pool):
    listing = Listing()
    watcher = _watcher(listing, pool, interval=0.05)
    with concurrent.futures.ThreadPoolExecutor(1) as runner:
        future = runner.submit(watcher.wait, 'c',
                               lambda: list(listing.segments), len, 10)
        time.sleep(0.3)
        assert not future.done()
        listing.add()       # posted through "another process"
        assert len(future.result(timeout=5)) == 1
    assert listing.calls >= 2


def test_claim_waiters_wake_one_at_a_time_and_pass_news_on(pool):
    """Three messages, limit 1 each: one piece of news wakes one waiter,
    which, having got all it asked for, wakes two more."""
    watcher = _watcher(Listing(), pool, interval=30)
    messages = []
    lock = threading.Lock()
    attempts = []

    def attempt():
        with lock:
            attempts.append(1)
            return [messages.pop(0)] if messages else []

    with concurrent.futures.ThreadPoolExecutor(5) as runner:
        futures = [runner.submit(watcher.wait, 'c', attempt, len, 3,
                                 exclusive=True, limit=1)
                   for _ in range(5)]
        time.sleep(0.3)
        # Only the first waiter tried; the others joined its attempt.
        assert len(attempts) == 1
        messages.extend(['a', 'b', 'c'])
        watcher.news('c')
        results = [f.result(timeout=10) for f in futures]
    got = sorted(m for r in results if r for m in r)
    assert got == ['a', 'b', 'c']
    # Every attempt after the first spends a wake-up: one from the news
    # and two from each claim that got all it asked for (3), so at most
    # 1 + 1 + 2 * 3 attempts, however long the waiters stay.
    assert len(attempts) <= 1 + 1 + 2 * 3


def test_slots_bound_the_waiting_requests(pool):
    watcher = _watcher(Listing(), pool, waiters=1, interval=30)
    with concurrent.futures.ThreadPoolExecutor(1) as runner:
        runner.submit(watcher.wait, 'c', lambda: [], len, 1)
        time.sleep(0.2)
        began = time.monotonic()
        # No slot left: answered at once, as if it had not asked to wait.
        assert watcher.wait('c', lambda: [], len, 5) == []
        assert time.monotonic() - began < 1
    assert watcher.stats['refused'] == 1


def test_an_attempt_failure_during_the_wait_is_retried_on_news(pool):
    from swiftq.swift.errors import SwiftUnavailable
    watcher = _watcher(Listing(), pool, interval=30)
    outcomes = [[], SwiftUnavailable('down'), ['m']]

    def attempt():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with concurrent.futures.ThreadPoolExecutor(1) as runner:
        future = runner.submit(watcher.wait, 'c', attempt, len, 10)
        for _ in range(2):
            time.sleep(0.2)
            watcher.news('c')
        assert future.result(timeout=5) == ['m']


def test_a_wait_that_ends_on_a_failure_reports_it(pool):
    from swiftq.swift.errors import SwiftUnavailable
    watcher = _watcher(Listing(), pool, interval=30)
    outcomes = [[], SwiftUnavailable('down')]

    def attempt():
        outcome = outcomes.pop(0) if outcomes else SwiftUnavailable('down')
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    with concurrent.futures.ThreadPoolExecutor(1) as runner:
        future = runner.submit(watcher.wait, 'c', attempt, len, 0.6)
        time.sleep(0.2)
        watcher.news('c')
        with pytest.raises(SwiftUnavailable):
            future.result(timeout=5)


def test_a_release_time_brings_a_probe_forward(pool):
    """An attempt that finds nothing but knows when a claim ends makes the
    watcher probe then, not at the (long) recheck interval."""
    listing = Listing()
    listing.add()
    claimed = {'until': time.time() + 0.5}

    def read_state(container):
        state = QueueState()
        if time.time() < claimed['until']:
            segment = listing.segments[0]
            state.add_claim('c' * 32, [segment.key + '0000'],
                            {segment.key: segment}, 0.5, 0, time.time() -
                            (0.5 - (claimed['until'] - time.time())))
        return state

    watcher = watch_mod.Watcher(listing, read_state, pool,
                                _conf(interval=30, recheck=60))
    calls = []

    def attempt():
        calls.append(time.time())
        if time.time() >= claimed['until']:
            return (['m'], None)
        return ([], claimed['until'])

    result = watcher.wait('c', attempt, lambda r: len(r[0]), 10,
                          exclusive=True, limit=1,
                          next_release=lambda r: r[1])
    assert result[0] == ['m']
    assert watcher.stats['probes'] >= 1
    assert calls[-1] - calls[0] < 5
