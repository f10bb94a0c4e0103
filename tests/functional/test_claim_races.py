"""Exclusive claims across API processes on a 3-replica, 4-node Swift
(doc/source/design/claims.rst §C1, §C2, "What each failure does").

Two independent swiftq servers (2 gunicorn workers each: 4 API processes
that share nothing but Swift) serve the same queues; 16 consumers claim and
delete while producers post. Every round must consume every acknowledged
message exactly once, with no message handed to two live claims.
"""

import uuid

import pytest
import requests

from tests.functional import racing

#: Rounds of the race on a plain queue. The fault suite
#: (tests/functional/test_faults.py) races four more plain queues through
#: a real fault each, including a storage node stopped mid-race (which a
#: test here did before), and the striped race below is one more round.
ROUNDS = 1
STRIPES = 4
MESSAGES = 1200
PRODUCERS = 4
CONSUMERS = 16


@pytest.fixture(scope='module')
def race_servers(local_swift_3r, swiftq_server_factory):
    prefix = 'r' + uuid.uuid4().hex[:6]
    return [swiftq_server_factory(swift=local_swift_3r, workers=2,
                                  threads=16, container_prefix=prefix)
            for _ in range(2)]


def _report(name, ledger, seconds):
    print('\n%s: acknowledged=%d consumed=%d redelivered=%d double=%d '
          'lost=%d errors=%s in %.1fs' % (
              name, len(ledger.acknowledged), len(ledger.deleted),
              ledger.redelivered(), len(ledger.double_claims()),
              len(ledger.lost()), ledger.errors, seconds))


@pytest.mark.parametrize('round_no', range(ROUNDS))
def test_every_message_consumed_once_across_processes(race_servers,
                                                      round_no):
    urls = [s.base_url for s in race_servers]
    project, queue = 'race-%s' % uuid.uuid4().hex[:8], 'q%d' % round_no
    ledger, seconds = racing.race(urls, project, queue, MESSAGES, PRODUCERS,
                                  CONSUMERS)
    _report('round %d' % round_no, ledger, seconds)
    assert racing.remaining(urls[0], project, queue) == 0
    assert len(ledger.acknowledged) == MESSAGES
    assert ledger.double_claims() == []
    assert ledger.lost() == set()
    # Claims last 60 s and consumers delete at once: a message comes back
    # only after a claim whose answer was lost (503 or timeout), and then
    # only once that claim has expired (no double claim above).
    if not ledger.server_errors():
        assert ledger.redelivered() == 0


def test_a_striped_queue_is_consumed_once_across_processes(race_servers):
    """doc/source/design/stripes.rst "Claims": with a lease per stripe the
    four API processes claim in parallel; §C1 and §C2 hold per stripe,
    hence for the queue."""
    urls = [s.base_url for s in race_servers]
    project, queue = 'stripes-%s' % uuid.uuid4().hex[:8], 'qs'
    resp = requests.put('%s/v2/queues/%s' % (urls[0], queue),
                        json={'_stripes': STRIPES},
                        headers={'Client-ID': str(uuid.uuid4()),
                                 'X-Project-ID': project}, timeout=30)
    assert resp.status_code == 201, resp.text
    ledger, seconds = racing.race(urls, project, queue, MESSAGES, PRODUCERS,
                                  CONSUMERS)
    _report('%d stripes' % STRIPES, ledger, seconds)
    assert racing.remaining(urls[0], project, queue) == 0
    assert len(ledger.acknowledged) == MESSAGES
    assert {len(m) for m in ledger.acknowledged} == {28, 30}
    assert ledger.double_claims() == []
    assert ledger.lost() == set()
    if not ledger.server_errors():
        assert ledger.redelivered() == 0
