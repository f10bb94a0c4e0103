"""The load generator: producers and consumers speaking the Zaqar v2 API.

One run:

1. **setup**: ``PUT /v2/queues/<q>`` for each of ``queues`` queues (names
   unique to the run);
2. **prefill** (optional): ``prefill`` messages posted in batches of
   ``prefill_batch`` by ``prefill_threads`` threads, not timed with the
   load;
3. **load**: ``producers`` threads ``POST .../messages`` batches of
   ``batch`` messages (queues in turn) until ``duration`` has passed or
   ``messages`` were acknowledged; meanwhile ``consumers`` threads
   ``POST .../claims?limit=<claim_limit>`` and delete what they got with
   one ``DELETE .../messages?ids=..&claim_ids=<claim>`` (``delete_mode``
   bulk; a server answering 400 to that gets per-message
   ``DELETE .../messages/<id>?claim_id=`` from then on), or release the
   claim (``consume_mode`` release);
4. **drain**: producers stop, consumers go on until every queue answered
   a claim with 204 (or ``drain_timeout``);
5. **verify**: if some acknowledged message was never received, list the
   queues (``include_claimed=true``) to tell *remaining* from *lost*;
6. **cleanup**: ``DELETE`` the queues (unless ``keep_queues``).

Every thread has its own ``requests.Session`` (and Client-ID).
"""

import json
import threading
import time
import uuid

import requests

from swiftq.bench import ledger as ledger_mod
from swiftq.bench import load_results
from swiftq.bench import stats
from swiftq.bench.pacing import Budget, Clock, Pacer

ERROR_BACKOFF = 0.1
#: Seconds between two stats requests asking whether a queue is drained.
EMPTY_CHECK_INTERVAL = 1.0


def _outcome(exc):
    return type(exc).__name__


def _ids_from_resources(data):
    try:
        return [href.rsplit('/', 1)[-1].split('?')[0]
                for href in data.get('resources', [])]
    except AttributeError:
        return None


class LoadRun:
    """One benchmark run against one endpoint."""

    def __init__(self, endpoint, config, progress=None, stack=None,
                 log=None):
        """``stack``: a :class:`swiftq.bench.local.LocalStack` when the
        target runs on this machine (CPU and Swift request accounting)."""
        self.endpoint = endpoint
        self.config = config.check()
        self.run_id = uuid.uuid4().hex[:10]
        prefix = config.queue_prefix or 'bench-%s' % self.run_id[:6]
        self.queues = ['%s-%d' % (prefix, i) for i in range(config.queues)]
        self.clock = Clock()
        self.recorder = stats.Recorder(self.clock)
        self.prefill_recorder = stats.Recorder(self.clock)
        self.ledger = ledger_mod.Ledger(self.run_id, self.clock)
        self._progress = progress
        self._stack = stack
        self._cpu_probe = stack.cpu_times if stack is not None else None
        self._log = log or (lambda msg: None)
        self._pad = None
        self._interrupted = threading.Event()
        self._stop_producers = threading.Event()
        self._stop_consumers = threading.Event()
        self._draining = threading.Event()
        self._drain_started = None
        self._drained = set()
        self._drained_lock = threading.Lock()
        self._empty_checked = {}    # queue -> Clock time of its last check
        self._all_drained = threading.Event()
        self._bulk_delete = config.delete_mode == 'bulk'
        self._bulk_fallback_note = None
        self._queue_cursor = 0
        self._cursor_lock = threading.Lock()

    # -- helpers --------------------------------------------------------------
    def _padding(self):
        """Padding that brings a body's JSON to about ``body_size``
        bytes (bodies smaller than run id + seq get no padding)."""
        if self._pad is None:
            base = len(json.dumps(self.ledger.body(10 ** 6, ''),
                                  separators=(', ', ': ')))
            base += len(', "pad": ""')
            self._pad = 'x' * max(0, self.config.body_size - base)
        return self._pad

    def _messages(self, seqs):
        pad = self._padding()
        return {'messages': [{'ttl': self.config.message_ttl,
                              'body': self.ledger.body(seq, pad)}
                             for seq in seqs]}

    def _request(self, recorder, op, expected, session, method, url,
                 **kwargs):
        """Send one request; returns ``(response or None, sent, received)``
        and records it under ``op`` (ok if its status is expected)."""
        sent = Clock.now()
        try:
            resp = session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            received = Clock.now()
            recorder.error(op, _outcome(exc))
            return None, sent, received
        received = Clock.now()
        if resp.status_code in expected:
            recorder.ok(op, sent, received)
        else:
            recorder.error(op, resp.status_code)
        return resp, sent, received

    # -- phases ---------------------------------------------------------------
    def _setup(self):
        session = self.endpoint.session()
        try:
            # swiftq spreads a queue over ``_stripes`` containers; to
            # another Zaqar it is just metadata.
            metadata = ({'_stripes': self.config.stripes}
                        if self.config.stripes else None)
            for queue in self.queues:
                resp = session.put(self.endpoint.queue_url(queue),
                                   json=metadata)
                if resp.status_code not in (201, 204):
                    raise RuntimeError('PUT queue %s answered %d: %s'
                                       % (queue, resp.status_code,
                                          resp.text[:300]))
        finally:
            session.close()

    def _prefill(self):
        cfg = self.config
        total = cfg.prefill
        if not total:
            return None
        batch = cfg.prefill_batch or cfg.batch
        budget = Budget(total)
        threads = max(1, min(cfg.prefill_threads, -(-total // batch)))
        started = Clock.now()
        failures = []

        def work(index):
            session = self.endpoint.session()
            qi = index % len(self.queues)
            consecutive_errors = 0
            try:
                while not self._interrupted.is_set():
                    n = budget.take(batch)
                    if not n:
                        return
                    seqs = self.ledger.allocate(n)
                    url = self.endpoint.queue_url(self.queues[qi]) + \
                        '/messages'
                    qi = (qi + 1) % len(self.queues)
                    resp, sent, received = self._request(
                        self.prefill_recorder, 'post', (201,), session,
                        'POST', url, json=self._messages(seqs))
                    if resp is not None and resp.status_code == 201:
                        self.ledger.posted(seqs, sent, received,
                                           _ids_from_resources(resp.json()))
                        consecutive_errors = 0
                    else:
                        self.ledger.post_failed(seqs, sent)
                        budget.give_back(n)
                        consecutive_errors += 1
                        if consecutive_errors >= 20:
                            failures.append(resp.status_code if resp
                                            is not None else 'exception')
                            return
                        time.sleep(ERROR_BACKOFF)
            finally:
                session.close()

        workers = [threading.Thread(target=work, args=(i,), daemon=True,
                                    name='bench-prefill-%d' % i)
                   for i in range(threads)]
        for t in workers:
            t.start()
        while any(t.is_alive() for t in workers):
            for t in workers:
                t.join(1.0)
            if self._progress:
                self._progress('prefill: %d/%d messages posted (%.0f s)'
                               % (self.ledger.acked_count, total,
                                  Clock.now() - started))
        seconds = Clock.now() - started
        if failures:
            raise RuntimeError('prefill failed: %s; errors: %s'
                               % (failures,
                                  self.prefill_recorder.error_table()))
        return {'messages': self.ledger.acked_count, 'batch': batch,
                'threads': threads, 'seconds': round(seconds, 3),
                'msgs_per_s': round(self.ledger.acked_count / seconds, 2),
                'latency': self.prefill_recorder.summary(),
                'errors': self.prefill_recorder.error_table()}

    # -- producers ------------------------------------------------------------
    def _producer(self, index, budget, pacer):
        cfg = self.config
        session = self.endpoint.session()
        qi = index % len(self.queues)
        try:
            while not self._stop_producers.is_set():
                n = budget.take(cfg.batch)
                if not n:
                    return
                pacer.wait(n, self._stop_producers)
                if self._stop_producers.is_set():
                    budget.give_back(n)
                    return
                seqs = self.ledger.allocate(n)
                url = self.endpoint.queue_url(self.queues[qi]) + '/messages'
                qi = (qi + 1) % len(self.queues)
                resp, sent, received = self._request(
                    self.recorder, 'post', (201,), session, 'POST', url,
                    json=self._messages(seqs))
                if resp is not None and resp.status_code == 201:
                    try:
                        ids = _ids_from_resources(resp.json())
                    except ValueError:
                        ids = None
                    self.ledger.posted(seqs, sent, received, ids)
                else:
                    self.ledger.post_failed(seqs, sent)
                    budget.give_back(n)
                    self._stop_producers.wait(ERROR_BACKOFF)
        finally:
            session.close()

    # -- consumers ------------------------------------------------------------
    def _consumer(self, index):
        cfg = self.config
        session = self.endpoint.session()
        nq = len(self.queues)
        qi = index % nq
        empties = 0
        body = {'ttl': cfg.claim_ttl, 'grace': cfg.claim_grace}
        try:
            while not self._stop_consumers.is_set():
                queue = self.queues[qi]
                qi = (qi + 1) % nq
                url = '%s/claims?limit=%d' % (
                    self.endpoint.queue_url(queue), cfg.claim_limit)
                sent = Clock.now()
                try:
                    resp = session.post(url, json=body)
                except requests.RequestException as exc:
                    self.recorder.error('claim', _outcome(exc))
                    self._stop_consumers.wait(ERROR_BACKOFF)
                    continue
                received = Clock.now()
                if resp.status_code == 201:
                    self.recorder.ok('claim', sent, received)
                    empties = 0
                    self._consumed(session, queue, resp, sent, received)
                elif resp.status_code == 204:
                    self.recorder.ok('claim_empty', sent, received)
                    if self._draining.is_set() and \
                            sent >= self._drain_started and \
                            self._nothing_free(session, queue):
                        self._queue_drained(queue)
                    empties += 1
                    if empties >= nq:
                        empties = 0
                        self._stop_consumers.wait(cfg.idle_sleep)
                else:
                    self.recorder.error('claim', resp.status_code)
                    self._stop_consumers.wait(ERROR_BACKOFF)
        finally:
            session.close()

    def _nothing_free(self, session, queue):
        """Whether the queue's stats count no free message, checked at most
        once per EMPTY_CHECK_INTERVAL per queue. A claim answered 204 does
        not say so: swiftq's claim on a striped queue answers 204 when the
        stripes its process holds are empty while another process holds
        the rest (doc/source/design/stripes.rst), and the drain would end
        with messages left."""
        now = Clock.now()
        with self._drained_lock:
            if now - self._empty_checked.get(queue, -1e9) < \
                    EMPTY_CHECK_INTERVAL:
                return False
            self._empty_checked[queue] = now
        try:
            resp = session.get(self.endpoint.queue_url(queue) + '/stats')
            return resp.status_code == 200 and \
                resp.json()['messages']['free'] == 0
        except (requests.RequestException, ValueError, KeyError,
                TypeError):
            return False

    def _queue_drained(self, queue):
        with self._drained_lock:
            self._drained.add(queue)
            if len(self._drained) == len(self.queues):
                self._all_drained.set()

    def _consumed(self, session, queue, resp, sent, received):
        try:
            messages = resp.json().get('messages', [])
        except (ValueError, AttributeError):
            self.recorder.error('claim', 'bad-json')
            return
        claim_id = None
        location = resp.headers.get('Location')
        if location:
            claim_id = location.rstrip('/').rsplit('/', 1)[-1]
        if not claim_id and messages:
            href = messages[0].get('href', '')
            if 'claim_id=' in href:
                claim_id = href.split('claim_id=', 1)[1].split('&')[0]
        delivered = self.ledger.delivered(
            claim_id, self.config.claim_ttl, sent, received,
            [(m.get('id'), m.get('body')) for m in messages])
        if self.config.consume_mode == 'release':
            self._release(session, queue, claim_id, delivered)
        elif self._bulk_delete:
            self._delete_bulk(session, queue, claim_id, messages, delivered)
        else:
            self._delete_single(session, messages, delivered)

    def _release(self, session, queue, claim_id, delivered):
        url = '%s/claims/%s' % (self.endpoint.queue_url(queue), claim_id)
        self.ledger.ending([d for _, d in delivered], Clock.now())
        self._request(self.recorder, 'release', (204,), session, 'DELETE',
                      url)

    def _delete_bulk(self, session, queue, claim_id, messages, delivered):
        ids = ','.join(m['id'] for m in messages)
        # commas unescaped: some servers split the raw query string
        url = '%s/messages?ids=%s&claim_ids=%s' % (
            self.endpoint.queue_url(queue), ids, claim_id)
        self.ledger.ending([d for _, d in delivered], Clock.now())
        sent = Clock.now()
        try:
            resp = session.delete(url)
        except requests.RequestException as exc:
            self.recorder.error('delete', _outcome(exc))
            return
        received = Clock.now()
        if resp.status_code == 204:
            self.recorder.ok('delete', sent, received)
            self.ledger.deleted_ok([s for s, _ in delivered], received)
        elif resp.status_code == 400 and self._bulk_delete:
            self.recorder.error('delete', 400)
            self._bulk_delete = False
            self._bulk_fallback_note = (
                'the server answered 400 to DELETE ?ids=&claim_ids= (%s); '
                'fell back to one DELETE per message'
                % resp.text[:200].replace('\n', ' '))
            self._log('bulk delete refused (400): deleting one message at '
                      'a time from now on')
            self._delete_single(session, messages, delivered)
        else:
            self.recorder.error('delete', resp.status_code)

    def _delete_single(self, session, messages, delivered):
        now = Clock.now()
        self.ledger.ending([d for _, d in delivered], now)
        for message, (seq, _) in zip(messages, delivered):
            href = message.get('href') or ''
            resp, sent, received = self._request(
                self.recorder, 'delete', (204,), session, 'DELETE',
                self.endpoint.absolute(href))
            if resp is not None and resp.status_code == 204:
                self.ledger.deleted_ok([seq], received)

    # -- verify and clean up --------------------------------------------------
    def _remaining(self, never_consumed):
        """Seqs of this run still in the queues, or None if listing them
        would take more than verify_limit messages."""
        if not never_consumed:
            return None
        session = self.endpoint.session()
        found = set()
        budget = self.config.verify_limit
        try:
            for queue in self.queues:
                url = (self.endpoint.queue_url(queue) +
                       '/messages?include_claimed=true&echo=true&limit=20')
                while url:
                    resp = session.get(url)
                    if resp.status_code == 204:
                        break
                    if resp.status_code != 200:
                        self._log('verify: listing %s answered %d'
                                  % (queue, resp.status_code))
                        return None
                    data = resp.json()
                    page = data.get('messages', [])
                    if not page:
                        break
                    for message in page:
                        seq = self.ledger.seq_of(message.get('body'))
                        if seq is not None:
                            found.add(seq)
                    budget -= len(page)
                    if budget <= 0:
                        return None
                    url = None
                    for link in data.get('links', []):
                        if link.get('rel') == 'next':
                            url = self.endpoint.absolute(link['href'])
        finally:
            session.close()
        return found

    def _queue_stats(self):
        session = self.endpoint.session()
        out = {}
        try:
            for queue in self.queues:
                try:
                    resp = session.get(self.endpoint.queue_url(queue) +
                                       '/stats')
                    out[queue] = (resp.json().get('messages')
                                  if resp.status_code == 200
                                  else 'HTTP %d' % resp.status_code)
                except (requests.RequestException, ValueError) as exc:
                    out[queue] = _outcome(exc)
        finally:
            session.close()
        return out

    def _cleanup(self):
        session = self.endpoint.session()
        try:
            for queue in self.queues:
                try:
                    session.delete(self.endpoint.queue_url(queue),
                                   timeout=120)
                except requests.RequestException as exc:
                    self._log('could not delete queue %s: %s' % (queue, exc))
        finally:
            session.close()

    # -- the run --------------------------------------------------------------
    def _progress_loop(self, done):
        last_posted = last_deleted = 0
        last_t = self.clock.rel()
        while not done.wait(1.0):
            t = self.clock.rel()
            posted = self.ledger.acked_count
            deleted = (self.ledger.deleted_count
                       if self.config.consume_mode == 'delete'
                       else self.ledger.delivered_count)
            dt = max(t - last_t, 1e-6)
            phase = ('drain' if self._draining.is_set() else 'load')
            self._progress(
                '%s %5.1fs  posted %d (%.0f/s)  %s %d (%.0f/s)  '
                'backlog %d  errors %d'
                % (phase, t, posted, (posted - last_posted) / dt,
                   'consumed' if self.config.consume_mode == 'delete'
                   else 'claimed', deleted, (deleted - last_deleted) / dt,
                   self.ledger.backlog(), self.recorder.error_count()))
            last_posted, last_deleted, last_t = posted, deleted, t

    def _cpu(self):
        from swiftq.bench import local
        snap = {'bench-client': local.self_cpu()}
        machine = local.machine_cpu()
        if machine is not None:
            snap['machine-busy'] = machine[0]
        if self._cpu_probe is not None:
            try:
                snap.update(self._cpu_probe())
            except Exception as exc:   # accounting must never break a run
                self._log('cpu accounting failed: %s' % exc)
        return snap

    @property
    def interrupted(self):
        return self._interrupted.is_set()

    def interrupt(self):
        """End the run early (e.g. on SIGTERM): the load phase stops, no
        drain, and the figures measured so far are reported."""
        self._interrupted.set()
        self._stop_producers.set()

    def run(self):
        cfg = self.config
        started_at = time.strftime('%Y-%m-%dT%H:%M:%S%z')
        self._setup()
        result = None
        try:
            prefill = self._prefill()
            result = self._run_load(started_at, prefill)
        finally:
            if not cfg.keep_queues:
                began = Clock.now()
                self._cleanup()
                if result is not None:
                    # DELETE of the queues, i.e. of whatever was left
                    result['phases']['cleanup_s'] = round(
                        Clock.now() - began, 3)
        return result

    def _run_load(self, started_at, prefill):
        cfg = self.config
        budget = Budget(cfg.messages)
        pacer = Pacer(cfg.post_rate)
        api_log_offset = (self._stack.api_log_offset()
                          if self._stack is not None else None)
        self.clock.t0 = Clock.now()
        wall_t0 = time.time()
        t0 = self.clock.t0
        cpu_before = self._cpu()
        consumers = [threading.Thread(target=self._consumer, args=(i,),
                                      daemon=True,
                                      name='bench-consumer-%d' % i)
                     for i in range(cfg.consumers)]
        producers = [threading.Thread(target=self._producer,
                                      args=(i, budget, pacer), daemon=True,
                                      name='bench-producer-%d' % i)
                     for i in range(cfg.producers)]
        done = threading.Event()
        progress = None
        if self._progress:
            progress = threading.Thread(target=self._progress_loop,
                                        args=(done,), daemon=True)
            progress.start()
        for t in consumers + producers:
            t.start()
        # load phase: until the duration or the message budget runs out
        deadline = t0 + cfg.duration if cfg.duration else None
        while True:
            if self._interrupted.is_set():
                break
            if deadline is not None and Clock.now() >= deadline:
                break
            if producers and not any(t.is_alive() for t in producers):
                break
            if not producers and deadline is None:
                break
            time.sleep(0.02)
        self._stop_producers.set()
        for t in producers:
            t.join()
        load_end = Clock.now()
        wall_load_end = time.time()
        cpu_after = self._cpu()
        backlog_at_end = self.ledger.backlog()
        # drain phase
        drained = None
        drain_s = 0.0
        if consumers and cfg.consume_mode == 'delete' and \
                cfg.drain_timeout > 0:
            self._drain_started = Clock.now()
            self._draining.set()
            drain_end = Clock.now() + cfg.drain_timeout
            while not self._interrupted.is_set():
                left = drain_end - Clock.now()
                if left <= 0 or self._all_drained.wait(min(left, 0.1)):
                    break
            drained = self._all_drained.is_set()
            drain_s = Clock.now() - self._drain_started
        self._stop_consumers.set()
        for t in consumers:
            t.join()
        end = Clock.now()
        done.set()
        if progress is not None:
            progress.join()
        # verification
        never = self.ledger.unconsumed()
        remaining = None
        checked = consumers and never and cfg.consume_mode == 'delete'
        if checked and len(never) <= cfg.verify_limit:
            remaining = self._remaining(never)
        correctness = self.ledger.analyze(remaining)
        correctness['drain_complete'] = drained
        correctness['lost_method'] = (
            'listing' if remaining is not None else
            'all consumed' if correctness['lost'] == 0 else None)
        final_stats = self._queue_stats()
        if checked and remaining is None:
            # Too many left to list them: compare counts instead (the
            # queues' stats count every message left, ours or not).
            left = sum(s.get('total', 0) for s in final_stats.values()
                       if isinstance(s, dict))
            unfinished = left - correctness['claimed_not_deleted']
            correctness['remaining_in_queue'] = min(len(never), unfinished)
            correctness['lost'] = max(0, len(never) - unfinished)
            correctness['lost_method'] = 'count (queue stats)'
        if cfg.consume_mode == 'release' or not consumers:
            correctness['lost'] = None
            correctness['lost_method'] = None
        server = None
        if self._stack is not None:
            server = {
                'swift_requests_during_load': self._stack.swift_requests(
                    wall_t0, wall_load_end),
                'api_log_problems': self._stack.api_log_problems(
                    api_log_offset),
            }
        return load_results.results(
            self, started_at, prefill, t0, load_end, end, drain_s,
            backlog_at_end, correctness, final_stats, cpu_before, cpu_after,
            server)

    # -- what the result document asks of the run -----------------------------
    @property
    def measures_server_cpu(self):
        """Whether the target's processes are on this machine and their CPU
        is counted (the rest of the machine's busy time is then noise)."""
        return self._cpu_probe is not None

    @property
    def delete_mode_used(self):
        cfg = self.config
        if not cfg.consumers:
            return None
        if cfg.consume_mode == 'release':
            return 'release'
        return 'bulk' if self._bulk_delete else 'single'

    def notes(self):
        notes = []
        if self._interrupted.is_set():
            notes.append('interrupted: the load phase was cut short and '
                         'the drain skipped')
        if self._bulk_fallback_note:
            notes.append(self._bulk_fallback_note)
        return notes
