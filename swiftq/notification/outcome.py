"""What one delivery attempt came to."""

import enum


class Outcome(enum.Enum):
    #: The subscriber took it (HTTP 2xx/3xx, mail accepted).
    DELIVERED = 'delivered'
    #: A transient failure (connection error, timeout, HTTP 5xx, 408,
    #: 429, SMTP 4xx): try again per the retry policy.
    RETRY = 'retry'
    #: A permanent refusal (other HTTP 4xx, SMTP 5xx, a subscriber that
    #: cannot be reached this way): given up at once.
    REJECTED = 'rejected'


class Attempt:
    __slots__ = ('outcome', 'detail')

    def __init__(self, outcome, detail=''):
        self.outcome = outcome
        self.detail = detail

    @property
    def ok(self):
        return self.outcome is Outcome.DELIVERED

    def __repr__(self):
        return '<Attempt %s %s>' % (self.outcome.value, self.detail)
