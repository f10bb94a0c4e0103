"""Long polling: ``?wait=N`` on claims and message listings (a swiftq
extension advertised in the home document; Zaqar clients never send it).

Waiting requests of one queue share the watching inside each API process:
one container listing per ``watch_interval`` finds posts made through
other processes, posts through this process wake waiters at once, a
claim attempt that finds nothing tells when a claim or a delay ends next,
and a recheck every ``recheck_interval`` is the safety net. See
doc/source/design/long-poll.rst.
"""

from oslo_config import cfg

max_wait = cfg.IntOpt(
    'max_wait', default=20, min=0, max=60,
    help='Largest ``wait`` (seconds) a client may ask for. 0 disables long '
         'polling: ``wait`` is then refused like an unknown value above '
         'the maximum.')

watch_interval = cfg.FloatOpt(
    'watch_interval', default=0.5, min=0.05,
    help='Seconds between two listings of a queue that has waiting '
         'requests in this process: the bound on how late a post made '
         'through another API process wakes them (plus the listing\'s own '
         'time).')

recheck_interval = cfg.FloatOpt(
    'recheck_interval', default=10.0, min=0.1,
    help='Seconds after which one waiting request looks again even without '
         'news: a safety net for a post whose container update is late. '
         '(Claims that expire and delays that end are looked for when they '
         'do, not after this interval.)')

waiters_per_worker = cfg.IntOpt(
    'waiters_per_worker', default=256, min=0,
    help='Waiting requests one API worker holds at most. Each waits in a '
         'thread of its own: swiftq-api gives every worker '
         '[api] threads + waiters_per_worker threads, so waiting requests '
         'never take the threads that serve the others. A request beyond '
         'the limit is answered at once, as if it had not asked to wait.')

GROUP_NAME = 'long_poll'
ALL_OPTS = [max_wait, watch_interval, recheck_interval, waiters_per_worker]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
