"""A queue's two JSON documents, ``state`` and ``meta``: read and written
the same way everywhere (holder and readers alike)."""

import json

from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage import stripes
from swiftq.storage.queue_state import QueueState
from swiftq.swift.errors import SwiftUnavailable

_JSON = 'application/json'


def read_state(swift, container, skew, floor=0):
    """The queue's state, read with X-Newest (claims.rst S3); an empty
    state when the queue has none yet.

    ``floor`` is the generation the lease says was written last (claims.rst,
    "The state floor"): a state older than that, or none at all, means the
    replicas holding the newest one did not answer, and StaleRead is
    raised rather than act on it."""
    resp = swift.get_object(container, naming.STATE, newest=True)
    if resp.status == 200:
        state = QueueState.from_json(resp.data, skew)
    elif resp.status == 404:
        state = QueueState(skew)
    else:
        raise SwiftUnavailable('state GET answered %d' % resp.status)
    if state.generation < floor:
        raise errors.StaleRead(
            'state of %s read at generation %d (%s) but generation %d was '
            'written' % (container, state.generation,
                         'missing' if resp.status == 404 else 'found', floor))
    return state


def write_state(swift, container, data, timeout, deadline):
    """PUT the state (``data``: its JSON) within ``timeout`` seconds, sent
    and answered by ``deadline`` (the lease's: only its holder writes
    the state)."""
    _check_write(swift.put_object(container, naming.STATE, data,
                                  content_type=_JSON, timeout=timeout,
                                  deadline=deadline),
                 container, 'state')


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


def write_meta(swift, container, metadata, stripe_count, timeout=None,
               deadline=None):
    """PUT the queue's metadata with its stripe count (a header, see
    stripes.py). Raises QueueDoesNotExist when the container is gone."""
    _check_write(swift.put_object(
        container, naming.META, json.dumps(metadata).encode(),
        content_type=_JSON,
        headers={stripes.STRIPES_HEADER: str(stripe_count)},
        timeout=timeout, deadline=deadline), container, 'meta')


def _check_write(resp, container, name):
    if resp.status == 404:
        raise errors.QueueDoesNotExist(
            naming.queue_name_from_container(container), '')
    if resp.status != 201:
        raise SwiftUnavailable('%s PUT answered %d' % (name, resp.status))
