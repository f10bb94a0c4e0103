"""The Swift mapping: queues, messages and claims as Swift objects.

The contract the HTTP layer uses, and where each part of it is:

``base.py``
    The contract: ``Storage`` and its four controllers.
``swift_storage.py``
    ``SwiftStorage``: composes the controllers below.
``catalog.py``
    Queues: the catalog of queue containers, the metadata cache, queue
    create/delete, stats and purge.
``messages.py``
    Messages: posts, and the message operations of the API.
``message_reads.py``
    Listings, gets and stats, read without the lease; the striped merge.
``message_format.py``
    The message dicts storage answers with, and the ids clients see.
``claims.py``
    Claims: the stripe picker, the lease holder's writer and long-poll
    waiting meet here.
``holder/``
    The claim protocol: the lease, the holder's view, its operations and
    how they are committed (see its package docstring).
``queue_state.py``
    A queue's state and its pure rules (claims, deletions, the FIFO scan).
``segments.py``
    Segment objects: the messages of one post, written once.
``documents.py``
    The ``state`` and ``meta`` documents, read and written one way.
``stripes.py``
    A queue spread over several containers, and which stripe an operation
    takes.
``watch.py``
    Long polling: the waiting requests of one queue share its watching.
``feed.py``
    Posts followed as they land, woken by the watch: what swiftq-websocket
    pushes to subscribed sockets.
``subscriptions.py``
    Subscriptions in the deployment's index container.
``process.py``
    What one process builds once: Swift client, threads, caches, leases.
``naming.py``
    Every Swift name: containers, objects, ids.
``errors.py``
    The storage layer's errors.

Design: doc/source/design/ (claims.rst, stripes.rst, subscriptions.rst,
long-poll.rst).
"""
