"""Claims: where the parts of the claim protocol meet.

A claim chooses a stripe (``stripes.StripePicker``), takes messages under
that stripe's lease (``holder.writer.QueueWriter.claim``) and, when asked
to, waits for news of messages (``watch.Watcher``). Reading a claim needs
no lease (``message_reads``). The protocol: doc/source/design/claims.rst.
"""

import time

from swiftq.storage import base
from swiftq.storage import errors
from swiftq.storage.message_format import outward


class Claims(base.ClaimController):

    def __init__(self, process):
        self._process = process

    @errors.swift_errors
    def create(self, project, queue, ttl, grace, limit, wait=0):
        found = self._claim(project, queue, ttl, grace, limit, wait, False)
        if found is None:
            return None, []
        claim_id, messages = found
        return claim_id, messages

    @errors.swift_errors
    def create_each(self, project, queue, ttl, grace, limit, wait=0):
        found = self._claim(project, queue, ttl, grace, limit, wait, True)
        return [] if found is None else found[1]

    def _claim(self, project, queue, ttl, grace, limit, wait, each):
        """``(claim id, messages)`` of a claim (with ``each``: the first
        message's claim id), or None when nothing was claimed."""
        parts = self._process.parts
        layout = parts.catalog.layout(project, queue)
        # when messages of the stripes an attempt tried may become free
        releases = []

        def claim(container, wait_for_lease):
            try:
                result = parts.writer.claim(container, ttl, grace, limit,
                                            wait_for_lease, each)
            except errors.QueueDoesNotExist:
                return container, None
            if result.next_release is not None:
                releases.append(result.next_release)
            return container, result

        def attempt():
            del releases[:]
            return parts.picker.take(layout, claim,
                                     lambda found: _count(found) > 0)

        found = parts.watcher.wait(
            layout.container, attempt, _count, wait, exclusive=True,
            limit=limit, next_release=lambda _: min(releases, default=None))
        if not _count(found):
            return None
        container, result = found
        now = time.time()
        messages = [outward(container, parts.formatter.picked(p, now, cid))
                    for p, cid in zip(result.picked, result.claim_ids)]
        return layout.outward(container, result.claim_id), messages

    @errors.swift_errors
    def get(self, project, queue, claim_id):
        parts = self._process.parts
        located = parts.catalog.layout(project, queue).claim(claim_id)
        if located is None:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        container, plain = located
        state = parts.reads.read_state(container)
        now = time.time()
        claim = state.get_live_claim(plain, now)
        if claim is None:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        messages = [outward(container, m) for m in
                    parts.reads.get_many_plain(container, claim.messages)]
        messages = [m for m in messages if m.get('claim_id') == claim_id]
        return {'id': claim_id, 'ttl': claim.ttl,
                'age': int(now - claim.created), 'messages': messages}

    @errors.swift_errors
    def update(self, project, queue, claim_id, ttl, grace):
        parts = self._process.parts
        located = parts.catalog.layout(project, queue).claim(claim_id)
        if located is None:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        try:
            parts.writer.renew(located[0], located[1], ttl, grace)
        except (errors.QueueDoesNotExist, errors.ClaimDoesNotExist):
            # The writer names the container; the client knows the queue.
            raise errors.ClaimDoesNotExist(claim_id, queue, project)

    @errors.swift_errors
    def delete(self, project, queue, claim_id):
        parts = self._process.parts
        layout = parts.catalog.layout(project, queue)
        located = layout.claim(claim_id)
        if located is None:
            return
        try:
            parts.writer.release(*located)
        except errors.QueueDoesNotExist:
            return
        parts.watcher.news(layout.container)


def _count(found):
    """Messages a ``(container, ClaimResult or None)`` attempt got."""
    if found is None or found[1] is None:
        return 0
    return len(found[1].picked)
