"""Zaqar's detailed health report (``GET /v2/health``), over any storage.

The report is Zaqar's (``zaqar/storage/base.py``, ``health`` and
``_get_operation_status``; the MongoDB driver's ``_health`` for the
message volume)::

    {"storage_reachable": true,
     "operation_status": {"create_queue": {"succeeded": true,
                                           "seconds": 0.031, "ref": null},
                          "post_messages": ..., "claim_messages": ...,
                          "list_messages": ..., "delete_messages": ...,
                          "delete_claim": ..., "bulk_delete_messages": ...,
                          "delete_queue": ...},
     "message_volume": {"free": 3, "claimed": 1, "total": 4},
     "storage_policies": [{"name": "Policy-0", "default": true}]}

``operation_status`` times each step of a real round trip through the
storage contract, in Zaqar's order, on one dedicated queue; a step that
fails carries a ``ref`` that the log line of its error names, and the
steps that need it are skipped (as Zaqar does). ``storage_policies`` is
swiftq's own: what the storage says of its backend
(``Storage.backend_info``). When storage is not reachable, the volume and
the backend cannot be read and are left out (as Zaqar's Redis driver
leaves out the volume).

The probe queue belongs to :data:`PROBE_PROJECT`, an id longer than any
the API accepts (256 characters, as Zaqar): no caller can name it, so its
queue appears in no tenant's listing (its container's project key is a
digest, see ``naming.project_key``), and the message volume leaves it out.
"""

import logging
import threading
import time
import uuid

LOG = logging.getLogger(__name__)

#: The probe's project: longer than the API's PROJECT_ID_MAX_LEN (256), so
#: no caller's project can be it.
PROBE_PROJECT = 'swiftq-health-probe:' * 16
PROBE_QUEUE = 'health'
PROBE_CLIENT = '8c5a1a2e-9d4f-4c53-a1b7-53bb4ad6d2a1'
#: Zaqar posts 100 messages and claims its default 10; swiftq posts and
#: claims 10 (one segment), which exercises the same paths.
PROBE_MESSAGES = 10
PROBE_TTL = 600
CLAIM_TTL = 60
CLAIM_GRACE = 60

#: One probe at a time in a process: two would delete each other's queue.
_probing = threading.Lock()


def report(storage):
    """The whole report (see the module docstring)."""
    reachable = bool(storage.is_alive())
    doc = {'storage_reachable': reachable,
           'operation_status': operation_status(storage)}
    if reachable:
        doc['message_volume'] = storage.message_volume()
        doc.update(storage.backend_info())
    return doc


def operation_status(storage):
    """Zaqar's ``operation_status``: every step of the probe, timed."""
    status = {}

    def step(name, operation):
        started = time.time()
        ref = None
        result = None
        try:
            result = operation()
        except Exception:
            ref = str(uuid.uuid4())
            LOG.exception('health probe: %s failed (ref %s)', name, ref)
        status[name] = {'succeeded': ref is None,
                        'seconds': time.time() - started, 'ref': ref}
        return ref is None, result

    project, queue = PROBE_PROJECT, PROBE_QUEUE
    messages = [{'ttl': PROBE_TTL, 'delay': 0, 'body': {'event': 'p_%d' % i}}
                for i in range(PROBE_MESSAGES)]
    with _probing:
        created, _ = step('create_queue',
                          lambda: storage.queues.create(project, queue))
        if not created:
            return status
        _, ids = step('post_messages', lambda: storage.messages.post(
            project, queue, messages, PROBE_CLIENT))
        if ids:
            _, claimed = step('claim_messages', lambda: storage.claims.create(
                project, queue, CLAIM_TTL, CLAIM_GRACE, PROBE_MESSAGES))
            claim_id, claimed_messages = claimed or (None, [])
            step('list_messages', lambda: storage.messages.list(
                project, queue, PROBE_CLIENT, echo=True,
                include_claimed=True))
            if claim_id and claimed_messages:
                for message in claimed_messages:
                    deleted, _ = step(
                        'delete_messages', lambda: storage.messages.delete(
                            project, queue, message['id'], claim_id))
                    if not deleted:
                        break
                step('delete_claim', lambda: storage.claims.delete(
                    project, queue, claim_id))
        step('bulk_delete_messages', lambda: storage.messages.delete_many(
            project, queue, ids or []))
        step('delete_queue', lambda: storage.queues.delete(project, queue))
    return status
