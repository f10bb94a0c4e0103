"""Segments: the immutable Swift objects that hold posted messages.

A post writes one segment per run of messages sharing a TTL and a delay
(usually one per post), so a batch costs one Swift PUT, not one per
message. Segments are never rewritten; what changes later (claims,
deletions) lives in the queue state.
"""

import collections
import json
import logging
import math
import threading

from swiftq.storage import encryption
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage.queue_state import Segment
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

# Segment objects outlive their messages' TTL by this much more than the
# longest claim + grace could extend them, so Swift's expirer never reaps a
# message a claim still holds. Expired messages are filtered by swiftq.
EXPIRY_SLACK = 60

#: What the tenant is told when an encrypted queue's bodies cannot be
#: encrypted or decrypted (the operator's log has the reason).
CANNOT_ENCRYPT = ('This queue encrypts message bodies '
                  '(_enable_encrypt_messages) and the service has no '
                  'encryption key configured.')
CANNOT_DECRYPT = ('Message bodies of this queue are encrypted with a key '
                  'the service does not have, or were changed in storage.')


class SegmentBody:
    """A segment's content: who posted it and the message bodies, which
    an ``encrypted`` segment keeps sealed (``encryption.Keyring``) under
    ``s`` instead of in plain text under ``b``. Each segment says for
    itself whether it is encrypted, so a queue's flag may change at any
    time: what was written before stays readable."""

    __slots__ = ('client_id', 'bodies', 'encrypted')

    def __init__(self, client_id, bodies, encrypted=False):
        self.client_id = client_id
        self.bodies = bodies
        self.encrypted = encrypted

    def encode(self, keyring=None):
        doc = {'c': self.client_id}
        if self.encrypted:
            doc['s'] = keyring.seal(_compact(self.bodies).encode())
        else:
            doc['b'] = self.bodies
        return _compact(doc).encode()

    @classmethod
    def decode(cls, data, keyring=None):
        """Raises encryption.EncryptionError if the bodies are sealed and
        ``keyring`` cannot open them."""
        doc = json.loads(data)
        if 's' not in doc:
            return cls(doc['c'], doc['b'])
        if keyring is None:
            raise encryption.NoKey('no keyring to open sealed bodies')
        return cls(doc['c'], json.loads(keyring.open(doc['s'])), True)


def _compact(doc):
    return json.dumps(doc, separators=(',', ':'))


class SegmentCache:
    """A small LRU of what is known of segments per (container, key):
    segments never change, so nothing in it goes stale, though a segment
    may be gone."""

    def __init__(self, size=4096):
        self._size = size
        self._items = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, container, key):
        with self._lock:
            item = self._items.get((container, key))
            if item is not None:
                self._items.move_to_end((container, key))
            return item

    def put(self, container, key, body):
        with self._lock:
            self._items[(container, key)] = body
            self._items.move_to_end((container, key))
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def discard(self, container, key):
        with self._lock:
            self._items.pop((container, key), None)


def split_into_runs(messages):
    """Consecutive messages with the same (ttl, delay), in order, each run
    at most MAX_SEGMENT_MESSAGES long."""
    runs = []
    for message in messages:
        shape = (message['ttl'], message['delay'])
        if (runs and runs[-1][0] == shape and
                len(runs[-1][1]) < naming.MAX_SEGMENT_MESSAGES):
            runs[-1][1].append(message['body'])
        else:
            runs.append((shape, [message['body']]))
    return runs


class SegmentStore:
    """Writes, lists and reads the segments of queue containers."""

    def __init__(self, swift, executor, max_claim_life, keyring=None):
        """``keyring`` (``encryption.Keyring``): the keys that seal the
        bodies of encrypted posts and open them on every read."""
        self._swift = swift
        self._keyring = keyring if keyring is not None else \
            encryption.Keyring()
        self._executor = executor
        self._keys = naming.SegmentKeyGenerator()
        self._max_claim_life = max_claim_life
        self._bodies = SegmentCache()
        # listing facts (``Segment``) of segments looked up by their key
        self._facts = SegmentCache()

    def write(self, container, messages, client_id, own_posts=None,
              encrypt=False):
        """PUT the segments of one post. Returns the message ids in order,
        or None if the container does not exist. Raises SwiftUnavailable
        if any segment could not be stored (the post is then not
        acknowledged; segments already stored are harmless extra
        messages only if the client retries — see design).
        ``own_posts`` (holder.view.OwnPosts) hears of each segment before its
        PUT is sent and of each PUT that did not succeed. ``encrypt``: seal
        the bodies (EncryptionUnavailable, before any PUT, without a
        key)."""
        if encrypt and not self._keyring.can_seal:
            raise errors.EncryptionUnavailable(
                CANNOT_ENCRYPT, 'cannot post to %s: no [transport] '
                'message_encryption_key is configured' % container)
        runs = split_into_runs(messages)
        keys = self._keys.next_keys(len(runs))
        jobs = [(key, ttl, delay, bodies)
                for key, ((ttl, delay), bodies) in zip(keys, runs)]
        if len(jobs) == 1:
            results = [self._put_segment(container, client_id, own_posts,
                                         encrypt, *jobs[0])]
        else:
            futures = [self._executor.submit(self._put_segment, container,
                                             client_id, own_posts, encrypt,
                                             *job)
                       for job in jobs]
            results = [f.result() for f in futures]
        if any(status == 404 for status in results):
            return None
        ids = []
        for key, _, _, bodies in jobs:
            ids.extend(naming.message_id(key, i) for i in range(len(bodies)))
        return ids

    def _put_segment(self, container, client_id, own_posts, encrypt, key,
                     ttl, delay, bodies):
        created = naming.created_from_key(key)
        delete_at = math.ceil(created + delay + ttl + self._max_claim_life +
                              EXPIRY_SLACK)
        body = SegmentBody(client_id, bodies, encrypt)
        data = body.encode(self._keyring)
        if own_posts is not None:
            own_posts.before_put(key, body)
        status = None
        try:
            resp = self._swift.put_object(
                container, naming.segment_object(key), data,
                content_type=naming.segment_content_type(len(bodies), ttl,
                                                         delay),
                headers={'X-Delete-At': str(delete_at)})
            status = resp.status
        finally:
            if status != 201 and own_posts is not None:
                own_posts.put_failed(key)
        if status == 201:
            self._bodies.put(container, key, body)
        elif status != 404:
            raise SwiftUnavailable('segment PUT answered %d' % status)
        return status

    def list(self, container, marker_key=None, limit=None, end_key=None):
        """Segments after ``marker_key`` (and before ``end_key``) in FIFO
        order (one listing page of ``limit``, or all pages when limit is
        None). None if the container does not exist."""
        marker = naming.segment_object(marker_key) if marker_key else None
        end_marker = naming.segment_object(end_key) if end_key else None
        if limit is not None:
            page = self._swift.list_objects(container,
                                            prefix=naming.SEGMENT_PREFIX,
                                            marker=marker, limit=limit,
                                            end_marker=end_marker)
            if page is None:
                return None
            entries = page
        else:
            entries = list(self._swift.iter_objects(
                container, prefix=naming.SEGMENT_PREFIX, marker=marker,
                end_marker=end_marker))
        segments = []
        for entry in entries:
            segment = Segment.from_listing(entry)
            if segment is not None:
                segments.append(segment)
        return segments

    def head(self, container, key, newest=False):
        """The listing facts (``Segment``) of one segment from its object's
        Content-Type, or None when it is gone; ``newest`` asks every
        replica (X-Newest) and bypasses the cache."""
        if not newest:
            segment = self._facts.get(container, key)
            if segment is not None:
                return segment
        headers = {'X-Newest': 'true'} if newest else None
        resp = self._swift.request('HEAD', container,
                                   naming.segment_object(key),
                                   headers=headers)
        if resp.status != 200:
            return None
        segment = Segment.from_listing({
            'name': naming.segment_object(key),
            'content_type': resp.headers.get('Content-Type')})
        if segment is not None:
            self._facts.put(container, key, segment)
        return segment

    def read(self, container, key, newest=False):
        """The segment's body, or None if it is gone. ``newest`` bypasses
        the cache and asks every replica (a deleted segment's tombstone
        then wins over a stale replica)."""
        if not newest:
            body = self._bodies.get(container, key)
            if body is not None:
                return body
        resp = self._swift.get_object(container, naming.segment_object(key),
                                      newest=newest)
        if resp.status == 404:
            self._bodies.discard(container, key)
            return None
        if resp.status != 200:
            raise SwiftUnavailable('segment GET answered %d' % resp.status)
        try:
            body = SegmentBody.decode(resp.data, self._keyring)
        except encryption.EncryptionError as exc:
            raise errors.EncryptionUnavailable(
                CANNOT_DECRYPT, 'cannot decrypt segment %s of %s: %s'
                % (key, container, exc))
        self._bodies.put(container, key, body)
        return body

    def read_many(self, container, keys, newest=False):
        """``{key: body or None}`` fetched in parallel."""
        keys = list(dict.fromkeys(keys))
        if len(keys) <= 1:
            return {k: self.read(container, k, newest) for k in keys}
        futures = {k: self._executor.submit(self.read, container, k, newest)
                   for k in keys}
        return {k: f.result() for k, f in futures.items()}

    def submit_read(self, container, key):
        """A Future of ``read(container, key, newest=True)``."""
        return self._executor.submit(self.read, container, key, True)

    def submit(self, func, *args):
        """Run ``func`` in the background; errors are logged, not raised."""
        def _logged():
            try:
                func(*args)
            except Exception:
                LOG.exception('background %s failed', func.__name__)
        return self._executor.submit(_logged)

    def delete(self, container, keys, timeout=None, deadline=None):
        """Delete segment objects (in parallel); missing ones are fine (a
        404 to a DELETE still leaves its tombstone, see the design).
        Returns the keys whose deletion Swift acknowledged (within
        ``timeout`` seconds each and by ``deadline``, when given: see
        SwiftClient.request)."""
        keys = list(keys)

        def _one(key):
            self._bodies.discard(container, key)
            resp = self._swift.delete_object(container,
                                             naming.segment_object(key),
                                             timeout=timeout,
                                             deadline=deadline)
            return resp.status in (204, 404)
        done = []
        futures = {k: self._executor.submit(_one, k) for k in keys}
        for key, future in futures.items():
            try:
                if future.result():
                    done.append(key)
            except SwiftUnavailable:
                pass
        return done
