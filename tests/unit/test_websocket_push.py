"""The websocket's pushes to a socket (swiftq.websocket.push) and the
notifier passing pushed subscriptions over (swiftq.notification.index),
without a server: a socket that never reads, and a subscription index in
the in-memory Swift of the storage unit tests."""

import asyncio
import concurrent.futures
import json
import types

from swiftq.notification import index as index_mod
from swiftq.storage import naming
from swiftq.websocket import push
from tests.unit.storage import fake_swift


class SocketThatDoesNotRead:
    def __init__(self):
        self.sent = []
        self.closed_with = None

    async def send(self, data):
        self.sent.append(data)
        await asyncio.Event().wait()        # the client never reads

    async def close(self, code, reason):
        self.closed_with = (code, reason)


class Following:
    stopped = False

    def stop(self):
        self.stopped = True


def _server(followings):
    websocket = types.SimpleNamespace(
        bind_host='127.0.0.1', bind_port=9000, push_backlog_size=4096,
        push_recheck_interval=600)
    messages = types.SimpleNamespace(
        follow=lambda project, queue, deliver, since_ns: (
            followings.append((deliver, Following())) or followings[-1][1]))
    return types.SimpleNamespace(
        conf=types.SimpleNamespace(websocket=websocket),
        storage=types.SimpleNamespace(messages=messages),
        pool=concurrent.futures.ThreadPoolExecutor(1))


def test_a_socket_that_does_not_read_is_closed_at_its_backlog_limit():
    followings, calls = [], []

    async def scenario():
        server = _server(followings)
        socket = SocketThatDoesNotRead()
        pushes = push.Pushes(
            server, socket,
            lambda method, path, headers: calls.append((method, path)))
        assert pushes.uri.startswith('ws://127.0.0.1:9000/')
        subscriber = pushes.subscriber()
        subscriber.subscribed('project', 'q', 'sub-1', 600)
        pushes.start(subscriber, False, {'Client-ID': 'c'})
        deliver, following = followings[0]
        segment = types.SimpleNamespace(ttl=60, delay=0)
        body = types.SimpleNamespace(bodies=['x' * 500])
        for _ in range(20):         # 20 frames of about 570 bytes
            deliver(segment, body)
            await asyncio.sleep(0)
        await asyncio.sleep(0.05)
        server.pool.shutdown(wait=True)
        return socket, pushes, following

    socket, pushes, following = asyncio.run(scenario())
    assert json.loads(socket.sent[0]) == {
        'body': 'x' * 500, 'ttl': 60, 'queue_name': 'q',
        'Message_Type': 'Notification'}
    assert socket.closed_with == (4008, 'Push backlog full.')
    assert following.stopped and not pushes.active
    # Its subscription is deleted, as when the socket closes.
    assert calls == [('DELETE', '/v2/queues/q/subscriptions/sub-1')]


def test_the_notifier_passes_socket_subscriptions_over():
    swift = fake_swift.FakeSwift()
    index = naming.subscriptions_container('pfx')
    swift.request('PUT', index)
    for sub_id, subscriber in (
            ('01a21d44-3004-763b-9a08-41335922288d', 'http://h/hook'),
            ('01a21d44-3004-763b-9a08-41335922288e', 'ws://h:9000/s1')):
        swift.put_object(index, 'pfx:k:q/' + sub_id, json.dumps({
            'id': sub_id, 'container': 'pfx:k:q', 'queue': 'q',
            'subscriber': subscriber, 'ttl': 600, 'options': {},
            'created': 1.0, 'expires': 4e9}).encode())
    found = index_mod.SubscriptionIndex(swift, 'pfx').refresh()
    assert [s.subscriber for s in found['pfx:k:q']] == ['http://h/hook']
