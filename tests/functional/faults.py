"""What the fault tests (``test_faults.py``) measure, and how they judge it.

:class:`Traffic` sees every request the producers, consumers and probes
make (it is the ``observe`` of :class:`racing.ObservedSession`): when it
started and ended and what came back. The test marks when each fault was
in force (:meth:`Traffic.fault_began`, :meth:`Traffic.fault_ended`); then

* a 5xx is *allowed* only if it is a 503 carrying Zaqar's JSON error
  (``{"title": ..., "description": ...}``; no body for ``/v2/ping`` and
  HEAD, as Zaqar) and the request overlapped a fault window, extended by
  :func:`settle_seconds` after the fault ended;
* every other 5xx is *unexpected*;
* a request with no answer within the client's timeout is *hung*.

:func:`figures` turns a :class:`racing.Ledger` and a :class:`Traffic` into
the counts the issue asks for: posted, acknowledged, consumed, lost,
duplicated (handed to two live claims), redelivered, 5xx and 503.
:class:`Client` is a session whose requests a :class:`Traffic` observes.
The time bounds (:func:`request_bound_seconds` and the others) are computed
from the server's configuration (:func:`server_conf`).
"""

import collections
import threading
import time
import urllib.parse
import uuid

from oslo_config import cfg

import swiftq.conf
from tests.functional import racing

ZAQAR_503_TITLE = 'Service temporarily unavailable'

Record = collections.namedtuple(
    'Record', 'op started ended status error zaqar_json')


def server_conf(server):
    """The configuration ``server`` runs with (its file over swiftq's
    defaults), as a ConfigOpts."""
    conf = cfg.ConfigOpts()
    swiftq.conf.register_opts(conf)
    conf(args=[], default_config_files=[server.config_file],
         project='swiftq-fault-test')
    return conf


def swift_call_seconds(conf):
    """Longest one Swift request can keep an API thread: every attempt
    (``retries`` more for idempotent requests) waits up to connect_timeout
    + read_timeout, with the client's backoff (0.1 s, doubling) between."""
    swift = conf.swift
    attempts = swift.retries + 1
    backoff = sum(0.1 * 2 ** i for i in range(swift.retries))
    return attempts * (swift.connect_timeout + swift.read_timeout) + backoff


def request_bound_seconds(conf):
    """A generous bound on one API request while Swift is slow: waiting
    for the queue's lease (``lease_wait_timeout``), then the lease attempt
    in progress and the request's own Swift calls, each within
    :func:`swift_call_seconds`."""
    return conf.claims.lease_wait_timeout + 2 * swift_call_seconds(conf)


def failing_request_bound_seconds(conf, margin=2.0):
    """How long a request may take to answer 503 once Swift's proxy
    refuses connections: one connect plus one read timeout, plus a margin
    for the client's backoff and a loaded machine."""
    return conf.swift.connect_timeout + conf.swift.read_timeout + margin


def settle_seconds(conf):
    """After a fault ends, how long 503s may go on: a lease attempt
    abandoned during the fault blocks its queue until the lease expires
    (``lease_seconds + max_clock_skew``), and a Swift request sent just
    before the end may still fail up to a connect + read timeout later."""
    return (conf.claims.lease_seconds + conf.claims.max_clock_skew +
            conf.swift.connect_timeout + conf.swift.read_timeout)


def operation(method, url):
    """A short name for an API call: 'post', 'claim', 'delete', 'list',
    'stats', 'ping'..."""
    path = urllib.parse.urlsplit(url).path.rstrip('/')
    parts = path.split('/')
    last = parts[-1]
    if path == '/v2/ping' or path == '/v2/health':
        return '%s %s' % (method.lower(), last)
    if len(parts) >= 5 and parts[4] == 'messages':
        return {'POST': 'post', 'GET': 'list' if last == 'messages'
                else 'get message', 'DELETE': 'delete'}.get(method, method)
    if len(parts) >= 5 and parts[4] == 'claims':
        return {'POST': 'claim', 'GET': 'get claim', 'PATCH': 'renew',
                'DELETE': 'release'}.get(method, method)
    if len(parts) >= 5:
        return '%s %s' % (method.lower(), parts[4])
    return '%s %s' % (method.lower(), 'queue' if len(parts) == 4
                      else 'queues')


def is_zaqar_error(resp, title=None):
    """Is ``resp`` Zaqar's JSON error document (with ``title``)?"""
    if not resp.headers.get('Content-Type', '').startswith(
            'application/json'):
        return False
    try:
        doc = resp.json()
    except ValueError:
        return False
    return (isinstance(doc, dict) and isinstance(doc.get('title'), str)
            and isinstance(doc.get('description'), str)
            and (title is None or doc['title'] == title))


class Traffic:
    """Every request of a scenario (thread-safe), and its fault windows.

    Callable: ``racing.ObservedSession`` reports to it; ``timeout`` is the
    client timeout of every request it observes.
    """

    def __init__(self, timeout, settle):
        self.timeout = timeout
        self.settle = settle
        self._lock = threading.Lock()
        self.records = []
        self.windows = []       # [name, began, ended or None]

    def __call__(self, method, url, started, ended, outcome):
        if isinstance(outcome, Exception):
            record = Record(operation(method, url), started, ended, None,
                            type(outcome).__name__, False)
        else:
            op = operation(method, url)
            if op.endswith(' ping') or method == 'HEAD':
                # Zaqar's ping (and any HEAD) answers without a body.
                zaqar = outcome.content == b''
            else:
                zaqar = is_zaqar_error(outcome)
            record = Record(op, started, ended, outcome.status_code, None,
                            zaqar)
        with self._lock:
            self.records.append(record)

    # -- faults ---------------------------------------------------------------
    def fault_began(self, name):
        with self._lock:
            self.windows.append([name, time.time(), None])

    def fault_ended(self, name):
        with self._lock:
            for window in self.windows:
                if window[0] == name and window[2] is None:
                    window[2] = time.time()

    def _during_fault(self, record):
        for _, began, ended in self.windows:
            ended = (ended or time.time()) + self.settle
            if record.started < ended and record.ended > began:
                return True
        return False

    # -- verdicts -------------------------------------------------------------
    def server_errors(self):
        return [r for r in self.records
                if r.status is not None and r.status >= 500]

    def unexpected_server_errors(self):
        """5xx that are not a Zaqar 503 during (or just after) a fault,
        nor a Zaqar 503 of an overloaded Swift (see :meth:`overloaded`)."""
        overloaded = set(map(id, self.overloaded()))
        return [r for r in self.server_errors()
                if not (r.status == 503 and r.zaqar_json
                        and self._during_fault(r))
                and id(r) not in overloaded]

    def overloaded(self):
        """Zaqar 503s of claims and deletes outside any fault window: a
        Swift too slow for the queue lease (a state write that could not
        be acknowledged before the lease ended) answers 503 and changes
        nothing (doc/source/design/faults.rst, "A slow Swift"). Retryable,
        never a loss; allowed up to :data:`OVERLOAD_SHARE` of the
        requests, counted and reported."""
        return [r for r in self.server_errors()
                if r.status == 503 and r.zaqar_json
                and not self._during_fault(r)
                and r.op in ('claim', 'delete')]

    def hung(self):
        """Requests the client gave up on (no answer within timeout)."""
        return [r for r in self.records
                if r.error is not None and r.ended - r.started >= self.timeout]

    def connection_errors(self):
        return [r for r in self.records if r.error is not None]

    def slowest(self, records=None):
        records = self.records if records is None else records
        return max(records, key=lambda r: r.ended - r.started, default=None)

    def during(self, begin, end):
        """The requests that started in [begin, end)."""
        return [r for r in self.records if begin <= r.started < end]

    def latency(self, op=None, overlapping=None):
        """(count, p50, p99, max) seconds of the answered requests of
        ``op``, optionally only those in progress at some time within
        ``overlapping`` = (begin, end)."""
        times = sorted(
            r.ended - r.started for r in self.records
            if r.status is not None and (op is None or r.op == op) and
            (overlapping is None or (r.started < overlapping[1] and
                                     r.ended > overlapping[0])))
        if not times:
            return 0, 0.0, 0.0, 0.0

        def rank(p):
            return times[min(len(times) - 1, int(p * len(times)))]
        return len(times), rank(0.5), rank(0.99), times[-1]

    def statuses(self):
        counts = collections.Counter()
        for r in self.records:
            counts['%s:%s' % (r.op, r.status or r.error)] += 1
        return dict(sorted(counts.items()))


def _unobserved(*args):
    pass


class Client(racing.ObservedSession):
    """A session of one project and Client-ID whose requests ``traffic``
    (if given) observes; paths starting with '/' are relative to
    ``base_url``, and every request has a timeout."""

    def __init__(self, base_url, project, traffic=None, timeout=60):
        super().__init__(traffic or _unobserved)
        self.base_url = base_url
        self.timeout = timeout
        self.headers.update({'Client-ID': str(uuid.uuid4()),
                             'X-Project-ID': project})

    def request(self, method, url, *args, **kwargs):
        if url.startswith('/'):
            url = self.base_url + url
        kwargs.setdefault('timeout', self.timeout)
        return super().request(method, url, *args, **kwargs)


#: Largest share of a scenario's requests that may be overload 503s
#: (:meth:`Traffic.overloaded`): rare, or the lease bounds need raising.
OVERLOAD_SHARE = 0.002


def figures(ledger, traffic, seconds, **extra):
    """The counts of one scenario, as a dict (see the module docstring)."""
    slowest = traffic.slowest()
    result = {
        'posted': ledger.sent,
        'acknowledged': len(ledger.acknowledged),
        'consumed': len(ledger.deleted),
        'lost': len(ledger.lost()),
        'duplicated': len(ledger.double_claims()),
        'redelivered': ledger.redelivered(),
        'requests': len(traffic.records),
        '5xx': len(traffic.server_errors()),
        '503': sum(1 for r in traffic.server_errors() if r.status == 503),
        'unexpected_5xx': len(traffic.unexpected_server_errors()),
        'overload_503': len(traffic.overloaded()),
        'no_answer': len(traffic.connection_errors()),
        'hung': len(traffic.hung()),
        'slowest_s': round(slowest.ended - slowest.started, 2)
        if slowest else 0.0,
        'seconds': round(seconds, 1),
    }
    result.update(extra)
    return result


def table(rows):
    """A plain-text table of ``{scenario: figures}``."""
    columns = []
    for values in rows.values():
        for key in values:
            if key not in columns:
                columns.append(key)
    header = ['scenario'] + columns
    lines = [header] + [[name] + [str(values.get(c, '')) for c in columns]
                        for name, values in rows.items()]
    widths = [max(len(line[i]) for line in lines)
              for i in range(len(header))]
    return '\n'.join('  '.join(cell.ljust(w) for cell, w in
                               zip(line, widths)).rstrip()
                     for line in lines)
