"""The HTTP layer: Zaqar's v2 REST API over :mod:`swiftq.storage.base`.

Modules, each readable alone:

* :mod:`~swiftq.api.errors`: HTTP errors with Zaqar's titles, and the one
  handler that renders every error as ``{"title", "description"}``;
* :mod:`~swiftq.api.hooks`: the ordered request hooks (content type,
  Accept, body size, Client-ID, project, queue name);
* :mod:`~swiftq.api.validation`: every limit and every input rule;
* :mod:`~swiftq.api.params` and :mod:`~swiftq.api.body`: query strings and
  JSON bodies read the way Zaqar (falcon) reads them;
* :mod:`~swiftq.api.representation`: message, queue and link documents;
* :mod:`~swiftq.api.context`: the service (conf, validator, storage) and
  the caller (project, Client-ID); :mod:`~swiftq.api.acl`: where policy
  will be enforced (Zaqar's rule names);
* one blueprint per resource: :mod:`~swiftq.api.homedoc`,
  :mod:`~swiftq.api.health`, :mod:`~swiftq.api.queues`,
  :mod:`~swiftq.api.messages`, :mod:`~swiftq.api.claims`.

Nothing here knows about Swift: resources call the storage interface with
validated arguments and map its errors to statuses.
"""
