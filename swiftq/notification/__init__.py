"""Delivery of posted messages to subscriptions: the ``swiftq-notifier``
daemon (doc/source/design/subscriptions.rst, "Delivery").

* ``notifier``: its passes over the subscribed queues, batch by batch;
* ``index``: the notifier's view of the subscription index;
* ``cursor``: a queue's durable delivery progress (its ``notify`` object);
* ``payload``: the notifications of one segment, shaped as Zaqar's;
* ``confirmation``: the confirmation request of a new subscription;
* ``webhook``, ``mailto``: delivery to ``http(s)://`` and ``mailto:``;
* ``retry``: a subscription's ``_retry_policy``;
* ``outcome``: what one delivery attempt came to.
"""
