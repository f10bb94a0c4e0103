"""Per-queue leases: one API process at a time may change a queue's state.

Swift has no compare-and-swap: conditional PUTs are not exclusive under
races, and the newest timestamp wins. The lease is therefore taken with
Fischer's timed mutual exclusion over one Swift object per queue, using
only what Swift does guarantee (see doc/source/design/claims.rst):

1. read the ``lease`` object with ``X-Newest`` (started at local time r);
   if it is held (its Swift timestamp + lease_seconds + max_clock_skew is
   in the future) wait and retry;
2. PUT our own nonce; give up on this attempt unless the PUT was
   acknowledged within ``lease_write_deadline`` (Delta) of r;
3. sleep ``lease_settle_delay`` (D > Delta) and read back with X-Newest;
   the lease is ours iff our nonce is still there.

Any two writers whose attempts both passed step 2 and overlap in time are
both visible to each other's step-3 read (every acknowledged write is on a
quorum and X-Newest reads a quorum), and all readers agree on the newest
timestamp, so at most one of them sees its own nonce. A writer whose PUT
was slower than Delta never proceeds; its late write only makes the lease
look held until it expires.

A holder uses the lease until ``r + lease_seconds - max_clock_skew`` on
its own monotonic clock, and bounds every Swift write it makes under the
lease by that deadline. It renews by PUTting its nonce again and releases
by deleting the object.
"""

import json
import logging
import random
import threading
import time
import uuid

from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

# Time kept in hand when a write under the lease is bounded by its deadline.
WRITE_MARGIN = 0.05


class Lease:
    """A lease this process holds on one queue, and what it caches while it
    holds it (only the holder changes a queue, so the cache is exact)."""

    def __init__(self, container, nonce, read_started, conf):
        self.container = container
        self.nonce = nonce
        self.acquired = time.monotonic()
        self.last_used = self.acquired
        self.valid_until = read_started + conf.lease_seconds - \
            conf.max_clock_skew
        self.lock = threading.Lock()
        self.cache = None   # set by the claim engine (QueueView)

    def remaining(self):
        return self.valid_until - time.monotonic()

    def write_timeout(self, wanted):
        """Timeout for a write made under this lease: never past its end."""
        left = self.remaining() - WRITE_MARGIN
        if left <= 0:
            raise errors.LeaseUnavailable('lease on %s ran out'
                                          % self.container)
        return min(wanted, left)


class LeaseKeeper:
    """Takes, renews, shares (between threads) and gives back the leases of
    one API process."""

    def __init__(self, swift, claims_conf, read_timeout=10.0):
        self._swift = swift
        self._conf = claims_conf
        self._read_timeout = read_timeout
        self._holder = uuid.uuid4().hex
        self._leases = {}
        self._guard = threading.Lock()
        self._queue_locks = {}
        self._reaper = None

    # -- public -------------------------------------------------------------
    def hold(self, container):
        """Context manager: the caller has the queue to itself (in this
        process and, through the Swift lease, across all processes)."""
        return _Holding(self, container)

    def forget(self, container):
        """Drop a lease whose queue vanished (no Swift request)."""
        with self._guard:
            self._leases.pop(container, None)

    def forget_cache(self, container):
        """Make the holder reload the queue (e.g. its metadata changed)."""
        with self._guard:
            lease = self._leases.get(container)
        if lease is not None:
            lease.cache = None

    def release_all(self):
        with self._guard:
            leases = list(self._leases.values())
            self._leases.clear()
        for lease in leases:
            self._release(lease)

    # -- internals ----------------------------------------------------------
    def _queue_lock(self, container):
        with self._guard:
            lock = self._queue_locks.get(container)
            if lock is None:
                lock = self._queue_locks[container] = threading.Lock()
            return lock

    def _enter(self, container):
        self._start_reaper()
        lock = self._queue_lock(container)
        if not lock.acquire(timeout=self._conf.lease_wait_timeout):
            raise errors.LeaseUnavailable('queue %s is busy' % container)
        try:
            lease = self._current(container)
            if lease is None:
                lease = self._acquire(container)
                with self._guard:
                    self._leases[container] = lease
            lease.last_used = time.monotonic()
            return lease
        except BaseException:
            lock.release()
            raise

    def _exit(self, lease):
        lease.last_used = time.monotonic()
        self._queue_lock(lease.container).release()

    def _current(self, container):
        """The held lease, renewed if it is past half its life; None if we
        hold none (or lost it, or held it too long: then it is given back so
        other processes get a turn)."""
        with self._guard:
            lease = self._leases.get(container)
        if lease is None:
            return None
        conf = self._conf
        held_for = time.monotonic() - lease.acquired
        if held_for >= conf.lease_max_hold or lease.remaining() < 0.2:
            self._drop(lease)
            return None
        if lease.remaining() < conf.lease_seconds / 2:
            if not self._renew(lease):
                self._drop(lease)
                return None
        return lease

    def _drop(self, lease):
        with self._guard:
            if self._leases.get(lease.container) is lease:
                del self._leases[lease.container]
        self._release(lease)

    def _acquire(self, container):
        conf = self._conf
        began = time.monotonic()
        give_up = began + conf.lease_wait_timeout
        attempts = 0
        while True:
            attempts += 1
            lease = self._try_acquire(container)
            if lease is not None:
                LOG.debug('took lease of %s after %d attempts in %.3fs',
                          container, attempts, time.monotonic() - began)
                return lease
            if time.monotonic() >= give_up:
                raise errors.LeaseUnavailable(
                    'could not take the lease of %s' % container)
            time.sleep(conf.lease_poll_interval * random.uniform(0.5, 1.5))

    def _try_acquire(self, container):
        conf = self._conf
        started = time.monotonic()
        resp = self._swift.get_object(container, naming.LEASE, newest=True,
                                      timeout=conf.lease_write_deadline)
        if resp.status == 200 and self._is_held(resp):
            return None
        if resp.status not in (200, 404):
            raise SwiftUnavailable('lease read answered %d' % resp.status)
        left = conf.lease_write_deadline - (time.monotonic() - started)
        if left <= 0:
            return None
        nonce = uuid.uuid4().hex
        body = json.dumps({'holder': self._holder, 'nonce': nonce}).encode()
        try:
            put = self._swift.put_object(container, naming.LEASE, body,
                                         content_type='application/json',
                                         timeout=left)
        except SwiftUnavailable:
            return None     # unknown outcome: it can only block, never grant
        if put.status == 404:
            raise errors.QueueDoesNotExist(
                naming.queue_name_from_container(container), '?')
        if put.status != 201:
            return None
        if time.monotonic() - started > conf.lease_write_deadline:
            return None     # too slow to be safe; wait for it to expire
        time.sleep(conf.lease_settle_delay)
        check = self._swift.get_object(container, naming.LEASE, newest=True,
                                       timeout=self._read_timeout)
        if check.status != 200 or _nonce(check) != nonce:
            return None
        return Lease(container, nonce, started, conf)

    def _is_held(self, resp):
        stamp = resp.timestamp
        if stamp is None:
            return True
        return time.time() < stamp + self._conf.lease_seconds + \
            self._conf.max_clock_skew

    def _renew(self, lease):
        started = time.monotonic()
        body = json.dumps({'holder': self._holder,
                           'nonce': lease.nonce}).encode()
        try:
            put = self._swift.put_object(
                lease.container, naming.LEASE, body,
                content_type='application/json',
                timeout=lease.write_timeout(self._read_timeout))
        except (SwiftUnavailable, errors.LeaseUnavailable):
            return False
        if put.status != 201:
            return False
        lease.valid_until = started + self._conf.lease_seconds - \
            self._conf.max_clock_skew
        return True

    def _release(self, lease):
        LOG.debug('giving back lease of %s after %.3fs', lease.container,
                  time.monotonic() - lease.acquired)
        if lease.remaining() <= WRITE_MARGIN:
            return
        try:
            self._swift.delete_object(lease.container, naming.LEASE,
                                      timeout=lease.write_timeout(2.0))
        except (SwiftUnavailable, errors.LeaseUnavailable):
            pass    # it expires by itself
        lease.valid_until = 0.0

    # -- giving leases back when idle ----------------------------------------
    def _start_reaper(self):
        if self._reaper is not None and self._reaper.is_alive():
            return
        with self._guard:
            if self._reaper is not None and self._reaper.is_alive():
                return
            self._reaper = threading.Thread(target=self._reap_forever,
                                            name='swiftq-lease-reaper',
                                            daemon=True)
            self._reaper.start()

    def _reap_forever(self):
        interval = max(0.02, min(self._conf.lease_idle_release,
                                 self._conf.lease_max_hold) / 2)
        while True:
            time.sleep(interval)
            try:
                self._reap_once()
            except Exception:   # never let the reaper die
                LOG.exception('lease reaper')

    def _reap_once(self):
        now = time.monotonic()
        conf = self._conf
        with self._guard:
            leases = list(self._leases.values())
        for lease in leases:
            idle = now - lease.last_used
            held = now - lease.acquired
            if idle < conf.lease_idle_release and \
                    held < conf.lease_max_hold and lease.remaining() > 0.5:
                continue
            lock = self._queue_lock(lease.container)
            if not lock.acquire(blocking=False):
                continue
            try:
                with self._guard:
                    if self._leases.get(lease.container) is not lease:
                        continue
                    del self._leases[lease.container]
                self._release(lease)
            finally:
                lock.release()


class _Holding:
    def __init__(self, keeper, container):
        self._keeper = keeper
        self._container = container
        self._lease = None

    def __enter__(self):
        self._lease = self._keeper._enter(self._container)
        return self._lease

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(
                exc_type, (SwiftUnavailable, errors.ServiceUnavailable)):
            # A write under the lease may or may not have landed: the cache
            # can no longer be trusted, and the lease is given back.
            self._keeper._drop(self._lease)
        self._keeper._exit(self._lease)
        return False


def _nonce(resp):
    try:
        return json.loads(resp.data).get('nonce')
    except (ValueError, AttributeError):
        return None
