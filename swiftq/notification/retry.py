"""The ``_retry_policy`` of a subscription: when to try a failed delivery
again, and when to give up.

Zaqar's keys and defaults (``zaqar/common/consts.py``), with the order of
its webhook task (``zaqar/notification/tasks/webhook.py``): after the
first attempt fails,

1. ``retries_with_no_delay`` retries at once (3);
2. ``minimum_delay_retries`` retries ``minimum_delay`` seconds apart (3, 5);
3. the backoff phase: the delays of ``retry_backoff_function``
   (``linear`` by default, or ``arithmetic``, ``geometric``,
   ``exponential``) from ``minimum_delay`` up to ``maximum_delay`` (30),
   one retry after each, in steps of Zaqar's LINEAR_INTERVAL (5);
4. ``maximum_delay_retries`` retries ``maximum_delay`` seconds apart (3).

Then the delivery is given up. With the defaults: 15 attempts over about
three minutes.

Which policy applies (Zaqar's precedence): the queue's (its
``_retry_policy`` metadata) when either policy says
``ignore_subscription_override``; otherwise the subscription's
``options._retry_policy`` if it is not empty, else the queue's. The chosen
policy is taken whole, never merged key by key. A value of the wrong type
or sign falls back to its default (Zaqar validates them when they are
set; a policy stored before that must not stop deliveries).
"""

import math

RETRIES_WITH_NO_DELAY = 3
MINIMUM_DELAY_RETRIES = 3
MINIMUM_DELAY = 5
MAXIMUM_DELAY = 30
MAXIMUM_DELAY_RETRIES = 3
LINEAR_INTERVAL = 5

LINEAR = 'linear'
ARITHMETIC = 'arithmetic'
GEOMETRIC = 'geometric'
EXPONENTIAL = 'exponential'

_DEFAULTS = {
    'retries_with_no_delay': RETRIES_WITH_NO_DELAY,
    'minimum_delay_retries': MINIMUM_DELAY_RETRIES,
    'minimum_delay': MINIMUM_DELAY,
    'maximum_delay': MAXIMUM_DELAY,
    'maximum_delay_retries': MAXIMUM_DELAY_RETRIES,
}


def _linear(minimum, maximum, step):
    return list(range(minimum, maximum, step))


def _steps(minimum, maximum, step):
    return int((maximum - minimum) / step)


def _ratio(minimum, maximum, count):
    return math.pow(10, math.log10(maximum / minimum) / (count - 1))


def _geometric(minimum, maximum, step):
    count = _steps(minimum, maximum, step)
    if count < 2 or minimum <= 0:
        return [minimum] * count
    k = _ratio(minimum, maximum, count)
    return [int(minimum * math.pow(k, a - 1)) for a in range(1, count + 1)]


def _exponential(minimum, maximum, step):
    count = _steps(minimum, maximum, step)
    if count < 2 or minimum <= 0:
        return [minimum] * count
    k = _ratio(minimum, maximum, count)
    p = minimum / k
    return [int(p * math.pow(k, a)) for a in range(1, count + 1)]


def _arithmetic(minimum, maximum, step):
    count = _steps(minimum, maximum, step)
    if count < 2:
        return [minimum] * count
    d = 2.0 * (maximum - minimum) / (count * (count - 1))
    return [int(minimum + (a - 1) * a * d / 2) for a in range(1, count + 1)]


BACKOFF_FUNCTIONS = {
    LINEAR: _linear,
    ARITHMETIC: _arithmetic,
    GEOMETRIC: _geometric,
    EXPONENTIAL: _exponential,
}


def choose(subscription_policy, queue_policy):
    """The policy that applies, by Zaqar's precedence (module doc)."""
    sub = subscription_policy if isinstance(subscription_policy, dict) \
        else {}
    queue = queue_policy if isinstance(queue_policy, dict) else {}
    if sub.get('ignore_subscription_override') or \
            queue.get('ignore_subscription_override'):
        return queue
    return sub or queue


def _count(policy, key):
    value = policy.get(key, _DEFAULTS[key])
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return _DEFAULTS[key]
    return value


def delays(policy):
    """Seconds to wait before each retry, in order; ``len(delays(p))`` is
    the number of retries after the first attempt."""
    policy = policy if isinstance(policy, dict) else {}
    minimum = _count(policy, 'minimum_delay')
    maximum = _count(policy, 'maximum_delay')
    function = BACKOFF_FUNCTIONS.get(policy.get('retry_backoff_function'),
                                     _linear)
    try:
        backoff = function(minimum, maximum, LINEAR_INTERVAL)
    except (ValueError, ZeroDivisionError, OverflowError):
        backoff = []
    return ([0] * _count(policy, 'retries_with_no_delay') +
            [minimum] * _count(policy, 'minimum_delay_retries') +
            backoff +
            [maximum] * _count(policy, 'maximum_delay_retries'))
