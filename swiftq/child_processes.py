"""Servers run as child processes by swiftq-bench and by the tests
(swiftq-api, Zaqar, Keystone, Redis): a free port to give them, an INI
file written from Python values, a child that dies with its parent, the
wait until it serves, the tail of its log, and a stop that leaves no
worker behind.
"""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request


def free_port(host='127.0.0.1'):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def ini_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, dict):
        return ','.join('%s:%s' % (k, ini_value(v))
                        for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return ','.join(ini_value(v) for v in value)
    return str(value)


def render_ini(sections):
    """INI text from ``{group: {name: value}}`` (group 'DEFAULT' first;
    None values left out)."""
    lines = []
    for group in sorted(sections, key=lambda g: (g != 'DEFAULT', g)):
        lines.append('[%s]' % group)
        for name, value in sections[group].items():
            if value is not None:
                lines.append('%s = %s' % (name, ini_value(value)))
        lines.append('')
    return '\n'.join(lines)


def die_with_parent():
    """``preexec_fn``: the child gets SIGTERM when its parent dies, even
    by SIGKILL, so no server outlives the run that started it (Linux;
    best effort elsewhere)."""
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def proc_stats():
    """``(pid, fields)`` of every process in /proc: ``fields`` are the
    bytes of /proc/<pid>/stat after the command name (state, ppid, pgrp,
    session, ...; index 0 is the state)."""
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % entry, 'rb') as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid ...; comm may contain spaces and ')'.
        yield int(entry), stat[stat.rfind(b')') + 2:].split()


def children(pid):
    """Pids of the live (not zombie) children of ``pid``, from /proc."""
    return sorted(p for p, fields in proc_stats()
                  if fields[0] != b'Z' and int(fields[1]) == pid)


class ChildServer:
    """What every class that runs a child server shares: it is a context
    manager (``start()`` on entry, ``stop()`` on exit) and shows the tail
    of its ``log_file``."""

    #: Lines ``log_tail`` shows by default.
    LOG_TAIL_LINES = 30

    def log_tail(self, lines=None):
        return log_tail(self.log_file, lines or self.LOG_TAIL_LINES)

    def spawn(self, command, cwd=None, env=None):
        """Start ``command`` as ``self.process``: output appended to
        ``log_file``, no stdin, killed when this process dies."""
        with open(self.log_file, 'ab') as log:
            self.process = subprocess.Popen(
                command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=die_with_parent)
        return self.process

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def log_tail(path, lines=30):
    """The last ``lines`` lines of the log at ``path``, from its last
    16 KiB only (a long run's logs are big); '' if it cannot be read."""
    try:
        with open(path, 'rb') as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 16384))
            data = f.read().decode('utf-8', 'replace')
    except OSError:
        return ''
    return ''.join(data.splitlines(keepends=True)[-lines:])


def wait_serving(process, url, workers, timeout, error, name, log_file,
                 headers=None, status=204, interval=0.2):
    """Return once ``GET url`` answers ``status`` and ``process`` (a
    gunicorn master) has ``workers`` children. Raises ``error`` with the
    tail of ``log_file`` if the process exits first or ``timeout`` seconds
    pass.
    """
    deadline = time.monotonic() + timeout
    last = 'no answer'
    request = urllib.request.Request(url, headers=headers or {})
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise error('%s exited with status %s:\n%s'
                        % (name, process.returncode, log_tail(log_file)))
        try:
            with urllib.request.urlopen(request, timeout=10) as resp:
                last = 'HTTP %d' % resp.status
                if resp.status == status and \
                        len(children(process.pid)) >= workers:
                    return
        except urllib.error.HTTPError as exc:
            last = 'HTTP %d' % exc.code
        except (urllib.error.URLError, OSError) as exc:
            last = repr(exc)
        time.sleep(interval)
    raise error('%s not ready after %ss (GET %s: %s):\n%s'
                % (name, timeout, url, last, log_tail(log_file)))


def stop_tree(process, timeout):
    """SIGTERM ``process`` (graceful), SIGKILL it after ``timeout``
    seconds, then SIGKILL the children it had: gunicorn workers outlive a
    master that was killed."""
    workers = children(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for pid in workers:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
