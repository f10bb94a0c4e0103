"""The message volume of a deployment, for the health report: the stats
of every queue of every project, summed.

It costs what a queue's stats cost (a listing and a state read per
stripe) for every queue: the health report is for operators, on demand,
not for a monitoring loop (the Prometheus metrics are). Queues are read
:data:`PARALLEL` at a time; a queue deleted meanwhile counts as empty.
Topics are left out, as Zaqar's drivers count the queues' messages only.
"""

import concurrent.futures

from swiftq.storage import errors
from swiftq.storage import health
from swiftq.storage import naming

PARALLEL = 8
PAGE = 10000


def queue_containers(swift, prefix):
    """Every queue container (stripe 0) of the deployment whose container
    prefix is ``prefix``, but the health probe's."""
    catalog = prefix + ':'
    probe = naming.catalog_prefix(prefix, health.PROBE_PROJECT)
    marker = None
    while True:
        page = swift.list_containers(prefix=catalog, marker=marker,
                                     limit=PAGE)
        for entry in page:
            if not entry['name'].startswith(probe):
                yield entry['name']
        if len(page) < PAGE:
            return
        marker = page[-1]['name']


def message_volume(parts, prefix):
    """``{'free', 'claimed', 'total'}`` over every queue (``parts``: the
    process's :class:`swiftq.storage.process.ProcessParts`)."""
    def stats(container):
        try:
            return parts.reads.stats(parts.catalog.layout_of(container))
        except errors.DoesNotExist:
            return {'free': 0, 'claimed': 0, 'total': 0}

    volume = {'free': 0, 'claimed': 0, 'total': 0}
    with concurrent.futures.ThreadPoolExecutor(
            PARALLEL, thread_name_prefix='swiftq-volume') as pool:
        for queue in pool.map(stats, queue_containers(parts.swift, prefix)):
            for key in volume:
                volume[key] += queue[key]
    return volume
