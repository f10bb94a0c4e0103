"""HTTP errors, with the titles and descriptions Zaqar's clients see.

Every error leaves the service as a JSON object ``{"title": ...,
"description": ...}`` (python-zaqarclient reads both keys), but for the
bare ``{"title": "404 Not Found"}`` of a refused pre-signed URL
(:class:`SignedUrlRefused`, as Zaqar answers it). Titles are
Zaqar's (``zaqar/transport/wsgi/errors.py``) or, for errors Zaqar leaves
to falcon, falcon's ("Missing header value", "Invalid parameter",
"404 Not Found"...).

:func:`handle` is the application's only error handler: it renders
:class:`HTTPError`, werkzeug's routing errors (404, 405, 413), storage
``ServiceUnavailable`` and ``EncryptionUnavailable`` (503) and, logged,
anything unexpected (500).
"""

import functools
import json

import flask
from oslo_log import log as logging
from werkzeug import exceptions as wz_exceptions

from swiftq.api import kinds
from swiftq.api import validation
from swiftq.storage import errors as storage_errors

LOG = logging.getLogger(__name__)


class HTTPError(Exception):
    """An error answered with ``status`` and a title/description body."""

    status = 500
    title = 'Internal server error'

    def __init__(self, description=None, title=None, headers=None):
        super().__init__(description)
        self.description = description
        if title is not None:
            self.title = title
        self.headers = dict(headers or {})

    def document(self):
        return {'title': self.title, 'description': self.description}

    def to_response(self):
        body = json.dumps(self.document(), ensure_ascii=False)
        return flask.Response(body.encode('utf-8'), status=self.status,
                              headers=self.headers,
                              mimetype='application/json')


class BadRequest(HTTPError):
    status = 400
    title = '400 Bad Request'


class BadRequestAPI(BadRequest):
    """Input that breaks an API rule (limits, ranges, missing params)."""

    title = 'Invalid API request'


class BadRequestBody(BadRequest):
    """A body that cannot be read as the expected JSON document."""

    title = 'Invalid request body'


class DocumentTypeNotSupported(BadRequestBody):
    def __init__(self):
        super().__init__('Document type not supported.')


class MissingHeader(BadRequest):
    title = 'Missing header value'

    def __init__(self, header):
        super().__init__('The "%s" header is required.' % header)


class InvalidParam(BadRequest):
    """A query parameter of the wrong type (falcon's wording)."""

    title = 'Invalid parameter'

    def __init__(self, name, problem):
        super().__init__('The "%s" parameter is invalid. %s'
                         % (name, problem))


class InvalidQueueIdentification(BadRequest):
    """400 for a bad queue (or, on a topic's resource, topic) name."""

    def __init__(self):
        kind = kinds.current()
        super().__init__(kind.reword('The format of the submitted queue '
                                     'name or project id is not valid.'),
                         title=kind.reword('Invalid queue identification'))


class Unauthorized(HTTPError):
    """401: no valid credentials. Behind keystonemiddleware (keystone mode)
    the response gets its ``WWW-Authenticate`` header."""

    status = 401
    title = 'Unauthorized'

    def __init__(self, description=None):
        super().__init__(description or 'The request you have made requires '
                                        'authentication.')


class Forbidden(HTTPError):
    status = 403
    title = 'Not authorized'


class NotFound(HTTPError):
    status = 404
    title = 'Not found'


class SignedUrlRefused(HTTPError):
    """A pre-signed URL that does not verify, answered as Zaqar's
    ``verify_pre_signed_url`` answers every such failure: falcon's bare
    ``HTTPNotFound()``, a title and no description. The description given
    says what failed, for swiftq's log only."""

    status = 404
    title = '404 Not Found'

    def document(self):
        return {'title': self.title}


class RouteNotFound(HTTPError):
    status = 404
    title = '404 Not Found'

    def __init__(self):
        super().__init__('The requested resource could not be found.')


class MethodNotAllowed(HTTPError):
    status = 405
    title = '405 Method Not Allowed'

    def __init__(self, allowed):
        super().__init__('The method is not allowed for this resource.',
                         headers={'Allow': ', '.join(sorted(allowed))})


class NotAcceptable(HTTPError):
    status = 406
    title = '406 Not Acceptable'

    def __init__(self):
        super().__init__('Endpoint only serves `application/json`; '
                         'specify client-side media type support with '
                         'the "Accept" header.')

    def document(self):
        doc = super().document()
        doc['link'] = {
            'text': '14.1 Accept, Hypertext Transfer Protocol -- HTTP/1.1',
            'href': 'http://www.w3.org/Protocols/rfc2616/rfc2616-sec14.html',
            'rel': 'help',
        }
        return doc


class Conflict(HTTPError):
    status = 409
    title = 'Resource conflict'


class PayloadTooLarge(HTTPError):
    status = 413
    title = '413 Payload Too Large'

    def __init__(self, limit):
        super().__init__('Request body exceeds the maximum size of %d '
                         'bytes.' % limit)


class UnsupportedMediaType(HTTPError):
    status = 415
    title = '415 Unsupported Media Type'


class ServiceUnavailable(HTTPError):
    """Zaqar's 503: the description says what failed, then asks the client
    to retry."""

    status = 503
    title = 'Service temporarily unavailable'
    RETRY = 'Please try again in a few seconds.'

    def __init__(self, description):
        super().__init__(description + ' ' + self.RETRY)


class EncryptionUnavailable(HTTPError):
    """503 for an encrypted queue whose bodies this server cannot encrypt
    or decrypt with its keys: Zaqar's status for a failed encryptor, and
    the right class, since the fault is the service's configuration, not
    the request (no retry advice: it lasts until the operator acts)."""

    status = 503
    title = ServiceUnavailable.title


def checked(rule, *args, error=None, **kwargs):
    """Apply a validation rule; a failure is answered 400 with its
    message, titled "Invalid API request" unless ``error`` (an HTTPError
    class such as :class:`BadRequestBody`) says otherwise."""
    try:
        return rule(*args, **kwargs)
    except validation.ValidationFailed as exc:
        raise (error or BadRequestAPI)(str(exc))


#: Description of a 503 raised by a storage call in a view without one.
DEFAULT_UNAVAILABLE = 'Storage is not available.'


def unavailable(description):
    """Decorate a view: a storage ``ServiceUnavailable`` raised in it is
    answered 503 with ``description`` (Zaqar's per-action wording, e.g.
    "Queue could not be created.")."""
    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            try:
                return view(*args, **kwargs)
            except storage_errors.ServiceUnavailable as exc:
                LOG.warning('%s %s: %s', flask.request.method,
                            flask.request.path, exc)
                raise ServiceUnavailable(
                    kinds.current().reword(description)) from exc
        return wrapper
    return decorator


def _from_werkzeug(exc):
    if isinstance(exc, wz_exceptions.MethodNotAllowed):
        return MethodNotAllowed(exc.valid_methods or ())
    if isinstance(exc, wz_exceptions.NotFound):
        return RouteNotFound()
    if isinstance(exc, wz_exceptions.RequestEntityTooLarge):
        return PayloadTooLarge(flask.current_app.config['MAX_CONTENT_LENGTH'])
    error = HTTPError(exc.description, title='%d %s' % (exc.code, exc.name))
    error.status = exc.code
    return error


def handle(exc):
    """The application's error handler (registered for ``Exception``)."""
    if isinstance(exc, HTTPError):
        return exc.to_response()
    if isinstance(exc, wz_exceptions.HTTPException):
        if exc.code is None or exc.code < 400:
            return exc          # e.g. a routing redirect
        return _from_werkzeug(exc).to_response()
    if isinstance(exc, storage_errors.EncryptionUnavailable):
        LOG.error('%s %s: %s', flask.request.method, flask.request.path,
                  exc)
        return EncryptionUnavailable(exc.description).to_response()
    if isinstance(exc, storage_errors.ServiceUnavailable):
        LOG.warning('%s %s: %s', flask.request.method, flask.request.path,
                    exc)
        return ServiceUnavailable(DEFAULT_UNAVAILABLE).to_response()
    if isinstance(exc, (storage_errors.PatchConflict,
                        storage_errors.SubscriptionAlreadyExists)):
        return Conflict(str(exc)).to_response()
    if isinstance(exc, storage_errors.SubscriptionDoesNotExist):
        return NotFound(str(exc)).to_response()
    LOG.exception('Internal server error: %s %s', flask.request.method,
                  flask.request.path)
    return HTTPError('An unexpected error prevented the server from '
                     'fulfilling the request.').to_response()
