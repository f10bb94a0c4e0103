"""swiftq's storage: the Zaqar v2 resources mapped onto one Swift account.

This module reads (listings, state, segments) and posts; every change after
a post goes through ``claims.ClaimEngine`` under the queue's lease. Names
are in ``naming``; the protocol is in doc/source/design/claims.rst.
"""

import concurrent.futures
import datetime
import functools
import hashlib
import itertools
import json
import logging
import os
import random
import threading
import time

from swiftq.storage import base
from swiftq.storage import claims
from swiftq.storage import documents
from swiftq.storage import errors
from swiftq.storage import lease
from swiftq.storage import naming
from swiftq.storage import segments as segments_mod
from swiftq.storage import stripes
from swiftq.storage import subscriptions as subscriptions_mod
from swiftq.storage import watch
from swiftq.storage.queue_state import Segment
from swiftq.swift.client import SwiftClient
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)


def _swift_errors(func):
    """Swift trouble becomes the storage layer's ServiceUnavailable."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SwiftUnavailable as exc:
            LOG.warning('Swift unavailable in %s: %s', func.__name__, exc)
            raise errors.ServiceUnavailable(str(exc))
    return wrapper


def _iso(ts):
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


#: Objects any queue container may hold besides segments.
FIXED_OBJECTS = (naming.META, naming.STATE, naming.LEASE, lease.WANTED,
                 naming.NOTIFY)


class _PerProcess:
    """Connections, threads and leases belong to one process: rebuilt after
    a fork so gunicorn workers never share sockets."""

    def __init__(self, conf, stripes_of):
        self.pid = os.getpid()
        self.swift = SwiftClient.from_conf(conf)
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=16, thread_name_prefix='swiftq-io')
        max_claim_life = (conf.transport.max_claim_ttl +
                          conf.transport.max_claim_grace)
        self.segments = segments_mod.SegmentStore(self.swift, self.executor,
                                                  max_claim_life)
        self.leases = lease.LeaseKeeper(self.swift, conf.claims,
                                        conf.swift.read_timeout)
        self.leases.before_release = claims.ClaimEngine(
            self.swift, self.segments, self.leases, conf,
            dead_letter_poster=None).write_pending
        read_state = functools.partial(documents.read_state, self.swift,
                                       skew=conf.claims.max_clock_skew)
        self.watcher = watch.Watcher(self.segments, read_state,
                                     self.executor, conf, stripes_of)
        # queue containers whose metadata a thread is reading again
        self.refreshing = set()
        self.picker = stripes.StripePicker(
            self.leases,
            lambda container: stripes.look_for_free(
                self.segments, read_state, container)[0])


class SwiftStorage(base.Storage):

    def __init__(self, conf):
        self._conf = conf
        self._prefix = conf.swift.container_prefix
        self._skew = conf.claims.max_clock_skew
        self._checksum = conf.transport.enable_checksum
        self._lock = threading.Lock()
        self._proc = None
        # container -> (monotonic time, metadata, stripe count)
        self._metadata_cache = {}
        self._default_stripes = conf.swift.queue_stripes
        self._post_turn = itertools.count(random.randrange(naming.MAX_STRIPES))

    # -- per-process parts ------------------------------------------------------
    def _p(self):
        proc = self._proc
        if proc is None or proc.pid != os.getpid():
            with self._lock:
                if self._proc is None or self._proc.pid != os.getpid():
                    self._proc = _PerProcess(
                        self._conf,
                        lambda c: self._layout_of(c).containers)
                proc = self._proc
        return proc

    @property
    def _swift(self):
        return self._p().swift

    def _engine(self):
        proc = self._p()
        return claims.ClaimEngine(proc.swift, proc.segments, proc.leases,
                                  self._conf, self._post_dead_letter)

    def _container(self, project, queue):
        return naming.queue_container(self._prefix, project, queue)

    # -- stripes (see stripes.py) ---------------------------------------------
    def _layout(self, project, queue):
        return self._layout_of(self._container(project, queue))

    def _layout_of(self, container, fresh=False):
        """The queue's stripes, from the metadata cache (one meta GET per
        METADATA_CACHE_SECONDS per process). Counts only grow: a stale
        count at worst leaves the newest stripes unseen by listings for
        that long (ids name their stripe, so they are always found)."""
        metadata, count = (self._read_meta(container, newest=True) if fresh
                           else self._cached_meta(container))
        if metadata is None:
            return stripes.Layout(container, self._default_stripes)
        return stripes.Layout(container, count)

    # -- the queue metadata cache ---------------------------------------------
    def _cached_meta(self, container):
        """``(metadata, stripe count)`` of a queue (``(None, None)``: no
        such queue), from this process's cache, read again at most every
        METADATA_CACHE_SECONDS and by one thread at a time: while one
        refreshes an entry, the others keep using it."""
        cached = self._metadata_cache.get(container)
        if cached and time.monotonic() - cached[0] < \
                base.METADATA_CACHE_SECONDS:
            return cached[1], cached[2]
        refreshing = self._p().refreshing
        with self._lock:
            busy = container in refreshing
            if not busy:
                refreshing.add(container)
        if busy and cached:
            return cached[1], cached[2]
        try:
            return self._read_meta(container, newest=False)
        finally:
            if not busy:
                with self._lock:
                    refreshing.discard(container)

    def _read_meta(self, container, newest):
        metadata, count = documents.read_meta(self._swift, container,
                                              newest=newest)
        if metadata is not None:
            self._metadata_cache[container] = (time.monotonic(), metadata,
                                               count)
        return metadata, count

    # -- queues -----------------------------------------------------------------
    @_swift_errors
    def queue_create(self, project, name, metadata=None):
        container = self._container(project, name)
        created = self._create_container(container)
        if created:
            metadata = metadata or {}
            self._put_metadata(container, metadata, stripes.count_to_record(
                metadata, None, self._default_stripes))
        return created

    def _create_container(self, container):
        resp = self._swift.request('PUT', container)
        if resp.status not in (201, 202):
            raise SwiftUnavailable('container PUT answered %d' % resp.status)
        return resp.status == 201

    def _put_metadata(self, container, metadata, stripe_count):
        """Only for a new queue: later changes go through the lease
        (ClaimEngine.update_metadata), which keeps the stripe count."""
        resp = self._swift.put_object(
            container, naming.META, json.dumps(metadata).encode(),
            content_type='application/json',
            headers={stripes.STRIPES_HEADER: str(stripe_count)})
        return resp.status

    @_swift_errors
    def queue_exists(self, project, name):
        return self._exists(self._container(project, name))

    def _exists(self, container):
        return self._swift.request('HEAD', container).status // 100 == 2

    @_swift_errors
    def queue_get_metadata(self, project, name, fresh=True):
        """Every queue container holds a ``meta`` object from its creation
        on, so a missing ``meta`` means a missing queue."""
        container = self._container(project, name)
        metadata, _ = (self._read_meta(container, newest=True) if fresh
                       else self._cached_meta(container))
        if metadata is None:
            raise errors.QueueDoesNotExist(name, project)
        return dict(metadata)

    def queue_set_metadata(self, project, name, metadata):
        self.queue_update_metadata(project, name, lambda current: metadata)

    @_swift_errors
    def queue_update_metadata(self, project, name, update):
        container = self._container(project, name)
        if not self.queue_exists(project, name):
            raise errors.QueueDoesNotExist(name, project)
        metadata, count = self._engine().update_metadata(container, update)
        self._metadata_cache[container] = (time.monotonic(), metadata, count)
        return metadata

    def _forget_cached_view(self, container):
        """The lease holder caches metadata; drop it after a change here."""
        self._p().leases.forget_cache(container)

    @_swift_errors
    def queue_list(self, project, marker=None, limit=10, detailed=False):
        prefix = naming.catalog_prefix(self._prefix, project)
        entries = self._swift.list_containers(
            prefix=prefix, marker=prefix + marker if marker else None,
            limit=limit)
        queues = [{'name': e['name'][len(prefix):]} for e in entries]
        if detailed and queues:
            metas = self._p().executor.map(
                lambda q: self._metadata_or_empty(project, q['name']), queues)
            for queue, meta in zip(queues, metas):
                queue['metadata'] = meta
        return queues

    def _metadata_or_empty(self, project, name):
        try:
            return self.queue_get_metadata(project, name)
        except errors.QueueDoesNotExist:
            return {}

    @_swift_errors
    def queue_count(self, project):
        prefix = naming.catalog_prefix(self._prefix, project)
        count, marker = 0, None
        while True:
            page = self._swift.list_containers(prefix=prefix, marker=marker,
                                               limit=10000)
            count += len(page)
            if len(page) < 10000:
                return count
            marker = page[-1]['name']

    @_swift_errors
    def queue_delete(self, project, name):
        self._subscriptions().delete_queue(project, name)
        layout = self._layout_of(self._container(project, name), fresh=True)
        # Stripe 0 (with ``meta``, in the catalog) goes last: a queue is
        # gone only once all its stripes are.
        for container in reversed(layout.containers):
            self._delete_container(container, name)
        self._metadata_cache.pop(layout.container, None)

    def _delete_container(self, container, name):
        """Empty and DELETE one container so that it stays deleted.

        Swift keeps a deleted container's database, and a late row for an
        object (an async pending replayed by the object-updater, the update
        of a write still in flight) makes it count that object and exist
        again. So the objects every queue has are deleted whether listed or
        not: their tombstones are newer than any earlier write's row. And a
        container that came back while it was being deleted is deleted
        again. See claims.rst "Queue delete"."""
        self._p().leases.forget(container)      # no renewal, no release
        for _ in range(5):
            listed = {e['name'] for e in self._swift.iter_objects(container)}
            self._swift.bulk_delete(container,
                                    sorted(listed | set(FIXED_OBJECTS)))
            resp = self._swift.request('DELETE', container)
            if resp.status == 404 or (resp.status == 204 and
                                      not self._exists(container)):
                return
            if resp.status not in (204, 409):   # 409: a post raced in
                raise SwiftUnavailable('container DELETE answered %d'
                                       % resp.status)
        raise SwiftUnavailable('queue %s kept getting new objects' % name)

    @_swift_errors
    def queue_stats(self, project, name):
        layout = self._layout(project, name)
        now = time.time()
        total = claimed = 0
        oldest = newest = None
        for container, counts in zip(layout.containers, self._p().executor.map(
                lambda c: self._stripe_stats(c, now), layout.containers)):
            total += counts[0]
            claimed += counts[1]
            for end in counts[2:]:
                if end is None:
                    continue
                segment, msg_id = end
                # plain ids sort by post time across stripes
                entry = (msg_id, segment, layout.outward(container, msg_id))
                oldest = min(oldest or entry, entry)
                newest = max(newest or entry, entry)
        stats = {'claimed': claimed, 'free': total - claimed, 'total': total}
        if total:
            stats['oldest'] = self._stat_entry(oldest[1], oldest[2], now)
            stats['newest'] = self._stat_entry(newest[1], newest[2], now)
        return stats

    def _stripe_stats(self, container, now):
        """``(total, claimed, oldest, newest)`` of one stripe, the last two
        as ``(segment, plain id)`` or None."""
        listing = self._p().segments.list(container)
        if not listing:
            return 0, 0, None, None
        state = self._read_state(container)
        total = claimed = 0
        oldest = newest = None
        for segment in listing:
            for msg_id in segment.message_ids():
                if not state.is_alive(segment, msg_id, now):
                    continue
                total += 1
                if state.live_claim(msg_id, now) is not None:
                    claimed += 1
                if oldest is None:
                    oldest = (segment, msg_id)
                newest = (segment, msg_id)
        return total, claimed, oldest, newest

    @staticmethod
    def _stat_entry(segment, msg_id, now):
        return {'id': msg_id, 'age': int(now - segment.created),
                'created': _iso(segment.created)}

    @_swift_errors
    def queue_purge(self, project, name, resource_types):
        if 'subscriptions' in resource_types:
            self._subscriptions().delete_queue(project, name)
        if 'messages' in resource_types:
            for container in self._layout(project, name).containers:
                try:
                    self._engine().purge(container)
                except errors.QueueDoesNotExist:
                    pass

    # -- messages -----------------------------------------------------------------
    @_swift_errors
    def message_post(self, project, queue, messages, client_id):
        return self._post(self._layout(project, queue), messages, client_id)

    def _post(self, layout, messages, client_id):
        """One post goes to one stripe, the next stripe in turn (not only
        the stripes this process holds: their holder would get all its
        posts, while the consumers of other processes, holding stripes of
        their own, find nothing)."""
        container = layout.containers[next(self._post_turn) % layout.count]
        ids = self._p().segments.write(
            container, messages, client_id,
            claims.OwnPosts.for_post(self._p().leases, container))
        if ids is None:         # lazily created queue (or stripe)
            if self._create_container(layout.container):
                self._put_metadata(layout.container, {}, layout.count)
            if container != layout.container:
                self._create_container(container)
            ids = self._p().segments.write(container, messages, client_id)
            if ids is None:
                raise SwiftUnavailable('queue container vanished')
        self._p().watcher.news(layout.container)
        return [layout.outward(container, i) for i in ids]

    def _post_dead_letter(self, container, message, client_id):
        self._post(self._layout_of(container), [message], client_id)

    @_swift_errors
    def message_list(self, project, queue, client_id, marker=None, limit=10,
                     echo=False, include_claimed=False,
                     include_delayed=False, wait=0):
        layout = self._layout(project, queue)

        def attempt():
            return self._list_striped(layout, client_id, marker, limit, echo,
                                      include_claimed, include_delayed)

        return self._p().watcher.wait(layout.container, attempt,
                                      lambda result: len(result[0]), wait)

    def _list_striped(self, layout, client_id, marker, limit, echo,
                      include_claimed, include_delayed):
        """Every stripe's first ``limit`` messages after ``marker``, merged
        by id: plain ids sort by post time, so a listing of a striped
        queue is in post order as far as the posting hosts' clocks agree."""
        plain_marker = None
        if marker:
            split = naming.split_striped_message_id(marker)
            if split is None:
                return [], marker
            plain_marker = split[1]

        def one(container):
            found = self._list_once(container, client_id, plain_marker,
                                    limit, echo, include_claimed,
                                    include_delayed)
            return [(m['id'], self._outward_message(container, m))
                    for m in found]

        if not layout.striped:
            merged = one(layout.container)
        else:
            merged = sorted(
                (item for found in self._p().executor.map(one,
                                                          layout.containers)
                 for item in found), key=lambda item: item[0])
        found = [message for _, message in merged[:limit]]
        return found, found[-1]['id'] if found else marker

    @staticmethod
    def _outward_message(container, message):
        """A message of ``container`` with the ids its client sees."""
        if naming.stripe_of_container(container):
            message['id'] = stripes.Layout.outward(container, message['id'])
            message['claim_id'] = stripes.Layout.outward(
                container, message['claim_id'])
        return message

    def _list_once(self, container, client_id, marker, limit, echo,
                   include_claimed, include_delayed):
        """Up to ``limit`` messages of one stripe container after the plain
        id ``marker``."""
        start = naming.split_message_id(marker) if marker else None
        if marker and start is None:
            return []
        state = None
        now = time.time()
        found = []
        list_marker = start[0][:-1] if start else None
        proc = self._p()
        while len(found) < limit:
            page = proc.segments.list(container, list_marker, 100)
            if page is None:
                return []
            if state is None:
                state = self._read_state(container)
            wanted = []
            for segment in page:
                if start and segment.key < start[0]:
                    continue
                for msg_id in segment.message_ids():
                    if start and msg_id <= marker:
                        continue
                    if not state.is_alive(segment, msg_id, now):
                        continue
                    if not include_delayed and segment.visible_at > now:
                        continue
                    if not include_claimed and \
                            state.protecting_claim(msg_id, now):
                        continue
                    wanted.append((segment, msg_id))
            found.extend(self._readable(container, wanted, state, now, echo,
                                        client_id, limit - len(found)))
            if len(page) < 100:
                break
            list_marker = page[-1].key
        return found

    def _readable(self, container, candidates, state, now, echo, client_id,
                  limit):
        """Format up to ``limit`` of ``(segment, msg_id)`` candidates,
        reading their segments a few at a time."""
        found = []
        batch = max(4, limit)
        for start in range(0, len(candidates), batch):
            chunk = candidates[start:start + batch]
            bodies = self._p().segments.read_many(
                container, [segment.key for segment, _ in chunk])
            for segment, msg_id in chunk:
                body = bodies.get(segment.key)
                if body is None:
                    continue
                if not echo and body.client_id == client_id:
                    continue
                found.append(self._message(segment, msg_id, body, state,
                                           now))
                if len(found) >= limit:
                    return found
        return found

    @_swift_errors
    def message_get(self, project, queue, message_id):
        found = self.message_get_many(project, queue, [message_id])
        if not found:
            raise errors.MessageDoesNotExist(message_id, queue, project)
        return found[0]

    @_swift_errors
    def message_get_many(self, project, queue, message_ids):
        layout = self._layout(project, queue)
        found = {}
        for container, pairs in layout.group_messages(message_ids).items():
            for message in self._get_many_plain(
                    container, [plain for _, plain in pairs]):
                message = self._outward_message(container, message)
                found[message['id']] = message
        return [found[m] for m in dict.fromkeys(message_ids) if m in found]

    def _get_many_plain(self, container, message_ids):
        split = [(m, naming.split_message_id(m)) for m in message_ids]
        split = [(m, s) for m, s in split if s is not None]
        if not split:
            return []
        # Read with X-Newest: a deleted segment's tombstone must win over a
        # stale replica or this process's cache.
        bodies = self._p().segments.read_many(
            container, [s[0] for _, s in split], newest=True)
        if not any(bodies.values()):
            return []
        state = self._read_state(container)
        now = time.time()
        found = []
        for msg_id, (key, index) in split:
            body = bodies.get(key)
            if body is None or index >= len(body.bodies):
                continue
            segment = self._segment_from_head(container, key, body)
            if segment is None or not state.is_alive(segment, msg_id, now):
                continue
            found.append(self._message(segment, msg_id, body, state, now))
        return found

    def _segment_from_head(self, container, key, body):
        """The segment's listing facts; its TTL/delay are in the object's
        Content-Type, fetched once per process (segments never change)."""
        cached = self._p().segments.cache.get(container, 'ct:' + key)
        if cached is None:
            resp = self._swift.request('HEAD', container,
                                       naming.segment_object(key))
            if resp.status != 200:
                return None
            cached = Segment.from_listing({
                'name': naming.segment_object(key),
                'content_type': resp.headers.get('Content-Type')})
            if cached is None:
                return None
            self._p().segments.cache.put(container, 'ct:' + key, cached)
        return cached

    @_swift_errors
    def message_delete(self, project, queue, message_id, claim_id=None):
        layout = self._layout(project, queue)
        message = layout.message(message_id)
        claim = layout.claim(claim_id) if claim_id is not None else None
        if claim_id is not None and claim is None:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        if message is None:
            return
        container, plain = message
        plain_claim = None
        if claim is not None:
            # A claim of another stripe cannot hold this message.
            plain_claim = claim[1] if claim[0] == container else \
                naming.FOREIGN_CLAIM_ID
        try:
            self._engine().delete(container, plain, plain_claim)
        except errors.QueueDoesNotExist:
            return

    @_swift_errors
    def message_delete_many(self, project, queue, message_ids,
                            claim_ids=None):
        layout = self._layout(project, queue)
        claims_by_stripe = {}
        for claim_id in claim_ids or ():
            claim = layout.claim(claim_id)
            if claim is not None:
                claims_by_stripe.setdefault(claim[0], []).append(claim[1])
        for container, pairs in layout.group_messages(message_ids).items():
            try:
                self._engine().delete_many(
                    container, [plain for _, plain in pairs],
                    claims_by_stripe.get(container))
            except errors.QueueDoesNotExist:
                continue

    @_swift_errors
    def message_pop(self, project, queue, limit):
        engine = self._engine()

        def pop(container, wait):
            try:
                return container, engine.pop(container, limit, wait)
            except errors.QueueDoesNotExist:
                return container, []

        container, picked = self._p().picker.take(
            self._layout(project, queue), pop,
            lambda result: bool(result[1])) or (None, [])
        now = time.time()
        return [self._outward_message(container,
                                      self._picked_message(p, now))
                for p in picked]

    # -- claims -----------------------------------------------------------------
    @_swift_errors
    def claim_create(self, project, queue, ttl, grace, limit, wait=0):
        layout = self._layout(project, queue)
        releases = []

        def claim(container, wait_for_lease):
            engine = self._engine()
            try:
                claim_id, picked = engine.claim(container, ttl, grace, limit,
                                                wait_for_lease)
            except errors.QueueDoesNotExist:
                return container, None, []
            if engine.next_release is not None:
                releases.append(engine.next_release)
            return container, claim_id, picked

        def attempt():
            del releases[:]
            return self._p().picker.take(layout, claim,
                                         lambda result: bool(result[2]))

        container, claim_id, picked = self._p().watcher.wait(
            layout.container, attempt,
            lambda result: 0 if result is None else len(result[2]), wait,
            exclusive=True, limit=limit,
            next_release=lambda result: min(releases, default=None)) or \
            (None, None, [])
        if not picked:
            return None, []
        now = time.time()
        messages = [self._outward_message(
            container, self._picked_message(p, now, claim_id))
            for p in picked]
        return layout.outward(container, claim_id), messages

    @_swift_errors
    def claim_get(self, project, queue, claim_id):
        layout = self._layout(project, queue)
        located = layout.claim(claim_id)
        if located is None:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        container, plain = located
        state = self._read_state(container)
        now = time.time()
        claim = state.get_live_claim(plain, now)
        if claim is None:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        messages = [self._outward_message(container, m)
                    for m in self._get_many_plain(container, claim.messages)]
        messages = [m for m in messages if m.get('claim_id') == claim_id]
        return {'id': claim_id, 'ttl': claim.ttl,
                'age': int(now - claim.created), 'messages': messages}

    @_swift_errors
    def claim_update(self, project, queue, claim_id, ttl, grace):
        located = self._layout(project, queue).claim(claim_id)
        if located is None:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        try:
            self._engine().renew(located[0], located[1], ttl, grace)
        except (errors.QueueDoesNotExist, errors.ClaimDoesNotExist):
            # The engine names the container; the client knows the queue.
            raise errors.ClaimDoesNotExist(claim_id, queue, project)

    @_swift_errors
    def claim_delete(self, project, queue, claim_id):
        layout = self._layout(project, queue)
        located = layout.claim(claim_id)
        if located is None:
            return
        try:
            self._engine().release(*located)
        except errors.QueueDoesNotExist:
            return
        self._p().watcher.news(layout.container)

    # -- health -----------------------------------------------------------------
    def is_alive(self):
        try:
            resp = self._swift.request('HEAD', timeout=2.0, retries=0)
        except SwiftUnavailable:
            return False
        return resp.status // 100 == 2

    # -- helpers ------------------------------------------------------------------
    def _read_state(self, container):
        return documents.read_state(self._swift, container, self._skew)

    def _picked_message(self, picked, now, claim_id=None):
        return self._format(picked.segment, picked.id, picked.body,
                            picked.client_id, picked.expires, claim_id,
                            picked.claim_count, now)

    def _message(self, segment, msg_id, body, state, now):
        index = naming.split_message_id(msg_id)[1]
        claim = state.live_claim(msg_id, now)
        return self._format(segment, msg_id, body.bodies[index],
                            body.client_id,
                            state.message_expires(segment, msg_id),
                            claim.id if claim else None,
                            state.claim_count(msg_id), now)

    def _format(self, segment, msg_id, body, client_id, expires, claim_id,
                claim_count, now):
        message = {
            'id': msg_id,
            'ttl': int(round(expires - segment.created)),
            'age': max(0, int(now - segment.created)),
            'body': body,
            'client_id': client_id,
            'claim_id': claim_id,
            'claim_count': claim_count,
        }
        if self._checksum:
            message['checksum'] = 'MD5:' + hashlib.md5(
                json.dumps(body).encode('utf-8')).hexdigest()
        return message

    # -- subscriptions --------------------------------------------------------
    def _subscriptions(self):
        return subscriptions_mod.SubscriptionStore(
            self._swift, self._prefix, executor=self._p().executor,
            write_deadline=self._conf.claims.lease_write_deadline,
            settle_delay=self._conf.claims.lease_settle_delay)

    @_swift_errors
    def subscription_create(self, project, queue, subscriber, ttl, options):
        return self._subscriptions().create(project, queue, subscriber, ttl,
                                            options)

    @_swift_errors
    def subscription_get(self, project, queue, sub_id):
        return self._subscriptions().get(project, queue, sub_id)

    @_swift_errors
    def subscription_list(self, project, queue, marker=None, limit=10):
        return self._subscriptions().list(project, queue, marker, limit)

    @_swift_errors
    def subscription_update(self, project, queue, sub_id, changes):
        self._subscriptions().update(project, queue, sub_id, changes)

    @_swift_errors
    def subscription_confirm(self, project, queue, sub_id, confirmed):
        self._subscriptions().confirm(project, queue, sub_id, confirmed)

    @_swift_errors
    def subscription_delete(self, project, queue, sub_id):
        self._subscriptions().delete(project, queue, sub_id)
