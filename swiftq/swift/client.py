"""Pooled, thread-safe HTTP access to one Swift account.

One ``SwiftClient`` per API worker process: keep-alive connections are
shared by its threads through urllib3's pool. The client knows Swift's
protocol (auth, paths, retries of idempotent requests); it knows nothing
about queues.
"""

import json
import logging
import time
import urllib.parse

import urllib3

from swiftq.metrics import instruments
from swiftq.swift.errors import DeadlinePassed
from swiftq.swift.errors import SwiftTimeout
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

IDEMPOTENT = frozenset(['GET', 'HEAD', 'DELETE'])
RETRIABLE_STATUSES = frozenset([500, 502, 503, 504])


class Response:
    __slots__ = ('status', 'headers', 'data')

    def __init__(self, status, headers, data):
        self.status = status
        self.headers = headers
        self.data = data

    @property
    def ok(self):
        return 200 <= self.status < 300

    def json(self):
        return json.loads(self.data)

    @property
    def timestamp(self):
        """Swift's X-Timestamp of the object (proxy clock, seconds)."""
        value = self.headers.get('X-Timestamp')
        return float(value) if value else None

    def __repr__(self):
        return '<Response %d>' % self.status


def quote(name):
    return urllib.parse.quote(name, safe='')


def info_url(storage_url):
    """The URL of Swift's ``/info``, from a storage URL: the proxy's root
    is what comes before ``/v1/<account>``."""
    parts = urllib.parse.urlsplit(storage_url)
    root = parts.path.rstrip('/').rsplit('/', 2)[0]
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc,
                                    root + '/info', '', ''))


def _within(timeout, deadline):
    """The timeout of an attempt about to leave: ``timeout``, shortened to
    end by ``deadline``; DeadlinePassed when no time is left. Computed
    after every wait (authentication, backoff), just before the send."""
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlinePassed('deadline passed %.3fs before sending' % -left)
    return left if timeout is None else min(timeout, left)


class SwiftClient:

    def __init__(self, pool, authenticator, connect_timeout=2.0,
                 read_timeout=10.0, retries=2, backoff=0.1):
        self._pool = pool
        self._auth = authenticator
        self._connect_timeout = connect_timeout
        self._read_timeout = read_timeout
        self._retries = retries
        self._backoff = backoff

    @classmethod
    def from_conf(cls, conf):
        """Build the client from the [swift] options."""
        from swiftq.swift import auth
        group = conf.swift
        pool = urllib3.PoolManager(num_pools=4, maxsize=group.pool_size,
                                   block=False, retries=False)
        timeout = urllib3.Timeout(connect=group.connect_timeout,
                                  read=group.read_timeout)
        if group.auth_type == 'keystone':
            from swiftq.swift import keystone_session
            session = keystone_session.load_session(conf)
            authenticator = auth.KeystoneAuth(
                session, storage_url=group.storage_url,
                **keystone_session.endpoint_filter(conf))
        else:
            authenticator = auth.TempAuth(
                pool, group.auth_url, group.user, group.key,
                storage_url=group.storage_url, timeout=timeout)
        return cls(pool, authenticator,
                   connect_timeout=group.connect_timeout,
                   read_timeout=group.read_timeout, retries=group.retries)

    # -- the one primitive ------------------------------------------------
    def request(self, method, container=None, obj=None, headers=None,
                body=None, query=None, timeout=None, retries=None,
                deadline=None):
        """Send one Swift request; return a Response for any status below
        500 (a 5xx left after the retries raises SwiftUnavailable).

        ``timeout`` bounds each attempt in seconds (connect + read); an
        attempt that runs out of it raises SwiftTimeout, whose effect on
        Swift is unknown. ``deadline`` (a ``time.monotonic()`` value, for
        writes under a lease): no attempt leaves after it, whether first,
        retried or sent again after re-authentication, and every attempt's
        timeout ends by it; a request that could not be sent in time
        raises DeadlinePassed.
        """
        if retries is None:
            retries = self._retries if method in IDEMPOTENT else 0
        attempt = 0
        while True:
            try:
                resp = self._send_authenticated(method, container, obj,
                                                headers, body, query,
                                                timeout, deadline)
            except DeadlinePassed:
                raise
            except SwiftUnavailable:
                if attempt >= retries:
                    raise
            else:
                if resp.status not in RETRIABLE_STATUSES:
                    return resp
                if attempt >= retries:
                    raise SwiftUnavailable('Swift answered %d to %s %s/%s'
                                           % (resp.status, method,
                                              container, obj))
            attempt += 1
            time.sleep(self._backoff * (2 ** (attempt - 1)))

    def _send_authenticated(self, method, container, obj, headers, body,
                            query, timeout, deadline):
        url, token = self._auth.get()
        resp = self._send(method, url, token, container, obj, headers, body,
                          query, _within(timeout, deadline))
        if resp.status == 401:
            self._auth.invalidate(token)
            url, token = self._auth.get()
            resp = self._send(method, url, token, container, obj, headers,
                              body, query, _within(timeout, deadline))
        return resp

    def _send(self, method, storage_url, token, container, obj, headers,
              body, query, timeout):
        path = storage_url
        if container is not None:
            path += '/' + quote(container)
            if obj is not None:
                path += '/' + quote(obj)
        if query:
            path += '?' + urllib.parse.urlencode(query)
        all_headers = {'X-Auth-Token': token}
        if headers:
            all_headers.update(headers)
        if timeout is None:
            tmo = urllib3.Timeout(connect=self._connect_timeout,
                                  read=self._read_timeout)
        else:
            tmo = urllib3.Timeout(total=max(timeout, 0.001),
                                  connect=min(self._connect_timeout,
                                              max(timeout, 0.001)))
        started = time.monotonic()
        outcome = 'error'
        try:
            raw = self._pool.request(method, path, headers=all_headers,
                                     body=body, timeout=tmo, retries=False,
                                     preload_content=True, redirect=False)
            outcome = instruments.swift_outcome(raw.status)
        except (urllib3.exceptions.TimeoutError,
                urllib3.exceptions.ProtocolError) as exc:
            # A read timeout or a dropped connection after the request was
            # sent: the request may or may not have taken effect.
            if isinstance(exc, urllib3.exceptions.ConnectTimeoutError):
                raise SwiftUnavailable('Swift connect timeout: %s' % exc)
            outcome = 'timeout'
            raise SwiftTimeout('%s %s: %s' % (method, path, exc))
        except urllib3.exceptions.HTTPError as exc:
            raise SwiftUnavailable('%s %s: %s' % (method, path, exc))
        finally:
            instruments.swift_request(method, outcome,
                                      time.monotonic() - started)
        return Response(raw.status, raw.headers, raw.data)

    def info(self, timeout=None):
        """Swift's capabilities (``GET /info`` at the proxy's root, public:
        no token), as a dict; None when the cluster does not publish them
        (``expose_info = false``: 403, or 404)."""
        url, _ = self._auth.get()
        return self._get_info(info_url(url), timeout)

    def _get_info(self, url, timeout):
        started = time.monotonic()
        outcome = 'error'
        try:
            raw = self._pool.request(
                'GET', url, retries=False, redirect=False,
                timeout=urllib3.Timeout(
                    connect=self._connect_timeout,
                    read=timeout if timeout is not None
                    else self._read_timeout))
            outcome = instruments.swift_outcome(raw.status)
        except urllib3.exceptions.HTTPError as exc:
            raise SwiftUnavailable('GET %s: %s' % (url, exc))
        finally:
            instruments.swift_request('GET', outcome,
                                      time.monotonic() - started)
        if raw.status >= 500:
            raise SwiftUnavailable('GET %s answered %d' % (url, raw.status))
        if raw.status != 200:
            return None
        return json.loads(raw.data)

    # -- conveniences -------------------------------------------------------
    def get_object(self, container, obj, newest=False, timeout=None):
        headers = {'X-Newest': 'true'} if newest else None
        return self.request('GET', container, obj, headers=headers,
                            timeout=timeout)

    def put_object(self, container, obj, data, content_type=None,
                   headers=None, timeout=None, deadline=None):
        all_headers = {'Content-Type': content_type or
                       'application/octet-stream'}
        if headers:
            all_headers.update(headers)
        return self.request('PUT', container, obj, headers=all_headers,
                            body=data, timeout=timeout, deadline=deadline)

    def delete_object(self, container, obj, headers=None, timeout=None,
                      deadline=None):
        return self.request('DELETE', container, obj, headers=headers,
                            timeout=timeout, deadline=deadline)

    def list_objects(self, container, prefix=None, marker=None, limit=None,
                     end_marker=None, newest=False, delimiter=None):
        """One page of a JSON container listing, or None if the container
        does not exist. With ``delimiter``, names that go on past it
        after ``prefix`` are rolled up into ``{'subdir': ...}`` entries."""
        query = {'format': 'json'}
        if prefix:
            query['prefix'] = prefix
        if delimiter:
            query['delimiter'] = delimiter
        if marker:
            query['marker'] = marker
        if end_marker:
            query['end_marker'] = end_marker
        if limit:
            query['limit'] = str(limit)
        headers = {'X-Newest': 'true'} if newest else None
        resp = self.request('GET', container, headers=headers, query=query)
        if resp.status == 404:
            return None
        if not resp.ok:
            raise SwiftUnavailable('listing %s answered %d'
                                   % (container, resp.status))
        return resp.json() if resp.data else []

    def iter_objects(self, container, prefix=None, marker=None,
                     page_size=1000, end_marker=None, delimiter=None,
                     newest=False):
        """Every listing entry after ``marker``, page by page."""
        while True:
            page = self.list_objects(container, prefix=prefix,
                                     marker=marker, limit=page_size,
                                     end_marker=end_marker, newest=newest,
                                     delimiter=delimiter)
            if not page:
                return
            yield from page
            if len(page) < page_size:
                return
            last = page[-1]
            marker = last['name'] if 'name' in last else last['subdir']

    def list_containers(self, prefix=None, marker=None, limit=None):
        query = {'format': 'json'}
        if prefix:
            query['prefix'] = prefix
        if marker:
            query['marker'] = marker
        if limit:
            query['limit'] = str(limit)
        resp = self.request('GET', query=query)
        if resp.status == 404:
            return []
        if not resp.ok:
            raise SwiftUnavailable('account listing answered %d'
                                   % resp.status)
        return resp.json() if resp.data else []

    def bulk_delete(self, container, names):
        """Delete many objects of one container with the bulk middleware
        (one request per 10,000 names). Missing objects are fine."""
        names = list(names)
        for start in range(0, len(names), 10000):
            chunk = names[start:start + 10000]
            body = '\n'.join('/%s/%s' % (quote(container), quote(n))
                             for n in chunk).encode()
            resp = self.request(
                'POST', query={'bulk-delete': ''},
                headers={'Content-Type': 'text/plain',
                         'Accept': 'application/json'}, body=body,
                retries=self._retries)
            if not resp.ok:
                raise SwiftUnavailable('bulk delete answered %d'
                                       % resp.status)
            result = resp.json()
            if result.get('Errors'):
                raise SwiftUnavailable('bulk delete errors: %s'
                                       % result['Errors'][:3])
