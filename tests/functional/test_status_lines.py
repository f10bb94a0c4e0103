"""The exact status line of swiftq-api's answers, read off a raw socket.

Every answer carries RFC 9110's reason phrase (``201 Created``, as Zaqar's
falcon sends), never Werkzeug's upper-case one (``201 CREATED``): tools
that compare status lines as strings must see no difference. That holds
for the application's answers, for the middleware's (``/healthcheck``)
and for the requests gunicorn refuses before the application sees them.
"""

import http.client
import json
import socket
import uuid

import pytest

TIMEOUT = 10
QUEUE = 'status-lines-' + uuid.uuid4().hex[:8]


def status_line(server, request):
    """The first line of the answer to ``request`` (bytes, CRLFs
    included), as the server sent it."""
    host, port = server.base_url[len('http://'):].split(':')
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as s:
        s.sendall(request)
        line = b''
        while not line.endswith(b'\r\n'):
            chunk = s.recv(1)
            if not chunk:
                break
            line += chunk
    return line.rstrip(b'\r\n').decode('latin-1')


def request(method, path, headers=None, body=b'', project='status-lines'):
    """Request bytes with the API's headers, ``Connection: close``."""
    lines = ['%s %s HTTP/1.1' % (method, path), 'Host: localhost',
             'Connection: close', 'Client-ID: %s' % uuid.uuid4(),
             'X-Project-ID: %s' % project]
    lines += ['%s: %s' % item for item in (headers or {}).items()]
    if body or method in ('PUT', 'POST', 'PATCH'):
        lines.append('Content-Length: %d' % len(body))
        if body:
            lines.append('Content-Type: application/json')
    return ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body


Q = '/v2/queues/' + QUEUE

# In order: each case may rely on the ones before it (the queue exists).
APPLICATION_ANSWERS = [
    (request('PUT', Q), 'HTTP/1.1 201 Created'),
    (request('PUT', Q), 'HTTP/1.1 204 No Content'),
    (request('GET', Q), 'HTTP/1.1 200 OK'),
    (request('GET', '/'), 'HTTP/1.1 300 Multiple Choices'),
    (request('PUT', Q, body=b'[1]'), 'HTTP/1.1 400 Bad Request'),
    (request('GET', '/v2/nothing'), 'HTTP/1.1 404 Not Found'),
    # A pre-signed URL that does not verify, as Zaqar answers it.
    (request('GET', Q, headers={'URL-Signature': 'ab' * 32}),
     'HTTP/1.1 404 Not Found'),
    (request('POST', '/v2/queues'), 'HTTP/1.1 405 Method Not Allowed'),
    (request('GET', Q, headers={'Accept': 'text/html'}),
     'HTTP/1.1 406 Not Acceptable'),
    (request('PATCH', Q, body=b'[]'), 'HTTP/1.1 415 Unsupported Media Type'),
    # RFC 9110's name for 413 (Python 3.11's http.HTTPStatus still says
    # "Request Entity Too Large"; falcon 4 says "Content Too Large").
    (request('GET', Q + '/stats', headers={
        'Content-Type': 'application/json',
        'Content-Length': str(2 * 1024 * 1024)}),
     'HTTP/1.1 413 Content Too Large'),
    (request('GET', '/healthcheck'), 'HTTP/1.1 200 OK'),
    (request('DELETE', Q), 'HTTP/1.1 204 No Content'),
]


@pytest.mark.parametrize('data,expected', APPLICATION_ANSWERS,
                         ids=[e for _, e in APPLICATION_ANSWERS])
def test_application_status_lines(swiftq_server, data, expected):
    assert status_line(swiftq_server, data) == expected


GUNICORN_REFUSALS = [
    (b'GET /v2/queues/' + b'x' * 5000 + b' HTTP/1.1\r\nHost: h\r\n\r\n',
     'HTTP/1.1 414 URI Too Long'),
    (b'GET /v2/queues HTTP/1.1\r\nHost: h\r\nX-Big: ' + b'y' * 9000 +
     b'\r\n\r\n', 'HTTP/1.1 431 Request Header Fields Too Large'),
    (b'GET v2/queues HTTP/1.1\r\nHost: h\r\n\r\n', 'HTTP/1.1 400 Bad Request'),
    (b'POST /v2/queues/q/messages HTTP/1.1\r\nHost: h\r\n'
     b'Expect: teapot\r\nContent-Length: 2\r\n\r\n{}',
     'HTTP/1.1 417 Expectation Failed'),
    # gunicorn itself answers this one "500 Bad Request": a SCRIPT_NAME
    # header (trusted from loopback, gunicorn's forwarded_allow_ips) that
    # the path does not start with is its ConfigurationProblem.
    (b'GET /v2/ping HTTP/1.1\r\nHost: h\r\nSCRIPT_NAME: /elsewhere\r\n\r\n',
     'HTTP/1.1 500 Internal Server Error'),
]


@pytest.mark.parametrize('data,expected', GUNICORN_REFUSALS,
                         ids=[e for _, e in GUNICORN_REFUSALS])
def test_gunicorn_refusal_status_lines(swiftq_server, data, expected):
    assert status_line(swiftq_server, data) == expected


def test_gunicorn_500_is_answered_in_json(swiftq_server):
    """The SCRIPT_NAME refusal gets the API's error format, like the
    other requests gunicorn refuses (swiftq/cmd/api.py)."""
    host, port = swiftq_server.base_url[len('http://'):].split(':')
    conn = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    try:
        conn.putrequest('GET', '/v2/ping')
        conn.putheader('SCRIPT_NAME', '/elsewhere')
        conn.endheaders()
        resp = conn.getresponse()
        body = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == 500
    assert resp.getheader('Content-Type') == 'application/json'
    assert body['title'] == '500 Internal Server Error'
    assert 'SCRIPT_NAME' in body['description']
