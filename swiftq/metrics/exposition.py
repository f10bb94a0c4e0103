"""Serving the metrics: the multi-process directory and the listener.

``swiftq-api`` runs gunicorn workers, each with its own figures. With
``prometheus_client``'s multi-process mode every worker writes its
figures to files in ``PROMETHEUS_MULTIPROC_DIR`` and the listener, in the
gunicorn master, sums the files of every worker, the dead ones' included
(counters never go back), and the gauges of the live ones only: the
``child_exit`` hook marks a worker dead. swiftq makes that directory
itself (:func:`prepare_multiprocess_dir`): the one in the environment if
the operator set one, emptied, else a new private one, removed at exit.

``swiftq-notifier`` is one process: its listener serves its own figures.
"""

import atexit
import glob
import logging
import os
import shutil
import tempfile

LOG = logging.getLogger(__name__)

ENV = 'PROMETHEUS_MULTIPROC_DIR'


def prepare_multiprocess_dir():
    """Make ``$PROMETHEUS_MULTIPROC_DIR`` ready for a new set of
    workers, before ``prometheus_client`` is imported; returns it.

    A directory the operator named is emptied of earlier runs' files (the
    figures restart with the service, as Prometheus expects of a
    restarted target); otherwise a private one is made and removed when
    this process exits."""
    path = os.environ.get(ENV)
    if path:
        os.makedirs(path, exist_ok=True)
        for stale in glob.glob(os.path.join(path, '*.db')):
            os.remove(stale)
    else:
        path = tempfile.mkdtemp(prefix='swiftq-metrics-')
        atexit.register(_remove_if_owner, path, os.getpid())
        os.environ[ENV] = path
    return path


def _remove_if_owner(path, owner):
    # Forked workers inherit the atexit handler: only the process that
    # made the directory (gunicorn's master) removes it.
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


def mark_worker_dead(pid):
    """gunicorn's ``child_exit``: forget the live gauges of worker
    ``pid`` (its counters stay in the sums)."""
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(pid)


def _registry():
    import prometheus_client
    from prometheus_client import multiprocess
    if not os.environ.get(ENV):
        return prometheus_client.REGISTRY
    registry = prometheus_client.CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def serve(host, port):
    """Serve the text exposition on ``host:port`` from a daemon thread
    (any path answers it); returns the server."""
    import prometheus_client
    server, _ = prometheus_client.start_http_server(port, addr=host,
                                                    registry=_registry())
    LOG.info('metrics served on %s:%d', host, port)
    return server
