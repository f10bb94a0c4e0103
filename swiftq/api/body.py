"""Request bodies: JSON read, checked and filtered as Zaqar does.

A body must be a JSON object or array, UTF-8, with integers that fit in
64 bits (Zaqar's ``read_json``); ``NaN``/``Infinity`` are refused too.
:func:`filter_fields` keeps only the fields of a spec, typed, with
defaults (Zaqar's ``sanitize``/``filter``): a message post keeps ``ttl``,
``body`` (and ``delay``), a claim keeps ``ttl`` and ``grace``.

The whole body is read at most once; its size was capped before reading
by the hooks (``[api] max_request_body_size``).
"""

import json

import flask
from werkzeug import exceptions as wz_exceptions

from swiftq.api import errors

#: Default of a field that must be present.
REQUIRED = object()

_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1


class _IntegerOverflow(ValueError):
    pass


def _parse_int(text):
    value = int(text)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise _IntegerOverflow(text)
    return value


def _refuse_constant(name):
    raise ValueError('%s is not JSON' % name)


def raw():
    """The request body, as bytes (b'' when there is none).

    A body the WSGI server cannot read -- a malformed chunked encoding
    makes gunicorn raise ``InvalidChunkSize`` from ``wsgi.input`` -- is
    the client's error: 400 "Invalid request body", not a 500. A chunked
    body over ``[api] max_request_body_size`` is 413, as one whose
    Content-Length says so.
    """
    try:
        data = flask.request.get_data(cache=True)
        too_large = _cut_at_cap(data)
    except wz_exceptions.HTTPException:
        raise       # werkzeug's own: 413 over the size cap, 400 cut short
    except Exception as exc:    # the server's input stream gave up
        raise errors.BadRequestBody(
            'Request body could not be read.') from exc
    if too_large:
        raise errors.PayloadTooLarge(flask.request.max_content_length)
    return data


def _cut_at_cap(data):
    """Was a body without Content-Length (chunked) longer than the cap?
    werkzeug stops reading it at ``MAX_CONTENT_LENGTH`` and returns what
    it read, without an error; one more byte from the server's stream
    tells whether there was more."""
    request = flask.request
    cap = request.max_content_length
    if request.content_length is not None or cap is None or len(data) < cap:
        return False
    return bool(request.environ['wsgi.input'].read(1))


def size():
    """The body size used for Zaqar's size rules: Content-Length, or the
    bytes read when the body is chunked."""
    length = flask.request.content_length
    return length if length is not None else len(raw())


def parse(data):
    """A JSON object or array from bytes; 400 "Invalid request body"."""
    try:
        document = json.loads(data.decode('utf-8'), parse_int=_parse_int,
                              parse_constant=_refuse_constant)
    except _IntegerOverflow:
        raise errors.BadRequestBody('JSON contains integer that is too '
                                    'large.')
    except (ValueError, RecursionError):    # incl. UnicodeDecodeError;
        # RecursionError: nesting deeper than the interpreter can decode.
        raise errors.BadRequestBody('Request body could not be parsed.')
    if not isinstance(document, (dict, list)):
        raise errors.BadRequestBody('Request body could not be parsed.')
    return document


def deserialize():
    """The body as JSON; a body is required (Zaqar's ``deserialize``)."""
    data = raw()
    if not data and flask.request.content_length is None:
        raise errors.BadRequestBody('Request body can not be empty')
    return parse(data)


def require_object(document):
    if not isinstance(document, dict):
        raise errors.DocumentTypeNotSupported()
    return document


def require_array(document):
    if not isinstance(document, list):
        raise errors.DocumentTypeNotSupported()
    return document


def filter_fields(document, spec):
    """``{name: value}`` for each ``(name, type, default)`` of ``spec``;
    ``type`` may be ``'*'`` (anything), ``default`` :data:`REQUIRED`."""
    require_object(document)
    return {name: _checked_field(document, name, value_type, default)
            for name, value_type, default in spec}


def _checked_field(document, name, value_type, default):
    if name in document:
        value = document[name]
    elif default is REQUIRED:
        raise errors.BadRequestBody('Missing "%s" field.' % name)
    else:
        value = default
    if value_type == '*' or isinstance(value, value_type):
        return value
    raise errors.BadRequestBody('The value of the "%s" field must be a %s.'
                                % (name, value_type.__name__))
