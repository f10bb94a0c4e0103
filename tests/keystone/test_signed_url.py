"""Pre-signed URLs (POST /v2/queues/{q}/share) on a Keystone-protected
server: used with no token at all, they open exactly the signed paths and
methods of the signed project, until they expire.

Every failure answers as Zaqar's code does (``verify_pre_signed_url`` in
``zaqar/common/transport/wsgi/helpers.py`` raises ``falcon.HTTPNotFound()``
for each): 404 with falcon's bare ``{"title": "404 Not Found"}``, and no
``WWW-Authenticate``, whether the signature is bad, the URL expired, or
the method or path is not signed. (swiftq used to answer 401 and 403;
Zaqar's API reference lists 401 for the share resource itself, which
still answers it without a token.)
"""

import datetime
import hashlib
import hmac
import time
import uuid

import pytest

from tests.keystone.conftest import SIGNED_URL_KEY


def qname():
    return 'shared-' + uuid.uuid4().hex[:10]


def zaqar_signature(key, paths, methods, project, expires):
    """Zaqar's algorithm as zaqar/common/urls.py writes it (a raw string:
    the separators are backslash-n, two characters)."""
    body = (r'%(paths)s\n%(methods)s\n%(project)s\n%(expires)s' % {
        'paths': ','.join(sorted(paths)),
        'methods': ','.join(sorted(methods)),
        'project': project, 'expires': expires}).encode('utf-8')
    return hmac.new(key.encode('utf-8'), body, hashlib.sha256).hexdigest()


def assert_refused(resp):
    """Zaqar's answer to a pre-signed URL that does not verify."""
    assert resp.status_code == 404, resp.text
    assert resp.headers['Content-Type'].startswith('application/json')
    assert resp.json() == {'title': '404 Not Found'}
    assert 'WWW-Authenticate' not in resp.headers


def signed_headers(doc):
    return {
        'URL-Signature': doc['signature'],
        'URL-Expires': doc['expires'],
        'URL-Methods': ','.join(doc['methods']),
        'URL-Paths': ','.join(doc['paths']),
        'X-Project-ID': doc['project'],
    }


@pytest.fixture
def shared(keystone_api, alpha):
    """alpha's queue with one message, and a URL for GET/POST on its
    messages."""
    api = keystone_api(alpha)
    queue = qname()
    resp = api.post('/v2/queues/%s/messages' % queue,
                    json={'messages': [{'body': 'first', 'ttl': 600}]})
    assert resp.status_code == 201
    resp = api.post('/v2/queues/%s/share' % queue,
                    json={'methods': ['GET', 'POST'],
                          'paths': ['messages']})
    assert resp.status_code == 200, resp.text
    return queue, resp.json()


def test_share_document(keystone_api, alpha, shared):
    queue, doc = shared
    assert set(doc) == {'signature', 'expires', 'paths', 'methods',
                        'project'}
    assert doc['project'] == alpha.project_id
    assert doc['paths'] == ['/v2/queues/%s/messages' % queue]
    assert doc['methods'] == ['GET', 'POST']
    expires = datetime.datetime.strptime(doc['expires'],
                                         '%Y-%m-%dT%H:%M:%S')
    in_a_day = datetime.datetime.utcnow() + datetime.timedelta(days=1)
    assert abs((expires - in_a_day).total_seconds()) < 120
    assert doc['signature'] == zaqar_signature(
        SIGNED_URL_KEY, doc['paths'], doc['methods'], doc['project'],
        doc['expires'])


def test_signed_url_works_without_a_token(keystone_api, shared):
    queue, doc = shared
    anonymous = keystone_api()            # no X-Auth-Token
    headers = signed_headers(doc)
    path = '/v2/queues/%s/messages' % queue
    resp = anonymous.post(path, headers=headers, json={
        'messages': [{'body': 'via signed url'}]})
    assert resp.status_code == 201, resp.text
    new_id = resp.headers['Location'].rsplit('=', 1)[-1]
    resp = anonymous.get(path + '?echo=true', headers=headers)
    assert resp.status_code == 200
    assert sorted(m['body'] for m in resp.json()['messages']) == [
        'first', 'via signed url']
    # below the signed path: one message
    resp = anonymous.get(path + '/' + new_id, headers=headers)
    assert resp.status_code == 200
    assert resp.json()['body'] == 'via signed url'


def test_signed_url_lands_in_the_signed_project(keystone_api, alpha, beta,
                                                shared):
    queue, doc = shared
    anonymous = keystone_api()
    anonymous.post('/v2/queues/%s/messages' % queue,
                   headers=signed_headers(doc),
                   json={'messages': [{'body': 'x'}]})
    alpha_stats = keystone_api(alpha).get('/v2/queues/%s/stats' % queue)
    assert alpha_stats.json()['messages']['total'] == 2
    beta_stats = keystone_api(beta).get('/v2/queues/%s/stats' % queue)
    assert beta_stats.json()['messages']['total'] == 0


@pytest.mark.parametrize('method,suffix', [
    ('DELETE', '/messages'),                 # method not signed
    ('PUT', ''),                             # neither
    ('GET', ''),                             # the queue itself
    ('GET', '/stats'),
    ('POST', '/claims'),                     # path not signed
    ('GET', '/messagesX'),                   # a sibling, not below
    ('GET', '/messages/../stats'),
    ('POST', '/share'),
])
def test_signed_url_allows_only_its_paths_and_methods(keystone_api, shared,
                                                      method, suffix):
    queue, doc = shared
    resp = keystone_api().request(
        method, '/v2/queues/%s%s' % (queue, suffix),
        headers=signed_headers(doc), json={'ttl': 60})
    assert_refused(resp)


def test_signed_url_for_another_queue_is_refused(keystone_api, shared):
    queue, doc = shared
    resp = keystone_api().get('/v2/queues/%s/messages' % qname(),
                              headers=signed_headers(doc))
    assert_refused(resp)


def _tamper(value):
    """``value`` with one byte changed."""
    middle = len(value) // 2
    changed = 'a' if value[middle] != 'a' else 'b'
    return value[:middle] + changed + value[middle + 1:]


@pytest.mark.parametrize('header', ['URL-Signature', 'URL-Expires',
                                    'URL-Methods', 'URL-Paths',
                                    'X-Project-ID'])
def test_one_changed_byte_is_404(keystone, keystone_api, shared, header):
    queue, doc = shared
    headers = signed_headers(doc)
    if header == 'URL-Expires':    # still a date, one second later
        headers[header] = doc['expires'][:-1] + str(
            (int(doc['expires'][-1]) + 1) % 10)
    elif header == 'URL-Methods':  # GET,POST -> GET,POSU
        headers[header] = headers[header][:-1] + 'U'
    else:
        headers[header] = _tamper(headers[header])
    resp = keystone_api().get('/v2/queues/%s/messages' % queue,
                              headers=headers)
    assert_refused(resp)


def test_signed_url_of_another_project_is_404(keystone_api, beta, shared):
    queue, doc = shared
    headers = signed_headers(doc)
    headers['X-Project-ID'] = beta.project_id
    resp = keystone_api().get('/v2/queues/%s/messages' % queue,
                              headers=headers)
    assert_refused(resp)


def test_signed_url_expires(keystone_api, alpha):
    api = keystone_api(alpha)
    queue = qname()
    expires = (datetime.datetime.now(datetime.timezone.utc)
               + datetime.timedelta(seconds=2))
    resp = api.post('/v2/queues/%s/share' % queue, json={
        'methods': ['GET'], 'expires': expires.isoformat()})
    assert resp.status_code == 200, resp.text
    doc = resp.json()
    anonymous = keystone_api()
    path = '/v2/queues/%s/messages' % queue
    assert anonymous.get(path, headers=signed_headers(doc)).status_code == 200
    time.sleep(max(0.0, (expires - datetime.datetime.now(
        datetime.timezone.utc)).total_seconds()) + 1.1)
    resp = anonymous.get(path, headers=signed_headers(doc))
    assert_refused(resp)


def test_expired_url_signed_with_the_key_is_404(keystone_api, alpha):
    """Signed correctly with the server's key, but in the past."""
    expires = '2020-01-01T00:00:00'
    paths = ['/v2/queues/q1/messages']
    headers = {
        'URL-Signature': zaqar_signature(SIGNED_URL_KEY, paths, ['GET'],
                                         alpha.project_id, expires),
        'URL-Expires': expires, 'URL-Methods': 'GET',
        'URL-Paths': paths[0], 'X-Project-ID': alpha.project_id,
    }
    resp = keystone_api().get(paths[0], headers=headers)
    assert_refused(resp)


def test_signature_and_expiry_alone_are_refused(keystone_api, shared):
    """Zaqar's API reference says a signature "can be consumed by adding"
    ``URL-Signature`` and ``URL-Expires`` to a request; its code needs
    ``URL-Methods``, ``URL-Paths`` and ``X-Project-ID`` as well (the method
    must be among the signed ones) and answers 404 without them. swiftq
    follows the code."""
    queue, doc = shared
    resp = keystone_api().get('/v2/queues/%s/messages' % queue, headers={
        'URL-Signature': doc['signature'], 'URL-Expires': doc['expires']})
    assert_refused(resp)


def test_empty_signature_is_refused(keystone_api, alpha, shared):
    """An empty ``URL-Signature`` is a signature that does not verify.

    Zaqar's code would serve this request: its auth middleware skips
    Keystone for any request carrying the header, and
    ``verify_pre_signed_url`` returns at once for an empty one, so the
    request acts as whatever project ``X-Project-ID`` names, with no
    token. swiftq answers the 404 of any other bad signature (security;
    doc/source/api.rst)."""
    queue, _ = shared
    resp = keystone_api().get('/v2/queues/%s/messages' % queue, headers={
        'URL-Signature': '', 'X-Project-ID': alpha.project_id})
    assert_refused(resp)


@pytest.mark.parametrize('document,message', [
    ({'dummy': 'meh'}, "Unknown keys: ['dummy']"),
    ({'paths': ['notallowed']}, "Invalid paths: ['notallowed']"),
    ({'methods': 'GET'}, '`methods` should be a list'),
    ({'expires': 'wrong date format'}, '`expires` should be date format'),
    ({'expires': '1700000000'}, 'not integer value'),
    ({'expires': '2015-01-01T00:00:00'},
     '`expires` is lower than the current time'),
])
def test_share_refuses_bad_documents(keystone_api, alpha, document, message):
    resp = keystone_api(alpha).post('/v2/queues/%s/share' % qname(),
                                    json=document)
    assert resp.status_code == 400
    assert message in resp.json()['description']


def test_share_needs_a_token(keystone, keystone_api):
    resp = keystone_api().post('/v2/queues/%s/share' % qname(), json={})
    assert resp.status_code == 401


def test_python_zaqarclient_signed_url_backend(keystone_swiftq, shared):
    """python-zaqarclient's own ``signed-url`` auth backend."""
    from zaqarclient.queues.v2 import client

    queue, doc = shared
    signed = client.Client(keystone_swiftq.base_url, version=2, conf={
        'auth_opts': {'backend': 'signed-url', 'options': {
            'signature': doc['signature'], 'expires': doc['expires'],
            'methods': doc['methods'], 'paths': doc['paths'],
            'os_project_id': doc['project']}}})
    q = signed.queue(queue, auto_create=False)
    q.post({'body': 'from zaqarclient', 'ttl': 300})
    bodies = [m.body for m in q.messages(echo=True)]
    assert 'from zaqarclient' in bodies and 'first' in bodies
