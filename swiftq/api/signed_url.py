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

The signature is Zaqar's, so URLs signed by Zaqar with the same
``[signed_url] secret_key`` are valid here and python-zaqarclient's
``signed-url`` auth backend works; it is made and checked by
:mod:`swiftq.auth.signing`. This module is the HTTP side: the share
resource, reading the headers of a request, and the statuses.

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
  itself and what lies below it (``swiftq.auth.signing``).
"""

import posixpath

import flask
from oslo_log import log as logging

from swiftq import auth
from swiftq.api import body
from swiftq.api import context
from swiftq.api import errors
from swiftq.auth import keystone as keystone_auth
from swiftq.auth import signing

LOG = logging.getLogger(__name__)

SHAREABLE_PATHS = ('messages', 'subscriptions', 'claims')
_KNOWN_KEYS = frozenset(['methods', 'expires', 'paths'])


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
        doc = signing.create(key, [queue_path + '/' + p for p in paths],
                             project, expires=document.get('expires'),
                             methods=document.get('methods'))
    except signing.SigningError as exc:
        raise errors.BadRequestAPI(str(exc))
    return doc


# -- requests carrying a signature -----------------------------------------
def present(environ):
    return 'HTTP_URL_SIGNATURE' in environ


def _split(value):
    return [item.strip() for item in (value or '').split(',') if item.strip()]


def _refused(reason):
    LOG.info('Pre-signed URL refused: %s', reason)
    return errors.SignedUrlRefused(reason)


def verify(environ, key, method, path, now=None):
    """The :class:`swiftq.auth.Caller` of a request carrying
    ``URL-Signature``; raises :class:`errors.SignedUrlRefused` (404, see
    the module docstring)."""
    if keystone_auth.SIGNED_PROJECT in environ:
        project = environ[keystone_auth.SIGNED_PROJECT]
    else:
        project = environ.get('HTTP_X_PROJECT_ID')
    signed = {
        'signature': environ.get('HTTP_URL_SIGNATURE', ''),
        'expires': environ.get('HTTP_URL_EXPIRES', ''),
        'methods': _split(environ.get('HTTP_URL_METHODS')),
        'paths': _split(environ.get('HTTP_URL_PATHS')),
        'project': project,
    }
    try:
        signing.check(key, signed, method, path, now=now)
    except (signing.InvalidSignature, signing.NotCovered) as exc:
        raise _refused(str(exc))
    return auth.Caller(project, auth.SIGNED_URL)
