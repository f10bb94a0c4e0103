"""A small in-memory stand-in for :class:`swiftq.swift.client.SwiftClient`
for unit tests of the storage layer's own rules.

Only ``request`` is replaced: the client's conveniences (``get_object``,
``put_object``, ``list_objects``, ``iter_objects``...) are the real ones on
top of it. One replica, so every read is the newest; objects carry an
``X-Timestamp``. Tests may make a request wait (``hold``) or fail
(``fail``), and read what was asked (``requests``).
"""

import collections
import json
import threading
import time

from swiftq.swift import client as client_mod
from swiftq.swift.client import Response
from swiftq.swift.client import SwiftClient
from swiftq.swift.errors import SwiftUnavailable


#: One attempt that left: its ``timeout`` is the one it was sent with,
#: ``sent_at`` a ``time.monotonic()`` value.
Sent = collections.namedtuple('Sent', 'method container obj headers timeout '
                              'deadline sent_at')


class FakeSwift(SwiftClient):

    def __init__(self):         # no pool, no auth
        self.containers = {}    # name -> {object name: (data, headers)}
        self.requests = []      # Sent, one per attempt that left
        self._retries = 0       # SwiftClient's: one attempt per request
        self._backoff = 0.0
        self._lock = threading.Lock()
        self._holds = []        # (method, obj, threading.Event)
        self._failures = []     # (method, obj, status or exception)

    # -- what tests arrange -------------------------------------------------
    def hold(self, method, obj):
        """Make the next ``method`` of object ``obj`` wait until the
        returned event is set (then it is served)."""
        event = threading.Event()
        self._holds.append((method, obj, event))
        return event

    def fail(self, method, obj, outcome):
        """Answer the next ``method`` of ``obj`` with ``outcome``: a status
        (int) or an exception to raise."""
        self._failures.append((method, obj, outcome))

    def count(self, method, obj=None, container=None):
        return sum(1 for r in self.requests
                   if r.method == method and (obj is None or r.obj == obj)
                   and (container is None or r.container == container))

    # -- what a SwiftClient sends every attempt through ----------------------
    def _send_authenticated(self, method, container, obj, headers, body,
                            query, timeout, deadline):
        # The real client's retries and deadline rules run above this; an
        # attempt whose deadline has passed is not sent, as there.
        timeout = client_mod._within(timeout, deadline)
        with self._lock:
            self.requests.append(Sent(method, container, obj, headers,
                                      timeout, deadline, time.monotonic()))
            hold = self._take(self._holds, method, obj)
            failure = self._take(self._failures, method, obj)
        if hold is not None:
            hold.wait(10)
        if isinstance(failure, BaseException):
            raise failure
        if failure is not None:
            if failure >= 500:
                raise SwiftUnavailable('fake %s answered %d'
                                       % (method, failure))
            return Response(failure, {}, b'')
        with self._lock:
            return self._serve(method, container, obj, headers or {}, body,
                               query or {})

    @staticmethod
    def _take(items, method, obj):
        for i, (m, o, what) in enumerate(items):
            if m == method and o == obj:
                del items[i]
                return what
        return None

    def _serve(self, method, container, obj, headers, body, query):
        if container is None:
            return self._account(method, query)
        if obj is None:
            return self._container(method, container, query)
        objects = self.containers.get(container)
        if objects is None:
            return Response(404, {}, b'')
        if method == 'PUT':
            stored = {k: v for k, v in headers.items()
                      if k.lower() != 'x-newest'}
            stored['X-Timestamp'] = '%.5f' % time.time()
            objects[obj] = (body or b'', stored)
            return Response(201, {}, b'')
        if obj not in objects:
            return Response(404, {}, b'')
        if method == 'DELETE':
            del objects[obj]
            return Response(204, {}, b'')
        data, stored = objects[obj]
        return Response(200, dict(stored), data if method == 'GET' else b'')

    def _container(self, method, container, query):
        if method == 'PUT':
            created = container not in self.containers
            self.containers.setdefault(container, {})
            return Response(201 if created else 202, {}, b'')
        if container not in self.containers:
            return Response(404, {}, b'')
        if method == 'HEAD':
            return Response(204, {}, b'')
        if method == 'DELETE':
            if self.containers[container]:
                return Response(409, {}, b'')
            del self.containers[container]
            return Response(204, {}, b'')
        names = sorted(self.containers[container])
        entries = [{'name': n, 'content_type':
                    self.containers[container][n][1].get('Content-Type')}
                   for n in _window(names, query)]
        return Response(200, {}, json.dumps(entries).encode())

    def _account(self, method, query):
        if 'bulk-delete' in query:
            raise NotImplementedError('bulk delete')
        names = _window(sorted(self.containers), query)
        return Response(200, {}, json.dumps(
            [{'name': n} for n in names]).encode())


def _window(names, query):
    """Names a listing with ``query`` (prefix, marker, end_marker, limit)
    shows."""
    prefix = query.get('prefix', '')
    marker = query.get('marker')
    end = query.get('end_marker')
    shown = [n for n in names if n.startswith(prefix) and
             (marker is None or n > marker) and (end is None or n < end)]
    limit = int(query.get('limit', 10000))
    return shown[:limit]
