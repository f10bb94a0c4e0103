"""A real, local OpenStack Swift on loopback for tests and development.

    from swiftq.localswift import LocalSwift
    s = LocalSwift("/tmp/swift-dev").start()
    ...
    s.stop()

See :mod:`swiftq.localswift.launcher`; CLI: ``python -m swiftq.localswift``.
"""

from .launcher import (DEFAULT_DAEMONS, KNOWN_DAEMONS, LocalSwift,
                       LocalSwiftError)

__all__ = ["LocalSwift", "LocalSwiftError", "DEFAULT_DAEMONS", "KNOWN_DAEMONS"]
