"""Fixtures of the tests against a real Keystone (all session-scoped, and
started only when a test asks for them: the rest of the suite never
starts Keystone).

``keystone``
    A :class:`World`: a real Keystone (:mod:`tests.keystone.keystone_server`)
    with projects ``alpha``, ``beta`` and ``service``; users
    ``alpha-member`` and ``beta-member`` (role ``member`` on their
    project), ``alpha-admin`` (``admin`` on alpha), the service users
    ``swiftq`` (validates tokens for swiftq, reaches Swift for it) and
    ``swift`` (validates tokens for the Swift proxy), both with roles
    ``service`` and ``member`` on ``service``.
``keystone_swiftq``
    swiftq-api with ``auth_strategy = keystone`` (keystonemiddleware
    configured in its own file's ``[keystone_authtoken]``) on the
    suite's tempauth ``local_swift``, registered in Keystone's catalog as
    service ``messaging`` (public, internal and admin endpoints).
``keystone_swift``
    A second LocalSwift, in keystone mode (proxy pipeline ``authtoken
    keystoneauth``), registered as ``object-store``.
``swift_keystone_swiftq``
    swiftq-api that authenticates its callers with Keystone *and* reaches
    ``keystone_swift`` through Keystone (``[swift] auth_type = keystone``,
    ``[swift_keystone]``), with a 2-second token cache.
``keystone_api``
    ``keystone_api(identity, server=None)``: an ApiClient that sends the
    identity's token (``X-Auth-Token``) and no X-Project-ID, as
    python-zaqarclient does with Keystone.

How long things took is printed at the end of the run (``keystone:``
lines of the terminal summary), with the token-validation overhead
measured by ``test_overhead.py``.
"""

import secrets
import time

import pytest

from tests.functional import server as server_lib
from tests.keystone import keystone_server

#: ``[signed_url] secret_key`` of every swiftq server of these tests.
SIGNED_URL_KEY = 'test-' + secrets.token_hex(16)
REGION = keystone_server.REGION

#: name -> seconds (or text), printed in the terminal summary.
REPORT = {}


def pytest_terminal_summary(terminalreporter):
    if not REPORT:
        return
    terminalreporter.section('keystone')
    for name, value in REPORT.items():
        terminalreporter.write_line('keystone: %s: %s' % (name, value))


class Identity:
    """A user of a project; ``token`` is fetched once, on first use."""

    def __init__(self, world, username, password, project_name):
        self.world = world
        self.username = username
        self.password = password
        self.project_name = project_name
        self.user_id = None
        self.project_id = None
        self._token = None

    @property
    def token(self):
        if self._token is None:
            self._token, self.project_id = self.fresh_token()
        return self._token

    def fresh_token(self):
        """A new token (``(token, project_id)``), not cached here."""
        return self.world.server.token(self.username, self.password,
                                       self.project_name)

    def session(self):
        """A keystoneauth1 Session of this user."""
        return self.world.server.session(self.username, self.password,
                                         self.project_name)

    def os_environ(self):
        """``OS_*`` variables for the ``openstack`` command."""
        return {
            'OS_AUTH_URL': self.world.server.auth_url,
            'OS_IDENTITY_API_VERSION': '3',
            'OS_USERNAME': self.username,
            'OS_PASSWORD': self.password,
            'OS_PROJECT_NAME': self.project_name,
            'OS_USER_DOMAIN_ID': 'default',
            'OS_PROJECT_DOMAIN_ID': 'default',
            'OS_REGION_NAME': REGION,
            'OS_INTERFACE': 'public',
        }

    def __repr__(self):
        return '<Identity %s@%s>' % (self.username, self.project_name)


class World:
    """The Keystone server and who exists in it."""

    def __init__(self, server):
        self.server = server
        self.projects = {}
        self.identities = {}

    def add_project(self, name):
        self.projects[name] = self.server.create_project(name)
        return self.projects[name]

    def add_user(self, username, project, roles=('member',)):
        identity = Identity(self, username, 'pw-' + secrets.token_hex(8),
                            project)
        identity.project_id = self.projects[project]
        identity.user_id = self.server.create_user(
            username, identity.password, identity.project_id, roles)
        self.identities[username] = identity
        return identity

    def __getitem__(self, username):
        return self.identities[username]

    def authtoken_options(self, username='swiftq', **extra):
        """``[keystone_authtoken]`` overrides for a swiftq server."""
        service = self.identities[username]
        options = {
            'www_authenticate_uri': self.server.auth_url,
            'auth_url': self.server.auth_url,
            'auth_type': 'password',
            'username': service.username,
            'password': service.password,
            'project_name': 'service',
            'user_domain_id': 'default',
            'project_domain_id': 'default',
            'region_name': REGION,
            'interface': 'public',
        }
        options.update(extra)
        return {('keystone_authtoken', k): v for k, v in options.items()}


@pytest.fixture(scope='session')
def keystone(tmp_path_factory):
    started = time.monotonic()
    keystone_server.ensure_venv()
    REPORT['venv check (s)'] = round(time.monotonic() - started, 2)
    server = keystone_server.KeystoneServer(
        str(tmp_path_factory.mktemp('keystone')))
    server.start()
    REPORT['start (s)'] = server.start_seconds
    REPORT['start phases (s, cumulative)'] = server.start_phases
    populated = time.monotonic()
    world = World(server)
    for project in ('service', 'alpha', 'beta'):
        world.add_project(project)
    world.add_user('swiftq', 'service', roles=('service', 'member'))
    world.add_user('swift', 'service', roles=('service', 'member'))
    world.add_user('alpha-member', 'alpha')
    world.add_user('beta-member', 'beta')
    world.add_user('alpha-admin', 'alpha', roles=('admin',))
    REPORT['projects and users (s)'] = round(time.monotonic() - populated, 2)
    yield world
    server.stop()


def _timed(name, start):
    began = time.monotonic()
    result = start()
    REPORT[name] = round(time.monotonic() - began, 2)
    return result


@pytest.fixture(scope='session')
def keystone_swiftq(keystone, local_swift, swiftq_server_factory):
    overrides = keystone.authtoken_options()
    overrides[('signed_url', 'secret_key')] = SIGNED_URL_KEY
    server = _timed('swiftq-api start, auth_strategy = keystone (s)',
                    lambda: swiftq_server_factory(
                        swift=local_swift, workers=2,
                        auth_strategy='keystone', overrides=overrides))
    keystone.server.register_service('messaging', 'swiftq', server.base_url)
    return server


@pytest.fixture(scope='session')
def keystone_swift(keystone, tmp_path_factory):
    from swiftq.localswift import LocalSwift

    swift_user = keystone['swift']
    swift = LocalSwift(
        str(tmp_path_factory.mktemp('swift-keystone')), replicas=1,
        daemons=(), keystone={
            'auth_url': keystone.server.auth_url,
            'username': swift_user.username,
            'password': swift_user.password,
            'project_name': 'service'})
    _timed('LocalSwift start, keystone mode (s)', swift.start)
    keystone.server.register_service(
        'object-store', 'swift', swift.proxy_url + '/v1/AUTH_$(project_id)s')
    yield swift
    swift.stop()


@pytest.fixture(scope='session')
def swift_keystone_swiftq(keystone, keystone_swift, swiftq_server_factory):
    service = keystone['swiftq']
    overrides = keystone.authtoken_options(token_cache_time=2)
    overrides[('signed_url', 'secret_key')] = SIGNED_URL_KEY
    overrides[('swift', 'auth_type')] = 'keystone'
    for name, value in {
            'auth_type': 'password',
            'auth_url': keystone.server.auth_url,
            'username': service.username,
            'password': service.password,
            'project_name': 'service',
            'user_domain_id': 'default',
            'project_domain_id': 'default',
            'region_name': REGION,
            'interface': 'public'}.items():
        overrides[('swift_keystone', name)] = value
    return _timed('swiftq-api start, Swift through Keystone (s)',
                  lambda: swiftq_server_factory(
                      swift=keystone_swift, workers=1,
                      auth_strategy='keystone', overrides=overrides))


def keystone_client(server, token=None, client_id=None):
    """An ApiClient of ``server`` sending ``token`` (if any) and no
    X-Project-ID."""
    client = server_lib.ApiClient(server.base_url, client_id=client_id)
    del client.headers['X-Project-ID']
    if token is not None:
        client.headers['X-Auth-Token'] = token
    return client


@pytest.fixture
def keystone_api(request):
    clients = []

    def factory(identity=None, server=None, token=None, client_id=None):
        if server is None:
            server = request.getfixturevalue('keystone_swiftq')
        if identity is not None and token is None:
            token = identity.token
        client = keystone_client(server, token, client_id)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


@pytest.fixture
def alpha(keystone):
    return keystone['alpha-member']


@pytest.fixture
def beta(keystone):
    return keystone['beta-member']
