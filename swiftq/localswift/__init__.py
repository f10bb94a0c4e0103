"""A real, local OpenStack Swift on loopback for tests and development.

    from swiftq.localswift import LocalSwift
    s = LocalSwift("/tmp/swift-dev").start()
    ...
    s.stop()

Modules:

- :mod:`~swiftq.localswift.launcher`: :class:`LocalSwift`, which owns the
  cluster: layout, ports, configs, start, stop, faults;
- :mod:`~swiftq.localswift.processes`: reserved ports, process groups,
  starting and stopping them;
- :mod:`~swiftq.localswift.probes`: health checks, the proxy round trip,
  a Keystone login;
- :mod:`~swiftq.localswift.configs`: the config files' text;
- :mod:`~swiftq.localswift._boot`: the boot helper every child runs;
- :mod:`~swiftq.localswift.__main__`: the CLI, ``python -m swiftq.localswift``.
"""

from .launcher import (DEFAULT_DAEMONS, KNOWN_DAEMONS, LocalSwift,
                       LocalSwiftError)

__all__ = ["LocalSwift", "LocalSwiftError", "DEFAULT_DAEMONS", "KNOWN_DAEMONS"]
