"""swiftq-bench websocket: what swiftq-websocket costs and how fast it
pushes.

::

    # a throw-away stack: LocalSwift, swiftq-api, swiftq-websocket
    swiftq-bench websocket --local --sockets 1000 --samples 20

    # running services (noauth, or --token); --server-pid: the
    # swiftq-websocket process, on this host, whose memory is read
    swiftq-bench websocket --ws-url ws://127.0.0.1:9000 \\
        --url http://127.0.0.1:8888 --server-pid 4242

Three figures:

1. *idle sockets*: ``--sockets`` sockets are opened and authenticated
   (``authenticate``, with ``--token`` under Keystone) and held; the
   resident memory (VmRSS) of the websocket process is read with one
   socket open, then with all of them;
2. *post-to-push*: a socket subscribes to a fresh queue without a
   subscriber (messages pushed to it); ``--samples`` messages are posted
   one at a time through another socket of the same process, then as
   many through the HTTP API (another process); each sample is the time
   from the post's answer (201) to the push (0 when the push came
   first), and from sending the post;
3. *long-poll wake-up*, for comparison: a ``GET .../messages?wait=``
   waits on the HTTP API while a message is posted through the websocket
   process (another process); the time from the post's 201 to the
   waiter's answer.

Posts wait a random 0 to 0.5 s first, so that they fall anywhere in the
watch cycle (``[long_poll] watch_interval``) of the other process.
"""

import argparse
import concurrent.futures
import json
import os
import random
import sys
import threading
import time
import uuid

import requests
import websocket as ws_client

from swiftq import child_processes
from swiftq.bench import local as local_stack
from swiftq.bench import stats

PUSH_TIMEOUT = 30
#: Threads opening the idle sockets.
OPENERS = 8
START_TIMEOUT = 60


class BenchError(RuntimeError):
    pass


# -- reading the server -------------------------------------------------------
def rss_kib(pid):
    """Resident memory of a process (KiB), from /proc (None if unknown)."""
    try:
        with open('/proc/%d/status' % pid) as f:
            for line in f:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class Socket:
    """One raw websocket with the bench's headers."""

    def __init__(self, url, headers, token=None, timeout=PUSH_TIMEOUT):
        self.ws = ws_client.create_connection(url, timeout=timeout)
        self.headers = headers
        # Zaqar's schema wants a token header even where none is checked.
        self.call('authenticate', None, dict(
            headers, **{'X-Auth-Token': token or 'noauth'}), expect=200)

    def call(self, action, body, headers=None, expect=None):
        frame = {'action': action, 'headers': headers or self.headers}
        if body is not None:
            frame['body'] = body
        self.ws.send(json.dumps(frame))
        answer = json.loads(self.ws.recv())
        status = answer.get('headers', {}).get('status')
        if expect is not None and status != expect:
            raise BenchError('%s answered %s: %s' % (action, status,
                                                     answer.get('body')))
        return answer

    def pushed(self, marker):
        """Wait for the push whose body is ``marker``."""
        while True:
            frame = json.loads(self.ws.recv())
            if frame.get('body') == marker:
                return time.monotonic()

    def close(self):
        self.ws.close()


# -- the three figures --------------------------------------------------------
def idle_sockets(url, headers, token, count, pid):
    """Memory of the websocket process holding ``count`` idle sockets."""
    first = Socket(url, headers, token)
    time.sleep(0.5)
    baseline = rss_kib(pid) if pid else None
    sockets = [first]
    started = time.monotonic()
    try:
        with concurrent.futures.ThreadPoolExecutor(OPENERS) as pool:
            futures = [pool.submit(Socket, url, headers, token)
                       for _ in range(count - 1)]
            for future in futures:
                try:
                    sockets.append(future.result())
                except Exception:
                    for f in futures:
                        f.cancel()
                    raise
        opened = time.monotonic() - started
        time.sleep(1.0)
        held = rss_kib(pid) if pid else None
        # They are all still served.
        for sock in (sockets[0], sockets[-1]):
            sock.call('ping_node', {}, expect=204)
    finally:
        for sock in sockets:
            sock.close()
    result = {'sockets': count, 'open_seconds': round(opened, 2),
              'rss_one_socket_kib': baseline, 'rss_kib': held}
    if baseline is not None and held is not None and count > 1:
        result['per_socket_kib'] = round((held - baseline) / (count - 1), 1)
    return result


def _post_http(session, api_url, queue, marker):
    resp = session.post('%s/v2/queues/%s/messages' % (api_url, queue),
                        json={'messages': [{'body': marker, 'ttl': 300}]})
    if resp.status_code != 201:
        raise BenchError('HTTP post answered %d: %s' % (resp.status_code,
                                                        resp.text))


def _post_ws(sock, queue, marker):
    sock.call('message_post', {'queue_name': queue, 'messages': [
        {'body': marker, 'ttl': 300}]}, expect=201)


def _summary(samples):
    after_201 = stats.summarize([s[0] for s in samples])
    after_send = stats.summarize([s[1] for s in samples])
    return {'count': after_201['count'],
            'p50_ms': after_201['p50_ms'], 'p99_ms': after_201['p99_ms'],
            'from_send_p50_ms': after_send['p50_ms'],
            'from_send_p99_ms': after_send['p99_ms']}


def push_latency(url, api_url, headers, token, samples, session):
    """``{'websocket': summary, 'http': summary}`` of post-to-push."""
    queue = 'bench-push-' + uuid.uuid4().hex[:10]
    subscriber = Socket(url, headers, token)
    poster = Socket(url, headers, token)
    try:
        subscriber.call('subscription_create',
                        {'queue_name': queue, 'ttl': 3600}, expect=201)
        result = {}
        for via in ('websocket', 'http'):
            measured = []
            for _ in range(samples):
                time.sleep(random.uniform(0, 0.5))
                marker = uuid.uuid4().hex
                sent = time.monotonic()
                if via == 'websocket':
                    _post_ws(poster, queue, marker)
                else:
                    _post_http(session, api_url, queue, marker)
                answered = time.monotonic()
                pushed = subscriber.pushed(marker)
                measured.append((max(pushed - answered, 0.0), pushed - sent))
            result[via] = _summary(measured)
        return result
    finally:
        subscriber.close()
        poster.close()


def long_poll_wakeup(url, api_url, headers, token, samples, session):
    """Summary of post (through the websocket process) to the answer of a
    listing waiting on the HTTP API."""
    queue = 'bench-lp-' + uuid.uuid4().hex[:10]
    poster = Socket(url, headers, token)
    href = '/v2/queues/%s/messages?echo=true&wait=20' % queue
    measured = []
    try:
        for _ in range(samples):
            got = {}

            def wait(path=href):
                resp = session.get(api_url + path)
                got['at'] = time.monotonic()
                got['resp'] = resp

            waiter = threading.Thread(target=wait)
            waiter.start()
            time.sleep(0.3 + random.uniform(0, 0.5))    # waiting by now
            marker = uuid.uuid4().hex
            sent = time.monotonic()
            _post_ws(poster, queue, marker)
            answered = time.monotonic()
            waiter.join(PUSH_TIMEOUT)
            resp = got.get('resp')
            if resp is None or resp.status_code != 200 or marker not in [
                    m['body'] for m in resp.json().get('messages', [])]:
                raise BenchError('the waiting listing did not get the '
                                 'message: %r' % (resp and resp.text))
            measured.append((max(got['at'] - answered, 0.0),
                             got['at'] - sent))
            href = [link['href'] for link in resp.json()['links']
                    if link['rel'] == 'next'][0]
        return _summary(measured)
    finally:
        poster.close()


# -- a local stack ------------------------------------------------------------
class LocalWebsocket(child_processes.ChildServer):
    """swiftq-websocket on a LocalStack's configuration."""

    def __init__(self, stack):
        self.port = child_processes.free_port()
        self.url = 'ws://127.0.0.1:%d' % self.port
        self.config_file = os.path.join(stack.base_dir, 'websocket.conf')
        self.log_file = os.path.join(stack.base_dir, 'swiftq-websocket.log')
        with open(self.config_file, 'w') as f:
            f.write(child_processes.render_ini({'websocket': {
                'bind_host': '127.0.0.1', 'bind_port': self.port}}))
        self.stack = stack
        self.process = None

    def start(self):
        self.spawn([sys.executable, '-m', 'swiftq.cmd.websocket',
                    '--config-file', self.stack.config_file,
                    '--config-file', self.config_file],
                   env=dict(os.environ, PYTHONUNBUFFERED='1'))
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError('swiftq-websocket exited:\n'
                                 + self.log_tail())
            try:
                ws_client.create_connection(self.url, timeout=2).close()
                return self
            except OSError:
                time.sleep(0.2)
        raise BenchError('swiftq-websocket not ready:\n' + self.log_tail())

    def stop(self):
        if self.process is not None:
            child_processes.stop_tree(self.process, 15)


# -- the command --------------------------------------------------------------
def build_parser():
    p = argparse.ArgumentParser(
        prog='swiftq-bench websocket',
        description='Memory of idle authenticated websockets, post-to-push '
                    'latency and the long-poll wake-up beside it.',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('::', 1)[1])
    p.add_argument('--local', action='store_true',
                   help='Start LocalSwift, swiftq-api and swiftq-websocket '
                        'in a temporary directory, stopped at the end.')
    p.add_argument('--ws-url', help='swiftq-websocket, ws://host:port.')
    p.add_argument('--url', help='swiftq-api (the HTTP API on the same '
                                 'Swift), http://host:port.')
    p.add_argument('--server-pid', type=int,
                   help='PID of the swiftq-websocket process (this host), '
                        'whose memory is read.')
    p.add_argument('--project', default=None,
                   help='X-Project-ID (default: a fresh one).')
    p.add_argument('--token', help='Keystone token for authenticate and '
                                   'the HTTP API.')
    p.add_argument('--sockets', type=int, default=1000)
    p.add_argument('--samples', type=int, default=20,
                   help='Posts per latency figure (default 20).')
    p.add_argument('--json', help='Also write the figures to this file.')
    return p


def measure(ws_url, api_url, pid, sockets, samples, project=None,
            token=None):
    headers = {'Client-ID': str(uuid.uuid4()),
               'X-Project-ID': project or 'bench-' + uuid.uuid4().hex[:8]}
    session = requests.Session()
    session.headers.update(headers)
    if token:
        session.headers['X-Auth-Token'] = token
    try:
        return {
            'idle_sockets': idle_sockets(ws_url, headers, token, sockets,
                                         pid),
            'push': push_latency(ws_url, api_url, headers, token, samples,
                                 session),
            'long_poll': long_poll_wakeup(ws_url, api_url, headers, token,
                                          samples, session),
        }
    finally:
        session.close()


def _ms(value):
    return '%8s' % ('-' if value is None else '%.0f' % value)


def render(figures):
    idle = figures['idle_sockets']
    lines = ['swiftq-websocket, %d idle authenticated sockets (opened in '
             '%.1f s):' % (idle['sockets'], idle['open_seconds'])]
    if idle.get('rss_kib') is not None:
        lines.append('  RSS %.1f MiB (%.1f MiB with one socket): %.1f KiB '
                     'per socket' % (idle['rss_kib'] / 1024.0,
                                     idle['rss_one_socket_kib'] / 1024.0,
                                     idle['per_socket_kib']))
    else:
        lines.append('  (memory not read: no --server-pid)')
    lines += ['',
              '%-58s %8s %8s %8s %8s' % ('latency, ms (201 -> answer; '
                                         'send -> answer)', 'p50', 'p99',
                                         'p50', 'p99')]
    rows = (('push, post through the same websocket process',
             figures['push']['websocket']),
            ('push, post through swiftq-api (another process)',
             figures['push']['http']),
            ('long-poll listing wake-up, post through another process',
             figures['long_poll']))
    for name, s in rows:
        lines.append('%-58s %s %s %s %s' % (
            name, _ms(s['p50_ms']), _ms(s['p99_ms']),
            _ms(s['from_send_p50_ms']), _ms(s['from_send_p99_ms'])))
    lines.append('(%d samples each)' % figures['push']['http']['count'])
    return '\n'.join(lines)


def main(argv):
    args = build_parser().parse_args(argv)
    if not args.local and not (args.ws_url and args.url):
        build_parser().error('give --local, or --ws-url and --url')
    stack = server = None
    try:
        if args.local:
            stack = local_stack.LocalStack()
            stack.start()
            server = LocalWebsocket(stack).start()
            ws_url, api_url, pid = server.url, stack.url, server.process.pid
        else:
            ws_url, api_url, pid = args.ws_url, args.url, args.server_pid
        figures = measure(ws_url, api_url.rstrip('/'), pid, args.sockets,
                          args.samples, args.project, args.token)
    except (BenchError, OSError, ws_client.WebSocketException) as exc:
        print('swiftq-bench websocket: %s' % exc, file=sys.stderr)
        return 2
    finally:
        if server is not None:
            server.stop()
        if stack is not None:
            stack.stop()
    print(render(figures))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=2)
    return 0
