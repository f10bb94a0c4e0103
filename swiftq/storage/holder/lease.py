"""Per-queue leases: one API process at a time may change a queue's state.

Swift has no compare-and-swap: conditional PUTs are not exclusive under
races, and the newest timestamp wins. The lease is therefore taken with
Fischer's timed mutual exclusion over one Swift object per queue, using
only what Swift does guarantee (see doc/source/design/claims.rst):

1. read the ``lease`` object with ``X-Newest`` (started at local time r);
   if it is held (its Swift timestamp + lease_seconds + max_clock_skew is
   in the future, and it is not marked free) wait and retry;
2. PUT our own nonce; give up on this attempt unless the PUT was
   acknowledged within ``lease_write_deadline`` (Delta) of r;
3. sleep ``lease_settle_delay`` (D > Delta) and read back with X-Newest;
   give up unless our nonce is there;
4. from that read, do 2 and 3 once more: the lease is ours iff our nonce
   is still there.

Any two writers whose attempts passed and overlap in time are visible to
each other's read-backs (every acknowledged write is on a quorum, and with
at most one replica of three unreachable an X-Newest read reaches it), and
all readers agree on the newest timestamp, so at most one of them sees its
own nonce. Except when two PUTs share a timestamp (two proxies, one 10 us
tick): readers may then disagree, and both writers pass step 3. Step 4
runs the protocol again among those only; their new PUTs are stamped apart
unless a second tie happens. A writer whose PUT was slower than Delta
never proceeds; its late write only makes the lease look held until it
expires. A lease handed over (given back to the process that asked for it,
which ``lease-wanted`` names) is held for every other process, so its
successor is the only writer and needs one round only.

A holder uses the lease until ``r' + lease_seconds - max_clock_skew`` on
its own monotonic clock (r' the start of the step-3 read), and bounds
every Swift write it makes under the lease by that deadline: no write,
retry or re-authenticated resend leaves after it (``SwiftClient.request``'s
``deadline``), and a write acknowledged after the lease ran out is not
answered as done (``Lease.confirm``). It renews by PUTting its nonce again
and releases by a PUT marking the lease free, both bounded the same way.
Every lease write names the newest state generation its writer knows
Swift has (the state floor: the next holder refuses an older state).

Within a process, all threads share the lease: many operations run under
it at once (the writer serialises their in-memory changes and groups
their state writes, see ``writer.py`` and ``commit.py``). Processes
waiting for a held lease say so in a ``lease-wanted`` object; a holder
that has held the lease for ``lease_max_hold`` gives it back only when
someone wants it, so a queue used by one process never pays for hand-offs.
"""

import json
import logging
import random
import threading
import time
import uuid

from swiftq.metrics import instruments
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

# Time kept in hand when a write under the lease is bounded by its deadline.
WRITE_MARGIN = 0.05
# A lease with less than this left is renewed before an operation starts
# under it (or, if retiring, not used); at least MIN_REMAINING seconds and
# a third of the usable lease (the keeper renews in the background at half
# of it), so that an operation that is slow to reach its write (listings
# and reads on a busy Swift) does not find the deadline passed.
MIN_REMAINING = 0.5
# How often the second round of an acquisition is tried when its PUT was
# too slow (each from a read that still shows the lease ours).
SECOND_ROUND_TRIES = 3


class Lease:
    """A lease this process holds on one queue; shared by its threads."""

    def __init__(self, container, nonce, read_started, conf, state_floor=0):
        self.container = container
        self.nonce = nonce
        # the newest state generation known to be in Swift: the one the
        # lease object named when taken, then every one this holder wrote
        self.state_floor = state_floor
        self.acquired = time.monotonic()
        self.last_used = self.acquired
        self.valid_until = read_started + conf.lease_seconds - \
            conf.max_clock_skew
        self.active = 0         # operations running under it
        self.retiring = False   # no new operations; released when idle
        # the process this lease is handed over to when given back (the
        # one that asked for it), or None
        self.successor = None
        self.released = False
        self.view = None        # the holder's QueueView (view.py)
        self.view_lock = threading.Lock()

    def remaining(self):
        return self.valid_until - time.monotonic()

    def state_written(self, generation):
        """Swift acknowledged the state of ``generation``: the lease's next
        write (renewal, release) names it for the next holder."""
        self.state_floor = max(self.state_floor, generation)

    def write_deadline(self):
        """The ``deadline`` of every write made under this lease
        (SwiftClient.request): none leaves, and none is waited for, after
        it."""
        return self.valid_until - WRITE_MARGIN

    def confirm(self, what):
        """Call when Swift acknowledged a write made under the lease:
        raise LeaseRanOut if the acknowledgement came after the lease
        ran out. Such a write may have landed after another process took
        the lease, from a state without it, so it must not be answered as
        done (a stall between the send and the answer, in this process or
        on the way, is the only way to get here)."""
        late = time.monotonic() - self.valid_until
        if late > 0:
            raise errors.LeaseRanOut(
                '%s on %s acknowledged %.3fs after the lease ran out'
                % (what, self.container, late))


class LeaseKeeper:
    """Takes, renews, shares (between threads) and gives back the leases of
    one API process."""

    def __init__(self, swift, claims_conf, read_timeout=10.0):
        self._swift = swift
        self._conf = claims_conf
        self._read_timeout = read_timeout
        self._holder = uuid.uuid4().hex
        self._leases = {}
        self._cond = threading.Condition()
        self._acquiring = set()
        # container -> monotonic time the last attempt to take or renew its
        # lease failed because Swift did (see _enter)
        self._swift_failed = {}
        self._cooldown = {}     # container -> monotonic time
        self._reaper = None
        self._min_remaining = max(
            MIN_REMAINING,
            (claims_conf.lease_seconds - claims_conf.max_clock_skew) / 3)
        # called with a lease about to be given back (while still valid):
        # the state writer writes what its view has not written yet
        self.before_release = None
        # also counted by the metrics (swiftq_lease_events_total)
        self.stats = instruments.CountingStats(
            instruments.LEASE_EVENTS, 'event',
            {'acquired': 0, 'attempts': 0, 'released': 0, 'renewed': 0,
             'handed_over': 0})

    # -- public ---------------------------------------------------------------
    def hold(self, container, wait=True):
        """Context manager: an operation under the queue's lease. Without
        ``wait``, raise LeaseBusy at once if another process (or another
        thread of this one, taking it) holds it: one attempt at most."""
        return _Holding(self, container, wait)

    def holds(self, container):
        """Does this process hold a usable lease on ``container`` now?"""
        return self.current(container) is not None

    def current(self, container):
        """The usable lease this process holds on ``container`` now, or
        None (no Swift request)."""
        with self._cond:
            lease = self._leases.get(container)
            if lease is None or lease.retiring or \
                    lease.remaining() <= self._min_remaining:
                return None
            return lease

    def in_use(self, container):
        """How many operations of this process run under its lease on
        ``container`` now (0 when it holds none)."""
        with self._cond:
            lease = self._leases.get(container)
            return lease.active if lease is not None else 0

    def forget(self, container):
        """Drop a lease whose queue vanished (no Swift request)."""
        with self._cond:
            lease = self._leases.pop(container, None)
            if lease is not None:
                lease.retiring = lease.released = True
            self._cond.notify_all()

    def retire(self, lease):
        """Stop using ``lease`` (e.g. a write under it failed): it is given
        back once its running operations end."""
        with self._cond:
            lease.retiring = True
            if self._leases.get(lease.container) is lease:
                del self._leases[lease.container]
            idle = lease.active == 0
            self._cond.notify_all()
        if idle:
            self._release(lease)

    def release_all(self):
        with self._cond:
            leases = list(self._leases.values())
        for lease in leases:
            self.retire(lease)

    # -- entering and leaving -------------------------------------------------
    def _enter(self, container, wait=True):
        self._start_reaper()
        entered = time.monotonic()
        give_up = entered + (self._conf.lease_wait_timeout if wait else 0.0)
        while True:
            with self._cond:
                lease = self._leases.get(container)
                if lease is not None and not lease.retiring and \
                        lease.remaining() > self._min_remaining:
                    lease.active += 1
                    lease.last_used = time.monotonic()
                    return lease
                if container in self._acquiring:
                    if not wait:
                        raise errors.LeaseBusy('queue %s is being taken'
                                               % container)
                    if not self._cond.wait(
                            timeout=give_up - time.monotonic()):
                        raise errors.LeaseUnavailable(
                            'queue %s is busy' % container)
                    continue
                # Swift failed the attempt another thread made while this
                # one waited: fail as it did, at once. Trying again, one
                # waiting thread after the other, would keep the last ones
                # waiting up to lease_wait_timeout while Swift is down.
                if self._swift_failed.get(container, 0.0) > entered:
                    raise SwiftUnavailable(
                        'taking the lease of %s failed' % container)
                self._acquiring.add(container)
            failed = False
            try:
                self._refresh_or_acquire(container, lease, give_up, wait)
            except SwiftUnavailable:
                failed = True
                raise
            finally:
                with self._cond:
                    self._acquiring.discard(container)
                    if failed:
                        self._swift_failed[container] = time.monotonic()
                    else:
                        self._swift_failed.pop(container, None)
                    self._cond.notify_all()

    def _exit(self, lease):
        with self._cond:
            lease.active -= 1
            lease.last_used = time.monotonic()
            release = lease.retiring and lease.active == 0
            self._cond.notify_all()
        if release:
            self._release(lease)

    def _refresh_or_acquire(self, container, lease, give_up, wait=True):
        """Called by the one thread acquiring for ``container``: renew the
        current lease if it is still good, else take a new one."""
        if lease is not None and not lease.retiring and \
                lease.remaining() > WRITE_MARGIN and self._renew(lease):
            return
        if lease is not None:
            self.retire(lease)
        new = self._acquire(container, give_up, wait)
        with self._cond:
            self._leases[container] = new

    def _acquire(self, container, give_up, wait=True):
        conf = self._conf
        began = time.monotonic()
        attempts = 0
        last_wish = 0.0
        while True:
            # A process that just gave the lease up because others asked
            # lets them have a go first: hand-offs stay fair.
            pause = self._cooldown.get(container, 0.0) - time.monotonic()
            if pause > 0 and not wait:
                raise errors.LeaseBusy('lease of %s just handed over'
                                       % container)
            if pause > 0:
                time.sleep(min(pause, max(0.0, give_up - time.monotonic())))
            attempts += 1
            self.stats['attempts'] += 1
            lease = self._try_acquire(container)
            if lease is not None:
                self.stats['acquired'] += 1
                waited = time.monotonic() - began
                instruments.LEASE_WAIT.observe(waited)
                LOG.debug('took lease of %s after %d attempts in %.3fs',
                          container, attempts, waited)
                return lease
            now = time.monotonic()
            if not wait:
                raise errors.LeaseBusy('lease of %s is held' % container)
            if now >= give_up:
                raise errors.LeaseUnavailable(
                    'could not take the lease of %s' % container)
            if now - last_wish > 1.0:
                self._say_wanted(container)
                last_wish = now
            time.sleep(conf.lease_poll_interval * random.uniform(0.5, 1.5))

    def _try_acquire(self, container):
        """One attempt: two rounds of Fischer's write-settle-read (the
        module docstring); a Lease, or None."""
        conf = self._conf
        started = time.monotonic()
        resp = self._swift.get_object(container, naming.LEASE, newest=True,
                                      timeout=conf.lease_write_deadline)
        if resp.status == 200 and self._is_held(resp):
            return None
        if resp.status not in (200, 404):
            raise SwiftUnavailable('lease read answered %d' % resp.status)
        floor = _state_floor(resp) if resp.status == 200 else 0
        handed_to_me = resp.status == 200 and self._handed_to_me(resp)
        nonce = uuid.uuid4().hex
        body = _lease_body(self._holder, nonce, floor)
        check, read_back = self._write_and_read_back(container, body,
                                                     started)
        if not _shows(check, body):
            return None
        if handed_to_me:
            # Nobody else writes while the lease is handed over to us, so
            # no PUT can tie with ours: one round is enough.
            return Lease(container, nonce, started,
                         conf, floor)
        # The read-back that shows our nonce is the read a second round
        # starts from: a lease PUT that tied with ours (one timestamp,
        # claims.rst S2) lets its writer through the first round too, but
        # never through the second, unless the second PUTs tie as well.
        # A second round whose PUT was too slow is tried again from a new
        # read, as long as that read still shows our nonce, held.
        for _ in range(SECOND_ROUND_TRIES):
            allowed_by = read_back
            check, read_back = self._write_and_read_back(container, body,
                                                         allowed_by)
            if check is not None:
                if not _shows(check, body):
                    return None
                # held from the read that allowed the last PUT: readers
                # date the lease from that PUT's timestamp
                return Lease(container, nonce,
                             allowed_by, conf, floor)
            read_back = time.monotonic()
            try:
                check = self._swift.get_object(
                    container, naming.LEASE, newest=True,
                    timeout=conf.lease_write_deadline)
            except SwiftUnavailable:
                return None     # the next attempt waits for it to expire
            if not _shows(check, body) or not self._is_held(check):
                return None
        return None

    def _write_and_read_back(self, container, body, read_started):
        """PUT ``body`` as the lease, acknowledged within Delta of
        ``read_started`` (when the read that allowed it started), sleep D
        and read the lease back with X-Newest. Returns the read-back and
        the time it started, or ``(None, None)`` if the PUT was not
        acknowledged in time (its outcome can only block, never grant)."""
        conf = self._conf
        deadline = read_started + conf.lease_write_deadline
        left = deadline - time.monotonic()
        if left <= 0:
            self._abandoned(container, 'read too slow', read_started)
            return None, None
        try:
            put = self._swift.put_object(container, naming.LEASE, body,
                                         content_type='application/json',
                                         timeout=left, deadline=deadline)
        except SwiftUnavailable:
            self._abandoned(container, 'PUT failed', read_started)
            return None, None
        if put.status == 404:
            raise errors.QueueDoesNotExist(
                naming.queue_name_from_container(container), '?')
        if put.status != 201:
            return None, None
        if time.monotonic() > deadline:
            self._abandoned(container, 'too slow', read_started)
            return None, None
        time.sleep(conf.lease_settle_delay)
        started = time.monotonic()
        return self._swift.get_object(container, naming.LEASE, newest=True,
                                      timeout=self._read_timeout), started

    def _abandoned(self, container, why, started):
        self.stats['abandoned'] = self.stats.get('abandoned', 0) + 1
        LOG.info('lease attempt on %s abandoned (%s, %.3fs after the read):'
                 ' the queue waits for it to expire', container, why,
                 time.monotonic() - started)

    def _is_held(self, resp):
        """Is the lease read in ``resp`` held, for this process? A lease
        handed over to another process is held for everybody else for as
        long as a lease would be."""
        doc = _parsed(resp)
        if doc.get('free') and doc.get('successor') in (None,
                                                        self._holder):
            return False
        stamp = resp.timestamp
        if stamp is None:
            return True
        return time.time() < stamp + self._conf.lease_seconds + \
            self._conf.max_clock_skew

    def _handed_to_me(self, resp):
        """Was the lease read in ``resp`` handed over to this process, with
        time enough left that this attempt's PUT is acknowledged before
        anybody else may take the lease as expired (their clocks up to
        max_clock_skew ahead)? Then no other process writes the lease
        until ours is in Swift."""
        doc = _parsed(resp)
        stamp = resp.timestamp
        conf = self._conf
        return bool(doc.get('free')) and \
            doc.get('successor') == self._holder and stamp is not None and \
            time.time() + conf.lease_write_deadline + conf.max_clock_skew \
            < stamp + conf.lease_seconds

    def _say_wanted(self, container):
        try:
            self._swift.put_object(
                container, naming.LEASE_WANTED,
                json.dumps({'holder': self._holder}).encode(),
                content_type='application/json',
                timeout=self._conf.lease_write_deadline)
        except SwiftUnavailable:
            pass

    def _wanted_by(self, container):
        """Has another process asked for the lease lately? False, or True
        with the process to hand it over to (the last that asked; None
        when Swift could not say)."""
        try:
            resp = self._swift.get_object(
                container, naming.LEASE_WANTED, newest=True,
                timeout=self._conf.lease_write_deadline)
        except SwiftUnavailable:
            return True, None
        if resp.status != 200 or resp.timestamp is None:
            return False, None
        recent = max(2.0, 4 * self._conf.lease_poll_interval)
        if time.time() - resp.timestamp >= recent + \
                self._conf.max_clock_skew:
            return False, None
        wanter = _parsed(resp).get('holder')
        return True, wanter if isinstance(wanter, str) and \
            wanter != self._holder else None

    def _renew(self, lease):
        started = time.monotonic()
        body = _lease_body(self._holder, lease.nonce, lease.state_floor)
        try:
            put = self._swift.put_object(
                lease.container, naming.LEASE, body,
                content_type='application/json',
                timeout=self._read_timeout, deadline=lease.write_deadline())
            if put.status != 201:
                return False
            lease.confirm('renewal')
        except (SwiftUnavailable, errors.LeaseUnavailable):
            return False
        lease.valid_until = started + self._conf.lease_seconds - \
            self._conf.max_clock_skew
        self.stats['renewed'] += 1
        return True

    def _release(self, lease):
        with self._cond:
            if lease.released:
                return
            lease.released = True
        self.stats['released'] += 1
        LOG.debug('giving back lease of %s after %.3fs: %s', lease.container,
                  time.monotonic() - lease.acquired,
                  lease.view.stats if lease.view else {})
        if lease.remaining() <= WRITE_MARGIN:
            return
        if self.before_release is not None:
            try:
                self.before_release(lease)
            except Exception as exc:    # the lease expires by itself
                LOG.info('last write under the lease of %s failed: %s',
                         lease.container, exc)
            if lease.remaining() <= WRITE_MARGIN:
                return
        try:
            # A PUT marking the lease free (not a DELETE: the next holder
            # must learn the state generation), bounded by the deadline: a
            # write landing after the next holder's lease PUT would make a
            # held lease look free (renewals are blind PUTs: nobody would
            # notice). Not retried: PUTs never are.
            self._swift.put_object(
                lease.container, naming.LEASE,
                _lease_body(self._holder, lease.nonce, lease.state_floor,
                            free=True, successor=lease.successor),
                content_type='application/json', timeout=2.0,
                deadline=lease.write_deadline())
        except SwiftUnavailable:
            pass    # it expires by itself
        lease.valid_until = 0.0

    # -- housekeeping: renew, share, give back when idle ----------------------
    def _start_reaper(self):
        if self._reaper is not None and self._reaper.is_alive():
            return
        with self._cond:
            if self._reaper is not None and self._reaper.is_alive():
                return
            self._reaper = threading.Thread(target=self._reap_forever,
                                            name='swiftq-lease-keeper',
                                            daemon=True)
            self._reaper.start()

    def _reap_forever(self):
        interval = max(0.02, min(self._conf.lease_idle_release,
                                 self._conf.lease_max_hold, 1.0) / 2)
        while True:
            time.sleep(interval)
            try:
                self._reap_once()
            except Exception:   # never let the keeper die
                LOG.exception('lease keeper')

    def _reap_once(self):
        conf = self._conf
        with self._cond:
            leases = list(self._leases.values())
        for lease in leases:
            now = time.monotonic()
            if lease.active == 0 and \
                    now - lease.last_used >= conf.lease_idle_release:
                self.retire(lease)
            elif now - lease.acquired >= conf.lease_max_hold:
                wanted, wanter = self._wanted_by(lease.container)
                if wanted:
                    self.stats['handed_over'] += 1
                    lease.successor = wanter
                    self._cooldown[lease.container] = now + \
                        conf.lease_settle_delay + 3 * conf.lease_poll_interval
                    self.retire(lease)
                else:
                    lease.acquired = now
            elif lease.remaining() < (conf.lease_seconds -
                                      conf.max_clock_skew) / 2:
                self._renew_in_background(lease)

    def _renew_in_background(self, lease):
        with self._cond:
            if lease.container in self._acquiring or lease.retiring:
                return
            self._acquiring.add(lease.container)
        try:
            if not self._renew(lease):
                self.retire(lease)
        finally:
            with self._cond:
                self._acquiring.discard(lease.container)
                self._cond.notify_all()


class _Holding:
    def __init__(self, keeper, container, wait=True):
        self._keeper = keeper
        self._container = container
        self._wait = wait
        self._lease = None

    def __enter__(self):
        self._lease = self._keeper._enter(self._container, self._wait)
        return self._lease

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(
                exc_type, (SwiftUnavailable, errors.ServiceUnavailable)):
            # A write under the lease may or may not have landed: the view
            # can no longer be trusted, and the lease is given back.
            self._keeper.retire(self._lease)
        self._keeper._exit(self._lease)
        return False


def _lease_body(holder, nonce, state_floor, free=False, successor=None):
    """The lease object's body: who wrote it, the state generation the next
    holder must find (see ``read_state``'s floor), and for a lease given
    back, ``free`` and the process it is handed over to."""
    doc = {'holder': holder, 'nonce': nonce, 'state': state_floor}
    if free:
        doc['free'] = True
        if successor:
            doc['successor'] = successor
    return json.dumps(doc).encode()


def _parsed(resp):
    """The lease object's JSON body ({} if it is not one)."""
    try:
        doc = json.loads(resp.data)
    except (ValueError, TypeError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _shows(resp, body):
    """Is ``resp`` (a lease read, or None) the lease object ``body``?"""
    return resp is not None and resp.status == 200 and resp.data == body


def _state_floor(resp):
    floor = _parsed(resp).get('state', 0)
    return floor if isinstance(floor, int) and floor > 0 else 0


def _nonce(resp):
    return _parsed(resp).get('nonce')
