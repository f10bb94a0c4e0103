"""The HTTP layer: Zaqar's v2 REST API over :mod:`swiftq.storage.base`.

Modules, each readable alone:

* ``hooks``: the ordered request hooks run before every resource;
* ``errors``: HTTP errors with Zaqar's titles, and the one error handler;
* ``validation``: every limit and every input rule;
* ``params``: query strings, read the way Zaqar (falcon) reads them;
* ``body``: JSON request bodies, read, checked and filtered as Zaqar does;
* ``representation``: the message, queue and link documents answered;
* ``context``: the service (conf, validator, storage) and the caller;
* ``acl``: the policy rule each resource enforces (:mod:`swiftq.policy`);
* ``signed_url``: pre-signed URLs: the share resource, a request's check;
* ``waiting``: ``?wait=N``, long polling on claims and message listings;

and one blueprint per resource:

* ``homedoc``: ``/`` and ``/v2`` (the versions and JSON-home documents);
* ``health``: ``/v2/ping`` and ``/v2/health``;
* ``queues``: ``/v2/queues``, a queue, its stats, purge and share;
* ``messages``: ``/v2/queues/{q}/messages`` and one message;
* ``claims``: ``/v2/queues/{q}/claims`` and one claim;
* ``subscriptions``: ``/v2/queues/{q}/subscriptions``, one, its confirm;
* ``openapi``: ``/v2/openapi.json``.

Nothing here knows about Swift: resources call the storage interface with
validated arguments and map its errors to statuses. The packages below
(:mod:`swiftq.storage`, :mod:`swiftq.auth`, :mod:`swiftq.policy`,
:mod:`swiftq.conf`...) never import this one, nor Flask
(``tests/unit/test_layers.py``).
"""
