"""The helpers every server launcher of the bench and the tests uses."""

import subprocess
import sys
import time

import pytest

from swiftq import child_processes

#: A parent that ignores SIGTERM and has two children, like a gunicorn
#: master that does not stop in time.
STUBBORN_PARENT = '''
import signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
for _ in range(2):
    subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])
print('ready', flush=True)
time.sleep(60)
'''


def _alive(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return False


def test_render_ini_puts_default_first_and_leaves_none_out():
    text = child_processes.render_ini({
        'swift': {'retries': 2, 'user': None},
        'DEFAULT': {'debug': True, 'hosts': ['a', 'b'],
                    'map': {'x': 1, 'y': False}}})
    assert text == ('[DEFAULT]\ndebug = true\nhosts = a,b\n'
                    'map = x:1,y:false\n\n[swift]\nretries = 2\n')


def test_stop_tree_kills_a_stubborn_parent_and_its_children():
    parent = subprocess.Popen([sys.executable, '-c', STUBBORN_PARENT],
                              stdout=subprocess.PIPE)
    try:
        assert parent.stdout.readline() == b'ready\n'
        kids = child_processes.children(parent.pid)
        assert len(kids) == 2
        began = time.monotonic()
        child_processes.stop_tree(parent, timeout=0.5)
        assert parent.returncode == -9      # SIGTERM ignored, then SIGKILL
        assert time.monotonic() - began < 30
        deadline = time.monotonic() + 10
        while any(_alive(k) for k in kids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [k for k in kids if _alive(k)]
    finally:
        if parent.poll() is None:
            parent.kill()
        parent.stdout.close()


def test_wait_serving_reports_an_exit_with_the_log(tmp_path):
    log = tmp_path / 'server.log'
    log.write_text('boom: bad config\n')
    process = subprocess.Popen([sys.executable, '-c', 'raise SystemExit(3)'])
    process.wait()

    class Failed(Exception):
        pass
    with pytest.raises(Failed) as raised:
        child_processes.wait_serving(
            process, 'http://127.0.0.1:%d/' % child_processes.free_port(),
            1, 10, Failed, 'server', str(log))
    assert 'server exited with status 3' in str(raised.value)
    assert 'boom: bad config' in str(raised.value)
