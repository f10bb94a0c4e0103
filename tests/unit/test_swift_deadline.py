"""SwiftClient's ``deadline`` (#15.1, #15.2): no attempt of a write under
a lease leaves after the lease's deadline: not the first one when
authentication stalled, not the resend after a 401, not a retry."""

import time

import pytest
import urllib3

from swiftq.swift.client import SwiftClient
from swiftq.swift.errors import DeadlinePassed
from swiftq.swift.errors import SwiftUnavailable


class Answer:
    def __init__(self, status):
        self.status = status
        self.headers = {}
        self.data = b''


class Pool:
    """Records when each request left; answers from a script."""

    def __init__(self, *script):
        self.script = list(script)
        self.sent = []

    def request(self, method, path, headers=None, body=None, timeout=None,
                **kwargs):
        self.sent.append((method, path, time.monotonic(), timeout))
        outcome = self.script.pop(0) if self.script else 201
        if isinstance(outcome, BaseException):
            raise outcome
        return Answer(outcome)


class StallingAuth:
    """Hands out a token, after ``stall`` seconds on chosen calls."""

    def __init__(self, stall=0.0, stall_calls=()):
        self.stall = stall
        self.stall_calls = set(stall_calls)
        self.calls = 0

    def get(self):
        self.calls += 1
        if self.calls in self.stall_calls:
            time.sleep(self.stall)
        return 'http://swift/v1/AUTH_t', 'tok%d' % self.calls

    def invalidate(self, token):
        pass


def _client(pool, auth, retries=2):
    return SwiftClient(pool, auth, retries=retries, backoff=0.05)


def test_a_write_is_not_sent_when_authentication_outlasted_its_deadline():
    pool = Pool()
    client = _client(pool, StallingAuth(stall=0.2, stall_calls={1}))
    with pytest.raises(DeadlinePassed):
        client.put_object('c', 'state', b'{}', timeout=10.0,
                          deadline=time.monotonic() + 0.1)
    assert pool.sent == []


def test_the_resend_after_a_401_is_not_sent_after_the_deadline():
    pool = Pool(401)
    client = _client(pool, StallingAuth(stall=0.2, stall_calls={2}))
    with pytest.raises(DeadlinePassed):
        client.put_object('c', 'state', b'{}', timeout=10.0,
                          deadline=time.monotonic() + 0.1)
    assert len(pool.sent) == 1


def test_a_retried_delete_never_leaves_after_the_deadline():
    timeout = urllib3.exceptions.ReadTimeoutError(None, '/', 'slow')
    pool = Pool(timeout, timeout, 204)
    client = _client(pool, StallingAuth())
    deadline = time.monotonic() + 0.03
    with pytest.raises(SwiftUnavailable):
        client.delete_object('c', 'lease', timeout=2.0, deadline=deadline)
    assert len(pool.sent) == 1       # the retry would leave after 0.05 s
    for _, _, sent_at, _ in pool.sent:
        assert sent_at < deadline


def test_each_attempt_timeout_ends_by_the_deadline():
    pool = Pool(503, 204)
    client = _client(pool, StallingAuth())
    deadline = time.monotonic() + 5.0
    assert client.delete_object('c', 'o', timeout=10.0,
                                deadline=deadline).status == 204
    assert len(pool.sent) == 2
    for _, _, sent_at, tmo in pool.sent:
        # the timeout is computed just before ``sent_at`` is noted: a few
        # ms of slack on a busy machine, against the 10 s asked for
        assert sent_at + tmo.total <= deadline + 0.05


def test_without_a_deadline_retries_are_as_before():
    timeout = urllib3.exceptions.ReadTimeoutError(None, '/', 'slow')
    pool = Pool(timeout, 204)
    client = _client(pool, StallingAuth())
    assert client.delete_object('c', 'o').status == 204
    assert len(pool.sent) == 2
