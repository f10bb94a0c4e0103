"""Tiny local subscribers for notifier tests: an HTTP receiver (webhooks)
and an SMTP receiver (mailto), each a real server on a loopback port in a
thread of the test process, recording what it is sent.
"""

import collections
import email
import http.server
import json
import socketserver
import sys
import threading
import time

from swiftq.child_processes import free_port


class _InThread:
    """A socketserver served by a daemon thread, from start() to stop()."""

    def _serve(self, server):
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever,
                                        daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class Received:
    """One request a receiver took: ``path``, ``headers`` (a dict),
    ``body`` (bytes), ``json`` (decoded body or None), ``at`` (time)."""

    __slots__ = ('path', 'headers', 'body', 'at')

    def __init__(self, path, headers, body):
        self.path = path
        self.headers = headers
        self.body = body
        self.at = time.time()

    @property
    def json(self):
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    def __repr__(self):
        return '<Received %s %r>' % (self.path, self.body[:80])


class HttpReceiver(_InThread):
    """Webhook endpoints ``http://127.0.0.1:PORT/<name>``.

    Every POST is recorded per path (``attempts``), answered by the
    path's behaviour: by default 200; :meth:`fail_first` makes a path
    answer 503 to its first ``k`` requests, :meth:`fail_always` to all.
    ``accepted`` holds the requests answered 2xx. ``delay`` slows every
    answer (to catch a notifier in the middle of its work). ``check``,
    if given, sees every request's headers first and may refuse it: it
    returns the status to answer instead of taking the request, or None.
    """

    def __init__(self, delay=0.0, check=None):
        self.port = free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.delay = delay
        self.check = check
        self.attempts = collections.defaultdict(list)
        self.accepted = collections.defaultdict(list)
        self._failures = {}
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'

            def do_POST(self):
                length = int(self.headers.get('Content-Length') or 0)
                data = self.rfile.read(length)
                headers = dict(self.headers)
                refusal = receiver.check(headers) if receiver.check else None
                status = receiver._take(self.path, headers, data, refusal)
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header('Content-Length', '0')
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # A notifier killed mid-request resets its connection:
                # expected here, not worth a traceback.
                if not isinstance(sys.exc_info()[1], ConnectionError):
                    super().handle_error(request, client_address)

        self._serve(Server(('127.0.0.1', self.port), Handler))

    def endpoint(self, name):
        return '%s/%s' % (self.url, name)

    def fail_first(self, name, count):
        self._failures['/' + name] = count

    def fail_always(self, name):
        self._failures['/' + name] = float('inf')

    def _take(self, path, headers, data, refusal=None):
        with self._lock:
            received = Received(path, headers, data)
            self.attempts[path].append(received)
            if refusal:
                return refusal
            left = self._failures.get(path, 0)
            if left > 0:
                self._failures[path] = left - 1
                return 503
            self.accepted[path].append(received)
            return 200

    def delivered(self, name):
        with self._lock:
            return list(self.accepted['/' + name])

    def tried(self, name):
        with self._lock:
            return list(self.attempts['/' + name])


class Mail:
    __slots__ = ('sender', 'recipients', 'data')

    def __init__(self, sender, recipients, data):
        self.sender = sender
        self.recipients = recipients
        self.data = data

    def message(self):
        return email.message_from_bytes(self.data)


class SmtpReceiver(_InThread):
    """A minimal SMTP server (RFC 5321's HELO/EHLO, MAIL, RCPT, DATA, RSET,
    NOOP, QUIT, no extensions) keeping every mail in ``mails``."""

    def __init__(self):
        self.port = free_port()
        self.mails = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(socketserver.StreamRequestHandler):

            def reply(self, line):
                self.wfile.write(line.encode('ascii') + b'\r\n')
                self.wfile.flush()

            def handle(self):
                self.reply('220 localhost swiftq test SMTP')
                sender, recipients = None, []
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.strip().decode('ascii', 'replace')
                    verb = command[:4].upper()
                    if verb in ('HELO', 'EHLO'):
                        self.reply('250 localhost')
                    elif verb == 'MAIL':
                        sender = command.split(':', 1)[1].strip().strip('<>')
                        recipients = []
                        self.reply('250 OK')
                    elif verb == 'RCPT':
                        recipients.append(
                            command.split(':', 1)[1].strip().strip('<>'))
                        self.reply('250 OK')
                    elif verb == 'DATA':
                        self.reply('354 End data with <CR><LF>.<CR><LF>')
                        lines = []
                        while True:
                            data = self.rfile.readline()
                            if not data or data in (b'.\r\n', b'.\n'):
                                break
                            if data.startswith(b'..'):
                                data = data[1:]
                            lines.append(data)
                        with receiver._lock:
                            receiver.mails.append(
                                Mail(sender, recipients, b''.join(lines)))
                        self.reply('250 OK queued')
                    elif verb in ('RSET', 'NOOP'):
                        self.reply('250 OK')
                    elif verb == 'QUIT':
                        self.reply('221 Bye')
                        return
                    else:
                        self.reply('502 Command not implemented')

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True

        self._serve(Server(('127.0.0.1', self.port), Handler))

    def received(self):
        with self._lock:
            return list(self.mails)
