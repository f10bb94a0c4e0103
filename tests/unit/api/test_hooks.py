"""The request hooks: content type, Accept, body size, Client-ID, project,
queue name; their order; public routes."""

import io
import uuid

import pytest

from tests.unit.api.base import app, assert_error, client, conf  # noqa: F401
from tests.unit.api.base import overrides, storage  # noqa: F401

QUEUE = '/v2/queues/q1'


# -- Content-Type ------------------------------------------------------------
def test_urlencoded_body_refused(client):
    resp = client.post(QUEUE + '/messages', data='a=b',
                       content_type='application/x-www-form-urlencoded')
    assert_error(resp, 400, 'Invalid Content-Type',
                 'Endpoint does not accept `application/x-www-form-urlencoded`'
                 ' content; currently supported media type is '
                 '`application/json`; specify proper client-side media type '
                 'with the "Content-Type" header.')


def test_urlencoded_without_body_allowed(client):
    """Zaqar's hook only looks at requests with a Content-Length."""
    resp = client.put(QUEUE, headers={
        'Content-Type': 'application/x-www-form-urlencoded'})
    assert resp.status_code == 201


# -- Accept ------------------------------------------------------------------
@pytest.mark.parametrize('path,method', [
    ('/v2/queues', 'GET'), (QUEUE + '/stats', 'GET'),
    (QUEUE + '/messages', 'POST'), (QUEUE + '/messages/abc', 'GET'),
    (QUEUE + '/claims', 'POST'), (QUEUE + '/claims/abc', 'GET'),
    ('/v2/health', 'GET'),
])
def test_accept_without_json_is_406(client, path, method):
    resp = client.request(method, path, headers={'Accept': 'application/xml'})
    doc = assert_error(
        resp, 406, '406 Not Acceptable',
        'Endpoint only serves `application/json`; specify client-side media '
        'type support with the "Accept" header.')
    assert doc['link']['rel'] == 'help'


@pytest.mark.parametrize('accept', [
    '*/*', 'application/json', 'application/*', 'text/html, */*;q=0.1',
    'application/json;q=0.5, text/plain'])
def test_accept_allowing_json(client, accept):
    assert client.get('/v2/queues',
                      headers={'Accept': accept}).status_code == 200


def test_accept_json_with_zero_quality_is_406(client):
    resp = client.get('/v2/queues', headers={
        'Accept': 'application/json;q=0, text/plain'})
    assert resp.status_code == 406


def test_accept_is_checked_before_client_id(client):
    resp = client.get('/v2/queues', headers={'Accept': 'text/plain',
                                             'Client-ID': None})
    assert resp.status_code == 406


# -- body size ---------------------------------------------------------------
@pytest.fixture
def overrides():  # noqa: F811
    return {('api', 'max_request_body_size'): 2048}


def test_body_over_api_cap_is_413(client):
    resp = client.put(QUEUE, data=b'{"a": "' + b'x' * 3000 + b'"}',
                      content_type='application/json')
    assert_error(resp, 413, '413 Payload Too Large',
                 'Request body exceeds the maximum size of 2048 bytes.')


def test_body_under_api_cap_reaches_resource(client):
    resp = client.put(QUEUE, json={'a': 'x' * 100})
    assert resp.status_code == 201


def _chunked(client, path, data):
    """A body without Content-Length (as gunicorn passes chunked ones)."""
    return client.post(path, input_stream=io.BytesIO(data),
                       content_type='application/json',
                       environ_overrides={'wsgi.input_terminated': True})


def test_chunked_body_over_cap_is_413(client):
    resp = _chunked(client, QUEUE + '/messages', b'x' * 3000)
    assert_error(resp, 413, '413 Payload Too Large',
                 'Request body exceeds the maximum size of 2048 bytes.')


def test_chunked_body_under_cap_is_read(client):
    resp = _chunked(client, QUEUE + '/messages',
                    b'{"messages": [{"body": 1}]}')
    assert resp.status_code == 201


# -- Client-ID ---------------------------------------------------------------
def test_missing_client_id(client):
    resp = client.get('/v2/queues', headers={'Client-ID': None})
    assert_error(resp, 400, 'Missing header value',
                 'The "Client-Id" header is required.')


@pytest.mark.parametrize('bad', ['', '0xdeadbeef', 'textid',
                                 '550893e0-2b6e-11e3-835a-5cf9dd72369'])
def test_client_id_must_be_uuid(client, bad):
    resp = client.get('/v2/queues', headers={'Client-ID': bad})
    assert_error(resp, 400, 'Wrong UUID value', 'Malformed hexadecimal UUID.')


@pytest.mark.parametrize('good', [str(uuid.uuid4()), uuid.uuid4().hex,
                                  str(uuid.uuid4()).upper()])
def test_client_id_uuid_forms(client, good):
    assert client.get('/v2/queues',
                      headers={'Client-ID': good}).status_code == 200


def test_client_id_is_required_on_unknown_urls(client):
    """Zaqar's hooks run before routing: 400 before 404."""
    resp = client.get('/v2/nowhere', headers={'Client-ID': None})
    assert resp.status_code == 400
    assert client.get('/v2/nowhere').status_code == 404


class TestClientIdOff:

    @pytest.fixture
    def overrides(self):
        return {('transport', 'client_id_uuid_safe'): 'off'}

    @pytest.mark.parametrize('good', ['1234567890', '1' * 36])
    def test_any_string_of_allowed_length(self, client, good):
        assert client.get('/v2/queues',
                          headers={'Client-ID': good}).status_code == 200

    @pytest.mark.parametrize('bad', ['123456789', '1' * 37])
    def test_length_out_of_bounds(self, client, bad):
        message = 'Length of client id must be at least 10 and no greater ' \
                  'than 36.'
        resp = client.get('/v2/queues', headers={'Client-ID': bad})
        assert_error(resp, 400, message, message)

    def test_echo_uses_the_raw_client_id(self, client, storage):
        client.client_id = 'my-client-0001'
        client.post(QUEUE + '/messages', json={'messages': [{'body': 1}]})
        assert storage.calls[-1][-1] == 'my-client-0001'


def test_uuid_client_id_is_canonical(client, storage):
    """Upper-case and braced forms name the same client (for echo)."""
    cid = uuid.uuid4()
    client.client_id = '{%s}' % str(cid).upper()
    client.post(QUEUE + '/messages', json={'messages': [{'body': 1}]})
    assert storage.calls[-1][-1] == str(cid)


# -- project -----------------------------------------------------------------
def test_missing_project(client):
    resp = client.put(QUEUE, headers={'X-Project-ID': None})
    assert_error(resp, 400, 'Project-Id Missing',
                 'The header X-PROJECT-ID was missing')


def test_empty_project(client):
    resp = client.delete(QUEUE, headers={'X-Project-ID': ''})
    assert_error(resp, 400, 'Empty project header not allowed',
                 'X-PROJECT-ID cannot be an empty string. Specify the right '
                 'header X-PROJECT-ID and retry.')


def test_project_too_long(client):
    resp = client.put('/v2/queues/Muv-Luv',
                      headers={'X-Project-ID': 'JAM Project' * 24})
    assert_error(resp, 400, 'Invalid queue identification',
                 'The format of the submitted queue name or project id is '
                 'not valid.')


def test_project_of_256_characters_and_any_charset(client, storage):
    project = 'JAM Project/+:' + 'x' * 242
    assert len(project) == 256
    assert client.put(QUEUE, headers={'X-Project-ID': project}
                      ).status_code == 201
    assert (project, 'q1') in storage.queue_data


def test_tenant_headers_are_fallbacks(client, storage):
    """oslo.context's order: X-Project-ID, X-Tenant-ID, X-Tenant."""
    client.put(QUEUE, headers={'X-Project-ID': None, 'X-Tenant-ID': 't1'})
    assert ('t1', 'q1') in storage.queue_data
    client.put(QUEUE, headers={'X-Project-ID': None, 'X-Tenant': 't2'})
    assert ('t2', 'q1') in storage.queue_data


def test_client_id_checked_before_project(client):
    resp = client.get('/v2/queues', headers={'Client-ID': None,
                                             'X-Project-ID': None})
    assert resp.get_json()['title'] == 'Missing header value'


# -- queue name --------------------------------------------------------------
@pytest.mark.parametrize('name', ['Nice-Bo@t', '_' + 'niceboat' * 8,
                                  'non-ascii-n%C5%93me', 'a%20b'])
@pytest.mark.parametrize('method,suffix', [
    ('PUT', ''), ('GET', ''), ('PATCH', ''), ('DELETE', ''),
    ('POST', '/messages'), ('GET', '/messages'), ('DELETE', '/messages'),
    ('GET', '/messages/x'), ('DELETE', '/messages/x'),
    ('POST', '/claims'), ('GET', '/claims/x'), ('PATCH', '/claims/x'),
    ('DELETE', '/claims/x'), ('GET', '/stats'), ('POST', '/purge')])
def test_invalid_queue_names(client, name, method, suffix):
    resp = client.request(method, '/v2/queues/' + name + suffix)
    assert_error(resp, 400, 'Invalid queue identification',
                 'The format of the submitted queue name or project id is '
                 'not valid.')


@pytest.mark.parametrize('name', ['Nice-Boat_2', 'Service.test_queue',
                                  'v' * 64, '-', '.'])
def test_valid_queue_names(client, name):
    """Zaqar's code allows '.' (its error message and docs do not say
    so)."""
    assert client.put('/v2/queues/' + name).status_code == 201


# -- public routes -----------------------------------------------------------
@pytest.mark.parametrize('path', ['/', '/v2', '/v2/', '/v2/ping'])
def test_public_routes_need_no_headers(client, path):
    resp = client.get(path, headers={'Client-ID': None,
                                     'X-Project-ID': None})
    assert resp.status_code in (200, 204, 300)


def test_health_is_not_public(client):
    resp = client.get('/v2/health', headers={'Client-ID': None})
    assert resp.status_code == 400


# -- unread bodies ----------------------------------------------------------
def _post_stream(client, data, path=QUEUE + '/messages'):
    stream = io.BytesIO(data)
    resp = client.post(path, input_stream=stream, content_length=len(data),
                       content_type='application/json')
    return resp, stream


def test_unread_body_is_drained(client):
    """A refused request's body is read, so the connection can be reused
    (gunicorn closes keep-alive connections holding > 64 KiB unread)."""
    data = b'{"messages": [' + b' ' * 1500 + b']}'
    resp, stream = _post_stream(client, data, '/v2/queues/bad@name/messages')
    assert resp.status_code == 400
    assert stream.tell() == len(data)


def test_body_over_the_cap_is_not_read(client):
    resp, stream = _post_stream(client, b'x' * 3000)
    assert resp.status_code == 413
    assert stream.tell() == 0
