"""Every change to a queue after a post: claims, renewals, releases,
deletions, pops and purges, made by the holder of the queue's lease.

The holder keeps a ``QueueView`` for as long as it holds the lease: the
queue state (loaded once with X-Newest, then written through on every
change) and the segment listing (extended at the tail on every operation).
Because only the holder changes the queue, the view is exact; it is thrown
away with the lease. See doc/source/design/claims.rst.
"""

import collections
import json
import logging
import threading
import time
import uuid

from swiftq.storage import documents
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage import stripes
from swiftq.storage.queue_state import QueueState
from swiftq.storage.queue_state import Segment
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

LISTING_PAGE = 1000
# Segments read ahead (X-Newest) at most at a time per queue view.
PREFETCH = 4
# Segments past the last one claimed from that a read-ahead looks at.
PREFETCH_SCAN = 32
# Bodies of this process's own posts a view keeps at most (OwnPosts).
MAX_POSTED = 4096
# A claim or pop that finds too few free messages lists the queue again
# from its head at most this often (seconds): see _relist_head.
RELIST_INTERVAL = 2.0


class QueueView:
    """What the lease holder knows of one queue.

    Threads of the holding process change it one at a time under ``mutex``
    (in memory, fast) and then wait in ``flush`` until a state PUT that
    includes their change is acknowledged: concurrent operations share one
    Swift write (group commit), and none answers before its change is
    durable.
    """

    def __init__(self, state, metadata):
        self.state = state
        self.metadata = metadata
        self.segments = collections.OrderedDict()
        self.at_tail = False
        self.verified = {}      # key -> body read with X-Newest this lease
        # key -> body of a segment this process began posting during this
        # lease (see OwnPosts); under its own lock, so a post
        # never waits for a claim that holds ``mutex``
        self.posted = collections.OrderedDict()
        self.posted_lock = threading.Lock()
        self.dropping = set()   # dead segments being deleted
        self.prefetch = {}      # key -> Future of an X-Newest read
        self.mutex = threading.Lock()
        self.flushed = threading.Condition(self.mutex)
        self.listings = 0       # tail listings made
        self.listed_head = time.monotonic()     # last listing from the head
        self.version = 0        # changes made in memory
        self.committed = 0      # changes acknowledged by Swift
        self.flushing = False
        self.broken = False     # a state PUT failed: never trust this view
        self.stats = {'changes': 0, 'writes': 0, 'write_seconds': 0.0,
                      'reads': 0, 'read_seconds': 0.0,
                      'tombstone_commits': 0, 'own_posts': 0}

    def changed(self):
        """Note an in-memory change (call with ``mutex`` held)."""
        self.version += 1
        self.stats['changes'] += 1
        return self.version

    def last_key(self):
        return next(reversed(self.segments)) if self.segments else None

    def remove(self, key):
        """Forget a segment a listing showed that no longer exists."""
        self.segments.pop(key, None)
        self.verified.pop(key, None)
        self.forget_posted(key)
        self.prefetch.pop(key, None)
        self.state.forget_segment(key)

    def deleted(self, key, memory, now):
        """Forget a segment whose DELETE Swift acknowledged, but keep in
        the state, for ``memory`` seconds (at most until the segment would
        have expired anyway), that it is gone: a change that the next state
        write carries (see ``pending``)."""
        segment = self.segments.get(key)
        self.remove(key)
        if segment is not None and memory > 0:
            until = min(now + memory, segment.expires)
            if until > now:
                self.state.segment_deleted(key, until)
                self.changed()

    def pending(self):
        """Are there changes no state write has carried yet?"""
        return self.committed < self.version and not self.broken

    def expect_posted(self, key, body):
        with self.posted_lock:
            self.posted[key] = body
            while len(self.posted) > MAX_POSTED:
                self.posted.popitem(last=False)

    def forget_posted(self, key):
        with self.posted_lock:
            return self.posted.pop(key, None)

    def is_posted(self, key):
        with self.posted_lock:
            return key in self.posted


class OwnPosts:
    """Hands the bodies of segments this process posts to a stripe whose
    lease it holds to the holder's view, so that a claim need not read
    them back from Swift.

    A body is registered before its segment's PUT is sent, in the view of
    the lease held then. The view lives for one lease: while it does, no
    other process can claim or delete in the stripe, and a segment can
    only be deleted by this process after a listing showed it, which
    removes the registration (``QueueView.remove``). So a registered body
    is never that of a deleted segment. Without the registration a claim
    reads the segment with X-Newest (_verified_body); dropping one is
    always safe.
    """

    def __init__(self, view):
        self._view = view

    @classmethod
    def for_post(cls, leases, container):
        """An OwnPosts for a post to ``container`` if this process holds
        its lease and has a view of it now, else None (no Swift
        request)."""
        lease = leases.current(container)
        view = lease.cache if lease is not None else None
        if view is None or view.broken:
            return None
        return cls(view)

    def before_put(self, key, body):
        self._view.expect_posted(key, body)

    def put_failed(self, key):
        self._view.forget_posted(key)


class Picked:
    """A message chosen by an operation, with its body."""

    __slots__ = ('segment', 'id', 'body', 'client_id', 'expires',
                 'claim_count')

    def __init__(self, segment, msg_id, body, client_id):
        self.segment = segment
        self.id = msg_id
        self.body = body
        self.client_id = client_id
        self.expires = segment.expires
        self.claim_count = 0

    def note_state(self, state):
        """Record what the operation made of the message."""
        self.expires = state.message_expires(self.segment, self.id)
        self.claim_count = state.claim_count(self.id)


class ClaimEngine:

    def __init__(self, swift, segments, leases, conf, dead_letter_poster):
        self._swift = swift
        self._segments = segments
        self._leases = leases
        self._skew = conf.claims.max_clock_skew
        self._read_timeout = conf.swift.read_timeout
        self._post_to_dead_letter = dead_letter_poster
        self._default_stripes = conf.swift.queue_stripes
        self._deleted_memory = conf.claims.deleted_segment_memory
        self.next_release = None

    # -- operations -----------------------------------------------------------
    def claim(self, container, ttl, grace, limit, wait=True):
        """``(claim_id, [Picked])`` or ``(None, [])``; then
        ``next_release`` tells when messages may become free (see
        QueueState.next_release). Without ``wait``, LeaseBusy when another
        process holds the lease (see LeaseKeeper.hold)."""
        with self._leases.hold(container, wait) as lease:
            view = self._view(lease)
            with view.mutex:
                now = time.time()
                picked = self._pick_free(container, view, now, limit)
                if not picked:
                    self.next_release = view.state.next_release(
                        view.segments.values(), now)
                    return None, []
                claim_id = uuid.uuid4().hex
                view.state.add_claim(claim_id, [p.id for p in picked],
                                     view.segments, ttl, grace, now)
                for p in picked:
                    p.note_state(view.state)
                version = view.changed()
            self._flush(lease, view, version)
            return claim_id, picked

    def pop(self, container, limit, wait=True):
        with self._leases.hold(container, wait) as lease:
            view = self._view(lease)
            with view.mutex:
                now = time.time()
                picked = self._pick_free(container, view, now, limit)
                if not picked:
                    return []
                for p in picked:
                    p.note_state(view.state)
                    view.state.delete_message(p.segment, p.id)
                version = view.changed()
            self._commit_deletion(lease, view, version,
                                  {p.segment.key for p in picked})
            return picked

    def renew(self, container, claim_id, ttl, grace):
        with self._leases.hold(container) as lease:
            view = self._view(lease)
            with view.mutex:
                now = time.time()
                if view.state.get_live_claim(claim_id, now) is None:
                    raise errors.ClaimDoesNotExist(claim_id, container, '')
                self._ensure_listed(container, view,
                                    view.state.claims[claim_id].messages)
                view.state.renew_claim(claim_id, view.segments, ttl, grace,
                                       now)
                version = view.changed()
            self._flush(lease, view, version)

    def release(self, container, claim_id):
        with self._leases.hold(container) as lease:
            view = self._view(lease)
            with view.mutex:
                if claim_id not in view.state.claims:
                    return
                view.state.release_claim(claim_id)
                version = view.changed()
            self._flush(lease, view, version)

    def delete(self, container, msg_id, claim_id=None):
        """Delete one message, enforcing Zaqar's claim rules."""
        if claim_id is not None and not naming.is_claim_id(claim_id):
            raise errors.ClaimDoesNotExist(claim_id, container, '')
        with self._leases.hold(container) as lease:
            view = self._view(lease)
            with view.mutex:
                now = time.time()
                segment = self._find_segment(container, view, msg_id)
                if segment is None or not view.state.is_alive(
                        segment, msg_id, now):
                    return
                owner = view.state.live_claim(msg_id, now)
                protector = view.state.protecting_claim(msg_id, now)
                if claim_id is None:
                    if protector is not None:
                        raise errors.MessageIsClaimed(msg_id)
                elif owner is None or owner.id != claim_id:
                    if protector is not None:
                        raise errors.MessageIsClaimed(msg_id)
                    raise errors.MessageNotClaimed(msg_id)
                view.state.delete_message(segment, msg_id)
                version = view.changed()
            self._commit_deletion(lease, view, version, {segment.key})

    def delete_many(self, container, msg_ids, claim_ids=None):
        """Delete by ids; a message under a live claim is deleted only when
        its claim is among ``claim_ids``."""
        allowed = set(claim_ids or ())
        with self._leases.hold(container) as lease:
            view = self._view(lease)
            with view.mutex:
                now = time.time()
                touched = set()
                for msg_id in msg_ids:
                    segment = self._find_segment(container, view, msg_id)
                    if segment is None or not view.state.is_alive(
                            segment, msg_id, now):
                        continue
                    if view.state.protecting_claim(msg_id, now) is not None:
                        owner = view.state.live_claim(msg_id, now)
                        if owner is None or owner.id not in allowed:
                            continue
                    view.state.delete_message(segment, msg_id)
                    touched.add(segment.key)
                if not touched:
                    return
                version = view.changed()
            self._commit_deletion(lease, view, version, touched)

    def update_metadata(self, container, update):
        """Replace the queue's metadata with ``update(current)`` under the
        lease (of stripe 0), so concurrent PATCHes never lose each other's
        changes. Whatever ``update`` raises propagates and nothing is
        written. Returns ``(metadata, stripe count)``."""
        with self._leases.hold(container) as lease:
            view = self._view(lease)
            with view.mutex:
                current, count = documents.read_meta(self._swift, container,
                                                     newest=True)
                metadata = update(current or {})
                count = stripes.count_to_record(metadata, count,
                                                self._default_stripes)
                put = self._swift.put_object(
                    container, naming.META, json.dumps(metadata).encode(),
                    content_type='application/json',
                    headers={stripes.STRIPES_HEADER: str(count)},
                    timeout=lease.write_timeout(self._read_timeout))
                if put.status == 404:
                    raise errors.QueueDoesNotExist(
                        naming.queue_name_from_container(container), '')
                if put.status != 201:
                    raise SwiftUnavailable('meta PUT answered %d'
                                           % put.status)
                view.metadata = metadata
                return metadata, count

    def purge(self, container):
        """Remove every message and claim."""
        with self._leases.hold(container) as lease:
            view = self._view(lease)
            with view.mutex:
                self._list_all(container, view)
                keys = list(view.segments)
                view.state = QueueState(self._skew)
                version = view.changed()
            self._flush(lease, view, version)
            gone = set(self._segments.delete(container, keys))
            with view.mutex:
                now = time.time()
                for key in keys:
                    if key in gone:
                        view.deleted(key, self._deleted_memory, now)
                    else:
                        view.remove(key)

    # -- the view -------------------------------------------------------------
    def _view(self, lease):
        with lease.cache_lock:
            if lease.cache is not None and lease.cache.broken:
                raise SwiftUnavailable('an earlier state write failed')
            if lease.cache is None:
                lease.cache = self._load(lease.container)
            return lease.cache

    def _load(self, container):
        return QueueView(documents.read_state(self._swift, container,
                                              self._skew),
                         self._metadata(container))

    def _metadata(self, container):
        """Metadata for the dead-letter policy ({} when there is none or
        it is not JSON); every stripe follows its queue's (stripe 0's)."""
        try:
            return documents.read_metadata(
                self._swift, naming.queue_of_stripe(container),
                newest=False) or {}
        except ValueError:
            return {}

    def _refresh_tail(self, container, view):
        """Pick up segments posted since the view's last listing."""
        if view.segments and not view.at_tail:
            return
        while True:
            view.listings += 1
            page = self._segments.list(container, view.last_key(),
                                       LISTING_PAGE)
            if page is None:
                raise errors.QueueDoesNotExist(
                    naming.queue_name_from_container(container), '')
            self._add_listed(container, view, page)
            view.at_tail = len(page) < LISTING_PAGE
            return

    def _add_listed(self, container, view, page):
        """Add listed segments to the view and start reading the first new
        ones with X-Newest in the background, so a claim rarely waits for
        that read while it holds the view's mutex."""
        budget = PREFETCH - len(view.prefetch)
        for segment in page:
            if segment.key in view.segments:
                continue
            view.segments[segment.key] = segment
            if budget > 0 and segment.key not in view.verified and \
                    not view.is_posted(segment.key):
                view.prefetch[segment.key] = self._segments.submit_read(
                    container, segment.key)
                budget -= 1

    def _read_ahead(self, container, view, after_key):
        """Keep PREFETCH X-Newest reads in flight for the segments that
        follow ``after_key`` (the last one a claim took from), so the next
        claims find their bodies read (with ``view.mutex`` held; looks at
        no more than PREFETCH_SCAN segments)."""
        budget = PREFETCH - len(view.prefetch)
        if budget <= 0 or after_key is None:
            return
        scanned = 0
        for key in view.segments:
            if key <= after_key:
                continue
            scanned += 1
            if scanned > PREFETCH_SCAN:
                return
            if key in view.verified or key in view.prefetch or \
                    view.is_posted(key):
                continue
            view.prefetch[key] = self._segments.submit_read(container, key)
            budget -= 1
            if budget <= 0:
                return

    def _iter_segments(self, container, view, refresh=True):
        """The view's segments in order, listing further pages on demand
        (and, with ``refresh``, first looking for new ones at the tail)."""
        if refresh or not view.segments:
            self._refresh_tail(container, view)
        seen = 0
        while True:
            keys = list(view.segments)[seen:]
            for key in keys:
                seen += 1
                segment = view.segments.get(key)
                if segment is not None:
                    yield segment
            if view.at_tail:
                return
            self._refresh_more(container, view)

    def _relist_head(self, container, view):
        """Add the segments listed before the view's last one that the
        view does not know: their listing rows came late (an async pending
        replayed by the object-updater, a listing served by a lagging
        replica), after the view's tail listings had passed their keys.
        Without this a late segment would wait for the next holder's view,
        and a busy holder may keep its lease for hours. True if any."""
        view.listed_head = time.monotonic()
        last = view.last_key()
        if last is None:
            return False
        late = [segment for segment in
                self._segments.list(container, end_key=last) or ()
                if segment.key not in view.segments and
                segment.key not in view.dropping]
        if not late:
            return False
        view.stats['late_segments'] = view.stats.get('late_segments', 0) + \
            len(late)
        self._add_listed(container, view, late)
        view.segments = collections.OrderedDict(
            sorted(view.segments.items()))
        return True

    def _refresh_more(self, container, view):
        page = self._segments.list(container, view.last_key(), LISTING_PAGE)
        self._add_listed(container, view, page or ())
        view.at_tail = page is None or len(page) < LISTING_PAGE

    def _list_all(self, container, view):
        for _ in self._iter_segments(container, view):
            pass

    def _find_segment(self, container, view, msg_id):
        split = naming.split_message_id(msg_id)
        if split is None:
            return None
        key, index = split
        segment = view.segments.get(key)
        if segment is None:
            segment = self._segment_by_head(container, key)
            if segment is None:
                return None
            view.segments[key] = segment
            view.segments = collections.OrderedDict(
                sorted(view.segments.items()))
        if index >= segment.count:
            return None
        return segment

    def _segment_by_head(self, container, key):
        resp = self._swift.request('HEAD', container,
                                   naming.segment_object(key),
                                   headers={'X-Newest': 'true'})
        if resp.status != 200:
            return None
        return Segment.from_listing({
            'name': naming.segment_object(key),
            'content_type': resp.headers.get('Content-Type')})

    def _ensure_listed(self, container, view, msg_ids):
        for msg_id in msg_ids:
            self._find_segment(container, view, msg_id)

    # -- choosing messages ------------------------------------------------------
    def _pick_free(self, container, view, now, limit):
        """The first ``limit`` free messages in FIFO order, with bodies read
        with X-Newest (once per lease per segment), skipping segments that
        are gone and routing messages past their queue's max claim count
        to the dead-letter queue."""
        view.state.prune(now)
        picked = []
        chosen_ids = set()
        dead_keys = []
        # Look at what the view already knows first: a listing request is
        # only worth it when that is not enough (and was not just made
        # because the view knew nothing).
        for refresh in (False, True):
            listings = view.listings
            self._pick_pass(container, view, now, limit, refresh, picked,
                            chosen_ids, dead_keys)
            if len(picked) >= limit or (not refresh and
                                        view.listings != listings):
                break
        if len(picked) < limit and time.monotonic() - view.listed_head >= \
                RELIST_INTERVAL and self._relist_head(container, view):
            self._pick_pass(container, view, now, limit, False, picked,
                            chosen_ids, dead_keys)
        self._schedule_deletion(container, view, dead_keys[:100])
        if picked:
            self._read_ahead(container, view, picked[-1].segment.key)
        return picked

    def _pick_pass(self, container, view, now, limit, refresh, picked,
                   chosen_ids, dead_keys):
        max_claims, dead_letter = self._dead_letter_policy(view.metadata)
        for segment in self._iter_segments(container, view, refresh):
            if view.state.is_dead(segment, now):
                if segment.key not in dead_keys:
                    dead_keys.append(segment.key)
                continue
            if segment.visible_at > now:
                continue
            for msg_id in segment.message_ids():
                if msg_id in chosen_ids or not view.state.is_free(
                        segment, msg_id, now):
                    continue
                body = self._verified_body(container, view, segment)
                if body is None:
                    break       # segment gone: removed from the view
                index = naming.split_message_id(msg_id)[1]
                if (max_claims and dead_letter and
                        view.state.claim_count(msg_id) >= max_claims):
                    self._to_dead_letter(container, view, segment, msg_id,
                                         body.bodies[index], body.client_id,
                                         dead_letter)
                    continue
                picked.append(Picked(segment, msg_id, body.bodies[index],
                                     body.client_id))
                chosen_ids.add(msg_id)
                if len(picked) >= limit:
                    break
            if len(picked) >= limit:
                return

    def _verified_body(self, container, view, segment):
        body = view.verified.get(segment.key)
        if body is None:
            body = view.forget_posted(segment.key)
            if body is not None:
                view.verified[segment.key] = body
                view.stats['own_posts'] += 1
        if body is None:
            began = time.monotonic()
            pending = view.prefetch.pop(segment.key, None)
            if pending is not None:
                body = pending.result()
            else:
                body = self._segments.read(container, segment.key,
                                           newest=True)
            view.stats['reads'] += 1
            view.stats['read_seconds'] += time.monotonic() - began
            if body is None:
                view.remove(segment.key)
                return None
            view.verified[segment.key] = body
        return body

    @staticmethod
    def _dead_letter_policy(metadata):
        try:
            max_claims = int(metadata.get('_max_claim_count') or 0)
        except (TypeError, ValueError):
            max_claims = 0
        return max_claims, metadata.get('_dead_letter_queue')

    def _to_dead_letter(self, container, view, segment, msg_id, body,
                        client_id, dead_letter):
        """Post the message to the dead-letter queue, then delete it here
        (a crash in between leaves a copy in both: at least once)."""
        ttl = view.metadata.get('_dead_letter_queue_messages_ttl') or \
            segment.ttl
        self._post_to_dead_letter(
            naming.sibling_container(naming.queue_of_stripe(container),
                                     dead_letter),
            {'ttl': int(ttl), 'delay': 0, 'body': body}, client_id)
        view.state.delete_message(segment, msg_id)

    # -- writing --------------------------------------------------------------
    def _flush(self, lease, view, version):
        """Return once a state PUT including change ``version`` has been
        acknowledged; one thread writes for all that wait (group commit)."""
        while True:
            with view.mutex:
                while True:
                    if view.broken:
                        raise SwiftUnavailable('state write failed')
                    if view.committed >= version:
                        return
                    if not view.flushing:
                        break
                    view.flushed.wait()
                view.flushing = True
                target = view.version
                data = view.state.to_json()
            began = time.monotonic()
            try:
                self._put_state(lease, data)
                view.stats['writes'] += 1
                view.stats['write_seconds'] += time.monotonic() - began
            except BaseException:
                with view.mutex:
                    view.broken = True
                    view.flushing = False
                    view.flushed.notify_all()
                raise
            with view.mutex:
                view.committed = max(view.committed, target)
                view.flushing = False
                view.flushed.notify_all()

    def _put_state(self, lease, data):
        resp = self._swift.put_object(
            lease.container, naming.STATE, data,
            content_type='application/json',
            timeout=lease.write_timeout(self._read_timeout))
        if resp.status == 404:
            raise errors.QueueDoesNotExist(
                naming.queue_name_from_container(lease.container), '')
        if resp.status != 201:
            raise SwiftUnavailable('state PUT answered %d' % resp.status)

    def _commit_deletion(self, lease, view, version, keys):
        """Make deletions (change ``version``, in segments ``keys``)
        durable before answering.

        When they left every segment they touched dead, the segments'
        DELETEs are the record: a tombstone beats the segment in every
        X-Newest read, so no holder can return those messages again, and
        the state PUT is saved (one write instead of two; see claims.rst
        "Delete, bulk delete, pop"). Otherwise, or when a DELETE is not
        acknowledged within the lease, the state PUT records them (group
        commit) and dead segments are deleted in the background."""
        container = lease.container
        try:
            timeout = lease.write_timeout(self._read_timeout)
        except errors.LeaseUnavailable:
            timeout = None      # and the state PUT below says so
        now = time.time()
        with view.mutex:
            dead = [k for k in keys
                    if timeout and k in view.segments and
                    k not in view.dropping and
                    view.state.is_dead(view.segments[k], now)]
            if len(dead) != len(keys):
                dead = []
            view.dropping.update(dead)
        if dead and len(self._delete_segments(container, view, dead,
                                              timeout)) == len(dead):
            view.stats['tombstone_commits'] += 1
            return
        self._flush(lease, view, version)
        self._drop_dead(container, view, keys)

    def _drop_dead(self, container, view, keys):
        """Delete, in the background, segments none of whose messages can
        ever be returned again; the view forgets them once Swift
        acknowledged (the state in Swift with its next write). A lagging
        listing that still shows one is caught by the X-Newest read in
        _verified_body."""
        now = time.time()
        with view.mutex:
            dead = [k for k in keys
                    if k in view.segments and
                    view.state.is_dead(view.segments[k], now)]
            self._schedule_deletion(container, view, dead)

    def _schedule_deletion(self, container, view, keys):
        """(With ``view.mutex`` held.)"""
        keys = [k for k in keys if k not in view.dropping]
        if keys:
            view.dropping.update(keys)
            self._segments.submit(self._delete_segments, container, view,
                                  keys)

    def _delete_segments(self, container, view, keys, timeout=None):
        """DELETE segments marked ``dropping``; the view forgets those
        Swift acknowledged, which are returned."""
        try:
            gone = self._segments.delete(container, keys, timeout=timeout)
        finally:
            with view.mutex:
                view.dropping.difference_update(keys)
        with view.mutex:
            now = time.time()
            for key in gone:
                view.deleted(key, self._deleted_memory, now)
        return gone

    def write_pending(self, lease):
        """Before a lease is given back (LeaseKeeper.before_release):
        write the state if a change is not in Swift yet (the record of
        segments deleted by tombstone commits, which answer without a
        state write). The next holder starts from that state."""
        view = lease.cache
        if view is None:
            return
        with view.mutex:
            if not view.pending():
                return
            version = view.version
        self._flush(lease, view, version)
