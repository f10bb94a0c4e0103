class SwiftUnavailable(Exception):
    """Swift could not be reached, timed out, or answered 5xx after the
    allowed retries."""


class SwiftTimeout(SwiftUnavailable):
    """The request did not complete in time; its effect is unknown."""


class DeadlinePassed(SwiftUnavailable):
    """A request (or its retry) was not sent: its deadline had passed."""
