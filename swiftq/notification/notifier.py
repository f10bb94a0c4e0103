"""The notifier: delivers what is posted to queues to their subscriptions.

One pass (every ``[notification] poll_interval`` seconds):

1. list the subscription index once (:mod:`swiftq.notification.index`),
   keeping the queues of this process's shard;
2. per subscribed queue: read its cursor the first time
   (:mod:`swiftq.notification.cursor`), take in the deliveries finished
   since the last pass, list the segments above the lowest watermark, and
   give each subscription with nothing in flight its next batch of
   segments (in key order) to deliver on the worker pool;
3. write the cursor of every queue whose progress changed.

A subscription has at most one batch in flight, and a batch stops at the
first failed attempt, so a dead or slow subscriber holds one worker for at
most ``delivery_timeout`` at a time and never delays other subscribers or
the queue's cursor. A failed delivery is tried again per the
subscription's ``_retry_policy`` (:mod:`swiftq.notification.retry`) on
later passes, then given up (logged).

Shards: with ``processes > 1`` a queue container belongs to the process
whose ``process`` is ``md5(container) % processes`` (a stable hash, as
Swift's object-expirer). Two processes on one shard both deliver: only
duplicates, never losses, since each writes a cursor only with what it
delivered itself or read from the cursor.
"""

import collections
import concurrent.futures
import datetime
import hashlib
import logging
import threading
import time
import urllib.parse

from swiftq.auth import trusts
from swiftq.metrics import instruments
from swiftq.notification import confirmation
from swiftq.notification import cursor as cursor_mod
from swiftq.notification import mailto
from swiftq.notification import payload
from swiftq.notification import retry
from swiftq.notification import trust
from swiftq.notification import webhook
from swiftq.notification.index import SubscriptionIndex
from swiftq.notification.outcome import Outcome
from swiftq.storage import documents
from swiftq.storage import encryption
from swiftq.storage import errors as storage_errors
from swiftq.storage import naming
from swiftq.storage import segments as segments_mod
from swiftq.storage import stripes
from swiftq.swift.client import SwiftClient
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

#: Segments given to one subscriber in one batch.
BATCH = 100
#: Segment bodies a batch reads ahead of the one it delivers.
READ_AHEAD = 8
#: Seconds a queue's ``_retry_policy`` (its metadata) is cached.
QUEUE_POLICY_TTL = 30.0
#: Seconds a queue's stripe count is kept before it is read again.
STRIPES_REFRESH = 10.0
#: Seconds between two summary lines in the log.
SUMMARY_INTERVAL = 60.0

# What a batch reports per item, beside Outcome: the segment is gone (all
# its messages deleted or expired), or Swift could not be read.
GONE = 'gone'
UNAVAILABLE = 'unavailable'
NOTICES = (cursor_mod.REQUESTED, cursor_mod.UNSUBSCRIBED)

Result = collections.namedtuple('Result', 'key outcome done detail')


def shard_of(container, processes):
    digest = hashlib.md5(container.encode('utf-8'), usedforsecurity=False)
    return int(digest.hexdigest(), 16) % processes


def scheme_of(subscriber):
    return urllib.parse.urlparse(subscriber).scheme.lower()


class RetryState:
    """A failing item of one subscriber: failed attempts so far, when to
    try again, and the messages of the segment already delivered."""

    __slots__ = ('attempts', 'due', 'done')

    def __init__(self):
        self.attempts = 0
        self.due = 0.0
        self.done = set()


class Batch:
    """Items handed to a worker for one subscriber. The worker appends a
    Result per item as it goes, so the loop records (and the cursor
    keeps) deliveries while the rest of the batch is still under way."""

    __slots__ = ('future', 'results', 'taken')

    def __init__(self):
        self.future = None
        self.results = []
        self.taken = 0

    def take(self):
        """The results not taken yet (list.append is atomic)."""
        end = len(self.results)
        new = self.results[self.taken:end]
        self.taken = end
        return new

    def done(self):
        return self.future.done()


class Stream:
    """One subscription's deliveries in this process."""

    __slots__ = ('sub', 'job', 'retries')

    def __init__(self, sub):
        self.sub = sub
        self.job = None
        self.retries = {}

    def due(self, key, now):
        state = self.retries.get(key)
        return state is None or state.due <= now


class Notifier:

    def __init__(self, conf, swift=None, clock=time.time):
        group = conf.notification
        if group.processes > 1 and group.process >= group.processes:
            raise ValueError('[notification] process (%d) must be below '
                             'processes (%d)' % (group.process,
                                                 group.processes))
        self.conf = conf
        self.clock = clock
        self.swift = swift if swift is not None else \
            SwiftClient.from_conf(conf)
        self.skew = conf.claims.max_clock_skew
        self.workers = concurrent.futures.ThreadPoolExecutor(
            group.max_notifier_workers, thread_name_prefix='notify')
        self._readers = concurrent.futures.ThreadPoolExecutor(
            4, thread_name_prefix='notify-read')
        self.segments = segments_mod.SegmentStore(
            self.swift, self._readers, max_claim_life=0,
            keyring=encryption.Keyring.from_options(conf.transport))
        self.cursors = cursor_mod.CursorStore(self.swift)
        self.index = SubscriptionIndex(
            self.swift, conf.swift.container_prefix,
            executor=self._readers, clock=clock)
        #: Documents of unconfirmed subscriptions that messages wait for.
        self.recheck = set()
        web = webhook.WebhookTask(group.delivery_timeout,
                                  pool_size=group.max_notifier_workers)
        trusted = trust.TrustTask(web, trusts.Trustee(conf))
        self.tasks = {'http': web, 'https': web,
                      'trust+http': trusted, 'trust+https': trusted,
                      'mailto': mailto.MailtoTask(group,
                                                  group.delivery_timeout)}
        self.queues = {}
        self._stopping = threading.Event()
        self._counts = collections.Counter()
        self._counts_lock = threading.Lock()
        self._summary_at = time.monotonic()

    # -- the loop -------------------------------------------------------------
    def serves(self, container):
        processes = self.conf.notification.processes
        if processes <= 1:
            return True
        return shard_of(container, processes) == \
            self.conf.notification.process

    def run(self, stop):
        """Pass after pass until the ``stop`` event is set, then finish
        (:meth:`close`)."""
        interval = self.conf.notification.poll_interval
        LOG.info('notifier started: shard %s, every %.2f s, %d workers',
                 self._shard_text(), interval,
                 self.conf.notification.max_notifier_workers)
        while not stop.is_set():
            started = time.monotonic()
            try:
                self.run_pass()
            except SwiftUnavailable as exc:
                LOG.warning('notifier pass cut short: %s', exc)
            except Exception:
                LOG.exception('notifier pass failed')
            self._log_summary()
            stop.wait(max(0.0, interval - (time.monotonic() - started)))
        self.close()

    def run_pass(self):
        recheck, self.recheck = self.recheck, set()
        subscribed = self.index.refresh(wanted=self.serves, recheck=recheck)
        for container, subs in subscribed.items():
            queue = self.queues.get(container)
            if queue is None:
                queue = self.queues[container] = QueueNotifier(self,
                                                               container)
            try:
                queue.step(subs)
            except SwiftUnavailable as exc:
                LOG.warning('queue %s skipped this pass: %s', container, exc)
        for container in list(self.queues):
            if container not in subscribed:
                self.queues.pop(container).finish()

    def close(self, timeout=None):
        """Stop the batches in flight after their current delivery (wait
        at most ``timeout``, default ``delivery_timeout``), record what
        they did, stop the pools."""
        if timeout is None:
            timeout = self.conf.notification.delivery_timeout
        self._stopping.set()
        jobs = [stream.job.future for queue in self.queues.values()
                for stream in queue.streams.values() if stream.job]
        concurrent.futures.wait(jobs, timeout=timeout)
        for queue in list(self.queues.values()):
            queue.finish()
        self.workers.shutdown(wait=False, cancel_futures=True)
        self._readers.shutdown(wait=False, cancel_futures=True)
        self._log_summary(force=True)

    def _shard_text(self):
        group = self.conf.notification
        if group.processes <= 1:
            return 'all queues'
        return '%d of %d' % (group.process, group.processes)

    def _log_summary(self, force=False):
        if not force and time.monotonic() - self._summary_at < \
                SUMMARY_INTERVAL:
            return
        self._summary_at = time.monotonic()
        with self._counts_lock:
            counts = sorted(self._counts.items())
            self._counts.clear()
        if counts:
            LOG.info('notifier: %s', ', '.join('%s %d' % c for c in counts))

    def count(self, what):
        """Add one to a figure of the periodic summary line (and to the
        metrics' swiftq_notifier_events_total)."""
        with self._counts_lock:
            self._counts[what] += 1
        instruments.NOTIFIER_EVENTS.labels(what).inc()

    # -- one batch, on a worker -----------------------------------------------
    def deliver(self, sub, items, done_by_key, results):
        """Deliver ``items`` (notices, then segments in key order) to one
        subscriber, appending a Result per item to ``results``; stop at
        the first attempt to retry."""
        task = self.tasks.get(scheme_of(sub.subscriber))
        bodies = ReadAhead(self._readers, self.segments,
                           {item.key: item.container for item in items
                            if not isinstance(item, str)})
        for item in items:
            if self._stopping.is_set():
                break
            if task is None:
                results.append(Result(_key(item), Outcome.REJECTED, set(),
                                      'no delivery for %r' % sub.subscriber))
                continue
            if isinstance(item, str):
                result = self._deliver_notice(task, sub, item)
            else:
                result = self._deliver_segment(
                    task, sub, item, set(done_by_key.get(item.key, ())),
                    bodies.get(item.key))
            results.append(result)
            if result.outcome in (Outcome.RETRY, UNAVAILABLE):
                break
        bodies.cancel()

    def _deliver_notice(self, task, sub, notice):
        message = confirmation.request(
            self.conf, sub, unsubscribed=notice == cursor_mod.UNSUBSCRIBED,
            now=_utc(self.clock()))
        if message is None:
            return Result(notice, Outcome.REJECTED, set(),
                          'no confirmation request can be made')
        attempt = task.send(sub, message)
        return Result(notice, attempt.outcome, set(), attempt.detail)

    def _deliver_segment(self, task, sub, segment, done, body_future):
        try:
            body = body_future.result()
        except SwiftUnavailable as exc:
            return Result(segment.key, UNAVAILABLE, done, str(exc))
        except storage_errors.EncryptionUnavailable as exc:
            # kept for a later pass: delivered once the key is configured
            LOG.error('%s', exc)
            return Result(segment.key, UNAVAILABLE, done, str(exc))
        if body is None:
            return Result(segment.key, GONE, done, '')
        for index, message_body in enumerate(body.bodies):
            if index in done:
                continue
            if self._stopping.is_set():
                return Result(segment.key, UNAVAILABLE, done, 'stopping')
            message_id = naming.striped_id(
                naming.message_id(segment.key, index),
                naming.stripe_of_container(segment.container))
            attempt = task.send(
                sub, payload.notification(sub.queue, segment, message_body),
                message_id)
            if attempt.outcome is Outcome.RETRY:
                return Result(segment.key, Outcome.RETRY, done,
                              attempt.detail)
            if attempt.outcome is Outcome.REJECTED:
                LOG.warning('subscriber %s refused message %s of %s (%s): '
                            'not retried', sub.subscriber, message_id,
                            segment.container, attempt.detail)
                self.count('refused')
            else:
                self.count('delivered')
            done.add(index)
        return Result(segment.key, Outcome.DELIVERED, done, '')


class ReadAhead:
    """The segment bodies of a batch, read in order on the reader pool,
    READ_AHEAD segments ahead of the one being delivered (the body cache
    then serves the queue's other subscribers)."""

    def __init__(self, pool, segments, containers):
        """``containers``: ``{segment key: its (stripe) container}`` in
        delivery order."""
        self._pool = pool
        self._segments = segments
        self._containers = containers
        self._keys = list(containers)
        self._futures = {}
        self._next = 0

    def get(self, key):
        """A future of the body of ``key``."""
        end = min(len(self._keys), self._keys.index(key) + READ_AHEAD + 1)
        while self._next < end:
            k = self._keys[self._next]
            self._futures[k] = self._pool.submit(self._segments.read,
                                                 self._containers[k], k)
            self._next += 1
        return self._futures.pop(key)

    def cancel(self):
        for future in self._futures.values():
            future.cancel()


def _key(item):
    return item if isinstance(item, str) else item.key


def _utc(epoch):
    return datetime.datetime.fromtimestamp(
        epoch, datetime.timezone.utc).replace(tzinfo=None)


class StripeSegment:
    """A listed segment and the stripe container it is in."""

    __slots__ = ('segment', 'container')

    def __init__(self, segment, container):
        self.segment = segment
        self.container = container

    def __getattr__(self, name):
        return getattr(self.segment, name)


class QueueNotifier:
    """The deliveries of one queue container in this process."""

    def __init__(self, notifier, container):
        self.notifier = notifier
        self.container = container
        self.cursor = None
        self.dirty = False
        self.streams = {}
        self._missing = {}
        self._queue_policy = None
        self._queue_policy_at = None
        self._stripe_containers = None
        self._stripes_read_at = 0.0

    def step(self, subs):
        notifier = self.notifier
        if self.cursor is None:
            self.cursor = notifier.cursors.load(self.container)
        self.collect()
        self._sync(subs)
        listing = []
        if self.cursor.progress:
            marker = min(p.watermark for p in self.cursor.progress.values())
            listing = self._list(marker)
        now = notifier.clock()
        settled = cursor_mod.key_at(
            now - notifier.conf.notification.settle_window)
        for stream in self.streams.values():
            self._plan(stream, listing, now, settled)
        self.save()

    def _list(self, marker):
        """The segments above ``marker`` of every stripe of the queue, in
        key order (keys are unique across stripes and sort by post time,
        so one cursor serves them all), each as a StripeSegment."""
        listing = []
        for container in self._stripes():
            # None: no container (yet): nothing posted, notices still go.
            for segment in self.notifier.segments.list(
                    container, marker_key=marker) or ():
                listing.append(StripeSegment(segment, container))
        listing.sort(key=lambda item: item.key)
        return listing

    def _stripes(self):
        now = time.monotonic()
        if self._stripe_containers is None or \
                now - self._stripes_read_at > STRIPES_REFRESH:
            _, count = documents.read_meta(self.notifier.swift, self.container,
                                           newest=False)
            self._stripe_containers = stripes.Layout(
                self.container, count or 1).containers
            self._stripes_read_at = now
        return self._stripe_containers

    def finish(self):
        """Record the batches already done and write the cursor (the
        queue leaves this process: no subscription left, or shutdown)."""
        if self.cursor is None:
            return
        self.collect()
        try:
            self.save()
        except SwiftUnavailable as exc:
            LOG.warning('cursor of %s not written: %s', self.container, exc)

    def save(self):
        if self.dirty:
            self.notifier.cursors.save(self.container, self.cursor)
            # A missing container (deleted queue) has nothing left to
            # deliver: do not try again every pass.
            self.dirty = False

    # -- subscriptions come and go --------------------------------------------
    def _sync(self, subs):
        now = self.notifier.clock()
        live = {sub.id: sub for sub in subs}
        progress = self.cursor.progress
        for sub_id in list(progress):
            if sub_id in live:
                self._missing.pop(sub_id, None)
                continue
            # Forget a subscription only once it has been missing for a
            # while: a listing that briefly lacks it must not make its
            # deliveries start over.
            since = self._missing.setdefault(sub_id, now)
            if now - since > self.notifier.conf.notification.settle_window:
                del progress[sub_id]
                self._missing.pop(sub_id)
                self.dirty = True
        for sub_id in list(self.streams):
            if sub_id not in live:
                del self.streams[sub_id]
        for sub in subs:
            if sub.id not in progress:
                progress[sub.id] = cursor_mod.Progress(
                    cursor_mod.key_at(sub.created - self.notifier.skew))
                self.dirty = True
            stream = self.streams.get(sub.id)
            if stream is None:
                self.streams[sub.id] = Stream(sub)
            else:
                stream.sub = sub

    # -- what each subscriber gets next ---------------------------------------
    def _plan(self, stream, listing, now, settled):
        notifier = self.notifier
        sub = stream.sub
        progress = self.cursor.progress[sub.id]
        require = notifier.conf.notification.require_confirmation
        notice = None
        if require:
            if sub.confirmed:
                if progress.notice != cursor_mod.CONFIRMED:
                    progress.notice = cursor_mod.CONFIRMED
                    self.dirty = True
            elif progress.notice is None:
                notice = cursor_mod.REQUESTED
            elif progress.notice == cursor_mod.CONFIRMED:
                notice = cursor_mod.UNSUBSCRIBED
        receiving = not require or sub.confirmed
        created_floor = sub.created - notifier.skew
        # An unconfirmed subscription passes over what was posted before
        # it was last read unconfirmed; later posts wait for the next read.
        unconfirmed_until = sub.read_at - notifier.skew
        pending = []
        first_pending = None
        for segment in listing:
            if progress.is_handled(segment.key):
                continue
            if (segment.created < created_floor or segment.expires <= now or
                    (not receiving and
                     segment.created < unconfirmed_until)):
                self._handled(stream, progress, segment.key)
                continue
            if first_pending is None:
                first_pending = segment.key
            if receiving:
                pending.append(segment)
        if first_pending is not None and not receiving:
            notifier.recheck.add(
                naming.subscription_object(self.container, sub.id))
        progress.advance(settled, first_pending)
        if stream.job is not None:
            return
        items = []
        if notice and stream.due(notice, now):
            items.append(notice)
        for segment in pending:
            if len(items) >= BATCH:
                break
            if stream.due(segment.key, now):
                items.append(segment)
        if items:
            done = {key: set(state.done)
                    for key, state in stream.retries.items()}
            batch = Batch()
            batch.future = notifier.workers.submit(
                notifier.deliver, sub, items, done, batch.results)
            stream.job = batch

    def _handled(self, stream, progress, key):
        stream.retries.pop(key, None)
        if key in NOTICES:
            progress.notice = key
            self.dirty = True
        elif progress.mark(key):
            self.dirty = True

    # -- finished batches -----------------------------------------------------
    def collect(self):
        """Record what the batches in flight have done so far."""
        for stream in self.streams.values():
            batch = stream.job
            if batch is None:
                continue
            finished = batch.done()
            progress = self.cursor.progress.get(stream.sub.id)
            for result in batch.take():
                if progress is not None:
                    self._apply(stream, progress, result)
            if finished:
                stream.job = None
                if batch.future.exception() is not None:
                    LOG.error('delivery to %s failed: %r',
                              stream.sub.subscriber,
                              batch.future.exception())

    def _apply(self, stream, progress, result):
        notifier = self.notifier
        if result.outcome in (Outcome.DELIVERED, GONE, Outcome.REJECTED):
            if result.outcome is Outcome.REJECTED:
                LOG.warning('subscriber %s of %s refused %s (%s): not '
                            'retried', stream.sub.subscriber, self.container,
                            result.key, result.detail)
            elif result.key in NOTICES:
                notifier.count('confirmation requests')
            self._handled(stream, progress, result.key)
            return
        state = stream.retries.setdefault(result.key, RetryState())
        state.done = set(result.done)
        now = notifier.clock()
        if result.outcome == UNAVAILABLE:
            state.due = now     # not the subscriber's fault: no attempt
            return
        state.attempts += 1
        delays = retry.delays(self._policy(stream.sub))
        if state.attempts > len(delays):
            LOG.warning('giving up delivering %s of %s to %s after %d '
                        'attempts (last: %s)', result.key, self.container,
                        stream.sub.subscriber, state.attempts, result.detail)
            notifier.count('given up')
            self._handled(stream, progress, result.key)
            return
        notifier.count('retries')
        state.due = now + delays[state.attempts - 1]
        LOG.info('delivery of %s of %s to %s failed (%s): attempt %d in '
                 '%s s', result.key, self.container, stream.sub.subscriber,
                 result.detail, state.attempts + 1,
                 delays[state.attempts - 1])

    def _policy(self, sub):
        return retry.choose(sub.options.get('_retry_policy'),
                            self._read_queue_policy())

    def _read_queue_policy(self):
        now = time.monotonic()
        if self._queue_policy_at is None or \
                now - self._queue_policy_at > QUEUE_POLICY_TTL:
            try:
                meta = documents.read_metadata(
                    self.notifier.swift, self.container, newest=False) or {}
                policy = meta.get('_retry_policy')
                self._queue_policy = policy if isinstance(policy, dict) \
                    else {}
            except (SwiftUnavailable, ValueError) as exc:
                LOG.warning('queue %s: metadata unreadable (%s), its '
                            '_retry_policy is not applied', self.container,
                            exc)
                self._queue_policy = self._queue_policy or {}
            self._queue_policy_at = now
        return self._queue_policy
