"""Run ``openstack`` commands one after the other in one interpreter::

    python _osc_batch.py < [{"argv": [...]}, ...]

prints ``[{"argv", "rc", "stdout", "stderr"}, ...]`` as JSON. Each
command is ``openstackclient.shell.main(argv)`` -- what the ``openstack``
console script runs -- in the environment of this process (``OS_*``
variables: one identity per process, the client libraries cache
credentials); one interpreter pays the ~3 s of imports once instead of
once per command.
"""

import contextlib
import io
import json
import sys


def run(argv):
    from openstackclient import shell

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            rc = shell.main(argv)
        except SystemExit as exc:
            rc = exc.code
    return {'argv': argv, 'rc': rc, 'stdout': out.getvalue(),
            'stderr': err.getvalue()}


def main():
    commands = json.load(sys.stdin)
    results = [run(c['argv']) for c in commands]
    json.dump(results, sys.stdout)


if __name__ == '__main__':
    main()
