"""The place where policy will be enforced.

Each resource method is decorated with Zaqar's policy rule name
(``zaqar/transport/acl.py``, ``etc/policy``: "queues:get_all",
"messages:create", "health:get"...). Until swiftq has oslo.policy, the
rule is handed to the application's ``authorize`` callable when one is
set (:class:`swiftq.api.context.Service`); none is set by default, so
everything is allowed.
"""

import functools

from swiftq.api import context


def enforce(rule):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            authorize = context.service().authorize
            if authorize is not None:
                authorize(rule)
            return view(*args, **kwargs)
        wrapper.policy_rule = rule
        return wrapper
    return decorator
