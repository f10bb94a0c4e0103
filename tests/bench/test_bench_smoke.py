"""Smoke run of swiftq-bench against the session's swiftq-api.

No timing asserts: a small run must complete, account for every message
exactly (nothing lost, nothing handed out twice) and write a JSON report
with the documented keys.
"""

import json

import pytest

from swiftq.bench import cli

RUN_KEYS = {'name', 'run_id', 'target', 'config', 'delete_mode_used',
            'phases', 'throughput', 'requests', 'latency', 'correctness',
            'errors', 'timeline', 'cpu_during_load', 'ratios_to_raw_swift'}
THROUGHPUT_KEYS = {'post_msgs_per_s', 'post_requests_per_s',
                   'claim_requests_per_s', 'claimed_msgs_per_s',
                   'consumed_msgs_per_s', 'e2e_msgs_per_s'}
CORRECTNESS_KEYS = {'posted', 'consumed', 'deleted', 'duplicates', 'lost',
                    'resurrected', 'redeliveries', 'drain_complete'}
LATENCY_KEYS = {'count', 'p50_ms', 'p99_ms'}


@pytest.mark.timeout(90)
@pytest.mark.parametrize('stripes', [1, 4])
def test_smoke_run(swiftq_server, tmp_path, capsys, stripes):
    """With 4 stripes on 2 API workers, a consumer's claim may answer 204
    while the other worker holds the stripes with messages: the drain
    must still consume them all."""
    out = tmp_path / 'bench.json'
    status = cli.main([
        '--url', swiftq_server.base_url,
        '--producers', '2', '--consumers', '4', '--queues', '1',
        '--stripes', str(stripes),
        '--batch', '10', '--claim-limit', '10', '--messages', '100',
        '--duration', '20', '--drain-timeout', '30', '--body-size', '64',
        '--json', str(out), '--no-progress', '--quiet'])
    table = capsys.readouterr().out
    doc = json.loads(out.read_text())
    assert status == 0, table
    assert {'tool', 'date', 'machine', 'runs', 'raw_swift'} <= set(doc)
    [run] = doc['runs']
    assert RUN_KEYS <= set(run)
    assert THROUGHPUT_KEYS <= set(run['throughput'])
    assert CORRECTNESS_KEYS <= set(run['correctness'])
    for op in ('post', 'claim', 'delete', 'e2e_message'):
        assert LATENCY_KEYS <= set(run['latency'][op]), op
    corr = run['correctness']
    assert corr['posted'] == 100, corr
    assert corr['consumed'] == 100, corr
    assert corr['deleted'] == 100, corr
    assert corr['lost'] == 0, corr
    assert corr['duplicates'] == 0, corr
    assert corr['resurrected'] == 0, corr
    assert corr['drain_complete'] is True, corr
    assert run['delete_mode_used'] == 'bulk'
    assert 'Correctness' in table


@pytest.mark.timeout(60)
def test_smoke_raw_swift(local_swift, tmp_path, capsys):
    out = tmp_path / 'raw.json'
    status = cli.main([
        '--raw-swift', '--swift-auth-url', local_swift.auth_url,
        '--swift-user', local_swift.user, '--swift-key', local_swift.key,
        '--raw-concurrency', '2', '--raw-duration', '1',
        '--raw-objects', '20', '--json', str(out), '--no-progress',
        '--quiet'])
    capsys.readouterr()
    doc = json.loads(out.read_text())
    assert status == 0
    raw = doc['raw_swift']
    for op in ('put', 'get', 'delete'):
        assert {'ops', 'ops_per_s', 'latency', 'errors'} <= set(raw[op])
        assert raw[op]['ops'] > 0
        assert not raw[op]['errors'], raw[op]['errors']
