"""The processes of a LocalSwift: reserved ports, process groups, starting
and stopping them."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from typing import List, Optional, Sequence

from swiftq.child_processes import proc_stats

LIFELINE_ENV = "SWIFTQ_LOCALSWIFT_LIFELINE"


# -- ports
def port_is_free(ip: str, port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((ip, port))  # no SO_REUSEADDR: fails on any other socket
        return True
    except OSError:
        return False
    finally:
        s.close()


def reserve_port(ip: str, port: int) -> Optional[socket.socket]:
    if not port_is_free(ip, port):
        return None
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((ip, port))
    except OSError:
        s.close()
        return None
    return s


# -- process groups
def group_members(pgid: int) -> List[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return []
    except PermissionError:
        pass
    return [pid for pid, fields in proc_stats()
            if len(fields) >= 3 and int(fields[2]) == pgid
            and fields[0] != b"Z"]


def killpg(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Proc:
    """One child process (= one process group) and how to (re)start it."""

    def __init__(self, name: str, kind: str, argv: List[str], log_file: str,
                 health=None, node: Optional[int] = None):
        self.name = name
        self.kind = kind  # "aux" | "server" | "proxy" | "daemon"
        self.argv = argv
        self.log_file = log_file
        self._health = health  # callable -> bool; None: the daemon check
        self.node = node
        self.popen: Optional[subprocess.Popen] = None
        self.log_offset = 0  # size of the log file when last spawned
        self.paused = False
        self.last_returncode: Optional[int] = None

    def ready(self) -> bool:
        if self._health is not None:
            return self._health()
        # swift's run_daemon() logs "Starting <pid>" once the daemon's
        # config is loaded and it enters its run loop.
        needle = b": Starting %d" % self.popen.pid
        try:
            with open(self.log_file, "rb") as f:
                f.seek(self.log_offset)
                return needle in f.read()
        except OSError:
            return False

    @property
    def pgid(self) -> Optional[int]:
        return self.popen.pid if self.popen is not None else None

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def exited(self) -> bool:
        return self.popen is not None and self.popen.poll() is not None

    def send(self, sig: int) -> None:
        """Signal this process group -- only while it is provably ours: the
        leader not yet reaped (its pid, = the pgid, cannot be reused), or
        members of the group still alive (a pgid in use is not reused)."""
        if self.popen is None:
            return
        if self.popen.returncode is None or group_members(self.popen.pid):
            killpg(self.popen.pid, sig)


def spawn(proc: Proc, cwd: str, lifeline_fd: int) -> None:
    """Start ``proc`` in a session of its own, its output appended to its
    log, holding ``lifeline_fd`` (its boot helper exits when it closes)."""
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    env[LIFELINE_ENV] = str(lifeline_fd)
    env.pop("PYTHONSTARTUP", None)
    with open(proc.log_file, "ab") as log:
        log.write(("\n==== %s starting %s ====\n" % (
            time.strftime("%Y-%m-%d %H:%M:%S"), proc.name)).encode())
        log.flush()
        proc.log_offset = log.tell()
        proc.popen = subprocess.Popen(
            proc.argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            cwd=cwd, env=env, start_new_session=True,
            pass_fds=(lifeline_fd,))
    proc.paused = False


def stop_procs(procs: Sequence[Proc], timeout: float,
               sig: int = signal.SIGTERM) -> None:
    """Signal each process group with ``sig``, SIGKILL what is left after
    ``timeout`` seconds, and forget the pids of the groups that are gone."""
    procs = [p for p in procs if p.popen is not None]
    for p in procs:
        p.send(sig)
        p.send(signal.SIGCONT)  # a paused group must see it
    deadline = time.monotonic() + timeout
    pending = list(procs)
    killed = False
    while pending:
        for p in pending:
            p.popen.poll()  # reap the leader
        pending = [p for p in pending if group_members(p.pgid)]
        if not pending:
            break
        if time.monotonic() > deadline:
            if killed:
                break
            for p in pending:
                p.send(signal.SIGKILL)
            killed = True
            deadline = time.monotonic() + 5
        time.sleep(0.05)
    for p in procs:
        try:
            p.popen.wait(timeout=1)
        except subprocess.TimeoutExpired:
            continue
        p.paused = False
        if not group_members(p.popen.pid):
            # done: forget the pid, so that it is never signalled again
            p.last_returncode = p.popen.returncode
            p.popen = None
