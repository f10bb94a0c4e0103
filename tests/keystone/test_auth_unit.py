"""The authentication and policy rules in process, without Keystone: the
application behind keystonemiddleware trusts nothing a client can send,
noauth enforces no policy, the signature is Zaqar's."""

import datetime
import hashlib
import hmac

import flask
import pytest

from swiftq import app as app_module
from swiftq import auth
from swiftq.api import acl
from swiftq.api import errors
from swiftq.api import signed_url
from swiftq.auth import signing
import swiftq.conf
from tests.unit.api import memory_storage

KEYSTONE_URI = 'http://keystone.invalid:5000/v3'


def make_app(auth_strategy, overrides=None):
    from keystonemiddleware import auth_token
    from oslo_policy import opts as policy_opts

    options = {(None, 'auth_strategy'): auth_strategy,
               ('keystone_authtoken', 'www_authenticate_uri'): KEYSTONE_URI,
               ('signed_url', 'secret_key'): 'k'}
    options.update(overrides or {})
    conf = swiftq.conf.new_conf()
    for group, opts in auth_token.list_opts() + policy_opts.list_opts():
        conf.register_opts(opts, group=group)
    for (group, name), value in options.items():
        conf.set_override(name, value, group=group)
    flask_app = app_module.create_app(conf, memory_storage.MemoryStorage())
    flask_app.testing = False
    return flask_app


HEADERS = {'Client-ID': '3381af92-2b9e-11e3-b191-71861300734c'}


def test_noauth_enforces_no_policy():
    """auth_strategy = noauth: policy is not enforced, deliberately.

    The noauth caller is whoever X-Project-ID names, with no roles. Rules
    that need a role (``health:get``: admin) could never pass, which would
    only hide the operator's resources in development; and every project's
    queues are open to anyone anyway, which is why noauth is for
    development only. (Zaqar's noauth trusts a client-sent X-Roles header
    instead, which protects nothing either.) With Keystone, every rule is
    enforced, on the token's roles (tests/keystone/test_policy.py).
    """
    client = make_app('noauth').test_client()
    resp = client.get('/v2/health', headers=dict(HEADERS,
                                                 **{'X-Project-ID': 'p'}))
    assert resp.status_code == 200


@pytest.mark.parametrize('spoof', [
    {'X-Project-ID': 'p1'},
    {'X-Project-ID': 'p1', 'X-Identity-Status': 'Confirmed',
     'X-Roles': 'admin', 'X-User-Id': 'u1'},
    {'X-Tenant-Id': 'p1', 'X-Identity-Status': 'Confirmed'},
])
def test_keystone_mode_trusts_no_identity_header(spoof):
    client = make_app('keystone').test_client()
    resp = client.get('/v2/queues', headers=dict(HEADERS, **spoof))
    assert resp.status_code == 401
    assert resp.headers['WWW-Authenticate'] == (
        'Keystone uri="%s"' % KEYSTONE_URI)
    assert resp.get_json()['title'] == 'Unauthorized'


def test_keystone_mode_public_resources():
    client = make_app('keystone').test_client()
    assert client.get('/v2/ping').status_code == 204
    assert client.get('/').status_code == 300


def _check(app, rule, caller):
    with app.test_request_context('/'):
        flask.g.caller = caller
        acl.check_policy(rule)


def test_policy_defaults():
    app = make_app('keystone')
    member = auth.Caller('p1', auth.TOKEN, 'u1', ['member'])
    admin = auth.Caller('p1', auth.TOKEN, 'u2', ['Admin'])
    signed = auth.Caller('p1', auth.SIGNED_URL)
    for rule in ('queues:get_all', 'messages:create', 'claims:create',
                 'queues:share'):
        _check(app, rule, member)
        _check(app, rule, signed)
    with pytest.raises(errors.Forbidden):
        _check(app, 'health:get', member)
    with pytest.raises(errors.Forbidden):
        _check(app, 'health:get', signed)
    _check(app, 'health:get', admin)


def test_operator_policy_file_overrides_defaults(tmp_path):
    policy_file = tmp_path / 'policy.yaml'
    policy_file.write_text('"queues:delete": "role:admin"\n'
                           '"health:get": "role:monitor"\n')
    app = make_app('keystone', {
        ('oslo_policy', 'policy_file'): str(policy_file)})
    member = auth.Caller('p1', auth.TOKEN, 'u1', ['member'])
    with pytest.raises(errors.Forbidden):
        _check(app, 'queues:delete', member)
    _check(app, 'health:get', auth.Caller('p1', auth.TOKEN, 'u', ['monitor']))
    _check(app, 'queues:create', member)


# -- signatures --------------------------------------------------------------
def zaqar_reference(key, paths, methods, project, expires):
    body = (r'%(paths)s\n%(methods)s\n%(project)s\n%(expires)s' % {
        'paths': ','.join(sorted(paths)),
        'methods': ','.join(sorted(methods)), 'project': project,
        'expires': expires}).encode('utf-8')
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


NOW = datetime.datetime(2030, 1, 1, 12, 0, 0)


def test_create_matches_zaqar():
    doc = signing.create('secret', ['/v2/queues/q/messages',
                                    '/v2/queues/q/claims'], 'p1',
                         expires='2030-01-02T00:00:00Z',
                         methods=['POST', 'GET'], now=NOW)
    assert doc == {
        'paths': ['/v2/queues/q/claims', '/v2/queues/q/messages'],
        'methods': ['GET', 'POST'], 'project': 'p1',
        'expires': '2030-01-02T00:00:00',
        'signature': zaqar_reference(
            'secret', ['/v2/queues/q/messages', '/v2/queues/q/claims'],
            ['GET', 'POST'], 'p1', '2030-01-02T00:00:00')}


def test_create_normalizes_offsets_to_utc():
    doc = signing.create('s', ['/p'], 'p1', now=NOW,
                         expires='2030-01-02T02:00:00+02:00')
    assert doc['expires'] == '2030-01-02T00:00:00'


def test_create_defaults():
    doc = signing.create('s', ['/p'], 'p1', now=NOW)
    assert doc['methods'] == ['GET']
    assert doc['expires'] == '2030-01-02T12:00:00'


@pytest.mark.parametrize('kwargs,message', [
    ({'key': None}, 'not enabled'),
    ({'paths': []}, '`paths` must be a non-empty list'),
    ({'methods': 'GET'}, '`methods` should be a list'),
    ({'expires': '2029-12-31T00:00:00'}, 'lower than the current time'),
    ({'expires': '12345'}, 'not integer value'),
    ({'expires': 'tomorrow'}, 'should be date format'),
])
def test_create_refuses(kwargs, message):
    args = dict(key='s', paths=['/p'], project='p1', now=NOW)
    args.update(kwargs)
    with pytest.raises(signing.SigningError, match=message):
        signing.create(**args)


def _environ(doc, **changes):
    environ = {
        'HTTP_URL_SIGNATURE': doc['signature'],
        'HTTP_URL_EXPIRES': doc['expires'],
        'HTTP_URL_METHODS': ','.join(doc['methods']),
        'HTTP_URL_PATHS': ','.join(doc['paths']),
        'HTTP_X_PROJECT_ID': doc['project'],
    }
    environ.update(changes)
    return environ


@pytest.fixture
def doc():
    return signing.create('key', ['/v2/queues/q/messages'], 'p1',
                          methods=['GET', 'POST'], now=NOW,
                          expires='2030-01-01T13:00:00')


def test_verify(doc):
    caller = signed_url.verify(_environ(doc), 'key', 'GET',
                               '/v2/queues/q/messages', now=NOW)
    assert (caller.project_id, caller.method) == ('p1', auth.SIGNED_URL)
    assert signed_url.verify(_environ(doc), 'key', 'POST',
                             '/v2/queues/q/messages/0123', now=NOW)


def test_verify_reads_the_project_kept_from_keystonemiddleware(doc):
    from swiftq.auth import keystone
    environ = _environ(doc)
    del environ['HTTP_X_PROJECT_ID']     # auth_token removed it
    environ[keystone.SIGNED_PROJECT] = 'p1'
    assert signed_url.verify(environ, 'key', 'GET', '/v2/queues/q/messages',
                             now=NOW).project_id == 'p1'


# Every failure is Zaqar's bare 404 (zaqar/common/transport/wsgi/helpers.py
# verify_pre_signed_url raises falcon.HTTPNotFound() for each), where
# swiftq used to answer 401 or 403.
@pytest.mark.parametrize('changes,key,now', [
    ({}, 'other key', NOW),
    ({}, None, NOW),
    ({}, 'key', NOW + datetime.timedelta(hours=1)),
    ({'HTTP_X_PROJECT_ID': 'p2'}, 'key', NOW),
    ({'HTTP_URL_METHODS': 'GET,POST,DELETE'}, 'key', NOW),
    ({'HTTP_URL_PATHS': '/v2/queues/q'}, 'key', NOW),
    ({'HTTP_URL_EXPIRES': '2031-01-01T13:00:00'}, 'key', NOW),
    ({'HTTP_URL_EXPIRES': 'never'}, 'key', NOW),
    ({'HTTP_URL_SIGNATURE': 'é'}, 'key', NOW),
    # Zaqar's code does not check an empty signature at all (and its auth
    # middleware skips Keystone for it): refused here, for security.
    ({'HTTP_URL_SIGNATURE': ''}, 'key', NOW),
])
def test_verify_refuses_a_bad_signature_with_404(doc, changes, key, now):
    with pytest.raises(errors.SignedUrlRefused) as refused:
        signed_url.verify(_environ(doc, **changes), key, 'GET',
                          '/v2/queues/q/messages', now=now)
    assert refused.value.status == 404
    assert refused.value.document() == {'title': '404 Not Found'}


@pytest.mark.parametrize('method,path', [
    ('DELETE', '/v2/queues/q/messages'),
    ('GET', '/v2/queues/q'),
    ('GET', '/v2/queues/q/messagesX'),
    ('GET', '/v2/queues/q/messages/../claims'),
    ('GET', '/v2/queues/q/messages//x'),
    ('GET', '/v2/queues/r/messages'),
])
def test_verify_refuses_what_is_not_signed_with_404(doc, method, path):
    with pytest.raises(errors.SignedUrlRefused):
        signed_url.verify(_environ(doc), 'key', method, path, now=NOW)


@pytest.mark.parametrize('path', [
    '/v2/queues/axb/messages',           # '.' is no wildcard here
    '/x/v2/queues/a.b/messages',         # nor is the path a substring
])
def test_signed_paths_are_not_regular_expressions(path):
    """Zaqar matches the signed paths with ``re.search``: a URL signed for
    queue ``a.b`` would open queue ``axb``. swiftq refuses (404, the
    answer Zaqar gives a path it does not match), for security."""
    doc = signing.create('key', ['/v2/queues/a.b/messages'], 'p1',
                         now=NOW, expires='2030-01-01T13:00:00')
    assert signed_url.verify(_environ(doc), 'key', 'GET',
                             '/v2/queues/a.b/messages', now=NOW)
    with pytest.raises(errors.SignedUrlRefused):
        signed_url.verify(_environ(doc), 'key', 'GET', path, now=NOW)


def test_noauth_checks_signatures_too():
    """noauth trusts X-Project-ID, but a request that carries a signature
    is held to it (as Zaqar's hook does in every mode)."""
    client = make_app('noauth').test_client()
    headers = dict(HEADERS, **{'X-Project-ID': 'p1'})
    resp = client.post('/v2/queues/q/share', headers=headers,
                       json={'methods': ['GET']})
    assert resp.status_code == 200
    doc = resp.get_json()
    signed = dict(HEADERS, **{
        'URL-Signature': doc['signature'], 'URL-Expires': doc['expires'],
        'URL-Methods': 'GET', 'URL-Paths': doc['paths'][0],
        'X-Project-ID': 'p1'})
    assert client.get('/v2/queues/q/messages',
                      headers=signed).status_code == 200
    # 404 for both, as Zaqar's code answers (it used to be 401 and 403).
    signed['X-Project-ID'] = 'p2'
    assert client.get('/v2/queues/q/messages',
                      headers=signed).status_code == 404
    signed['X-Project-ID'] = 'p1'
    assert client.delete('/v2/queues/q/messages?pop=1',
                         headers=signed).status_code == 404
