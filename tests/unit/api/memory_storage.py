"""A small in-memory :class:`swiftq.storage.base.Storage` for unit tests
of the HTTP layer. It follows the interface's docstrings simply; it is
not thread-safe and never used against a real server.

Its operations are plain methods named ``<resource>_<operation>``
(``queue_create``, ``message_post``, ...), which tests may call, replace
and find in ``calls``; the contract's controllers (``storage.queues.create``
...) call them.

Time is ``self.now`` (seconds, a float the tests may advance).
"""

import hashlib
import itertools
import json
import re

from swiftq.storage import base
from swiftq.storage import errors
from swiftq.storage import health

MESSAGE_ID_RE = re.compile(r'^[0-9a-f]{24}$')
CLAIM_ID_RE = re.compile(r'^c[0-9a-f]{23}$')
SUBSCRIPTION_ID_RE = re.compile(r'^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$')


def _controller(contract, resource):
    """A class of ``contract`` (a controller of base.py) whose methods call
    MemoryStorage's ``<resource>_<method>``."""
    def calling(name):
        def method(self, *args, **kwargs):
            return getattr(self._storage, '%s_%s' % (resource, name))(
                *args, **kwargs)
        method.__name__ = name
        return method

    namespace = {name: calling(name) for name in contract.__abstractmethods__}
    namespace['__init__'] = lambda self, storage: setattr(self, '_storage',
                                                          storage)
    return type('Memory' + contract.__name__, (contract,), namespace)


_Queues = _controller(base.QueueController, 'queue')
_Messages = _controller(base.MessageController, 'message')
_Claims = _controller(base.ClaimController, 'claim')
_Subscriptions = _controller(base.SubscriptionController, 'subscription')


class MemoryStorage(base.Storage):

    def __init__(self, checksum=False):
        self.queues = _Queues(self)
        self.messages = _Messages(self)
        self.claims = _Claims(self)
        self.subscriptions = _Subscriptions(self)
        self.now = 1000.0
        self.alive = True
        self.unavailable = False     # every call raises ServiceUnavailable
        self.checksum = checksum
        self.queue_data = {}         # (project, name) -> metadata
        self.message_data = {}       # (project, name) -> [message dicts]
        self.claim_data = {}         # (project, name, claim_id) -> claim
        self.subscription_data = {}  # id -> stored subscription document
        self.calls = []
        self.waits = []              # ``wait`` of each claim or listing
        self._ids = itertools.count(1)

    def _call(self, name, *args):
        self.calls.append((name,) + args)
        if self.unavailable:
            raise errors.ServiceUnavailable('storage is down')

    # -- helpers ------------------------------------------------------------
    def _live(self, msg):
        return msg['created'] + msg['ttl'] > self.now

    def _claim_of(self, project, queue, msg):
        cid = msg.get('claim')
        claim = self.claim_data.get((project, queue, cid)) if cid else None
        if claim and claim['expires'] > self.now:
            return claim
        return None

    def _messages(self, project, queue):
        return [m for m in self.message_data.get((project, queue), [])
                if self._live(m)]

    def _public(self, project, queue, msg):
        claim = self._claim_of(project, queue, msg)
        doc = {
            'id': msg['id'], 'ttl': msg['ttl'],
            'age': int(self.now - msg['created']), 'body': msg['body'],
            'client_id': msg['client_id'],
            'claim_id': claim['id'] if claim else None,
            'claim_count': msg['claim_count'],
        }
        if self.checksum:
            digest = hashlib.md5(json.dumps(msg['body']).encode()).hexdigest()
            doc['checksum'] = 'MD5:' + digest
        return doc

    def _free(self, project, queue, msg):
        return (not self._claim_of(project, queue, msg)
                and msg['created'] + msg['delay'] <= self.now)

    # -- queues -------------------------------------------------------------
    def queue_create(self, project, name, metadata=None):
        self._call('queue_create', project, name, metadata)
        key = (project, name)
        if key in self.queue_data:
            return False          # an existing queue keeps its metadata
        self.queue_data[key] = dict(metadata or {})
        self.message_data.setdefault(key, [])
        return True

    def queue_exists(self, project, name):
        self._call('queue_exists', project, name)
        return (project, name) in self.queue_data

    def queue_get_metadata(self, project, name, fresh=True):
        self._call('queue_get_metadata', project, name)
        if (project, name) not in self.queue_data:
            raise errors.QueueDoesNotExist(name, project)
        return dict(self.queue_data[(project, name)])

    def queue_set_metadata(self, project, name, metadata):
        self._call('queue_set_metadata', project, name, metadata)
        if (project, name) not in self.queue_data:
            raise errors.QueueDoesNotExist(name, project)
        self.queue_data[(project, name)] = dict(metadata)

    def queue_update_metadata(self, project, name, update):
        self._call('queue_update_metadata', project, name)
        if (project, name) not in self.queue_data:
            raise errors.QueueDoesNotExist(name, project)
        metadata = update(dict(self.queue_data[(project, name)]))
        self.queue_data[(project, name)] = dict(metadata)
        return metadata

    def queue_list(self, project, marker=None, limit=10, detailed=False):
        self._call('queue_list', project, marker, limit, detailed)
        names = sorted(n for p, n in self.queue_data if p == project
                       and (marker is None or n > marker))[:limit]
        result = []
        for name in names:
            queue = {'name': name}
            if detailed:
                queue['metadata'] = dict(self.queue_data[(project, name)])
            result.append(queue)
        return result

    def queue_count(self, project):
        self._call('queue_count', project)
        return sum(1 for p, _ in self.queue_data if p == project)

    def queue_delete(self, project, name):
        self._call('queue_delete', project, name)
        self.queue_data.pop((project, name), None)
        self.message_data.pop((project, name), None)
        self._drop_subscriptions(project, name)

    def queue_stats(self, project, name):
        self._call('queue_stats', project, name)
        msgs = self._messages(project, name)
        claimed = sum(1 for m in msgs if self._claim_of(project, name, m))
        stats = {'claimed': claimed, 'free': len(msgs) - claimed,
                 'total': len(msgs)}
        if msgs:
            for key, msg in (('oldest', msgs[0]), ('newest', msgs[-1])):
                stats[key] = {'id': msg['id'],
                              'age': int(self.now - msg['created']),
                              'created': '2026-01-01T00:00:00Z'}
        return stats

    def queue_purge(self, project, name, resource_types):
        self._call('queue_purge', project, name, resource_types)
        if 'messages' in resource_types and \
                (project, name) in self.message_data:
            self.message_data[(project, name)] = []
        if 'subscriptions' in resource_types:
            self._drop_subscriptions(project, name)

    # -- messages -----------------------------------------------------------
    def message_post(self, project, queue, messages, client_id):
        self._call('message_post', project, queue, messages, client_id)
        self.queue_data.setdefault((project, queue), {})
        stored = self.message_data.setdefault((project, queue), [])
        ids = []
        for msg in messages:
            msg_id = '%024x' % next(self._ids)
            stored.append({'id': msg_id, 'ttl': msg['ttl'],
                           'delay': msg['delay'], 'body': msg['body'],
                           'client_id': client_id, 'created': self.now,
                           'claim': None, 'claim_count': 0})
            ids.append(msg_id)
        return ids

    def message_list(self, project, queue, client_id, marker=None, limit=10,
                     echo=False, include_claimed=False,
                     include_delayed=False, wait=0):
        """``wait`` is recorded, never waited for (the waiting is
        storage's, tested in tests/unit/storage/test_watch.py)."""
        self.waits.append(wait)
        self._call('message_list', project, queue, client_id, marker, limit,
                   echo, include_claimed, include_delayed)
        found = []
        for msg in self._messages(project, queue):
            if marker is not None and msg['id'] <= marker:
                continue
            if not echo and msg['client_id'] == client_id:
                continue
            if not include_claimed and self._claim_of(project, queue, msg):
                continue
            if (not include_delayed
                    and msg['created'] + msg['delay'] > self.now):
                continue
            found.append(msg)
        found = found[:limit]
        next_marker = found[-1]['id'] if found else None
        return [self._public(project, queue, m) for m in found], next_marker

    def _find(self, project, queue, message_id):
        for msg in self._messages(project, queue):
            if msg['id'] == message_id:
                return msg
        return None

    def message_get(self, project, queue, message_id):
        self._call('message_get', project, queue, message_id)
        msg = self._find(project, queue, message_id)
        if msg is None:
            raise errors.MessageDoesNotExist(message_id, queue, project)
        return self._public(project, queue, msg)

    def message_get_many(self, project, queue, message_ids):
        self._call('message_get_many', project, queue, message_ids)
        found = (self._find(project, queue, i) for i in message_ids)
        return [self._public(project, queue, m) for m in found if m]

    def _remove(self, project, queue, msg):
        self.message_data[(project, queue)].remove(msg)

    def message_delete(self, project, queue, message_id, claim_id=None):
        self._call('message_delete', project, queue, message_id, claim_id)
        msg = self._find(project, queue, message_id)
        if msg is None:
            return
        claim = self._claim_of(project, queue, msg)
        if claim_id is not None:
            live = self.claim_data.get((project, queue, claim_id))
            if not live or live['expires'] <= self.now:
                raise errors.ClaimDoesNotExist(claim_id, queue, project)
            if claim is None:
                raise errors.MessageNotClaimed(message_id)
        if claim is not None and claim['id'] != claim_id:
            raise errors.MessageIsClaimed(message_id)
        self._remove(project, queue, msg)

    def message_delete_many(self, project, queue, message_ids,
                            claim_ids=None):
        self._call('message_delete_many', project, queue, message_ids,
                   claim_ids)
        for message_id in message_ids:
            msg = self._find(project, queue, message_id)
            if msg is None:
                continue
            claim = self._claim_of(project, queue, msg)
            if claim and claim['id'] not in (claim_ids or ()):
                continue
            self._remove(project, queue, msg)

    def message_pop(self, project, queue, limit):
        self._call('message_pop', project, queue, limit)
        popped = [m for m in self._messages(project, queue)
                  if self._free(project, queue, m)][:limit]
        for msg in popped:
            self._remove(project, queue, msg)
        return [self._public(project, queue, m) for m in popped]

    # -- claims -------------------------------------------------------------
    def claim_create(self, project, queue, ttl, grace, limit, wait=0):
        self.waits.append(wait)
        self._call('claim_create', project, queue, ttl, grace, limit)
        free = [m for m in self._messages(project, queue)
                if self._free(project, queue, m)][:limit]
        if not free:
            return None, []
        claim_id = 'c%023x' % next(self._ids)
        self.claim_data[(project, queue, claim_id)] = {
            'id': claim_id, 'ttl': ttl, 'created': self.now,
            'expires': self.now + ttl, 'ids': [m['id'] for m in free]}
        for msg in free:
            msg['claim'] = claim_id
            msg['claim_count'] += 1
            msg['ttl'] = max(msg['ttl'],
                             int(self.now - msg['created']) + ttl + grace)
        return claim_id, [self._public(project, queue, m) for m in free]

    def _live_claim(self, project, queue, claim_id):
        claim = self.claim_data.get((project, queue, claim_id))
        if claim is None or claim['expires'] <= self.now:
            raise errors.ClaimDoesNotExist(claim_id, queue, project)
        return claim

    def claim_get(self, project, queue, claim_id):
        self._call('claim_get', project, queue, claim_id)
        claim = self._live_claim(project, queue, claim_id)
        msgs = [self._find(project, queue, i) for i in claim['ids']]
        return {'id': claim_id, 'ttl': claim['ttl'],
                'age': int(self.now - claim['created']),
                'messages': [self._public(project, queue, m)
                             for m in msgs if m]}

    def claim_update(self, project, queue, claim_id, ttl, grace):
        self._call('claim_update', project, queue, claim_id, ttl, grace)
        claim = self._live_claim(project, queue, claim_id)
        claim['ttl'] = ttl
        claim['expires'] = self.now + ttl

    def claim_delete(self, project, queue, claim_id):
        self._call('claim_delete', project, queue, claim_id)
        self.claim_data.pop((project, queue, claim_id), None)

    # -- health -------------------------------------------------------------
    def is_alive(self):
        self._call('is_alive')
        return self.alive

    def message_volume(self):
        self._call('message_volume')
        volume = {'free': 0, 'claimed': 0, 'total': 0}
        for (project, queue), stored in self.message_data.items():
            if project == health.PROBE_PROJECT:
                continue
            for msg in filter(self._live, stored):
                claimed = self._claim_of(project, queue, msg) is not None
                volume['claimed' if claimed else 'free'] += 1
                volume['total'] += 1
        return volume

    # -- subscriptions --------------------------------------------------------
    def _live_subscriptions(self, project, queue):
        return [s for s in self.subscription_data.values()
                if s['project'] == project
                and s['queue'] == queue and s['expires'] > self.now]

    def _drop_subscriptions(self, project, queue):
        for sub_id, sub in list(self.subscription_data.items()):
            if (sub['project'], sub['queue']) == (project, queue):
                del self.subscription_data[sub_id]

    def _subscription(self, project, queue, sub_id):
        for sub in self._live_subscriptions(project, queue):
            if sub['id'] == sub_id:
                return sub
        raise errors.SubscriptionDoesNotExist(sub_id)

    def _subscriber_taken(self, project, queue, subscriber, sub_id=None):
        for sub in self._live_subscriptions(project, queue):
            if sub['subscriber'] == subscriber and sub['id'] != sub_id:
                raise errors.SubscriptionAlreadyExists(dict(sub))

    def subscription_create(self, project, queue, subscriber, ttl, options,
                            created_trust=None):
        self._call('subscription_create', project, queue, subscriber, ttl,
                   options)
        self._subscriber_taken(project, queue, subscriber)
        sub_id = '%08x-0000-7000-8000-000000000000' % next(self._ids)
        self.subscription_data[sub_id] = {
            'id': sub_id, 'project': project, 'queue': queue,
            'container': '%s/%s' % (project, queue),
            'subscriber': subscriber, 'ttl': ttl, 'options': options,
            'created': self.now, 'expires': self.now + ttl,
            'confirmed': False}
        if created_trust:
            self.subscription_data[sub_id]['created_trust'] = created_trust
        return sub_id

    def subscription_get(self, project, queue, sub_id):
        self._call('subscription_get', project, queue, sub_id)
        return dict(self._subscription(project, queue, sub_id))

    def subscription_list(self, project, queue, marker=None, limit=10):
        self._call('subscription_list', project, queue, marker, limit)
        if marker is not None and not SUBSCRIPTION_ID_RE.match(marker):
            return []
        subs = sorted(self._live_subscriptions(project, queue),
                      key=lambda s: s['id'])
        return [dict(s) for s in subs if marker is None or s['id'] > marker
                ][:limit]

    def subscription_update(self, project, queue, sub_id, changes):
        self._call('subscription_update', project, queue, sub_id, changes)
        sub = self._subscription(project, queue, sub_id)
        if 'subscriber' in changes:
            self._subscriber_taken(project, queue, changes['subscriber'],
                                   sub_id)
        sub.update(changes)
        if 'ttl' in changes:
            sub['expires'] = self.now + changes['ttl']
        if sub.get('created_trust') and 'trust_id' not in sub['options']:
            sub['options'] = dict(sub['options'],
                                  trust_id=sub['created_trust'])

    def subscription_confirm(self, project, queue, sub_id, confirmed):
        self._call('subscription_confirm', project, queue, sub_id,
                   confirmed)
        self._subscription(project, queue, sub_id)['confirmed'] = confirmed

    def subscription_delete(self, project, queue, sub_id):
        self._call('subscription_delete', project, queue, sub_id)
        sub = self.subscription_data.get(sub_id)
        if sub and (sub['project'], sub['queue']) == (project, queue):
            del self.subscription_data[sub_id]
            return sub
        return None
