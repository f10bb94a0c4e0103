"""OpenStack Zaqar on its Swift driver, wired to a given local Swift (or
on its Redis driver): the peer ``swiftq-bench --local --zaqar-peer``
measures swiftq against.

::

    peer = ZaqarPeer(local_swift, base_dir).start()   # ~10-30 s
    peer.url            # http://127.0.0.1:PORT, Zaqar v2 API, noauth
    peer.stop()

Zaqar (PyPI ``zaqar``, 23.0.1) runs from its own virtualenv,
``.venv-zaqar`` (``$SWIFTQ_ZAQAR_VENV``), which ``tools/zaqar-venv.sh``
creates: its pins of oslo.* and friends need not agree with swift's.
What is started, all under ``base_dir``:

* a Keystone-v3-shaped login endpoint in front of the Swift's tempauth
  (:mod:`swiftq.bench.tempauth_keystone`, a thread of this process):
  Zaqar's Swift driver only logs in through keystoneauth1 and finds Swift
  in the token's catalog. The Swift proxy keeps its tempauth pipeline, so
  raw Swift, swiftq and Zaqar meet the very same Swift;
* Zaqar's database for its management store (``sqlalchemy`` on SQLite):
  Zaqar keeps its queues there, the Swift driver being a message store
  only; pooling stays off;
* Zaqar's WSGI application (``_zaqar_wsgi.py``) under gunicorn with the
  same number of gthread workers and threads as swiftq-api, with
  ``auth_strategy`` empty (noauth: the project comes from ``X-Project-ID``,
  as with swiftq in ``--local``), and its messages in the Swift account
  of tempauth user ``test2:tester2`` (``AUTH_test2``), away from swiftq's
  containers in ``AUTH_test``.

``store='redis'`` is Zaqar's fast configuration instead: its Redis message
store on a ``redis-server`` (Debian's package, stock settings) started on
a free loopback port under ``base_dir``; the same SQLite management store,
as Zaqar's devstack plugin pairs them.
"""

import glob
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid

from swiftq import child_processes
from swiftq.bench import local
from swiftq.bench.report import fmt
from swiftq.bench import tempauth_keystone

START_TIMEOUT = 120
STOP_TIMEOUT = 15
HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_VENV = (os.environ.get('SWIFTQ_ZAQAR_VENV')
                or os.path.join(REPO_ROOT, '.venv-zaqar'))
#: tempauth user (``project:user``) and key Zaqar stores messages as
SWIFT_USER = ('test2', 'tester2')
SWIFT_KEY = 'testing2'
#: Zaqar message stores a peer can use
STORES = ('swift', 'redis')


class ZaqarPeerError(RuntimeError):
    pass


def installed_version(venv):
    """The ``zaqar`` version installed in ``venv`` (None if absent)."""
    found = glob.glob(os.path.join(venv, 'lib', 'python*', 'site-packages',
                                   'zaqar-*.dist-info'))
    if not found:
        return None
    return os.path.basename(found[0])[len('zaqar-'):-len('.dist-info')]


def zaqar_config(database, store='swift', auth_url=None, redis_uri=None,
                 debug=False):
    """Zaqar's configuration: ``{group: {name: value}}``."""
    project, user = SWIFT_USER
    config = {
        'DEFAULT': {'auth_strategy': '', 'debug': debug, 'pooling': False,
                    'use_stderr': True},
        'drivers': {'transport': 'wsgi', 'message_store': store,
                    'management_store': 'sqlalchemy'},
        'drivers:management_store:sqlalchemy': {
            'uri': 'sqlite:///' + database},
    }
    if store == 'swift':
        config['drivers:message_store:swift'] = {
            'auth_url': auth_url,
            'uri': 'swift://%s:%s@/%s' % (user, SWIFT_KEY, project),
            'user_domain_name': 'Default',
            'project_domain_name': 'Default',
            'region_name': tempauth_keystone.REGION,
            'interface': 'public'}
    else:
        config['drivers:message_store:redis'] = {'uri': redis_uri}
    return config


class RedisServer:
    """``redis-server`` on a free loopback port, its files in
    ``base_dir``; stock settings otherwise."""

    def __init__(self, base_dir, binary=None):
        self.base_dir = base_dir
        self.binary = binary or shutil.which('redis-server')
        self.log_file = os.path.join(base_dir, 'redis.log')
        self.port = None
        self.process = None

    @property
    def uri(self):
        return 'redis://127.0.0.1:%d' % self.port

    def start(self, deadline):
        if not self.binary:
            raise ZaqarPeerError('no redis-server: apt-get install '
                                 'redis-server')
        self.port = child_processes.free_port()
        with open(self.log_file, 'ab') as log:
            self.process = subprocess.Popen(
                [self.binary, '--port', str(self.port),
                 '--bind', '127.0.0.1', '--dir', self.base_dir,
                 '--daemonize', 'no'],
                cwd=self.base_dir, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, process_group=0,
                preexec_fn=child_processes.die_with_parent)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with socket.create_connection(('127.0.0.1', self.port),
                                              timeout=2) as conn:
                    conn.sendall(b'PING\r\n')
                    if conn.recv(64).startswith(b'+PONG'):
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise ZaqarPeerError('redis-server did not start: %s'
                             % child_processes.log_tail(self.log_file))

    def stop(self):
        if self.process is not None:
            child_processes.stop_tree(self.process, STOP_TIMEOUT)
            self.process = None


class ZaqarPeer(child_processes.ChildServer):
    """Zaqar 23 (Swift driver) under gunicorn on a free loopback port.

    ``swift``: a started :class:`~swiftq.localswift.LocalSwift` in
    tempauth mode. ``store``: ``swift`` or ``redis`` (:data:`STORES`).
    After :meth:`start`: ``url``, ``pid`` (gunicorn master, leader of the
    process group), ``log_file``, ``version``; ``label`` names the peer
    in reports (``zaqar-swift``...).
    """

    def __init__(self, swift, base_dir, store='swift', venv=None, workers=2,
                 threads=16, debug=False, log=None):
        if store not in STORES:
            raise ValueError('Zaqar store %r: one of %s'
                             % (store, ', '.join(STORES)))
        self.swift = swift
        self.store = store
        self.label = 'zaqar-' + store
        self.base_dir = os.path.abspath(base_dir)
        self.venv = venv or DEFAULT_VENV
        self.workers = int(workers)
        self.threads = int(threads)
        self.debug = debug
        self._log = log or (lambda msg: None)
        self.version = installed_version(self.venv)
        self.config_file = os.path.join(self.base_dir, 'zaqar.conf')
        self.database = os.path.join(self.base_dir, 'zaqar.db')
        self.log_file = os.path.join(self.base_dir, 'zaqar-api.log')
        self.port = None
        self.process = None
        self.keystone = None
        self.redis = None
        self.start_seconds = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    @property
    def pid(self):
        return self.process.pid if self.process is not None else None

    def _bin(self, name):
        return os.path.join(self.venv, 'bin', name)

    def describe(self):
        project, user = SWIFT_USER
        doc = {'label': self.label, 'zaqar_version': self.version,
               'url': self.url if self.port else None,
               'workers': self.workers, 'threads': self.threads,
               'message_store': self.store,
               'management_store': 'sqlalchemy (sqlite)',
               'venv': self.venv, 'dir': self.base_dir,
               'start_seconds': self.start_seconds}
        if self.store == 'swift':
            doc['swift_account'] = 'AUTH_' + project
            doc['swift_auth'] = ('tempauth; Zaqar logs in through a '
                                 'Keystone-v3-shaped endpoint in front of '
                                 'it')
        else:
            doc['redis'] = 'redis-server, stock settings, loopback'
        return doc

    def process_groups(self):
        """``{role: [process group ids]}`` of the peer's processes."""
        groups = {}
        if self.process is not None and self.process.poll() is None:
            groups['zaqar-api'] = [self.process.pid]
        if self.redis is not None and self.redis.process is not None:
            groups['redis'] = [self.redis.process.pid]
        return groups

    # -- life cycle ---------------------------------------------------------
    def start(self):
        if self.version is None or not os.path.exists(self._bin('gunicorn')):
            raise ZaqarPeerError(
                'no Zaqar in %s: run tools/zaqar-venv.sh first' % self.venv)
        t0 = time.monotonic()
        os.makedirs(self.base_dir, exist_ok=True)
        try:
            if self.store == 'swift':
                self.keystone = tempauth_keystone.TempauthKeystone(
                    self.swift.auth_url).start()
                config = zaqar_config(self.database, 'swift',
                                      auth_url=self.keystone.auth_url,
                                      debug=self.debug)
            else:
                self.redis = RedisServer(self.base_dir)
                self.redis.start(t0 + START_TIMEOUT)
                config = zaqar_config(self.database, 'redis',
                                      redis_uri=self.redis.uri,
                                      debug=self.debug)
            with open(self.config_file, 'w') as f:
                f.write(child_processes.render_ini(config))
            self._make_database()
            self._spawn()
            self._wait_ready(t0 + START_TIMEOUT)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = round(time.monotonic() - t0, 2)
        return self

    def _make_database(self):
        """Zaqar's tables, made as Zaqar's own SQLite tests make them
        (``tables.metadata.create_all``): its alembic migrations are
        MySQL-only (``alter table Flavors change column ...`` is a
        syntax error in SQLite)."""
        self._log('Zaqar %s: creating its SQLite catalogue' % self.version)
        script = ('import sys, sqlalchemy\n'
                  'from zaqar.storage.sqlalchemy import tables\n'
                  'tables.metadata.create_all('
                  'sqlalchemy.create_engine(sys.argv[1]))\n')
        with open(self.log_file, 'ab') as log:
            result = subprocess.run(
                [self._bin('python'), '-c', script,
                 'sqlite:///' + self.database],
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, cwd=self.base_dir,
                timeout=START_TIMEOUT)
        if result.returncode != 0:
            raise ZaqarPeerError(
                'creating Zaqar\'s tables failed (exit %d):\n%s'
                % (result.returncode, self.log_tail()))

    def _spawn(self):
        # the wrapper alone on gunicorn's --pythonpath: swiftq/bench's
        # other modules (client, stats...) must not shadow anything
        shutil.copy(os.path.join(HERE, '_zaqar_wsgi.py'), self.base_dir)
        self.port = child_processes.free_port()
        self._log('starting Zaqar %s on %s (%s driver, %d worker(s) x '
                  '%d thread(s))' % (self.version, self.url,
                                     self.store.capitalize(), self.workers,
                                     self.threads))
        command = [self._bin('gunicorn'),
                   '--bind', '127.0.0.1:%d' % self.port,
                   '--workers', str(self.workers),
                   '--worker-class', 'gthread',
                   '--threads', str(self.threads),
                   '--timeout', '120', '--graceful-timeout', '3',
                   '--no-control-socket', '--name', 'zaqar-api',
                   '--pythonpath', self.base_dir,
                   '_zaqar_wsgi:application']
        env = dict(os.environ, SWIFTQ_ZAQAR_CONFIG=self.config_file,
                   PYTHONUNBUFFERED='1')
        env.pop('PYTHONPATH', None)
        with open(self.log_file, 'ab') as log:
            self.process = subprocess.Popen(
                command, cwd=self.base_dir, env=env,
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, process_group=0,
                preexec_fn=child_processes.die_with_parent)

    def _wait_ready(self, deadline):
        """Until ``GET /v2/ping`` answers 204 (Zaqar's ping asks the
        message store: the Swift driver logs in through the login
        endpoint and asks Swift for its capabilities) and every worker is
        up."""
        # Zaqar wants a Client-ID on every request, even a ping
        child_processes.wait_serving(
            self.process, self.url + '/v2/ping', self.workers,
            deadline - time.monotonic(), ZaqarPeerError, 'Zaqar',
            self.log_file, interval=0.3,
            headers={'Client-ID': str(uuid.uuid4()), 'X-Project-ID': 'ping'})

    def stop(self):
        if self.process is not None:
            child_processes.stop_tree(self.process, STOP_TIMEOUT)
            self.process = None
        if self.keystone is not None:
            self.keystone.stop()
            self.keystone = None
        if self.redis is not None:
            self.redis.stop()


def swift_kind(path):
    """What Zaqar's Swift driver uses a path for: ``message object``,
    ``message container`` (listings), ``claim object``... (its containers
    are ``zaqar_<what>:<queue>:<project>``; the proxy logs names quoted
    twice)."""
    path = urllib.parse.unquote(urllib.parse.unquote(path)).split('?', 1)[0]
    parts = path.split('/', 4)      # '', 'v1', account, container, object
    if len(parts) < 4 or not parts[3]:
        return 'account'
    what = parts[3].split(':', 1)[0]
    what = what[len('zaqar_'):] if what.startswith('zaqar_') else 'other'
    if len(parts) == 4 or not parts[4]:
        return what + ' container'
    return what + ' object'


#: throughput figures compared, and whether more is better
COMPARED_THROUGHPUT = ('post_msgs_per_s', 'claimed_msgs_per_s',
                       'consumed_msgs_per_s', 'e2e_msgs_per_s')
COMPARED_LATENCY = ('post', 'claim', 'delete', 'e2e_message')


def _ratio(a, b):
    if a is None or not b:
        return None
    return round(a / b, 2)


def compare(swiftq_run, zaqar_run):
    """swiftq's figures over Zaqar's for one workload: throughputs (> 1:
    swiftq moves more), p50 latencies (< 1: swiftq answers faster), and
    each side's correctness problems."""
    def problems(run):
        corr = run['correctness']
        return {k: corr.get(k) for k in ('lost', 'duplicates',
                                         'resurrected', 'redeliveries')
                if corr.get(k)}

    tq, tz = swiftq_run['throughput'], zaqar_run['throughput']
    lq, lz = swiftq_run['latency'], zaqar_run['latency']
    return {
        'swiftq_run': swiftq_run['name'], 'zaqar_run': zaqar_run['name'],
        'throughput': {k: {'swiftq': tq.get(k), 'zaqar': tz.get(k),
                           'ratio': _ratio(tq.get(k), tz.get(k))}
                       for k in COMPARED_THROUGHPUT},
        'p50_ms': {op: {'swiftq': (lq.get(op) or {}).get('p50_ms'),
                        'zaqar': (lz.get(op) or {}).get('p50_ms'),
                        'ratio': _ratio((lq.get(op) or {}).get('p50_ms'),
                                        (lz.get(op) or {}).get('p50_ms'))}
                   for op in COMPARED_LATENCY},
        'swift_requests_per_message': {
            'swiftq': (swiftq_run.get('server') or {}).get(
                'swift_requests_per_message'),
            'zaqar': (zaqar_run.get('server') or {}).get(
                'swift_requests_per_message')},
        'errors': {'swiftq': sum(sum(t.values()) for t in
                                 swiftq_run['errors'].values()),
                   'zaqar': sum(sum(t.values()) for t in
                                zaqar_run['errors'].values())},
        'correctness_problems': {'swiftq': problems(swiftq_run),
                                 'zaqar': problems(zaqar_run)},
    }


class PeerStackView:
    """What :class:`swiftq.bench.load.LoadRun` asks of its ``stack``, for
    a run against the Zaqar peer: CPU by role (the stack's and
    ``zaqar-api``), Swift requests from the shared proxy log, problems
    from Zaqar's log."""

    def __init__(self, stack, peer):
        self.stack = stack
        self.peer = peer

    def process_groups(self):
        groups = dict(self.stack.process_groups())
        groups.update(self.peer.process_groups())
        return groups

    def cpu_times(self):
        return local.cpu_times(self.process_groups())

    def swift_requests(self, start, end):
        if self.stack.swift is None or self.peer.store != 'swift':
            return None
        return local.swift_requests(
            self.stack.swift.log_file('proxy-server'), start, end,
            kind=swift_kind, account='AUTH_' + SWIFT_USER[0])

    def api_log_offset(self):
        try:
            return os.path.getsize(self.peer.log_file)
        except OSError:
            return 0

    def api_log_problems(self, offset):
        return local.log_problems(self.peer.log_file, offset)


# -- the runs of `swiftq-bench --zaqar-peer` ---------------------------------
def parse_stores(text):
    """``'swift,redis'`` -> ``['swift', 'redis']`` (ValueError if
    unknown)."""
    stores = [s.strip() for s in (text or '').split(',') if s.strip()]
    unknown = [s for s in stores if s not in STORES]
    if unknown or not stores:
        raise ValueError('--zaqar-peer takes a comma-separated list of %s'
                         % ', '.join(STORES))
    return list(dict.fromkeys(stores))


def run_name(config, label=None):
    """The name of one workload's run against swiftq (``label`` None) or
    against a peer: ``swiftq`` / ``zaqar-swift``, or ``<name>`` /
    ``<name>-zaqar-swift`` for a named scenario."""
    if label is None:
        return config.name or 'swiftq'
    return '%s-%s' % (config.name, label) if config.name else label


def comparisons(runs):
    """:func:`compare` for each peer run and the swiftq run before it."""
    found = []
    previous = None
    for run in runs:
        if not run.get('peer'):
            previous = run
        elif previous is not None:
            found.append(dict(compare(previous, run), peer=run['peer']))
    return found


_THROUGHPUT_LABELS = (('post_msgs_per_s', 'post'),
                      ('claimed_msgs_per_s', 'claim'),
                      ('consumed_msgs_per_s', 'claim+delete'),
                      ('e2e_msgs_per_s', 'end-to-end'))


def _describe_line(d):
    if d.get('message_store') == 'swift':
        where = 'Swift account %s of the same Swift' % d.get('swift_account')
    else:
        where = d.get('redis') or d.get('message_store')
    return ('Zaqar peer %s: Zaqar %s, %s driver (management store %s), %s '
            'worker(s) x %s thread(s), %s'
            % (d.get('label'), d.get('zaqar_version'),
               (d.get('message_store') or '?').capitalize(),
               d.get('management_store'), d.get('workers'), d.get('threads'),
               where))


def format_section(peer):
    """The human table of ``doc['zaqar_peer']``."""
    lines = [_describe_line(d) for d in peer.get('servers') or ()]
    for c in peer.get('comparisons') or ():
        lines.append('  %s vs %s' % (c['swiftq_run'], c['zaqar_run']))
        lines.append('    %-16s %10s %10s %9s' % ('msgs/s (load)', 'swiftq',
                                                  'zaqar', 'swiftq/zq'))
        for key, label in _THROUGHPUT_LABELS:
            t = c['throughput'][key]
            lines.append('    %-16s %10s %10s %9s'
                         % (label, fmt(t['swiftq']), fmt(t['zaqar']),
                            fmt(t['ratio'], 2) + 'x'
                            if t['ratio'] is not None else '-'))
        lines.append('    %-16s %10s %10s %9s' % ('p50 ms', 'swiftq',
                                                  'zaqar', 'swiftq/zq'))
        for op, v in c['p50_ms'].items():
            lines.append('    %-16s %10s %10s %9s'
                         % (op, fmt(v['swiftq']), fmt(v['zaqar']),
                            fmt(v['ratio'], 2)))
        per = c['swift_requests_per_message']
        lines.append('    Swift requests per message moved: swiftq %s, '
                     'zaqar %s; API errors: swiftq %d, zaqar %d'
                     % (fmt(per['swiftq'], 2), fmt(per['zaqar'], 2),
                        c['errors']['swiftq'], c['errors']['zaqar']))
        for side in ('swiftq', 'zaqar'):
            problems = c['correctness_problems'][side]
            if problems:
                lines.append('    %s correctness: %s' % (side, ', '.join(
                    '%s %s' % kv for kv in problems.items())))
    return '\n'.join(lines)


if __name__ == '__main__':
    # python -m swiftq.bench.zaqar_peer DIR [swift|redis]: a LocalSwift and
    # Zaqar on it (or on Redis), until Ctrl-C (for poking at Zaqar by hand).
    import sys

    from swiftq.localswift import LocalSwift

    base = os.path.abspath(sys.argv[1] if len(sys.argv) > 1
                           else '/tmp/swiftq-zaqar-peer')
    swift = LocalSwift(os.path.join(base, 'swift'), daemons=())
    swift.start()
    try:
        peer = ZaqarPeer(swift, os.path.join(base, 'zaqar'),
                         store=(sys.argv[2:] or ['swift'])[0],
                         log=print).start()
        print('Zaqar %s at %s in %.1f s (log %s)' % (
            peer.version, peer.url, peer.start_seconds, peer.log_file))
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
        finally:
            peer.stop()
    finally:
        swift.stop()
