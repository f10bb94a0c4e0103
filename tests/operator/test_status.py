"""swiftq-status upgrade check, against the test suite's real Swift.

The command runs as operators run it (a process, a configuration file);
the single checks that need odd situations (a skewed clock, a stopped
expirer, a bad policy file) run in process on the same Swift.
"""

import gzip
import json
import os
import re
import struct
import subprocess
import sys
import time
import urllib.parse

import pytest

from swiftq import child_processes
from swiftq.cmd import status
import swiftq.conf
from tests.functional import relay
from tests.functional import server as server_lib

REPO_ROOT = server_lib.REPO_ROOT


def write_config(path, local, **sections):
    values = {
        'DEFAULT': {'auth_strategy': 'noauth'},
        'swift': {'auth_type': 'tempauth', 'auth_url': local.auth_url,
                  'user': local.user, 'key': local.key,
                  'container_prefix': server_lib.unique_prefix()},
        'status': {'swift_dir': local.etc_dir},
    }
    for group, options in sections.items():
        values.setdefault(group, {}).update(options)
    path.write_text(child_processes.render_ini(values))
    return str(path)


def run_status(config_file, *args):
    proc = subprocess.run(
        [sys.executable, '-m', 'swiftq.cmd.status', '--config-file',
         config_file, 'upgrade', 'check'] + list(args),
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    return proc


def results(proc):
    """{check name: (result code, details)} of a --json run."""
    doc = json.loads(proc.stdout)
    return {c['check']: (c['result'], c['details']) for c in doc['checks']}


def test_one_replica_swift(tmp_path, local_swift):
    config = write_config(tmp_path / 'swiftq.conf', local_swift)
    # The check returns as soon as the expirer has reaped its object
    # (5-15 s here). In a CI run the session's Swift, holding the
    # containers of every test before, took over 29 s once: the first
    # expiry of a new task container waits for a container-updater pass.
    proc = run_status(config, '--json', '--expirer-timeout', '90')
    assert proc.returncode == 1, proc.stdout + proc.stderr   # warnings
    found = results(proc)
    assert list(found) == ['Swift access', 'Swift durability',
                           'Swift object expirer', 'Clock skew with Swift',
                           'Proxy stamping delay',
                           'Claim timing', 'Policy file']
    code, details = found['Swift durability']
    assert code == 1
    assert 'NO DURABILITY' in details and '1 replica' in details
    assert os.path.join(local_swift.etc_dir, 'object.ring.gz') in details
    for name in found:
        if name != 'Swift durability':
            assert found[name][0] == 0, (name, found[name])
    assert 'left the listing' in found['Swift object expirer'][1]

    # The same, as a table, quickly (no wait for the expirer).
    proc = run_status(config, '--expirer-timeout', '0')
    assert proc.returncode == 1
    assert '| Check: Swift durability' in proc.stdout
    assert 'Result: Warning' in proc.stdout


def test_three_replica_swift(tmp_path, local_swift_3r):
    config = write_config(tmp_path / 'swiftq.conf', local_swift_3r)
    proc = run_status(config, '--json', '--expirer-timeout', '0')
    code, details = results(proc)['Swift durability']
    assert code == 0, details
    assert details.startswith('policy Policy-0: 3 replicas')


def test_credentials_refused(tmp_path, local_swift):
    config = write_config(tmp_path / 'swiftq.conf', local_swift,
                          swift={'key': 'wrong'})
    proc = run_status(config, '--json')
    assert proc.returncode == 2
    found = results(proc)
    assert found['Swift access'][0] == 2
    assert 'auth answered 401' in found['Swift access'][1]
    assert found['Swift durability'] == (
        2, found['Swift durability'][1])
    assert 'not checked' in found['Swift durability'][1]
    assert found['Claim timing'][0] == 0     # needs no Swift


# -- single checks, in process ----------------------------------------------
def checks_for(swift, tmp_path=None, overrides=None, clock=time.time):
    values = {
        ('DEFAULT', 'auth_strategy'): 'noauth',
        ('swift', 'auth_url'): swift.auth_url,
        ('swift', 'user'): swift.user,
        ('swift', 'key'): swift.key,
        ('swift', 'container_prefix'): server_lib.unique_prefix(),
        ('status', 'swift_dir'): swift.etc_dir,
    }
    values.update(overrides or {})
    conf = swiftq.conf.new_conf(overrides={
        (None if g == 'DEFAULT' else g, n): v
        for (g, n), v in values.items()})
    return status.Checks(conf, expirer_timeout=0, clock=clock)


def test_clock_skew_warns(local_swift):
    checks = checks_for(local_swift, clock=lambda: time.time() - 5)
    result = checks._check_clock()
    assert result.code == status.WARNING
    assert 'CLOCK SKEW' in result.details
    offset = re.search(r'clock is ([-+][0-9.]+) s', result.details).group(1)
    assert 4 < float(offset) < 6


def test_stopped_expirer_warns(local_swift):
    checks = checks_for(local_swift)
    client = checks._scratch_container()
    # What a canary left by a check two hours ago looks like while no
    # expirer runs: still listed.
    expired = int(time.time()) - 7200
    client.put_object(checks.scratch, '%s%012d-feed' % (
        status.CANARY_PREFIX, expired), b'')
    result = checks._check_expirer()
    assert result.code == status.WARNING
    assert 'not running' in result.details


def test_claim_timing_fails(local_swift):
    checks = checks_for(local_swift, overrides={
        ('claims', 'lease_write_deadline'): 0.5,
        ('claims', 'lease_settle_delay'): 0.4})
    result = checks._check_claim_timing()
    assert result.code == status.FAILURE


@pytest.mark.parametrize('content, code, words', [
    ('{"queues:get_all": ""}', status.FAILURE, 'JSON'),
    ('"queues:get_all": ""\n"queues:gett": "role:admin"\n',
     status.WARNING, 'queues:gett'),
    ('"queues:get_all": "role:admin"\n', status.SUCCESS, 'loads'),
])
def test_policy_file(tmp_path, local_swift, content, code, words):
    policy_module = pytest.importorskip('swiftq.policy')
    policy = tmp_path / 'policy.yaml'
    policy.write_text(content)
    checks = checks_for(local_swift)
    policy_module.make_enforcer(checks.conf)   # registers [oslo_policy]
    checks.conf.set_override('policy_file', str(policy), group='oslo_policy')
    result = checks._check_policy_file()
    assert result.code == code, result.details
    assert words in result.details


# -- what swift.conf and the rings say --------------------------------------
def write_ring_v1(path, replicas):
    header = json.dumps({'devs': [], 'part_shift': 30,
                         'replica_count': replicas}).encode()
    with gzip.open(path, 'wb') as f:
        f.write(struct.pack('!4sHI', b'R1NG', 1, len(header)) + header)


def test_ring_replicas_format_1(tmp_path):
    path = tmp_path / 'object.ring.gz'
    write_ring_v1(path, 2.5)
    assert status.ring_replicas(str(path)) == 2.5


def test_durability_of_policies(tmp_path):
    (tmp_path / 'swift.conf').write_text(
        '[storage-policy:0]\nname = gold\ndefault = yes\n'
        '[storage-policy:1]\nname = ec\naliases = cold\n'
        'policy_type = erasure_coding\nec_num_data_fragments = 4\n'
        'ec_num_parity_fragments = 1\n'
        '[storage-policy:2]\nname = silver\n')
    write_ring_v1(tmp_path / 'object.ring.gz', 3)
    write_ring_v1(tmp_path / 'object-2.ring.gz', 2)
    swift_dir = str(tmp_path)
    assert status.durability('Gold', swift_dir)[0] == status.SUCCESS
    code, text = status.durability('cold', swift_dir)
    assert code == status.WARNING and 'erasure coded' in text
    code, text = status.durability('silver', swift_dir)
    assert code == status.WARNING and '2 replicas' in text
    code, text = status.durability('bronze', swift_dir)
    assert code == status.WARNING and 'not in' in text
    code, text = status.durability('gold', str(tmp_path / 'nowhere'))
    assert code == status.WARNING and 'does not publish' in text


def test_slow_stamping_warns(local_swift):
    """#15.6: a relay in front of the proxy holds every request back 2.5 s
    (more than max_clock_skew + lease_settle_delay = 2.2 s): the writes are
    stamped that late, and the check says so. Without the relay it
    passes."""
    proxy = urllib.parse.urlparse(local_swift.proxy_url)
    with relay.DelayingRelay((proxy.hostname, proxy.port)) as front:
        storage_path = urllib.parse.urlparse(local_swift.storage_url).path
        checks = checks_for(local_swift, overrides={
            ('swift', 'auth_url'): front.url + '/auth/v1.0',
            ('swift', 'storage_url'): front.url + storage_path})
        result = checks._check_stamping()
        assert result.code == status.SUCCESS, result.details
        front.delay = 2.5
        result = checks._check_stamping()
    assert result.code == status.WARNING, result.details
    assert 'SLOW STAMPING' in result.details
    worst = re.search(r'at most ([0-9.]+) s', result.details).group(1)
    assert 2.5 <= float(worst) < 10
