"""Prometheus metrics of swiftq's processes.

* ``instruments``: the metrics themselves, and the few calls the layers
  make to feed them (:class:`~swiftq.metrics.instruments.CountingStats`
  turns a module's ``stats`` dict into counters without touching its
  logic);
* ``exposition``: the multi-process directory of ``swiftq-api``'s gunicorn
  workers and the listener that serves the text exposition.

This package sits below every other layer (storage, the Swift client and
the notifier call it): it imports nothing of swiftq and no HTTP
framework. Nothing here imports ``prometheus_client`` on import of the
package itself, because ``prometheus_client`` chooses between in-memory
and multi-process values once, when it is first imported:
``exposition.prepare_multiprocess_dir`` must run before that.

No label ever carries tenant data: routes are templates
(``/v2/queues/<queue_name>``), never paths.
"""
