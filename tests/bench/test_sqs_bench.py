"""Smoke run of ``swiftq-bench sqs`` against the session's
swiftq-api (real local Swift): a few hundred messages down both paths,
every figure present, every message received and deleted exactly once.
No timing asserts."""

import json

import pytest

from swiftq.bench import cli


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
            'lost': 0, 'duplicates': 0, 'foreign': 0, 'unacknowledged': 0,
            'left_in_queue': 0}, run
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
                  'both phases, msgs/s', 'SQS/Zaqar', 'lost / duplicated'):
        assert label in table
    assert 'VIOLATIONS' not in table
