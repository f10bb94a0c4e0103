"""What the holder of a queue's lease knows of the queue: its view.

The holder keeps a ``QueueView`` for as long as it holds the lease: the
queue state (loaded once with X-Newest, then written through on every
change, see ``commit.py``) and the segment listing (extended at the tail
on every operation, see ``sync.py``). Because only the holder changes the
queue, the view is exact; it is thrown away with the lease. See
doc/source/design/claims.rst.
"""

import collections
import threading
import time

from swiftq.storage import errors
from swiftq.swift.errors import DeadlinePassed
from swiftq.swift.errors import SwiftUnavailable

# Bodies of this process's own posts a view keeps at most (OwnPosts).
MAX_POSTED = 4096


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
        # key -> monotonic time a listed segment with live messages last
        # read as missing (ViewSync._missing)
        self.missing = {}
        self.mutex = threading.Lock()
        self.flushed = threading.Condition(self.mutex)
        self.listings = 0       # tail listings made
        self.listed_head = time.monotonic()     # last listing from the head
        self.version = 0        # changes made in memory
        self.committed = 0      # changes acknowledged by Swift
        self.flushing = False
        # why a state write failed (never trust this view then), or None
        self.broken = None
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

    def sort_segments(self):
        """Put segments added out of key order (late listing rows, a
        segment found by its id) back in order."""
        self.segments = collections.OrderedDict(sorted(self.segments.items()))

    def remove(self, key):
        """Forget a segment a listing showed that no longer exists."""
        self.segments.pop(key, None)
        self.verified.pop(key, None)
        self.forget_posted(key)
        self.prefetch.pop(key, None)
        self.missing.pop(key, None)
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

    def failure(self):
        """What an operation meeting this broken view raises: LeaseRanOut
        when its state write ran out of lease (the operation may run again
        under a new lease), else SwiftUnavailable."""
        if isinstance(self.broken, (DeadlinePassed, errors.LeaseRanOut)):
            return errors.LeaseRanOut('an earlier state write ran out of '
                                      'its lease: %s' % self.broken)
        return SwiftUnavailable('an earlier state write failed: %s'
                                % self.broken)

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
    reads the segment with X-Newest (ViewSync.verified_body); dropping one is
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
        view = lease.view if lease is not None else None
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
