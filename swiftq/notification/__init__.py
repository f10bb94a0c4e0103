"""Delivery of posted messages to subscriptions: the ``swiftq-notifier``
daemon (doc/source/design/subscriptions.rst, "Delivery")."""
