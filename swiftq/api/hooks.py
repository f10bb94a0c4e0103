"""Request hooks, run in this order before every resource (as Zaqar's
``before_hooks`` in ``zaqar/transport/wsgi/driver.py``):

0. who is calling (:mod:`swiftq.auth`): the Keystone token that
   keystonemiddleware validated, else a pre-signed URL
   (:mod:`swiftq.api.signed_url`; one that does not verify -> 404, as
   Zaqar), else -- ``auth_strategy = noauth`` only -- the
   ``X-Project-ID`` header; with Keystone, none of these -> 401
   (keystonemiddleware adds ``WWW-Authenticate``). First, as Zaqar's
   auth_token and signature check come before its other hooks;
1. a body sent as ``application/x-www-form-urlencoded`` -> 400
   "Invalid Content-Type" (Zaqar's fix for bug 1547100);
2. an ``Accept`` that does not allow JSON -> 406;
3. a body larger than ``[api] max_request_body_size`` -> 413, decided on
   Content-Length before anything is read (a chunked body, when it is
   read, is answered 413 too: see ``body.raw``) -- swiftq's own cap; the
   API's own size rules (post size, metadata size) answer 400 later;
4. ``Client-ID`` required and validated ([transport]
   ``client_id_uuid_safe``) -> 400;
5. the caller's project (the token's, the signed one, or noauth's
   ``X-Project-ID``) required, not empty, at most 256 characters -> 400;
6. the queue name of the URL (if any) -> 400 "Invalid queue
   identification".

Like Zaqar, the hooks run for unknown URLs and wrong methods too, so
those answer 404/405 only once the headers are right. (Flask matches path
and method together: with a wrong method there is no queue name to check,
so a bad name answers 405 where Zaqar answers 400.)

After every response, a body the resource did not read (a request
refused before its body mattered) is read and dropped when it is within
the cap: WSGI servers close a keep-alive connection that still holds a
large unread body (gunicorn drains at most 64 KiB), and clients reusing
it would fail on their next request.

Hooks 0, 4 and 5 skip *public* views (:func:`public`): the versions document
``/`` (as Zaqar), and -- unlike Zaqar, which wants both headers there --
``/v2`` (JSON-home) and ``/v2/ping``, so that load balancers and
monitoring can probe the service with a bare request.
"""

import flask
from werkzeug import exceptions as wz_exceptions

from swiftq import auth
from swiftq.api import context
from swiftq.api import errors
from swiftq.api import signed_url
from swiftq.api import validation


def public(view):
    """Mark a view as needing neither Client-ID nor project."""
    view.swiftq_public = True
    return view


def _is_public():
    view = flask.current_app.view_functions.get(flask.request.endpoint)
    return getattr(view, 'swiftq_public', False)


def reject_urlencoded_body():
    request = flask.request
    if not request.content_length:      # no body (None or 0)
        return
    if request.mimetype == 'application/x-www-form-urlencoded':
        raise errors.BadRequest(
            'Endpoint does not accept `application/x-www-form-urlencoded` '
            'content; currently supported media type is `application/json`; '
            'specify proper client-side media type with the "Content-Type" '
            'header.', title='Invalid Content-Type')


def require_accepts_json():
    if not flask.request.headers.get('Accept', '').strip():
        return
    if flask.request.accept_mimetypes.quality('application/json') <= 0:
        raise errors.NotAcceptable()


def limit_body_size():
    limit = context.conf().api.max_request_body_size
    length = flask.request.content_length
    if length is not None and length > limit:
        raise errors.PayloadTooLarge(limit)


def require_client_id():
    if _is_public():
        return
    client_id = flask.request.headers.get('Client-ID')
    if client_id is None:
        raise errors.MissingHeader('Client-Id')
    try:
        flask.g.client_id = context.validator().client_id(client_id)
    except validation.ValidationFailed as exc:
        raise errors.BadRequest(str(exc), title=str(exc))
    except ValueError:
        raise errors.BadRequest('Malformed hexadecimal UUID.',
                                title='Wrong UUID value')


def authenticate():
    if _is_public():
        return
    request = flask.request
    environ = request.environ
    conf = context.conf()
    caller = None
    if conf.auth_strategy == 'keystone':
        caller = auth.token_caller(environ)
    if caller is None and signed_url.present(environ):
        caller = signed_url.verify(environ, conf.signed_url.secret_key,
                                   request.method, request.path)
    if caller is None:
        if conf.auth_strategy == 'keystone':
            raise errors.Unauthorized()
        caller = auth.header_caller(environ)
    flask.g.caller = caller


def extract_project_id():
    if _is_public():
        return
    project = flask.g.caller.project_id
    if project == '':
        raise errors.BadRequest(
            'X-PROJECT-ID cannot be an empty string. Specify the right '
            'header X-PROJECT-ID and retry.',
            title='Empty project header not allowed')
    if not project:
        raise errors.BadRequest('The header X-PROJECT-ID was missing',
                                title='Project-Id Missing')
    try:
        context.validator().project_identification(project)
    except validation.ValidationFailed:
        raise errors.InvalidQueueIdentification()
    flask.g.project_id = project


def validate_queue_name():
    queue = (flask.request.view_args or {}).get('queue_name')
    if queue is None:
        return
    try:
        context.validator().queue_identification(queue, None)
    except validation.ValidationFailed:
        raise errors.InvalidQueueIdentification()


BEFORE_REQUEST = (
    authenticate,
    reject_urlencoded_body,
    require_accepts_json,
    limit_body_size,
    require_client_id,
    extract_project_id,
    validate_queue_name,
)


def drain_unread_body(response):
    length = flask.request.content_length
    if length and length <= context.conf().api.max_request_body_size:
        try:
            flask.request.get_data(cache=True)
        except wz_exceptions.ClientDisconnected:
            pass
    return response


def install(app):
    for hook in BEFORE_REQUEST:
        app.before_request(hook)
    app.after_request(drain_unread_body)
