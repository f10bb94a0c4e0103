"""Documents the API returns: messages, queues, links, JSON bodies.

Hrefs are built from the request path (PATH_INFO), as Zaqar builds them,
so they start with ``/v2/`` and python-zaqarclient can follow them.
"""

import json
from urllib import parse

import flask

from swiftq.api import context


def to_query_string(params):
    """``?k=v&...`` as falcon's ``to_query_str``: booleans as
    ``true``/``false``, lists comma-joined, values percent-encoded."""
    if not params:
        return ''
    fields = []
    for name, value in params.items():
        if value is True:
            value = 'true'
        elif value is False:
            value = 'false'
        elif isinstance(value, list):
            value = ','.join(_encode(v) for v in value)
            fields.append('%s=%s' % (_encode(name), value))
            continue
        fields.append('%s=%s' % (_encode(name), _encode(value)))
    return '?' + '&'.join(fields)


def _encode(value):
    return parse.quote(str(value), safe='~')


def next_link(path, params):
    return [{'rel': 'next', 'href': path + to_query_string(params)}]


def queue_path():
    """``/v2/queues/<name>`` of the current request."""
    return '/'.join(flask.request.path.split('/')[:4])


def message_href(base_path, message_id, claim_id=None):
    href = base_path + '/messages/' + message_id
    if claim_id:
        href += to_query_string({'claim_id': claim_id})
    return href


def _checksum(message):
    if context.conf().enable_checksum:
        return message.get('checksum')
    return None


def message(msg, base_path, claim_id=None):
    """Zaqar's ``format_message``: ``{id, href, ttl, age, body,
    checksum?}``; the href carries ``?claim_id=`` while claimed."""
    doc = {
        'id': msg['id'],
        'href': message_href(base_path, msg['id'], claim_id),
        'ttl': msg['ttl'],
        'age': msg['age'],
        'body': msg['body'],
    }
    checksum = _checksum(msg)
    if checksum:
        doc['checksum'] = checksum
    return doc


def popped_message(msg):
    """A popped message as Zaqar returns it (its storage's basic message):
    ``{id, age, ttl, claim_count, body, claim_id, checksum?}``, no href."""
    doc = {
        'id': msg['id'],
        'age': msg['age'],
        'ttl': msg['ttl'],
        'claim_count': msg.get('claim_count', 0),
        'body': msg['body'],
        'claim_id': None,
    }
    checksum = _checksum(msg)
    if checksum:
        doc['checksum'] = checksum
    return doc


def with_reserved_metadata(metadata, reserved):
    """The metadata with each reserved key that is missing or falsy shown
    with its default (Zaqar v2 does this on every read)."""
    shown = dict(metadata)
    for key, default in reserved.items():
        if not shown.get(key):
            shown[key] = default
    return shown


def json_response(document, status=200, headers=None,
                  mimetype='application/json'):
    body = json.dumps(document, ensure_ascii=False).encode('utf-8')
    return flask.Response(body, status=status, headers=headers,
                          mimetype=mimetype)


def no_content(status=204, headers=None):
    response = flask.Response(status=status, headers=headers)
    del response.headers['Content-Type']
    return response
