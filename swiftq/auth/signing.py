"""Zaqar's pre-signed URL signature: signing a URL, and checking the
signed values a request presents. No HTTP here: the API's share resource
and request hook (:mod:`swiftq.api.signed_url`, which decides the
statuses) and the notifier's confirmation requests
(:mod:`swiftq.notification.confirmation`) both sign with it.

A signed URL is a document ``{"signature", "expires", "paths",
"methods", "project"}`` (:func:`create`), presented as request headers
(:func:`headers`). The signature is Zaqar's (``zaqar/common/urls.py``),
so URLs signed by Zaqar with the same ``[signed_url] secret_key`` are
valid here and python-zaqarclient's ``signed-url`` auth backend works:
the hex HMAC-SHA256, keyed with the secret, of the sorted paths joined
with ``,``, the literal two characters backslash and ``n``, the sorted
methods joined with ``,``, ``\\n`` again, the project, ``\\n``, and the
expiry as ``%Y-%m-%dT%H:%M:%S``. It is compared in constant time
(``hmac.compare_digest``).

A signed URL allows its methods on its paths and on what lies below them
(``.../messages/{id}``, ``.../claims/{id}``) until it expires.
"""

import datetime
import hashlib
import hmac

DATE_FORMAT = '%Y-%m-%dT%H:%M:%S'
DEFAULT_LIFETIME = datetime.timedelta(days=1)


class SigningError(ValueError):
    """The parameters of a URL to sign are not acceptable."""


class InvalidSignature(Exception):
    """The signed values prove nothing: no secret configured, an
    unreadable expiry, a signature that does not match them, or an
    expired URL."""


class NotCovered(Exception):
    """A valid signature that does not allow this method on this path."""


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def parse_expires(value):
    """A naive UTC datetime from an ISO 8601 string (Zaqar refuses bare
    integers with this message)."""
    if not isinstance(value, str):
        raise SigningError('`expires` should be date format, for example '
                           '2016-01-01T00:00:00')
    try:
        int(value)
    except ValueError:
        pass
    else:
        raise SigningError('`expires` should be date format, for example '
                           '2016-01-01T00:00:00, not integer value: %s'
                           % value)
    try:
        parsed = datetime.datetime.fromisoformat(value.strip())
    except ValueError:
        raise SigningError('`expires` should be date format, for example '
                           '2016-01-01T00:00:00')
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.timezone.utc).replace(
            tzinfo=None)
    return parsed


def signature(key, paths, methods, project, expires):
    """Zaqar's HMAC of a signed URL (``expires`` as DATE_FORMAT text)."""
    if isinstance(key, str):
        key = key.encode('utf-8')
    message = r'%s\n%s\n%s\n%s' % (','.join(sorted(paths)),
                                   ','.join(sorted(methods)), project,
                                   expires)
    return hmac.new(key, message.encode('utf-8'), hashlib.sha256).hexdigest()


def create(key, paths, project, expires=None, methods=None, now=None):
    """The document of a new signed URL (what ``share`` answers)."""
    methods = methods or ['GET']
    if not key:
        raise SigningError('Pre-signed URLs are not enabled: [signed_url] '
                           'secret_key is not set.')
    if not isinstance(paths, list) or not paths:
        raise SigningError('`paths` must be a non-empty list')
    if not isinstance(methods, list) or not all(
            isinstance(m, str) and m for m in methods):
        raise SigningError('`methods` should be a list')
    now = now or _utcnow()
    expires_at = now + DEFAULT_LIFETIME if expires is None else \
        parse_expires(expires)
    if expires_at <= now:
        raise SigningError('`expires` is lower than the current time')
    expires_text = expires_at.strftime(DATE_FORMAT)
    return {
        'paths': sorted(paths),
        'methods': sorted(methods),
        'project': project,
        'expires': expires_text,
        'signature': signature(key, paths, methods, project, expires_text),
    }


def headers(doc):
    """The request headers that present the signed URL ``doc``."""
    return {
        'URL-Signature': doc['signature'],
        'URL-Methods': ','.join(doc['methods']),
        'URL-Paths': ','.join(doc['paths']),
        'X-Project-ID': doc['project'],
        'URL-Expires': doc['expires'],
    }


def _covers(signed_path, path):
    """A signed path covers itself and what lies below it (one message, one
    claim), never a sibling (``.../messages`` does not cover
    ``.../messagesX``)."""
    signed_path = signed_path.rstrip('/')
    if path == signed_path:
        return True
    if not path.startswith(signed_path + '/'):
        return False
    below = path[len(signed_path) + 1:].split('/')
    return not any(segment in ('', '.', '..') for segment in below)


def check(key, signed, method, path, now=None):
    """Check the signed values a request presents (a document as
    :func:`create` makes, ``expires`` as the client sent it) for
    ``method`` on ``path``; raises :class:`InvalidSignature` or
    :class:`NotCovered`."""
    if not key:
        raise InvalidSignature('Pre-signed URLs are not enabled.')
    invalid = InvalidSignature('The pre-signed URL is invalid or has '
                               'expired.')
    try:
        expires_at = parse_expires(signed['expires'])
    except SigningError:
        raise invalid
    expected = signature(key, signed['paths'], signed['methods'],
                         signed['project'], expires_at.strftime(DATE_FORMAT))
    # compare_digest wants ASCII str or bytes: compare bytes, whatever the
    # client sent.
    if not hmac.compare_digest(expected.encode('ascii'),
                               signed['signature'].encode('utf-8',
                                                          'replace')):
        raise invalid
    if expires_at <= (now or _utcnow()):
        raise invalid
    if method not in signed['methods'] or not any(
            _covers(p, path) for p in signed['paths']):
        raise NotCovered('This pre-signed URL does not allow %s on %s.'
                         % (method, path))
