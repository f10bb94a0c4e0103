"""Fixtures shared by the whole suite.

Swift (session-wide, real daemons on loopback):

``local_swift``
    1 replica, 1 node; started once for the session.
``local_swift_3r``
    3 replicas on 4 nodes, for fault tests; started only if a test asks.

swiftq-api (real gunicorn processes on free loopback ports, each with its
own container_prefix so servers and runs never see each other's data):

``swiftq_server_factory``
    ``factory(swift=None, workers=2, threads=8, overrides=None,
    auth_strategy='noauth', container_prefix=None, debug=False, env=None)``
    starts a :class:`~tests.functional.server.SwiftqServer` (``swift``
    defaults to ``local_swift``; ``overrides`` maps ``(group, name)`` to a
    value). Every server is stopped at the end of the session.
``swiftq_server``
    Zaqar's default limits on ``local_swift``, 2 workers.
``fast_swiftq_server``
    Short time bounds (TTLs and grace down to 1 s/0 s, 3 s queue leases)
    for tests that wait for expiry.

Clients (:class:`~tests.functional.server.ApiClient`: a requests.Session
whose ``get/post/put/patch/delete/head('/v2/...')`` go to its server, with
``Client-ID`` and ``X-Project-ID`` headers and a 30 s timeout):

``api``
    on ``swiftq_server``, a fresh project per test.
``fast_api``
    the same on ``fast_swiftq_server``.
``api_factory``
    ``api_factory(project=None, client_id=None, server=None)``: more
    clients (``server`` defaults to ``swiftq_server``); pass
    ``project=api.project`` for a second client of the same project.
``api_client_class``
    the class ``api_factory`` makes clients of; a module redefines it to
    run the same tests through another client (``tests/functional/
    topic_client.py``).
"""

import pytest

from tests.functional import server as server_lib

#: Time bounds of ``fast_swiftq_server``.
FAST_OVERRIDES = {
    ('transport', 'min_message_ttl'): 1,
    ('transport', 'min_claim_ttl'): 1,
    ('transport', 'min_claim_grace'): 0,
    ('claims', 'lease_seconds'): 3,
    ('claims', 'lease_settle_delay'): 0.15,
    ('claims', 'lease_write_deadline'): 0.1,
    ('claims', 'max_clock_skew'): 0.2,
    ('claims', 'lease_max_hold'): 1.0,
    ('claims', 'lease_idle_release'): 0.1,
}


def _start_swift(tmp_path_factory, name, **kwargs):
    from swiftq.localswift import LocalSwift

    swift = LocalSwift(str(tmp_path_factory.mktemp(name)), **kwargs)
    swift.start()
    return swift


@pytest.fixture(scope='session')
def local_swift(tmp_path_factory):
    swift = _start_swift(tmp_path_factory, 'swift-1r', replicas=1)
    yield swift
    swift.stop()


@pytest.fixture(scope='session')
def local_swift_3r(tmp_path_factory):
    swift = _start_swift(tmp_path_factory, 'swift-3r', replicas=3, nodes=4)
    yield swift
    swift.stop()


@pytest.fixture(scope='session')
def swiftq_server_factory(request, tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp('swiftq-api'))
    servers = []

    def factory(swift=None, workers=2, threads=8, overrides=None,
                auth_strategy='noauth', container_prefix=None, debug=False,
                env=None):
        if swift is None:
            swift = request.getfixturevalue('local_swift')
        server = server_lib.SwiftqServer(
            workdir, swift, workers=workers, threads=threads,
            overrides=overrides, auth_strategy=auth_strategy,
            container_prefix=container_prefix, debug=debug, env=env)
        servers.append(server)
        return server.start()

    yield factory
    for server in servers:      # each may take its graceful timeout
        server.signal_stop()
    for server in servers:
        server.stop()


@pytest.fixture(scope='session')
def swiftq_server(local_swift, swiftq_server_factory):
    return swiftq_server_factory(swift=local_swift, workers=2)


@pytest.fixture(scope='session')
def fast_swiftq_server(local_swift, swiftq_server_factory):
    return swiftq_server_factory(swift=local_swift, workers=2,
                                 overrides=FAST_OVERRIDES)


@pytest.fixture(scope='session')
def api_client_class():
    """The client class of ``api_factory`` (a module may redefine it)."""
    return server_lib.ApiClient


@pytest.fixture
def api_factory(request, api_client_class):
    clients = []

    def factory(project=None, client_id=None, server=None):
        if server is None:
            server = request.getfixturevalue('swiftq_server')
        client = api_client_class(server.base_url, project=project,
                                  client_id=client_id)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def api(swiftq_server, api_factory):
    return api_factory(server=swiftq_server)


@pytest.fixture
def fast_api(fast_swiftq_server, api_factory):
    return api_factory(server=fast_swiftq_server)
