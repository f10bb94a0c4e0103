"""Subscriptions stored in Swift: one JSON object per subscription in the
deployment's index container (names in :mod:`swiftq.storage.naming`).

A subscription document::

    {"id": str, "project": str, "queue": str,
     "container": <queue container>, "subscriber": str, "ttl": int,
     "options": dict, "created": float, "expires": float (epoch seconds),
     "confirmed": bool}

Every object carries ``X-Delete-At = ceil(expires)``, so Swift stops
serving it when it expires and the object expirer reaps it; listings may
still name it until then, and readers skip a document whose ``expires``
has passed. Single documents are read with ``X-Newest``: a delete or an
update must win over a stale replica.

Subscribers are unique per queue. Beside each subscription a *subscriber
marker* (``<queue container>/~<digest of the subscriber>``; body: the
subscription id; same ``X-Delete-At``) names the subscription that owns
the subscriber. Swift has no compare-and-swap (``If-None-Match: *`` does
not exclude concurrent writers), so the marker is taken as the queue
lease is (doc/source/design/claims.rst, Fischer's timed mutual
exclusion, with the same ``[claims] lease_write_deadline`` and
``lease_settle_delay``): PUT it with ``If-None-Match: *``, give up unless
Swift acknowledged within the deadline, wait the settle delay, read it
back with X-Newest; the subscription owns the subscriber iff the marker
still names it. The losers delete their document and report the winner.

The document is written before its marker and deleted before it, so a
marker never names a subscription yet to be written. A marker that names
no live subscription with its subscriber is *stale* (an interrupted
delete, an abandoned slow write): before taking it over, the queue's
subscriptions are scanned for a live owner.

What this guarantees: of concurrent creates of one subscriber, at most
one subscription survives (a create whose marker PUT is slower than the
deadline gives up with a 503). A create that finds the marker of a
competitor still settling reports that competitor, which may yet lose:
the caller can then be told an id that soon stops existing.

The store knows nothing about HTTP: its callers validate ids, TTLs and
subscribers.
"""

import json
import math
import time

from swiftq.storage import base
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.swift.errors import SwiftUnavailable

#: Largest X-Delete-At Swift keeps as given (it clamps to 10 digits).
MAX_DELETE_AT = 9999999999
#: Attempts at taking a subscriber marker before answering 503.
MARKER_ATTEMPTS = 3
_JSON = 'application/json'


#: Schemes of subscribers that are websockets: swiftq-websocket pushes to
#: them itself (``storage.feed``), the notifier passes them over.
SOCKET_SCHEMES = ('ws', 'wss')


def is_socket(subscriber):
    """True for the subscriber of a pushed (websocket) subscription."""
    return isinstance(subscriber, str) and \
        subscriber.split(':', 1)[0].lower() in SOCKET_SCHEMES


def delete_at(expires):
    return min(int(math.ceil(expires)), MAX_DELETE_AT)


def is_live(doc, now):
    return doc is not None and doc.get('expires', 0) > now


class _Lost(Exception):
    """Another live subscription owns the subscriber."""

    def __init__(self, owner):
        super().__init__(owner['id'])
        self.owner = owner


class SubscriptionStore:
    """CRUD of subscriptions and the notifier's view of them.

    ``swift``: a :class:`swiftq.swift.client.SwiftClient`; ``prefix``: the
    deployment's container prefix; ``executor`` (optional): a thread pool
    to read a listing's documents in parallel; ``write_deadline`` and
    ``settle_delay``: Delta and D of the marker protocol (D > Delta);
    ``kind``: whose subscriptions (``naming.QUEUES`` or ``naming.TOPICS``:
    both kinds share the index, named by their containers).
    """

    def __init__(self, swift, prefix, executor=None, write_deadline=1.0,
                 settle_delay=1.2, clock=time.time, kind=naming.QUEUES):
        self._swift = swift
        self._prefix = naming.kind_prefix(prefix, kind)
        self._index = naming.subscriptions_container(prefix)
        self._executor = executor
        self._write_deadline = write_deadline
        self._settle_delay = settle_delay
        self._clock = clock

    # -- the API's operations -------------------------------------------------
    def create(self, project, queue, subscriber, ttl, options,
               created_trust=None):
        """Store a new, unconfirmed subscription and return its id. Raises
        SubscriptionAlreadyExists (with the existing document) when a live
        subscription of the queue has this subscriber. ``created_trust``:
        the Keystone trust made for it, which goes with it."""
        container = naming.queue_container(self._prefix, project, queue)
        existing = self._owner(container, subscriber)
        if existing is not None:
            raise errors.SubscriptionAlreadyExists(existing)
        now = self._clock()
        doc = {
            'id': naming.new_subscription_id(),
            'project': project,
            'queue': queue,
            'container': container,
            'subscriber': subscriber,
            'ttl': ttl,
            'options': options,
            'created': now,
            'expires': now + ttl,
            'confirmed': False,
        }
        if created_trust:
            doc['created_trust'] = created_trust
        self._write(doc)
        try:
            self._take_marker(doc)
        except _Lost as lost:
            self._delete_object(self._name(doc))
            raise errors.SubscriptionAlreadyExists(lost.owner)
        except SwiftUnavailable:
            self._delete_object(self._name(doc))
            raise
        return doc['id']

    def get(self, project, queue, sub_id):
        """The live subscription's document; raises
        SubscriptionDoesNotExist."""
        container = naming.queue_container(self._prefix, project, queue)
        doc = self._read(container, sub_id)
        if not is_live(doc, self._clock()):
            raise errors.SubscriptionDoesNotExist(sub_id)
        return doc

    def list(self, project, queue, marker=None, limit=10):
        """Up to ``limit`` live subscriptions of the queue, in id order
        (creation order) after the id ``marker``; none after a marker that
        is not an id (as a message listing after a foreign marker)."""
        if marker is not None and not naming.is_subscription_id(marker):
            return []
        container = naming.queue_container(self._prefix, project, queue)
        return self._live_docs(container, marker, limit)

    def update(self, project, queue, sub_id, changes):
        """Apply ``changes`` (any of ``subscriber``, ``ttl``, ``options``).
        A new ``ttl`` counts from now. Raises SubscriptionDoesNotExist, or
        SubscriptionAlreadyExists when another live subscription of the
        queue has the new subscriber (the subscription is then left as it
        was)."""
        old = self.get(project, queue, sub_id)
        doc = dict(old)
        for key in ('subscriber', 'ttl', 'options'):
            if key in changes:
                doc[key] = changes[key]
        if 'ttl' in changes:
            doc['expires'] = self._clock() + doc['ttl']
        if doc.get('created_trust') and 'trust_id' not in doc['options']:
            # new options replace the old whole: the trust made for the
            # subscription stays its trust
            doc['options'] = dict(doc['options'],
                                  trust_id=doc['created_trust'])
        if doc['subscriber'] == old['subscriber']:
            self._write(doc)
            if delete_at(doc['expires']) != delete_at(old['expires']):
                self._put_marker(doc, conditional=False)
            return
        owner = self._owner(doc['container'], doc['subscriber'])
        if owner is not None:
            raise errors.SubscriptionAlreadyExists(owner)
        self._write(doc)
        try:
            self._take_marker(doc)
        except _Lost as lost:
            self._write(old)
            raise errors.SubscriptionAlreadyExists(lost.owner)
        except SwiftUnavailable:
            self._write(old)
            raise
        self._release_marker(old)

    def confirm(self, project, queue, sub_id, confirmed):
        doc = self.get(project, queue, sub_id)
        doc['confirmed'] = bool(confirmed)
        self._write(doc)

    def delete(self, project, queue, sub_id):
        """Delete the subscription (idempotent); the document deleted, or
        None when there was none."""
        container = naming.queue_container(self._prefix, project, queue)
        doc = self._read(container, sub_id)
        if doc is None:
            return None
        self._delete_object(self._name(doc))
        self._release_marker(doc)
        return doc

    def delete_queue(self, project, queue):
        """Delete every subscription of the queue (and their markers)."""
        container = naming.queue_container(self._prefix, project, queue)
        names = [entry['name'] for entry in self._swift.iter_objects(
            self._index, prefix=naming.subscriptions_prefix(container))]
        if names:
            self._swift.bulk_delete(self._index, names)

    # -- the notifier's view --------------------------------------------------
    def subscribed_containers(self):
        """Names of the queue containers that have (or recently had)
        subscriptions, from one delimiter listing of the index."""
        for entry in self._swift.iter_objects(self._index, delimiter='/'):
            subdir = entry.get('subdir')
            if subdir:
                yield subdir[:-1]

    def for_container(self, container):
        """Every live subscription of the queue container."""
        return self._live_docs(container, None, None)

    # -- documents ------------------------------------------------------------
    @staticmethod
    def _name(doc):
        return naming.subscription_object(doc['container'], doc['id'])

    def _read(self, container, sub_id):
        if not naming.is_subscription_id(sub_id):
            return None
        resp = self._swift.get_object(
            self._index, naming.subscription_object(container, sub_id),
            newest=True)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise SwiftUnavailable('subscription GET answered %d'
                                   % resp.status)
        try:
            doc = json.loads(resp.data)
        except ValueError:
            return None
        return doc if isinstance(doc, dict) else None

    def _write(self, doc):
        """PUT the document (retried: its name is unique, its body whole);
        the index container is created on first use."""
        headers = {'Content-Type': _JSON,
                   'X-Delete-At': str(delete_at(doc['expires']))}
        body = json.dumps(doc).encode('utf-8')
        for _ in range(3):
            resp = self._swift.request('PUT', self._index, self._name(doc),
                                       headers=headers, body=body,
                                       retries=2)
            if resp.status == 201:
                return
            if resp.status == 400:
                # Swift refuses an X-Delete-At in the past: the
                # subscription expired while it was being changed.
                raise errors.SubscriptionDoesNotExist(doc['id'])
            if resp.status != 404:
                break
            self._create_index()
        raise SwiftUnavailable('subscription PUT answered %d' % resp.status)

    def _create_index(self):
        resp = self._swift.request('PUT', self._index)
        if resp.status not in (201, 202):
            raise SwiftUnavailable('index container PUT answered %d'
                                   % resp.status)

    def _delete_object(self, name, headers=None):
        resp = self._swift.delete_object(self._index, name, headers=headers)
        if resp.status not in (204, 404, 412):
            raise SwiftUnavailable('subscription DELETE answered %d'
                                   % resp.status)

    def _live_docs(self, container, marker, limit):
        """Live documents in id order after ``marker``, at most ``limit``
        (None: all). The listing stops before the subscriber markers."""
        prefix = naming.subscriptions_prefix(container)
        entries = self._swift.iter_objects(
            self._index, prefix=prefix,
            marker=prefix + marker if marker else None,
            end_marker=prefix + naming.SUBSCRIBER_MARKER,
            page_size=max(limit or 100, 20))
        found = []
        batch = []
        for entry in entries:
            sub_id = entry['name'][len(prefix):]
            if naming.is_subscription_id(sub_id):
                batch.append(sub_id)
            wanted = 100 if limit is None else limit - len(found)
            if len(batch) >= wanted:
                found.extend(self._read_live(container, batch))
                batch = []
                if limit is not None and len(found) >= limit:
                    return found
        found.extend(self._read_live(container, batch))
        return found

    def _read_live(self, container, ids):
        if not ids:
            return []
        if self._executor is not None and len(ids) > 1:
            docs = list(self._executor.map(
                lambda sub_id: self._read(container, sub_id), ids))
        else:
            docs = [self._read(container, sub_id) for sub_id in ids]
        now = self._clock()
        return [doc for doc in docs if is_live(doc, now)]

    # -- subscriber markers ---------------------------------------------------
    def _marker_id(self, container, subscriber):
        """The id the subscriber's marker names, or None."""
        resp = self._swift.get_object(
            self._index, naming.subscriber_marker_object(container,
                                                         subscriber),
            newest=True)
        if resp.status == 404:
            return None
        if resp.status != 200:
            raise SwiftUnavailable('subscriber marker GET answered %d'
                                   % resp.status)
        return resp.data.decode('utf-8', 'replace')

    def _owner(self, container, subscriber, marker_id=False):
        """The live subscription of the queue that has ``subscriber``, or
        None: the one its marker names, else (stale marker) one found by
        scanning the queue's subscriptions. ``marker_id``: the marker's
        content when the caller has just read it."""
        if marker_id is False:
            marker_id = self._marker_id(container, subscriber)
        if marker_id is None:
            return None
        doc = self._read(container, marker_id)
        now = self._clock()
        if is_live(doc, now) and doc['subscriber'] == subscriber:
            return doc
        for doc in self._live_docs(container, None, None):
            if doc['subscriber'] == subscriber:
                return doc
        return None

    def _take_marker(self, doc):
        """Make ``doc`` the owner of its subscriber's marker (see the
        module docstring), or raise _Lost with the owner. Raises
        SwiftUnavailable when Swift is too slow to decide safely."""
        container, subscriber = doc['container'], doc['subscriber']
        conditional = True
        for _ in range(MARKER_ATTEMPTS):
            started = time.monotonic()
            if not conditional:
                # Taking over a stale marker: the read that found it stale
                # starts the deadline, as in the lease protocol.
                current = self._marker_id(container, subscriber)
                owner = self._owner(container, subscriber, current)
                if owner is not None and owner['id'] != doc['id']:
                    raise _Lost(owner)
                started = time.monotonic()
                if self._marker_id(container, subscriber) != current:
                    continue
            status = self._put_marker(doc, conditional,
                                      timeout=self._write_deadline)
            if status == 400:
                return      # expired meanwhile; nothing to own
            if status == 412:
                conditional = False
                continue
            if time.monotonic() - started > self._write_deadline:
                raise SwiftUnavailable('subscriber marker PUT was too slow')
            time.sleep(self._settle_delay)
            if self._marker_id(container, subscriber) == doc['id']:
                return
            conditional = False
        raise SwiftUnavailable('subscriber marker of %s kept changing'
                               % doc['container'])

    def _put_marker(self, doc, conditional, timeout=None):
        headers = {'Content-Type': 'text/plain',
                   'X-Delete-At': str(delete_at(doc['expires']))}
        if conditional:
            headers['If-None-Match'] = '*'
        name = naming.subscriber_marker_object(doc['container'],
                                               doc['subscriber'])
        resp = self._swift.request('PUT', self._index, name,
                                   headers=headers,
                                   body=doc['id'].encode('ascii'),
                                   timeout=timeout)
        if resp.status not in (201, 400, 412):
            raise SwiftUnavailable('subscriber marker PUT answered %d'
                                   % resp.status)
        return resp.status

    def _release_marker(self, doc):
        """Delete the subscriber's marker if it still names ``doc``
        (X-If-Delete-At: not one another subscription has taken since)."""
        if self._marker_id(doc['container'], doc['subscriber']) != doc['id']:
            return
        self._delete_object(
            naming.subscriber_marker_object(doc['container'],
                                            doc['subscriber']),
            headers={'X-If-Delete-At': str(delete_at(doc['expires']))})


class Subscriptions(base.SubscriptionController):
    """The subscription controller over the process's SubscriptionStore
    of ``kind`` (queues' or topics')."""

    def __init__(self, process, kind=naming.QUEUES):
        self._process = process
        self._kind = kind

    def _store(self):
        return self._process.parts.subscription_stores[self._kind]

    @errors.swift_errors
    def create(self, project, queue, subscriber, ttl, options,
               created_trust=None):
        return self._store().create(project, queue, subscriber, ttl,
                                    options, created_trust)

    @errors.swift_errors
    def get(self, project, queue, sub_id):
        return self._store().get(project, queue, sub_id)

    @errors.swift_errors
    def list(self, project, queue, marker=None, limit=10):
        return self._store().list(project, queue, marker, limit)

    @errors.swift_errors
    def update(self, project, queue, sub_id, changes):
        self._store().update(project, queue, sub_id, changes)

    @errors.swift_errors
    def confirm(self, project, queue, sub_id, confirmed):
        self._store().confirm(project, queue, sub_id, confirmed)

    @errors.swift_errors
    def delete(self, project, queue, sub_id):
        return self._store().delete(project, queue, sub_id)
