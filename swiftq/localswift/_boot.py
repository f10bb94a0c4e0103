"""Boot helper run inside every child process of :mod:`swiftq.localswift`.

This file is self-contained (stdlib + the ``swift`` package only): the
launcher copies it to ``<base_dir>/bin/swiftq_localswift_boot.py`` and runs it
with the Python that has swift installed, so children never import
``swiftq`` itself.

Usage::

    boot.py swift SWIFT_DIR MODULE CONF [ARGS...]
        set_swift_dir(SWIFT_DIR) -- so that swift.conf (hash path prefix /
        suffix, storage policies) is read from SWIFT_DIR and never from
        /etc/swift -- then run ``MODULE.main()`` with argv ``CONF -v ARGS``.
    boot.py exec CMD [ARGS...]
        run a non-Python program (memcached, rsync --daemon) under the
        lifeline watchdog.
    boot.py rings SPEC.json
        build (or update the ports of) the account/container/object rings.

Lifeline: when ``SWIFTQ_LOCALSWIFT_LIFELINE`` names an inherited pipe fd, a
watchdog thread blocks on it; when the launcher process dies (the write end
is closed), the watchdog kills this process group.  So a crashed or
SIGKILLed test run does not leave a Swift cluster running.
"""

import gc
import json
import logging
import os
import signal
import sys
import threading
import time

LIFELINE_ENV = "SWIFTQ_LOCALSWIFT_LIFELINE"
BOOT_TAG = "swiftq-localswift-boot:"

# references taken before eventlet monkey-patches anything
_real_sleep = time.sleep
_real_read = os.read
_real_killpg = os.killpg


def _kill_own_group():
    pgid = os.getpgrp()
    try:
        _real_killpg(pgid, signal.SIGTERM)
        _real_killpg(pgid, signal.SIGCONT)
    except OSError:
        return
    _real_sleep(5)
    try:
        _real_killpg(pgid, signal.SIGKILL)
    except OSError:
        pass


def start_lifeline():
    fd = os.environ.pop(LIFELINE_ENV, None)
    if not fd:
        return
    fd = int(fd)

    def watch():
        while True:
            try:
                if not _real_read(fd, 64):
                    break
            except InterruptedError:
                continue
            except OSError:
                break
        _kill_own_group()

    t = threading.Thread(target=watch, name="localswift-lifeline", daemon=True)
    t.start()


def log_hook(conf, name, log_to_console, log_route, fmt, logger,
             adapted_logger):
    """``log_custom_handlers`` hook: log to stderr (= this process' log file)
    with timestamps, and drop swift's syslog handler (no /dev/log here: swift
    would fall back to UDP syslog on localhost:514)."""
    from logging.handlers import SysLogHandler
    console = [h for h in logger.handlers
               if isinstance(h, logging.StreamHandler)
               and not isinstance(h, SysLogHandler)]
    if not console:
        return  # nothing else would see the lines: keep syslog
    for h in list(logger.handlers):
        if isinstance(h, SysLogHandler):
            logger.removeHandler(h)
    try:
        from swift.common.utils.logs import SwiftLogFormatter
    except ImportError:  # pragma: no cover - other swift layout
        return
    formatter = SwiftLogFormatter(
        fmt="%(asctime)s " + fmt,
        max_line_length=int(conf.get("log_max_line_length", 0)))
    for h in console:
        h.setFormatter(formatter)


def _silence_syslog():
    """No syslog here (no /dev/log): swift would fall back to UDP syslog on
    localhost:514 for every line.  Make its syslog handler a no-op; the
    console handler (stderr = our log file, ``-v``) does the logging."""
    from logging.handlers import SysLogHandler
    try:
        from swift.common.utils import logs
    except ImportError:  # pragma: no cover - other swift layout
        return

    class NoSysLogHandler(SysLogHandler):
        def __init__(self, *args, **kwargs):
            logging.Handler.__init__(self)

        def emit(self, record):
            pass

        def close(self):
            logging.Handler.close(self)

    if hasattr(logs, "ThreadSafeSysLogHandler"):
        logs.ThreadSafeSysLogHandler = NoSysLogHandler


def _cheap_forks():
    """The updaters (and replicators) fork a child per device on every pass;
    the child ends with sys.exit(), i.e. a full interpreter shutdown whose
    GC pass touches -- and so copies -- every page of the parent's heap:
    ~160 ms of CPU per child here.  gc.freeze() right before fork() (what
    the gc docs recommend for fork-without-exec) cuts that to ~40 ms."""
    real_fork = os.fork

    def fork():
        gc.collect()
        gc.freeze()
        return real_fork()

    os.fork = fork


def _banner(module):
    from swift.common import utils
    sys.stderr.write(
        "%s pid=%d pgid=%d module=%s swift_conf=%s hash_path_prefix=%s "
        "hash_path_suffix=%s\n" % (
            BOOT_TAG, os.getpid(), os.getpgrp(), module, utils.SWIFT_CONF_FILE,
            utils.HASH_PATH_PREFIX.decode("latin1"),
            utils.HASH_PATH_SUFFIX.decode("latin1")))
    sys.stderr.flush()


def run_swift(swift_dir, module, conf, args):
    start_lifeline()
    import importlib
    from swift.common import utils
    # Daemons (updaters, expirer, replicators) otherwise read
    # /etc/swift/swift.conf whatever their swift_dir says.
    conf_file = os.path.join(swift_dir, "swift.conf")
    if not os.path.exists(conf_file):
        sys.exit("%s missing %s" % (BOOT_TAG, conf_file))
    utils.set_swift_dir(swift_dir)
    # set_swift_dir() only re-reads the hash prefix/suffix; also reload
    # the storage policies from our swift.conf.
    from swift.common import storage_policy
    storage_policy.reload_storage_policies()
    _silence_syslog()
    _cheap_forks()
    _banner(module)
    mod = importlib.import_module(module)
    sys.argv = [module.rsplit(".", 1)[-1], conf, "-v"] + list(args)
    rc = mod.main()
    sys.exit(rc or 0)


def run_exec(cmd):
    start_lifeline()
    sys.stderr.write("%s pid=%d pgid=%d exec=%s\n" % (
        BOOT_TAG, os.getpid(), os.getpgrp(), " ".join(cmd)))
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)

    def forward(signum, frame):
        try:
            os.kill(pid, signum)
        except OSError:
            pass
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            status = 0
            break
    sys.exit(os.waitstatus_to_exitcode(status) if status else 0)


def build_rings(spec_path):
    """spec: {"swift_dir", "part_power", "replicas",
    "devices": [{"zone", "ip", "device", "ports": {"account": p, ...}}]}"""
    from swift.common.ring import RingBuilder
    with open(spec_path) as f:
        spec = json.load(f)
    swift_dir = spec["swift_dir"]
    for kind in ("account", "container", "object"):
        builder_file = os.path.join(swift_dir, "%s.builder" % kind)
        ring_file = os.path.join(swift_dir, "%s.ring.gz" % kind)
        wanted = [dict(region=1, zone=d["zone"], ip=d["ip"],
                       port=d["ports"][kind], replication_ip=d["ip"],
                       replication_port=d["ports"][kind], device=d["device"],
                       weight=100.0, meta="") for d in spec["devices"]]
        builder = None
        if os.path.exists(builder_file):
            # Same base_dir started again: keep the partition placement (the
            # data on disk stays valid) and only update the ports.
            try:
                old = RingBuilder.load(builder_file)
                old_devs = sorted((d["device"], d["zone"])
                                  for d in old.devs if d is not None)
                if (old.part_power == spec["part_power"]
                        and old.replicas == spec["replicas"]
                        and old_devs == sorted((w["device"], w["zone"])
                                               for w in wanted)):
                    by_name = {w["device"]: w for w in wanted}
                    for d in old.devs:
                        if d is None:
                            continue
                        w = by_name[d["device"]]
                        for key in ("ip", "port", "replication_ip",
                                    "replication_port"):
                            d[key] = w[key]
                    builder = old
            except Exception as exc:  # corrupt/foreign builder: rebuild
                sys.stderr.write("rebuilding %s ring: %s\n" % (kind, exc))
                builder = None
        if builder is None:
            builder = RingBuilder(spec["part_power"], spec["replicas"], 0)
            for i, w in enumerate(wanted):
                w["id"] = i
                builder.add_dev(w)
            builder.rebalance(seed=1)
        builder.save(builder_file + ".tmp")
        os.replace(builder_file + ".tmp", builder_file)
        builder.get_ring().save(ring_file + ".tmp")
        os.replace(ring_file + ".tmp", ring_file)
    print(json.dumps({"ok": True}))


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "swift" and len(argv) >= 5:
        run_swift(argv[2], argv[3], argv[4], argv[5:])
    elif cmd == "exec" and len(argv) >= 3:
        run_exec(argv[2:])
    elif cmd == "rings" and len(argv) == 3:
        build_rings(argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
