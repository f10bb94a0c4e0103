"""Pre-signed URLs: access to some of a queue's resources without a token.

A caller with a token asks for one::

    POST /v2/queues/{queue_name}/share
    {"paths": ["messages", "claims"], "methods": ["GET", "POST"],
     "expires": "2030-01-01T00:00:00"}

    200 {"signature": "<hex>", "expires": "2030-01-01T00:00:00",
         "paths": ["/v2/queues/q/claims", "/v2/queues/q/messages"],
         "methods": ["GET", "POST"], "project": "<project id>"}

``paths`` is a subset of ``messages``, ``subscriptions`` and ``claims``
(default ``["messages"]``), ``methods`` a list (default ``["GET"]``),
``expires`` an ISO 8601 time in the future (UTC when it has no offset;
default: a day from now). Anyone holding the answer may then send, with no
``X-Auth-Token``::

    URL-Signature: <signature>      URL-Expires: <expires>
    URL-Methods: GET,POST           URL-Paths: /v2/queues/q/claims,...
    X-Project-ID: <project>         Client-ID: <uuid>

and is served as that project for those methods on those paths and on
what lies below them (``.../messages/{id}``, ``.../claims/{id}``) until
``expires``.

The signature is Zaqar's (``zaqar/common/urls.py``), so URLs signed by
Zaqar with the same ``[signed_url] secret_key`` are valid here and
python-zaqarclient's ``signed-url`` auth backend works: the hex
HMAC-SHA256, keyed with the secret, of the sorted paths joined with
``,``, the literal two characters backslash and ``n``, the sorted methods
joined with ``,``, ``\\n`` again, the project, ``\\n``, and the expiry
as ``%Y-%m-%dT%H:%M:%S``. It is compared in constant time
(``hmac.compare_digest``).

A request carrying ``URL-Signature`` that does not verify is answered as
Zaqar's code answers it (``verify_pre_signed_url`` in
``zaqar/common/transport/wsgi/helpers.py``): ``404`` with falcon's bare
body ``{"title": "404 Not Found"}``, whatever failed -- no secret
configured, a method or a path that is not signed, an unreadable or
missing ``URL-Expires``, a signature that does not match (any header
changed, another project), an expired URL -- in both auth modes, and with
no ``WWW-Authenticate`` behind Keystone. swiftq's log says which
(``swiftq.api.signed_url``, INFO).

Where swiftq refuses what Zaqar's code lets through, for security, it
answers the same 404:

* an empty ``URL-Signature``: Zaqar skips the check (``if not
  signature: return``) after its auth middleware has skipped Keystone for
  any request carrying the header, so the request is served as whatever
  project ``X-Project-ID`` names;
* a path the signed ones match only as regular expressions (Zaqar uses
  ``re.search``): a signed ``/v2/queues/a.b/messages`` does not open
  queue ``axb``, nor ``/x/v2/queues/a.b/messages``; a signed path covers
  itself and what lies below it (see :func:`_covers`).
"""

import datetime
import hashlib
import hmac
import posixpath

import flask
from oslo_log import log as logging

from swiftq import auth
from swiftq.api import body
from swiftq.api import context
from swiftq.api import errors
from swiftq.auth import keystone as keystone_auth

LOG = logging.getLogger(__name__)

DATE_FORMAT = '%Y-%m-%dT%H:%M:%S'
DEFAULT_LIFETIME = datetime.timedelta(days=1)
SHAREABLE_PATHS = ('messages', 'subscriptions', 'claims')
_KNOWN_KEYS = frozenset(['methods', 'expires', 'paths'])

HEADERS = ('URL-Signature', 'URL-Expires', 'URL-Methods', 'URL-Paths')


class SigningError(ValueError):
    """The parameters of a URL to sign are not acceptable."""


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


# -- POST /v2/queues/{queue_name}/share ------------------------------------
def share(project):
    """The view's work: read the document, sign, answer 200."""
    document = body.require_object(body.deserialize())
    unknown = set(document) - _KNOWN_KEYS
    if unknown:
        raise errors.BadRequestAPI('Unknown keys: %s' % sorted(unknown))
    queue_path = posixpath.dirname(flask.request.path.rstrip('/'))
    paths = document.get('paths') or ['messages']
    if not isinstance(paths, list) or not all(isinstance(p, str)
                                              for p in paths):
        raise errors.BadRequestAPI('`paths` must be a non-empty list')
    invalid = set(paths) - set(SHAREABLE_PATHS)
    if invalid:
        raise errors.BadRequestAPI('Invalid paths: %s' % sorted(invalid))
    key = context.conf().signed_url.secret_key
    try:
        doc = create(key, [queue_path + '/' + p for p in paths], project,
                     expires=document.get('expires'),
                     methods=document.get('methods'))
    except SigningError as exc:
        raise errors.BadRequestAPI(str(exc))
    return doc


# -- requests carrying a signature -----------------------------------------
def present(environ):
    return 'HTTP_URL_SIGNATURE' in environ


def _split(value):
    return [item.strip() for item in (value or '').split(',') if item.strip()]


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


def _refused(reason):
    LOG.info('Pre-signed URL refused: %s', reason)
    return errors.SignedUrlRefused(reason)


def verify(environ, key, method, path, now=None):
    """The :class:`swiftq.auth.Caller` of a request carrying
    ``URL-Signature``; raises :class:`errors.SignedUrlRefused` (404, see
    the module docstring)."""
    if not key:
        raise _refused('[signed_url] secret_key is not set')
    if keystone_auth.SIGNED_PROJECT in environ:
        project = environ[keystone_auth.SIGNED_PROJECT]
    else:
        project = environ.get('HTTP_X_PROJECT_ID')
    given = environ.get('HTTP_URL_SIGNATURE', '')
    paths = _split(environ.get('HTTP_URL_PATHS'))
    methods = _split(environ.get('HTTP_URL_METHODS'))
    try:
        expires_at = parse_expires(environ.get('HTTP_URL_EXPIRES', ''))
    except SigningError:
        raise _refused('URL-Expires is not a date')
    expected = signature(key, paths, methods, project,
                         expires_at.strftime(DATE_FORMAT))
    # compare_digest wants ASCII str or bytes: compare bytes, whatever the
    # client sent.
    if not hmac.compare_digest(expected.encode('ascii'),
                               given.encode('utf-8', 'replace')):
        raise _refused('the signature does not match')
    if expires_at <= (now or _utcnow()):
        raise _refused('expired at %s' % expires_at.strftime(DATE_FORMAT))
    if method not in methods or not any(_covers(p, path) for p in paths):
        raise _refused('%s on %s is not signed' % (method, path))
    return auth.Caller(project, auth.SIGNED_URL)
