"""README's first command, ``tools/dev.sh``: swiftq on an embedded local
Swift, whose printed curl examples (and websocket example) work as
printed, and which Ctrl-C stops with everything it started."""

import os
import re
import signal
import subprocess
import time

from swiftq import child_processes
from tests.functional import server as server_lib

DEV_SH = os.path.join(server_lib.REPO_ROOT, 'tools', 'dev.sh')
#: What the websocket example prints when the post is pushed.
PUSHED = ('pushed: {"body": {"event": "pushed"}, "ttl": 60, '
          '"queue_name": "demo", "Message_Type": "Notification"}')

#: dev.sh first checks the OS packages and the venv (quick once installed).
READY_TIMEOUT = 300


def _read_until(stream, marker, timeout):
    lines = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return ''.join(lines)
    raise AssertionError('no %r in:\n%s' % (marker, ''.join(lines)))


def _processes_mentioning(text):
    found = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open('/proc/%s/cmdline' % entry, 'rb') as f:
                cmdline = f.read().replace(b'\0', b' ').decode(
                    errors='replace')
        except OSError:
            continue
        if text in cmdline:
            found.append((int(entry), cmdline))
    return found


def test_dev_command_serves_its_curl_examples_and_stops_clean(tmp_path):
    work = str(tmp_path / 'dev')
    port = child_processes.free_port()
    websocket_port = child_processes.free_port()
    dev = subprocess.Popen(
        [DEV_SH, '--dir', work, '--port', str(port),
         '--websocket-port', str(websocket_port)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        printed = _read_until(dev.stdout, 'Press Ctrl-C to stop.',
                              READY_TIMEOUT)
        examples = printed[printed.index('Try it:') + len('Try it:'):
                           printed.index('Development only')]
        assert 'http://127.0.0.1:%d/v2/queues/demo' % port in examples
        run = subprocess.run(['bash', '-euo', 'pipefail', '-c', examples],
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout + run.stderr
        statuses = re.findall(r'^HTTP/1\.1 (\d+)', run.stdout, re.M)
        # queue PUT, messages POST, message DELETE, queue DELETE (-i)
        assert statuses == ['201', '201', '204', '204'], run.stdout
        assert '"event": "hello"' in run.stdout, run.stdout
        assert '"claimed": 1' in run.stdout, run.stdout  # stats
        # The websocket example: subscribed, posted, pushed.
        assert 'ws://127.0.0.1:%d' % websocket_port in examples
        assert "'Subscription demo created.'" in run.stdout, run.stdout
        assert PUSHED in run.stdout, run.stdout

        dev.send_signal(signal.SIGINT)        # Ctrl-C
        rest, _ = dev.communicate(timeout=60)
        assert dev.returncode == 0, rest
        assert 'stopping' in rest
        deadline = time.monotonic() + 20
        while _processes_mentioning(work) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _processes_mentioning(work) == []
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
            dev.wait()
        for pid, _ in _processes_mentioning(work):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
