"""The holder's writes: how a change in a view becomes durable in Swift.

Operations change a view in memory under its mutex and then call
``StateWriter.flush`` with the version their change made: one thread PUTs
the state for all that wait (group commit), and none answers before a PUT
including its change was acknowledged. Every write is bounded by the
lease's deadline (``Lease.write_deadline``: nothing is sent after it) and
confirmed against it when acknowledged (``Lease.confirm``).

Deletions have a cheaper record: when they leave every segment they touch
dead, the segments' DELETEs are the record (a tombstone beats the segment
in every X-Newest read), and the state PUT is saved; the state remembers
the deleted segments with its next write, for listings of container
replicas that missed the DELETE. See claims.rst "Delete, bulk delete, pop".
"""

import time

from swiftq.metrics import instruments
from swiftq.storage import documents


class StateWriter:
    """Writes the views of one process's leases to Swift."""

    def __init__(self, swift, segments, read_timeout, deleted_memory):
        self._swift = swift
        self._segments = segments
        self._read_timeout = read_timeout
        self._deleted_memory = deleted_memory

    def flush(self, lease, view, version):
        """Return once a state PUT including change ``version`` has been
        acknowledged; one thread writes for all that wait (group commit)."""
        while True:
            with view.mutex:
                while True:
                    if view.broken:
                        raise view.failure()
                    if view.committed >= version:
                        return
                    if not view.flushing:
                        break
                    view.flushed.wait()
                view.flushing = True
                target = view.version
                # the group commit's size: changes this PUT makes durable
                instruments.COMMIT_SIZE.observe(target - view.committed)
                view.state.generation += 1
                generation = view.state.generation
                data = view.state.to_json()
            began = time.monotonic()
            try:
                documents.write_state(
                    self._swift, lease.container, data,
                    timeout=self._read_timeout,
                    deadline=lease.write_deadline())
                lease.confirm('state PUT')
                lease.state_written(generation)
                view.stats['writes'] += 1
                view.stats['write_seconds'] += time.monotonic() - began
            except BaseException as exc:
                with view.mutex:
                    view.broken = exc
                    view.flushing = False
                    view.flushed.notify_all()
                raise
            with view.mutex:
                view.committed = max(view.committed, target)
                view.flushing = False
                view.flushed.notify_all()

    def write_pending(self, lease):
        """Before a lease is given back (LeaseKeeper.before_release):
        write the state if a change is not in Swift yet (the record of
        segments deleted by tombstone commits, which answer without a
        state write). The next holder starts from that state."""
        view = lease.view
        if view is None:
            return
        with view.mutex:
            if not view.pending():
                return
            version = view.version
        self.flush(lease, view, version)

    # -- deletions ------------------------------------------------------------
    def commit_deletion(self, lease, view, version, keys):
        """Make deletions (change ``version``, in segments ``keys``)
        durable before answering: by the segments' DELETEs when the
        deletions left every one of them dead and Swift acknowledges them
        within the lease (a tombstone commit), else by the state PUT, after
        which dead segments are deleted in the background."""
        container = lease.container
        now = time.time()
        with view.mutex:
            dead = [k for k in keys
                    if k in view.segments and
                    k not in view.dropping and
                    view.state.is_dead(view.segments[k], now)]
            if len(dead) != len(keys):
                dead = []
            view.dropping.update(dead)
        if dead and len(self._delete_segments(
                container, view, dead, lease.write_deadline())) == len(dead):
            # Every DELETE was sent and acknowledged by the deadline (each
            # one's timeout is computed when it leaves, after the waits
            # for the view mutex and the thread pool)...
            lease.confirm('tombstone commit')   # ...and confirmed in time
            view.stats['tombstone_commits'] += 1
            return
        self.flush(lease, view, version)
        self._drop_dead(container, view, keys)

    def _drop_dead(self, container, view, keys):
        """Delete, in the background, segments none of whose messages can
        ever be returned again; the view forgets them once Swift
        acknowledged (the state in Swift with its next write). A lagging
        listing that still shows one is caught by the X-Newest read in
        ViewSync.verified_body."""
        now = time.time()
        with view.mutex:
            dead = [k for k in keys
                    if k in view.segments and
                    view.state.is_dead(view.segments[k], now)]
            self.schedule_deletion(container, view, dead)

    def schedule_deletion(self, container, view, keys):
        """Delete dead segments in the background (with ``view.mutex``
        held)."""
        keys = [k for k in keys if k not in view.dropping]
        if keys:
            view.dropping.update(keys)
            self._segments.submit(self._delete_segments, container, view,
                                  keys)

    def _delete_segments(self, container, view, keys, deadline=None):
        """DELETE segments marked ``dropping``; the view forgets those
        Swift acknowledged, which are returned."""
        try:
            gone = self._segments.delete(container, keys,
                                         timeout=self._read_timeout,
                                         deadline=deadline)
        finally:
            with view.mutex:
                view.dropping.difference_update(keys)
        self.forget_deleted(view, gone)
        return gone

    def forget_deleted(self, view, keys, others_removed=()):
        """The view forgets segments whose DELETE Swift acknowledged
        (remembering them in the state, see ``QueueView.deleted``) and
        segments ``others_removed`` without a record."""
        with view.mutex:
            now = time.time()
            for key in keys:
                view.deleted(key, self._deleted_memory, now)
            for key in others_removed:
                view.remove(key)
