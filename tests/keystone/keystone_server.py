"""A real Keystone on loopback, started by the tests themselves.

::

    ks = KeystoneServer(base_dir).start()     # ~15-25 s
    ks.auth_url                               # http://127.0.0.1:PORT/v3
    alpha = ks.create_project('alpha')
    ks.create_user('alice', 'secret', alpha, roles=['member'])
    token, project_id = ks.token('alice', 'secret', 'alpha')
    ks.stop()

Keystone 30 (``keystone==30.0.0``, 2026) runs from its own virtualenv,
``.venv-keystone`` (``$SWIFTQ_KEYSTONE_VENV``), which
``tools/run-tests.sh`` creates (``ensure_keystone_venv``): keystone pins
versions of shared libraries that swift, in ``.venv``, may not accept.
:func:`ensure_venv` runs that same shell function, so plain ``pytest``
works too. The tests talk to Keystone over HTTP only (keystoneauth1 from
``.venv``).

Everything lives under ``base_dir``: ``keystone.conf``, the SQLite
database, the Fernet and credential keys, ``keystone.log``. Start-up is
``keystone-manage`` ``fernet_setup``, ``credential_setup``, ``db_sync`` and
``bootstrap`` (admin user and project, the ``admin``, ``manager``,
``member``, ``reader`` and ``service`` roles, the identity endpoint), all
in one process (``_keystone_setup.py``: four ``keystone-manage`` processes
spend four times ~3 s importing keystone), then gunicorn (one worker with
threads: Keystone's in-memory cache must be one per server, or a
revocation would be seen by one worker and not the other) until
``GET /v3`` answers.

Settings that make it fast enough for tests (see ``CONF_TEMPLATE``):
``[identity] password_hash_rounds = 4`` (bcrypt's minimum; the default
makes every login cost ~0.3 s of CPU) and an in-process dogpile cache
(without it one token validation is ~70 SQL queries).

Behaviours of Keystone that tests must respect:

* a token issued in the same second as a revocation event that concerns it
  is already revoked (events have a one-second resolution): wait a second
  after revoking before asking for a new token of the same user;
* :meth:`mint_expired_token` signs a token that expired an hour ago with
  the server's own keys (``[token] expiration`` applies to every token, and
  clients re-authenticate 120 s before expiry, so it cannot just be short).
"""

import grp
import os
import pwd
import secrets
import signal
import subprocess
import sys
import time

import requests

from swiftq import child_processes
from tests.functional import server as server_lib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = server_lib.REPO_ROOT
KEYSTONE_VENV = (os.environ.get('SWIFTQ_KEYSTONE_VENV')
                 or os.path.join(REPO_ROOT, '.venv-keystone'))
REGION = 'RegionOne'
START_TIMEOUT = 120

CONF_TEMPLATE = """\
[DEFAULT]
debug = false
use_stderr = true

[database]
connection = sqlite:///{state}/keystone.db

[identity]
password_hash_rounds = 4

[token]
provider = fernet
expiration = 3600

[fernet_tokens]
key_repository = {state}/fernet-keys

[fernet_receipts]
key_repository = {state}/fernet-keys

[credential]
key_repository = {state}/credential-keys

[cache]
enabled = true
backend = dogpile.cache.memory
"""


class KeystoneError(RuntimeError):
    pass


def ensure_venv(venv=KEYSTONE_VENV):
    """Create/refresh ``venv`` with ``tools/run-tests.sh``'s
    ``ensure_keystone_venv`` (a no-op when it is up to date)."""
    script = os.path.join(REPO_ROOT, 'tools', 'run-tests.sh')
    env = dict(os.environ, SWIFTQ_KEYSTONE_VENV=venv)
    result = subprocess.run(
        # $0 must not be the script: sourced as $0, it would run the suite.
        ['bash', '-c', '. "$1" && ensure_keystone_venv', 'bash', script],
        env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise KeystoneError('ensure_keystone_venv failed:\n%s%s'
                            % (result.stdout[-3000:], result.stderr[-3000:]))
    return venv


class KeystoneServer(child_processes.ChildServer):
    """Keystone (SQLite, Fernet) under gunicorn on a free loopback port.

    ``admin_password`` is the password of ``admin`` (project ``admin``,
    role ``admin``), created by ``keystone-manage bootstrap``.
    ``start_seconds`` and ``start_phases`` tell where start-up time went.
    """

    LOG_TAIL_LINES = 40

    def __init__(self, base_dir, venv=KEYSTONE_VENV, admin_password=None,
                 threads=4):
        self.base_dir = os.path.abspath(base_dir)
        self.venv = venv
        self.admin_password = admin_password or secrets.token_hex(8)
        self.threads = threads
        self.port = child_processes.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.auth_url = self.url + '/v3'
        self.conf_file = os.path.join(self.base_dir, 'keystone.conf')
        self.log_file = os.path.join(self.base_dir, 'keystone.log')
        self.process = None
        self.start_seconds = None
        self.start_phases = {}
        self._admin = None
        self._role_ids = {}

    # -- life cycle ---------------------------------------------------------
    def _bin(self, name):
        return os.path.join(self.venv, 'bin', name)

    def _setup(self, commands):
        """``keystone-manage`` sub-commands, in order, in one process
        (``_keystone_setup.py``)."""
        argv = [self._bin('python'), os.path.join(HERE, '_keystone_setup.py'),
                self.conf_file]
        for command in commands:
            argv += ['--'] + command
        with open(self.log_file, 'ab') as log:
            result = subprocess.run(argv, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT,
                                    cwd=self.base_dir, timeout=START_TIMEOUT)
        if result.returncode != 0:
            raise KeystoneError('keystone-manage failed (exit %d):\n%s'
                                % (result.returncode, self.log_tail()))

    def start(self):
        if self.process is not None:
            return self
        if not os.path.exists(self._bin('keystone-manage')):
            raise KeystoneError(
                'no Keystone in %s: run tools/run-tests.sh (or call '
                'ensure_venv())' % self.venv)
        t0 = time.monotonic()

        def mark(phase):
            self.start_phases[phase] = round(time.monotonic() - t0, 2)

        os.makedirs(self.base_dir, exist_ok=True)
        with open(self.conf_file, 'w') as f:
            f.write(CONF_TEMPLATE.format(state=self.base_dir))
        user = pwd.getpwuid(os.geteuid()).pw_name
        group = grp.getgrgid(os.getegid()).gr_name
        owner = ['--keystone-user', user, '--keystone-group', group]
        self._setup([
            ['fernet_setup'] + owner,
            ['credential_setup'] + owner,
            ['db_sync'],
            ['bootstrap', '--bootstrap-password', self.admin_password,
             '--bootstrap-admin-url', self.auth_url,
             '--bootstrap-internal-url', self.auth_url,
             '--bootstrap-public-url', self.auth_url,
             '--bootstrap-region-id', REGION],
        ])
        mark('setup')
        self._spawn()
        self._wait_ready(t0 + START_TIMEOUT)
        mark('serving')
        self.start_seconds = round(time.monotonic() - t0, 2)
        return self

    @property
    def command(self):
        return [self._bin('gunicorn'),
                '--bind', '127.0.0.1:%d' % self.port,
                '--workers', '1', '--worker-class', 'gthread',
                '--threads', str(self.threads), '--preload',
                '--timeout', '120', '--graceful-timeout', '3',
                '--no-control-socket', '--pythonpath', HERE,
                '_keystone_wsgi:application']

    def _spawn(self):
        env = dict(os.environ, OS_KEYSTONE_CONFIG_DIR=self.base_dir,
                   PYTHONUNBUFFERED='1')
        with open(self.log_file, 'ab') as log:
            self.process = subprocess.Popen(
                self.command, cwd=self.base_dir, env=env,
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=child_processes.die_with_parent)

    def _wait_ready(self, deadline):
        try:
            child_processes.wait_serving(
                self.process, self.auth_url, 1, deadline - time.monotonic(),
                KeystoneError, 'keystone', self.log_file, status=200)
        except KeystoneError:
            self.stop()
            raise

    def stop(self):
        if self.process is not None:
            child_processes.stop_tree(self.process, 15)
            self.process = None

    def __repr__(self):
        return '<KeystoneServer %s>' % self.url

    # -- identity administration (as admin, over HTTP) -----------------------
    def session(self, username, password, project_name,
                domain='default'):
        """A keystoneauth1 Session for a user, scoped to a project."""
        from keystoneauth1 import session
        from keystoneauth1.identity import v3
        auth = v3.Password(auth_url=self.auth_url, username=username,
                           password=password, project_name=project_name,
                           user_domain_id=domain, project_domain_id=domain)
        return session.Session(auth=auth)

    @property
    def admin(self):
        if self._admin is None:
            self._admin = self.session('admin', self.admin_password, 'admin')
        return self._admin

    def _call(self, method, path, expect=(200, 201, 204), **kwargs):
        resp = self.admin.request(self.auth_url + path, method,
                                  raise_exc=False, **kwargs)
        if resp.status_code not in expect:
            raise KeystoneError('%s %s: %d %s' % (method, path,
                                                  resp.status_code,
                                                  resp.text[:300]))
        return resp.json() if resp.content else None

    def role_id(self, name):
        if name not in self._role_ids:
            roles = self._call('GET', '/roles?name=' + name)['roles']
            if not roles:
                raise KeystoneError('no role %r' % name)
            self._role_ids[name] = roles[0]['id']
        return self._role_ids[name]

    def create_project(self, name):
        doc = self._call('POST', '/projects', json={'project': {
            'name': name, 'domain_id': 'default'}})
        return doc['project']['id']

    def project_id(self, name):
        projects = self._call('GET', '/projects?name=' + name)['projects']
        return projects[0]['id'] if projects else None

    def create_user(self, name, password, project_id, roles=('member',)):
        doc = self._call('POST', '/users', json={'user': {
            'name': name, 'password': password, 'domain_id': 'default',
            'default_project_id': project_id}})
        user_id = doc['user']['id']
        for role in roles:
            self.grant(user_id, project_id, role)
        return user_id

    def grant(self, user_id, project_id, role):
        self._call('PUT', '/projects/%s/users/%s/roles/%s'
                   % (project_id, user_id, self.role_id(role)))

    def register_service(self, service_type, name, url, region=REGION):
        """A service and its public, internal and admin endpoints (all
        ``url``, which may hold ``$(project_id)s``)."""
        service = self._call('POST', '/services', json={'service': {
            'type': service_type, 'name': name}})['service']
        for interface in ('public', 'internal', 'admin'):
            self._call('POST', '/endpoints', json={'endpoint': {
                'service_id': service['id'], 'interface': interface,
                'region_id': region, 'url': url}})
        return service['id']

    # -- tokens ---------------------------------------------------------------
    def token(self, username, password, project_name, domain='default'):
        """``(token, project_id)`` of a fresh project-scoped token."""
        resp = requests.post(self.auth_url + '/auth/tokens', timeout=30,
                             json={'auth': {
                                 'identity': {
                                     'methods': ['password'],
                                     'password': {'user': {
                                         'name': username,
                                         'domain': {'id': domain},
                                         'password': password}}},
                                 'scope': {'project': {
                                     'name': project_name,
                                     'domain': {'id': domain}}}}})
        if resp.status_code != 201:
            raise KeystoneError('token for %s: %d %s' % (
                username, resp.status_code, resp.text[:300]))
        return (resp.headers['X-Subject-Token'],
                resp.json()['token']['project']['id'])

    def revoke(self, token):
        self._call('DELETE', '/auth/tokens',
                   headers={'X-Subject-Token': token})

    def validate(self, token):
        """Keystone's own verdict on a token: the HTTP status of
        ``GET /v3/auth/tokens``."""
        return self.admin.get(self.auth_url + '/auth/tokens',
                              headers={'X-Subject-Token': token},
                              raise_exc=False).status_code

    def mint_expired_token(self, user_id, project_id):
        """A correctly signed project-scoped token that expired an hour
        ago (see ``_mint_expired_token.py``)."""
        result = subprocess.run(
            [self._bin('python'), os.path.join(HERE, '_mint_expired_token.py'),
             self.conf_file, user_id, project_id],
            stdin=subprocess.DEVNULL, capture_output=True, text=True,
            timeout=120, cwd=self.base_dir)
        if result.returncode != 0:
            raise KeystoneError('minting failed:\n' + result.stderr[-3000:])
        return result.stdout.strip().splitlines()[-1]


if __name__ == '__main__':
    # python -m tests.keystone.keystone_server DIR: start one and wait.
    base = sys.argv[1] if len(sys.argv) > 1 else '/tmp/swiftq-keystone'
    server = KeystoneServer(base).start()
    print('Keystone at %s (admin password %s) in %.1f s %s'
          % (server.auth_url, server.admin_password, server.start_seconds,
             server.start_phases))
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
