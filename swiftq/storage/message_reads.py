"""Reading messages without the lease: listings, gets and stats.

Readers see a queue as its listings and its ``state`` (read with X-Newest)
show it; they change nothing. Every read filters messages through the same
FIFO scan the holder uses (``QueueState.scan``). A striped queue's
listing merges its stripes' listings by id (plain ids sort by post time,
so the merge is in post order as far as the posting hosts' clocks agree).
Ids here are the client's (``stripes.Layout`` maps them).
"""

import datetime
import time

from swiftq.storage import documents
from swiftq.storage import naming
from swiftq.storage.message_format import outward

LISTING_PAGE = 100
# Segments read at once, at least, when formatting a listing.
READ_BATCH = 4


class MessageReader:

    def __init__(self, swift, segments, executor, formatter, skew):
        self._swift = swift
        self._segments = segments
        self._executor = executor
        self._formatter = formatter
        self._skew = skew

    def read_state(self, container):
        return documents.read_state(self._swift, container, self._skew)

    # -- listings -------------------------------------------------------------
    def list(self, layout, client_id, marker, limit, echo, include_claimed,
             include_delayed):
        """``(messages, next marker)``: every stripe's first ``limit``
        messages after ``marker``, merged by id."""
        plain_marker = None
        if marker:
            split = naming.split_striped_message_id(marker)
            if split is None:
                return [], marker
            plain_marker = split[1]

        def one(container):
            found = self._list_stripe(container, client_id, plain_marker,
                                      limit, echo, include_claimed,
                                      include_delayed)
            return [(m['id'], outward(container, m)) for m in found]

        if not layout.striped:
            merged = one(layout.container)
        else:
            merged = sorted(
                (item for found in self._executor.map(one, layout.containers)
                 for item in found), key=lambda item: item[0])
        found = [message for _, message in merged[:limit]]
        return found, found[-1]['id'] if found else marker

    def _list_stripe(self, container, client_id, marker, limit, echo,
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
        while len(found) < limit:
            page = self._segments.list(container, list_marker, LISTING_PAGE)
            if page is None:
                return []
            if state is None:
                state = self.read_state(container)
            after = (s for s in page if not start or s.key >= start[0])
            wanted = [(segment, msg_id) for segment, msg_id in state.scan(
                after, now, include_claimed, include_delayed)
                if not marker or msg_id > marker]
            found.extend(self._readable(container, wanted, state, now, echo,
                                        client_id, limit - len(found)))
            if len(page) < LISTING_PAGE:
                break
            list_marker = page[-1].key
        return found

    def _readable(self, container, candidates, state, now, echo, client_id,
                  limit):
        """Format up to ``limit`` of ``(segment, msg_id)`` candidates,
        reading their segments a few at a time."""
        found = []
        batch = max(READ_BATCH, limit)
        for start in range(0, len(candidates), batch):
            chunk = candidates[start:start + batch]
            bodies = self._segments.read_many(
                container, [segment.key for segment, _ in chunk])
            for segment, msg_id in chunk:
                body = bodies.get(segment.key)
                if body is None:
                    continue
                if not echo and body.client_id == client_id:
                    continue
                found.append(self._formatter.stored(segment, msg_id, body,
                                                    state, now))
                if len(found) >= limit:
                    return found
        return found

    # -- by id ----------------------------------------------------------------
    def get_many(self, layout, message_ids):
        """The live messages among the client's ``message_ids``, in the
        order given (missing ones skipped)."""
        found = {}
        for container, pairs in layout.group_messages(message_ids).items():
            for message in self.get_many_plain(
                    container, [plain for _, plain in pairs]):
                message = outward(container, message)
                found[message['id']] = message
        return [found[m] for m in dict.fromkeys(message_ids) if m in found]

    def get_many_plain(self, container, message_ids):
        """The live messages of one stripe among plain ``message_ids``."""
        split = [(m, naming.split_message_id(m)) for m in message_ids]
        split = [(m, s) for m, s in split if s is not None]
        if not split:
            return []
        # Read with X-Newest: a deleted segment's tombstone must win over a
        # stale replica or this process's cache.
        bodies = self._segments.read_many(
            container, [s[0] for _, s in split], newest=True)
        if not any(bodies.values()):
            return []
        state = self.read_state(container)
        now = time.time()
        found = []
        for msg_id, (key, index) in split:
            body = bodies.get(key)
            if body is None or index >= len(body.bodies):
                continue
            segment = self._segments.head(container, key)
            if segment is None or not state.is_alive(segment, msg_id, now):
                continue
            found.append(self._formatter.stored(segment, msg_id, body, state,
                                                now))
        return found

    # -- stats ----------------------------------------------------------------
    def stats(self, layout):
        """The queue's stats (see ``base.QueueController.stats``)."""
        now = time.time()
        total = claimed = 0
        oldest = newest = None
        for container, counts in zip(layout.containers, self._executor.map(
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
            stats['oldest'] = _stat_entry(oldest[1], oldest[2], now)
            stats['newest'] = _stat_entry(newest[1], newest[2], now)
        return stats

    def _stripe_stats(self, container, now):
        """``(total, claimed, oldest, newest)`` of one stripe, the last two
        as ``(segment, plain id)`` or None."""
        listing = self._segments.list(container)
        if not listing:
            return 0, 0, None, None
        state = self.read_state(container)
        total = claimed = 0
        oldest = newest = None
        for segment, msg_id in state.scan(listing, now, include_claimed=True,
                                          include_delayed=True):
            total += 1
            if state.live_claim(msg_id, now) is not None:
                claimed += 1
            if oldest is None:
                oldest = (segment, msg_id)
            newest = (segment, msg_id)
        return total, claimed, oldest, newest


def _stat_entry(segment, msg_id, now):
    return {'id': msg_id, 'age': int(now - segment.created),
            'created': _iso(segment.created)}


def _iso(ts):
    return datetime.datetime.fromtimestamp(
        ts, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
