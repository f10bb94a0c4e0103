"""Time bounds of the claim protocol (see doc/source/design/claims.rst).

Exclusive claims rest on a per-queue lease taken with Fischer's timed
mutual exclusion over Swift's newest-wins objects. Its safety needs
``lease_settle_delay > lease_write_deadline`` and clocks (API hosts and
Swift proxies) within ``max_clock_skew`` of each other. The defaults are
safe; change them only with the design document at hand.
"""

from oslo_config import cfg

lease_seconds = cfg.FloatOpt(
    'lease_seconds', default=4.0, min=2.0,
    help='Length of a queue lease, counted from the Swift timestamp of the '
         'lease object; the holder renews it about every '
         '(lease_seconds - max_clock_skew) / 2 seconds. Bounds how long a '
         'crashed API process, or a lease write abandoned as too slow, can '
         'block a queue\'s claims, deletes and pops.')

lease_write_deadline = cfg.FloatOpt(
    'lease_write_deadline', default=1.0, min=0.05,
    help='Delta of the protocol: an attempt to take a lease is abandoned '
         'unless the lease PUT is acknowledged within this many seconds '
         'of the read that found the lease free.')

lease_settle_delay = cfg.FloatOpt(
    'lease_settle_delay', default=1.2, min=0.06,
    help='D of the protocol: seconds to wait after the lease PUT before '
         'reading it back. Must be greater than lease_write_deadline.')

max_clock_skew = cfg.FloatOpt(
    'max_clock_skew', default=1.0, min=0.0,
    help='Largest difference, in seconds, between the clocks of any API '
         'host and any Swift proxy. Leases are held that much shorter than '
         'they last and considered expired that much later.')

lease_max_hold = cfg.FloatOpt(
    'lease_max_hold', default=3.0, min=0.1,
    help='An API process gives a queue lease back after holding it this '
         'long, so processes share a busy queue fairly.')

lease_idle_release = cfg.FloatOpt(
    'lease_idle_release', default=0.3, min=0.0,
    help='An API process gives a queue lease back once it has not used it '
         'for this many seconds.')

lease_poll_interval = cfg.FloatOpt(
    'lease_poll_interval', default=0.1, min=0.01,
    help='How often a process waiting for a held lease reads it again.')

lease_wait_timeout = cfg.FloatOpt(
    'lease_wait_timeout', default=30.0, min=1.0,
    help='How long a request waits for a queue lease before answering 503.')

deleted_segment_memory = cfg.FloatOpt(
    'deleted_segment_memory', default=120.0, min=0.0,
    help='Seconds the queue state keeps the names of segments whose every '
         'message was deleted, after Swift acknowledged their DELETE. A '
         'container replica that missed those DELETEs (a storage node was '
         'down) still lists the segments until the object-updater or the '
         'container-replicator brings it up to date; for that long, stats '
         'and message listings served from it leave them out only thanks '
         'to this record. Claims never need it (they read each segment with '
         'X-Newest). Each name costs about 25 bytes of every state write.')

GROUP_NAME = 'claims'
ALL_OPTS = [lease_seconds, lease_write_deadline, lease_settle_delay,
            max_clock_skew, lease_max_hold, lease_idle_release,
            lease_poll_interval, lease_wait_timeout, deleted_segment_memory]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
