"""Messages: posts (segments written without the lease), reads
(``message_reads``) and deletions and pops (under the lease, by the
process's ``holder.writer.QueueWriter``), with the client's ids mapped to
stripes (``stripes.Layout``)."""

import itertools
import random
import time

from swiftq.storage import base
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage.holder.view import OwnPosts
from swiftq.storage.message_format import outward
from swiftq.swift.errors import SwiftUnavailable


class Messages(base.MessageController):
    """The messages of queues, or with ``kind = naming.TOPICS`` of topics
    (which have no claims: nothing claims their messages)."""

    def __init__(self, process, kind=naming.QUEUES):
        self._process = process
        self._kind = kind
        self._post_turn = itertools.count(random.randrange(naming.MAX_STRIPES))

    def _layout(self, project, queue):
        return self._process.parts.catalog.layout(project, queue, self._kind)

    @errors.swift_errors
    def post(self, project, queue, messages, client_id):
        return self.post_to(self._layout(project, queue), messages,
                            client_id)

    def post_to(self, layout, messages, client_id):
        """One post goes to one stripe, the next stripe in turn (not only
        the stripes this process holds: their holder would get all its
        posts, while the consumers of other processes, holding stripes of
        their own, find nothing). The bodies are encrypted if the queue's
        metadata (as cached, see Catalog.cached_meta) says so."""
        parts = self._process.parts
        container = layout.containers[next(self._post_turn) % layout.count]
        metadata = parts.catalog.cached_meta(layout.container)[0] or {}
        encrypt = metadata.get('_enable_encrypt_messages') is True
        ids = parts.segments.write(
            container, messages, client_id,
            OwnPosts.for_post(parts.leases, container), encrypt)
        if ids is None:         # lazily created queue (or stripe)
            parts.catalog.create_for_post(layout, container)
            ids = parts.segments.write(container, messages, client_id,
                                       encrypt=encrypt)
            if ids is None:
                raise SwiftUnavailable('queue container vanished')
        parts.watcher.news(layout.container)
        return [layout.outward(container, i) for i in ids]

    def post_dead_letter(self, container, message, client_id):
        """Post a message that reached its max claim count to the
        dead-letter queue ``container`` (QueueWriter's callback)."""
        self.post_to(self._process.parts.catalog.layout_of(container),
                     [message], client_id)

    def follow(self, project, queue, deliver, since_ns=None):
        """Hand every segment posted to the queue from ``since_ns`` (epoch
        nanoseconds, default now) on to ``deliver(segment, body)``
        (``storage.feed``), until the returned ``Following`` is stopped."""
        parts = self._process.parts
        return parts.feeds.follow(parts.catalog.container(project, queue),
                                  deliver, since_ns)

    @errors.swift_errors
    def list(self, project, queue, client_id, marker=None, limit=10,
             echo=False, include_claimed=False, include_delayed=False,
             wait=0):
        parts = self._process.parts
        layout = self._layout(project, queue)

        def attempt():
            return parts.reads.list(layout, client_id, marker, limit, echo,
                                    include_claimed, include_delayed)

        return parts.watcher.wait(layout.container, attempt,
                                  lambda result: len(result[0]), wait)

    @errors.swift_errors
    def get(self, project, queue, message_id):
        found = self.get_many(project, queue, [message_id])
        if not found:
            raise errors.MessageDoesNotExist(message_id, queue, project)
        return found[0]

    @errors.swift_errors
    def get_many(self, project, queue, message_ids):
        return self._process.parts.reads.get_many(
            self._layout(project, queue), message_ids)

    @errors.swift_errors
    def delete(self, project, queue, message_id, claim_id=None):
        parts = self._process.parts
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
            parts.writer.delete(container, plain, plain_claim)
        except errors.QueueDoesNotExist:
            return

    @errors.swift_errors
    def delete_many(self, project, queue, message_ids, claim_ids=None):
        parts = self._process.parts
        layout = self._layout(project, queue)
        claims_by_stripe = {}
        for claim_id in claim_ids or ():
            claim = layout.claim(claim_id)
            if claim is not None:
                claims_by_stripe.setdefault(claim[0], []).append(claim[1])
        for container, pairs in layout.group_messages(message_ids).items():
            try:
                parts.writer.delete_many(
                    container, [plain for _, plain in pairs],
                    claims_by_stripe.get(container))
            except errors.QueueDoesNotExist:
                continue

    @errors.swift_errors
    def pop(self, project, queue, limit):
        parts = self._process.parts

        def pop(container, wait):
            try:
                return container, parts.writer.pop(container, limit, wait)
            except errors.QueueDoesNotExist:
                return container, []

        container, picked = parts.picker.take(
            self._layout(project, queue), pop,
            lambda result: bool(result[1]), at_most_once=True) or (None, [])
        now = time.time()
        return [outward(container, parts.formatter.picked(p, now))
                for p in picked]
