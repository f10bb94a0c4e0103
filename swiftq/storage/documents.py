"""Reading a queue's two JSON documents, ``state`` and ``meta``, the same
way everywhere (holder and readers alike)."""

import json

from swiftq.storage import naming
from swiftq.storage import stripes
from swiftq.storage.queue_state import QueueState
from swiftq.swift.errors import SwiftUnavailable


def read_state(swift, container, skew):
    """The queue's state, read with X-Newest (claims.rst S3); an empty
    state when the queue has none yet."""
    resp = swift.get_object(container, naming.STATE, newest=True)
    if resp.status == 200:
        return QueueState.from_json(resp.data, skew)
    if resp.status == 404:
        return QueueState(skew)
    raise SwiftUnavailable('state GET answered %d' % resp.status)


def read_metadata(swift, container, newest):
    """The queue's metadata, or None when its ``meta`` object is missing."""
    return read_meta(swift, container, newest)[0]


def read_meta(swift, container, newest):
    """``(metadata, stripe count)`` of the queue, ``(None, None)`` when its
    ``meta`` object is missing (see stripes.py for the count)."""
    resp = swift.get_object(container, naming.META, newest=newest)
    if resp.status == 200:
        return json.loads(resp.data), stripes.count_from_headers(
            resp.headers)
    if resp.status == 404:
        return None, None
    raise SwiftUnavailable('meta GET answered %d' % resp.status)
