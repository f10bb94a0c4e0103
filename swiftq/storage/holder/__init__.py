"""The claim protocol: how the holder of a queue's lease changes it.

Every change to a queue (or one stripe of it) after a post is made by the
one API process that holds its lease, in these steps, one module each:

``lease.py``
    Takes, renews, shares between threads and gives back the lease
    (Fischer's timed mutual exclusion over one Swift object; the algorithm
    and why it holds are in its docstring).
``view.py``
    What the holder knows of the queue while it holds the lease: the state
    and the segment listing (``QueueView``), and the bodies of its own
    posts (``OwnPosts``).
``sync.py``
    Loads a view and keeps it in step with Swift (tail listings, late
    rows, X-Newest body reads ahead of the claims).
``writer.py``
    The operations (``QueueWriter``): claim, pop, renew, release, delete,
    bulk delete, purge, metadata update; the FIFO choice of free messages
    and dead-lettering.
``commit.py``
    Makes each change durable before it is answered (``StateWriter``):
    group commit of state PUTs, tombstone commits of deletions, the last
    write before a lease is given back.

The rules of the state itself are pure and live in
``swiftq.storage.queue_state``. The protocol, what it relies on in Swift
and which failures it survives: doc/source/design/claims.rst.
"""
