"""The SQS scenario suite (scenarios.py) against moto's SQS server and
swiftq's ``/sqs`` endpoint on the real local Swift: both must record the
same observations. What differs by design is in test_differences.py."""

import concurrent.futures
import uuid

import pytest

from tests.functional.sqs import clients
from tests.functional.sqs import scenarios


@pytest.mark.parametrize('scenario', scenarios.SCENARIOS,
                         ids=lambda s: s.__name__)
def test_swiftq_agrees_with_moto(scenario, moto_server, sqs_swiftq_server):
    prefix = 't%s-' % uuid.uuid4().hex[:8]
    recorders = [
        scenarios.Recorder(clients.client(moto_server.base_url, 'moto'),
                           prefix),
        scenarios.Recorder(clients.client(
            sqs_swiftq_server.base_url + '/sqs', clients.new_project()),
            prefix)]
    # Both at once: the scenarios mostly wait (visibility, long polls).
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(scenario, r) for r in recorders]:
            future.result()
    expected, got = (r.record for r in recorders)
    assert [label for label, _ in got] == [label for label, _ in expected]
    for (label, want), (_, have) in zip(expected, got):
        assert have == want, label
    print('%s: %d observations agree' % (scenario.__name__, len(expected)))
