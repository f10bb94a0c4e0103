"""Pushed subscriptions: a ``subscription_create`` without a subscriber
subscribes the socket that sent it, and every message posted to the queue
from then on is pushed to it, as Zaqar's websocket transport does.

Zaqar stores such a subscription with the socket as subscriber and its
notifier POSTs each new message to the websocket server, which forwards
the body as it is: a frame holding ``{"body", "ttl", "queue_name",
"Message_Type": "Notification"}`` (no request, no status), in the
encoding (JSON text or MessagePack binary) of the socket's last
successful ``subscription_create``. swiftq pushes the same frame; the
subscription is stored as Zaqar's is (the API's own create, with this
socket's ``ws://host:port/<socket id>`` as subscriber: it is listed, read
and deleted like any other; ``swiftq-notifier`` passes it over), and the
messages come from the queue's feed (``swiftq.storage.feed``): the
long-poll watching, shared by every socket following the queue in this
process, which sees posts made through any process.

Pushes stop when the socket closes (its subscriptions are then deleted,
as Zaqar deletes them), when the subscription expires, or when it is
deleted: at once through this socket, else when a check finds it gone
(every ``[websocket] push_recheck_interval`` while messages are pushed,
and when its TTL ends). A socket has at most ``push_backlog_size`` bytes
of pushes waiting to be sent; a client that does not read them is closed
(code 4008): the messages stay in the queue.
"""

import asyncio
import collections
import json
import logging
import socket as socket_lib
import time
import uuid

import msgpack
from websockets import exceptions as ws_exceptions

from swiftq.notification import payload

LOG = logging.getLogger(__name__)

BACKLOG_FULL = (4008, 'Push backlog full.')
TOO_MANY = ('This socket already has {0} pushed subscriptions, the most '
            'it may hold ([websocket] max_pushed_subscriptions).')


class SocketSubscriber:
    """What the API is handed (``swiftq.api.subscriptions.SOCKET``) to
    subscribe the socket: its ``uri``; it learns what was subscribed.
    Made when the request arrives: messages posted from then on (less
    the clock skew) are pushed."""

    __slots__ = ('uri', 'created', 'since_ns')

    def __init__(self, uri):
        self.uri = uri
        self.created = None
        self.since_ns = time.time_ns()

    def subscribed(self, project, queue, subscription_id, ttl):
        self.created = (project, queue, subscription_id, ttl)


class _Pushed:
    """One live pushed subscription of a socket."""

    __slots__ = ('id', 'queue', 'headers', 'following', 'expiry',
                 'checked_at', 'checking')

    def __init__(self, subscription_id, queue, headers):
        self.id = subscription_id
        self.queue = queue
        self.headers = headers      # of its create (Client-ID, project...)
        self.following = None
        self.expiry = None          # the timer at its TTL's end
        self.checked_at = time.monotonic()
        self.checking = False


def frames(queue, segment, body, binary):
    """The pushed frame of each message of one posted segment."""
    encode = msgpack.packb if binary else json.dumps
    return [encode(payload.notification(queue, segment, message))
            for message in body.bodies]


class Pushes:
    """The pushed subscriptions of one socket and its backlog of pushes.

    ``server``: the :class:`swiftq.websocket.server.WebsocketServer`;
    ``connection``: the socket; ``call(method, path, headers)``: the API
    in process, with this socket's token (an ``Answer``)."""

    def __init__(self, server, connection, call):
        self.server = server
        self.connection = connection
        self.call = call
        conf = server.conf.websocket
        host = conf.bind_host
        if host in ('0.0.0.0', '::', ''):
            host = socket_lib.gethostname()
        self.uri = 'ws://%s:%d/%s' % (host, conf.bind_port, uuid.uuid4())
        self.binary = False
        self.subscriptions = {}
        self._backlog = collections.deque()
        self._backlog_bytes = 0
        self._ready = asyncio.Event()
        self._sender = None
        self._closed = False
        self._loop = asyncio.get_running_loop()

    @property
    def active(self):
        return bool(self.subscriptions)

    def subscriber(self):
        return SocketSubscriber(self.uri)

    def refusal(self, body):
        """The error body of a ``subscription_create`` (frame ``body``)
        that would subscribe this socket once more than it may, or None."""
        if body.get('subscriber'):
            return None
        limit = self.server.conf.websocket.max_pushed_subscriptions
        if len(self.subscriptions) < limit:
            return None
        return {'exception': TOO_MANY.format(limit), 'error': None}

    # -- starting and stopping (on the loop) --------------------------------
    def start(self, subscriber, binary, headers):
        """Push what ``subscriber`` (a :class:`SocketSubscriber` the API
        subscribed) subscribed to; further pushes are encoded as
        ``binary`` says; ``headers``: the create's, for the requests about
        the subscription. Called once the create's answer is sent, so no
        push comes before it."""
        project, queue, subscription_id, ttl = subscriber.created
        self.binary = binary
        if self._closed or subscription_id in self.subscriptions:
            return
        pushed = _Pushed(subscription_id, queue, headers)
        self.subscriptions[subscription_id] = pushed
        pushed.expiry = self._loop.call_later(ttl, self._check, pushed)
        pushed.following = self.server.storage.messages.follow(
            project, queue,
            lambda segment, body: self._deliver(pushed, segment, body),
            since_ns=subscriber.since_ns)
        if self._sender is None:
            self._sender = asyncio.ensure_future(self._send_forever())

    def stop(self, subscription_id):
        pushed = self.subscriptions.pop(subscription_id, None)
        if pushed is not None:
            pushed.following.stop()
            pushed.expiry.cancel()

    def close(self):
        """The socket closed: stop everything and delete its
        subscriptions (in the background, as Zaqar does)."""
        self._closed = True
        ids = list(self.subscriptions.items())
        for subscription_id, _ in ids:
            self.stop(subscription_id)
        if self._sender is not None:
            self._sender.cancel()
        self._backlog.clear()
        for subscription_id, pushed in ids:
            self.server.pool.submit(self._delete, pushed)

    def _delete(self, pushed):
        try:
            self.call('DELETE', self._path(pushed), pushed.headers)
        except Exception:
            LOG.exception('deleting pushed subscription %s', pushed.id)

    @staticmethod
    def _path(pushed):
        return '/v2/queues/%s/subscriptions/%s' % (pushed.queue, pushed.id)

    # -- is it still there? -------------------------------------------------
    def _check(self, pushed):
        if pushed.checking or self.subscriptions.get(pushed.id) is not pushed:
            return
        pushed.checking = True
        future = self._loop.run_in_executor(
            self.server.pool, self.call, 'GET', self._path(pushed),
            pushed.headers)
        future.add_done_callback(lambda f: self._checked(pushed, f))

    def _checked(self, pushed, future):
        pushed.checking = False
        pushed.checked_at = time.monotonic()
        if self.subscriptions.get(pushed.id) is not pushed:
            return
        retry = self.server.conf.websocket.push_recheck_interval
        try:
            answer = future.result()
        except Exception:
            LOG.exception('checking pushed subscription %s', pushed.id)
            answer = None
        if answer is not None and answer.status == 404:
            LOG.info('pushed subscription %s is gone', pushed.id)
            self.stop(pushed.id)
            return
        left = retry
        if answer is not None and answer.status == 200:
            doc = answer.document or {}
            left = max(doc.get('ttl', 0) - doc.get('age', 0), 1)
        pushed.expiry.cancel()
        pushed.expiry = self._loop.call_later(left, self._check, pushed)

    # -- pushing ------------------------------------------------------------
    def _deliver(self, pushed, segment, body):
        """A new segment of the queue (on an I/O thread)."""
        data = frames(pushed.queue, segment, body, self.binary)
        self._loop.call_soon_threadsafe(self._queue, pushed, data)

    def _queue(self, pushed, data):
        if self._closed or self.subscriptions.get(pushed.id) is not pushed:
            return
        size = sum(len(d) for d in data)
        if self._backlog_bytes + size > \
                self.server.conf.websocket.push_backlog_size:
            LOG.warning('closing a socket that does not read its pushes')
            self.close()
            asyncio.ensure_future(self.connection.close(*BACKLOG_FULL))
            return
        self._backlog.extend(data)
        self._backlog_bytes += size
        self._ready.set()
        if time.monotonic() - pushed.checked_at > \
                self.server.conf.websocket.push_recheck_interval:
            self._check(pushed)

    async def _send_forever(self):
        try:
            while True:
                await self._ready.wait()
                self._ready.clear()
                while self._backlog:
                    data = self._backlog.popleft()
                    self._backlog_bytes -= len(data)
                    await self.connection.send(data)
        except ws_exceptions.ConnectionClosed:
            return
