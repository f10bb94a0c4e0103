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
from swiftq.storage import messages
from swiftq.storage import naming
from swiftq.storage import process
from swiftq.storage import subscriptions
from swiftq.swift.errors import SwiftUnavailable

#: Seconds the health check waits for Swift.
HEALTH_TIMEOUT = 2.0


class SwiftStorage(base.Storage):

    def __init__(self, conf):
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
