"""Posts followed as they land: what swiftq-websocket pushes to the sockets
that subscribed to a queue (doc/source/design/long-poll.rst, "Pushed
subscriptions").

A *follower* of a queue is handed every segment posted to it from when it
began following (less ``[claims] max_clock_skew``: a segment's key is the
posting host's clock), whichever process posted it, at least once, in key
order within each look. The followers of one queue in this process share
one :class:`_Feed`, and feeds share the long-poll watching
(:mod:`swiftq.storage.watch`): a feed is woken by the queue's news (at
once for a post through this process, within ``watch_interval`` plus one
listing for a post through another one); then it lists the segments of
the last ``watch.WINDOW`` seconds of every stripe, reads those it has not
handed out yet (and, on a follower's first look, those it handed to
others before that follower joined) and hands them out. There is no
thread per feed nor per follower: a feed's looks run on the process's I/O
pool, one at a time, and news arriving during a look makes one more look.

A segment that appears in a listing later than ``watch.WINDOW`` seconds
after its key (a very degraded Swift) is not pushed, as a long-poll
waiter would not be woken by it. A segment whose messages are all deleted
before the feed reads it is not pushed either (its body is gone).
"""

import logging
import threading
import time

from swiftq.storage import errors
from swiftq.storage import watch as watch_mod
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)


class Following:
    """One follower's registration: ``deliver(segment, body)`` is called
    (on an I/O thread) for each new segment; :meth:`stop` ends it."""

    def __init__(self, feeds, container, deliver, since_key):
        self._feeds = feeds
        self.container = container
        self.deliver = deliver
        self.since_key = since_key
        self.stopped = False
        self.caught_up = False      # had its first look

    def stop(self):
        if not self.stopped:
            self.stopped = True
            self._feeds.unfollow(self)


class _Feed:
    """The followers of one queue container in this process, and the
    segments already handed to them."""

    def __init__(self, feeds, container):
        self._feeds = feeds
        self.container = container
        self.followers = []
        self.handed = {}            # (stripe, key) handed out, by key
        self._lock = threading.Lock()
        self._looking = False
        self._again = False

    def poke(self):
        """News: look now, or once more after the look under way."""
        with self._lock:
            if self._looking:
                self._again = True
                return
            self._looking = True
        self._feeds.executor.submit(self._run)

    def _run(self):
        while True:
            try:
                self._look()
            except (SwiftUnavailable, errors.ServiceUnavailable) as exc:
                LOG.debug('feed of %s: %s', self.container, exc)
                self._retry_later()
            except Exception:
                LOG.exception('feed of %s failed', self.container)
                self._retry_later()
            with self._lock:
                if not self._again:
                    self._looking = False
                    return
                self._again = False

    def _retry_later(self):
        timer = threading.Timer(self._feeds.retry_interval, self.poke)
        timer.daemon = True
        timer.start()

    def _look(self):
        with self._lock:
            followers = list(self.followers)
        if not followers:
            return
        window_start = '%016x' % (time.time_ns() -
                                  int(watch_mod.WINDOW * 1e9))
        start = max(window_start, min(f.since_key for f in followers))
        # A follower's first look hands it everything since it began,
        # also what the feed handed to others before it joined.
        joining = [f for f in followers if not f.caught_up]
        listed = []
        for stripe in self._feeds.stripes_of(self.container):
            for segment in self._feeds.segments.list(stripe, start) or ():
                fresh = (stripe, segment.key) not in self.handed
                if fresh or any(segment.key >= f.since_key
                                for f in joining):
                    listed.append((segment.key, stripe, segment, fresh))
        listed.sort(key=lambda item: item[0])
        bodies = {}
        for stripe in {item[1] for item in listed}:
            keys = [item[0] for item in listed if item[1] == stripe]
            bodies.update(((stripe, key), body) for key, body in
                          self._read(stripe, keys).items())
        for key, stripe, segment, fresh in listed:
            body = bodies.get((stripe, key))
            self.handed[(stripe, key)] = key
            if body is None:
                continue
            for follower in followers:
                if key >= follower.since_key and not follower.stopped and \
                        (fresh or not follower.caught_up):
                    follower.deliver(segment, body)
        for follower in joining:
            follower.caught_up = True
        self.handed = {k: v for k, v in self.handed.items()
                       if v > window_start}

    def _read(self, stripe, keys):
        """``{key: body or None}``; a segment that cannot be decrypted
        (an encrypted queue, a key the service lacks) is passed over,
        logged once, rather than tried again and again."""
        segments = self._feeds.segments
        try:
            return segments.read_many(stripe, keys)
        except errors.EncryptionUnavailable:
            pass
        bodies = {}
        for key in keys:
            try:
                bodies[key] = segments.read(stripe, key)
            except errors.EncryptionUnavailable as exc:
                LOG.error('feed of %s: segment %s not pushed: %s',
                          self.container, key, exc)
                bodies[key] = None
        return bodies


class Feeds:
    """The feeds of this process (one per followed queue container).

    ``stripes_of(container)``: the containers of a queue's stripes."""

    def __init__(self, segments, watcher, executor, stripes_of, skew,
                 retry_interval):
        self.segments = segments
        self.executor = executor
        self.stripes_of = stripes_of
        self.retry_interval = retry_interval
        self._watcher = watcher
        self._skew_ns = int(skew * 1e9)
        self._feeds = {}
        self._lock = threading.Lock()

    def follow(self, container, deliver, since_ns=None):
        """A :class:`Following` of ``container`` from ``since_ns`` (epoch
        nanoseconds; default now), less the clock skew."""
        if since_ns is None:
            since_ns = time.time_ns()
        since = '%016x' % (since_ns - self._skew_ns)
        following = Following(self, container, deliver, since)
        with self._lock:
            feed = self._feeds.get(container)
            new = feed is None
            if new:
                feed = self._feeds[container] = _Feed(self, container)
            with feed._lock:
                feed.followers.append(following)
        if new:
            self._watcher.follow(container, feed.poke)
        else:
            feed.poke()
        return following

    def unfollow(self, following):
        with self._lock:
            feed = self._feeds.get(following.container)
            if feed is None:
                return
            with feed._lock:
                if following in feed.followers:
                    feed.followers.remove(following)
                idle = not feed.followers
            if idle:
                del self._feeds[following.container]
        if idle:
            self._watcher.unfollow(following.container, feed.poke)

    def count(self):
        """Queues followed (for tests and the benchmark)."""
        with self._lock:
            return len(self._feeds)
