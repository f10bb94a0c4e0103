"""Smoke run of ``swiftq-bench sqs`` against the session's
swiftq-api (real local Swift): a few hundred messages down both paths,
every figure present, every message received and deleted exactly once.
No timing asserts."""

import json

import pytest

from swiftq.bench import cli
from swiftq.bench import sqs


@pytest.mark.timeout(180)
@pytest.mark.parametrize('batch', [10, 1])
def test_sqs_bench_smoke(swiftq_server, tmp_path, capsys, batch):
    """Batch 10 drives SendMessageBatch/DeleteMessageBatch, batch 1
    SendMessage/DeleteMessage (and single POSTs and DELETEs over Zaqar)."""
    messages = 100 if batch == 10 else 20
    out = tmp_path / 'sqs.json'
    status = cli.main([
        'sqs', '--url', swiftq_server.base_url,
        '--messages', str(messages), '--batch', str(batch),
        '--workers', '3', '--body-size', '64', '--drain-timeout', '60',
        '--json', str(out)])
    table = capsys.readouterr().out
    assert status == 0, table
    figures = json.loads(out.read_text())
    assert [r['path'] for r in figures['runs']] == ['SQS (boto3)',
                                                    'Zaqar API']
    for run in figures['runs']:
        assert run['correctness'] == {
            'sent': messages, 'received': messages, 'deleted': messages,
            'drained': True, 'lost': 0, 'duplicates': 0, 'foreign': 0,
            'unacknowledged': 0, 'left_in_queue': 0,
            'kept_after_delete': 0}, run
        assert run['errors'] == {}, run
        for phase in ('send', 'receive_delete'):
            assert run[phase]['msgs_per_s'] > 0, run
        assert run['both_msgs_per_s'] > 0
        requests = -(-messages // batch)        # ceil: one per batch
        assert run['send']['latency']['count'] == requests
        assert run['receive_delete']['delete_latency']['count'] >= requests
    ratios = figures['ratios_sqs_to_zaqar']
    assert set(ratios) == {'send', 'receive_delete', 'both'}
    assert all(r > 0 for r in ratios.values()), ratios
    for label in ('send, msgs/s', 'receive+delete, msgs/s',
                  'both phases, msgs/s', 'SQS/Zaqar', 'lost / duplicated',
                  'drained'):
        assert label in table
    assert 'VIOLATIONS' not in table


def _tally(sent, received, deleted):
    tally = sqs.Tally('run')
    tally.acknowledged(range(sent), complete=True)
    tally.got([tally.body(seq, 20) for seq in received])
    tally.gone(deleted, 0.0)
    return tally


def test_a_drain_cut_short_is_not_a_loss():
    """4 sent, 2 received and deleted, the other 2 still queued."""
    corr = _tally(4, [0, 1], 2).correctness(left_in_queue=2)
    assert (corr['drained'], corr['lost'], corr['kept_after_delete']) == (
        False, 0, 0)
    assert sqs.violations(corr) == []


def test_lost_duplicated_and_kept_messages_are_violations():
    # 4 sent, 0 received twice, 3 never received and gone from the queue
    corr = _tally(4, [0, 0], 1).correctness(left_in_queue=0)
    assert (corr['lost'], corr['duplicates']) == (3, 1)
    # all 4 received and deleted, yet one is still in the queue
    corr = _tally(4, [0, 1, 2, 3], 4).correctness(left_in_queue=1)
    assert (corr['drained'], corr['kept_after_delete']) == (True, 1)
    assert sqs.violations(corr) == ['1 kept_after_delete']
