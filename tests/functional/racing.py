"""Producers and consumers racing real swiftq processes, with a ledger that
proves exclusivity (claims.rst §C1) and no loss (§C2).

Every consumer records, for each message it receives, the claim's *live
window* as it can be sure of it: from when the claim's response arrived to
when the claim request was sent plus its TTL. Two receptions of one message
whose windows overlap are a double claim: the one thing that must never
happen.
"""

import concurrent.futures
import threading
import time
import uuid

import requests


class Ledger:

    def __init__(self):
        self._lock = threading.Lock()
        self.acknowledged = set()
        self.sent = 0               # messages in POST requests, retries too
        self.receptions = {}        # msg id -> [(claim id, start, end)]
        self.deleted = set()
        self.errors = {}

    def sending(self, count):
        with self._lock:
            self.sent += count

    def acked(self, ids):
        with self._lock:
            self.acknowledged.update(ids)

    def received(self, msg_id, claim_id, start, end):
        with self._lock:
            self.receptions.setdefault(msg_id, []).append(
                (claim_id, start, end))

    def was_deleted(self, ids):
        with self._lock:
            self.deleted.update(ids)

    def error(self, what):
        with self._lock:
            self.errors[what] = self.errors.get(what, 0) + 1

    def double_claims(self):
        """Messages handed to two claims whose live windows overlap."""
        bad = []
        for msg_id, got in self.receptions.items():
            got = sorted(got, key=lambda r: r[1])
            for (c1, s1, e1), (c2, s2, e2) in zip(got, got[1:]):
                if c1 != c2 and s2 < e1:
                    bad.append((msg_id, c1, c2))
        return bad

    def lost(self):
        return self.acknowledged - self.deleted

    def redelivered(self):
        return sum(len(r) - 1 for r in self.receptions.values() if len(r) > 1)

    def server_errors(self):
        """Answers whose outcome the client cannot know (5xx, timeouts)."""
        return sum(n for what, n in self.errors.items()
                   if what.endswith(':exception') or ':5' in what)


class ObservedSession(requests.Session):
    """A session that reports every request to ``observe(method, url,
    started, ended, response or exception)`` (times from time.time()).
    ``observe.timeout``, if the observer has one, is every request's
    timeout (fault tests wait longer than the usual 60 s)."""

    def __init__(self, observe):
        super().__init__()
        self.observe = observe

    def request(self, method, url, *args, **kwargs):
        timeout = getattr(self.observe, 'timeout', None)
        if timeout is not None:
            kwargs['timeout'] = timeout
        started = time.time()
        try:
            resp = super().request(method, url, *args, **kwargs)
        except requests.RequestException as exc:
            self.observe(method, url, started, time.time(), exc)
            raise
        self.observe(method, url, started, time.time(), resp)
        return resp


def _session(base_url, project, observe=None):
    session = (requests.Session() if observe is None
               else ObservedSession(observe))
    session.headers.update({'Client-ID': str(uuid.uuid4()),
                            'X-Project-ID': project})
    session.base = base_url
    return session


def produce(base_url, project, queue, count, batch, ledger, ttl=600,
            observe=None):
    """Post ``count`` messages in batches; record what was acknowledged."""
    session = _session(base_url, project, observe)
    url = '%s/v2/queues/%s/messages' % (base_url, queue)
    sent = 0
    while sent < count:
        n = min(batch, count - sent)
        body = {'messages': [{'ttl': ttl, 'body': {'n': sent + i}}
                             for i in range(n)]}
        ledger.sending(n)
        try:
            resp = session.post(url, json=body, timeout=60)
        except requests.RequestException:
            ledger.error('post:exception')
            continue
        if resp.status_code == 201:
            ledger.acked(h.rsplit('/', 1)[1]
                         for h in resp.json()['resources'])
            sent += n
        else:
            ledger.error('post:%d' % resp.status_code)
            time.sleep(0.2)


CLAIM_TTL = 60      # Zaqar's minimum


def consume(base_url, project, queue, ledger, stop, limit=10,
            claim_ttl=CLAIM_TTL, bulk_delete=True, observe=None):
    """Claim and delete until ``stop`` is set and the queue looks empty."""
    session = _session(base_url, project, observe)
    claims_url = '%s/v2/queues/%s/claims?limit=%d' % (base_url, queue, limit)
    messages_url = '%s/v2/queues/%s/messages' % (base_url, queue)
    empty_in_a_row = 0
    while True:
        started = time.time()
        try:
            resp = session.post(claims_url, json={'ttl': claim_ttl,
                                                  'grace': 60}, timeout=60)
        except requests.RequestException:
            ledger.error('claim:exception')
            continue
        arrived = time.time()
        if resp.status_code == 204:
            empty_in_a_row += 1
            if stop.is_set() and empty_in_a_row >= 3:
                return
            time.sleep(0.05)
            continue
        if resp.status_code != 201:
            ledger.error('claim:%d' % resp.status_code)
            assert resp.status_code >= 500, resp.text   # 4xx: a test bug
            time.sleep(0.2)
            continue
        empty_in_a_row = 0
        claim_id = resp.headers['Location'].rsplit('/', 1)[1]
        ids = [m['id'] for m in resp.json()['messages']]
        for msg_id in ids:
            ledger.received(msg_id, claim_id, arrived, started + claim_ttl)
        _delete(session, messages_url, ids, claim_id, ledger, bulk_delete)


def _delete(session, messages_url, ids, claim_id, ledger, bulk):
    if bulk:
        for _ in range(5):
            try:
                # Literal commas: Zaqar (falcon's auto_parse_qs_csv) splits
                # on them only, not on an encoded %2C.
                resp = session.delete('%s?ids=%s&claim_ids=%s' % (
                    messages_url, ','.join(ids), claim_id), timeout=60)
            except requests.RequestException:
                ledger.error('delete:exception')
                continue
            if resp.status_code == 204:
                ledger.was_deleted(ids)
                return
            ledger.error('delete:%d' % resp.status_code)
        return
    for msg_id in ids:
        resp = session.delete('%s/%s' % (messages_url, msg_id),
                              params={'claim_id': claim_id}, timeout=60)
        if resp.status_code == 204:
            ledger.was_deleted([msg_id])
        else:
            ledger.error('delete:%d' % resp.status_code)


def remaining(base_url, project, queue, observe=None):
    """How many live messages Swift still holds for the queue."""
    session = _session(base_url, project, observe)
    resp = session.get('%s/v2/queues/%s/stats' % (base_url, queue),
                       timeout=60)
    return resp.json()['messages']['total']


def drain(base_url, project, queue, ledger, bulk_delete=True,
          claim_ttl=CLAIM_TTL, limit=10, observe=None):
    """Consume what is left. A claim or delete answered 503 may still have
    taken effect (claims.rst "The holder's writes"): its messages come back
    when that unknown claim expires, so wait for that, then consume them."""
    deadline = time.time() + claim_ttl + 30
    while remaining(base_url, project, queue, observe) and \
            time.time() < deadline:
        stop = threading.Event()
        stop.set()
        consume(base_url, project, queue, ledger, stop, limit=limit,
                claim_ttl=claim_ttl, bulk_delete=bulk_delete,
                observe=observe)
        time.sleep(1)


def race(base_urls, project, queue, messages, producers, consumers,
         batch=20, limit=10, during=None, bulk_delete=True,
         claim_ttl=CLAIM_TTL, observe=None, ledger=None):
    """Run producers and consumers against ``base_urls`` (spread
    round-robin), call ``during()`` once production is under way, drain the
    queue, and return the ledger (``ledger``, or a new one) and the wall
    time. ``observe``: see :class:`ObservedSession`."""
    ledger = Ledger() if ledger is None else ledger
    stop = threading.Event()
    started = time.time()
    per_producer = messages // producers
    with concurrent.futures.ThreadPoolExecutor(producers + consumers) as ex:
        posted = [ex.submit(produce, base_urls[i % len(base_urls)], project,
                            queue, per_producer + (
                                messages % producers if i == 0 else 0),
                            batch, ledger, observe=observe)
                  for i in range(producers)]
        consumed = [ex.submit(consume, base_urls[i % len(base_urls)],
                              project, queue, ledger, stop, limit,
                              claim_ttl=claim_ttl, bulk_delete=bulk_delete,
                              observe=observe)
                    for i in range(consumers)]
        if during is not None:
            during()
        for future in posted:
            future.result()
        stop.set()
        for future in consumed:
            future.result()
    drain(base_urls[0], project, queue, ledger, bulk_delete,
          claim_ttl=claim_ttl, limit=limit, observe=observe)
    return ledger, time.time() - started
