"""A real ``swiftq-websocket`` process for functional tests, and a small
raw client (websocket-client) that sends a frame and reads its answer."""

import json
import os
import sys
import time
import uuid

import msgpack
import websocket

from swiftq import child_processes
from tests.functional import server as server_lib

START_TIMEOUT = 60


class WebsocketServer(child_processes.ChildServer):
    """``swiftq-websocket`` on a free loopback port (``url``), on the Swift
    namespace ``container_prefix`` (share a SwiftqServer's to see its
    data)."""

    def __init__(self, workdir, swift, container_prefix=None,
                 auth_strategy='noauth', overrides=None):
        self.port = child_processes.free_port()
        self.url = 'ws://127.0.0.1:%d' % self.port
        self.container_prefix = (container_prefix
                                 or server_lib.unique_prefix())
        name = 'ws-%s-%d' % (self.container_prefix, self.port)
        self.config_file = os.path.join(workdir, name + '.conf')
        self.log_file = os.path.join(workdir, name + '.log')
        overrides = dict(overrides or {})
        overrides[('websocket', 'bind_port')] = self.port
        sections = server_lib.build_sections(
            swift, child_processes.free_port(), 1, 4, auth_strategy,
            self.container_prefix, overrides)
        with open(self.config_file, 'w') as f:
            f.write(child_processes.render_ini(sections))
        self.process = None

    def start(self, timeout=START_TIMEOUT):
        self.spawn([sys.executable, '-m', 'swiftq.cmd.websocket',
                    '--config-file', self.config_file],
                   cwd=server_lib.REPO_ROOT,
                   env=dict(os.environ, PYTHONUNBUFFERED='1'))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError('swiftq-websocket exited:\n'
                                   + self.log_tail())
            try:
                with Client(self.url) as client:
                    # Any answer will do (403 with Keystone).
                    if client.call('ping_node', {})['headers']['status']:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError('swiftq-websocket not ready:\n' + self.log_tail())

    @property
    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout=15):
        if self.process is not None:
            child_processes.stop_tree(self.process, timeout)


class Client:
    """One raw socket: ``call(action, body)`` sends a frame (JSON, or
    MessagePack with ``binary``) with this client's headers and returns the
    decoded answer."""

    def __init__(self, url, project=None, timeout=30):
        self.ws = websocket.create_connection(url, timeout=timeout)
        self.project = project or 'p-' + uuid.uuid4().hex[:12]
        self.headers = {'Client-ID': str(uuid.uuid4()),
                        'X-Project-ID': self.project}

    def send_raw(self, data, binary=False):
        if binary:
            self.ws.send_binary(data)
        else:
            self.ws.send(data)
        return self.receive()

    def receive(self):
        opcode, data = self.ws.recv_data()
        if opcode == websocket.ABNF.OPCODE_BINARY:
            return msgpack.unpackb(data, raw=False)
        return json.loads(data)

    def call(self, action, body=None, headers=None, binary=False):
        frame = {'action': action,
                 'headers': self.headers if headers is None else headers}
        if body is not None:
            frame['body'] = body
        if binary:
            return self.send_raw(msgpack.packb(frame), binary=True)
        return self.send_raw(json.dumps(frame))

    def close(self):
        self.ws.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()
