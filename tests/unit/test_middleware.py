"""The WSGI middleware of swiftq.app.build_pipeline: request ids, log
context and access log, CORS, /healthcheck (in process, memory storage)."""

import logging
import uuid

from oslo_config import cfg
from oslo_log import formatters
from oslo_log import log as oslo_log
from oslo_middleware import opts as middleware_opts
import pytest

from swiftq import app as app_module
from swiftq import middleware
import swiftq.conf
from tests.unit.api import memory_storage

PROJECT = 'p-mw'
GLOBAL_ID = 'req-12345678-1234-1234-1234-123456789012'


def make_conf(overrides=None):
    """Registered and parsed, as the API has it ([cors] and
    [healthcheck] included), with ``{(group, name): value}`` overrides."""
    conf = cfg.ConfigOpts()
    swiftq.conf.register_opts(conf)
    oslo_log.register_options(conf)
    for group, opts in (middleware_opts.list_opts_cors()
                        + middleware_opts.list_opts_healthcheck()):
        conf.register_opts(opts, group=group)
    conf(args=[], project='swiftq', default_config_files=[])
    conf.set_override('auth_strategy', 'noauth')
    for (group, name), value in (overrides or {}).items():
        conf.set_override(name, value, group=group)
    return conf


class Captured(logging.Handler):
    """Log records, formatted as oslo.log formats them with ``conf``."""

    def __init__(self, conf):
        super().__init__(logging.DEBUG)
        self.setFormatter(formatters.ContextFormatter(config=conf))
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def conf():
    return make_conf()


@pytest.fixture
def captured(conf):
    handler = Captured(conf)
    loggers = [logging.getLogger('swiftq')]
    for logger in loggers:
        logger.addHandler(handler)
        old_level = logger.level
        logger.setLevel(logging.DEBUG)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
        logger.setLevel(old_level)


def client_for(conf):
    flask_app = app_module.create_app(conf, memory_storage.MemoryStorage())
    return flask_app.test_client()


def call(client, method, path, client_id=None, **kwargs):
    headers = {'X-Project-ID': PROJECT,
               'Client-ID': client_id or str(uuid.uuid4())}
    headers.update(kwargs.pop('headers', {}))
    resp = client.open(path, method=method, headers=headers, **kwargs)
    resp.get_data()
    resp.close()         # as a WSGI server does: ends the access log line
    return resp


# -- request ids --------------------------------------------------------------
def test_every_response_has_a_request_id(conf):
    client = client_for(conf)
    paths = ('/v2/ping', '/v2/queues', '/nowhere', '/healthcheck')
    ids = {call(client, 'GET', path).headers['x-openstack-request-id']
           for path in paths}
    assert len(ids) == 4
    assert all(i.startswith('req-') for i in ids)


def test_global_request_id_is_logged(conf, captured):
    client = client_for(conf)
    call(client, 'GET', '/v2/queues', headers={
        'X-OpenStack-Request-ID': GLOBAL_ID})
    call(client, 'GET', '/v2/queues', headers={
        'X-OpenStack-Request-ID': 'not-an-id'})
    first, second = [line for line in captured.lines
                     if '"GET /v2/queues"' in line]
    assert '[%s req-' % GLOBAL_ID in first
    assert 'not-an-id' not in second


def test_location_headers_stay_relative(conf):
    """The request id is added on plain WSGI: WebOb would have rewritten
    Location into an absolute URL."""
    resp = call(client_for(conf), 'PUT', '/v2/queues/q1')
    assert resp.status_code == 201
    assert resp.headers['Location'] == '/v2/queues/q1'


# -- reason phrases -----------------------------------------------------------
def test_status_lines_have_rfc_9110_reason_phrases(conf):
    """Werkzeug's phrases are upper case ("201 CREATED"); what leaves the
    pipeline is RFC 9110's, as falcon (Zaqar) sends them."""
    client = client_for(conf)
    assert call(client, 'PUT', '/v2/queues/q1').status == '201 Created'
    assert call(client, 'PUT', '/v2/queues/q1').status == '204 No Content'
    assert call(client, 'GET', '/nowhere').status == '404 Not Found'
    too_large = b' ' * (conf.api.max_request_body_size + 1)
    assert call(client, 'POST', '/v2/queues/q1/messages', data=too_large,
                headers={'Content-Type': 'application/json'}).status == \
        '413 Content Too Large'
    assert call(client, 'GET', '/healthcheck').status == '200 OK'


@pytest.mark.parametrize('sent,answered', [
    ('422 UNPROCESSABLE ENTITY', '422 Unprocessable Content'),
    ('414 REQUEST-URI TOO LONG', '414 URI Too Long'),
    ('200 OK', '200 OK'),
    ('299 SOMETHING ELSE', '299 SOMETHING ELSE'),    # no RFC phrase
])
def test_reason_phrases_layer(sent, answered):
    def app(environ, start_response):
        start_response(sent, [('Content-Length', '0')])
        return [b'']

    seen = []
    middleware.ReasonPhrases(app)({}, lambda status, headers, exc_info=None:
                                  seen.append(status))
    assert seen == [answered]


# -- log context and access log -----------------------------------------------
def test_one_access_line_without_body_query_or_token(conf, captured):
    client = client_for(conf)
    client_id = str(uuid.uuid4())
    secret = 'SECRET-' + uuid.uuid4().hex
    call(client, 'PUT', '/v2/queues/q1', client_id=client_id)
    resp = call(client, 'POST', '/v2/queues/q1/messages?x=' + secret,
                client_id=client_id, json={'messages': [
                    {'ttl': 300, 'body': {'secret': secret}}]},
                headers={'X-Auth-Token': secret})
    assert resp.status_code == 201
    access = [line for line in captured.lines if 'swiftq.access' in line]
    assert len(access) == 2
    line = access[1]
    assert '"POST /v2/queues/q1/messages" status: 201 len: ' in line
    assert ' time: ' in line
    # [global_id request_id user project domain system_scope user_domain
    #  project_domain client_id]
    context = line[line.index('[') + 1:line.index(']')].split()
    assert context[0] == 'None' and context[1].startswith('req-')
    assert context[3] == PROJECT
    assert context[-1] == client_id
    assert all(secret not in line for line in captured.lines)


def test_context_of_lines_logged_while_serving(conf, captured):
    """Any line written while a request is served carries its context."""
    client = client_for(conf)
    client_id = str(uuid.uuid4())
    flask_app = client.application

    @flask_app.get('/v2/log-something')
    def log_something():
        logging.getLogger('swiftq.storage').warning('something happened')
        return '', 204

    call(client, 'GET', '/v2/log-something', client_id=client_id)
    [line] = [line for line in captured.lines
              if 'something happened' in line]
    assert PROJECT in line and client_id in line and ' req-' in line


def test_logged_path_is_percent_encoded():
    environ = {'SCRIPT_NAME': '/messaging',
               'PATH_INFO': '/v2/queues/a\nb c\u00e9'.encode(
                   'utf-8').decode('latin-1')}
    assert middleware.logged_path(environ) == \
        '/messaging/v2/queues/a%0Ab%20c%C3%A9'


def test_failed_request_is_logged_as_500(captured):
    def broken(environ, start_response):
        raise RuntimeError('boom')

    app = middleware.AccessLog(broken)
    with pytest.raises(RuntimeError):
        app({'REQUEST_METHOD': 'GET', 'PATH_INFO': '/x'}, None)
    [line] = [line for line in captured.lines if 'swiftq.access' in line]
    assert '"GET /x" status: 500 len: 0' in line


# -- CORS ---------------------------------------------------------------------
def test_cors_off_by_default(conf):
    resp = call(client_for(conf), 'GET', '/v2/queues',
                headers={'Origin': 'https://ui.example.com'})
    assert 'Access-Control-Allow-Origin' not in resp.headers


def test_cors_for_allowed_origin():
    conf = make_conf({('cors', 'allowed_origin'): ['https://ui.example.com']})
    client = client_for(conf)
    resp = call(client, 'OPTIONS', '/v2/queues/q1/messages', headers={
        'Origin': 'https://ui.example.com',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'Client-ID,X-Auth-Token'})
    assert resp.headers['Access-Control-Allow-Origin'] == \
        'https://ui.example.com'
    allowed = resp.headers['Access-Control-Allow-Headers'].lower()
    assert 'client-id' in allowed and 'x-auth-token' in allowed
    resp = call(client, 'PUT', '/v2/queues/q1',
                headers={'Origin': 'https://ui.example.com'})
    assert resp.headers['Access-Control-Allow-Origin'] == \
        'https://ui.example.com'
    exposed = resp.headers['Access-Control-Expose-Headers'].lower()
    assert 'x-openstack-request-id' in exposed
    resp = call(client, 'GET', '/v2/queues',
                headers={'Origin': 'https://evil.example.com'})
    assert 'Access-Control-Allow-Origin' not in resp.headers


# -- /healthcheck -------------------------------------------------------------
def test_healthcheck_needs_no_headers(conf):
    client = client_for(conf)
    resp = client.get('/healthcheck')
    assert resp.status_code == 200
    assert client.head('/healthcheck').status_code == 204
    # Other paths are the API's: /healthcheck/x is not the healthcheck.
    assert client.get('/healthcheck/x').status_code != 200


def test_healthcheck_before_keystone():
    conf = make_conf()
    conf.set_override('auth_strategy', 'keystone')
    resp = client_for(conf).get('/healthcheck')
    assert resp.status_code == 200


def test_healthcheck_drain_by_file(tmp_path):
    flag = tmp_path / 'disabled'
    conf = make_conf({('healthcheck', 'backends'): ['disable_by_file'],
                      ('healthcheck', 'disable_by_file_path'): str(flag)})
    client = client_for(conf)
    assert client.get('/healthcheck').status_code == 200
    flag.write_text('')
    assert client.get('/healthcheck').status_code == 503
    assert call(client, 'GET', '/v2/queues').status_code == 200
