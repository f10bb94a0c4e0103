"""swiftq-websocket with ``auth_strategy = keystone`` against the real
Keystone: the ``authenticate`` action, Zaqar's 401/403 answers, the
project taken from the token, the auth timeout."""

import json
import struct
import uuid

import pytest
import websocket

from tests.functional import websocket_server as ws_lib
from tests.keystone import conftest as keystone_conftest


@pytest.fixture(scope='module')
def ws_keystone(keystone, local_swift, keystone_swiftq, tmp_path_factory):
    overrides = keystone.authtoken_options()
    overrides[('signed_url', 'secret_key')] = keystone_conftest.SIGNED_URL_KEY
    overrides[('websocket', 'auth_timeout')] = 4
    server = ws_lib.WebsocketServer(
        str(tmp_path_factory.mktemp('swiftq-ws-ks')), local_swift,
        container_prefix=keystone_swiftq.container_prefix,
        auth_strategy='keystone', overrides=overrides)
    yield server.start()
    server.stop()


def status(answer):
    return answer['headers']['status']


def authenticate(client, identity, token=None):
    headers = dict(client.headers, **{
        'X-Auth-Token': token or identity.token,
        'X-Project-ID': identity.project_id})
    return client.call('authenticate', headers=headers)


def test_no_or_bad_token_is_refused_until_authenticated(ws_keystone, alpha):
    with ws_lib.Client(ws_keystone.url, project=alpha.project_id) as client:
        refused = client.call('queue_list', {})
        assert (status(refused), refused['body']) == (
            403, {'error': 'Not authentified.'})
        bad = authenticate(client, alpha, token='not-a-token')
        assert bad == {'request': {'action': 'authenticate', 'body': {},
                                   'headers': {}, 'api': 'v2'},
                       'headers': {'status': 401},
                       'body': {'error': 'Authentication failed.'}}
        assert status(client.call('queue_list', {})) == 403
        missing = client.call('authenticate', headers=client.headers)
        assert status(missing) == 400       # Zaqar's schema wants a token
        good = authenticate(client, alpha)
        assert (status(good), good['body']) == (
            200, {'message': 'Authentified.'})
        assert status(client.call('queue_list', {})) == 200


def test_project_is_the_tokens(ws_keystone, alpha, beta, keystone_api):
    queue = 'wsk-' + uuid.uuid4().hex[:8]
    with ws_lib.Client(ws_keystone.url, project=alpha.project_id) as a, \
            ws_lib.Client(ws_keystone.url, project=alpha.project_id) as b:
        authenticate(a, alpha)
        authenticate(b, beta)       # claims alpha's project in its headers
        assert status(a.call('message_post', {
            'queue_name': queue,
            'messages': [{'body': 'secret', 'ttl': 60}]})) == 201
        names = [q['name'] for q in
                 b.call('queue_list', {})['body']['queues']]
        assert queue not in names
        stats = b.call('queue_get_stats', {'queue_name': queue})
        assert status(stats) == 404
    # Over HTTP, alpha's token sees what alpha's socket wrote.
    http = keystone_api(alpha)
    listed = http.get('/v2/queues/%s/messages?echo=true' % queue)
    assert [m['body'] for m in listed.json()['messages']] == ['secret']


def test_socket_that_does_not_authenticate_is_closed(ws_keystone):
    client = ws_lib.Client(ws_keystone.url)
    try:
        opcode, data = client.ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        assert struct.unpack('!H', data[:2])[0] == 4001
        assert data[2:] == b'Authentication timeout.'
    finally:
        client.ws.shutdown()


def test_pushed_subscription_with_a_token(ws_keystone, alpha, beta,
                                          keystone_api):
    """os-collect-config's websocket mode with Keystone: python-zaqarclient
    authenticates with the token, subscribes and waits for the push; a
    post to the same queue name in another project is not pushed."""
    from zaqarclient import transport
    from zaqarclient.transport import request

    queue = 'wsp-' + uuid.uuid4().hex[:8]
    url = ws_keystone.url
    conf = {'auth_opts': {'backend': 'keystone', 'options': {
        'os_auth_token': alpha.token, 'os_project_id': alpha.project_id}}}

    def req(action, body):
        return request.Request(url, action, content=json.dumps(body))

    with transport.get_transport_for(url, options=conf) as ws:
        ws.send(req('queue_create', {'queue_name': queue}))
        ws.send(req('subscription_create', {'queue_name': queue,
                                            'ttl': 10000}))
        popped = json.loads(ws.send(req('message_delete_many', {
            'queue_name': queue, 'pop': 1})).content)
        assert popped.get('messages', []) == []
        other = keystone_api(beta).post(
            '/v2/queues/%s/messages' % queue,
            json={'messages': [{'body': 'not yours', 'ttl': 60}]})
        assert other.status_code == 201
        mine = keystone_api(alpha).post(
            '/v2/queues/%s/messages' % queue,
            json={'messages': [{'body': {'config': 1}, 'ttl': 60}]})
        assert mine.status_code == 201
        ws._ws.settimeout(15)
        frame = ws.recv()
    assert frame == {'body': {'config': 1}, 'ttl': 60, 'queue_name': queue,
                     'Message_Type': 'Notification'}
