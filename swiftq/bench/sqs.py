"""swiftq-bench sqs: the SQS endpoint's throughput beside the Zaqar API's,
on the same swiftq-api and the same Swift, in one invocation.

::

    # a throw-away stack: LocalSwift and swiftq-api (noauth)
    swiftq-bench sqs --local --messages 2000 --batch 10 --workers 4

    # a running swiftq-api with auth_strategy = noauth
    swiftq-bench sqs --url http://127.0.0.1:8888

Each path (SQS with boto3, then the Zaqar API) gets a fresh queue of
the same project and runs the same two phases:

1. *send*: ``--messages`` bodies of ``--body-size`` characters,
   ``--batch`` per request (SendMessageBatch, or SendMessage at 1; one
   POST), from ``--workers`` threads;
2. *receive and delete*: ``--workers`` threads receive up to ``--batch``
   messages at a time (ReceiveMessage; a claim with ``limit``) and delete
   what they got (DeleteMessageBatch, or DeleteMessage at 1; one DELETE
   with the claim id), until every message was received or
   ``--drain-timeout`` passed.

Figures: messages per second of each phase and of both (messages over
the two phases' time), request latencies, and the SQS/Zaqar ratios. Every
body carries its sequence number: a message never received (lost),
received twice (duplicated: the visibility timeout outlasts the run) or
still in the queue after its delete was acknowledged makes the exit
status 1; one merely not received by ``--drain-timeout`` (still in the
queue) is reported, not counted lost.
"""

import argparse
import collections
import concurrent.futures
import json
import sys
import threading
import time
import types
import uuid

from swiftq.bench import client
from swiftq.bench import sqs_paths
from swiftq.bench import stats

DEV_SECRET = 'swiftq-dev-secret'
IDLE_SLEEP = 0.05
ERROR_BACKOFF = 0.2


class BenchError(RuntimeError):
    pass


# -- accounting ---------------------------------------------------------------
class Tally:
    """Which sequence numbers were sent (acknowledged), received (how many
    times) and deleted, from the bodies themselves."""

    def __init__(self, run_id):
        self.run_id = run_id
        self._lock = threading.Lock()
        self.sent = set()
        self.uncertain = set()     # in a batch the server took in part
        self.received = collections.Counter()
        self.foreign = 0           # bodies of no run of this tally
        self.deleted = 0
        self.last_delete = None

    def body(self, seq, size):
        text = '%s %08d ' % (self.run_id, seq)
        return text + 'x' * max(0, size - len(text))

    def acknowledged(self, seqs, complete):
        with self._lock:
            (self.sent if complete else self.uncertain).update(seqs)

    def got(self, bodies):
        with self._lock:
            for body in bodies:
                run_id, _, rest = body.partition(' ')
                if run_id != self.run_id:
                    self.foreign += 1
                else:
                    self.received[int(rest.split(' ', 1)[0])] += 1

    def gone(self, count, at):
        with self._lock:
            self.deleted += count
            self.last_delete = at

    def everything_received(self):
        with self._lock:
            return all(seq in self.received for seq in self.sent)

    def correctness(self, left_in_queue):
        """``left_in_queue``: the queue's message count at the end. A
        message not received by the end of the drain is lost only if the
        queue does not hold it either."""
        with self._lock:
            received = len(self.received)
            not_received = len(self.sent - set(self.received))
            undeleted = max(0, received - self.deleted)
            expected_left = len(self.sent) + len(self.uncertain) - \
                self.deleted
            return {
                'sent': len(self.sent),
                'received': received,
                'deleted': self.deleted,
                'drained': not_received == 0,
                'lost': max(0, not_received - max(
                    0, left_in_queue - undeleted)),
                'duplicates': sum(1 for n in self.received.values()
                                  if n > 1),
                'foreign': self.foreign,
                'unacknowledged': len(self.uncertain),
                'left_in_queue': left_in_queue,
                'kept_after_delete': max(0, left_in_queue - expected_left),
            }


def violations(correctness):
    """What makes a path's run wrong (empty: nothing). A drain cut short
    by ``--drain-timeout`` is not: the messages are still in the queue."""
    return ['%s %s' % (correctness[k], k)
            for k in ('lost', 'duplicates', 'foreign', 'kept_after_delete')
            if correctness[k]]


# -- the two phases -----------------------------------------------------------
def _threads(workers, work):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result()


def send_phase(path, tally, messages, batch, body_size, workers, recorder):
    """Seconds to send ``messages`` bodies, ``batch`` per request."""
    chunks = collections.deque(
        list(range(start, min(start + batch, messages)))
        for start in range(0, messages, batch))
    lock = threading.Lock()

    def work():
        worker = path.worker()
        try:
            while True:
                with lock:
                    if not chunks:
                        return
                    seqs = chunks.popleft()
                started = time.monotonic()
                try:
                    accepted = worker.send([tally.body(s, body_size)
                                            for s in seqs])
                except Exception as exc:
                    recorder.error('send', sqs_paths.outcome(exc))
                    tally.acknowledged(seqs, complete=False)
                    continue
                recorder.ok('send', started, time.monotonic())
                tally.acknowledged(seqs, complete=accepted == len(seqs))
                if accepted != len(seqs):
                    recorder.error('send', 'partial batch')
        finally:
            worker.close()

    started = time.monotonic()
    _threads(workers, work)
    return time.monotonic() - started


def consume_phase(path, tally, batch, workers, drain_timeout, recorder):
    """Seconds from the phase's start to the last delete's answer."""
    started = time.monotonic()
    deadline = started + drain_timeout
    done = threading.Event()

    def work():
        worker = path.worker()
        try:
            while not done.is_set() and time.monotonic() < deadline:
                sent = time.monotonic()
                try:
                    got = worker.receive(batch)
                except Exception as exc:
                    recorder.error('receive', sqs_paths.outcome(exc))
                    time.sleep(ERROR_BACKOFF)
                    continue
                recorder.ok('receive' if got else 'receive_empty', sent,
                            time.monotonic())
                if not got:
                    if tally.everything_received():
                        done.set()
                    time.sleep(IDLE_SLEEP)
                    continue
                tally.got([body for body, _ in got])
                sent = time.monotonic()
                try:
                    deleted = worker.delete([handle for _, handle in got])
                except Exception as exc:
                    recorder.error('delete', sqs_paths.outcome(exc))
                    continue
                answered = time.monotonic()
                recorder.ok('delete', sent, answered)
                tally.gone(deleted, answered)
                if deleted != len(got):
                    recorder.error('delete', 'partial batch')
                if tally.everything_received():
                    done.set()
        finally:
            worker.close()

    _threads(workers, work)
    end = tally.last_delete or time.monotonic()
    return max(end - started, 1e-9)


def run_path(path, stats_of, messages, batch, body_size, workers,
             drain_timeout):
    """One path's figures; ``stats_of(queue)``: the queue's Zaqar stats
    (``messages`` of ``GET .../stats``)."""
    tally = Tally(uuid.uuid4().hex[:12])
    recorder = stats.Recorder(types.SimpleNamespace(t0=time.monotonic()))
    path.create()
    try:
        send_s = send_phase(path, tally, messages, batch, body_size,
                            workers, recorder)
        consume_s = consume_phase(path, tally, batch, workers,
                                  drain_timeout, recorder)
        left = stats_of(path.queue)['total']
    finally:
        path.remove()
        path.close()
    summary = recorder.summary()
    sent = len(tally.sent)
    return {
        'path': path.label,
        'send': {'seconds': round(send_s, 3),
                 'msgs_per_s': round(sent / send_s, 1),
                 'latency': summary.get('send')},
        'receive_delete': {
            'seconds': round(consume_s, 3),
            'msgs_per_s': round(tally.deleted / consume_s, 1),
            'receive_latency': summary.get('receive'),
            'empty_receives': recorder.requests['receive_empty'],
            'delete_latency': summary.get('delete')},
        'both_msgs_per_s': round(tally.deleted / (send_s + consume_s), 1),
        'correctness': tally.correctness(left),
        'errors': recorder.error_table(),
    }


def _ratio(a, b):
    return round(a / b, 2) if b else None


def measure(api_url, messages, batch, body_size, workers, drain_timeout,
            access_key=None, secret_key=DEV_SECRET, token=None,
            timeout=30.0):
    """Both paths, SQS first, on queues of the project ``access_key``
    (noauth: the access key id is the project)."""
    project = access_key or 'bench-' + uuid.uuid4().hex[:8]
    endpoint = client.Endpoint(
        api_url, project=project, timeout=timeout,
        token_source=client.StaticToken(token) if token else None)
    stats_session = endpoint.session()

    def stats_of(queue):
        answer = stats_session.get(endpoint.queue_url(queue) + '/stats')
        if answer.status_code != 200:
            raise BenchError('stats of %s answered %d: %s' % (
                queue, answer.status_code, answer.text[:200]))
        return answer.json()['messages']

    queue = 'bench-sqs-' + uuid.uuid4().hex[:8]
    paths = [
        sqs_paths.SqsPath(endpoint.base_url + '/sqs', project, secret_key,
                          queue + '-sqs', timeout),
        sqs_paths.ZaqarPath(endpoint, queue + '-zaqar'),
    ]
    try:
        runs = [run_path(path, stats_of, messages, batch, body_size,
                         workers, drain_timeout) for path in paths]
    finally:
        stats_session.close()
    sqs, zaqar = runs
    return {
        'target': endpoint.base_url, 'project': project,
        'messages': messages, 'batch': batch, 'body_size': body_size,
        'workers': workers, 'runs': runs,
        'ratios_sqs_to_zaqar': {
            'send': _ratio(sqs['send']['msgs_per_s'],
                           zaqar['send']['msgs_per_s']),
            'receive_delete': _ratio(sqs['receive_delete']['msgs_per_s'],
                                     zaqar['receive_delete']['msgs_per_s']),
            'both': _ratio(sqs['both_msgs_per_s'],
                           zaqar['both_msgs_per_s'])},
    }


# -- output -------------------------------------------------------------------
def _ms(summary, key):
    value = (summary or {}).get(key)
    return '-' if value is None else '%.1f' % value


def render(figures):
    sqs, zaqar = figures['runs']
    ratios = figures['ratios_sqs_to_zaqar']
    lines = ['swiftq-bench sqs: %d messages of %d characters, batches of '
             '%d, %d worker(s), on %s' % (
                 figures['messages'], figures['body_size'], figures['batch'],
                 figures['workers'], figures['target']),
             '',
             '%-26s %19s %19s %10s' % ('', sqs['path'], zaqar['path'],
                                       'SQS/Zaqar')]

    def row(name, a, b, ratio=''):
        # ratio None: a path measured nothing
        lines.append(('%-26s %19s %19s %10s' % (
            name, a, b, '-' if ratio is None else ratio)).rstrip())

    row('send, msgs/s', sqs['send']['msgs_per_s'],
        zaqar['send']['msgs_per_s'], ratios['send'])
    row('receive+delete, msgs/s', sqs['receive_delete']['msgs_per_s'],
        zaqar['receive_delete']['msgs_per_s'], ratios['receive_delete'])
    row('both phases, msgs/s', sqs['both_msgs_per_s'],
        zaqar['both_msgs_per_s'], ratios['both'])
    for name, get in (
            ('send', lambda r: r['send']['latency']),
            ('receive', lambda r: r['receive_delete']['receive_latency']),
            ('delete', lambda r: r['receive_delete']['delete_latency'])):
        row('%s p50 / p99, ms' % name,
            '%s / %s' % (_ms(get(sqs), 'p50_ms'), _ms(get(sqs), 'p99_ms')),
            '%s / %s' % (_ms(get(zaqar), 'p50_ms'),
                         _ms(get(zaqar), 'p99_ms')))
    row('sent / received / deleted',
        *['%d / %d / %d' % (r['correctness']['sent'],
                            r['correctness']['received'],
                            r['correctness']['deleted'])
          for r in (sqs, zaqar)])
    row('drained', *['yes' if r['correctness']['drained'] else
                     'no, %d left' % r['correctness']['left_in_queue']
                     for r in (sqs, zaqar)])
    row('lost / duplicated',
        *['%d / %d' % (r['correctness']['lost'],
                       r['correctness']['duplicates'])
          for r in (sqs, zaqar)])
    for run in (sqs, zaqar):
        if run['errors']:
            lines.append('%s errors: %s' % (run['path'], run['errors']))
        problems = violations(run['correctness'])
        if problems:
            lines.append('%s CORRECTNESS VIOLATIONS: %s' % (
                run['path'], ', '.join(problems)))
    return '\n'.join(lines)


# -- the command --------------------------------------------------------------
def _batch(text):
    value = int(text)
    if not 1 <= value <= 10:
        raise argparse.ArgumentTypeError('1 to 10 (SQS\'s batch limit)')
    return value


def build_parser():
    p = argparse.ArgumentParser(
        prog='swiftq-bench sqs',
        description='Throughput of the SQS endpoint (boto3) and of the '
                    'Zaqar API on the same server and Swift, with exact '
                    'loss/duplicate accounting.',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('::', 1)[1])
    p.add_argument('--local', action='store_true',
                   help='Start LocalSwift and swiftq-api in a temporary '
                        'directory, stopped at the end.')
    p.add_argument('--url', help='swiftq-api, http://host:port (/sqs is '
                                 'beneath it).')
    p.add_argument('--api-workers', type=int, default=2,
                   help='swiftq-api worker processes of --local '
                        '(default 2).')
    p.add_argument('--access-key', help='SQS access key id; with noauth '
                   'the project of both paths (default: a fresh one).')
    p.add_argument('--secret-key', default=DEV_SECRET,
                   help='SQS secret key (default: the noauth development '
                        'secret, %s).' % DEV_SECRET)
    p.add_argument('--token', help='Keystone token of the same project for '
                                   'the Zaqar path.')
    p.add_argument('--messages', type=int, default=2000,
                   help='Messages per path (default 2000).')
    p.add_argument('--batch', type=_batch, default=10,
                   help='Messages per send, receive and delete (1 to 10; '
                        'default 10).')
    p.add_argument('--workers', type=int, default=4,
                   help='Threads per phase (default 4).')
    p.add_argument('--body-size', type=int, default=100,
                   help='Characters per body (default 100).')
    p.add_argument('--drain-timeout', type=float, default=120.0,
                   help='Longest receive-and-delete phase (default 120 s).')
    p.add_argument('--timeout', type=float, default=30.0,
                   help='Per-request timeout (default 30 s).')
    p.add_argument('--json', help='Also write the figures to this file.')
    return p


def main(argv):
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.local == bool(args.url):
        parser.error('give --local or --url')
    if args.messages < 1 or args.workers < 1:
        parser.error('--messages and --workers must be at least 1')
    stack = None
    try:
        if args.local:
            from swiftq.bench import local
            stack = local.LocalStack(api_workers=args.api_workers).start()
        figures = measure(
            stack.url if stack else args.url, args.messages, args.batch,
            args.body_size, args.workers, args.drain_timeout,
            access_key=args.access_key, secret_key=args.secret_key,
            token=args.token, timeout=args.timeout)
    except Exception as exc:
        print('swiftq-bench sqs: %s: %s' % (type(exc).__name__, exc),
              file=sys.stderr)
        return 2
    finally:
        if stack is not None:
            stack.stop()
    print(render(figures))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(figures, f, indent=2)
    return 1 if any(violations(r['correctness'])
                    for r in figures['runs']) else 0
