"""Authorization: each resource method names Zaqar's policy rule.

::

    @acl.enforce('queues:get_all')
    def list_queues(): ...

Before the view runs, the rule is checked (oslo.policy, rules and defaults
in :mod:`swiftq.policy`) against the request's caller
(:class:`swiftq.auth.Caller`, found by the hooks) with the target
``{"project_id": <the caller's project>}``. A refusal is Zaqar's 403
``{"title": "Not authorized", "description": "You are not authorized to
complete this action."}``.

``auth_strategy = noauth`` enforces nothing. There the caller is whoever
the ``X-Project-ID`` header names and has no roles: enforcing would only
make the operator-only resources (``health:get``) unreachable in
development, while every project's data is already open to anyone (the
reason noauth is for development only). Zaqar's own noauth mode trusts a
client's ``X-Roles`` header instead, which protects just as little.

On a topic's resource the queue rules are the topic ones
(``queues:get`` -> ``topics:get``, :mod:`swiftq.api.kinds`).

An application may set its own ``authorize(rule)`` callable
(:class:`swiftq.api.context.Service`); it then replaces the policy check
(tests use it to watch rule names).
"""

import functools
import threading

import flask

from swiftq.api import context
from swiftq.api import errors
from swiftq.api import kinds

#: Key of the application's policy enforcer in ``app.extensions``.
EXTENSION = 'swiftq.policy'
_lock = threading.Lock()


def forbidden():
    return errors.Forbidden('You are not authorized to complete this '
                            'action.')


def _enforcer():
    app = flask.current_app
    enforcer = app.extensions.get(EXTENSION)
    if enforcer is None:
        with _lock:
            enforcer = app.extensions.get(EXTENSION)
            if enforcer is None:
                from swiftq import policy
                enforcer = policy.make_enforcer(context.conf())
                app.extensions[EXTENSION] = enforcer
    return enforcer


def check_policy(rule):
    """Raise 403 unless the caller of this request may use ``rule``."""
    if context.conf().auth_strategy == 'noauth':
        return
    caller = flask.g.get('caller')
    creds = caller.policy_values() if caller is not None else {}
    target = {'project_id': caller.project_id if caller else None}
    if not _enforcer().authorize(rule, target, creds):
        raise forbidden()


def enforce(rule):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            authorize = context.service().authorize or check_policy
            authorize(kinds.current().rule(rule))
            return view(*args, **kwargs)
        wrapper.policy_rule = rule
        return wrapper
    return decorator
