"""A throw-away swiftq stack for ``swiftq-bench --local``.

:class:`LocalStack` starts a :class:`~swiftq.localswift.LocalSwift` (1
replica, or 3 replicas on 4 nodes for the durable mode) and one
``swiftq-api`` (real gunicorn) on a free loopback port, configured by a
generated file with ``auth_strategy = noauth``; :meth:`LocalStack.stop`
stops both. Everything lives in one directory, removed at stop unless
asked to keep it.

:func:`cpu_times` reads the CPU seconds used so far by the stack's
processes, grouped by role (API, proxy, object servers...), so that a
report can say where the machine's CPU went.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

from swiftq import child_processes

START_TIMEOUT = 60
STOP_TIMEOUT = 15


def parse_api_options(items):
    """``['claims.lease_max_hold=5', 'debug=true']`` ->
    ``{('claims', 'lease_max_hold'): '5', ('DEFAULT', 'debug'): 'true'}``.
    """
    overrides = {}
    for item in items or ():
        name, sep, value = item.partition('=')
        if not sep or not name:
            raise ValueError('API option %r is not GROUP.NAME=VALUE' % item)
        group, dot, opt = name.rpartition('.')
        overrides[(group if dot else 'DEFAULT', opt)] = value
    return overrides


class LocalStackError(RuntimeError):
    pass


class LocalStack(child_processes.ChildServer):
    """LocalSwift + one swiftq-api, started and stopped together.

    After :meth:`start`: ``url`` (the API), ``swift`` (the LocalSwift:
    ``auth_url``, ``user``, ``key``), ``api_pid`` (gunicorn master),
    ``config_file``, ``log_file``.
    """

    def __init__(self, base_dir=None, replicas=1, nodes=None, api_workers=2,
                 api_threads=16, api_options=None, daemons=(),
                 keep_dir=False, log=None):
        self.replicas = int(replicas)
        self.nodes = int(nodes or (1 if self.replicas == 1 else
                                   self.replicas + 1))
        self.api_workers = int(api_workers)
        self.api_threads = int(api_threads)
        self.api_options = dict(api_options or {})
        self.daemons = tuple(daemons or ())
        self._own_dir = base_dir is None
        self.base_dir = os.path.abspath(
            base_dir or tempfile.mkdtemp(prefix='swiftq-bench-'))
        self.keep_dir = keep_dir
        self._log = log or (lambda msg: None)
        self.swift = None
        self.api = None
        self.port = None
        self.config_file = os.path.join(self.base_dir, 'swiftq.conf')
        self.log_file = os.path.join(self.base_dir, 'swiftq-api.log')

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    @property
    def api_pid(self):
        return self.api.pid if self.api is not None else None

    def describe(self):
        return {'replicas': self.replicas, 'nodes': self.nodes,
                'api_workers': self.api_workers,
                'api_threads': self.api_threads,
                'api_options': {'%s.%s' % k: v
                                for k, v in self.api_options.items()},
                'swift_daemons': list(self.daemons),
                'dir': self.base_dir}

    # -- life cycle -----------------------------------------------------------
    def start(self):
        from swiftq.localswift import LocalSwift

        os.makedirs(self.base_dir, exist_ok=True)
        kwargs = {'replicas': self.replicas, 'nodes': self.nodes,
                  'daemons': self.daemons}
        self._log('starting a local Swift (%d replica(s), %d node(s)) '
                  'under %s' % (self.replicas, self.nodes, self.base_dir))
        self.swift = LocalSwift(os.path.join(self.base_dir, 'swift'),
                                **kwargs)
        try:
            self.swift.start()
            self._start_api()
        except BaseException:
            self.stop()
            raise
        return self

    def _sections(self):
        sections = {
            'DEFAULT': {'auth_strategy': 'noauth', 'debug': False},
            'api': {'bind_host': '127.0.0.1', 'bind_port': self.port,
                    'workers': self.api_workers,
                    'threads': self.api_threads},
            'swift': {'auth_type': 'tempauth',
                      'auth_url': self.swift.auth_url,
                      'user': self.swift.user, 'key': self.swift.key,
                      'container_prefix': 'bench',
                      # at least one keep-alive connection per thread
                      'pool_size': max(32, self.api_threads)},
        }
        for (group, name), value in self.api_options.items():
            sections.setdefault(group or 'DEFAULT', {})[name] = value
        return sections

    def _start_api(self):
        self.port = child_processes.free_port()
        with open(self.config_file, 'w') as f:
            f.write(child_processes.render_ini(self._sections()))
        self._log('starting swiftq-api on %s (%d worker(s) x %d thread(s))'
                  % (self.url, self.api_workers, self.api_threads))
        with open(self.log_file, 'ab') as log:
            self.api = subprocess.Popen(
                [sys.executable, '-m', 'swiftq.cmd.api',
                 '--config-file', self.config_file],
                stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT, process_group=0,
                env=dict(os.environ, PYTHONUNBUFFERED='1'),
                preexec_fn=child_processes.die_with_parent)
        child_processes.wait_serving(
            self.api, self.url + '/v2/ping', self.api_workers, START_TIMEOUT,
            LocalStackError, 'swiftq-api', self.log_file)

    def stop(self):
        if self.api is not None:
            child_processes.stop_tree(self.api, STOP_TIMEOUT)
        if self.swift is not None:
            self.swift.stop()
        if self._own_dir and not self.keep_dir:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    # -- accounting -----------------------------------------------------------
    def process_groups(self):
        """``{role: [process group ids]}`` of the stack's processes."""
        groups = {}
        if self.api is not None and self.api.poll() is None:
            groups['swiftq-api'] = [self.api.pid]
        if self.swift is not None:
            for name, pid in self.swift.pids().items():
                if pid is None:
                    continue
                groups.setdefault(_swift_role(name), []).append(pid)
        return groups

    def cpu_times(self):
        """CPU seconds (user + system) used so far, by role."""
        return cpu_times(self.process_groups())

    def swift_requests(self, start, end):
        """What the API asked of Swift between two wall-clock times: see
        :func:`swift_requests`."""
        if self.swift is None:
            return None
        return swift_requests(self.swift.log_file('proxy-server'), start,
                              end)

    def api_log_offset(self):
        try:
            return os.path.getsize(self.log_file)
        except OSError:
            return 0

    def api_log_problems(self, offset):
        """WARNING/ERROR lines the API logged since ``offset``: count and
        the first few."""
        return log_problems(self.log_file, offset)


def log_problems(path, offset):
    """WARNING/ERROR/Traceback lines of the log ``path`` after ``offset``:
    ``{'count': n, 'first': [the first five, cut at 300 characters]}``."""
    count, first = 0, []
    try:
        with open(path, errors='replace') as f:
            f.seek(offset)
            for line in f:
                if ' WARNING ' in line or ' ERROR ' in line or \
                        'Traceback' in line:
                    count += 1
                    if len(first) < 5:
                        first.append(line.strip()[:300])
    except OSError:
        pass
    return {'count': count, 'first': first}


def _swift_role(name):
    """'node2-object' -> 'swift-object', 'proxy-server' -> 'swift-proxy',
    'object-updater' -> 'swift-daemons'."""
    if name == 'proxy-server':
        return 'swift-proxy'
    if name == 'memcached':
        return 'memcached'
    for kind in ('object', 'container', 'account'):
        if name.endswith('-' + kind):
            return 'swift-' + kind
    return 'swift-daemons'


def _proc_table():
    """{pid: (ppid, pgid, cpu seconds)} of every live process."""
    ticks = os.sysconf('SC_CLK_TCK')
    table = {}
    for pid, rest in child_processes.proc_stats():
        # state ppid pgrp session tty tpgid flags minflt cminflt majflt
        # cmajflt utime stime cutime cstime
        try:
            cpu = (int(rest[11]) + int(rest[12]) + int(rest[13]) +
                   int(rest[14])) / ticks
            table[pid] = (int(rest[1]), int(rest[2]), cpu)
        except (IndexError, ValueError):
            continue
    return table


def cpu_times(groups):
    """CPU seconds of every process whose process group is in ``groups``
    (``{role: [pgid]}``), by role; children that exited and were waited
    for are included (cutime/cstime)."""
    by_pgid = {}
    for role, pgids in groups.items():
        for pgid in pgids:
            by_pgid[pgid] = role
    totals = {role: 0.0 for role in groups}
    for pid, (ppid, pgid, cpu) in _proc_table().items():
        role = by_pgid.get(pgid)
        if role is not None:
            totals[role] += cpu
    return totals


def machine_cpu():
    """(busy, total) CPU seconds of the whole machine so far (/proc/stat:
    busy = everything but idle and iowait)."""
    ticks = os.sysconf('SC_CLK_TCK')
    try:
        with open('/proc/stat') as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    total = sum(fields[:8])
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (total - idle) / ticks, total / ticks


def self_cpu():
    """CPU seconds of this process (the load generator)."""
    times = os.times()
    return times.user + times.system


# -- what the API asked of Swift (the proxy's access log) ---------------------
#: fields of swift's default proxy-logging line, after "proxy-server:"
_F_METHOD, _F_PATH, _F_STATUS, _F_SOURCE_OFFSET = 3, 4, 6, 16
SLOW = 0.5


def request_kind(path):
    """'/v1/AUTH_x/<container>/<object>?...' -> what swiftq uses it for."""
    # the proxy logs the path quoted, query string included
    path = urllib.parse.unquote(path).split('?', 1)[0]
    parts = path.split('/', 4)      # '', 'v1', account, container, object
    if len(parts) < 4 or not parts[3]:
        return 'account'
    if len(parts) == 4 or not parts[4]:
        return 'container'
    obj = parts[4]
    if obj.startswith('m/'):
        return 'segment'
    # swiftq's per-queue objects (state, lease, meta...) by name
    return obj if '/' not in obj and len(obj) <= 32 else \
        obj.split('/', 1)[0] + '/*'


def swift_requests(proxy_log, start, end, kind=None, account=None):
    """Client requests the Swift proxy logged that started within
    ``[start, end)`` (wall clock), by ``"METHOD kind"`` (kind: segment,
    container = listing or container PUT/HEAD/DELETE, account, or the name
    of a per-queue object: state, lease, meta...): count, per second,
    status codes, p50/p99 request time and how many took longer than
    0.5 s (the default ``lease_write_deadline``). Sub-requests Swift
    makes for itself are left out. ``kind``: another naming of what a
    path is for (default: swiftq's); ``account``: only requests to that
    account (e.g. ``AUTH_test2``)."""
    kind = kind or request_kind
    from swiftq.bench import stats

    groups = {}
    try:
        f = open(proxy_log, errors='replace')
    except OSError:
        return None
    with f:
        for line in f:
            head, sep, rest = line.partition('proxy-server: ')
            if not sep:
                continue
            fields = rest.split()
            if len(fields) < 20 or fields[_F_SOURCE_OFFSET] != '-':
                continue
            try:
                began = float(fields[18])
                took = float(fields[15])
            except ValueError:
                continue
            if not start <= began < end:
                continue
            method, path = fields[_F_METHOD], fields[_F_PATH]
            if path.startswith('/auth/'):
                continue
            if account and urllib.parse.unquote(path).split('?', 1)[0] \
                    .split('/', 3)[2:3] != [account]:
                continue
            key = '%s %s' % (method, kind(path))
            if 'bulk-delete' in urllib.parse.unquote(path):
                key = 'POST bulk-delete'
            g = groups.setdefault(key, {'times': [], 'status': {}})
            g['times'].append(took)
            g['status'][fields[_F_STATUS]] = \
                g['status'].get(fields[_F_STATUS], 0) + 1
    seconds = max(end - start, 1e-9)
    out = {}
    for key, g in sorted(groups.items(), key=lambda kv: -len(kv[1]['times'])):
        lat = stats.summarize(g['times'])
        out[key] = {'count': lat['count'],
                    'per_s': round(lat['count'] / seconds, 2),
                    'status': dict(sorted(g['status'].items())),
                    'p50_ms': lat['p50_ms'], 'p99_ms': lat['p99_ms'],
                    'max_ms': lat['max_ms'],
                    'over_500ms': sum(1 for t in g['times'] if t > SLOW)}
    return out
