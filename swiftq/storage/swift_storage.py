"""swiftq's storage: the Zaqar v2 resources mapped onto one Swift account.

``SwiftStorage`` only composes the controllers, one per resource:

* ``catalog.Queues``: queue containers, metadata (cached per process),
  stats and purges;
* ``messages.Messages``: posts, reads (``message_reads``), deletions and
  pops;
* ``claims.Claims``: claims, where the claim protocol's parts meet
  (``stripes``, ``holder``, ``watch``);
* ``subscriptions.Subscriptions``.

Topics are the same three controllers (``topics``, ``topic_messages``,
``topic_subscriptions``) over the topics' containers (``naming.TOPICS``).

What they share lives once per process in ``process.ProcessParts``. Names
are in ``naming``; the protocol is in doc/source/design/claims.rst.
"""

from swiftq.storage import base
from swiftq.storage import catalog
from swiftq.storage import claims
from swiftq.storage import errors
from swiftq.storage import messages
from swiftq.storage import naming
from swiftq.storage import process
from swiftq.storage import subscriptions
from swiftq.storage import volume
from swiftq.swift.errors import SwiftUnavailable

#: Seconds the health check waits for Swift.
HEALTH_TIMEOUT = 2.0


class SwiftStorage(base.Storage):

    def __init__(self, conf):
        self._prefix = conf.swift.container_prefix
        self._process = process.PerProcess(
            lambda: process.ProcessParts(conf,
                                         self.messages.post_dead_letter))
        self.queues = catalog.Queues(self._process)
        self.messages = messages.Messages(self._process)
        self.claims = claims.Claims(self._process)
        self.subscriptions = subscriptions.Subscriptions(self._process)
        self.topics = catalog.Queues(self._process, naming.TOPICS)
        self.topic_messages = messages.Messages(self._process, naming.TOPICS)
        self.topic_subscriptions = subscriptions.Subscriptions(
            self._process, naming.TOPICS)

    def is_alive(self):
        try:
            resp = self._process.parts.swift.request(
                'HEAD', timeout=HEALTH_TIMEOUT, retries=0)
        except SwiftUnavailable:
            return False
        return resp.status // 100 == 2

    @errors.swift_errors
    def message_volume(self):
        return volume.message_volume(self._process.parts, self._prefix)

    @errors.swift_errors
    def backend_info(self):
        """Swift's storage policies, as its ``/info`` lists them:
        ``{"storage_policies": [{"name", "default"}...]}`` (``[]`` when
        the cluster does not publish its capabilities)."""
        info = self._process.parts.swift.info(timeout=HEALTH_TIMEOUT) or {}
        policies = info.get('swift', {}).get('policies', [])
        return {'storage_policies': [
            {'name': p.get('name'), 'default': bool(p.get('default'))}
            for p in policies if isinstance(p, dict)]}
