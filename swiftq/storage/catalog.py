"""Queues: the project's catalog of queue containers and their metadata.

Topics are stored as queues are, under their own container prefix
(``naming.kind_prefix``): ``Queues(process, naming.TOPICS)`` is the topic
controller, and every ``Catalog`` method that names a project's container
takes the kind.

A queue is a container named by ``naming.queue_container`` (its stripes
are more containers, see ``stripes.py``); the account listing with the
project's prefix is the catalog. The ``meta`` object holds the metadata
and the stripe count from the queue's creation on, so a missing ``meta``
means a missing queue. Each process caches metadata for
``base.METADATA_CACHE_SECONDS`` (``Catalog``); changes after creation go
through the lease of stripe 0 (``holder.writer.QueueWriter``).
"""

import threading
import time

from swiftq.storage import base
from swiftq.storage import documents
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage import stripes
from swiftq.swift.errors import SwiftUnavailable

#: Times a queue delete empties and deletes a container that keeps coming
#: back (late rows, racing posts) before it answers 503.
DELETE_ATTEMPTS = 5
LISTING_PAGE = 10000


class Catalog:
    """One process's view of the queue containers: names, existence,
    creation, deletion and the metadata cache."""

    def __init__(self, swift, prefix, default_stripes):
        self._swift = swift
        self._prefix = prefix
        self._default_stripes = default_stripes
        self._lock = threading.Lock()
        # container -> (monotonic time read, metadata, stripe count)
        self._metadata = {}
        self._refreshing = set()    # containers a thread is reading again

    def container(self, project, name, kind=naming.QUEUES):
        return naming.queue_container(naming.kind_prefix(self._prefix, kind),
                                      project, name)

    def catalog_prefix(self, project, kind=naming.QUEUES):
        return naming.catalog_prefix(naming.kind_prefix(self._prefix, kind),
                                     project)

    # -- stripes and metadata -------------------------------------------------
    def layout(self, project, name, kind=naming.QUEUES):
        return self.layout_of(self.container(project, name, kind))

    def layout_of(self, container, fresh=False):
        """The queue's stripes, from the metadata cache (one meta GET per
        METADATA_CACHE_SECONDS per process). Counts only grow: a stale
        count at worst leaves the newest stripes unseen by listings for
        that long (ids name their stripe, so they are always found)."""
        metadata, count = (self.read_meta(container, newest=True) if fresh
                           else self.cached_meta(container))
        if metadata is None:
            return stripes.Layout(container, self._default_stripes)
        return stripes.Layout(container, count)

    def cached_meta(self, container):
        """``(metadata, stripe count)`` of a queue (``(None, None)``: no
        such queue), from the cache, read again at most every
        METADATA_CACHE_SECONDS and by one thread at a time: while one
        refreshes an entry, the others keep using it."""
        cached = self._metadata.get(container)
        if cached and time.monotonic() - cached[0] < \
                base.METADATA_CACHE_SECONDS:
            return cached[1], cached[2]
        with self._lock:
            busy = container in self._refreshing
            if not busy:
                self._refreshing.add(container)
        if busy and cached:
            return cached[1], cached[2]
        try:
            return self.read_meta(container, newest=False)
        finally:
            if not busy:
                with self._lock:
                    self._refreshing.discard(container)

    def read_meta(self, container, newest):
        """``(metadata, stripe count)`` read from Swift (and cached)."""
        metadata, count = documents.read_meta(self._swift, container,
                                              newest=newest)
        if metadata is not None:
            self.remember(container, metadata, count)
        return metadata, count

    def remember(self, container, metadata, count, read_at=None):
        self._metadata[container] = (
            time.monotonic() if read_at is None else read_at, metadata,
            count)

    def is_cached(self, container):
        return container in self._metadata

    # -- containers -----------------------------------------------------------
    def exists(self, container):
        return self._swift.request('HEAD', container).status // 100 == 2

    def create_queue(self, container, metadata):
        """Create the queue's container and, if it is new, its ``meta``.
        True if it was created."""
        created = self._create_container(container)
        if created:
            _write_new_meta(self._swift, container, metadata,
                            stripes.count_to_record(metadata, None,
                                                    self._default_stripes))
        return created

    def create_for_post(self, layout, container):
        """A post found ``container`` (a stripe of ``layout``) missing:
        queues are created lazily, on their first post."""
        if self._create_container(layout.container):
            _write_new_meta(self._swift, layout.container, {}, layout.count)
        if container != layout.container:
            self._create_container(container)

    def _create_container(self, container):
        resp = self._swift.request('PUT', container)
        if resp.status not in (201, 202):
            raise SwiftUnavailable('container PUT answered %d' % resp.status)
        return resp.status == 201

    def delete_container(self, container, name, leases):
        """Empty and DELETE one container so that it stays deleted.

        Swift keeps a deleted container's database, and a late row for an
        object (an async pending replayed by the object-updater, the update
        of a write still in flight) makes it count that object and exist
        again. So the objects every queue has are deleted whether listed or
        not: their tombstones are newer than any earlier write's row. And a
        container that came back while it was being deleted is deleted
        again. See claims.rst "Queue delete"."""
        leases.forget(container)        # no renewal, no release
        for _ in range(DELETE_ATTEMPTS):
            listed = {e['name'] for e in self._swift.iter_objects(container)}
            self._swift.bulk_delete(
                container, sorted(listed | set(naming.FIXED_OBJECTS)))
            resp = self._swift.request('DELETE', container)
            if resp.status == 404 or (resp.status == 204 and
                                      not self.exists(container)):
                self._metadata.pop(container, None)
                return
            if resp.status not in (204, 409):   # 409: a post raced in
                raise SwiftUnavailable('container DELETE answered %d'
                                       % resp.status)
        raise SwiftUnavailable('queue %s kept getting new objects' % name)

    # -- the project's catalog ------------------------------------------------
    def names(self, project, marker=None, limit=10, kind=naming.QUEUES):
        """Queue (or topic) names of the project in order after
        ``marker``."""
        prefix = self.catalog_prefix(project, kind)
        entries = self._swift.list_containers(
            prefix=prefix, marker=prefix + marker if marker else None,
            limit=limit)
        return [e['name'][len(prefix):] for e in entries]

    def count(self, project, kind=naming.QUEUES):
        prefix = self.catalog_prefix(project, kind)
        count, marker = 0, None
        while True:
            page = self._swift.list_containers(prefix=prefix, marker=marker,
                                               limit=LISTING_PAGE)
            count += len(page)
            if len(page) < LISTING_PAGE:
                return count
            marker = page[-1]['name']


def _write_new_meta(swift, container, metadata, stripe_count):
    """Only for a new queue: later changes go through the lease
    (QueueWriter.update_metadata), which keeps the stripe count. A queue
    deleted meanwhile stays deleted."""
    try:
        documents.write_meta(swift, container, metadata, stripe_count)
    except errors.QueueDoesNotExist:
        pass


class Queues(base.QueueController):
    """The queue controller over the process's ``Catalog``, message reads
    (stats) and writer (metadata updates, purges); with ``kind =
    naming.TOPICS``, the topic controller."""

    def __init__(self, process, kind=naming.QUEUES):
        self._process = process
        self._kind = kind

    def _container(self, project, name):
        return self._process.parts.catalog.container(project, name,
                                                     self._kind)

    def _subscriptions(self):
        return self._process.parts.subscription_stores[self._kind]

    @errors.swift_errors
    def create(self, project, name, metadata=None):
        return self._process.parts.catalog.create_queue(
            self._container(project, name), metadata or {})

    @errors.swift_errors
    def exists(self, project, name):
        return self._process.parts.catalog.exists(
            self._container(project, name))

    @errors.swift_errors
    def get_metadata(self, project, name, fresh=True):
        catalog = self._process.parts.catalog
        container = self._container(project, name)
        metadata, _ = (catalog.read_meta(container, newest=True) if fresh
                       else catalog.cached_meta(container))
        if metadata is None:
            raise errors.QueueDoesNotExist(name, project)
        return dict(metadata)

    def set_metadata(self, project, name, metadata):
        self.update_metadata(project, name, lambda current: metadata)

    @errors.swift_errors
    def update_metadata(self, project, name, update):
        parts = self._process.parts
        container = self._container(project, name)
        if not parts.catalog.exists(container):
            raise errors.QueueDoesNotExist(name, project)
        metadata, count = parts.writer.update_metadata(container, update)
        parts.catalog.remember(container, metadata, count)
        return metadata

    @errors.swift_errors
    def list(self, project, marker=None, limit=10, detailed=False):
        parts = self._process.parts
        queues = [{'name': name}
                  for name in parts.catalog.names(project, marker, limit,
                                                  self._kind)]
        if detailed and queues:
            metas = parts.executor.map(
                lambda q: self._metadata_or_empty(project, q['name']), queues)
            for queue, meta in zip(queues, metas):
                queue['metadata'] = meta
        return queues

    def _metadata_or_empty(self, project, name):
        try:
            return self.get_metadata(project, name)
        except errors.QueueDoesNotExist:
            return {}

    @errors.swift_errors
    def count(self, project):
        return self._process.parts.catalog.count(project, self._kind)

    @errors.swift_errors
    def delete(self, project, name):
        parts = self._process.parts
        self._subscriptions().delete_queue(project, name)
        layout = parts.catalog.layout_of(self._container(project, name),
                                         fresh=True)
        # Stripe 0 (with ``meta``, in the catalog) goes last: a queue is
        # gone only once all its stripes are.
        for container in reversed(layout.containers):
            parts.catalog.delete_container(container, name, parts.leases)

    @errors.swift_errors
    def stats(self, project, name):
        parts = self._process.parts
        return parts.reads.stats(parts.catalog.layout_of(
            self._container(project, name)))

    @errors.swift_errors
    def purge(self, project, name, resource_types):
        parts = self._process.parts
        if 'subscriptions' in resource_types:
            self._subscriptions().delete_queue(project, name)
        if 'messages' in resource_types:
            layout = parts.catalog.layout_of(self._container(project, name))
            for container in layout.containers:
                try:
                    parts.writer.purge(container)
                except errors.QueueDoesNotExist:
                    pass
