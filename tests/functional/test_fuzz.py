"""Property-based fuzzing of a running swiftq (real HTTP, real Swift).

Requests are generated (hypothesis) from the OpenAPI document
(``swiftq/api/openapi.yaml``: its paths, methods, query parameters and
body schemas) mixed with nasty values: path tricks in queue names and ids
(``..``, ``%2F``, ``%00``, non-ASCII, very long), negative and huge
limits and TTLs, non-JSON and deeply nested bodies, wrong content types,
missing or malformed ``Client-ID``/``X-Project-ID``/``Accept``, and a
Keystone-style header set (``X-Auth-Token``, no ``X-Project-ID``) that a
noauth server must refuse cleanly.

Properties, for every request: an answer within 10 s, a status below 500,
and for a 4xx (except to HEAD) a JSON object with ``title`` and
``description``. Requests go through ``http.client`` so paths reach the
server byte for byte (``requests``/urllib3 would resolve ``..``).

Failures are collected rather than raised (no shrinking: the run stays
bounded) and reported at the end with the server's log; run with ``-s``
to see the number of cases tried and of 5xx seen.
"""

import http.client
import json
import socket
import threading
import time
import uuid
from urllib import parse

from hypothesis import HealthCheck
from hypothesis import Phase
from hypothesis import example
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
import pytest

from swiftq.api import openapi

TIMEOUT = 10
DOC = openapi.document()
HTTP_METHODS = ('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS')
PATCH_TYPE = 'application/openstack-messaging-v2.0-json-patch'

FUZZ_SETTINGS = dict(
    deadline=None,              # each request has its own 10 s timeout
    database=None,              # no .hypothesis/ in the shared checkout
    phases=[Phase.explicit, Phase.generate],   # bounded: no shrinking
    suppress_health_check=list(HealthCheck),
    derandomize=False,
)


def _operations():
    ops = []
    for template, item in DOC['paths'].items():
        for method, op in item.items():
            if method.upper() in HTTP_METHODS:
                ops.append((template, method.upper(), op))
    return ops


OPERATIONS = _operations()
PUBLIC_TEMPLATES = {t for t, _, op in OPERATIONS if op.get('security') == []}


def _resolve(node):
    while isinstance(node, dict) and '$ref' in node:
        target = DOC
        for part in node['$ref'][2:].split('/'):
            target = target[part]
        node = target
    return node


def _query_params(template, method):
    item = DOC['paths'][template]
    params = [_resolve(p) for p in item.get('parameters', []) +
              item[method.lower()].get('parameters', [])]
    return [p for p in params if p['in'] == 'query']


def _body_schema(template, method):
    body = DOC['paths'][template][method.lower()].get('requestBody')
    if not body:
        return None
    content = body['content']
    return _resolve(next(iter(content.values()))['schema'])


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------
NASTY_SEGMENTS = [
    '..', '.', '%2E%2E', '%2e', '%2F', 'a%2Fb', '..%2F..%2Fetc', '%00',
    'a%00b', '%', '%%', '%zz', '%FF', '%C0%AF', '%C5%93', '%E2%98%83',
    'a%20b', '+', '~', '@', 'a;b', 'a:b', '%3F', '%23', 'q' * 65,
    'v' * 64, 'x' * 1000, '-', '_', 'CON', '%0D%0AX-Injected:%201',
]
INTS = st.one_of(
    st.integers(-10, 100), st.integers(-2 ** 70, 2 ** 70),
    st.sampled_from([0, -1, 59, 60, 61, 300, 43200, 43201, 900, 901,
                     1209600, 1209601, 2 ** 31, 2 ** 63 - 1, 2 ** 63,
                     -2 ** 63 - 1, 10 ** 30]))
NASTY_STRINGS = st.one_of(
    st.sampled_from(['', ' ', 'null', 'true', 'NaN', '-0', '1e999', '0x10',
                     '١٢', '1.5', '+5', ' 5', '5 ', '\u2603', 'a,b,,c',
                     ',', ',,,']),
    st.text(max_size=20))
QUERY_VALUE = st.one_of(INTS.map(str), NASTY_STRINGS,
                        st.sampled_from(['true', 'false', 'yes', 'on']))
VALID_NAMES = st.from_regex(r'\A[a-zA-Z0-9_.-]{1,64}\Z', fullmatch=True)

JSON_SCALARS = st.one_of(st.none(), st.booleans(), INTS,
                         st.floats(allow_nan=False), st.text(max_size=30))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=10), children, max_size=4)),
    max_leaves=12)


def _segment(kind):
    """A path segment: a fixed queue (or topic) name, a valid name, or
    nasty."""
    quoted_text = st.text(min_size=1, max_size=40).map(
        lambda t: parse.quote(t, safe=''))
    choices = [st.sampled_from(NASTY_SEGMENTS), quoted_text, VALID_NAMES]
    if kind in ('queue_name', 'topic_name'):
        choices.append(st.sampled_from(['fuzz-a', 'fuzz-b']))
    else:
        choices.append(st.uuids().map(str))
    return st.one_of(*choices)


@st.composite
def paths(draw, template):
    path = template
    for name in ('queue_name', 'topic_name', 'message_id', 'claim_id',
                 'subscription_id'):
        if '{%s}' % name in path:
            path = path.replace('{%s}' % name, draw(_segment(name)), 1)
    trick = draw(st.sampled_from(['none'] * 6 + [
        'slash', 'double', 'dotdot', 'extra', 'prefix']))
    if trick == 'slash':
        path += '/'
    elif trick == 'double':
        path = path.replace('/', '//', 1)
    elif trick == 'dotdot':
        path += '/..'
    elif trick == 'extra':
        path += '/' + draw(st.sampled_from(NASTY_SEGMENTS + ['x']))
    elif trick == 'prefix':
        path = '/v2/..' + path
    return path


def _short_or_invalid_wait(value):
    try:
        return not 2 <= int(value) <= 20
    except ValueError:
        return True


@st.composite
def query_strings(draw, template, method):
    fields = []
    for param in _query_params(template, method):
        if draw(st.booleans()):
            schema = _resolve(param.get('schema', {}))
            if param['name'] == 'wait':
                # Long polling: a valid wait really waits; keep it short
                # so every answer still comes within TIMEOUT.
                value = draw(st.one_of(INTS, NASTY_STRINGS).map(str).filter(
                    _short_or_invalid_wait))
            elif schema.get('type') == 'integer':
                value = draw(st.one_of(INTS.map(str), QUERY_VALUE))
            elif schema.get('type') == 'array':
                value = ','.join(draw(st.lists(
                    st.one_of(st.uuids().map(str), NASTY_STRINGS),
                    max_size=25)))
            else:
                value = draw(QUERY_VALUE)
            fields.append((param['name'], value))
    for _ in range(draw(st.integers(0, 2))):
        fields.append((draw(st.text(min_size=1, max_size=8)),
                       draw(QUERY_VALUE)))
    encoded = '&'.join('%s=%s' % (parse.quote(k, safe=''),
                                  parse.quote(v, safe=','))
                       for k, v in fields)
    if draw(_rarely(10)):
        encoded += draw(st.sampled_from(['&', '&&=', '=x', '%', '%00=1',
                                         'limit', 'limit=%FF', 'ids=%2C']))
    return encoded


def _from_schema(schema, depth=0):
    """A document roughly following a body schema, values often nasty."""
    schema = _resolve(schema or {})
    kind = schema.get('type')
    if depth > 3:
        return JSON_SCALARS
    if kind == 'object':
        props = schema.get('properties', {})
        fixed = st.fixed_dictionaries(
            {}, optional={name: _from_schema(sub, depth + 1)
                          for name, sub in props.items()})
        return st.one_of(fixed, fixed, JSON_VALUES)
    if kind == 'array':
        item = _from_schema(schema.get('items', {}), depth + 1)
        return st.one_of(st.lists(item, max_size=4), JSON_VALUES)
    if kind == 'integer':
        return st.one_of(INTS, INTS, JSON_SCALARS)
    if kind == 'string':
        enum = schema.get('enum')
        base = st.sampled_from(enum) if enum else st.text(max_size=30)
        return st.one_of(base, base, NASTY_STRINGS, JSON_SCALARS)
    if kind == 'boolean':
        return st.one_of(st.booleans(), JSON_SCALARS)
    return JSON_VALUES


DEEP_ARRAY = b'[' * 5000 + b']' * 5000
DEEP_OBJECT = b'{"a":' * 3000 + b'1' + b'}' * 3000
RAW_BODIES = st.sampled_from([
    DEEP_ARRAY, DEEP_OBJECT, b'', b'{', b'[', b'null', b'1', b'"x"',
    b'NaN', b'{"a": NaN}',
    b'{"messages": [{"body": 1, "ttl": 1e400}]}',
    b'{"ttl": 99999999999999999999999999}', b'\xff\xfe\x00',
    b'{"messages": "x"}', b'{"messages": []}', b'[[]]', b'{"a":1}garbage',
    b'\xef\xbb\xbf{}', b'a=1&b=2',
    '{"body": "\ud800"}'.encode('utf-8', 'surrogatepass'),
])


@st.composite
def bodies(draw, template, method):
    """(bytes or None, content type or None)."""
    kind = draw(st.sampled_from(['none', 'schema', 'schema', 'json', 'raw']))
    if kind == 'none':
        data = None
    elif kind == 'schema':
        schema = _body_schema(template, method)
        data = json.dumps(draw(_from_schema(schema))).encode()
    elif kind == 'json':
        data = json.dumps(draw(JSON_VALUES)).encode()
    else:
        data = draw(RAW_BODIES)
    ctype = draw(st.sampled_from([
        'application/json', 'application/json', PATCH_TYPE, None,
        'application/x-www-form-urlencoded', 'text/plain',
        'application/json; charset=latin-1', 'multipart/form-data',
        'application/json-patch+json', '*/*', ';;']))
    if (data is not None and ctype == 'application/json'
            and template.endswith('{queue_name}') and method == 'PATCH'):
        ctype = draw(st.sampled_from([PATCH_TYPE, ctype]))
    return data, ctype


CLIENT_IDS = st.one_of(
    st.uuids().map(str),
    st.sampled_from([None, '', 'x', 'not-a-uuid', '0xdeadbeef',
                     '{%s}' % uuid.uuid4(), 'urn:uuid:%s' % uuid.uuid4(),
                     str(uuid.uuid4()).upper(), str(uuid.uuid4()) + 'a',
                     'a' * 300, '\xe9\xe8' * 8]))
FUZZ_PROJECT = 'fuzz-proj'
PROJECTS = st.one_of(
    st.just(FUZZ_PROJECT),
    st.sampled_from([None, '', ' ', 'p' * 256, 'p' * 257, '..', '%2F',
                     'a/b', '\xe9t\xe9', 'x' * 2000]))
ACCEPTS = st.sampled_from([None, None, 'application/json', '*/*',
                           'text/html', 'application/xml;q=1',
                           'application/json;q=0', 'garbage;;q=x'])


def _rarely(n):
    """True about once in ``n`` (not a boundary value hypothesis favours)."""
    return st.sampled_from([False] * (n - 1) + [True])


@st.composite
def header_sets(draw, keystone_style=False):
    """Mostly valid headers (so requests reach the resources), else
    mutated ones."""
    mutated = draw(_rarely(3))
    headers = {}
    client_id = draw(CLIENT_IDS) if mutated else str(uuid.uuid4())
    if client_id is not None:
        headers['Client-ID'] = client_id
    if keystone_style:
        headers['X-Auth-Token'] = draw(st.sampled_from([
            'gAAAAABbogus', 'x' * 300, '', uuid.uuid4().hex]))
        if draw(_rarely(5)):
            headers['X-Roles'] = 'admin'
    else:
        project = draw(PROJECTS) if mutated else FUZZ_PROJECT
        if project is not None:
            headers['X-Project-ID'] = project
    accept = draw(ACCEPTS) if mutated else None
    if accept is not None:
        headers['Accept'] = accept
    if draw(_rarely(15)):
        headers.update({'URL-Signature': 'ab' * 32,
                        'URL-Expires': draw(st.sampled_from(
                            ['2099-01-01T00:00:00', 'soon', ''])),
                        'URL-Methods': 'GET', 'URL-Paths': '/v2/queues'})
    return headers


@st.composite
def requests_(draw, keystone_style=False, raw_paths=False):
    template, method, _ = draw(st.sampled_from(OPERATIONS))
    if draw(_rarely(8)):
        method = draw(st.sampled_from(HTTP_METHODS))
    path = draw(paths(template)) if raw_paths or draw(st.booleans()) \
        else _fill_valid(draw, template)
    query = draw(query_strings(template, method)) \
        if method.lower() in DOC['paths'][template] else ''
    data, ctype = draw(bodies(template, method)) \
        if method.lower() in DOC['paths'][template] else (None, None)
    headers = draw(header_sets(keystone_style))
    if ctype is not None and data is not None:
        headers['Content-Type'] = ctype
    return {'method': method, 'template': template,
            'target': path + ('?' + query if query else ''),
            'headers': headers, 'body': data}


def _explicit(method, template, target, body=None):
    headers = {'Client-ID': str(uuid.uuid4()), 'X-Project-ID': FUZZ_PROJECT}
    if body is not None:
        headers['Content-Type'] = 'application/json'
    return {'method': method, 'template': template, 'target': target,
            'headers': headers, 'body': body}


Q = '/v2/queues/{queue_name}'

#: Always tried first: nesting deeper than Python's recursion limit on
#: every resource that parses a body, and dot-only queue names (valid by
#: Zaqar's regex) all the way to Swift.
EXPLICIT = [
    _explicit('POST', Q + '/messages', '/v2/queues/fuzz-a/messages',
              DEEP_ARRAY),
    _explicit('PUT', Q, '/v2/queues/fuzz-deep', DEEP_OBJECT),
    _explicit('POST', Q + '/claims', '/v2/queues/fuzz-a/claims', DEEP_ARRAY),
    _explicit('POST', Q + '/purge', '/v2/queues/fuzz-a/purge', DEEP_OBJECT),
    _explicit('POST', Q + '/share', '/v2/queues/fuzz-a/share', DEEP_OBJECT),
    _explicit('PATCH', Q + '/claims/{claim_id}',
              '/v2/queues/fuzz-a/claims/' + uuid.uuid4().hex, DEEP_OBJECT),
    _explicit('PUT', Q, '/v2/queues/..'),
    _explicit('POST', Q + '/messages', '/v2/queues/../messages',
              b'{"messages": [{"body": 1}]}'),
    _explicit('GET', Q + '/stats', '/v2/queues/../stats'),
    _explicit('POST', Q + '/claims', '/v2/queues/./claims'),
    _explicit('GET', Q + '/messages', '/v2/queues/../messages?echo=true'),
    _explicit('DELETE', Q, '/v2/queues/..'),
]


def _fill_valid(draw, template):
    path = template
    for name in ('{queue_name}', '{topic_name}'):
        path = path.replace(name, draw(st.sampled_from(
            ['fuzz-a', 'fuzz-b', 'fuzz-c'])))
    for name in ('{message_id}', '{claim_id}'):
        path = path.replace(name, draw(st.uuids().map(lambda u: u.hex)))
    return path.replace('{subscription_id}', draw(st.uuids().map(str)))


def _filled(template):
    return template.replace('{topic_name}', 'fuzz-a').replace(
        '{message_id}', uuid.uuid4().hex).replace(
        '{subscription_id}', str(uuid.uuid4()))


#: Every topic operation at least once, with a valid path and (where it
#: takes one) a body nested past the recursion limit; and dot-only topic
#: names.
TOPIC_EXPLICIT = [
    _explicit(method, template, _filled(template),
              DEEP_OBJECT if _body_schema(template, method) else None)
    for template, method, _ in OPERATIONS
    if template.startswith('/v2/topics')] + [
    _explicit('PUT', '/v2/topics/{topic_name}', '/v2/topics/..'),
    _explicit('POST', '/v2/topics/{topic_name}/messages',
              '/v2/topics/../messages', b'{"messages": [{"body": 1}]}'),
]


# ---------------------------------------------------------------------------
# Sending and checking
# ---------------------------------------------------------------------------
class Fuzzer:
    def __init__(self, server):
        self.server = server
        self.host, port = server.base_url[len('http://'):].split(':')
        self.port = int(port)
        self.tried = 0
        self.statuses = {}
        self.failures = []
        self.slowest = 0.0

    def send(self, request):
        conn = http.client.HTTPConnection(self.host, self.port,
                                          timeout=TIMEOUT)
        started = time.monotonic()
        try:
            conn.putrequest(request['method'], request['target'],
                            skip_accept_encoding=True)
            body = request['body']
            for name, value in request['headers'].items():
                conn.putheader(name, value.encode('latin-1', 'replace'))
            if body is not None:
                conn.putheader('Content-Length', str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            data = resp.read()
            return resp, data, time.monotonic() - started
        finally:
            conn.close()

    def check(self, request, expect_4xx=False):
        self.tried += 1
        try:
            resp, data, elapsed = self.send(request)
        except (OSError, http.client.HTTPException) as exc:
            self.failures.append((request, 'no answer: %r' % exc, None))
            return
        self.slowest = max(self.slowest, elapsed)
        status = resp.status
        self.statuses[status] = self.statuses.get(status, 0) + 1
        problem = None
        if status >= 500:
            problem = '5xx'
        elif expect_4xx and not 400 <= status < 500:
            problem = 'expected a 4xx'
        elif 400 <= status < 500 and request['method'] != 'HEAD':
            problem = self._error_body_problem(resp, data)
        if problem:
            self.failures.append((request, problem,
                                  (status, dict(resp.getheaders()),
                                   data[:500])))

    @staticmethod
    def _error_body_problem(resp, data):
        ctype = resp.getheader('Content-Type') or ''
        if not ctype.startswith('application/json'):
            return '4xx without a JSON body (%s)' % ctype
        try:
            doc = json.loads(data)
        except ValueError:
            return '4xx body is not JSON'
        if doc == {'title': '404 Not Found'}:
            return None     # a refused pre-signed URL, as Zaqar answers it
        if not (isinstance(doc, dict) and isinstance(doc.get('title'), str)
                and 'description' in doc):
            return '4xx body is not {"title", "description"}'
        return None

    def report(self, name, elapsed):
        fivexx = sum(n for s, n in self.statuses.items() if s >= 500)
        print('\n%s: %d cases tried in %.1fs, %d 5xx seen, %d failures, '
              'slowest %.2fs, statuses %s'
              % (name, self.tried, elapsed, fivexx, len(self.failures),
                 self.slowest, dict(sorted(self.statuses.items()))))
        lines = []
        for request, problem, answer in self.failures[:10]:
            lines.append('%s: %s %s headers=%r body=%r -> %r' % (
                problem, request['method'], request['target'][:300],
                request['headers'], (request['body'] or b'')[:200], answer))
        if self.failures:
            lines.append('server errors (%s):\n%s'
                         % (self.server.log_file, self.server_errors()))
        return '\n'.join(lines)

    def server_errors(self, limit=60):
        """The last ERROR lines of the server's log (tracebacks)."""
        try:
            with open(self.server.log_file, errors='replace') as f:
                errors = [line.rstrip() for line in f if ' ERROR ' in line]
        except OSError as exc:
            return repr(exc)
        return '\n'.join(errors[-limit:])


@pytest.fixture(scope='module')
def fuzz_setup(swiftq_server):
    """Some real data for valid-looking requests to hit."""
    from tests.functional import server as server_lib
    client = server_lib.ApiClient(swiftq_server.base_url,
                                  project=FUZZ_PROJECT)
    for name in ('fuzz-a', 'fuzz-b'):
        client.put('/v2/queues/' + name, json={'k': 1})
        client.post('/v2/queues/%s/messages' % name,
                    json={'messages': [{'body': i} for i in range(3)]})
    client.post('/v2/queues/fuzz-a/claims?limit=1')
    client.put('/v2/topics/fuzz-a', json={'k': 1})
    client.post('/v2/topics/fuzz-a/messages',
                json={'messages': [{'body': i} for i in range(3)]})
    client.post('/v2/topics/fuzz-a/subscriptions',
                json={'subscriber': 'http://127.0.0.1:9/fuzz'})
    client.close()
    return swiftq_server


def _run(fuzz_setup, name, strategy, max_examples, expect_4xx=None,
         examples=()):
    fuzzer = Fuzzer(fuzz_setup)

    def run(request):
        strict = expect_4xx(request) if expect_4xx else False
        fuzzer.check(request, expect_4xx=strict)

    for request in examples:
        run = example(request)(run)
    run = settings(max_examples=max_examples, **FUZZ_SETTINGS)(
        given(strategy)(run))

    started = time.monotonic()
    run()
    details = fuzzer.report(name, time.monotonic() - started)
    assert fuzzer.tried >= max_examples // 2
    assert not fuzzer.failures, details
    return fuzzer


def test_fuzz_api_from_openapi_no_5xx_and_json_4xx(fuzz_setup):
    """~190 requests from the document (plus nasty values and the
    :data:`EXPLICIT` and :data:`TOPIC_EXPLICIT` cases): < 500, JSON
    errors, no hang."""
    _run(fuzz_setup, 'openapi-fuzz', requests_(), 180,
         examples=EXPLICIT + TOPIC_EXPLICIT)


def test_fuzz_path_tricks_no_5xx_and_json_4xx(fuzz_setup):
    """~70 requests whose paths all carry ``..``/``%2F``/``%00``/unicode/
    long-name tricks."""
    _run(fuzz_setup, 'path-fuzz', requests_(raw_paths=True), 70)


def _not_public(request):
    path = request['target'].split('?')[0]
    return request['template'] not in PUBLIC_TEMPLATES and \
        path.startswith(('/v2/queues', '/v2/topics'))


def test_fuzz_keystone_style_headers_clean_4xx(fuzz_setup):
    """~50 requests with a bogus X-Auth-Token and no X-Project-ID on a
    noauth server: every non-public one is a clean JSON 4xx."""
    _run(fuzz_setup, 'keystone-style-fuzz',
         requests_(keystone_style=True), 50, expect_4xx=_not_public)


def test_requests_gunicorn_refuses_answer_json_4xx(fuzz_setup):
    """gunicorn refuses a request line over 4094 bytes (414), a header over
    8190 bytes or more than 100 headers (431) and a malformed header (400)
    before the application sees them; swiftq's worker class answers them
    in the API's JSON error format (swiftq/cmd/api.py)."""
    fuzzer = Fuzzer(fuzz_setup)
    headers = {'Client-ID': str(uuid.uuid4()), 'X-Project-ID': FUZZ_PROJECT}
    many = {'X-Many-%d' % i: 'v' for i in range(150)}
    cases = (('/v2/queues/' + 'x' * 5000, {}, 414),
             ('/v2/queues?' + 'a=1&' * 2000, {}, 414),
             ('/v2/queues', {'X-Big': 'y' * 9000}, 431),
             ('/v2/queues', many, 431),
             ('/v2/queues', {'Bad Name': 'x'}, 400),
             ('/v2/queues', {'X-Bad': 'a\x00b'}, 400))
    for target, extra, status in cases:
        fuzzer.check({'method': 'GET', 'template': '/v2/queues',
                      'target': target, 'headers': dict(headers, **extra),
                      'body': None}, expect_4xx=True)
    assert fuzzer.tried == len(cases)
    assert not fuzzer.failures, fuzzer.report('refused by gunicorn', 0)
    assert fuzzer.statuses == {414: 2, 431: 2, 400: 2}, fuzzer.statuses


# ---------------------------------------------------------------------------
# Hand-written bad input: each case with the answer it must get
# ---------------------------------------------------------------------------
J = {'Content-Type': 'application/json'}
BIG = 10 ** 30
INVALID_BODY = 'Invalid request body'
INVALID_API = 'Invalid API request'
INVALID_QUEUE = 'Invalid queue identification'
NOT_FOUND = 'Not found'
NO_ROUTE = '404 Not Found'
TOO_LARGE = '413 Payload Too Large'
CAP = 1024 * 1024       # [api] max_request_body_size of swiftq_server


def _json(document):
    return json.dumps(document).encode()


def _messages(**fields):
    return _json({'messages': [dict({'body': 1}, **fields)]})


#: (method, target, extra headers, body, status, title). ``{msg}`` in a
#: target is a live message id of queue fuzz-a.
BAD_INPUT = [
    # Bodies: over the cap, not JSON, not UTF-8, wrong media types.
    ('POST', '/v2/queues/fuzz-a/messages', J, b'x' * (CAP + 1), 413,
     TOO_LARGE),
    ('POST', '/v2/queues/fuzz-a/messages', J, b'not json', 400,
     INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/claims', J, b'not json', 400, INVALID_BODY),
    ('PUT', '/v2/queues/fuzz-new', J, b'not json', 400, INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/messages',
     {'Content-Type': 'application/json; charset=utf-16'},
     '{"messages": [{"body": 1}]}'.encode('utf-16'), 400, INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/messages', J,
     b'{"messages": [{"body": "\xff\xfe"}]}', 400, INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/messages',
     {'Content-Type': 'application/xml'}, b'<messages/>', 400,
     INVALID_BODY),
    # Zaqar reads any media type but form data as JSON.
    ('POST', '/v2/queues/fuzz-a/messages', {'Content-Type': 'text/plain'},
     _messages(), 201, None),
    # Huge, negative, fractional, textual and boolean TTLs and limits.
    ('POST', '/v2/queues/fuzz-a/messages', J, _messages(ttl=BIG), 400,
     INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/messages', J, _messages(ttl=2 ** 63 - 1),
     400, INVALID_API),
    ('POST', '/v2/queues/fuzz-a/messages', J, _messages(ttl=-1), 400,
     INVALID_API),
    ('POST', '/v2/queues/fuzz-a/messages', J, _messages(ttl=300.5), 400,
     INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/messages', J, _messages(ttl='300'), 400,
     INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/messages', J, _messages(ttl=True), 400,
     INVALID_API),
    ('POST', '/v2/queues/fuzz-delay/messages', J, _messages(delay=-1), 400,
     INVALID_API),
    ('POST', '/v2/queues/fuzz-delay/messages', J, _messages(delay=BIG), 400,
     INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/claims', J, _json({'ttl': BIG}), 400,
     INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/claims', J, _json({'ttl': 2 ** 63 - 1}),
     400, INVALID_API),
    ('POST', '/v2/queues/fuzz-a/claims', J, _json({'ttl': '60'}), 400,
     INVALID_BODY),
    ('POST', '/v2/queues/fuzz-a/claims', J, _json({'ttl': 60, 'grace': -1}),
     400, INVALID_API),
    ('POST', '/v2/queues/fuzz-a/claims?limit=%d' % BIG, J, b'{}', 400,
     INVALID_API),
    ('POST', '/v2/queues/fuzz-a/claims?limit=-1', J, b'{}', 400,
     INVALID_API),
    ('GET', '/v2/queues/fuzz-a/messages?limit=%d' % BIG, {}, None, 400,
     INVALID_API),
    ('GET', '/v2/queues/fuzz-a/messages?limit=-3', {}, None, 400,
     INVALID_API),
    ('GET', '/v2/queues?limit=%d' % BIG, {}, None, 400, INVALID_API),
    ('GET', '/v2/queues?limit=-1', {}, None, 400, INVALID_API),
    ('DELETE', '/v2/queues/fuzz-b/messages?pop=%d' % BIG, {}, None, 400,
     INVALID_API),
    ('DELETE', '/v2/queues/fuzz-b/messages?pop=-1', {}, None, 400,
     INVALID_API),
    ('PATCH', '/v2/queues/fuzz-a/claims/' + 'a' * 32, J,
     _json({'ttl': BIG}), 400, INVALID_BODY),
    # Path tricks in queue names...
    ('PUT', '/v2/queues/%00', {}, None, 400, INVALID_QUEUE),
    ('PUT', '/v2/queues/a%00b', {}, None, 400, INVALID_QUEUE),
    ('PUT', '/v2/queues/%C3%A9', {}, None, 400, INVALID_QUEUE),
    ('PUT', '/v2/queues/%EF%BC%8E%EF%BC%8E', {}, None, 400, INVALID_QUEUE),
    ('PUT', '/v2/queues/a%2Fb', {}, None, 404, NO_ROUTE),
    ('GET', '/v2/queues/%2E%2E%2F%2E%2E/stats', {}, None, 404, NO_ROUTE),
    # ... in message ids ...
    ('GET', '/v2/queues/fuzz-a/messages/..', {}, None, 404, NOT_FOUND),
    ('GET', '/v2/queues/fuzz-a/messages/%2E%2E', {}, None, 404, NOT_FOUND),
    ('GET', '/v2/queues/fuzz-a/messages/%00', {}, None, 404, NOT_FOUND),
    ('GET', '/v2/queues/fuzz-a/messages/{msg}%00', {}, None, 404,
     NOT_FOUND),
    ('DELETE', '/v2/queues/fuzz-a/messages/{msg}%2F..', {}, None, 404,
     NO_ROUTE),
    ('GET', '/v2/queues/fuzz-a/messages?ids=..,%00,{msg}%2F', {}, None, 404,
     NOT_FOUND),
    # ... and in claim ids (releasing an unknown claim is 204, as Zaqar).
    ('GET', '/v2/queues/fuzz-a/claims/..', {}, None, 404, NOT_FOUND),
    ('GET', '/v2/queues/fuzz-a/claims/%00', {}, None, 404, NOT_FOUND),
    ('PATCH', '/v2/queues/fuzz-a/claims/%2F', J, b'{"ttl": 100}', 404,
     NO_ROUTE),
    ('PATCH', '/v2/queues/fuzz-a/claims/%00', J, b'{"ttl": 100}', 404,
     NOT_FOUND),
    ('DELETE', '/v2/queues/fuzz-a/claims/%C0%AF', {}, None, 204, None),
    ('DELETE', '/v2/queues/fuzz-a/messages/{msg}?claim_id=..', {}, None,
     400, 'Unable to delete'),
    # Client-ID and X-Project-ID: empty, not ASCII, duplicated, misspelt.
    ('GET', '/v2/queues', {'Client-ID': ''}, None, 400, 'Wrong UUID value'),
    ('GET', '/v2/queues', {'Client-ID': '\xe9' * 36}, None, 400,
     'Wrong UUID value'),
    ('GET', '/v2/queues', {'Client-ID': None,
                           'Client_ID': str(uuid.uuid4())}, None, 400,
     'Missing header value'),
    ('GET', '/v2/queues', {'X-Project-ID': ' '}, None, 400,
     'Empty project header not allowed'),
    ('GET', '/v2/queues', {'X-Project-ID': None}, None, 400,
     'Project-Id Missing'),
    # Project ids are opaque: any bytes name a project of their own.
    ('GET', '/v2/queues', {'X-Project-ID': '\xff\xfe'}, None, 200, None),
    ('GET', '/v2/queues/fuzz-a/messages', {'X-Project-ID': '../' +
                                           FUZZ_PROJECT}, None, 200, None),
]


def _bad_input_request(case, msg_id):
    method, target, extra, body, _, _ = case
    headers = {'Client-ID': str(uuid.uuid4()), 'X-Project-ID': FUZZ_PROJECT}
    headers.update(extra)
    headers = {k: v for k, v in headers.items() if v is not None}
    return {'method': method, 'template': target,
            'target': target.replace('{msg}', msg_id),
            'headers': headers, 'body': body}


@pytest.fixture(scope='module')
def fuzz_message(fuzz_setup):
    """A live message of fuzz-a, and a queue with a default delay."""
    from tests.functional import server as server_lib
    client = server_lib.ApiClient(fuzz_setup.base_url, project=FUZZ_PROJECT)
    resp = client.post('/v2/queues/fuzz-a/messages',
                       json={'messages': [{'body': 'target', 'ttl': 3600}]})
    assert resp.status_code == 201, resp.text
    client.put('/v2/queues/fuzz-delay',
               json={'_default_message_delay': 10})
    client.close()
    return resp.json()['resources'][0].rsplit('/', 1)[1]


def test_hand_written_bad_input(fuzz_setup, fuzz_message):
    """Each case of :data:`BAD_INPUT` gets exactly its status, and every
    error Zaqar's JSON document: nothing reaches a 5xx."""
    fuzzer = Fuzzer(fuzz_setup)
    wrong = []
    for case in BAD_INPUT:
        request = _bad_input_request(case, fuzz_message)
        resp, data, _ = fuzzer.send(request)
        status, title = case[4], case[5]
        problem = None
        if resp.status != status:
            problem = 'status %d' % resp.status
        elif status >= 400:
            problem = Fuzzer._error_body_problem(resp, data)
            if problem is None and json.loads(data)['title'] != title:
                problem = 'title %r' % json.loads(data)['title']
        if problem:
            wrong.append('%s %s -> %s: %s' % (
                case[0], request['target'], problem, data[:200]))
    assert wrong == []


#: Requests only a raw socket sends: broken framing and request lines.
#: (request with ``{auth}`` for the Client-ID/X-Project-ID lines, status,
#: title). gunicorn refuses most of them itself (answered in JSON by
#: swiftq's worker class); the body errors reach the application.
_POST = 'POST /v2/queues/fuzz-a/messages HTTP/1.1\r\nHost: h\r\n{auth}'
_CHUNKED = _POST + ('Content-Type: application/json\r\n'
                    'Transfer-Encoding: chunked\r\n\r\n')
RAW_BAD_INPUT = [
    (_CHUNKED + 'zz\r\n', 400, INVALID_BODY),
    (_CHUNKED + '5;a=\x01\r\nhello\r\n0\r\n\r\n', 400, INVALID_BODY),
    (_CHUNKED + '%x\r\n%s\r\n0\r\n\r\n' % (2 * CAP, 'x' * 2 * CAP), 413,
     TOO_LARGE),
    (_POST + 'Content-Length: -1\r\n\r\n', 400, '400 Bad Request'),
    (_POST + 'Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}', 400,
     '400 Bad Request'),
    (_POST + 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n'
     '0\r\n\r\n', 400, '400 Bad Request'),
    (_POST + 'Expect: teapot\r\nContent-Length: 2\r\n\r\n{}', 417,
     '417 Expectation Failed'),
    # gunicorn's 501 for an unknown coding is answered 400: client input.
    (_POST + 'Transfer-Encoding: teapot\r\n\r\n', 400, '400 Bad Request'),
    ('GET v2/queues HTTP/1.1\r\nHost: h\r\n{auth}\r\n', 400,
     '400 Bad Request'),
    ('GET /v2/queues HTTP/2.0\r\nHost: h\r\n{auth}\r\n', 400,
     '400 Bad Request'),
    ('GET /v2/queues\x00 HTTP/1.1\r\nHost: h\r\n{auth}\r\n', 400,
     '400 Bad Request'),
    ('GET /v2/queues/\xc3\xa9 HTTP/1.1\r\nHost: h\r\n{auth}\r\n', 400,
     '400 Bad Request'),
    ('GET /v2/queues HTTP/1.1\r\nHost: h\r\nHost: i\r\n{auth}\r\n', 400,
     '400 Bad Request'),
]


def _raw_exchange(server, data, timeout=TIMEOUT):
    """Send bytes, read one response: (status, headers, body)."""
    host, port = server.base_url[len('http://'):].split(':')
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        # Sent from a thread: the answer may come before the whole body is
        # read (a 413), and must be read meanwhile.
        sender = threading.Thread(target=_send_all, args=(s, data))
        sender.start()
        try:
            resp = http.client.HTTPResponse(s)
            resp.begin()
            return resp, resp.read()
        finally:
            sender.join(timeout)


def _send_all(sock, data):
    try:
        sock.sendall(data)
    except OSError:
        pass        # the server answered and closed before reading it all


def test_hand_written_bad_framing(fuzz_setup):
    """Each case of :data:`RAW_BAD_INPUT` gets exactly its status and a
    JSON error document."""
    auth = 'Client-ID: %s\r\nX-Project-ID: %s\r\n' % (
        uuid.uuid4(), FUZZ_PROJECT)
    wrong = []
    for request, status, title in RAW_BAD_INPUT:
        data = request.replace('{auth}', auth).encode('latin-1')
        resp, body = _raw_exchange(fuzz_setup, data)
        problem = None
        if resp.status != status:
            problem = 'status %d' % resp.status
        else:
            problem = Fuzzer._error_body_problem(resp, body)
            if problem is None and json.loads(body)['title'] != title:
                problem = 'title %r' % json.loads(body)['title']
        if problem:
            wrong.append('%r -> %s: %s' % (request[:80], problem, body[:200]))
    assert wrong == []
