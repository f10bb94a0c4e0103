"""Real swiftq-api processes for functional tests.

A :class:`SwiftqServer` is ``swiftq-api`` (real gunicorn, real HTTP) on a
free loopback port, configured by a file written from Python values and
logging to a file beside it. :class:`ApiClient` is a ``requests.Session``
bound to one server, one project and one Client-ID. The pytest fixtures
built on them live in ``tests/conftest.py``.
"""

import os
import signal
import sys
import time
import uuid

import requests

from swiftq import child_processes
from swiftq.child_processes import free_port

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))

START_TIMEOUT = 60
STOP_TIMEOUT = 15
DEFAULT_CLIENT_TIMEOUT = 30


def unique_prefix():
    """A container_prefix no other server (or test run) uses."""
    return 't' + uuid.uuid4().hex[:6]


def _known_options():
    """{group: set of option names} of swiftq and oslo.log, deprecated
    names included (they are still read)."""
    from oslo_config import cfg
    from oslo_log import log

    import swiftq.conf

    conf = cfg.ConfigOpts()
    log.register_options(conf)   # DEFAULT options only: iterating names
    known = {'DEFAULT': set(conf)}
    for group, opts in swiftq.conf.list_opts():
        group = group or 'DEFAULT'
        known.setdefault(group, set()).update(o.dest for o in opts)
        for opt in opts:
            for old in opt.deprecated_opts:
                known.setdefault(old.group or group, set()).add(
                    old.name or opt.dest)
    return known


def build_sections(swift, port, workers, threads, auth_strategy,
                   container_prefix, overrides=None, debug=False):
    """The configuration of one server as ``{group: {name: value}}``.

    ``overrides`` maps ``(group, name)`` to a value, group ``None`` or
    ``'DEFAULT'`` for [DEFAULT]; they win over everything else. A name
    unknown in a group that swiftq or oslo.log defines is an error (a
    misspelt option would otherwise be silently ignored).
    """
    sections = {
        'DEFAULT': {'auth_strategy': auth_strategy, 'debug': debug},
        'api': {'bind_host': '127.0.0.1', 'bind_port': port,
                'workers': workers, 'threads': threads},
        'swift': {'auth_type': 'tempauth', 'auth_url': swift.auth_url,
                  'user': swift.user, 'key': swift.key,
                  'container_prefix': container_prefix},
    }
    known = _known_options()
    for (group, name), value in (overrides or {}).items():
        group = group or 'DEFAULT'
        if group in known and name not in known[group]:
            raise ValueError('unknown option [%s] %s' % (group, name))
        sections.setdefault(group, {})[name] = value
    return sections


class ServerError(Exception):
    pass


class SwiftqServer(child_processes.ChildServer):
    """One ``swiftq-api`` process tree.

    ``base_url``: ``http://127.0.0.1:PORT``; ``pid``: the gunicorn master;
    ``pids``: the live worker pids; ``log_file``/``config_file``: where it
    writes and what it reads; ``container_prefix``: its Swift namespace.
    """

    LOG_TAIL_LINES = 40

    def __init__(self, workdir, swift, workers=2, threads=8,
                 overrides=None, auth_strategy='noauth',
                 container_prefix=None, debug=False, env=None):
        self.swift = swift
        self.workers = workers
        self.container_prefix = container_prefix or unique_prefix()
        self.port = free_port()
        self.base_url = 'http://127.0.0.1:%d' % self.port
        self.workdir = workdir
        self.config_file = os.path.join(
            workdir, 'swiftq-%s.conf' % self.container_prefix)
        self.log_file = os.path.join(
            workdir, 'swiftq-api-%s.log' % self.container_prefix)
        self.env = dict(os.environ, PYTHONUNBUFFERED='1', **(env or {}))
        self.process = None
        sections = build_sections(
            swift, self.port, workers, threads, auth_strategy,
            self.container_prefix, overrides, debug)
        with open(self.config_file, 'w') as f:
            f.write(child_processes.render_ini(sections))

    # -- life cycle ---------------------------------------------------------
    @property
    def command(self):
        return [sys.executable, '-m', 'swiftq.cmd.api',
                '--config-file', self.config_file]

    def start(self, timeout=START_TIMEOUT):
        """Start (or restart after :meth:`stop`) and wait until
        ``GET /v2/ping`` answers 204 and every worker is up."""
        if self.running:
            return self
        self.spawn(self.command, cwd=REPO_ROOT, env=self.env)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout):
        child_processes.wait_serving(
            self.process, self.base_url + '/v2/ping', self.workers, timeout,
            ServerError, 'swiftq-api', self.log_file)

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self):
        """Pid of the gunicorn master."""
        return self.process.pid if self.process is not None else None

    @property
    def pids(self):
        """Pids of the live gunicorn workers."""
        if not self.running:
            return []
        return child_processes.children(self.process.pid)

    def signal_stop(self):
        """SIGTERM without waiting, so many servers stop side by side."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM (graceful), then SIGKILL whatever is left."""
        if self.process is not None:
            child_processes.stop_tree(self.process, timeout)

    def kill_worker(self, pid=None, wait=False, timeout=START_TIMEOUT):
        """SIGKILL one worker (``pid``, or the first one); gunicorn starts
        a new one. With ``wait``, return once the replacement is up.
        Returns the pid killed."""
        workers = self.pids
        if pid is None:
            if not workers:
                raise ServerError('no worker to kill')
            pid = workers[0]
        elif pid not in workers:
            raise ServerError('%s is not a worker of %s' % (pid, self.pid))
        os.kill(pid, signal.SIGKILL)
        if wait:
            self.wait_for_workers(exclude=(pid,), timeout=timeout)
        return pid

    def wait_for_workers(self, exclude=(), timeout=START_TIMEOUT):
        """Wait until ``workers`` workers run, none of them in
        ``exclude``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [p for p in self.pids if p not in exclude]
            if len(pids) >= self.workers:
                return pids
            time.sleep(0.1)
        raise ServerError('workers not back after %ss:\n%s'
                          % (timeout, self.log_tail()))

    def warnings(self):
        """The log's WARNING and ERROR lines so far: why a request was
        answered 5xx (the answer itself only says 'retry later')."""
        with open(self.log_file, errors='replace') as log:
            return [line.rstrip() for line in log
                    if (' WARNING ' in line or ' ERROR ' in line) and
                    'Connection pool is full' not in line]

    def __repr__(self):
        return '<SwiftqServer %s prefix=%s pid=%s>' % (
            self.base_url, self.container_prefix, self.pid)


class ApiClient(requests.Session):
    """A ``requests.Session`` for one server, project and Client-ID.

    Paths starting with '/' are relative to ``base_url``; every request
    has a timeout unless given one. Drop a default header from a request
    with ``headers={'Client-ID': None}``.
    """

    def __init__(self, base_url, project=None, client_id=None,
                 timeout=DEFAULT_CLIENT_TIMEOUT):
        super().__init__()
        self.base_url = base_url.rstrip('/')
        self.project = project or 'p-' + uuid.uuid4().hex[:12]
        self.client_id = client_id or str(uuid.uuid4())
        self.timeout = timeout
        self.headers.update({'Client-ID': self.client_id,
                             'X-Project-ID': self.project})

    def request(self, method, url, *args, **kwargs):
        if url.startswith('/'):
            url = self.base_url + url
        kwargs.setdefault('timeout', self.timeout)
        return super().request(method, url, *args, **kwargs)

    def __repr__(self):
        return '<ApiClient %s project=%s>' % (self.base_url, self.project)
