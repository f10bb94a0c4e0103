"""Keeping the holder's view in step with Swift.

A view (``view.py``) is loaded when its lease is first used: the state with
X-Newest and the queue's metadata. Its segment listing then grows from the
tail: each operation looks for segments posted since the last listing, and
pages further on demand. Rows that reach a container listing late (an async
pending replayed by the object-updater, a lagging replica) are picked up by
listing again from the head now and then. Bodies are read with X-Newest
once per lease per segment, a few ahead of the claims that need them.
"""

import time

from swiftq.storage import documents
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage.holder.view import QueueView

LISTING_PAGE = 1000
# Segments read ahead (X-Newest) at most at a time per queue view.
PREFETCH = 4
# Segments past the last one claimed from that a read-ahead looks at.
PREFETCH_SCAN = 32
# A claim or pop that finds too few free messages lists the queue again
# from its head at most this often (seconds): see relist_head.
RELIST_INTERVAL = 2.0
# A segment that read as missing while the state says some of its
# messages are live is asked for again at most this often (seconds).
MISSING_RETRY = 2.0


class ViewSync:
    """Loads the view of a lease and brings what it lists and reads from
    Swift. Methods that take a view expect its ``mutex`` to be held, except
    ``view_of``."""

    def __init__(self, swift, segments, skew):
        self._swift = swift
        self._segments = segments
        self._skew = skew

    def view_of(self, lease):
        """The lease's view, loaded on first use. A view whose state write
        failed is never used again (its lease is being given back)."""
        with lease.view_lock:
            if lease.view is not None and lease.view.broken:
                raise lease.view.failure()
            if lease.view is None:
                lease.view = self._load(lease.container, lease.state_floor)
            return lease.view

    def _load(self, container, floor):
        """The view of a new lease: the state read with X-Newest, refused
        (StaleRead) when older than the generation the lease object said
        was written (``floor``, see LeaseKeeper)."""
        return QueueView(documents.read_state(self._swift, container,
                                              self._skew, floor),
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

    # -- listing --------------------------------------------------------------
    def segments(self, container, view, refresh=True):
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
            self._list_next_page(container, view)

    def list_all(self, container, view):
        for _ in self.segments(container, view):
            pass

    def _refresh_tail(self, container, view):
        """Pick up segments posted since the view's last listing."""
        if view.segments and not view.at_tail:
            return
        view.listings += 1
        page = self._segments.list(container, view.last_key(), LISTING_PAGE)
        if page is None:
            raise errors.QueueDoesNotExist(
                naming.queue_name_from_container(container), '')
        self._add_listed(container, view, page)
        view.at_tail = len(page) < LISTING_PAGE

    def _list_next_page(self, container, view):
        page = self._segments.list(container, view.last_key(), LISTING_PAGE)
        self._add_listed(container, view, page or ())
        view.at_tail = page is None or len(page) < LISTING_PAGE

    def relist_due(self, view):
        return time.monotonic() - view.listed_head >= RELIST_INTERVAL

    def relist_head(self, container, view):
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
        view.sort_segments()
        return True

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

    def find_segment(self, container, view, msg_id):
        """The segment of ``msg_id`` (asked of Swift with X-Newest when the
        view has not listed it), or None if there is no such message."""
        split = naming.split_message_id(msg_id)
        if split is None:
            return None
        key, index = split
        segment = view.segments.get(key)
        if segment is None:
            segment = self._segments.head(container, key, newest=True)
            if segment is None:
                return None
            view.segments[key] = segment
            view.sort_segments()
        if index >= segment.count:
            return None
        return segment

    def ensure_listed(self, container, view, msg_ids):
        for msg_id in msg_ids:
            self.find_segment(container, view, msg_id)

    # -- bodies ---------------------------------------------------------------
    def verified_body(self, container, view, segment):
        """The segment's body as Swift has it (X-Newest, once per lease),
        or as this process posted it (OwnPosts); None if it cannot be read
        now. See ``_missing`` for what the view does then."""
        body = view.verified.get(segment.key)
        if body is None:
            body = view.forget_posted(segment.key)
            if body is not None:
                view.verified[segment.key] = body
                view.stats['own_posts'] += 1
        if body is None:
            began = time.monotonic()
            if began - view.missing.get(segment.key, -MISSING_RETRY) < \
                    MISSING_RETRY:
                return None
            pending = view.prefetch.pop(segment.key, None)
            if pending is not None:
                body = pending.result()
            else:
                body = self._segments.read(container, segment.key,
                                           newest=True)
            view.stats['reads'] += 1
            view.stats['read_seconds'] += time.monotonic() - began
            if body is None:
                self._missing(view, segment)
                return None
            view.missing.pop(segment.key, None)
            view.verified[segment.key] = body
        return body

    def _missing(self, view, segment):
        """A listed segment read (X-Newest) as missing. When the state says
        none of its messages can be returned again (all deleted or
        expired), that is the expected end of it, and the view forgets
        it. Otherwise the 404 may come from the only replicas that
        answered (stale ones; Swift's proxy does not say how many did), so
        the view skips the segment for now but keeps what the state says
        of it (deletions, claim counts, life extensions), and reads it
        again after MISSING_RETRY. A segment whose DELETE a crashed holder
        never recorded is skipped the same way until it expires; either
        way its messages are never returned."""
        if view.state.is_dead(segment, time.time()):
            view.missing.pop(segment.key, None)
            view.remove(segment.key)
            return
        view.missing[segment.key] = time.monotonic()
        view.stats['missing'] = view.stats.get('missing', 0) + 1

    def read_ahead(self, container, view, after_key):
        """Keep PREFETCH X-Newest reads in flight for the segments that
        follow ``after_key`` (the last one a claim took from), so the next
        claims find their bodies read (looks at no more than PREFETCH_SCAN
        segments)."""
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
