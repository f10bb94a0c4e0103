"""What the HTTP layer may ask of storage.

As Zaqar composes its storage of one controller per resource, a
``Storage`` is four controllers (``queues``, ``messages``, ``claims``,
``subscriptions``) and health checks.

The HTTP layer validates input (names, ids, limits, TTLs) before calling;
storage may assume well-formed arguments. Every method may raise
``errors.ServiceUnavailable`` when Swift is unreachable.

A *message* returned by storage is a dict::

    {'id': str, 'ttl': int, 'age': int (seconds), 'body': <json>,
     'created': float (epoch seconds), 'client_id': str,
     'claim_id': str or None, 'claim_count': int,
     'checksum': 'MD5:...' or absent}

``claim_id`` is set only while a live claim holds the message.
"""

import abc

from swiftq.storage import health

METADATA_CACHE_SECONDS = 2.0


class QueueController(abc.ABC):
    """Queues: the catalog of a project, metadata, stats and purge."""

    @abc.abstractmethod
    def create(self, project, name, metadata=None):
        """Create the queue (idempotent). Returns True if it was created,
        False if it existed; an existing queue's metadata is left as it is
        (Zaqar's code: its mongo driver's create() is insert-or-nothing)."""

    @abc.abstractmethod
    def exists(self, project, name):
        """True if the queue exists."""

    @abc.abstractmethod
    def get_metadata(self, project, name, fresh=True):
        """The queue's metadata dict (as stored, without defaults filled
        in). Raises QueueDoesNotExist. ``fresh=False`` allows an answer
        up to METADATA_CACHE_SECONDS old (message posts use it)."""

    @abc.abstractmethod
    def set_metadata(self, project, name, metadata):
        """Replace the queue's metadata. Raises QueueDoesNotExist."""

    @abc.abstractmethod
    def update_metadata(self, project, name, update):
        """Atomically replace the metadata with ``update(current)`` (a copy
        the function may change and return); anything ``update`` raises
        propagates and nothing is written. Returns the new metadata.
        Raises QueueDoesNotExist."""

    @abc.abstractmethod
    def list(self, project, marker=None, limit=10, detailed=False):
        """Queues in name order after ``marker``: a list of dicts
        ``{'name': str}`` plus ``'metadata'`` when detailed."""

    @abc.abstractmethod
    def count(self, project):
        """Number of queues of the project."""

    @abc.abstractmethod
    def delete(self, project, name):
        """Delete the queue with its messages, claims and subscriptions
        (idempotent)."""

    @abc.abstractmethod
    def stats(self, project, name):
        """``{'claimed': int, 'free': int, 'total': int}`` plus, when there
        are messages, ``'oldest'``/``'newest'``: ``{'id', 'age',
        'created'}`` (created as ISO 8601 UTC 'YYYY-MM-DDTHH:MM:SSZ').
        Delayed messages count as free. Missing queue: zeros."""

    @abc.abstractmethod
    def purge(self, project, name, resource_types):
        """Remove all messages (and/or subscriptions) of the queue."""


class MessageController(abc.ABC):
    """Messages of one queue."""

    @abc.abstractmethod
    def post(self, project, queue, messages, client_id):
        """Append messages (dicts with 'ttl', 'delay', 'body', in request
        order); create the queue if missing. Returns their ids in the same
        order. Messages are durable in Swift when this returns."""

    @abc.abstractmethod
    def list(self, project, queue, client_id, marker=None, limit=10,
             echo=False, include_claimed=False,
             include_delayed=False, wait=0):
        """Messages in FIFO order after ``marker`` (an opaque string; one
        that storage did not make gives ``([], marker)``, as Zaqar's
        mongo driver). Returns ``(messages, next_marker)``. Missing queue:
        ``([], None)``.
        ``echo=False`` hides messages posted with the same client_id.
        ``wait``: seconds to wait for messages when there are none yet
        (long polling, validated by the caller)."""

    @abc.abstractmethod
    def get(self, project, queue, message_id):
        """One live message. Raises MessageDoesNotExist (also for a missing
        queue)."""

    @abc.abstractmethod
    def get_many(self, project, queue, message_ids):
        """The live messages among ``message_ids`` (missing ones skipped)."""

    @abc.abstractmethod
    def delete(self, project, queue, message_id, claim_id=None):
        """Delete one message. Missing message or queue: no error.
        Claimed message: ``claim_id`` must be its live claim, else
        MessageIsClaimed. ``claim_id`` given for an unclaimed message:
        MessageNotClaimed; for an unknown/expired claim:
        ClaimDoesNotExist."""

    @abc.abstractmethod
    def delete_many(self, project, queue, message_ids,
                    claim_ids=None):
        """Delete messages by id. Without ``claim_ids``, messages under a
        live claim are NOT deleted (a live claim is never broken by a
        claim-less delete); with ``claim_ids``, claimed messages are deleted
        only if their claim is one of them."""

    @abc.abstractmethod
    def pop(self, project, queue, limit):
        """Remove and return up to ``limit`` free (unclaimed, not delayed)
        messages in FIFO order."""


class ClaimController(abc.ABC):
    """Claims of one queue."""

    @abc.abstractmethod
    def create(self, project, queue, ttl, grace, limit, wait=0):
        """Claim up to ``limit`` free messages in FIFO order.
        Returns ``(claim_id, messages)``; ``(None, [])`` when nothing is
        claimable (or the queue is missing) and, with ``wait``, nothing
        became claimable within that many seconds."""

    @abc.abstractmethod
    def create_each(self, project, queue, ttl, grace, limit, wait=0):
        """As ``create``, but every message gets a claim of its own (its
        ``claim_id``), so that each can be renewed, released or deleted
        alone (SQS's receipt handles). Returns the messages; [] when
        nothing is claimable."""

    @abc.abstractmethod
    def get(self, project, queue, claim_id):
        """``{'id', 'ttl', 'age', 'messages': [...]}`` of a live claim.
        Raises ClaimDoesNotExist."""

    @abc.abstractmethod
    def update(self, project, queue, claim_id, ttl, grace):
        """Renew: the claim now ends ``ttl`` seconds from now and its
        messages live at least ``ttl + grace`` seconds from now. Raises
        ClaimDoesNotExist."""

    @abc.abstractmethod
    def delete(self, project, queue, claim_id):
        """Release the claim (idempotent); its messages become free."""


class SubscriptionController(abc.ABC):
    """Subscriptions of one queue.

    A *subscription* returned by storage is its stored document::

        {'id', 'project', 'queue', 'container', 'subscriber', 'ttl' (int),
         'options' (dict), 'created', 'expires' (epoch seconds, floats),
         'confirmed' (bool), 'created_trust' (only when swiftq made a
         Keystone trust for it)}

    Expired subscriptions are never returned. Unknown or ill-formed ids
    are SubscriptionDoesNotExist.
    """

    @abc.abstractmethod
    def create(self, project, queue, subscriber, ttl, options,
               created_trust=None):
        """Store an unconfirmed subscription; returns its id. Raises
        SubscriptionAlreadyExists (``.subscription``: the live one) when
        the queue has a live subscription with this subscriber.
        ``created_trust``: the id of the Keystone trust made for it (kept
        as the document's ``created_trust``, and in its options' ``trust_id``
        through updates that replace the options)."""

    @abc.abstractmethod
    def get(self, project, queue, sub_id):
        """One live subscription. Raises SubscriptionDoesNotExist."""

    @abc.abstractmethod
    def list(self, project, queue, marker=None, limit=10):
        """Up to ``limit`` (None: all) live subscriptions of the queue in
        id order after the id ``marker`` (none after a marker that is no
        id)."""

    @abc.abstractmethod
    def update(self, project, queue, sub_id, changes):
        """Apply ``changes`` (``subscriber``, ``ttl`` -- counted from now --,
        ``options``). Raises SubscriptionDoesNotExist, or
        SubscriptionAlreadyExists when the new subscriber is taken."""

    @abc.abstractmethod
    def confirm(self, project, queue, sub_id, confirmed):
        """Set ``confirmed``. Raises SubscriptionDoesNotExist."""

    @abc.abstractmethod
    def delete(self, project, queue, sub_id):
        """Delete the subscription (idempotent); returns the deleted
        document, or None when there was none."""


class Storage(abc.ABC):
    """The four controllers, their topic counterparts and a health check.

    Topics (Zaqar's ``/v2/topics``) are queues without claims, kept apart
    from the queues: ``topics`` is a QueueController, ``topic_messages`` a
    MessageController and ``topic_subscriptions`` a
    SubscriptionController over the topics (a storage without them serves
    no topics)."""

    queues: QueueController
    messages: MessageController
    claims: ClaimController
    subscriptions: SubscriptionController
    topics: QueueController
    topic_messages: MessageController
    topic_subscriptions: SubscriptionController

    @abc.abstractmethod
    def is_alive(self):
        """True if Swift answers (for /v2/ping and /v2/health)."""

    def health(self):
        """Zaqar's detailed health report (``GET /v2/health``): probes
        through the controllers above, then :meth:`message_volume` and
        :meth:`backend_info` (:mod:`swiftq.storage.health`)."""
        return health.report(self)

    @abc.abstractmethod
    def message_volume(self):
        """``{'free', 'claimed', 'total'}``: the messages of every queue
        of every project (Zaqar's health ``message_volume``), the health
        probe's queue left out."""

    def backend_info(self):
        """What the health report tells of the backend, as more keys of
        the report (none by default)."""
        return {}
