"""Pushed subscriptions over swiftq-websocket, against the real local Swift
(noauth): a ``subscription_create`` without a subscriber pushes every new
message of the queue to the socket, whichever process took the post.

Two websocket processes and the HTTP API share one Swift namespace. The
pushed frames are those Zaqar's websocket server forwards from its
notifier (``zaqar/transport/websocket/factory.py`` ``send_data``: the
webhook task's JSON, ``{"body", "ttl", "queue_name", "Message_Type"}``).
"""

import json
import threading
import time

import msgpack
import pytest
import websocket

from tests.functional import websocket_server as ws_lib

#: Seconds a push may take: a post through another process is seen by the
#: watch listing (``watch_interval`` 0.5 s) on a loaded shared machine.
PUSH_TIMEOUT = 15


@pytest.fixture(scope='module')
def ws_pair(local_swift, swiftq_server, tmp_path_factory):
    """Two swiftq-websocket processes on the API's namespace; subscription
    TTLs may be as short as 1 s; both have an encryption key (the API
    has none); a socket may hold 2 pushed subscriptions."""
    workdir = str(tmp_path_factory.mktemp('swiftq-ws-push'))
    servers = [ws_lib.WebsocketServer(
        workdir, local_swift, container_prefix=swiftq_server.container_prefix,
        overrides={('transport', 'min_subscription_ttl'): 1,
                   ('transport', 'message_encryption_key'): 'push-key',
                   ('websocket', 'max_pushed_subscriptions'): 2})
               for _ in range(2)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


def status(answer):
    return answer['headers']['status']


def pushed(client, timeout=PUSH_TIMEOUT):
    """The next frame, decoded (MessagePack or JSON)."""
    client.ws.settimeout(timeout)
    return client.receive()


def nothing_pushed(client, seconds):
    client.ws.settimeout(seconds)
    with pytest.raises(websocket.WebSocketTimeoutException):
        client.ws.recv_data()


def subscribe(client, queue, ttl=600, binary=False):
    answer = client.call('subscription_create',
                         {'queue_name': queue, 'ttl': ttl}, binary=binary)
    assert status(answer) == 201, answer
    return answer


def notification(body, queue, ttl=300):
    return {'body': body, 'ttl': ttl, 'queue_name': queue,
            'Message_Type': 'Notification'}


def test_push_exact_frames_from_every_process(ws_pair, api_factory):
    first, second = ws_pair
    with ws_lib.Client(first.url) as watcher, \
            ws_lib.Client(first.url, project=watcher.project) as poster:
        answer = subscribe(watcher, 'pq')
        sub_id = answer['body']['subscription_id']
        assert answer == {
            'request': {'action': 'subscription_create',
                        'body': {'queue_name': 'pq', 'ttl': 600},
                        'headers': watcher.headers, 'api': 'v2'},
            'headers': {'status': 201},
            'body': {'subscription_id': sub_id,
                     'message': 'Subscription pq created.'}}
        # A post through another socket of the same process.
        assert status(poster.call('message_post', {
            'queue_name': 'pq', 'messages': [
                {'body': {'n': 1}, 'ttl': 300},
                {'body': 'two', 'ttl': 300}]})) == 201
        assert pushed(watcher) == notification({'n': 1}, 'pq')
        assert pushed(watcher) == notification('two', 'pq')
        # A post through the HTTP API (another process).
        http = api_factory(project=watcher.project)
        resp = http.post('/v2/queues/pq/messages', json={
            'messages': [{'body': [3], 'ttl': 120}]})
        assert resp.status_code == 201
        assert pushed(watcher) == notification([3], 'pq', ttl=120)
        # A post through the other websocket process.
        with ws_lib.Client(second.url, project=watcher.project) as other:
            assert status(other.call('message_post', {
                'queue_name': 'pq',
                'messages': [{'body': 'four', 'ttl': 300}]})) == 201
        assert pushed(watcher) == notification('four', 'pq')
        # The subscription is a subscription: listed, read, its subscriber
        # the socket; the notifier leaves it alone.
        got = watcher.call('subscription_get', {'queue_name': 'pq',
                                                'subscription_id': sub_id})
        assert status(got) == 200
        assert got['body']['subscriber'].startswith('ws://')
        assert got['body']['ttl'] == 600
        listed = http.get('/v2/queues/pq/subscriptions').json()
        assert [s['id'] for s in listed['subscriptions']] == [sub_id]
    # The socket closed: its subscription is deleted, as Zaqar does.
    deadline = time.monotonic() + PUSH_TIMEOUT
    while http.get('/v2/queues/pq/subscriptions').json()['subscriptions']:
        assert time.monotonic() < deadline, 'subscription left behind'
        time.sleep(0.2)


def test_a_post_while_subscribing_is_pushed_after_the_answer(ws_pair,
                                                             api_factory):
    """The create takes ``lease_settle_delay`` (1.2 s, the subscriber
    marker's protocol): a post meanwhile is pushed, after the 201."""
    with ws_lib.Client(ws_pair[0].url) as client:
        http = api_factory(project=client.project)
        client.ws.send(json.dumps({
            'action': 'subscription_create', 'headers': client.headers,
            'body': {'queue_name': 'during', 'ttl': 600}}))
        time.sleep(0.4)
        assert http.post('/v2/queues/during/messages', json={
            'messages': [{'body': 'meanwhile', 'ttl': 60}]}
        ).status_code == 201
        answer = client.receive()
        assert answer['request']['action'] == 'subscription_create'
        assert status(answer) == 201
        assert pushed(client) == notification('meanwhile', 'during', ttl=60)


def test_a_socket_joining_a_followed_queue_misses_nothing(ws_pair,
                                                          api_factory):
    """A post made while the second socket's create is under way is
    pushed to the first socket at once and to the second after its 201,
    though the queue's feed had already handed it out."""
    url = ws_pair[0].url
    with ws_lib.Client(url) as first, \
            ws_lib.Client(url, project=first.project) as second:
        subscribe(first, 'joined')
        second.ws.send(json.dumps({
            'action': 'subscription_create', 'headers': second.headers,
            'body': {'queue_name': 'joined', 'ttl': 600}}))
        time.sleep(0.3)
        assert api_factory(project=first.project).post(
            '/v2/queues/joined/messages',
            json={'messages': [{'body': 'both', 'ttl': 60}]}
        ).status_code == 201
        assert pushed(first)['body'] == 'both'
        assert status(second.receive()) == 201
        assert pushed(second)['body'] == 'both'


def test_every_process_pushes_to_its_own_sockets(ws_pair, api_factory):
    first, second = ws_pair
    with ws_lib.Client(first.url) as one, \
            ws_lib.Client(second.url, project=one.project) as two:
        subscribe(one, 'both')
        subscribe(two, 'both')
        http = api_factory(project=one.project)
        for n in range(3):
            assert http.post('/v2/queues/both/messages', json={
                'messages': [{'body': n, 'ttl': 300}]}).status_code == 201
        for client in (one, two):
            assert [pushed(client)['body'] for _ in range(3)] == [0, 1, 2]
            nothing_pushed(client, 1.5)     # once each


def test_messagepack_subscription_pushes_messagepack(ws_pair, api_factory):
    with ws_lib.Client(ws_pair[0].url) as client:
        subscribe(client, 'binpush', binary=True)
        http = api_factory(project=client.project)
        http.post('/v2/queues/binpush/messages', json={
            'messages': [{'body': {'b': True}, 'ttl': 60}]})
        client.ws.settimeout(PUSH_TIMEOUT)
        opcode, data = client.ws.recv_data()
        assert opcode == websocket.ABNF.OPCODE_BINARY
        assert msgpack.unpackb(data, raw=False) == notification(
            {'b': True}, 'binpush', ttl=60)


def test_pushes_stop_on_delete_and_at_ttl(ws_pair, api_factory):
    with ws_lib.Client(ws_pair[0].url) as client:
        http = api_factory(project=client.project)
        sub_id = subscribe(client, 'stops')['body']['subscription_id']
        deleted = client.call('subscription_delete', {
            'queue_name': 'stops', 'subscription_id': sub_id})
        assert status(deleted) == 204
        http.post('/v2/queues/stops/messages', json={
            'messages': [{'body': 'after delete', 'ttl': 60}]})
        nothing_pushed(client, 2)
        # A 2 s subscription: pushed while it lives, not after.
        subscribe(client, 'stops', ttl=2)
        http.post('/v2/queues/stops/messages', json={
            'messages': [{'body': 'live', 'ttl': 60}]})
        assert pushed(client)['body'] == 'live'
        time.sleep(3)
        http.post('/v2/queues/stops/messages', json={
            'messages': [{'body': 'expired', 'ttl': 60}]})
        nothing_pushed(client, 2)
        assert status(client.call('ping_node', {})) == 204


def test_an_encrypted_queue_pushes_its_messages_in_clear(ws_pair):
    with ws_lib.Client(ws_pair[0].url) as client, \
            ws_lib.Client(ws_pair[1].url, project=client.project) as other:
        assert status(client.call('queue_create', {
            'queue_name': 'sealed',
            'metadata': {'_enable_encrypt_messages': True}})) == 201
        subscribe(client, 'sealed')
        assert status(other.call('message_post', {
            'queue_name': 'sealed',
            'messages': [{'body': {'secret': 7}, 'ttl': 60}]})) == 201
        assert pushed(client) == notification({'secret': 7}, 'sealed',
                                              ttl=60)


def test_a_socket_holds_a_bounded_number_of_pushed_subscriptions(ws_pair):
    with ws_lib.Client(ws_pair[0].url) as client:
        subscribe(client, 'lim1')
        subscribe(client, 'lim2')
        refused = client.call('subscription_create', {'queue_name': 'lim3'})
        assert (status(refused), refused['body']) == (400, {
            'exception': 'This socket already has 2 pushed subscriptions, '
                         'the most it may hold ([websocket] '
                         'max_pushed_subscriptions).',
            'error': None})
        listed = client.call('subscription_list', {'queue_name': 'lim3'})
        assert listed['body'] == {'subscriptions': []}
        # A subscription with a subscriber is not pushed: not counted.
        hook = client.call('subscription_create', {
            'queue_name': 'lim3', 'subscriber': 'http://127.0.0.1:9/h'})
        assert status(hook) == 201


def test_subscription_without_subscriber_is_validated(ws_pair):
    with ws_lib.Client(ws_pair[0].url) as client:
        bad = client.call('subscription_create',
                          {'queue_name': 'v', 'ttl': 0})
        assert status(bad) == 400
        assert bad['body']['error'] is None
        assert 'TTL' in bad['body']['exception']
        listed = client.call('subscription_list', {'queue_name': 'v'})
        assert listed['body'] == {'subscriptions': []}


def test_zaqarclient_ws_transport_as_os_collect_config(ws_pair,
                                                       api_factory):
    """os-collect-config's ``get_data_websocket``: create the queue,
    subscribe (no subscriber, ttl 10000), pop what is there, else wait
    for the push; ``recv()['body']`` is the posted body."""
    from zaqarclient import transport
    from zaqarclient.transport import request

    url = ws_pair[1].url
    project = 'p-occ-%d' % time.monotonic_ns()
    conf = {'auth_opts': {'backend': 'noauth', 'options': {
        'os_auth_token': 'noauth', 'os_project_id': project}}}
    deployment = {'deployments': [{'name': 'dep', 'config': 'x'}]}

    def req(action, body):
        return request.Request(url, action, content=json.dumps(body))

    def post_later():
        time.sleep(1)
        api_factory(project=project).post(
            '/v2/queues/occ/messages',
            json={'messages': [{'body': deployment, 'ttl': 600}]})

    with transport.get_transport_for(url, options=conf) as ws:
        ws.send(req('queue_create', {'queue_name': 'occ'}))
        ws.send(req('subscription_create', {'queue_name': 'occ',
                                            'ttl': 10000}))
        popped = json.loads(ws.send(req('message_delete_many', {
            'queue_name': 'occ', 'pop': 1})).content)
        assert popped.get('messages', []) == []
        poster = threading.Thread(target=post_later)
        poster.start()
        ws._ws.settimeout(PUSH_TIMEOUT)
        data = ws.recv()['body']
        poster.join()
    assert data == deployment


def test_waiting_for_pushes_is_not_idling(local_swift, swiftq_server,
                                          tmp_path, api_factory):
    server = ws_lib.WebsocketServer(
        str(tmp_path), local_swift,
        container_prefix=swiftq_server.container_prefix,
        overrides={('websocket', 'idle_timeout'): 2,
                   ('transport', 'min_subscription_ttl'): 1}).start()
    try:
        with ws_lib.Client(server.url) as client:
            subscribe(client, 'patient', ttl=8)
            subscribed = time.monotonic()
            time.sleep(4)           # two idle timeouts without a frame
            api_factory(project=client.project).post(
                '/v2/queues/patient/messages',
                json={'messages': [{'body': 'worth the wait', 'ttl': 60}]})
            assert pushed(client)['body'] == 'worth the wait'
            # Once its subscription has expired, the socket idles out.
            client.ws.settimeout(PUSH_TIMEOUT)
            opcode, data = client.ws.recv_data(control_frame=True)
            assert opcode == websocket.ABNF.OPCODE_CLOSE
            assert data[2:] == b'Idle timeout.'
            assert time.monotonic() - subscribed > 8
    finally:
        server.stop()
