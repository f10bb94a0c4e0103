"""Every change to a queue (stripe) after a post: claims, renewals,
releases, deletions, pops, purges and metadata updates, made by the holder
of its lease.

Each operation takes the lease (``lease.py``), changes the lease's view in
memory under its mutex (``view.py``, kept in step with Swift by
``sync.py``) and answers once Swift acknowledged the change
(``commit.py``). One ``QueueWriter`` serves every thread of a process.
Ids here are plain (inside one stripe); ``swiftq.storage.claims`` and
``swiftq.storage.messages`` map them to the ids clients see.
"""

import contextlib
import dataclasses
import functools
import logging
import time
import uuid

from swiftq.storage import documents
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage import stripes
from swiftq.storage.holder.view import Picked
from swiftq.storage.queue_state import QueueState
from swiftq.swift.errors import DeadlinePassed

LOG = logging.getLogger(__name__)
#: Dead segments a claim or pop schedules for deletion at most at once.
MAX_DROPPED = 100


def _again_if_the_lease_ran_out(operation):
    """Run a writer operation once more, under a new lease, when a write of
    its first run ran out of the lease: not sent by the deadline
    (DeadlinePassed) or acknowledged after the lease's end (LeaseRanOut).
    A busy process gets there when an operation waits too long behind
    others; answering 503 for it would be the service's fault, not
    Swift's. Nothing was answered, and the lease was given back with its
    view (``_Holding``), so the second run starts from what Swift holds.
    A write acknowledged late may have landed, and every operation here
    may run again after one that did: a claim that landed unanswered holds
    its messages until its TTL (never hands them to two consumers), and
    deletions, releases, renewals and metadata updates come out the same
    (a pop that landed removed its messages, as it would have with a 503
    answer)."""
    @functools.wraps(operation)
    def again(self, *args, **kwargs):
        try:
            return operation(self, *args, **kwargs)
        except (DeadlinePassed, errors.LeaseRanOut) as exc:
            LOG.info('%s ran out of its lease (%s): once more under a new '
                     'lease', operation.__name__, exc)
            return operation(self, *args, **kwargs)
    return again


@dataclasses.dataclass(frozen=True)
class ClaimResult:
    """What a claim got: ``claim_id`` and ``picked`` (``[Picked]``), or
    None and [] and, in ``next_release``, when (epoch seconds, or None)
    messages held back by claims or delays may become free.
    ``claim_ids``: the claim of each picked message, in order (all
    ``claim_id`` but for a claim made with ``each``)."""
    claim_id: str = None
    picked: list = dataclasses.field(default_factory=list)
    next_release: float = None
    claim_ids: list = dataclasses.field(default_factory=list)


class QueueWriter:

    def __init__(self, swift, segments, leases, sync, commit, conf,
                 post_dead_letter):
        """``post_dead_letter(queue container, message, client_id)`` posts
        a message that reached its queue's max claim count."""
        self._swift = swift
        self._segments = segments
        self._leases = leases
        self._sync = sync
        self._commit = commit
        self._skew = conf.claims.max_clock_skew
        self._read_timeout = conf.swift.read_timeout
        self._default_stripes = conf.swift.queue_stripes
        self._post_dead_letter = post_dead_letter

    # -- operations -----------------------------------------------------------
    @_again_if_the_lease_ran_out
    def claim(self, container, ttl, grace, limit, wait=True, each=False):
        """A ``ClaimResult``. Without ``wait``, LeaseBusy when another
        process holds the lease (see LeaseKeeper.hold). With ``each``,
        every picked message gets a claim of its own (SQS's receipt
        handles: one message's visibility changes alone), all committed
        in one state write."""
        with self._holding(container, wait) as (lease, view):
            with view.mutex:
                now = time.time()
                picked = self._pick_free(container, view, now, limit)
                if not picked:
                    return ClaimResult(next_release=view.state.next_release(
                        view.segments.values(), now))
                groups = [[p] for p in picked] if each else [picked]
                claim_ids = []
                for group in groups:
                    claim_id = uuid.uuid4().hex
                    view.state.add_claim(claim_id, [p.id for p in group],
                                         view.segments, ttl, grace, now)
                    claim_ids.extend(claim_id for _ in group)
                for p in picked:
                    p.note_state(view.state)
                version = view.changed()
            self._commit.flush(lease, view, version)
            return ClaimResult(claim_ids[0], picked, claim_ids=claim_ids)

    @_again_if_the_lease_ran_out
    def pop(self, container, limit, wait=True):
        with self._holding(container, wait) as (lease, view):
            with view.mutex:
                now = time.time()
                picked = self._pick_free(container, view, now, limit)
                if not picked:
                    return []
                for p in picked:
                    p.note_state(view.state)
                    view.state.delete_message(p.segment, p.id)
                version = view.changed()
            self._commit.commit_deletion(lease, view, version,
                                         {p.segment.key for p in picked})
            return picked

    @_again_if_the_lease_ran_out
    def renew(self, container, claim_id, ttl, grace):
        with self._holding(container) as (lease, view):
            with view.mutex:
                now = time.time()
                if view.state.get_live_claim(claim_id, now) is None:
                    raise errors.ClaimDoesNotExist(claim_id, container, '')
                self._sync.ensure_listed(
                    container, view, view.state.claims[claim_id].messages)
                view.state.renew_claim(claim_id, view.segments, ttl, grace,
                                       now)
                version = view.changed()
            self._commit.flush(lease, view, version)

    @_again_if_the_lease_ran_out
    def release(self, container, claim_id):
        with self._holding(container) as (lease, view):
            with view.mutex:
                if claim_id not in view.state.claims:
                    return
                view.state.release_claim(claim_id)
                version = view.changed()
            self._commit.flush(lease, view, version)

    @_again_if_the_lease_ran_out
    def delete(self, container, msg_id, claim_id=None):
        """Delete one message, enforcing Zaqar's claim rules."""
        if claim_id is not None and not naming.is_claim_id(claim_id):
            raise errors.ClaimDoesNotExist(claim_id, container, '')
        with self._holding(container) as (lease, view):
            with view.mutex:
                now = time.time()
                segment = self._sync.find_segment(container, view, msg_id)
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
            self._commit.commit_deletion(lease, view, version, {segment.key})

    @_again_if_the_lease_ran_out
    def delete_many(self, container, msg_ids, claim_ids=None):
        """Delete by ids; a message under a live claim is deleted only when
        its claim is among ``claim_ids``."""
        allowed = set(claim_ids or ())
        with self._holding(container) as (lease, view):
            with view.mutex:
                now = time.time()
                touched = set()
                for msg_id in msg_ids:
                    segment = self._sync.find_segment(container, view, msg_id)
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
            self._commit.commit_deletion(lease, view, version, touched)

    @_again_if_the_lease_ran_out
    def update_metadata(self, container, update):
        """Replace the queue's metadata with ``update(current)`` under the
        lease (of stripe 0), so concurrent PATCHes never lose each other's
        changes. Whatever ``update`` raises propagates and nothing is
        written. Returns ``(metadata, stripe count)``."""
        with self._holding(container) as (lease, view):
            with view.mutex:
                current, count = documents.read_meta(self._swift, container,
                                                     newest=True)
                metadata = update(current or {})
                count = stripes.count_to_record(metadata, count,
                                                self._default_stripes)
                documents.write_meta(
                    self._swift, container, metadata, count,
                    timeout=self._read_timeout,
                    deadline=lease.write_deadline())
                lease.confirm('meta PUT')
                view.metadata = metadata
                return metadata, count

    @_again_if_the_lease_ran_out
    def purge(self, container):
        """Remove every message and claim."""
        with self._holding(container) as (lease, view):
            with view.mutex:
                self._sync.list_all(container, view)
                keys = list(view.segments)
                view.state = QueueState(self._skew)
                version = view.changed()
            self._commit.flush(lease, view, version)
            gone = set(self._segments.delete(container, keys))
            self._commit.forget_deleted(
                view, [k for k in keys if k in gone],
                [k for k in keys if k not in gone])

    @contextlib.contextmanager
    def _holding(self, container, wait=True):
        """An operation under the lease of ``container``: the lease and
        its view."""
        with self._leases.hold(container, wait) as lease:
            yield lease, self._sync.view_of(lease)

    # -- choosing messages ----------------------------------------------------
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
        if len(picked) < limit and self._sync.relist_due(view) and \
                self._sync.relist_head(container, view):
            self._pick_pass(container, view, now, limit, False, picked,
                            chosen_ids, dead_keys)
        self._commit.schedule_deletion(container, view,
                                       dead_keys[:MAX_DROPPED])
        if picked:
            self._sync.read_ahead(container, view, picked[-1].segment.key)
        return picked

    def _pick_pass(self, container, view, now, limit, refresh, picked,
                   chosen_ids, dead_keys):
        """Add to ``picked`` the free messages of one pass over the view's
        segments (the FIFO scan of QueueState.scan over the segments not
        dead), noting dead segments in ``dead_keys``."""
        max_claims, dead_letter = _dead_letter_policy(view.metadata)
        gone_key = None
        for segment, msg_id in view.state.scan(
                self._undead(container, view, now, refresh, dead_keys), now):
            if segment.key == gone_key or msg_id in chosen_ids:
                continue
            body = self._sync.verified_body(container, view, segment)
            if body is None:
                gone_key = segment.key      # cannot be read now
                continue
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
                return

    def _undead(self, container, view, now, refresh, dead_keys):
        for segment in self._sync.segments(container, view, refresh):
            if view.state.is_dead(segment, now):
                if segment.key not in dead_keys:
                    dead_keys.append(segment.key)
                continue
            yield segment

    def _to_dead_letter(self, container, view, segment, msg_id, body,
                        client_id, dead_letter):
        """Post the message to the dead-letter queue, then delete it here
        (a crash in between leaves a copy in both: at least once)."""
        ttl = view.metadata.get('_dead_letter_queue_messages_ttl') or \
            segment.ttl
        self._post_dead_letter(
            naming.sibling_container(naming.queue_of_stripe(container),
                                     dead_letter),
            {'ttl': int(ttl), 'delay': 0, 'body': body}, client_id)
        view.state.delete_message(segment, msg_id)


def _dead_letter_policy(metadata):
    try:
        max_claims = int(metadata.get('_max_claim_count') or 0)
    except (TypeError, ValueError):
        max_claims = 0
    return max_claims, metadata.get('_dead_letter_queue')
