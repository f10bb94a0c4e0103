"""Stripes: one queue spread over several containers.

A queue's container database and its one lease cap what a single hot
queue can do: every claim of every API process goes through the holder of
that lease. A queue with ``n`` stripes is ``n`` containers (see
``naming.stripe_container``), each with its own segments, ``state`` and
``lease``, so up to ``n`` API processes claim from it at once, each under
the lease of a different stripe, and Swift spreads the containers over its
cluster. Inside a stripe everything is as in doc/source/design/claims.rst;
this module only decides which stripe an operation goes to. The design and
the ordering kept across stripes are in doc/source/design/stripes.rst.

The stripe count of a queue is recorded on its ``meta`` object (a Swift
object metadata header, invisible to tenants) when the queue is created:
the configured ``[swift] queue_stripes``, or more if the queue metadata
asks for it with ``_stripes``. It can be raised later (``_stripes`` in a
PATCH of the metadata) but never lowered, so no stripe that may hold
messages is ever forgotten.
"""

import itertools
import random
import time

from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.swift.errors import SwiftUnavailable

#: The ``meta`` object's header that records the queue's stripe count.
STRIPES_HEADER = 'X-Object-Meta-Swiftq-Stripes'
#: Segments a probe lists at most (more than this counts as "free").
PROBE_LISTING = 1000


def count_from_headers(headers):
    """The stripe count recorded on a ``meta`` object (1 when absent)."""
    try:
        count = int((headers or {}).get(STRIPES_HEADER) or 1)
    except (TypeError, ValueError):
        return 1
    return min(max(count, 1), naming.MAX_STRIPES)


def asked_count(metadata):
    """The stripe count queue metadata asks for with ``_stripes``, or 0."""
    value = metadata.get('_stripes') if isinstance(metadata, dict) else None
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return value if 1 <= value <= naming.MAX_STRIPES else 0


def count_to_record(metadata, current, default):
    """The stripe count to write with ``metadata``: what the queue has
    (``current``, or ``default`` for a new queue), raised by ``_stripes``;
    never lower than before."""
    return max(current or default, asked_count(metadata))


class Layout:
    """The containers of one queue and the mapping of client ids (which
    carry their stripe) to ids inside a stripe."""

    def __init__(self, container, count):
        self.container = container
        self.count = count
        self.containers = [naming.stripe_container(container, k)
                           for k in range(count)]

    @property
    def striped(self):
        return self.count > 1

    @staticmethod
    def outward(container, plain_id):
        """The id a client sees for ``plain_id`` of ``container``."""
        if plain_id is None:
            return None
        return naming.striped_id(plain_id,
                                 naming.stripe_of_container(container))

    def message(self, msg_id):
        """``(container, plain id)`` of a client's message id, or None."""
        return self._locate(naming.split_striped_message_id(msg_id))

    def claim(self, claim_id):
        """``(container, plain id)`` of a client's claim id, or None."""
        return self._locate(naming.split_striped_claim_id(claim_id))

    def _locate(self, split):
        # Not checked against ``count``: this process's count may be stale
        # (counts only grow); a stripe that was never made has no
        # container, which reads as "no such message/claim".
        if split is None:
            return None
        return naming.stripe_container(self.container, split[0]), split[1]

    def group_messages(self, msg_ids):
        """``{container: [(client id, plain id), ...]}`` of the ids that
        are ours, in the order given."""
        groups = {}
        for msg_id in msg_ids:
            located = self.message(msg_id)
            if located is not None:
                groups.setdefault(located[0], []).append(
                    (msg_id, located[1]))
        return groups


def look_for_free(segments, read_state, container):
    """Lease-free look at one stripe: ``(free, next_release)``: whether a
    claim would find a message now, else when (epoch seconds, or None) a
    claim or delay that holds messages back ends. A listing, and the
    state (X-Newest) only when the listing is not empty."""
    page = segments.list(container, None, PROBE_LISTING)
    if not page:
        return False, None
    if len(page) >= PROBE_LISTING:
        return True, None
    state = read_state(container)
    now = time.time()
    if state.select_free(page, now, 1):
        return True, None
    return False, state.next_release(page, now)


class StripePicker:
    """Chooses the stripe a claim or a pop takes messages from, so that API
    processes serving one queue each work under the lease of a different
    stripe instead of passing one lease around:

    1. the stripes whose lease this process holds and that no other
       operation of this process is using right now (no Swift request to
       choose them; their views are in memory);
    2. stripes a lease-free probe finds free messages in, taking their
       lease only if nobody holds it (one attempt, no waiting); a stripe
       found held by another process is not tried again for
       ``BUSY_MEMORY`` seconds;
    3. the held stripes in use, least used first: operations on one
       stripe share its state writes one after the other, so a process
       with more consumers than stripes takes free stripes (2.) before
       it doubles up on its own;
    4. only if this process holds no stripe of the queue and the others
       are all held elsewhere: wait for one of them, as a single-stripe
       queue does (its holder hands it over when asked).

    A stripe probed empty while the process had held stripes to fall back
    on is not probed again for ``BUSY_MEMORY`` seconds either.

    A process that holds stripes but finds them empty answers "nothing"
    rather than ask another process for its stripe: hand-offs stall both
    processes (settle delay, view reload), and the messages of a stripe
    are claimed by its holder's consumers, or by anyone once the holder
    lets the idle lease go (``lease_idle_release``).

    Each call starts at the next stripe in turn (from a random one per
    process), so posts spread over all stripes are drained evenly.

    Swift's trouble on one stripe (a slow lease write, a node timing out)
    sends a claim on to the next stripe: a claim whose state write may
    have landed only holds its messages until the claim expires. A pop
    (``at_most_once``) fails instead: its write may have deleted that
    stripe's messages, and answering another stripe's would lose them
    unreported (claims.rst C2, "Pop").
    """

    #: Seconds a stripe found held by another process is passed over.
    BUSY_MEMORY = 1.0

    def __init__(self, leases, probe):
        self._leases = leases
        self._probe = probe
        self._turn = itertools.count(random.randrange(naming.MAX_STRIPES))
        self._busy_until = {}
        self._empty_until = {}

    def take(self, layout, operation, found, at_most_once=False):
        """``operation(container, wait)`` on the chosen stripe(s) until
        ``found(result)``; returns the last result (None when no stripe was
        worth an attempt). With ``at_most_once``, Swift's trouble on any
        stripe fails the call."""
        containers = layout.containers
        if len(containers) == 1:
            return operation(containers[0], True)
        start = next(self._turn) % len(containers)
        order = containers[start:] + containers[:start]
        held = [c for c in order if self._leases.holds(c)]
        use = {c: self._leases.in_use(c) for c in held}    # one snapshot
        idle = [c for c in held if not use[c]]
        in_use = sorted((c for c in held if use[c]), key=use.get)
        candidates = idle + [c for c in order if c not in held] + in_use
        result = None
        busy = []
        failure = None
        for container in candidates:
            now = time.monotonic()
            if container not in held:
                if self._busy_until.get(container, 0.0) > now:
                    busy.append(container)
                    continue
                if in_use and self._empty_until.get(container, 0.0) > now:
                    continue
            try:
                if container in held:
                    result = operation(container, True)
                elif self._probe(container):
                    result = operation(container, False)
                else:
                    if in_use:
                        self._empty_until[container] = now + \
                            self.BUSY_MEMORY
                    continue
            except errors.LeaseBusy:
                self._busy_until[container] = time.monotonic() + \
                    self.BUSY_MEMORY
                busy.append(container)
                continue
            except (SwiftUnavailable, errors.ServiceUnavailable) as exc:
                if at_most_once:
                    raise
                failure = failure or exc
                continue
            if found(result):
                return result
        if busy and not held:
            return operation(random.choice(busy), True)
        if failure is not None:
            raise failure
        return result
