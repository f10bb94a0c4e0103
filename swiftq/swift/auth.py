"""How swiftq authenticates to Swift as a service.

An authenticator returns ``(storage_url, token)`` and is asked again
(``invalidate`` first) when Swift answers 401.
"""

import threading

import urllib3

from swiftq.swift.errors import SwiftUnavailable


class TempAuth:
    """Swift's v1 auth (tempauth/swauth): GET auth_url with user and key."""

    def __init__(self, pool, auth_url, user, key, storage_url=None,
                 timeout=None):
        self._pool = pool
        self._auth_url = auth_url
        self._user = user
        self._key = key
        self._override_url = storage_url
        self._timeout = timeout
        self._lock = threading.Lock()
        self._cached = None

    def get(self):
        with self._lock:
            if self._cached is None:
                self._cached = self._authenticate()
            return self._cached

    def invalidate(self, token):
        with self._lock:
            if self._cached and self._cached[1] == token:
                self._cached = None

    def _authenticate(self):
        try:
            resp = self._pool.request(
                'GET', self._auth_url,
                headers={'X-Auth-User': self._user,
                         'X-Auth-Key': self._key},
                timeout=self._timeout, retries=False, preload_content=True)
        except urllib3.exceptions.HTTPError as exc:
            raise SwiftUnavailable('Swift auth unreachable: %s' % exc)
        if resp.status // 100 != 2:
            raise SwiftUnavailable('Swift auth answered %d' % resp.status)
        url = self._override_url or resp.headers.get('X-Storage-Url')
        token = resp.headers.get('X-Auth-Token')
        if not url or not token:
            raise SwiftUnavailable('Swift auth gave no storage URL/token')
        return url.rstrip('/'), token


class KeystoneAuth:
    """Swift behind keystoneauth: a keystoneauth1 session for the service
    user; the storage URL comes from the catalog (service type
    object-store) unless overridden."""

    def __init__(self, session, storage_url=None, interface='public',
                 region_name=None):
        self._session = session
        self._override_url = storage_url
        self._interface = interface
        self._region = region_name
        self._lock = threading.Lock()

    def get(self):
        with self._lock:
            try:
                token = self._session.get_token()
                url = self._override_url or self._session.get_endpoint(
                    service_type='object-store', interface=self._interface,
                    region_name=self._region)
            except Exception as exc:  # keystoneauth1 raises many types
                raise SwiftUnavailable('Keystone unreachable: %s' % exc)
            if not url:
                raise SwiftUnavailable('no object-store endpoint in catalog')
            return url.rstrip('/'), token

    def invalidate(self, token):
        with self._lock:
            self._session.invalidate()
