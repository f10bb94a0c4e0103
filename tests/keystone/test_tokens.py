"""auth_strategy = keystone: which tokens get in, and where the project
comes from."""

import time
import uuid

import pytest


UNAUTHORIZED = 'The request you have made requires authentication.'

#: Requests that need a token (and reach no storage if refused).
PROTECTED = [
    ('GET', '/v2/queues'),
    ('PUT', '/v2/queues/q1'),
    ('GET', '/v2/queues/q1/stats'),
    ('POST', '/v2/queues/q1/messages'),
    ('POST', '/v2/queues/q1/claims'),
    ('DELETE', '/v2/queues/q1'),
    ('GET', '/v2/health'),
    ('GET', '/v2/no/such/route'),
]


def assert_401(resp, keystone):
    assert resp.status_code == 401, resp.text
    assert resp.headers['WWW-Authenticate'] == (
        'Keystone uri="%s"' % keystone.server.auth_url)
    assert resp.json() == {'title': 'Unauthorized',
                           'description': UNAUTHORIZED}


@pytest.mark.parametrize('method,path', PROTECTED)
def test_no_token_is_401(keystone, keystone_api, method, path):
    api = keystone_api()
    # What a noauth client would send: it must not be trusted here.
    resp = api.request(method, path, json={'messages': [{'body': 1}]},
                       headers={'X-Project-ID': 'p1', 'X-Roles': 'admin',
                                'X-Identity-Status': 'Confirmed',
                                'X-User-Id': 'u1'})
    assert_401(resp, keystone)


def test_public_resources_need_no_token(keystone_api):
    api = keystone_api()
    assert api.get('/v2/ping').status_code == 204
    assert api.get('/v2').status_code == 200
    assert api.get('/').status_code == 300


@pytest.mark.parametrize('token', [
    'not-a-token',
    uuid.uuid4().hex,
    # a Fernet-looking token that no key of this Keystone made
    'gAAAAABh' + 'A' * 180,
])
def test_bad_token_is_401(keystone, keystone_api, token):
    assert_401(keystone_api(token=token).get('/v2/queues'), keystone)


def test_expired_token_is_401(keystone, keystone_api, alpha):
    alpha.token  # noqa: B018 (resolves user and project ids)
    expired = keystone.server.mint_expired_token(alpha.user_id,
                                                 alpha.project_id)
    # Keystone's own verdict: a genuine token of this server, expired.
    assert keystone.server.validate(expired) == 404
    assert_401(keystone_api(token=expired).get('/v2/queues'), keystone)


def test_revoked_token_is_401(keystone, keystone_api, alpha):
    token, _ = alpha.fresh_token()
    keystone.server.revoke(token)
    assert keystone.server.validate(token) == 404
    assert_401(keystone_api(token=token).get('/v2/queues'), keystone)


def test_revocation_of_a_cached_token_is_seen_after_token_cache_time(
        keystone, keystone_api, alpha, swift_keystone_swiftq):
    """keystonemiddleware caches a validated token for
    ``[keystone_authtoken] token_cache_time`` seconds (default 300) and
    does not hear of revocations: a revoked token keeps working that long
    on a server that already saw it. This server caches for 2 s."""
    token, _ = alpha.fresh_token()
    api = keystone_api(token=token, server=swift_keystone_swiftq)
    assert api.get('/v2/queues').status_code == 200
    keystone.server.revoke(token)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        resp = api.get('/v2/queues')
        if resp.status_code == 401:
            break
        assert resp.status_code == 200
        time.sleep(0.5)
    assert_401(resp, keystone)


def test_valid_token_gets_in(keystone_api, alpha):
    resp = keystone_api(alpha).get('/v2/queues')
    assert resp.status_code == 200, resp.text


def test_project_comes_from_the_token_not_the_header(keystone_api, alpha,
                                                     beta):
    """A client-sent X-Project-ID (or X-Tenant-Id) never overrides the
    token's project."""
    queue = 'q-' + uuid.uuid4().hex[:8]
    alpha_api = keystone_api(alpha)
    for header in ('X-Project-ID', 'X-Tenant-Id', 'X-Tenant'):
        resp = alpha_api.put('/v2/queues/%s-%s' % (queue, header.lower()),
                             headers={header: beta.project_id or 'beta'})
        assert resp.status_code == 201
    resp = alpha_api.post('/v2/queues/%s/messages' % queue,
                          json={'messages': [{'body': 'mine'}]},
                          headers={'X-Project-ID': beta.project_id or 'b'})
    assert resp.status_code == 201
    beta_api = keystone_api(beta)
    beta_queues = beta_api.get('/v2/queues?limit=20&name=' + queue).json()
    assert beta_queues['queues'] == []
    alpha_queues = alpha_api.get('/v2/queues?limit=20&name=' + queue).json()
    # the three PUTs, and the queue the POST created
    assert len(alpha_queues['queues']) == 4
    stats = alpha_api.get('/v2/queues/%s/stats' % queue).json()
    assert stats['messages']['total'] == 1


def test_client_roles_header_is_ignored(keystone_api, alpha):
    resp = keystone_api(alpha).get('/v2/health',
                                   headers={'X-Roles': 'admin'})
    assert resp.status_code == 403
