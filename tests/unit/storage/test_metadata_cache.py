"""The per-process cache of queue metadata (and stripe counts): a stale
entry is read again by one thread while the others keep using it, rather
than every thread that notices sending its own meta GET. The Swift read is
replaced by a fake; nothing here reaches a network."""

import threading
import time

from swiftq.storage import base
from swiftq.storage import catalog
from swiftq.storage import documents

CONTAINER = 'swiftq:proj:jobs'


def test_a_stale_entry_is_read_again_by_one_thread_only(monkeypatch):
    cache = catalog.Catalog(swift=None, prefix='swiftq', default_stripes=1)
    release = threading.Event()
    reads = []

    def slow_read(swift, container, newest):
        reads.append(container)
        release.wait(5)
        return {'v': 2}, 3

    monkeypatch.setattr(documents, 'read_meta', slow_read)
    cache.remember(CONTAINER, {'v': 1}, 1, read_at=time.monotonic() -
                   base.METADATA_CACHE_SECONDS - 1)

    refresher = threading.Thread(target=cache.cached_meta,
                                 args=(CONTAINER,))
    refresher.start()
    deadline = time.monotonic() + 5
    while not reads and time.monotonic() < deadline:
        time.sleep(0.01)
    # While the first thread's read is in flight, others get the old entry
    # at once instead of reading too.
    assert [cache.cached_meta(CONTAINER) for _ in range(5)] == \
        [({'v': 1}, 1)] * 5
    assert reads == [CONTAINER]
    release.set()
    refresher.join(5)
    assert cache.cached_meta(CONTAINER) == ({'v': 2}, 3)
    assert reads == [CONTAINER]
    assert cache.layout_of(CONTAINER).count == 3


def test_a_queue_nobody_cached_is_read_by_every_asker(monkeypatch):
    cache = catalog.Catalog(swift=None, prefix='swiftq', default_stripes=1)
    monkeypatch.setattr(documents, 'read_meta',
                        lambda swift, container, newest: (None, None))
    assert cache.cached_meta(CONTAINER) == (None, None)
    assert not cache.is_cached(CONTAINER)
    assert cache.layout_of(CONTAINER).count == 1     # default_stripes
