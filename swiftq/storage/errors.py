"""Errors raised by the storage layer; the HTTP layer maps them to statuses.

Names follow Zaqar's ``zaqar.storage.errors`` so the mapping reads the same.
"""

import functools
import logging

from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)


def swift_errors(func):
    """Swift trouble in a storage call becomes ServiceUnavailable."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SwiftUnavailable as exc:
            LOG.warning('Swift unavailable in %s: %s', func.__qualname__,
                        exc)
            raise ServiceUnavailable(str(exc))
    return wrapper


class StorageError(Exception):
    """Base class of every storage error."""


class ServiceUnavailable(StorageError):
    """Swift cannot be reached or answered 5xx after retries (-> 503)."""


class DoesNotExist(StorageError):
    pass


class QueueDoesNotExist(DoesNotExist):
    def __init__(self, name, project):
        super().__init__('Queue %s does not exist for project %s'
                         % (name, project))


class MessageDoesNotExist(DoesNotExist):
    def __init__(self, message_id, queue, project):
        super().__init__('Message %s does not exist in queue %s for '
                         'project %s' % (message_id, queue, project))


class ClaimDoesNotExist(DoesNotExist):
    """The claim is unknown or has expired."""

    def __init__(self, claim_id, queue, project):
        super().__init__('Claim %s does not exist in queue %s for '
                         'project %s' % (claim_id, queue, project))


class SubscriptionDoesNotExist(DoesNotExist):
    """The subscription is unknown, malformed or has expired."""

    def __init__(self, subscription_id):
        super().__init__('Subscription %s does not exist'
                         % subscription_id)


class SubscriptionAlreadyExists(StorageError):
    """The queue already has a live subscription with this subscriber;
    ``subscription`` is that subscription's document (Zaqar's API answers
    201 with its id while it is unconfirmed, 409 once confirmed)."""

    def __init__(self, subscription=None):
        super().__init__('Such subscription already exists. Subscriptions '
                         'are unique by project + queue + subscriber URI.')
        self.subscription = subscription


class EncryptionUnavailable(StorageError):
    """Message bodies of an encrypted queue cannot be encrypted or
    decrypted with the configured keys (-> 503, as Zaqar answers a failed
    encryptor). ``description`` is for the tenant; the message, naming the
    segment and the key id, for the operator's log. Not a
    ServiceUnavailable: nothing failed in Swift, so a lease is kept."""

    def __init__(self, description, detail):
        super().__init__(detail)
        self.description = description


class MessageNotClaimed(StorageError):
    """A claim id was given but the message is not currently claimed."""

    def __init__(self, message_id):
        super().__init__('Message %s is not claimed' % message_id)


class MessageIsClaimed(StorageError):
    """A live claim protects the message and no (or another) claim id was
    given (Zaqar's NotPermitted / MessageIsClaimed / MessageNotClaimedBy:
    all answered 403)."""

    def __init__(self, message_id):
        super().__init__('Message %s is claimed' % message_id)


class PatchConflict(StorageError):
    """A JSON-patch replace/remove names a metadata key that is absent."""


class LeaseUnavailable(ServiceUnavailable):
    """The queue's lease could not be taken in time (-> 503)."""


class LeaseRanOut(LeaseUnavailable):
    """A write of an operation under a lease was not sent by the lease's
    deadline, or was acknowledged after the lease ran out. Nothing was
    answered and the lease is given back: the operation may run again
    under a new lease (``holder.writer``)."""


class LeaseBusy(LeaseUnavailable):
    """Another process holds the lease and the caller would not wait."""


class StaleRead(SwiftUnavailable):
    """An X-Newest read answered something older than what is known to be
    in Swift (the replicas that hold it did not answer): Swift trouble,
    never a fact to act on (-> 503)."""
