"""What Keystone token validation costs per request, once the token is in
keystonemiddleware's cache: the same requests, one at a time on one
keep-alive connection, to a noauth server and to a keystone server
(same Swift, same workers and threads), interleaved so that both see
the same machine load; and the first request of fresh tokens (validated by
Keystone, not from the cache). Medians are printed in the terminal summary
(``keystone: overhead ...``); the bound asserted is loose, this machine
being shared."""

import statistics
import time
import uuid

from tests.functional import server as server_lib
from tests.keystone.conftest import REPORT
from tests.keystone.conftest import keystone_client

#: Requests per server and kind.
COUNT = 200
STATS_COUNT = 100
WARM_UP = 20
#: Fresh tokens whose first (uncached) validation is timed.
UNCACHED_COUNT = 10


def _timed(session, path, expect, headers=None):
    started = time.perf_counter()
    resp = session.get(path, headers=headers)
    elapsed = time.perf_counter() - started
    assert resp.status_code == expect, resp.text
    return elapsed


def _compare(noauth, keystone, path, expect, count):
    for _ in range(WARM_UP):
        _timed(noauth, path, expect)
        _timed(keystone, path, expect)
    plain, checked = [], []
    for _ in range(count):
        plain.append(_timed(noauth, path, expect))
        checked.append(_timed(keystone, path, expect))
    ms = [round(1000 * statistics.median(x), 2) for x in (plain, checked)]
    return ms[0], ms[1], round(ms[1] - ms[0], 2)


def test_cached_token_validation_overhead(swiftq_server, keystone_swiftq,
                                          alpha):
    queue = 'bench-' + uuid.uuid4().hex[:8]
    noauth = server_lib.ApiClient(swiftq_server.base_url)
    keystone = keystone_client(keystone_swiftq, alpha.token)
    try:
        for api in (noauth, keystone):
            assert api.post('/v2/queues/%s/messages' % queue, json={
                'messages': [{'body': 1}]}).status_code == 201
        # Through every hook and the authentication, no storage: an
        # unknown resource below a queue.
        ping_like = _compare(noauth, keystone,
                             '/v2/queues/%s/nothing' % queue, 404, COUNT)
        stats = _compare(noauth, keystone, '/v2/queues/%s/stats' % queue,
                         200, STATS_COUNT)
        # A token's first request: keystonemiddleware asks Keystone.
        first_uses = []
        for _ in range(UNCACHED_COUNT):
            token, _ = alpha.fresh_token()
            first_uses.append(_timed(keystone, '/v2/queues/%s/nothing'
                                     % queue, 404, {'X-Auth-Token': token}))
    finally:
        noauth.close()
        keystone.close()
    REPORT['first use of a token, authenticated 404 (median of %d)'
           % UNCACHED_COUNT] = '%.2f ms' % (
        1000 * statistics.median(first_uses))
    fmt = 'noauth %.2f ms, keystone %.2f ms, overhead %.2f ms'
    REPORT['overhead, authenticated 404 (median of %d)' % COUNT] = (
        fmt % ping_like)
    REPORT['overhead, GET .../stats (median of %d)' % STATS_COUNT] = (
        fmt % stats)
    assert ping_like[2] < 25 and stats[2] < 25
