"""A small TCP relay on loopback that can hold requests back: what a busy
load balancer, a slow middleware or a congested link in front of Swift's
proxy does to a request before the proxy stamps it."""

import socket
import threading
import time


class DelayingRelay:
    """Forwards every connection to ``upstream`` (host, port). Bytes from
    the client wait ``delay`` seconds (settable at any time) before they
    go on; answers come back at once."""

    def __init__(self, upstream, delay=0.0):
        self.upstream = upstream
        self.delay = delay
        self._listener = socket.create_server(('127.0.0.1', 0))
        self.port = self._listener.getsockname()[1]
        self._closed = threading.Event()
        self._sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def close(self):
        self._closed.set()
        try:
            # wakes the accepting thread: a bare close() leaves it blocked
            # in accept(), still taking connections (Linux)
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _accept(self):
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream, timeout=30)
            self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, False),
                             daemon=True).start()

    def _pump(self, source, sink, held):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if held and self.delay:
                    time.sleep(self.delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
