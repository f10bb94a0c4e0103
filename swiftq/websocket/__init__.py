"""Zaqar's websocket transport (``swiftq-websocket``): the v2 API over a
websocket, as python-zaqarclient's ``ws://`` transport and Heat's agents
speak it.

The transport sits beside the HTTP API, not under it: every action becomes
the equivalent v2 HTTP request, served in process by the same application
(so validation, policy, limits and storage are written once), and its
answer is reshaped into the one Zaqar's websocket endpoints give.

Modules:

* ``protocol``: frames (JSON text, MessagePack binary), their shape
  (Zaqar's request schema), the answer envelope;
* ``actions``: each action as an HTTP request and its answer's shape;
* ``bridge``: the HTTP API called in process, and Keystone tokens checked
  for ``authenticate``;
* ``push``: pushed subscriptions (``subscription_create`` without a
  subscriber): the messages of the queue pushed to the socket;
* ``server``: the asyncio server (``websockets``), one session per socket,
  limits and timeouts.
"""
