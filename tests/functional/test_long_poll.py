"""Long polling (``?wait=N``, a swiftq extension) on real servers and a
real Swift: waiting claims and listings answer as soon as messages arrive,
whichever API process they were posted through; the waiting is shared, so
hundreds of idle waiters cost a few Swift requests per second.

Figures (wake-up latency, Swift requests per second while idle) are
printed; run with ``-s`` to see them. See doc/source/design/long-poll.rst.
"""

import collections
import concurrent.futures
import re
import statistics
import threading
import time
import uuid

import pytest
import requests

from swiftq.bench import local as bench_local
from tests.conftest import FAST_OVERRIDES
from tests.functional import server as server_lib

WATCH_INTERVAL = 0.5
RECHECK_INTERVAL = 10.0
LONG_POLL = {
    ('long_poll', 'watch_interval'): WATCH_INTERVAL,
    ('long_poll', 'recheck_interval'): RECHECK_INTERVAL,
}
#: How late a waiter may be woken and still count as woken by the news
#: rather than by its deadline: the watch interval, the listing, taking the
#: queue lease and the claim itself, on a machine shared with other work.
WAKE_BOUND = 8.0


def _percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def _report(name, latencies):
    print('\n%s: n=%d p50=%.3f s p99=%.3f s max=%.3f s' % (
        name, len(latencies), statistics.median(latencies),
        _percentile(latencies, 0.99), max(latencies)))


#: Short minimum TTLs, but the default (safe under load) lease timing.
SHORT_TTLS = {key: value for key, value in FAST_OVERRIDES.items()
              if key[0] == 'transport'}


@pytest.fixture(scope='module')
def pair(local_swift, swiftq_server_factory):
    """Two independent swiftq-api servers (one worker each) sharing one
    Swift namespace: a post through one must wake waiters on the other."""
    prefix = server_lib.unique_prefix()
    overrides = {**SHORT_TTLS, **LONG_POLL}
    return [swiftq_server_factory(swift=local_swift, workers=1,
                                  overrides=overrides,
                                  container_prefix=prefix)
            for _ in range(2)]


@pytest.fixture
def clients(pair, api_factory):
    project = 'lp-' + uuid.uuid4().hex[:8]
    return [api_factory(server=s, project=project) for s in pair]


def _queue():
    return '/v2/queues/lp-' + uuid.uuid4().hex[:10]


@pytest.mark.parametrize('value', ['-1', '21', 'x', '1.5', '99999999999'])
def test_wait_out_of_range_is_refused(clients, value):
    api = clients[0]
    queue = _queue()
    for resp in (api.post(queue + '/claims?wait=' + value),
                 api.get(queue + '/messages?wait=' + value)):
        assert resp.status_code == 400, resp.text
        assert resp.json()['title'] == 'Invalid parameter'
        assert '"wait"' in resp.json()['description']


def test_claim_wait_ends_with_204_at_the_deadline(clients):
    api = clients[0]
    queue = _queue()
    api.put(queue)
    began = time.monotonic()
    resp = api.post(queue + '/claims?limit=1&wait=2')
    elapsed = time.monotonic() - began
    assert resp.status_code == 204
    assert elapsed >= 1.9, elapsed


def test_wait_zero_is_a_plain_request(clients):
    api = clients[0]
    queue = _queue()
    api.post(queue + '/messages', json={'messages': [{'body': 1}]})
    resp = api.get(queue + '/messages?wait=0&echo=true')
    assert [m['body'] for m in resp.json()['messages']] == [1]
    assert 'wait' not in resp.json()['links'][0]['href']
    claimed = api.post(queue + '/claims?wait=0')
    assert claimed.status_code == 201
    assert api.post(queue + '/claims?wait=0').status_code == 204


def _wait_and_post(waiter, poster, queue, path, status, rounds):
    """``rounds`` times: a waiter waits on ``path``; the poster posts one
    message; returns the latencies from the post's 201 to the waiter's
    answer, and what the waiter got."""
    latencies, got = [], []
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        for i in range(rounds):
            future = pool.submit(waiter.request, path[0], queue + path[1])
            time.sleep(0.3)     # the waiter is waiting
            assert not future.done(), future.result().text
            resp = poster.post(queue + '/messages',
                               json={'messages': [{'body': i, 'ttl': 300}]})
            assert resp.status_code == 201
            acked = time.monotonic()
            answer = future.result()
            latencies.append(time.monotonic() - acked)
            assert answer.status_code == status, answer.text
            got.append(answer.json()['messages'])
    return latencies, got


def test_post_on_another_server_wakes_a_waiting_claim(clients):
    waiter, poster = clients
    queue = _queue()
    poster.put(queue)
    rounds = 8
    latencies, got = _wait_and_post(
        waiter, poster, queue, ('POST', '/claims?limit=5&wait=20'), 201,
        rounds)
    _report('cross-server post -> claim (watch_interval %.1f s)'
            % WATCH_INTERVAL, latencies)
    assert [[m['body'] for m in msgs] for msgs in got] == \
        [[i] for i in range(rounds)]
    assert max(latencies) < WAKE_BOUND, latencies


def test_post_on_the_same_server_wakes_a_waiting_claim(clients):
    api = clients[0]
    other = clients[0].__class__(api.base_url, project=api.project)
    queue = _queue()
    api.put(queue)
    try:
        latencies, got = _wait_and_post(
            api, other, queue, ('POST', '/claims?limit=5&wait=20'), 201, 8)
    finally:
        other.close()
    _report('same-server post -> claim', latencies)
    assert [len(msgs) for msgs in got] == [1] * 8
    assert max(latencies) < WAKE_BOUND, latencies


def test_a_listing_following_its_next_link_waits_for_new_messages(clients):
    """A reader that follows the ``next`` link of a waiting listing waits
    for messages after the last one it saw."""
    waiter, poster = clients
    queue = _queue()
    poster.put(queue)
    href = queue + '/messages?wait=20&echo=true'
    latencies = []
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        for i in range(4):
            future = pool.submit(waiter.get, href)
            time.sleep(0.3)
            assert not future.done(), future.result().text
            assert poster.post(queue + '/messages', json={
                'messages': [{'body': i}]}).status_code == 201
            acked = time.monotonic()
            resp = future.result()
            latencies.append(time.monotonic() - acked)
            assert resp.status_code == 200
            assert [m['body'] for m in resp.json()['messages']] == [i]
            href = resp.json()['links'][0]['href']
    _report('cross-server post -> waiting listing', latencies)
    assert max(latencies) < WAKE_BOUND, latencies


def test_the_next_link_of_a_waiting_listing_waits_too(clients):
    waiter, poster = clients
    queue = _queue()
    poster.post(queue + '/messages', json={'messages': [{'body': 1}]})
    resp = waiter.get(queue + '/messages?wait=5&limit=1')
    assert resp.status_code == 200
    assert 'wait=5' in resp.json()['links'][0]['href']


def test_a_waiter_gets_messages_whose_claim_expired(clients):
    """Nothing is posted: the waiter looks again when the claim it could
    not take expires (not at the next safety recheck)."""
    first, second = clients
    queue = _queue()
    first.post(queue + '/messages', json={'messages': [{'body': 'x'}]})
    claimed = first.post(queue + '/claims?limit=1',
                         json={'ttl': 1, 'grace': 0})
    assert claimed.status_code == 201
    began = time.monotonic()
    resp = second.post(queue + '/claims?limit=1&wait=15')
    waited = time.monotonic() - began
    assert resp.status_code == 201, resp.text
    assert [m['body'] for m in resp.json()['messages']] == ['x']
    print('\nexpired claim -> waiting claim: %.2f s' % waited)
    assert waited < RECHECK_INTERVAL, waited


def test_a_released_claim_wakes_a_waiter_at_once(clients):
    api = clients[0]
    queue = _queue()
    api.post(queue + '/messages', json={'messages': [{'body': 'r'}]})
    claim = api.post(queue + '/claims?limit=1', json={'ttl': 300})
    href = claim.headers['Location']
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(api.__class__(api.base_url,
                                            project=api.project).post,
                              queue + '/claims?limit=1&wait=20')
        time.sleep(0.5)
        assert api.delete(href).status_code == 204
        released = time.monotonic()
        resp = waiting.result()
    assert resp.status_code == 201
    print('\nrelease -> waiting claim: %.3f s' % (time.monotonic() - released))
    assert time.monotonic() - released < WAKE_BOUND


# -- many idle waiters --------------------------------------------------------
WAITERS = 500


def _swift_requests_about(swift, needle):
    """Requests swiftq made so far (the proxy's access log lines of
    swiftq's client, not the proxy's own subrequests) that mention
    ``needle``."""
    with open(swift.log_file('proxy-server'), errors='replace') as f:
        return [line for line in f
                if needle in line and 'python-urllib3' in line]


#: method, path and status in a proxy access log line
_LOGGED = re.compile(r' (GET|HEAD|PUT|POST|DELETE) (\S+) \S+ (\d{3}) ')


def _kinds(lines):
    """Proxy log lines counted by method, what swiftq used the path for
    (named as swiftq-bench reports it: segment, container, state, lease,
    meta...) and status."""
    kinds = collections.Counter()
    for line in lines:
        match = _LOGGED.search(line)
        if match:
            method, path, status = match.groups()
            kinds['%s %s %s' % (method, bench_local.request_kind(path),
                                status)] += 1
    return kinds


def _wait_until_settled(swift, queue_name, quiet=3.0, timeout=60.0):
    """Wait until the waiters' first attempts are over: each worker's
    first waiter claims (taking the queue's lease, which the other worker
    then waits for) before the others join the shared wait. On a loaded
    machine that lasted beyond a fixed 4 s (CI measured 11.7 requests/s,
    a clean-clone run 12.6, most of them lease reads), so: until no
    lease request on the queue for ``quiet`` seconds."""
    time.sleep(2)
    deadline = time.monotonic() + timeout
    last, quiet_since = None, time.monotonic()
    while time.monotonic() < deadline:
        leases = sum(count for kind, count in _kinds(
            _swift_requests_about(swift, queue_name)).items()
            if kind.split()[1].startswith('lease'))
        if leases != last:
            last, quiet_since = leases, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet:
            return
        time.sleep(0.5)
    raise AssertionError('lease requests on %s never stopped' % queue_name)


def test_500_idle_waiters_cost_a_few_swift_requests(
        local_swift, swiftq_server_factory):
    """500 clients wait on one queue of a 2-worker server: while idle the
    queue costs a few Swift requests per second in all (not 500 polls);
    other requests are still served; then 500 messages wake all of them,
    each message claimed exactly once."""
    # Slots for every waiter in each worker, however unevenly gunicorn's
    # workers accept the connections: a waiter refused a slot is answered
    # at once and (in this test) asks again at once, i.e. polls (230 slots
    # per worker: 69 Swift requests/s). Only the shared waiting is measured.
    server = swiftq_server_factory(
        swift=local_swift, workers=2, threads=8,
        overrides={**LONG_POLL, ('long_poll', 'waiters_per_worker'): WAITERS})
    project = 'lp-' + uuid.uuid4().hex[:8]
    queue_name = 'idle-' + uuid.uuid4().hex[:8]
    queue = '/v2/queues/' + queue_name
    admin = server_lib.ApiClient(server.base_url, project=project)
    admin.put(queue)

    results = [None] * WAITERS
    woken_at = [None] * WAITERS
    early = []
    dropped = []
    failed = []
    go = threading.Event()

    def wait(i):
        client = server_lib.ApiClient(server.base_url, project=project,
                                      timeout=60)
        try:
            go.wait()
            while True:
                try:
                    resp = client.post(queue + '/claims?limit=1&wait=20',
                                       json={'ttl': 300})
                except requests.ConnectionError:
                    # Seen once in a clean-clone run (500 client threads
                    # on a loaded machine): "closed without response",
                    # most likely gunicorn closing a kept-alive connection
                    # after its keepalive (then gunicorn's 2 s; now [api]
                    # keepalive_timeout) just as the next request was
                    # sent on it. Ask again on a new connection; a claim
                    # that was made but not answered would leave a message
                    # no waiter gets, which the checks below catch.
                    dropped.append(i)
                    continue
                if resp.status_code == 201:
                    break
                if resp.status_code == 204:
                    early.append(i)     # deadline or no slot: wait again
                else:
                    failed.append(resp.status_code)
                    time.sleep(1)
            woken_at[i] = time.monotonic()
            results[i] = resp
        finally:
            client.close()

    threads = [threading.Thread(target=wait, args=(i,), daemon=True)
               for i in range(WAITERS)]
    for t in threads:
        t.start()
    go.set()
    _wait_until_settled(local_swift, queue_name)

    before = len(_swift_requests_about(local_swift, queue_name))
    idle_began = time.monotonic()
    began = time.monotonic()
    stats = admin.get(queue + '/stats')
    other_latency = time.monotonic() - began
    assert stats.status_code == 200
    assert stats.json()['messages']['total'] == 0
    time.sleep(10)
    idle_seconds = time.monotonic() - idle_began
    idle_lines = _swift_requests_about(local_swift, queue_name)[before:]
    idle_requests = len(idle_lines)
    rate = idle_requests / idle_seconds
    print('\n%d idle waiters: %d Swift requests on their queue in %.1f s '
          '= %.2f req/s; a stats request meanwhile took %.3f s'
          % (WAITERS, idle_requests, idle_seconds, rate, other_latency))
    # Per worker: one listing per watch interval and, per recheck, one
    # claim attempt (lease read, write, read back, release: 5 requests,
    # up to 15 when both workers want the lease). Far below one poll per
    # waiter per second (500 req/s).
    print('by kind: %s' % dict(_kinds(idle_lines).most_common()))
    assert rate < 2 * (1 / WATCH_INTERVAL + 15 / RECHECK_INTERVAL), (
        rate, len(early), _kinds(idle_lines).most_common())

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        posted_at = time.monotonic()
        acks = list(pool.map(
            lambda b: admin.post(queue + '/messages', json={'messages': [
                {'body': b * 10 + j, 'ttl': 600} for j in range(10)]}),
            range(WAITERS // 10)))
    assert all(r.status_code == 201 for r in acks)
    for t in threads:
        t.join(90)
    assert all(r is not None for r in results)
    statuses = [r.status_code for r in results]
    bodies = [m['body'] for r in results if r.status_code == 201
              for m in r.json()['messages']]
    latencies = [w - posted_at for w in woken_at]
    _report('500 waiters woken by 500 messages (from the first post)',
            latencies)
    print('%d early 204 answers (deadline or no free slot) re-sent; '
          '%d dropped connections; errors: %s'
          % (len(early), len(dropped), failed))
    assert statuses.count(201) == WAITERS, statuses
    assert sorted(bodies) == list(range(WAITERS))      # once each
    assert failed == [], server.warnings()
    admin.close()
