"""The SQS scenario suite (scenarios.py) against moto's SQS server and
swiftq's ``/sqs`` endpoint on the real local Swift: both must record the
same observations. What differs by design is in test_differences.py."""

import pytest

from tests.functional.sqs import scenarios


@pytest.mark.parametrize('scenario', scenarios.SCENARIOS,
                         ids=lambda s: s.__name__)
def test_swiftq_agrees_with_moto(scenario, run_on_both):
    expected, got = (r.record for r, _ in run_on_both(scenario))
    assert [label for label, _ in got] == [label for label, _ in expected]
    for (label, want), (_, have) in zip(expected, got):
        assert have == want, label
    print('%s: %d observations agree' % (scenario.__name__, len(expected)))
