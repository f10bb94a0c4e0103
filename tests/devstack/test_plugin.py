"""devstack/plugin.sh, run outside devstack.

A full devstack cannot run here, so the plugin is sourced by bash the way
stack.sh, unstack.sh and clean.sh source it ("plugin.sh stack
post-config"...), after devstack/settings, with
``fake_devstack_functions.sh`` standing in for the devstack functions it
calls (that file says which are real and which only record their calls).

Covered: the phases run without error under ``set -o errexit``; the files
they write (swiftq.conf loads with swiftq's options and every option the
plugin sets exists; the uwsgi INI); with the local test Swift (tempauth,
``local_swift``), the API started by ``run_process`` under a real uwsgi
answers ``/v2/ping`` and a queue round trip (create, post, claim, delete
the claimed message) with request ids and an access log without bodies or
tokens, swiftq-websocket answers on its port and pushes a post,
``swiftq-status`` reports the 1-replica Swift, unstack stops it,
clean removes its files; with Keystone enabled (no Keystone runs here),
the accounts, service and endpoint it asks devstack for and the Keystone
sections it writes, which keystoneauth1 loads.

Not covered: devstack itself (its real functions, systemd units, Apache
and mod_proxy_uwsgi in front of the socket), a run against a real Keystone
and a Keystone-backed Swift, the devstack Python environment and
upper-constraints, Ubuntu/Fedora packaging.
"""

import configparser
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import uuid

import pytest
import requests

from swiftq.child_processes import free_port
from tests.functional import server as server_lib
from tests.functional import websocket_server as ws_lib

REPO_ROOT = server_lib.REPO_ROOT
DEVSTACK_DIR = os.path.join(REPO_ROOT, 'devstack')
PLUGIN = os.path.join(DEVSTACK_DIR, 'plugin.sh')
SETTINGS = os.path.join(DEVSTACK_DIR, 'settings')
FAKE_FUNCTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                              'fake_devstack_functions.sh')
STACK = ['stack pre-install', 'stack install', 'stack post-config',
         'stack extra']
SWIFT_SERVICES = 's-proxy,s-object,s-container,s-account'
PHASE_TIMEOUT = 120


class Devstack:
    """One fake devstack host: a work directory and the environment of
    stack.sh / unstack.sh / clean.sh."""

    def __init__(self, workdir, **settings):
        self.workdir = str(workdir)
        self.conf_dir = os.path.join(self.workdir, 'etc', 'swiftq')
        bin_dir = os.path.dirname(sys.executable)
        self.env = {
            'PATH': bin_dir + os.pathsep + os.environ.get('PATH', ''),
            'HOME': os.environ.get('HOME', self.workdir),
            'LANG': 'C.UTF-8',
            'FAKE_DEVSTACK_DIR': self.workdir,
            'FAKE_DEVSTACK_PYTHON': sys.executable,
            # stackrc's globals that the plugin reads
            'DEST': os.path.join(self.workdir, 'opt-stack'),
            'STACK_USER': _user(),
            'SERVICE_HOST': '127.0.0.1',
            'SERVICE_PROTOCOL': 'http',
            'SERVICE_TIMEOUT': '60',
            'API_WORKERS': '2',
            'WORKER_TIMEOUT': '10',
            'ENABLE_DEBUG_LOG_LEVEL': 'False',
            'REGION_NAME': 'RegionOne',
            'ENABLED_SERVICES': SWIFT_SERVICES,
            'SERVICE_PASSWORD': 'secretservice',
            'SERVICE_PROJECT_NAME': 'service',
            'SERVICE_DOMAIN_NAME': 'Default',
            'KEYSTONE_SERVICE_URI': 'http://127.0.0.1/identity',
            'MEMCACHE_SERVERS': '127.0.0.1:11211',
            'SSL_BUNDLE_FILE': '',
            # the plugin's own settings
            'SWIFTQ_DIR': REPO_ROOT,
            'SWIFTQ_CONF_DIR': self.conf_dir,
            'SWIFTQ_CONTAINER_PREFIX': server_lib.unique_prefix(),
            'SWIFTQ_WEBSOCKET_BIND_HOST': '127.0.0.1',
            'SWIFTQ_WEBSOCKET_PORT': str(free_port()),
        }
        if os.environ.get('PYTHONPATH'):
            # The checkout under test, for the daemons' console scripts too.
            self.env['PYTHONPATH'] = os.environ['PYTHONPATH']
        self.env.update(settings)

    @property
    def conf_file(self):
        return os.path.join(self.conf_dir, 'swiftq.conf')

    @property
    def uwsgi_file(self):
        return os.path.join(self.conf_dir, 'swiftq-api-uwsgi.ini')

    def run(self, *phases, check=True):
        """Source settings, then plugin.sh once per phase, in one bash
        (as one stack.sh run does)."""
        lines = ['set -o errexit', 'source %s' % shlex.quote(FAKE_FUNCTIONS),
                 'source %s' % shlex.quote(SETTINGS)]
        lines += ['source %s %s' % (shlex.quote(PLUGIN), phase)
                  for phase in phases]
        proc = subprocess.run(['bash', '-c', '\n'.join(lines)],
                              env=self.env, cwd=self.workdir,
                              capture_output=True, text=True,
                              timeout=PHASE_TIMEOUT)
        if check and proc.returncode != 0:
            raise AssertionError('%s failed (%d):\n%s\n%s\n%s' % (
                phases, proc.returncode, proc.stdout, proc.stderr,
                self.log_tail()))
        return proc

    def calls(self, name=None):
        """The recorded calls, as argument lists."""
        path = os.path.join(self.workdir, 'calls.log')
        if not os.path.exists(path):
            return []
        with open(path) as f:
            calls = [shlex.split(line) for line in f if line.strip()]
        return [c for c in calls if name is None or c[0] == name]

    @staticmethod
    def ini(path):
        parser = configparser.ConfigParser(interpolation=None)
        with open(path) as f:
            parser.read_file(f)
        return parser

    @property
    def websocket_url(self):
        return 'ws://127.0.0.1:%s' % self.env['SWIFTQ_WEBSOCKET_PORT']

    def log(self, service='swiftq-api'):
        path = os.path.join(self.workdir, 'logs', service + '.log')
        if not os.path.exists(path):
            return ''
        with open(path, errors='replace') as f:
            return f.read()

    def log_tail(self, lines=40):
        return ''.join(self.log().splitlines(True)[-lines:])

    def kill_leftovers(self):
        """What stop_process would have stopped, if a test failed first."""
        for service in ('swiftq-api', 'swiftq-notifier', 'swiftq-websocket'):
            pidfile = os.path.join(self.workdir, 'run', service + '.pid')
            if not os.path.exists(pidfile):
                continue
            with open(pidfile) as f:
                pid = int(f.read())
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _user():
    import pwd
    return pwd.getpwuid(os.getuid()).pw_name


def set_options(parser):
    """{section: set of option names} set (not commented out) in a file
    read by ConfigParser (DEFAULT included)."""
    found = {'DEFAULT': set(parser.defaults())}
    for section in parser.sections():
        found[section] = {name for name in parser[section]
                          if name not in parser.defaults()}
    return found


def known_options():
    """{group: option names} that swiftq, oslo.log and keystonemiddleware
    define (the groups a devstack swiftq.conf may have)."""
    from keystonemiddleware import auth_token
    from oslo_log import _options as log_options

    import swiftq.conf

    known = {}
    for group, opts in (swiftq.conf.list_opts() + log_options.list_opts()
                        + auth_token.list_opts()):
        known.setdefault(group or 'DEFAULT', set()).update(
            o.dest for o in opts)
    # keystoneauth1's password plugin options, loaded at run time
    from keystoneauth1 import loading
    password = {o.dest for o in loading.get_auth_plugin_conf_options(
        'password')} | {'auth_type', 'auth_section'}
    known['keystone_authtoken'] |= password
    known['swift_keystone'] |= password
    return known


def assert_has(section, expected):
    """The configparser ``section`` has these options and values."""
    missing = {k: v for k, v in expected.items() if section.get(k) != v}
    assert not missing, (dict(section), missing)


def assert_known_options(path):
    """oslo.config ignores unknown options: a misspelt one would be
    silently lost."""
    known = known_options()
    for section, names in set_options(Devstack.ini(path)).items():
        unknown = names - known.get(section, set())
        assert not unknown, 'unknown in [%s]: %s' % (section, unknown)


@pytest.fixture
def shellcheck():
    path = shutil.which('shellcheck')
    if path is None:
        pytest.skip('shellcheck is not installed (tools/run-tests.sh '
                    'installs it)')
    return path


def test_shellcheck_clean(shellcheck):
    proc = subprocess.run(
        [shellcheck, '--shell=bash', '--external-sources', PLUGIN, SETTINGS,
         FAKE_FUNCTIONS], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_stack_unstack_clean_on_local_swift(tmp_path, local_swift):
    port = free_port()
    devstack = Devstack(
        tmp_path,
        SWIFTQ_UWSGI_HTTP='127.0.0.1:%d' % port,
        SWIFTQ_UWSGI_THREADS='4',
        SWIFTQ_SWIFT_TEMPAUTH_URL=local_swift.auth_url,
        SWIFTQ_SWIFT_TEMPAUTH_USER=local_swift.user,
        SWIFTQ_SWIFT_TEMPAUTH_KEY=local_swift.key,
        SWIFT_CONF_DIR=local_swift.etc_dir)
    base_url = 'http://127.0.0.1:%d' % port
    try:
        stack = devstack.run(*STACK)

        # -- what the phases asked of devstack
        assert devstack.calls('setup_develop') == [
            ['setup_develop', REPO_ROOT]]
        assert devstack.calls('write_uwsgi_config') == [[
            'write_uwsgi_config', devstack.uwsgi_file,
            'swiftq.wsgi:application', '/messaging', '127.0.0.1:%d' % port,
            'swiftq-api']]
        runs = {c[1]: c for c in devstack.calls('run_process')}
        assert sorted(runs) == ['swiftq-api', 'swiftq-notifier',
                                'swiftq-websocket']
        run = runs['swiftq-api']
        for daemon in ('swiftq-notifier', 'swiftq-websocket'):
            command = runs[daemon][2].split()
            assert command[0].endswith('/' + daemon)
            assert command[1:] == ['--config-file', devstack.conf_file]
        assert run[2].split()[1:] == ['--procname-prefix', 'swiftq-api',
                                      '--ini', devstack.uwsgi_file]
        assert run[5] == 'SWIFTQ_CONFIG_FILE=' + devstack.conf_file
        assert devstack.calls('get_or_create_service') == []  # no Keystone
        assert devstack.calls('apache_proxy_pass') == []  # uwsgi http

        # -- what they wrote
        conf = devstack.ini(devstack.conf_file)
        assert conf['DEFAULT']['auth_strategy'] == 'noauth'
        assert_has(conf['swift'], {
            'auth_type': 'tempauth', 'auth_url': local_swift.auth_url,
            'user': local_swift.user, 'key': local_swift.key,
            'container_prefix': devstack.env['SWIFTQ_CONTAINER_PREFIX']})
        assert conf['status']['swift_dir'] == local_swift.etc_dir
        assert_has(conf['websocket'], {
            'bind_host': '127.0.0.1',
            'bind_port': devstack.env['SWIFTQ_WEBSOCKET_PORT']})
        assert_known_options(devstack.conf_file)
        uwsgi = devstack.ini(devstack.uwsgi_file)['uwsgi']
        assert uwsgi['module'] == 'swiftq.wsgi:application'
        assert uwsgi['http'] == '127.0.0.1:%d' % port
        assert uwsgi['threads'] == '4'
        assert uwsgi['lazy-apps'] == 'true'

        # -- the service it started
        assert requests.get(base_url + '/v2/ping', timeout=10).status_code \
            == 204
        assert requests.get(base_url + '/healthcheck',
                            timeout=10).status_code == 200
        project, client_id, secret = _queue_round_trip(base_url)
        _websocket_round_trip(devstack.websocket_url)

        # -- one access line per request: request id, project and
        #    Client-ID; no message body, no token
        log = devstack.log()
        claims = [line for line in log.splitlines()
                  if '"POST /v2/queues/rt/claims" status: 201' in line]
        assert len(claims) == 1, devstack.log_tail()
        assert project in claims[0] and client_id in claims[0]
        assert ' req-' in claims[0]
        assert secret not in log

        # -- swiftq-status ran in "extra" and saw the 1-replica Swift
        report = re.sub(r'[\s|]+', ' ', stack.stdout)
        assert 'Check: Swift durability Result: Warning' in report
        assert 'NO DURABILITY' in report
        assert 'Result: Failure' not in report

        # -- unstack stops it, clean removes its files
        devstack.run('unstack')
        with pytest.raises(requests.ConnectionError):
            requests.get(base_url + '/v2/ping', timeout=5)
        with pytest.raises(OSError):
            ws_lib.Client(devstack.websocket_url)
        devstack.run('clean')
        assert not os.path.exists(devstack.uwsgi_file)
        assert not os.path.exists(devstack.conf_dir)
        assert ['disable_apache_site', 'swiftq-api'] in devstack.calls()
    finally:
        devstack.kill_leftovers()


def _queue_round_trip(base_url):
    project = 'devstack-' + uuid.uuid4().hex[:8]
    client_id = str(uuid.uuid4())
    secret = 'SECRET-' + uuid.uuid4().hex
    queue = base_url + '/v2/queues/rt'
    with server_lib.ApiClient(base_url, project=project,
                              client_id=client_id) as api:
        # noauth ignores tokens; it must not log one either.
        api.headers['X-Auth-Token'] = secret
        resp = api.put(queue)
        assert resp.status_code == 201, resp.text
        assert resp.headers['x-openstack-request-id'].startswith('req-')
        resp = api.post(queue + '/messages', json={'messages': [
            {'ttl': 300, 'body': {'event': secret}}]})
        assert resp.status_code == 201, resp.text
        resp = api.post(queue + '/claims', json={'ttl': 60, 'grace': 60})
        assert resp.status_code == 201, resp.text
        [message] = resp.json()['messages']
        assert message['body'] == {'event': secret}
        resp = api.delete(base_url + message['href'])
        assert resp.status_code == 204, resp.text
        resp = api.get(queue + '/stats')
        assert resp.json()['messages']['total'] == 0
        assert api.delete(queue).status_code == 204
    return project, client_id, secret


def _websocket_round_trip(url):
    """swiftq-websocket serves the queues the API does, with pushes."""
    with ws_lib.Client(url) as client, \
            ws_lib.Client(url, project=client.project) as poster:
        assert client.call('ping_node', {})['headers']['status'] == 204
        created = client.call('subscription_create', {'queue_name': 'wsq'})
        assert created['headers']['status'] == 201, created
        posted = poster.call('message_post', {
            'queue_name': 'wsq', 'messages': [{'body': 'hi', 'ttl': 60}]})
        assert posted['headers']['status'] == 201, posted
        assert client.receive() == {'body': 'hi', 'ttl': 60,
                                    'queue_name': 'wsq',
                                    'Message_Type': 'Notification'}


def test_post_config_with_keystone(tmp_path):
    devstack = Devstack(tmp_path,
                        ENABLED_SERVICES='key,' + SWIFT_SERVICES)
    devstack.run('stack pre-install', 'stack install', 'stack post-config')

    assert devstack.calls('create_service_user') == [
        ['create_service_user', 'swiftq', 'member']]
    assert devstack.calls('get_or_create_service') == [
        ['get_or_create_service', 'swiftq', 'messaging',
         'Messaging service (swiftq: the Zaqar v2 API on Swift)'],
        ['get_or_create_service', 'swiftq-websocket', 'messaging-websocket',
         'Messaging service over websockets (swiftq-websocket)']]
    assert devstack.calls('get_or_create_endpoint') == [
        ['get_or_create_endpoint', 'messaging', 'RegionOne',
         'http://127.0.0.1/messaging'],
        ['get_or_create_endpoint', 'messaging-websocket', 'RegionOne',
         devstack.websocket_url]]
    # Behind Apache at /messaging, on a uwsgi socket.
    [proxy] = devstack.calls('apache_proxy_pass')
    assert proxy[1] == '/messaging'
    assert 'socket' in devstack.ini(devstack.uwsgi_file)['uwsgi']

    conf = devstack.ini(devstack.conf_file)
    assert conf['DEFAULT']['auth_strategy'] == 'keystone'
    assert conf['swift']['auth_type'] == 'keystone'
    assert_has(conf['keystone_authtoken'], {
        'auth_type': 'password', 'username': 'swiftq',
        'www_authenticate_uri': 'http://127.0.0.1/identity'})
    assert_has(conf['swift_keystone'], {
        'auth_type': 'password', 'username': 'swiftq',
        'password': 'secretservice', 'project_name': 'service',
        'auth_url': 'http://127.0.0.1/identity'})
    assert_has(conf['trustee'], {
        'auth_type': 'password', 'username': 'swiftq',
        'password': 'secretservice', 'user_domain_id': 'default',
        'auth_url': 'http://127.0.0.1/identity'})
    assert 'project_name' not in conf['trustee']
    assert_known_options(devstack.conf_file)

    # swiftq loads its Swift credentials from it (no Keystone is asked).
    from keystoneauth1 import loading
    import swiftq.conf
    loaded = swiftq.conf.new_conf(config_files=[devstack.conf_file])
    assert loaded.auth_strategy == 'keystone'
    auth = loading.load_auth_from_conf_options(loaded, 'swift_keystone')
    assert auth.auth_url == 'http://127.0.0.1/identity'
    assert loaded.swift_keystone.interface == 'public'
    # and its trustee: a user, unscoped until a trust scopes it
    from swiftq.auth import trusts
    assert trusts.Trustee(loaded).configured
    trustee = loading.load_auth_from_conf_options(loaded, 'trustee',
                                                  trust_id='t1')
    assert trustee.auth_url == 'http://127.0.0.1/identity'


def test_stack_without_swift_stops(tmp_path):
    devstack = Devstack(tmp_path, ENABLED_SERVICES='key')
    proc = devstack.run('stack pre-install', check=False)
    assert proc.returncode == 1
    assert 'enable_service s-proxy' in proc.stderr
