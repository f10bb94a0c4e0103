"""The websocket server: one asyncio loop (the ``websockets`` library)
holding every socket, a thread pool running the API's requests.

Each socket is a :class:`Session`: it reads one frame, answers it, then
reads the next (Zaqar answers in order too), so a socket holds at most the
frame it is answering and what ``websockets`` buffers (``MAX_QUEUE``
frames of at most ``[websocket] max_frame_size`` bytes). A frame the
protocol cannot use is answered with Zaqar's error on that socket; an
unexpected failure while serving a frame is answered ``500`` (Zaqar's
``on_exception_sends_500``) and the socket stays open. Nothing a client
sends closes another socket.

Closing codes: 1009 (a frame over ``max_frame_size``, by ``websockets``),
4000 idle timeout, 4001 not authenticated in time, 4003 the token expired
(Zaqar's code and reason), 1013 too many sockets.
"""

import asyncio
import concurrent.futures
import datetime
import functools
import signal

from oslo_log import log as logging
from websockets.asyncio import server as ws_server
from websockets import exceptions as ws_exceptions

from swiftq.websocket import actions
from swiftq.websocket import bridge as bridge_lib
from swiftq.websocket import protocol
from swiftq.websocket import push as push_lib

LOG = logging.getLogger(__name__)

#: Frames ``websockets`` buffers for a socket before it stops reading it.
MAX_QUEUE = 1

IDLE = (4000, 'Idle timeout.')
AUTH_TIMEOUT = (4001, 'Authentication timeout.')
AUTH_EXPIRED = (4003, 'Authentication expired.')
TOO_MANY = (1013, 'Too many websockets.')


def _seconds_until(iso_time):
    if not iso_time:
        return None
    try:
        when = datetime.datetime.fromisoformat(iso_time.replace('Z',
                                                                '+00:00'))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return (when - datetime.datetime.now(datetime.timezone.utc)
            ).total_seconds()


def _encoded(document, binary):
    try:
        return protocol.encode(document, binary)
    except (TypeError, ValueError, OverflowError):
        # A request echo the other encoding cannot carry: answer without it.
        document['request'] = protocol.Request().echo()
        return protocol.encode(document, binary)


class Session:
    """One socket: its authentication and its frames."""

    def __init__(self, server, connection):
        self.server = server
        self.connection = connection
        self.keystone = server.conf.auth_strategy == 'keystone'
        self.token = None
        self.authenticated = not self.keystone
        self.started = False        # sent a frame it was served for
        self._expiry = None
        peer = connection.remote_address
        self.peer = peer[0] if peer else ''
        self._then = None           # what to do once the answer is sent
        self.pushes = push_lib.Pushes(server, connection, self._call)

    def _call(self, method, path, headers):
        """The API in process with this socket's token (the pushes' own
        requests: checks and deletions of its subscriptions)."""
        return self.server.bridge.call(method, path, '', None, headers,
                                       token=self.token, peer=self.peer)

    def _timeout(self, opened):
        loop = asyncio.get_running_loop()
        timeouts = []
        if self.server.conf.websocket.idle_timeout:
            timeouts.append((self.server.conf.websocket.idle_timeout, IDLE))
        if self.keystone and not (self.authenticated or self.started):
            left = opened + self.server.conf.websocket.auth_timeout - \
                loop.time()
            timeouts.append((max(left, 0), AUTH_TIMEOUT))
        return min(timeouts, default=(None, None))

    async def serve(self):
        opened = asyncio.get_running_loop().time()
        while True:
            timeout, why = self._timeout(opened)
            try:
                async with asyncio.timeout(timeout):
                    data = await self.connection.recv()
            except TimeoutError:
                if why is IDLE and self.pushes.active:
                    continue    # waiting for pushes is not idling
                await self.connection.close(*why)
                return
            except ws_exceptions.ConnectionClosed:
                return
            binary = not isinstance(data, str)
            document = await self.answer(data, binary)
            try:
                await self.connection.send(_encoded(document, binary))
            except ws_exceptions.ConnectionClosed:
                return
            if self._then is not None:
                then, self._then = self._then, None
                then()

    def close(self):
        if self._expiry is not None:
            self._expiry.cancel()

    def closed(self):
        """The socket is gone."""
        self.close()
        self.pushes.close()

    # -- one frame ------------------------------------------------------------
    async def answer(self, data, binary):
        payload, error = protocol.decode(data, binary)
        if error is not None:
            return error
        request = protocol.Request(payload)
        name = payload.get('action')
        spec = actions.ACTIONS.get(name) if isinstance(name, str) else None
        problem = protocol.check(payload, spec)
        if problem is not None:
            return protocol.answer(request, 400, problem)
        try:
            if spec is actions.AUTHENTICATE:
                return await self.authenticate(request)
            signed = False
            if not self.authenticated:
                if 'URL-Signature' not in request.headers:
                    return protocol.answer(
                        request, 403, {'error': actions.NOT_AUTHENTIFIED})
                signed = True
            self.started = True
            subscriber = None
            if spec.name == 'subscription_create':
                refused = self.pushes.refusal(request.body)
                if refused is not None:
                    return protocol.answer(request, 400, refused)
                subscriber = self.pushes.subscriber()
            status, body = await self.server.in_thread(
                actions.run, spec, request.body, functools.partial(
                    self.server.bridge.call, headers=request.headers,
                    token=None if signed else self.token, peer=self.peer,
                    socket=subscriber),
                signed=signed)
            self._after(spec, request, status, subscriber, binary)
        except Exception as exc:
            LOG.exception('Unexpected error serving %r', name)
            return protocol.answer(request, 500, {
                'exception': str(exc), 'error': actions.UNEXPECTED})
        return protocol.answer(request, status, body)

    def _after(self, spec, request, status, subscriber, binary):
        """Start or stop pushing for what the action did."""
        if subscriber is not None and subscriber.created and status == 201:
            self._then = functools.partial(self.pushes.start, subscriber,
                                           binary, request.headers)
        elif spec.name == 'subscription_delete' and status == 204:
            self.pushes.stop(request.body.get('subscription_id'))

    async def authenticate(self, request):
        echo = protocol.Request({'action': 'authenticate'})
        if not self.keystone:
            return protocol.answer(echo, 200, {'message': 'Authentified.'})
        token = request.headers.get('X-Auth-Token')
        found = await self.server.in_thread(
            self.server.bridge.authenticate, token)
        if found is None:
            return protocol.answer(echo, 401,
                                   {'error': 'Authentication failed.'})
        self.token, self.authenticated = token, True
        self.close()
        left = _seconds_until(found.expires_at)
        if left is not None:
            self._expiry = asyncio.get_running_loop().call_later(
                max(left, 0), self._expire)
        return protocol.answer(echo, 200, {'message': 'Authentified.'})

    def _expire(self):
        self.token, self.authenticated = None, False
        asyncio.ensure_future(self.connection.close(*AUTH_EXPIRED))


class WebsocketServer:
    """``swiftq-websocket``'s server over the API application ``app`` and
    its ``storage`` (by default both built from ``conf``)."""

    def __init__(self, conf, app=None, storage=None):
        if app is None:
            from swiftq import app as app_lib
            from swiftq.storage import swift_storage
            storage = swift_storage.SwiftStorage(conf)
            app = app_lib.create_app(conf, storage=storage)
        self.conf = conf
        #: Where pushed subscriptions follow their queues (the storage the
        #: API runs on).
        self.storage = storage
        self.bridge = bridge_lib.Bridge(app, conf)
        self.pool = concurrent.futures.ThreadPoolExecutor(
            conf.websocket.threads, thread_name_prefix='swiftq-websocket')
        self.sessions = set()

    async def in_thread(self, func, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(
            self.pool, functools.partial(func, *args, **kwargs))

    def _full(self):
        return len(self.sessions) >= self.conf.websocket.max_sockets

    def process_request(self, connection, request):
        if self._full():
            return connection.respond(503, TOO_MANY[1] + '\n')
        return None

    async def handler(self, connection):
        if self._full():
            await connection.close(*TOO_MANY)
            return
        session = Session(self, connection)
        self.sessions.add(session)
        try:
            await session.serve()
        finally:
            session.closed()
            self.sessions.discard(session)

    async def run(self, stop=None):
        """Serve until ``stop`` (a future) is done, or SIGTERM/SIGINT."""
        loop = asyncio.get_running_loop()
        if stop is None:
            stop = loop.create_future()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, stop.cancel)
        ws_conf = self.conf.websocket
        async with ws_server.serve(
                self.handler, ws_conf.bind_host, ws_conf.bind_port,
                process_request=self.process_request,
                max_size=ws_conf.max_frame_size, max_queue=MAX_QUEUE,
                compression=None, server_header=None):
            LOG.info('swiftq-websocket listening on ws://%s:%d',
                     ws_conf.bind_host, ws_conf.bind_port)
            try:
                await stop
            except asyncio.CancelledError:
                pass
        self.pool.shutdown(wait=False)
