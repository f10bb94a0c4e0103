"""``?wait=N``: long polling on claims and message listings.

A swiftq extension (advertised in the home document): the request
answers as soon as there is something to return, or as it would have
without ``wait`` once N seconds have passed. Clients that never send it
(every Zaqar client) see Zaqar's behaviour unchanged.
"""

from swiftq.api import context
from swiftq.api import errors
from swiftq.api import params


def requested_wait():
    """Seconds this request may wait: 0 unless it sent ``wait``."""
    wait = params.current().get_int('wait')
    if wait is None:
        return 0
    max_wait = context.conf().long_poll.max_wait
    if not 0 <= wait <= max_wait:
        raise errors.InvalidParam(
            'wait', 'The value must be at least 0 and may not be greater '
            'than %d.' % max_wait)
    return wait
