"""How swiftq-api treats its clients' HTTP connections."""

import http.client
import select
import socket
import time
from urllib import parse

#: Longer than gunicorn's own keepalive default (2 s), under which a
#: client's reused connection was reset in CI as the server closed it.
IDLE_SECONDS = 3


def _server_closed(sock):
    """Whether the server has closed ``sock`` (EOF waiting to be read)."""
    readable, _, _ = select.select([sock], [], [], 0)
    return bool(readable) and sock.recv(1, socket.MSG_PEEK) == b''


def test_an_idle_connection_stays_open_for_the_next_request(swiftq_server):
    url = parse.urlsplit(swiftq_server.base_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.request('GET', '/v2/ping')
        first = conn.getresponse()
        first.read()
        assert first.status == 204
        assert first.getheader('Connection', '').lower() != 'close'
        sock = conn.sock

        time.sleep(IDLE_SECONDS)
        assert not _server_closed(sock)

        conn.request('GET', '/v2/ping')
        second = conn.getresponse()
        second.read()
        assert second.status == 204
        assert conn.sock is sock        # answered on the same connection
    finally:
        conn.close()
