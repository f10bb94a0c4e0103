"""A real ``swiftq-notifier`` process for functional tests, configured
like a given :class:`~tests.functional.server.SwiftqServer` (same Swift,
same container prefix) plus ``[notification]`` overrides and, in
``extra``, any other ``{group: {name: value}}``."""

import os
import signal
import sys
import time

from swiftq import child_processes
from tests.functional import server as server_lib

#: Test defaults: quick passes, a short settle window.
TEST_NOTIFICATION = {
    'poll_interval': 0.2,
    'settle_window': 10,
    'delivery_timeout': 5,
    'max_notifier_workers': 4,
}


class NotifierProcess(child_processes.ChildServer):

    def __init__(self, workdir, api_server, name='notifier', overrides=None,
                 signed_url_key=None, extra=None):
        self.api_server = api_server
        self.config_file = os.path.join(
            workdir, '%s-%s.conf' % (name, api_server.container_prefix))
        self.log_file = os.path.join(
            workdir, '%s-%s.log' % (name, api_server.container_prefix))
        swift = api_server.swift
        notification = dict(TEST_NOTIFICATION)
        notification.update(overrides or {})
        sections = {
            'DEFAULT': {'debug': True},
            'swift': {'auth_type': 'tempauth', 'auth_url': swift.auth_url,
                      'user': swift.user, 'key': swift.key,
                      'container_prefix': api_server.container_prefix},
            'notification': notification,
        }
        if signed_url_key:
            sections['signed_url'] = {'secret_key': signed_url_key}
        for group, options in (extra or {}).items():
            sections.setdefault(group, {}).update(options)
        with open(self.config_file, 'w') as f:
            f.write(child_processes.render_ini(sections))
        self.process = None

    def start(self):
        self.spawn([sys.executable, '-m', 'swiftq.cmd.notifier',
                    '--config-file', self.config_file],
                   cwd=server_lib.REPO_ROOT,
                   env=dict(os.environ, PYTHONUNBUFFERED='1'))
        return self

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def kill(self):
        """SIGKILL: no chance to record anything."""
        if self.running:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout=30):
        if self.process is not None:
            child_processes.stop_tree(self.process, timeout)

    def log_text(self):
        try:
            with open(self.log_file, errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def log_count(self, text):
        return self.log_text().count(text)

    def wait_for_log(self, text, count=1, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_count(text) >= count:
                return
            if not self.running:
                raise AssertionError('notifier exited (%s):\n%s' % (
                    self.process.returncode, self.log_text()[-3000:]))
            time.sleep(0.2)
        raise AssertionError('%r not logged %d times in %ss:\n%s' % (
            text, count, timeout, self.log_text()[-3000:]))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
