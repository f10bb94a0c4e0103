"""``swiftq-bench --local --zaqar-peer swift,redis``: swiftq and OpenStack
Zaqar 23 (PyPI ``zaqar``) on its Swift driver, on the same local Swift,
and on its Redis driver.

Zaqar runs from ``.venv-zaqar`` and Redis is Debian's ``redis-server``,
which the test provisions the way ``tools/run-tests.sh`` does
(``ensure_os_packages``, ``ensure_zaqar_venv``: no-ops when up to date;
the first install takes a minute or so). One short run of each server; no
timing asserts: each must move every message exactly once, Zaqar-on-Swift's
messages must really be in Swift (the proxy's log), and the comparisons
must be printed and written.
"""

import http.server
import json
import os
import subprocess
import threading

import pytest

from swiftq.bench import cli
from swiftq.bench import tempauth_keystone
from swiftq.bench import zaqar_peer
from tests.functional import server as server_lib

MESSAGES = 20


@pytest.fixture(scope='module')
def zaqar_venv():
    venv = os.path.join(server_lib.REPO_ROOT, '.venv-zaqar')
    venv = os.environ.get('SWIFTQ_ZAQAR_VENV') or venv
    script = os.path.join(server_lib.REPO_ROOT, 'tools', 'run-tests.sh')
    result = subprocess.run(
        # $0 must not be the script: sourced as $0, it would run the suite.
        ['bash', '-c', '. "$1" && ensure_os_packages "$(find_python)" && '
         'ensure_zaqar_venv', 'bash', script],
        env=dict(os.environ, SWIFTQ_ZAQAR_VENV=venv),
        cwd=server_lib.REPO_ROOT, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, result.stderr[-3000:]
    return venv


def _assert_every_message_once(run):
    corr = run['correctness']
    assert corr['posted'] == MESSAGES, corr
    assert corr['consumed'] == MESSAGES, corr
    assert corr['deleted'] == MESSAGES, corr
    assert corr['lost'] == 0, corr
    assert corr['duplicates'] == 0, corr
    assert corr['resurrected'] == 0, corr
    assert corr['drain_complete'] is True, corr
    assert not run['errors'], run['errors']


@pytest.mark.timeout(600)   # a cold .venv-zaqar install included
def test_swiftq_and_zaqar_side_by_side(zaqar_venv, tmp_path, capsys):
    out = tmp_path / 'bench.json'
    # one producer and one consumer: with two, Zaqar's Swift driver may
    # hand a message to two claims (Swift ignores its If-Match)
    status = cli.main([
        '--local', '--zaqar-peer', 'swift,redis', '--zaqar-venv', zaqar_venv,
        '--api-workers', '1', '--api-threads', '4',
        '--producers', '1', '--consumers', '1', '--batch', '10',
        '--claim-limit', '10', '--messages', str(MESSAGES),
        '--duration', '30', '--drain-timeout', '60', '--body-size', '64',
        '--json', str(out), '--no-progress', '--quiet'])
    table = capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert status == 0, table
    swiftq_run, zaqar_run, redis_run = doc['runs']
    assert [r['name'] for r in doc['runs']] == \
        ['swiftq', 'zaqar-swift', 'zaqar-redis']
    assert [r.get('peer') for r in doc['runs']] == \
        [None, 'zaqar-swift', 'zaqar-redis']
    servers = doc['zaqar_peer']['servers']
    assert [(s['label'], s['message_store'], s['zaqar_version'])
            for s in servers] == [('zaqar-swift', 'swift', '23.0.1'),
                                  ('zaqar-redis', 'redis', '23.0.1')]
    urls = {swiftq_run['target'], zaqar_run['target'], redis_run['target']}
    assert urls == {swiftq_run['target']} | {s['url'] for s in servers}
    assert len(urls) == 3
    # all answered the v2 API: queue PUT, posts, claims, bulk deletes
    for run in doc['runs']:
        _assert_every_message_once(run)
        assert run['delete_mode_used'] == 'bulk'
        assert run['latency']['post']['count'] == MESSAGES // 10, run['name']
    assert 'zaqar-api' in zaqar_run['cpu_during_load']
    assert 'redis' in redis_run['cpu_during_load']
    # Zaqar's messages went to Swift, one object per message, in its own
    # account (the log is filtered to AUTH_test2)
    # (the load phase ends with the last acknowledged post: the claims and
    # deletes of the drain are not counted)
    swift = zaqar_run['server']['swift_requests_during_load']
    assert swift['PUT message object']['count'] >= MESSAGES, swift
    assert swift['PUT message object']['status'].get('201', 0) \
        >= MESSAGES, swift
    assert not any(key.endswith('segment') for key in swift), swift
    # Zaqar on Redis asks nothing of Swift
    assert redis_run['server']['swift_requests_during_load'] is None
    comparisons = doc['zaqar_peer']['comparisons']
    assert [(c['swiftq_run'], c['zaqar_run'], c['peer'])
            for c in comparisons] == [
        ('swiftq', 'zaqar-swift', 'zaqar-swift'),
        ('swiftq', 'zaqar-redis', 'zaqar-redis')]
    for comparison, peer_run in zip(comparisons, (zaqar_run, redis_run)):
        for key, figures in comparison['throughput'].items():
            assert figures['swiftq'] == swiftq_run['throughput'][key]
            assert figures['zaqar'] == peer_run['throughput'][key]
            expected = (round(figures['swiftq'] / figures['zaqar'], 2)
                        if figures['zaqar'] else None)
            assert figures['ratio'] == expected, key
    assert 'Zaqar peer zaqar-swift: Zaqar 23.0.1, Swift driver' in table
    assert 'Zaqar peer zaqar-redis: Zaqar 23.0.1, Redis driver' in table
    assert 'swiftq vs zaqar-swift' in table
    assert 'swiftq vs zaqar-redis' in table


class _TempauthStandIn(http.server.BaseHTTPRequestHandler):
    """tempauth's v1 login, for the login endpoint's unit test."""

    def do_GET(self):
        ok = (self.headers.get('X-Auth-User') == 'proj:alice' and
              self.headers.get('X-Auth-Key') == 'pw')
        self.send_response(200 if ok else 401)
        if ok:
            self.send_header('X-Storage-Url', 'http://swift.test/v1/AUTH_p')
            self.send_header('X-Auth-Token', 'AUTH_tk123')
            self.send_header('X-Auth-Token-Expires', '600')
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def tempauth_url():
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                            _TempauthStandIn)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield 'http://127.0.0.1:%d/auth/v1.0' % httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def test_login_endpoint_speaks_keystone_to_keystoneauth(tempauth_url):
    """What Zaqar's Swift driver does with it: keystoneauth1's generic
    password plugin (version discovery, then a v3 login) and the
    ``object-store`` endpoint of the catalog."""
    from keystoneauth1 import exceptions
    from keystoneauth1 import session
    from keystoneauth1.identity import generic

    with tempauth_keystone.TempauthKeystone(tempauth_url) as ks:
        def login(password):
            auth = generic.Password(
                auth_url=ks.auth_url, username='alice', password=password,
                project_name='proj', user_domain_name='Default',
                project_domain_name='Default')
            return session.Session(auth=auth)

        sess = login('pw')
        assert sess.get_token() == 'AUTH_tk123'
        assert sess.get_endpoint(service_type='object-store',
                                 interface='publicURL',
                                 region_name='RegionOne') == \
            'http://swift.test/v1/AUTH_p'
        with pytest.raises(exceptions.Unauthorized):
            login('wrong').get_token()


def test_swift_kind_names_zaqar_objects():
    kind = zaqar_peer.swift_kind
    assert kind('/v1/AUTH_test2/zaqar_message%253Aq1%253Ap1/948e-a216') == \
        'message object'
    assert kind('/v1/AUTH_test2/zaqar_message%253Aq1%253Ap1%3Fformat%3D'
                'json%26limit%3D20') == 'message container'
    assert kind('/v1/AUTH_test2/zaqar_claim%253Aq1%253Ap1/30e5') == \
        'claim object'
    assert kind('/v1/AUTH_test2%3Fformat%3Djson') == 'account'
