"""Fixtures of the SQS tests: moto's SQS server (the oracle) and a
swiftq API server for SQS clients.

``moto_server``
    moto's server on loopback, once per session.
``sqs_swiftq_server``
    ``swiftq-api`` (noauth, so ``/sqs`` is served) on the real local
    Swift, tuned for short visibility timeouts (see
    :data:`SQS_SERVER_OVERRIDES`).
``swiftq_sqs``
    a boto3 SQS client of ``sqs_swiftq_server`` with a fresh project.
``run_on_both``
    ``run_on_both(scenario)`` runs ``scenario(recorder)`` on moto and on
    swiftq at once: ``[(recorder, result)]``, moto's first.
"""

import concurrent.futures
import uuid

import pytest

from tests.functional.sqs import clients
from tests.functional.sqs import scenarios

#: One worker (a queue's lease stays in it), a short clock skew (a claim
#: protects its messages that much past its end: a visibility timeout of
#: 1 s ends within 1.25 s) and a lease protocol fast enough for short
#: tests yet tolerant of a loaded machine.
SQS_SERVER_OVERRIDES = {
    ('claims', 'max_clock_skew'): 0.25,
    ('claims', 'lease_write_deadline'): 0.5,
    ('claims', 'lease_settle_delay'): 0.6,
}


@pytest.fixture(scope='session')
def moto_server(tmp_path_factory):
    server = clients.MotoServer(str(tmp_path_factory.mktemp('moto')))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope='session')
def sqs_swiftq_server(local_swift, swiftq_server_factory):
    return swiftq_server_factory(swift=local_swift, workers=1, threads=16,
                                 overrides=SQS_SERVER_OVERRIDES)


@pytest.fixture
def swiftq_sqs(sqs_swiftq_server):
    return clients.client(sqs_swiftq_server.base_url + '/sqs',
                          clients.new_project())


@pytest.fixture
def run_on_both(moto_server, sqs_swiftq_server):
    """Both servers get the same queue names (one fresh prefix: moto's
    server lives the whole session); swiftq a fresh project."""
    def run(scenario):
        prefix = 's%s-' % uuid.uuid4().hex[:8]
        recorders = [
            scenarios.Recorder(clients.client(moto_server.base_url, 'moto'),
                               prefix),
            scenarios.Recorder(clients.client(
                sqs_swiftq_server.base_url + '/sqs', clients.new_project()),
                prefix)]
        # Both at once: the scenarios mostly wait (visibility, long polls).
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(scenario, r) for r in recorders]
            return [(r, f.result()) for r, f in zip(recorders, futures)]
    return run
