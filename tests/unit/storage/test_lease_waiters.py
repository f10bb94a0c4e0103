"""Requests waiting for a queue lease while Swift is down fail with the
attempt that failed (swiftq/storage/holder/lease.py,
LeaseKeeper._enter), instead
of each trying again after the other: with Swift's proxy refusing
connections, the last of N waiting requests answered 503 only after N
attempts, up to ``lease_wait_timeout`` (seen in
tests/functional/test_faults.py).

The stand-in for Swift is a small fake of our own client's interface: its
lease reads fail after a delay, as a proxy that refuses connections does
after the client's retries.
"""

import threading
import time
import types

import pytest

from swiftq.storage.holder import lease
from swiftq.swift.errors import SwiftUnavailable

ATTEMPT_SECONDS = 0.3
WAITERS = 8


class RefusingSwift:
    """Every request fails after ``ATTEMPT_SECONDS``; counts the reads."""

    def __init__(self):
        self.reads = 0
        self._lock = threading.Lock()

    def get_object(self, container, obj, newest=False, timeout=None):
        with self._lock:
            self.reads += 1
        time.sleep(ATTEMPT_SECONDS)
        raise SwiftUnavailable('connection refused')

    def put_object(self, *args, **kwargs):
        raise SwiftUnavailable('connection refused')

    def request(self, *args, **kwargs):
        raise SwiftUnavailable('connection refused')


def _conf():
    return types.SimpleNamespace(
        lease_seconds=4.0, lease_write_deadline=1.0, lease_settle_delay=1.2,
        max_clock_skew=1.0, lease_max_hold=3.0, lease_idle_release=0.3,
        lease_poll_interval=0.1, lease_wait_timeout=30.0)


def test_waiters_fail_with_the_attempt_that_failed():
    swift = RefusingSwift()
    keeper = lease.LeaseKeeper(swift, _conf())
    outcomes = []

    def enter():
        started = time.monotonic()
        try:
            with keeper.hold('q'):
                outcomes.append(('held', 0.0))
        except SwiftUnavailable:
            outcomes.append(('failed', time.monotonic() - started))

    threads = [threading.Thread(target=enter) for _ in range(WAITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert [o[0] for o in outcomes] == ['failed'] * WAITERS
    # Threads that arrived while an attempt was under way shared its
    # failure: fewer attempts than threads, and none waited for all of them.
    assert swift.reads < WAITERS
    assert max(o[1] for o in outcomes) < ATTEMPT_SECONDS * WAITERS


def test_a_request_after_the_failure_tries_again():
    swift = RefusingSwift()
    keeper = lease.LeaseKeeper(swift, _conf())
    for expected_reads in (1, 2):
        with pytest.raises(SwiftUnavailable):
            with keeper.hold('q'):
                pass
        assert swift.reads == expected_reads
