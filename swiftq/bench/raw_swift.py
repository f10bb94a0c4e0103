"""The physical limit: plain Swift object requests at a given concurrency.

``concurrency`` threads (one ``requests.Session`` each) against one
container of a Swift reached with tempauth (v1): a PUT phase of 1 KiB
objects, then a GET phase over the objects stored, then a DELETE phase
over them; each phase is bounded by ``duration`` seconds (and by
``objects`` for PUT). Whatever is left is removed afterwards (bulk delete,
not timed), then the container.

A one-object-per-message queue would need at least a PUT, a GET and a
DELETE per message, so ``cycle_ops_per_s`` = 1 / (1/PUT + 1/GET +
1/DELETE) is the rate at which Swift alone could move messages through
such a queue; reports compare swiftq with it.
"""

import threading
import time
import urllib.parse
import uuid

import requests

from swiftq.bench import stats


def tempauth(auth_url, user, key, timeout=10.0):
    """``(storage_url, token)`` from a v1 (tempauth) endpoint."""
    resp = requests.get(auth_url, headers={'X-Auth-User': user,
                                           'X-Auth-Key': key},
                        timeout=timeout)
    if resp.status_code // 100 != 2:
        raise RuntimeError('Swift auth at %s answered %d'
                           % (auth_url, resp.status_code))
    return resp.headers['X-Storage-Url'], resp.headers['X-Auth-Token']


class _Clock:
    t0 = 0.0


class RawSwift:

    def __init__(self, auth_url, user, key, concurrency=8, duration=10.0,
                 object_size=1024, objects=None, ops=('put', 'get', 'delete'),
                 timeout=30.0, progress=None, put_headers=None):
        self.auth_url = auth_url
        self.user = user
        self.key = key
        self.concurrency = max(1, int(concurrency))
        self.duration = float(duration)
        self.object_size = int(object_size)
        self.objects = objects
        self.ops = tuple(ops)
        self.timeout = timeout
        self._progress = progress
        self.put_headers = dict(put_headers or {})
        self.container = 'swiftq-bench-raw-%s' % uuid.uuid4().hex[:8]

    def _session(self, token):
        session = requests.Session()
        session.headers['X-Auth-Token'] = token
        adapter = requests.adapters.HTTPAdapter(pool_connections=1,
                                                pool_maxsize=2,
                                                max_retries=0)
        session.mount('http://', adapter)
        session.mount('https://', adapter)
        return session

    def _phase(self, op, token, base, names, payload):
        """Run one phase; returns its figures and the names it stored (for
        PUT) or touched."""
        clock = _Clock()
        recorder = stats.Recorder(clock)
        lock = threading.Lock()
        stop = threading.Event()
        stored = []
        cursor = [0]
        put_limit = self.objects

        def next_name():
            with lock:
                if op == 'put':
                    if put_limit is not None and cursor[0] >= put_limit:
                        return None
                    name = 'o%08d' % cursor[0]
                elif op == 'get':
                    if not names:
                        return None
                    name = names[cursor[0] % len(names)]
                else:
                    if cursor[0] >= len(names):
                        return None
                    name = names[cursor[0]]
                cursor[0] += 1
                return name

        def work():
            session = self._session(token)
            try:
                while not stop.is_set():
                    name = next_name()
                    if name is None:
                        return
                    url = base + '/' + urllib.parse.quote(name)
                    sent = time.perf_counter()
                    try:
                        if op == 'put':
                            resp = session.put(url, data=payload,
                                               headers=self.put_headers,
                                               timeout=self.timeout)
                            expected = (201,)
                        elif op == 'get':
                            resp = session.get(url, timeout=self.timeout)
                            expected = (200,)
                        else:
                            resp = session.delete(url, timeout=self.timeout)
                            expected = (204,)
                    except requests.RequestException as exc:
                        recorder.error(op, type(exc).__name__)
                        continue
                    received = time.perf_counter()
                    if resp.status_code in expected:
                        recorder.ok(op, sent, received)
                        if op == 'put':
                            with lock:
                                stored.append(name)
                    else:
                        recorder.error(op, resp.status_code)
            finally:
                session.close()

        from swiftq.bench import local
        machine_before = local.machine_cpu()
        threads = [threading.Thread(target=work, daemon=True,
                                    name='bench-raw-%s-%d' % (op, i))
                   for i in range(self.concurrency)]
        clock.t0 = time.perf_counter()
        for t in threads:
            t.start()
        deadline = clock.t0 + self.duration
        while any(t.is_alive() for t in threads):
            left = deadline - time.perf_counter()
            if left <= 0:
                stop.set()
            for t in threads:
                t.join(min(max(left, 0.01), 1.0))
            if self._progress:
                self._progress('raw Swift %s: %d ok, %.0f s'
                               % (op.upper(), len(recorder.samples[op]),
                                  time.perf_counter() - clock.t0))
        stop.set()
        seconds = time.perf_counter() - clock.t0
        lat = stats.summarize(recorder.latencies(op))
        machine_after = local.machine_cpu()
        result = {'ops': lat['count'],
                  'seconds': round(seconds, 3),
                  'ops_per_s': round(lat['count'] / seconds, 2),
                  'latency': lat,
                  'errors': recorder.error_table().get(op, {})}
        if machine_before and machine_after:
            # the whole machine, Swift and anything else running on it
            result['machine_busy_percent_of_one_core'] = round(
                100 * (machine_after[0] - machine_before[0]) / seconds, 1)
        return result, stored

    def run(self):
        storage_url, token = tempauth(self.auth_url, self.user, self.key)
        base = storage_url.rstrip('/') + '/' + self.container
        session = self._session(token)
        payload = b'x' * self.object_size
        results = {'swift_auth_url': self.auth_url,
                   'container': self.container,
                   'concurrency': self.concurrency,
                   'object_size': self.object_size,
                   'duration_per_phase_s': self.duration,
                   'put_headers': self.put_headers,
                   'started_at': time.strftime('%Y-%m-%dT%H:%M:%S%z')}
        try:
            resp = session.put(base, timeout=self.timeout)
            if resp.status_code not in (201, 202):
                raise RuntimeError('container PUT answered %d'
                                   % resp.status_code)
            names = []
            if 'put' in self.ops or 'get' in self.ops or \
                    'delete' in self.ops:
                put, names = self._phase('put', token, base, None, payload)
                if 'put' in self.ops:
                    results['put'] = put
            if 'get' in self.ops:
                results['get'], _ = self._phase('get', token, base,
                                                list(names), payload)
            if 'delete' in self.ops:
                delete, _ = self._phase('delete', token, base, list(names),
                                        payload)
                results['delete'] = delete
            rates = [results[op]['ops_per_s']
                     for op in ('put', 'get', 'delete') if op in results]
            if len(rates) == 3 and all(rates):
                results['cycle_ops_per_s'] = round(
                    1.0 / sum(1.0 / r for r in rates), 2)
        finally:
            self._cleanup(session, storage_url, base)
            session.close()
        return results

    def _cleanup(self, session, storage_url, base):
        """Remove what is left (bulk delete), then the container."""
        try:
            while True:
                resp = session.get(base, params={'format': 'json',
                                                 'limit': 10000},
                                   timeout=self.timeout)
                if resp.status_code != 200 or not resp.json():
                    break
                body = '\n'.join(
                    '/%s/%s' % (self.container, urllib.parse.quote(o['name']))
                    for o in resp.json())
                session.post(storage_url + '?bulk-delete', data=body,
                             headers={'Content-Type': 'text/plain',
                                      'Accept': 'application/json'},
                             timeout=120)
            session.delete(base, timeout=self.timeout)
        except requests.RequestException:
            pass
