"""A real, local OpenStack Swift ("Swift all in one") on loopback.

Everything lives under ``base_dir``::

    base_dir/
      etc/      swift.conf, rings (+ builders), proxy-server.conf,
                internal-client.conf, daemons.conf, nodeN/*-server.conf
      devices/  nodeN/  -- one device (plain directory) per node
      log/      one file per process (proxy-server.log, node0-object.log, ...)
      run/      recon cache, rsyncd lock files
      bin/      swiftq_localswift_boot.py (copy of _boot.py)

Each process is started with ``python bin/swiftq_localswift_boot.py ...``
in its own process group (session).  The boot helper calls
``swift.common.utils.set_swift_dir()`` before running swift's own ``main()``,
so every server *and* daemon reads ``base_dir/etc/swift.conf`` -- nothing is
ever read from or written to /etc/swift.

Ports are chosen at random in 20000-31999 (below Linux's ephemeral range) on
127.0.0.1 and stay *reserved* by a bound, non-listening SO_REUSEADDR socket in
this process until :meth:`LocalSwift.stop`: Swift's servers (SO_REUSEADDR +
SO_REUSEPORT) can still listen on them, while other LocalSwift instances
(whose free-port test is a plain ``bind``) never pick them, and a stopped
node or proxy comes back on the very same port.
"""

from __future__ import annotations

import atexit
import configparser
import http.client
import json
import os
import pwd
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Dict, Iterable, List, Optional, Sequence

from swiftq.child_processes import log_tail

from . import configs
from . import probes
from .processes import Proc, reserve_port, spawn, stop_procs

__all__ = ["LocalSwift", "LocalSwiftError", "DEFAULT_DAEMONS", "KNOWN_DAEMONS"]

DEFAULT_DAEMONS = ("object-expirer", "object-updater", "container-updater")

#: daemon name -> (swift module with main(), per_node)
#: Cluster-wide daemons run ONE process over all devices (devices/nodeN);
#: replicators must run per node (they find their local devices in the ring
#: by the node's bind_port) and are stopped/paused with their node.
KNOWN_DAEMONS = {
    "object-expirer": ("swift.obj.expirer", False),
    "object-updater": ("swift.obj.updater", False),
    "container-updater": ("swift.container.updater", False),
    "object-replicator": ("swift.obj.replicator", True),
    "container-replicator": ("swift.container.replicator", True),
    "account-replicator": ("swift.account.replicator", True),
}

SERVER_KINDS = ("account", "container", "object")
SERVER_MODULES = {
    "account": "swift.account.server",
    "container": "swift.container.server",
    "object": "swift.obj.server",
}

PORT_RANGE = (20000, 32000)
_random = random.SystemRandom()  # immune to random.seed() in test suites
BOOT_SCRIPT = configs.BOOT_MODULE + ".py"
PROBE_USER, PROBE_KEY = "localswift:probe", "probe"
#: what the ``keystone`` argument must hold (see :class:`LocalSwift`)
KEYSTONE_REQUIRED = ("auth_url", "username", "password")


class LocalSwiftError(RuntimeError):
    """Start-up/restart failure; the message carries the relevant log tails."""


# --------------------------------------------------------------------------


class LocalSwift:
    """A Swift cluster on 127.0.0.1 whose processes this object owns.

    ``LocalSwift(base_dir, replicas=1, nodes=1)`` is the fast mode;
    ``replicas=3, nodes=4`` the fault mode (one account+container+object
    server per node, each node one device, each in its own zone).

    ``daemons``: any of :data:`KNOWN_DAEMONS`.  The expirer and the two
    updaters run once for the whole cluster (over all devices); the
    replicators run per node and stop/pause with it.  Every daemon costs
    CPU on a 2-core machine: pass only what a test needs.

    Keyword-only extras: ``ip``, ``part_power`` (8), ``start_timeout`` (60 s),
    ``stop_timeout`` (5 s, then SIGKILL), ``proxy_options`` (overrides for
    ``[app:proxy-server]``, e.g. ``{"node_timeout": 1}``), ``python`` (the
    interpreter that has swift; default ``$SWIFTQ_SWIFT_PYTHON`` or
    ``sys.executable``), ``log_level``, ``replicator_interval`` (10 s),
    ``proxy_workers`` (2), ``server_workers`` (0 = single process).

    ``keystone``: a dict to authenticate with Keystone instead of tempauth:
    the proxy pipeline has keystonemiddleware's ``authtoken`` and swift's
    ``keystoneauth`` where it had ``tempauth`` (the interpreter must have
    keystonemiddleware).  Keys: ``auth_url`` (Keystone's ``.../v3``),
    ``username`` and ``password`` of the service user the proxy validates
    tokens with (it needs the ``service`` role) and the launcher probes
    with, ``project_name`` (``service``), optional
    ``www_authenticate_uri`` (``auth_url``), ``operator_roles``
    (``admin, member``: roles that own their project's account
    ``AUTH_<project id>``), ``reseller_admin_role`` (``ResellerAdmin``).
    :meth:`get_auth` then logs in to Keystone with those credentials.
    """

    user = "test:tester"
    key = "testing"

    def __init__(self, base_dir: str, replicas: int = 1, nodes: int = 1,
                 daemons: Iterable[str] = DEFAULT_DAEMONS,
                 expirer_interval: float = 2, updater_interval: float = 5,
                 proxy_port: Optional[int] = None, keystone=None, *,
                 ip: str = "127.0.0.1", part_power: int = 8,
                 start_timeout: float = 60.0, stop_timeout: float = 5.0,
                 proxy_options: Optional[dict] = None,
                 python: Optional[str] = None, log_level: str = "INFO",
                 replicator_interval: float = 10, proxy_workers: int = 2,
                 server_workers: int = 0):
        if keystone is not None:
            keystone = dict(keystone)
            missing = [k for k in KEYSTONE_REQUIRED if not keystone.get(k)]
            if missing:
                raise ValueError("keystone mode needs %s" % missing)
        if not 1 <= replicas <= nodes:
            raise ValueError("need 1 <= replicas <= nodes (got %d, %d)"
                             % (replicas, nodes))
        daemons = tuple(daemons or ())
        unknown = [d for d in daemons if d not in KNOWN_DAEMONS]
        if unknown:
            raise ValueError("unknown daemon(s) %s; known: %s"
                             % (unknown, sorted(KNOWN_DAEMONS)))
        self.base_dir = os.path.abspath(base_dir)
        self.replicas = int(replicas)
        self.nodes = int(nodes)
        self.daemons = daemons
        self.expirer_interval = expirer_interval
        self.updater_interval = updater_interval
        self.replicator_interval = replicator_interval
        self.keystone = keystone
        self.ip = ip
        self.part_power = int(part_power)
        self.start_timeout = float(start_timeout)
        self.stop_timeout = float(stop_timeout)
        self.proxy_options = dict(proxy_options or {})
        self.python = (python or os.environ.get("SWIFTQ_SWIFT_PYTHON")
                       or sys.executable)
        self.log_level = log_level
        self.proxy_workers = int(proxy_workers)
        # 0 = swift serves in the one (group leader) process.  With >= 1 a
        # parent process polls waitpid() 100 times a second (~1.3 % of a
        # core per server when idle, 12 servers in the 4-node mode).
        self.server_workers = int(server_workers)

        self.etc_dir = os.path.join(self.base_dir, "etc")
        self.devices_dir = os.path.join(self.base_dir, "devices")
        self.log_dir = os.path.join(self.base_dir, "log")
        self.run_dir = os.path.join(self.base_dir, "run")
        self.bin_dir = os.path.join(self.base_dir, "bin")

        self._requested_proxy_port = proxy_port
        self.proxy_port: Optional[int] = None
        self.memcache_port: Optional[int] = None
        self.rsync_port: Optional[int] = None
        self.node_ports: List[Dict[str, int]] = []
        self._reservations: List[socket.socket] = []
        self._procs: Dict[str, Proc] = {}
        self._lifeline_w: Optional[int] = None
        self._lifeline_r: Optional[int] = None
        self._lock = threading.RLock()
        self._started = False
        self._atexit_registered = False
        self.hash_path_prefix = ""
        self.hash_path_suffix = ""
        #: seconds the last start() took, and when each phase was done
        self.start_seconds: Optional[float] = None
        self.start_phases: Dict[str, float] = {}

    # ------------------------------------------------------------ properties

    def _need_started(self):
        if self.proxy_port is None:
            raise LocalSwiftError("LocalSwift not started")

    @property
    def proxy_url(self) -> str:
        self._need_started()
        return "http://%s:%d" % (self.ip, self.proxy_port)

    @property
    def auth_url(self) -> str:
        return self.proxy_url + "/auth/v1.0"

    @property
    def storage_url(self) -> str:
        return self.proxy_url + "/v1/AUTH_test"

    @property
    def memcache_servers(self) -> str:
        self._need_started()
        return "%s:%d" % (self.ip, self.memcache_port)

    @property
    def running(self) -> bool:
        return self._started

    def log_file(self, name: str) -> str:
        """Log file of process ``name`` (see :meth:`process_names`)."""
        return os.path.join(self.log_dir, name + ".log")

    def process_names(self) -> List[str]:
        return list(self._procs)

    def pids(self) -> Dict[str, Optional[int]]:
        return {n: (p.popen.pid if p.running() else None)
                for n, p in self._procs.items()}

    def node_process_names(self, i: int) -> List[str]:
        self._check_node(i)
        return [n for n, p in self._procs.items() if p.node == i]

    def __repr__(self):
        return "<LocalSwift %s replicas=%d nodes=%d proxy=%s>" % (
            self.base_dir, self.replicas, self.nodes,
            self.proxy_port if self.proxy_port else "-")

    # ------------------------------------------------------------ auth

    def get_auth(self, user: Optional[str] = None, key: Optional[str] = None,
                 timeout: float = 10.0):
        """tempauth login: returns ``(storage_url, token)``.  In keystone
        mode: the ``keystone`` credentials' token and their project's
        account on this proxy (``user``/``key`` are ignored)."""
        if self.keystone is not None:
            return self._keystone_auth(timeout)
        status, headers, body = probes.request(
            "GET", self.auth_url, timeout=timeout,
            headers={"X-Auth-User": user or self.user,
                     "X-Auth-Key": key or self.key})
        if status // 100 != 2:
            raise LocalSwiftError("auth failed: %d %r" % (status, body[:200]))
        return headers["x-storage-url"], headers["x-auth-token"]

    def _keystone_auth(self, timeout: float = 10.0):
        """Keystone v3 password login of the ``keystone`` credentials
        (project-scoped): ``(storage_url, token)``."""
        try:
            project_id, token = probes.keystone_login(self.keystone, timeout)
        except probes.ProbeError as exc:
            raise LocalSwiftError(str(exc))
        return self.proxy_url + "/v1/AUTH_" + project_id, token

    # ------------------------------------------------------------ start

    def start(self) -> "LocalSwift":
        with self._lock:
            if self._started:
                return self
            t0 = time.monotonic()
            if not self._atexit_registered:
                atexit.register(self.stop)
                self._atexit_registered = True
            try:
                self._prepare()
                self._start_all()
            except BaseException:
                self._stop_all()
                raise
            self._started = True
            self.start_seconds = time.monotonic() - t0
            return self

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _prepare(self):
        for d in (self.etc_dir, self.devices_dir, self.log_dir, self.run_dir,
                  self.bin_dir):
            os.makedirs(d, exist_ok=True)
        for i in range(self.nodes):
            os.makedirs(os.path.join(self.devices_dir, "node%d" % i, "tmp"),
                        exist_ok=True)
            os.makedirs(os.path.join(self.etc_dir, "node%d" % i),
                        exist_ok=True)
        shutil.copyfile(os.path.join(os.path.dirname(__file__), "_boot.py"),
                        os.path.join(self.bin_dir, BOOT_SCRIPT))
        self._load_or_make_hash()
        self._choose_ports()
        self._write_configs()
        self._lifeline_r, self._lifeline_w = os.pipe()

    def _load_or_make_hash(self):
        path = os.path.join(self.etc_dir, "swift.conf")
        if os.path.exists(path):
            cp = configparser.ConfigParser()
            try:
                cp.read(path)
                self.hash_path_prefix = cp.get("swift-hash",
                                               "swift_hash_path_prefix")
                self.hash_path_suffix = cp.get("swift-hash",
                                               "swift_hash_path_suffix")
            except (configparser.Error, OSError):
                self.hash_path_prefix = self.hash_path_suffix = ""
        if not (self.hash_path_prefix and self.hash_path_suffix):
            # keep them stable for a base_dir: data on disk depends on them
            self.hash_path_prefix = "swiftq-" + secrets.token_hex(6)
            self.hash_path_suffix = "swiftq-" + secrets.token_hex(6)

    def _take_port(self, wanted: Optional[int] = None) -> int:
        if wanted:
            sock = reserve_port(self.ip, wanted)
            if sock is None:
                raise LocalSwiftError("port %s:%d is not free"
                                      % (self.ip, wanted))
            self._reservations.append(sock)
            return wanted
        taken = {s.getsockname()[1] for s in self._reservations}
        for _ in range(500):
            port = _random.randrange(*PORT_RANGE)
            if port in taken:
                continue
            sock = reserve_port(self.ip, port)
            if sock is not None:
                self._reservations.append(sock)
                return port
        raise LocalSwiftError("no free port found in %s" % (PORT_RANGE,))

    def _choose_ports(self):
        self._release_ports()
        self.proxy_port = self._take_port(self._requested_proxy_port)
        self.memcache_port = self._take_port()
        self.node_ports = [{k: self._take_port() for k in SERVER_KINDS}
                           for _ in range(self.nodes)]
        self.rsync_port = (self._take_port() if self._db_replicators()
                           else None)

    def _release_ports(self):
        for s in self._reservations:
            s.close()
        self._reservations = []

    def _db_replicators(self) -> bool:
        return any(d in self.daemons
                   for d in ("container-replicator", "account-replicator"))

    def _ctx(self) -> dict:
        return {
            "swift_dir": self.etc_dir,
            "devices_dir": self.devices_dir,
            "recon_dir": self.run_dir,
            "ip": self.ip,
            "user": pwd.getpwuid(os.geteuid()).pw_name,
            "uid": os.geteuid(),
            "gid": os.getegid(),
            "log_level": self.log_level,
            "memcache_servers": self.memcache_servers,
            "replicator_interval": self.replicator_interval,
            "proxy_workers": self.proxy_workers,
            "server_workers": self.server_workers,
        }

    def _conf(self, *parts) -> str:
        return os.path.join(self.etc_dir, *parts)

    def _write(self, path: str, text: str):
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, path)

    def _write_configs(self):
        ctx = self._ctx()
        self._write(self._conf("swift.conf"), configs.swift_conf(
            self.hash_path_prefix, self.hash_path_suffix))
        self._write(self._conf("proxy-server.conf"), configs.proxy_conf(
            ctx, self.proxy_port,
            auth="keystone" if self.keystone is not None else "tempauth",
            auth_params=self.keystone, proxy_options=self.proxy_options))
        self._write(self._conf("internal-client.conf"),
                    configs.internal_client_conf(ctx))
        self._write(self._conf("daemons.conf"), configs.daemons_conf(
            ctx, self.expirer_interval, self.updater_interval,
            self._conf("internal-client.conf")))
        for i, ports in enumerate(self.node_ports):
            for kind in SERVER_KINDS:
                self._write(self._conf("node%d" % i, "%s-server.conf" % kind),
                            configs.storage_server_conf(
                                ctx, kind, i, ports[kind], self.rsync_port))
        if self.rsync_port:
            self._write(self._conf("rsyncd.conf"), configs.rsyncd_conf(
                ctx, self.run_dir, self.log_file("rsyncd")))
        spec = {
            "swift_dir": self.etc_dir,
            "part_power": self.part_power,
            "replicas": self.replicas,
            "devices": [{"zone": i + 1, "ip": self.ip, "device": "node%d" % i,
                         "ports": ports}
                        for i, ports in enumerate(self.node_ports)],
        }
        self._write(self._conf("rings.json"), json.dumps(spec, indent=1))

    def _boot_argv(self, *args) -> List[str]:
        return [self.python,
                os.path.join(self.bin_dir, BOOT_SCRIPT)] + list(args)

    def _define_procs(self):
        procs: Dict[str, Proc] = {}
        ip = self.ip

        def add(name, kind, argv, health=None, node=None):
            procs[name] = Proc(name, kind, argv, self.log_file(name), health,
                               node)

        mc = ["memcached", "-l", ip, "-p", str(self.memcache_port), "-U", "0",
              "-m", "64", "-c", "1024", "-t", "2"]
        if os.geteuid() == 0:
            mc[1:1] = ["-u", pwd.getpwuid(0).pw_name]
        add("memcached", "aux", self._boot_argv("exec", *mc),
            lambda: probes.memcached_ok(ip, self.memcache_port))
        if self.rsync_port:
            add("rsyncd", "aux", self._boot_argv(
                "exec", "rsync", "--daemon", "--no-detach",
                "--config=%s" % self._conf("rsyncd.conf"),
                "--address=%s" % ip, "--port=%d" % self.rsync_port),
                lambda: probes.tcp_ok(ip, self.rsync_port))
        for i, ports in enumerate(self.node_ports):
            for kind in SERVER_KINDS:
                add("node%d-%s" % (i, kind), "server", self._boot_argv(
                    "swift", self.etc_dir, SERVER_MODULES[kind],
                    self._conf("node%d" % i, "%s-server.conf" % kind)),
                    (lambda p=ports[kind]: probes.healthcheck(ip, p)), node=i)
        add("proxy-server", "proxy", self._boot_argv(
            "swift", self.etc_dir, "swift.proxy.server",
            self._conf("proxy-server.conf")),
            lambda: probes.healthcheck(ip, self.proxy_port))
        for d in self.daemons:
            module, per_node = KNOWN_DAEMONS[d]
            if per_node:
                kind = d.split("-")[0]
                for i in range(self.nodes):
                    add("node%d-%s" % (i, d), "daemon", self._boot_argv(
                        "swift", self.etc_dir, module,
                        self._conf("node%d" % i, "%s-server.conf" % kind)),
                        node=i)
            else:
                add(d, "daemon", self._boot_argv(
                    "swift", self.etc_dir, module, self._conf("daemons.conf")))
        return procs

    def _spawn(self, proc: Proc):
        spawn(proc, self.base_dir, self._lifeline_r)

    def _stop_procs(self, procs: Sequence[Proc], sig: int = signal.SIGTERM):
        stop_procs(procs, self.stop_timeout, sig)

    def _build_rings(self):
        argv = self._boot_argv("rings", self._conf("rings.json"))
        try:
            res = subprocess.run(argv, stdin=subprocess.DEVNULL,
                                 capture_output=True, text=True, timeout=120)
        except OSError as exc:
            raise LocalSwiftError("cannot run %s: %s" % (self.python, exc))
        if res.returncode != 0:
            hint = ""
            if "No module named 'swift" in res.stderr:
                hint = ("\nswift is not installed for %s: "
                        "pip install swift==2.38.3 "
                        "(or set SWIFTQ_SWIFT_PYTHON)"
                        % self.python)
            raise LocalSwiftError("ring building failed:\n%s%s"
                                  % (res.stderr[-3000:], hint))

    def _start_all(self):
        if shutil.which("memcached") is None:
            raise LocalSwiftError(
                "memcached not found: apt-get install memcached")
        if self.rsync_port and shutil.which("rsync") is None:
            raise LocalSwiftError("rsync not found: apt-get install rsync")
        t0 = time.monotonic()
        phases = self.start_phases = {}

        def mark(name):
            phases[name] = round(time.monotonic() - t0, 2)

        self._procs = self._define_procs()
        by_kind = {k: [p for p in self._procs.values() if p.kind == k]
                   for k in ("aux", "server", "proxy", "daemon")}
        # Rings first (~0.6 s): built in parallel with a dozen starting
        # servers, they would delay the proxy more than they save.
        for p in by_kind["aux"]:
            self._spawn(p)
        self._build_rings()
        mark("rings")
        for p in by_kind["server"] + by_kind["proxy"]:
            self._spawn(p)
        self._wait_healthy(by_kind["aux"] + by_kind["server"],
                           "storage servers")
        mark("storage_healthy")
        # daemons only now: they would just log connection errors before
        for p in by_kind["daemon"]:
            self._spawn(p)
        self._wait_healthy(by_kind["proxy"], "proxy")
        mark("proxy_healthy")
        self._probe()
        mark("probe_ok")
        self._wait_healthy(by_kind["daemon"], "daemons")
        mark("daemons_running")
        dead = [p for p in self._procs.values() if p.exited()]
        if dead:
            raise LocalSwiftError(self._failure_report(
                "process(es) exited during start", dead))

    def _wait_healthy(self, procs: Sequence[Proc], what: str,
                      timeout: Optional[float] = None):
        deadline = time.monotonic() + (timeout or self.start_timeout)
        pending = list(procs)
        while pending:
            dead = [p for p in pending if p.exited()]
            if dead:
                raise LocalSwiftError(self._failure_report(
                    "%s: process exited" % what, dead))
            pending = [p for p in pending if not p.ready()]
            if not pending:
                break
            if time.monotonic() > deadline:
                raise LocalSwiftError(self._failure_report(
                    "%s not ready after %.0f s"
                    % (what, timeout or self.start_timeout),
                    pending))
            time.sleep(0.1)

    def _probe(self, timeout: Optional[float] = None):
        """Authenticated PUT/GET through the proxy (own probe account)."""
        deadline = time.monotonic() + (timeout or self.start_timeout)
        last = None
        while time.monotonic() < deadline:
            if self._procs["proxy-server"].exited():
                break
            try:
                if self.keystone is not None:
                    url, token = self._keystone_auth(timeout=5)
                else:
                    url, token = self.get_auth(PROBE_USER, PROBE_KEY,
                                               timeout=5)
                # the storage url must point at our proxy
                url = self.proxy_url + url[url.index("/v1/"):]
                probes.put_get_roundtrip(url, token)
                # and the user handed out to the callers can log in
                self.get_auth()
                return
            except (OSError, http.client.HTTPException, LocalSwiftError,
                    probes.ProbeError, KeyError, ValueError) as exc:
                last = exc
                time.sleep(0.3)
        procs = [self._procs["proxy-server"]] + [
            p for p in self._procs.values() if p.exited()]
        raise LocalSwiftError(self._failure_report(
            "proxy does not answer an authenticated PUT/GET (last error: %r)"
            % (last,), procs))

    def _failure_report(self, title: str, procs: Iterable[Proc]) -> str:
        out = ["LocalSwift(%s): %s" % (self.base_dir, title)]
        for p in procs:
            rc = (p.popen.poll() if p.popen is not None
                  else p.last_returncode)
            out.append("---- %s (exit code %s) %s ----"
                       % (p.name, rc, p.log_file))
            out.append(log_tail(p.log_file).rstrip("\n") or "(no log)")
        return "\n".join(out)

    # ------------------------------------------------------------ stop

    def stop(self):
        """Stop every process this instance started.  Idempotent."""
        with self._lock:
            self._stop_all()
            self._started = False
            if self._atexit_registered:
                atexit.unregister(self.stop)
                self._atexit_registered = False

    def _stop_all(self):
        self._stop_procs(list(self._procs.values()))
        for fd in (self._lifeline_w, self._lifeline_r):
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._lifeline_w = self._lifeline_r = None
        self._release_ports()

    # ------------------------------------------------------------ faults

    def _check_node(self, i: int):
        if not 0 <= i < self.nodes:
            raise IndexError("node %r out of range 0..%d"
                             % (i, self.nodes - 1))

    def _node_procs(self, i: int) -> List[Proc]:
        self._check_node(i)
        return [p for p in self._procs.values() if p.node == i]

    def stop_node(self, i: int):
        """Kill node i's account/container/object servers (and its
        replicators, if running); the ports stay reserved."""
        with self._lock:
            self._stop_procs(self._node_procs(i))

    def start_node(self, i: int, timeout: float = 30.0):
        """Restart node i's processes (no-op for those still running) and
        wait until its servers answer /healthcheck."""
        with self._lock:
            procs = self._node_procs(i)
            for p in procs:
                if not p.running():
                    self._spawn(p)
                elif p.paused:
                    p.send(signal.SIGCONT)
                    p.paused = False
            self._wait_healthy(procs, "node%d" % i, timeout)

    def pause_node(self, i: int):
        """SIGSTOP node i's processes: connections are still accepted by the
        kernel, but never answered (a slow/hung node)."""
        with self._lock:
            for p in self._node_procs(i):
                if p.running():
                    p.send(signal.SIGSTOP)
                    p.paused = True

    def resume_node(self, i: int):
        with self._lock:
            for p in self._node_procs(i):
                if p.running():
                    p.send(signal.SIGCONT)
                p.paused = False

    def stop_proxy(self):
        with self._lock:
            self._stop_procs([self._procs["proxy-server"]])

    def start_proxy(self, timeout: float = 30.0):
        """Start the proxy again on the same port; returns once it answers."""
        with self._lock:
            p = self._procs["proxy-server"]
            if not p.running():
                self._spawn(p)
            self._wait_healthy([p], "proxy", timeout)

    def stop_daemon(self, name: str):
        """Stop one daemon ("object-expirer", "node1-object-replicator")."""
        with self._lock:
            self._stop_procs([self._procs[name]])

    def start_daemon(self, name: str, timeout: float = 30.0):
        with self._lock:
            p = self._procs[name]
            if not p.running():
                self._spawn(p)
            self._wait_healthy([p], name, timeout)
