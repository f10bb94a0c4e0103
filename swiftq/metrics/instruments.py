"""The metrics, and what the layers call to feed them.

Importing this module imports ``prometheus_client``: in ``swiftq-api``,
after :func:`swiftq.metrics.exposition.prepare_multiprocess_dir` (see the
package docstring). Label values are fixed words, statuses and route
templates, never names a tenant chose.
"""

import prometheus_client as prom

#: Seconds: a cheap read of Swift up to a long-poll that waited it out.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   5.0, 10.0, 30.0, 60.0)
#: Operations whose changes one state PUT made durable.
COMMIT_SIZE_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128)

HTTP_REQUESTS = prom.Counter(
    'swiftq_http_requests',
    'HTTP requests answered by the API, by method, route template and '
    'status.', ['method', 'route', 'status'])
HTTP_DURATION = prom.Histogram(
    'swiftq_http_request_duration_seconds',
    'Seconds from a request\'s arrival to its status, by method and route '
    'template.', ['method', 'route'], buckets=LATENCY_BUCKETS)

SWIFT_REQUESTS = prom.Counter(
    'swiftq_swift_requests',
    'Requests sent to Swift (every attempt, retries included), by verb '
    'and outcome: the status class (2xx, 4xx...), "timeout" (the effect '
    'is unknown) or "error" (not sent or no answer).',
    ['method', 'outcome'])
SWIFT_DURATION = prom.Histogram(
    'swiftq_swift_request_duration_seconds',
    'Seconds a request to Swift took, by verb.', ['method'],
    buckets=LATENCY_BUCKETS)

LEASE_EVENTS = prom.Counter(
    'swiftq_lease_events',
    'Queue lease events of this service: "acquired" (a lease taken), '
    '"attempts" (tries to take one), "handed_over" (given back because '
    'another process asked for it), "renewed", "released", "abandoned" '
    '(an attempt whose write was too slow).', ['event'])
LEASE_WAIT = prom.Histogram(
    'swiftq_lease_wait_seconds',
    'Seconds from the first attempt to take a queue lease to holding it.',
    buckets=LATENCY_BUCKETS)

COMMIT_SIZE = prom.Histogram(
    'swiftq_state_commit_changes',
    'Changes (claims, deletes...) made durable by one state PUT: the '
    'group commit\'s size.', buckets=COMMIT_SIZE_BUCKETS)

LONG_POLL_WAITERS = prom.Gauge(
    'swiftq_long_poll_waiters',
    'Requests waiting (?wait=N) for messages right now.',
    multiprocess_mode='livesum')
LONG_POLL_EVENTS = prom.Counter(
    'swiftq_long_poll_events',
    'Long-poll events: "listings" and "probes" (the watcher\'s reads), '
    '"news" (waiters woken), "attempts" (waiters\' tries after news), '
    '"refused" (a wait beyond waiters_per_worker, answered at once).',
    ['event'])

NOTIFIER_EVENTS = prom.Counter(
    'swiftq_notifier_events',
    'Notifier deliveries and retries: "delivered" and "refused" '
    '(messages), "retries" (a failed delivery planned again), "given up", '
    '"confirmation requests" sent.', ['event'])


class CountingStats(dict):
    """A module's ``stats`` dict whose every increase of a figure is also
    counted by ``counter``, labelled ``label=<the figure's key>``: the
    module keeps writing ``stats['x'] += 1`` and knows nothing else.
    The counter is as exact as the figure: two threads' unlocked ``+=``
    that interleave count one."""

    def __init__(self, counter, label, figures):
        super().__init__(figures)
        self._counter = counter
        self._label = label

    def __setitem__(self, key, value):
        delta = value - self.get(key, 0)
        super().__setitem__(key, value)
        if delta > 0:
            self._counter.labels(**{self._label: key}).inc(delta)


def http_request(method, route, status, seconds):
    """One API request answered ``status`` (an int) after ``seconds``."""
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_DURATION.labels(method, route).observe(seconds)


def swift_request(method, outcome, seconds):
    """One attempt of a Swift request; ``outcome`` as SWIFT_REQUESTS
    says."""
    SWIFT_REQUESTS.labels(method, outcome).inc()
    SWIFT_DURATION.labels(method).observe(seconds)


def swift_outcome(status):
    """The outcome label of a Swift answer's status."""
    return '%dxx' % (status // 100)
