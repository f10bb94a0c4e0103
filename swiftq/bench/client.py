"""How the load generator reaches a Zaqar v2 endpoint: base URL, project,
and authentication (noauth headers or a Keystone token).

Only the public Zaqar v2 HTTP API is used, so any Zaqar-compatible server
can be measured.
"""

import threading
import uuid

import requests


class StaticToken:
    """A token given on the command line (``--token``)."""

    def __init__(self, token):
        self._token = token

    def get(self):
        return self._token

    def invalidate(self, token):
        pass


class KeystoneToken:
    """A token from keystoneauth1's password plugin (``--os-*``), renewed
    by keystoneauth before it expires and after a 401."""

    def __init__(self, auth_url, username, password, project_name=None,
                 project_id=None, user_domain_name='Default',
                 project_domain_name='Default', insecure=False):
        try:
            from keystoneauth1 import session as ks_session
            from keystoneauth1.identity import v3
        except ImportError:   # pragma: no cover - a dependency of swiftq
            raise SystemExit('swiftq-bench: --os-* options need '
                             'keystoneauth1 (pip install keystoneauth1)')
        self._auth = v3.Password(
            auth_url=auth_url, username=username, password=password,
            project_name=project_name, project_id=project_id,
            user_domain_name=user_domain_name,
            project_domain_name=project_domain_name)
        self._session = ks_session.Session(auth=self._auth,
                                           verify=not insecure)
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            return self._session.get_token()

    def invalidate(self, token):
        with self._lock:
            self._auth.invalidate()

    def endpoint(self, interface='public'):
        """The messaging endpoint of the catalog (service type
        ``messaging``)."""
        with self._lock:
            return self._session.get_endpoint(service_type='messaging',
                                              interface=interface)


class Endpoint:
    """A Zaqar v2 endpoint: ``base_url`` (without ``/v2``), the project to
    send as ``X-Project-ID`` (noauth; optional with Keystone) and an
    optional token source."""

    def __init__(self, base_url, project=None, token_source=None,
                 timeout=30.0, verify=True):
        base_url = base_url.rstrip('/')
        if base_url.endswith('/v2'):
            base_url = base_url[:-3]
        self.base_url = base_url
        self.project = project
        self.token_source = token_source
        self.timeout = timeout
        self.verify = verify

    def session(self, client_id=None):
        """A new :class:`ApiSession` (one per thread)."""
        return ApiSession(self, client_id or str(uuid.uuid4()))

    def queue_url(self, queue):
        return '%s/v2/queues/%s' % (self.base_url, queue)

    def absolute(self, href):
        """An href from a response (``/v2/...``) as a full URL."""
        if href.startswith('http://') or href.startswith('https://'):
            return href
        return self.base_url + href


class ApiSession(requests.Session):
    """A ``requests.Session`` with the Zaqar headers of one client; a 401
    makes it fetch a new token and retry once."""

    def __init__(self, endpoint, client_id):
        super().__init__()
        self.endpoint = endpoint
        self.client_id = client_id
        self.verify = endpoint.verify
        self.headers.update({'Client-ID': client_id,
                             'Accept': 'application/json'})
        if endpoint.project:
            self.headers['X-Project-ID'] = endpoint.project
        # one connection per thread is all a session needs
        adapter = requests.adapters.HTTPAdapter(pool_connections=1,
                                                pool_maxsize=2,
                                                max_retries=0)
        self.mount('http://', adapter)
        self.mount('https://', adapter)

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault('timeout', self.endpoint.timeout)
        source = self.endpoint.token_source
        if source is None:
            return super().request(method, url, *args, **kwargs)
        token = source.get()
        headers = dict(kwargs.pop('headers', None) or {})
        headers['X-Auth-Token'] = token
        resp = super().request(method, url, *args, headers=headers, **kwargs)
        if resp.status_code == 401:
            source.invalidate(token)
            headers['X-Auth-Token'] = source.get()
            resp = super().request(method, url, *args, headers=headers,
                                   **kwargs)
        return resp
