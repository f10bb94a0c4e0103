"""The intended clients, with Keystone: python-zaqarclient on a
keystoneauth1 Session and the ``openstack messaging`` commands, both
finding swiftq in Keystone's catalog (service type ``messaging``)."""

import json
import os
import subprocess
import sys
import time
import uuid

import pytest

from tests.keystone.conftest import REPORT

HERE = os.path.dirname(os.path.abspath(__file__))


def qname():
    return 'cli-' + uuid.uuid4().hex[:10]


def test_zaqarclient_with_a_keystone_session(keystone_swiftq, keystone_api,
                                             alpha, beta):
    from zaqarclient.queues.v2 import client

    zaqar = client.Client(session=alpha.session(), version=2)
    name = qname()
    queue = zaqar.queue(name, force_create=True)      # PUT
    assert queue.exists()
    queue.post([{'body': {'n': i}, 'ttl': 300} for i in range(3)])
    queues, _ = zaqar.queues(limit=20)
    assert name in [q.name for q in queues]
    assert sorted(m.body['n'] for m in queue.messages(echo=True)) == [0, 1, 2]
    claim = queue.claim(ttl=60, grace=60, limit=2)
    claimed = list(claim)
    assert len(claimed) == 2
    stats = queue.stats['messages']
    assert stats['total'] == 3 and stats['claimed'] == 2
    for message in claimed:
        message.delete()
    claim.delete()
    assert queue.stats['messages']['total'] == 1
    # it was alpha's queue, created from the token's project
    assert keystone_api(beta).head('/v2/queues/' + name).status_code == 404
    assert keystone_api(alpha).head('/v2/queues/' + name).status_code == 204
    queue.delete()
    assert not queue.exists()


def openstack_batch(identity, commands):
    """Run ``openstack`` commands (argv tuples) as ``identity``, in order,
    in one process (``_osc_batch.py``; one process per identity: the
    client libraries cache credentials in process); their outputs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith('OS_')}
    env.update(identity.os_environ(), OS_MESSAGE_CLIENT_ID=str(uuid.uuid4()))
    batch = [{'argv': list(argv)} for argv in commands]
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, os.path.join(HERE, '_osc_batch.py')],
        input=json.dumps(batch), env=env, capture_output=True, text=True,
        timeout=300)
    REPORT.setdefault('openstack CLI processes (commands, s)', []).append(
        (len(commands), round(time.monotonic() - started, 2)))
    assert result.returncode == 0, result.stderr[-3000:]
    outputs = json.loads(result.stdout)
    for output in outputs:
        assert output['rc'] == 0, output
    return [o['stdout'] for o in outputs]


@pytest.fixture(scope='module')
def cli(keystone_swiftq, keystone):
    """What the ``openstack messaging`` commands answered: alpha's member
    creates a queue, posts two messages, lists queues and messages and
    claims; beta's member lists its queues."""
    alpha, beta = keystone['alpha-member'], keystone['beta-member']
    name = qname()
    messages = json.dumps([{'body': {'event': 'cli', 'n': i}, 'ttl': 300}
                           for i in range(2)])
    json_format = ('-f', 'json')
    outputs = openstack_batch(alpha, [
        ('messaging', 'queue', 'create', name) + json_format,
        ('messaging', 'message', 'post', name, messages),
        ('messaging', 'queue', 'list', '--limit', '20') + json_format,
        ('messaging', 'message', 'list', name, '--echo') + json_format,
        ('messaging', 'claim', 'create', name, '--ttl', '60', '--limit',
         '5') + json_format,
    ])
    outputs += openstack_batch(beta, [
        ('messaging', 'queue', 'list', '--limit', '20') + json_format])
    keys = ('queue_create', 'message_post', 'queue_list', 'message_list',
            'claim_create', 'beta_queue_list')
    return name, {k: (json.loads(v) if v.strip() else None)
                  for k, v in zip(keys, outputs)}


def test_openstack_messaging_queue_create_and_list(cli):
    name, out = cli
    assert out['queue_create']['Name'] == name
    assert name in [q['Name'] for q in out['queue_list']]


def test_openstack_messaging_message_post_and_list(cli):
    name, out = cli
    assert sorted(m['Body']['n'] for m in out['message_list']) == [0, 1]


def test_openstack_messaging_claim_create(keystone, keystone_api, cli):
    name, out = cli
    claimed = out['claim_create']
    assert sorted(m['Messages']['n'] for m in claimed) == [0, 1]
    assert len({m['Claim_ID'] for m in claimed}) == 1
    alpha = keystone['alpha-member']
    stats = keystone_api(alpha).get('/v2/queues/%s/stats' % name).json()
    assert stats['messages']['claimed'] == 2


def test_openstack_messaging_is_per_project(cli):
    name, out = cli
    assert name not in [q['Name'] for q in out['beta_queue_list']]
