"""Smoke run of ``swiftq-bench websocket`` against a real swiftq-websocket
and the session's swiftq-api (real local Swift): a few sockets and
samples, every figure present. No timing asserts."""

import json

import pytest

from swiftq.bench import cli
from tests.functional import websocket_server as ws_lib


@pytest.mark.timeout(120)
def test_websocket_bench_smoke(local_swift, swiftq_server, tmp_path,
                               capsys):
    server = ws_lib.WebsocketServer(
        str(tmp_path), local_swift,
        container_prefix=swiftq_server.container_prefix).start()
    out = tmp_path / 'ws.json'
    try:
        status = cli.main([
            'websocket', '--ws-url', server.url,
            '--url', swiftq_server.base_url,
            '--server-pid', str(server.process.pid),
            '--sockets', '20', '--samples', '2', '--json', str(out)])
    finally:
        server.stop()
    table = capsys.readouterr().out
    assert status == 0, table
    figures = json.loads(out.read_text())
    idle = figures['idle_sockets']
    assert idle['sockets'] == 20
    assert idle['rss_kib'] > 0 and 'per_socket_kib' in idle
    for summary in (figures['push']['websocket'], figures['push']['http'],
                    figures['long_poll']):
        assert summary['count'] == 2
        assert summary['p50_ms'] is not None
        assert summary['from_send_p99_ms'] >= summary['from_send_p50_ms']
    assert '20 idle authenticated sockets' in table
    assert 'long-poll listing wake-up' in table
