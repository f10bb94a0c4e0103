"""A Keystone-v3-shaped login endpoint in front of Swift's tempauth.

Zaqar's Swift driver only logs in with keystoneauth1 (``generic.Password``)
and looks the ``object-store`` endpoint up in the token's catalog. This
endpoint answers exactly that: ``GET /`` and ``GET /v3`` (version
discovery) and ``POST /v3/auth/tokens`` (password method), by logging in
to tempauth with ``<project name>:<user name>`` and the password, and
handing back tempauth's token as ``X-Subject-Token`` with a catalog whose
``object-store`` endpoints are tempauth's storage URL. Nothing else is
served (no validation, no admin API): the Swift proxy keeps validating the
token with tempauth, as it does for swiftq and the raw Swift baseline, so
all three meet the same Swift with the same auth middleware.

It serves one login per Zaqar worker: a ``http.server`` thread in the
bench process is plenty.
"""

import datetime
import http.server
import json
import threading
import urllib.error
import urllib.request
import uuid

REGION = 'RegionOne'


def _iso(when):
    return when.strftime('%Y-%m-%dT%H:%M:%S.000000Z')


def _version(base):
    return {'id': 'v3.14', 'status': 'stable',
            'updated': '2020-04-07T00:00:00Z',
            'links': [{'rel': 'self', 'href': base + '/v3/'}],
            'media-types': [{'base': 'application/json',
                             'type': 'application/vnd.openstack.identity-v3'
                             '+json'}]}


def tempauth_login(auth_url, user, key, timeout=10):
    """``(storage_url, token, expires_in_seconds)`` of a tempauth v1
    login."""
    req = urllib.request.Request(auth_url, headers={'X-Auth-User': user,
                                                    'X-Auth-Key': key})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return (resp.headers['X-Storage-Url'], resp.headers['X-Auth-Token'],
                int(resp.headers.get('X-Auth-Token-Expires') or 3600))


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = 'tempauth-keystone/1'
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        self.server.logins_log.append(fmt % args)

    def _send(self, status, doc, headers=None):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status, title, message):
        self._send(status, {'error': {'code': status, 'title': title,
                                      'message': message}})

    def do_GET(self):
        base = self.server.base_url
        path = self.path.split('?', 1)[0].rstrip('/')
        if path == '':
            self._send(300, {'versions': {'values': [_version(base)]}})
        elif path == '/v3':
            self._send(200, {'version': _version(base)})
        else:
            self._error(404, 'Not Found', 'only discovery and password '
                        'login are served here')

    def do_POST(self):
        if self.path.split('?', 1)[0].rstrip('/') != '/v3/auth/tokens':
            return self._error(404, 'Not Found', 'only POST '
                               '/v3/auth/tokens is served here')
        try:
            length = int(self.headers.get('Content-Length') or 0)
            auth = json.loads(self.rfile.read(length))['auth']
            user = auth['identity']['password']['user']
            project = auth['scope']['project']
            username, password = user['name'], user['password']
            project_name = project['name']
        except (ValueError, KeyError, TypeError):
            return self._error(400, 'Bad Request', 'expected a password '
                               'login scoped to a project by name')
        try:
            storage_url, token, expires_in = tempauth_login(
                self.server.tempauth_url, '%s:%s' % (project_name, username),
                password)
        except urllib.error.HTTPError as exc:
            return self._error(401 if exc.code == 401 else 502,
                               'Unauthorized', 'tempauth said %d' % exc.code)
        except OSError as exc:
            return self._error(502, 'Bad Gateway', 'tempauth: %s' % exc)
        self._send(201, self.server.token_doc(
            username, project_name, storage_url, expires_in),
            headers={'X-Subject-Token': token})


class TempauthKeystone:
    """``with TempauthKeystone(tempauth_url) as ks: ks.auth_url`` (the
    ``.../v3`` URL to give keystoneauth)."""

    def __init__(self, tempauth_url, host='127.0.0.1', port=0):
        self._httpd = http.server.ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.tempauth_url = tempauth_url
        self._httpd.logins_log = []
        self._httpd.token_doc = self._token_doc
        self.port = self._httpd.server_address[1]
        self.base_url = 'http://%s:%d' % (host, self.port)
        self._httpd.base_url = self.base_url
        self.auth_url = self.base_url + '/v3'
        self._thread = None

    @property
    def requests_log(self):
        return list(self._httpd.logins_log)

    @staticmethod
    def _token_doc(username, project_name, storage_url, expires_in):
        now = datetime.datetime.now(datetime.timezone.utc)
        domain = {'id': 'default', 'name': 'Default'}
        endpoints = [{'id': uuid.uuid4().hex, 'interface': interface,
                      'region': REGION, 'region_id': REGION,
                      'url': storage_url}
                     for interface in ('public', 'internal', 'admin')]
        return {'token': {
            'methods': ['password'],
            'issued_at': _iso(now),
            'expires_at': _iso(now + datetime.timedelta(
                seconds=expires_in)),
            'user': {'id': username, 'name': username, 'domain': domain,
                     'password_expires_at': None},
            'project': {'id': project_name, 'name': project_name,
                        'domain': domain},
            'roles': [{'id': 'admin', 'name': 'admin'}],
            'catalog': [{'id': 'swift', 'type': 'object-store',
                         'name': 'swift', 'endpoints': endpoints}],
        }}

    def start(self):
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name='tempauth-keystone',
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
