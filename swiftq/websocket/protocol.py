"""Zaqar's websocket frames: decoding a request, checking its shape,
building the answer (pure: no I/O).

A request is a JSON text frame or a MessagePack binary frame holding
``{"action": str, "headers": {...}, "body": {...}}``; its answer is a frame
of the same kind holding ``{"request": {"action", "body", "headers",
"api": "v2"}, "headers": {"status": N}, "body": ...}``, as Zaqar's
``zaqar.common.api.request.Request.get_request`` and
``zaqar.common.api.response.Response.get_response`` build them.

The shape of each action's frame is Zaqar's request schema
(``zaqar/api/v2/request.py``): the headers it requires, the body fields it
types. :func:`check` applies it as Zaqar's ``Handler.validate_request``
does (unknown action: ``400 {"error": "<action> is not a valid action"}``;
any other mismatch: ``400 {"error": "Schema validation failed."}``). The
rules of the API itself (names, limits, TTLs, policy) are not here: the
HTTP API applies them (:mod:`swiftq.websocket.actions`).
"""

import json

import msgpack

API = 'v2'

#: JSON type names of Zaqar's schema -> check.
_TYPES = {
    'string': lambda v: isinstance(v, str),
    'integer': lambda v: isinstance(v, int) and not isinstance(v, bool),
    'boolean': lambda v: isinstance(v, bool),
    'array': lambda v: isinstance(v, list),
    'object': lambda v: isinstance(v, dict),
}

#: Headers Zaqar's schema types (all strings).
TYPED_HEADERS = ('User-Agent', 'Date', 'Accept', 'Client-ID', 'X-Project-ID',
                 'X-Auth-Token')

NOT_A_DICT = 'Unexpected body type. Expected dict or dict like.'
SCHEMA_FAILED = 'Schema validation failed.'


class Request:
    """One decoded request frame (whatever its content), and how its
    answers echo it."""

    __slots__ = ('action', 'body', 'headers')

    def __init__(self, payload=None):
        payload = payload or {}
        self.action = payload.get('action')
        self.body = payload.get('body', {})
        self.headers = payload.get('headers') or {}

    def echo(self):
        return {'action': self.action, 'body': self.body,
                'headers': self.headers, 'api': API}


def answer(request, status, body):
    """The answer document to ``request`` (a :class:`Request`)."""
    return {'request': request.echo(), 'body': body,
            'headers': {'status': status}}


def decode(data, binary):
    """``(payload, None)`` or ``(None, error answer)`` for one frame."""
    try:
        if binary:
            payload = msgpack.unpackb(data, raw=False)
        else:
            if isinstance(data, bytes):
                data = data.decode()
            payload = json.loads(data)
    except Exception as exc:  # any decoder failure is the client's
        kind = 'binary (MessagePack)' if binary else 'text (JSON)'
        msg = "Can't decode %s request. %s: %s" % (
            kind, type(exc).__name__, exc)
        return None, answer(Request(), 400, {'error': msg})
    if not isinstance(payload, dict):
        return None, answer(Request(), 400, {'error': NOT_A_DICT})
    return payload, None


def encode(document, binary):
    """The frame data (bytes for MessagePack, str for JSON)."""
    if binary:
        return msgpack.packb(document)
    return json.dumps(document)


def _fields_match(value, types):
    return all(name not in value or _TYPES[kind](value[name])
               for name, kind in types)


def check(payload, spec):
    """None if ``payload`` has the shape ``spec`` (a
    :class:`swiftq.websocket.actions.Action`, or None for an unknown
    action) asks for, else the error body."""
    if spec is None:
        return {'error': '%s is not a valid action' % payload.get('action')}
    headers = payload.get('headers')
    ok = 'headers' in payload and isinstance(headers, dict) and \
        all(name in headers for name in spec.headers) and \
        _fields_match(headers, [(h, 'string') for h in TYPED_HEADERS])
    if ok and spec.body_required:
        ok = 'body' in payload
    if ok and 'body' in payload and (spec.fields or spec.required):
        body = payload['body']
        ok = isinstance(body, dict) and \
            all(name in body for name in spec.required) and \
            _fields_match(body, spec.fields)
    return None if ok else {'error': SCHEMA_FAILED}
