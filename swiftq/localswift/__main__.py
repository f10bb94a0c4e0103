"""``python -m swiftq.localswift start --dir DIR [--replicas 3 --nodes 4]``

Starts a local Swift, prints one JSON line (auth_url, user, key,
storage_url, ...) on stdout and stays in the foreground until SIGINT or
SIGTERM, then stops every process it started.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time

from .launcher import (DEFAULT_DAEMONS, KNOWN_DAEMONS, LocalSwift,
                       LocalSwiftError)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m swiftq.localswift",
                                description=__doc__.strip().splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    st = sub.add_parser("start", help="start a local Swift in the foreground")
    st.add_argument("--dir", required=True, help="base directory (created)")
    st.add_argument("--replicas", type=int, default=None,
                    help="replica count (default 1, or 3 when --nodes >= 3)")
    st.add_argument("--nodes", type=int, default=None,
                    help="storage nodes (default: --replicas, or 1)")
    st.add_argument("--proxy-port", type=int, default=None)
    st.add_argument("--daemons", default=",".join(DEFAULT_DAEMONS),
                    help="comma separated, from: %s (empty: none)"
                    % ", ".join(sorted(KNOWN_DAEMONS)))
    st.add_argument("--expirer-interval", type=float, default=2)
    st.add_argument("--updater-interval", type=float, default=5)
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    nodes = args.nodes or args.replicas or 1
    replicas = args.replicas or (3 if nodes >= 3 else 1)
    daemons = [d.strip() for d in args.daemons.split(",") if d.strip()]

    stop_requested = []

    def on_signal(signum, frame):
        stop_requested.append(signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        swift = LocalSwift(args.dir, replicas=replicas, nodes=nodes,
                           daemons=daemons,
                           expirer_interval=args.expirer_interval,
                           updater_interval=args.updater_interval,
                           proxy_port=args.proxy_port)
    except ValueError as exc:
        print("error: %s" % exc, file=sys.stderr)
        return 2
    try:
        swift.start()
    except LocalSwiftError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        print(json.dumps({
            "auth_url": swift.auth_url,
            "user": swift.user,
            "key": swift.key,
            "storage_url": swift.storage_url,
            "proxy_url": swift.proxy_url,
            "replicas": swift.replicas,
            "nodes": swift.nodes,
            "base_dir": swift.base_dir,
            "log_dir": swift.log_dir,
            "start_seconds": round(swift.start_seconds or 0, 2),
        }), flush=True)
        warned = set()
        while not stop_requested:
            time.sleep(0.5)
            for name, pid in swift.pids().items():
                if pid is None and name not in warned:
                    warned.add(name)
                    print("warning: %s exited, see %s"
                          % (name, swift.log_file(name)), file=sys.stderr,
                          flush=True)
    finally:
        swift.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
