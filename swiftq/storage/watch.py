"""Long polling: the waiting requests of one queue share its watching.

A request that asks to wait (``?wait=N``) and finds nothing joins the
queue's :class:`_Watch` in this process and sleeps until there is *news*:

* a post (or a claim release) made through this process: at once;
* a post made through any other process: the watcher thread lists the
  segments posted in the last ``WINDOW`` seconds of the queue every
  ``watch_interval`` and announces keys it has not seen before;
* when a claim expires or a delay ends (an attempt that found nothing
  knows when the next one does), and every ``recheck_interval`` as a
  safety net: a lease-free probe (listing + state) looks for claimable
  messages before any waiter tries to claim.

However many requests wait on a queue, this process spends one listing per
``watch_interval`` on it, two requests per probe, plus the waiters' own
attempts after news.
Claim waiters wake one at a time (a token per piece of news, passed on
after a successful claim), so a post of one message does not send every
waiter to the lease; listing waiters all look again, since a listing
takes nothing away from the others.

*Followers* (:meth:`Watcher.follow`, the feeds of pushed subscriptions,
``swiftq.storage.feed``) keep a queue watched as waiters do, without a
thread: their callback is called on every news.
"""

import logging
import random
import threading
import time

from swiftq.metrics import instruments
from swiftq.storage import errors
from swiftq.storage import stripes
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

#: Seconds of segment keys looked at by a watch listing. A segment's key is
#: taken from the posting host's clock before its PUT, so a post becomes
#: visible with a key up to (clock skew + PUT time) in the past; posts
#: older than this window were seen by the waiters' own attempts.
WINDOW = 60.0
LISTING_LIMIT = 1000


class _Watch:
    """This process's waiters on one queue container and what the watcher
    last saw of it."""

    def __init__(self, container, recheck_interval):
        self.container = container
        lock = threading.Lock()
        self.claimers = threading.Condition(lock)   # exclusive waiters
        self.listers = threading.Condition(lock)    # shared waiters
        self.waiters = 0
        self.followers = []         # callbacks told of every news
        self.tokens = 0             # wake-ups owed to claim waiters
        self.generation = 0         # news so far, for listing waiters
        self.tried_at = None        # generation of the last claim attempt
        self.seen = None            # segment keys of the last listing
        self.since_ns = time.time_ns()
        self.next_listing = 0.0
        self.next_recheck = time.monotonic() + recheck_interval
        self.checking = False

    def announce(self):
        """News: one claim waiter and every listing waiter look again, and
        every follower is told."""
        with self.claimers:
            self.generation += 1
            self._give(1)
            self.listers.notify_all()
            followers = list(self.followers)
        for on_news in followers:
            on_news()

    @property
    def idle(self):
        return self.waiters == 0 and not self.followers

    def recheck_at(self, when):
        """Look again at ``when`` (epoch seconds) if that is sooner than
        planned: a claim expires or a delay ends then."""
        if when is not None:
            at = time.monotonic() + max(0.0, when - time.time()) + 0.01
            self.next_recheck = min(self.next_recheck, at)

    def pass_on(self, count):
        """A claim waiter got all it asked for: there may be more, so
        ``count`` others look too (2: the wake-ups double while messages
        last, and stop at the first waiter that finds fewer)."""
        with self.claimers:
            self._give(count)

    def _give(self, count):
        self.tokens = min(self.tokens + count, max(self.waiters, 1))
        self.claimers.notify(count)

    def await_news(self, timeout, exclusive, generation):
        """Sleep until news (True) or ``timeout`` (False). An exclusive
        waiter consumes a token; the others wake on every news."""
        deadline = time.monotonic() + timeout
        cond = self.claimers if exclusive else self.listers
        with cond:
            while True:
                if exclusive and self.tokens > 0:
                    self.tokens -= 1
                    return True
                if not exclusive and self.generation != generation:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                cond.wait(remaining)


class Watcher:
    """The long-poll waiting of one API process (see module docstring)."""

    def __init__(self, segments, read_state, executor, conf,
                 stripes_of=None):
        self._segments = segments
        self._read_state = read_state
        # queue container -> the containers of its stripes
        self._stripes_of = stripes_of or (lambda container: [container])
        self._executor = executor
        self._interval = conf.long_poll.watch_interval
        self._recheck = conf.long_poll.recheck_interval
        self._skew_ns = int(conf.claims.max_clock_skew * 1e9)
        slots = conf.long_poll.waiters_per_worker
        self._slots = threading.BoundedSemaphore(slots) if slots else None
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._watches = {}
        self._thread = None
        # also counted by the metrics (swiftq_long_poll_events_total)
        self.stats = instruments.CountingStats(
            instruments.LONG_POLL_EVENTS, 'event',
            {'listings': 0, 'probes': 0, 'news': 0, 'attempts': 0,
             'refused': 0})

    # -- what requests call ---------------------------------------------------
    def news(self, container):
        """Messages may have become available in ``container``."""
        with self._lock:
            watch = self._watches.get(container)
        if watch is not None:
            self.stats['news'] += 1
            watch.announce()

    def wait(self, container, attempt, found, seconds, exclusive=False,
             limit=None, next_release=None):
        """``attempt()`` until ``found(result)`` (a number of messages) is
        not 0 or ``seconds`` have passed; returns the last result (None if
        there was no news to attempt on).
        ``exclusive``: attempts take what they find (claims of up to
        ``limit`` messages), so waiters wake one at a time.
        ``next_release(result)``: when (epoch seconds, or None) messages
        held back by claims or delays may become free: one waiter looks
        again then."""
        if seconds <= 0:
            return attempt()
        if self._slots is None or not self._slots.acquire(blocking=False):
            self.stats['refused'] += 1
            return attempt()
        instruments.LONG_POLL_WAITERS.inc()
        try:
            return self._wait(container, attempt, found, seconds, exclusive,
                              limit, next_release)
        finally:
            instruments.LONG_POLL_WAITERS.dec()
            self._slots.release()

    def _wait(self, container, attempt, found, seconds, exclusive, limit,
              next_release):
        def count(result):
            return 0 if result is None else found(result)

        def noted(result):
            if next_release is not None and result is not None and \
                    not found(result):
                self._probe_at(watch, next_release(result))
            return result

        deadline = time.monotonic() + seconds
        watch = self._join(container)
        try:
            # Joined before the first attempt: news arriving during it is
            # kept, never lost between the attempt and the sleep.
            generation = watch.generation
            if exclusive and watch.tried_at == generation:
                # Another waiter is claiming (or found nothing) and there
                # has been no news since: wait with the others. A claim
                # that gets all it asked for wakes two more waiters.
                result = None
            else:
                watch.tried_at = generation
                result = noted(attempt())
            failure = None
            while failure is not None or not count(result):
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not watch.await_news(
                        remaining, exclusive, generation):
                    if failure is not None:
                        raise failure
                    break
                generation = watch.generation
                if exclusive:
                    watch.tried_at = generation
                self.stats['attempts'] += 1
                # Swift trouble after the first attempt does not end the
                # wait: the next news tries again; only a wait that ends
                # on a failure reports it.
                try:
                    result, failure = noted(attempt()), None
                except (SwiftUnavailable, errors.ServiceUnavailable) as exc:
                    LOG.debug('attempt while waiting on %s failed: %s',
                              container, exc)
                    failure = exc
            if exclusive and limit and count(result) >= limit:
                watch.pass_on(2)
            return result
        finally:
            self._leave(watch)

    def follow(self, container, on_news):
        """Keep ``container`` watched until :meth:`unfollow` and call
        ``on_news()`` on every news of it (from the thread that found it:
        the callback must be quick)."""
        watch = self._join(container, on_news)
        watch.announce()        # a first look, for what came before
        return watch

    def unfollow(self, container, on_news):
        with self._lock:
            watch = self._watches.get(container)
        if watch is not None:
            self._leave(watch, on_news)

    def _probe_at(self, watch, when):
        if when is not None:
            watch.recheck_at(when)
            with self._lock:
                self._wakeup.notify_all()

    def _join(self, container, follower=None):
        with self._lock:
            watch = self._watches.get(container)
            if watch is None:
                watch = self._watches[container] = _Watch(container,
                                                          self._recheck)
            with watch.claimers:
                if follower is None:
                    watch.waiters += 1
                else:
                    watch.followers.append(follower)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._watch_forever, name='swiftq-watch',
                    daemon=True)
                self._thread.start()
            self._wakeup.notify_all()
            return watch

    def _leave(self, watch, follower=None):
        with self._lock:
            with watch.claimers:
                if follower is None:
                    watch.waiters -= 1
                elif follower in watch.followers:
                    watch.followers.remove(follower)
                if watch.waiters == 0:
                    watch.tokens = 0
                idle = watch.idle
            if idle and self._watches.get(watch.container) is watch:
                del self._watches[watch.container]

    # -- the watcher thread ---------------------------------------------------
    def _watch_forever(self):
        while True:
            with self._lock:
                while not self._watches:
                    self._wakeup.wait()
                watches = list(self._watches.values())
            now = time.monotonic()
            for watch in watches:
                if watch.checking:
                    continue
                if now >= watch.next_recheck:
                    watch.next_recheck = now + self._recheck * \
                        random.uniform(0.9, 1.1)
                    watch.checking = True
                    self._executor.submit(self._check, watch, self._probe)
                elif now >= watch.next_listing:
                    watch.next_listing = now + self._interval
                    watch.checking = True
                    self._executor.submit(self._check, watch, self._look)
            due = min((min(w.next_recheck, w.next_listing)
                       for w in watches if not w.checking),
                      default=now + self._interval)
            with self._lock:
                self._wakeup.wait(min(self._interval / 2,
                                      max(0.01, due - time.monotonic())))

    def _check(self, watch, how):
        try:
            how(watch)
        except SwiftUnavailable as exc:
            LOG.debug('watch listing of %s failed: %s', watch.container, exc)
        except Exception:
            LOG.exception('watch listing of %s failed', watch.container)
        finally:
            watch.checking = False

    def _look(self, watch):
        window_start = time.time_ns() - int(WINDOW * 1e9)
        keys = set()
        full = False
        for container in self._stripes_of(watch.container):
            page = self._segments.list(container, '%016x' % window_start,
                                       LISTING_LIMIT)
            self.stats['listings'] += 1
            if page is None:
                if container == watch.container:
                    return      # no queue
                continue        # a stripe nothing was posted to yet
            keys.update(segment.key for segment in page)
            full = full or len(page) >= LISTING_LIMIT
        if watch.seen is None:
            # First look: anything posted since (about) the first waiter
            # joined may have been missed by its attempt.
            since = '%016x' % (watch.since_ns - self._skew_ns)
            fresh = any(key >= since for key in keys)
        else:
            fresh = bool(keys - watch.seen)
        fresh = fresh or full
        watch.seen = keys
        if fresh:
            self.stats['news'] += 1
            watch.announce()

    def _probe(self, watch):
        """Is anything claimable now? Read without the lease (a listing
        and the state of each stripe): waiters attempt a claim only if so,
        else the states tell when a claim or delay ends next."""
        releases = []
        for container in self._stripes_of(watch.container):
            self.stats['probes'] += 1
            free, release = stripes.look_for_free(
                self._segments, self._read_state, container)
            if free:
                self.stats['news'] += 1
                watch.announce()
                return
            if release is not None:
                releases.append(release)
        watch.recheck_at(min(releases, default=None))
