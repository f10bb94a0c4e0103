"""The notifier's view of the subscription index, one listing per pass.

The index container (:mod:`swiftq.storage.subscriptions`) holds one JSON
object per subscription, ``<queue container>/<subscription id>``. A pass
lists the whole index once; a subscription's document is read (with
X-Newest) only when its listing entry is new or changed (another ``hash``
or ``last_modified``), so a quiet deployment costs one listing per pass.

With ``require_confirmation`` on, messages posted to a queue while its
subscription is unconfirmed are passed over, but only those posted before
the document was last read unconfirmed (:attr:`Subscription.read_at`,
less the clock skew). The notifier therefore asks for such documents to be
read again (``recheck``) while messages wait for that decision: a
confirmation that lands between two passes is never missed, even while
the listing lags behind, and an unconfirmed subscription of a quiet queue
costs no read.
"""

import json
import logging
import time

from swiftq.storage import naming
from swiftq.storage import subscriptions as subscriptions_store
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

PAGE_SIZE = 10000


class Subscription:
    """A live subscription document and when it was read."""

    __slots__ = ('doc', 'read_at', 'entry')

    def __init__(self, doc, read_at, entry):
        self.doc = doc
        self.read_at = read_at
        self.entry = entry

    @property
    def id(self):
        return self.doc['id']

    @property
    def container(self):
        return self.doc['container']

    @property
    def queue(self):
        return self.doc.get('queue') or \
            naming.queue_name_from_container(self.container)

    @property
    def project(self):
        return self.doc.get('project')

    @property
    def subscriber(self):
        return self.doc['subscriber']

    @property
    def options(self):
        options = self.doc.get('options')
        return options if isinstance(options, dict) else {}

    @property
    def created(self):
        return float(self.doc.get('created') or 0)

    @property
    def expires(self):
        return float(self.doc.get('expires') or 0)

    @property
    def confirmed(self):
        # Zaqar: a subscription without the flag predates confirmation.
        return bool(self.doc.get('confirmed', True))

    def __repr__(self):
        return '<Subscription %s %s -> %s>' % (self.id, self.container,
                                               self.subscriber)


def _parse_name(name):
    """``(queue container, subscription id)``, or None for a subscriber
    marker or a foreign object."""
    container, _, sub_id = name.rpartition('/')
    if not container or not naming.is_subscription_id(sub_id):
        return None
    return container, sub_id


class SubscriptionIndex:

    def __init__(self, swift, prefix, executor=None, clock=time.time):
        self._swift = swift
        self._index = naming.subscriptions_container(prefix)
        self._executor = executor
        self._clock = clock
        self._cache = {}        # object name -> Subscription

    def refresh(self, wanted=None, recheck=()):
        """``{queue container: [live Subscription, ...]}`` from one
        listing of the index; ``wanted(container)`` filters the queues
        this process serves before any document is read; the documents
        named in ``recheck`` are read again even if unchanged."""
        entries = {}
        for entry in self._swift.iter_objects(self._index,
                                              page_size=PAGE_SIZE):
            parsed = _parse_name(entry.get('name', ''))
            if parsed is None:
                continue
            if wanted is not None and not wanted(parsed[0]):
                continue
            entries[entry['name']] = entry
        for name in list(self._cache):
            if name not in entries:
                del self._cache[name]
        to_read = [name for name, entry in entries.items()
                   if name in recheck or self._stale(name, entry)]
        for name, sub in zip(to_read, self._map(self._read, to_read)):
            if sub is None:
                self._cache.pop(name, None)
            else:
                sub.entry = _version(entries[name])
                self._cache[name] = sub
        now = self._clock()
        by_container = {}
        for sub in self._cache.values():
            # A websocket's subscription is pushed by swiftq-websocket
            # (kept in the cache all the same: its document is read once).
            if sub.expires > now and \
                    not subscriptions_store.is_socket(sub.subscriber):
                by_container.setdefault(sub.container, []).append(sub)
        for subs in by_container.values():
            subs.sort(key=lambda s: s.id)
        return by_container

    def _stale(self, name, entry):
        sub = self._cache.get(name)
        return sub is None or sub.entry != _version(entry)

    def _map(self, func, items):
        if self._executor is None or len(items) < 2:
            return [func(item) for item in items]
        return list(self._executor.map(func, items))

    def _read(self, name):
        read_at = self._clock()
        resp = self._swift.get_object(self._index, name, newest=True)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise SwiftUnavailable('subscription GET answered %d'
                                   % resp.status)
        try:
            doc = json.loads(resp.data)
            if not isinstance(doc, dict):
                raise ValueError('not a JSON object')
            parsed = _parse_name(name)
            if doc.get('id') != parsed[1] or \
                    doc.get('container') != parsed[0] or \
                    not isinstance(doc.get('subscriber'), str):
                raise ValueError('document does not match its name')
        except (ValueError, AttributeError) as exc:
            LOG.error('skipping unreadable subscription %s: %s', name, exc)
            return None
        if not subscriptions_store.is_live(doc, read_at):
            return None
        return Subscription(doc, read_at, None)


def _version(entry):
    return (entry.get('hash'), entry.get('last_modified'))
