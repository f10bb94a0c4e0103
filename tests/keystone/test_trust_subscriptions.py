"""``trust+http://`` subscriptions with the real Keystone, a real
swiftq-api and a real ``swiftq-notifier`` (doc/source/design/
subscriptions.rst, "Trust subscribers").

The subscriber is a local HTTP receiver that validates every token it is
sent against Keystone (``GET /v3/auth/tokens`` as Keystone's admin) and
refuses, 401, a token Keystone does not accept. The trustee is a user of
its own, with no role anywhere, configured in ``[trustee]`` of the API
and of the notifier.
"""

import calendar
import threading
import time

import pytest

from tests.functional.notifier_process import NotifierProcess
from tests.functional.receivers import HttpReceiver

TRUSTEE = 'swiftq-trustee'
WAIT = 90
#: Zaqar's 403 body (zaqar/transport/wsgi/errors.py, HTTPForbidden).
NOT_AUTHORIZED = {'title': 'Not authorized',
                  'description': 'You are not authorized to complete this '
                                 'action.'}


@pytest.fixture(scope='module')
def trustee(keystone):
    if TRUSTEE not in keystone.identities:
        keystone.add_user(TRUSTEE, 'service', roles=())
    return keystone[TRUSTEE]


def trustee_options(keystone, trustee):
    """``[trustee]`` as an operator writes it (Zaqar's names): the user
    and its domain, no project; Keystone's URL without its version, as
    devstack's (keystoneauth1 discovers v3)."""
    return {'auth_type': 'password', 'auth_url': keystone.server.url,
            'username': trustee.username, 'password': trustee.password,
            'user_domain_id': 'default'}


@pytest.fixture(scope='module')
def trust_server(keystone, trustee, local_swift, swiftq_server_factory):
    overrides = keystone.authtoken_options()
    for name, value in trustee_options(keystone, trustee).items():
        overrides[('trustee', name)] = value
    return swiftq_server_factory(swift=local_swift, workers=1,
                                 auth_strategy='keystone',
                                 overrides=overrides)


class TokenChecker:
    """The receiver's check: Keystone's view of each token it is sent
    (validated once per token), 401 for a token Keystone refuses."""

    def __init__(self, server):
        self.server = server
        self.tokens = {}
        self._lock = threading.Lock()

    def validate(self, token):
        resp = self.server.admin.get(
            self.server.auth_url + '/auth/tokens', raise_exc=False,
            headers={'X-Subject-Token': token})
        return resp.json()['token'] if resp.status_code == 200 else None

    def __call__(self, headers):
        token = {k.lower(): v for k, v in headers.items()}.get(
            'x-auth-token')
        if not token:
            return 401
        with self._lock:
            if token not in self.tokens:
                self.tokens[token] = self.validate(token)
            return None if self.tokens[token] else 401


@pytest.fixture
def checker(keystone):
    return TokenChecker(keystone.server)


@pytest.fixture
def receiver(checker):
    with HttpReceiver(check=checker) as r:
        yield r


def get_trust(keystone, trust_id):
    """Keystone's trust (as its admin sees it), or None."""
    resp = keystone.server.admin.get(
        keystone.server.auth_url + '/OS-TRUST/trusts/' + trust_id,
        raise_exc=False)
    if resp.status_code == 404:
        return None
    assert resp.status_code == 200, resp.text
    return resp.json()['trust']


def trusts_of(keystone, identity):
    resp = keystone.server.admin.get(
        keystone.server.auth_url + '/OS-TRUST/trusts?trustor_user_id='
        + identity.user_id, raise_exc=False)
    assert resp.status_code == 200, resp.text
    return {t['id'] for t in resp.json()['trusts']}


def wait_until(predicate, what, notifier):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError('timed out waiting for %s\n%s'
                         % (what, notifier.log_text()[-4000:]))


def header(received, name):
    return {k.lower(): v for k, v in received.headers.items()}.get(
        name.lower())


def test_trust_subscription_delivers_with_trust_scoped_tokens(
        keystone, alpha, trustee, trust_server, keystone_api, receiver,
        checker, tmp_path):
    """Zaqar's trust task: a trust from the caller to the trustee, the
    caller's project and roles, impersonation, expiring with the
    subscription; every message reaches the subscriber with a token of
    that trust; the trust goes with the subscription."""
    client = keystone_api(alpha, server=trust_server)
    queue = 'trusted'
    subscriber = 'trust+' + receiver.endpoint('mistral')
    resp = client.post('/v2/queues/%s/subscriptions' % queue,
                       json={'subscriber': subscriber, 'ttl': 3600,
                             'options': {'post_headers': {'X-Tag': 'old'}}})
    assert resp.status_code == 201, resp.text
    created_at = time.time()
    sub_id = resp.json()['subscription_id']
    path = '/v2/queues/%s/subscriptions/%s' % (queue, sub_id)
    doc = client.get(path).json()
    assert doc['subscriber'] == subscriber
    trust_id = doc['options']['trust_id']
    assert doc['options']['post_headers'] == {'X-Tag': 'old'}
    # new options replace the old, but the trust made for the
    # subscription stays its trust
    resp = client.patch(path, json={'options': {
        'post_headers': {'X-Tag': 't'}}})
    assert resp.status_code == 204, resp.text
    assert client.get(path).json()['options'] == {
        'post_headers': {'X-Tag': 't'}, 'trust_id': trust_id}

    trust = get_trust(keystone, trust_id)
    assert trust is not None
    assert trust['trustor_user_id'] == alpha.user_id
    assert trust['trustee_user_id'] == trustee.user_id
    assert trust['project_id'] == alpha.project_id
    assert trust['impersonation'] is True
    assert 'member' in {role['name'] for role in trust['roles']}
    expires = calendar.timegm(time.strptime(trust['expires_at'][:19],
                                            '%Y-%m-%dT%H:%M:%S'))
    assert abs(expires - (created_at + 3600)) < 60

    # the retry policy applies as to any webhook
    receiver.fail_first('mistral', 3)
    extra = {'trustee': trustee_options(keystone, trustee)}
    with NotifierProcess(str(tmp_path), trust_server, extra=extra) as notifier:
        posted = []
        for batch in range(5):
            resp = client.post('/v2/queues/%s/messages' % queue, json={
                'messages': [{'body': {'seq': batch * 4 + i}, 'ttl': 300}
                             for i in range(4)]})
            assert resp.status_code == 201, resp.text
            posted += [h.rsplit('/', 1)[1]
                       for h in resp.json()['resources']]

        def all_delivered():
            got = {header(r, 'X-Swiftq-Message-Id')
                   for r in receiver.delivered('mistral')}
            return set(posted) <= got
        wait_until(all_delivered, 'every message at the receiver', notifier)

    delivered = receiver.delivered('mistral')
    tried = receiver.tried('mistral')
    print('\n[trust] posted %d, delivered %d, attempts %d' % (
        len(posted), len(delivered), len(tried)))
    assert len(tried) == len(delivered) + 3     # no token refused
    assert sorted(r.json['body']['seq'] for r in delivered
                  if header(r, 'X-Swiftq-Message-Id') in posted) == \
        list(range(20))
    for received in delivered:
        assert set(received.json) == {'body', 'ttl', 'queue_name',
                                      'Message_Type'}
        assert received.json['queue_name'] == queue
        assert received.json['Message_Type'] == 'Notification'
        assert header(received, 'X-Tag') == 't'
        token = checker.tokens[header(received, 'X-Auth-Token')]
        assert token['OS-TRUST:trust']['id'] == trust_id
        assert token['OS-TRUST:trust']['impersonation'] is True
        assert token['project']['id'] == alpha.project_id
        assert token['user']['id'] == alpha.user_id     # impersonated

    resp = client.delete(path)
    assert resp.status_code == 204
    assert get_trust(keystone, trust_id) is None
    # deleting the trust revoked the tokens made from it
    token = header(delivered[0], 'X-Auth-Token')
    assert keystone.server.validate(token) == 404


def test_given_trust_id_is_used_and_kept(keystone, alpha, trustee,
                                         trust_server, keystone_api):
    """A trust the client made itself (options.trust_id) is stored as
    given and not deleted with the subscription: it may serve others."""
    resp = alpha.session().post(
        keystone.server.auth_url + '/OS-TRUST/trusts', raise_exc=False,
        json={'trust': {'trustor_user_id': alpha.user_id,
                        'trustee_user_id': trustee.user_id,
                        'project_id': alpha.project_id,
                        'impersonation': True,
                        'roles': [{'name': 'member'}]}})
    assert resp.status_code == 201, resp.text
    own_trust = resp.json()['trust']['id']
    client = keystone_api(alpha, server=trust_server)
    resp = client.post('/v2/queues/given/subscriptions', json={
        'subscriber': 'trust+http://127.0.0.1:9/x',
        'options': {'trust_id': own_trust}})
    assert resp.status_code == 201, resp.text
    sub_id = resp.json()['subscription_id']
    doc = client.get('/v2/queues/given/subscriptions/' + sub_id).json()
    assert doc['options'] == {'trust_id': own_trust}
    assert client.delete('/v2/queues/given/subscriptions/'
                         + sub_id).status_code == 204
    assert get_trust(keystone, own_trust) is not None


@pytest.mark.parametrize('removal', ['delete', 'purge'])
def test_trusts_go_with_their_queue(keystone, alpha, trust_server,
                                    keystone_api, removal):
    """A queue DELETE, or a purge of its subscriptions, removes its
    subscriptions and so the trusts made for them."""
    client = keystone_api(alpha, server=trust_server)
    queue = 'gone-' + removal
    made = []
    for name in ('a', 'b'):
        resp = client.post('/v2/queues/%s/subscriptions' % queue, json={
            'subscriber': 'trust+http://127.0.0.1:9/' + name, 'ttl': 600})
        assert resp.status_code == 201, resp.text
        doc = client.get('/v2/queues/%s/subscriptions/%s' % (
            queue, resp.json()['subscription_id'])).json()
        made.append(doc['options']['trust_id'])
    assert all(get_trust(keystone, t) is not None for t in made)
    if removal == 'delete':
        resp = client.delete('/v2/queues/' + queue)
    else:
        resp = client.post('/v2/queues/%s/purge' % queue,
                           json={'resource_types': ['subscriptions']})
    assert resp.status_code == 204, resp.text
    assert client.get('/v2/queues/%s/subscriptions' % queue).json()[
        'subscriptions'] == []
    assert [get_trust(keystone, t) for t in made] == [None, None]


def application_credential_token(keystone, identity):
    """A token of a (restricted, the default) application credential of
    ``identity``: Keystone lets such tokens do the user's work but not
    delegate it further."""
    session = identity.session()
    resp = session.post(
        '%s/users/%s/application_credentials' % (keystone.server.auth_url,
                                                 identity.user_id),
        json={'application_credential': {
            'name': 'ci-%d' % time.monotonic_ns()}}, raise_exc=False)
    assert resp.status_code == 201, resp.text
    credential = resp.json()['application_credential']
    resp = session.post(
        keystone.server.auth_url + '/auth/tokens', authenticated=False,
        raise_exc=False, json={'auth': {'identity': {
            'methods': ['application_credential'],
            'application_credential': {'id': credential['id'],
                                       'secret': credential['secret']}}}})
    assert resp.status_code == 201, resp.text
    return resp.headers['X-Subject-Token']


def test_caller_without_rights_to_delegate_gets_403_and_nothing(
        keystone, alpha, trust_server, keystone_api):
    token = application_credential_token(keystone, alpha)
    client = keystone_api(server=trust_server, token=token)
    trusts_before = trusts_of(keystone, alpha)
    queue = 'undelegated'
    resp = client.post('/v2/queues/%s/subscriptions' % queue,
                       json={'subscriber': 'trust+http://127.0.0.1:9/x',
                             'ttl': 3600})
    assert resp.status_code == 403, resp.text
    assert resp.json() == NOT_AUTHORIZED
    listing = client.get('/v2/queues/%s/subscriptions' % queue)
    assert listing.status_code == 200
    assert listing.json()['subscriptions'] == []
    queues = client.get('/v2/queues')
    names = [q['name'] for q in queues.json()['queues']] \
        if queues.status_code == 200 else []
    assert queue not in names
    assert trusts_of(keystone, alpha) == trusts_before

    # the same token may subscribe a plain webhook: only delegation is
    # refused
    resp = client.post('/v2/queues/%s/subscriptions' % queue,
                       json={'subscriber': 'http://127.0.0.1:9/x'})
    assert resp.status_code == 201, resp.text
    client.delete('/v2/queues/%s/subscriptions/%s'
                  % (queue, resp.json()['subscription_id']))
