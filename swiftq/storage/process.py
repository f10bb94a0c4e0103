"""The parts of the storage layer that belong to one process.

Connections, threads, caches and leases are one process's own: they are
built once per process, and built anew in a process forked after they were
made, so gunicorn workers never share sockets or leases. The controllers
(``catalog``, ``messages``, ``claims``, ``subscriptions``) hold a
``PerProcess`` and ask it for the ``ProcessParts`` of the process they run
in.
"""

import concurrent.futures
import os
import threading

from swiftq.storage import catalog as catalog_mod
from swiftq.storage import encryption
from swiftq.storage import feed
from swiftq.storage import message_format
from swiftq.storage import message_reads
from swiftq.storage import naming
from swiftq.storage import segments as segments_mod
from swiftq.storage import stripes
from swiftq.storage import subscriptions as subscriptions_mod
from swiftq.storage import watch
from swiftq.storage.holder import commit
from swiftq.storage.holder import lease
from swiftq.storage.holder import sync
from swiftq.storage.holder import writer
from swiftq.swift.client import SwiftClient

#: Threads of a process's pool for parallel Swift requests.
IO_THREADS = 16


class ProcessParts:
    """Everything of one process, wired once: the Swift client and thread
    pool, segments, the lease keeper and the lease holder's writer, the
    long-poll watcher and the feeds it wakes, the stripe picker, the
    catalog with its metadata cache, message reads and subscriptions (a
    store per kind: queues, topics).

    ``post_dead_letter(queue container, message, client_id)``: how the
    writer posts to a dead-letter queue (``messages.Messages``); ``swift``:
    a client to use instead of one made from ``conf`` (unit tests)."""

    def __init__(self, conf, post_dead_letter, swift=None):
        self.pid = os.getpid()
        self.swift = swift if swift is not None else \
            SwiftClient.from_conf(conf)
        self.executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=IO_THREADS, thread_name_prefix='swiftq-io')
        skew = conf.claims.max_clock_skew
        max_claim_life = (conf.transport.max_claim_ttl +
                          conf.transport.max_claim_grace)
        self.segments = segments_mod.SegmentStore(
            self.swift, self.executor, max_claim_life,
            encryption.Keyring.from_options(conf.transport))
        self.catalog = catalog_mod.Catalog(self.swift,
                                           conf.swift.container_prefix,
                                           conf.swift.queue_stripes)
        self.formatter = message_format.MessageFormatter(
            conf.enable_checksum)
        self.reads = message_reads.MessageReader(
            self.swift, self.segments, self.executor, self.formatter, skew)
        self.leases = lease.LeaseKeeper(self.swift, conf.claims,
                                        conf.swift.read_timeout)
        state_writer = commit.StateWriter(
            self.swift, self.segments, conf.swift.read_timeout,
            conf.claims.deleted_segment_memory)
        self.leases.before_release = state_writer.write_pending
        self.writer = writer.QueueWriter(
            self.swift, self.segments, self.leases,
            sync.ViewSync(self.swift, self.segments, skew), state_writer,
            conf, post_dead_letter)
        self.watcher = watch.Watcher(
            self.segments, self.reads.read_state, self.executor, conf,
            lambda c: self.catalog.layout_of(c).containers)
        self.feeds = feed.Feeds(
            self.segments, self.watcher, self.executor,
            lambda c: self.catalog.layout_of(c).containers, skew,
            conf.long_poll.watch_interval)
        self.picker = stripes.StripePicker(
            self.leases,
            lambda container: stripes.look_for_free(
                self.segments, self.reads.read_state, container)[0])
        self.subscription_stores = {
            kind: subscriptions_mod.SubscriptionStore(
                self.swift, conf.swift.container_prefix,
                executor=self.executor,
                write_deadline=conf.claims.lease_write_deadline,
                settle_delay=conf.claims.lease_settle_delay, kind=kind)
            for kind in (naming.QUEUES, naming.TOPICS)}
        #: The queues' store (topics have theirs in subscription_stores).
        self.subscriptions = self.subscription_stores[naming.QUEUES]


class PerProcess:
    """``parts``: the ProcessParts of the calling process, built on first
    use (and again after a fork) by ``build()``."""

    def __init__(self, build):
        self._build = build
        self._parts = None
        self._lock = threading.Lock()

    @property
    def parts(self):
        parts = self._parts
        if parts is None or parts.pid != os.getpid():
            with self._lock:
                if self._parts is None or self._parts.pid != os.getpid():
                    self._parts = self._build()
                parts = self._parts
        return parts
