"""Zaqar's websocket actions, each as the v2 HTTP request that does the
same thing and the answer Zaqar's websocket endpoint gives.

:data:`ACTIONS` maps an action name to its :class:`Action`: the frame's
shape (Zaqar's request schema, checked by :mod:`swiftq.websocket.protocol`),
the HTTP request it becomes (method, path, which body fields go to the
query string and which to the JSON document) and how the HTTP answer is
reshaped into the body Zaqar's ``zaqar/api/v2/endpoints.py`` returns.
:func:`run` does it with a ``call(method, path, query, document)`` that
serves the HTTP request (:mod:`swiftq.websocket.bridge` runs it through the
API in process), so validation, policy, limits and storage are the HTTP
API's, written once.

Where Zaqar's websocket answers differ from its HTTP ones, the websocket's
are kept: success bodies are strings for some actions (``"Queue q
created."``), list answers have no ``links``, messages are
``{id, claim_id, ttl, age, body}`` (Zaqar's ``format_message``), errors
are ``{"exception": <the HTTP description>, "error": <Zaqar's message for
that action and status, or null>}`` (its ``error_response``), the stats of
a queue that does not exist are ``404`` with zero counts, and a
``message_get_many`` that finds nothing is ``200`` with no messages.
"""

import dataclasses
import json
import typing
import urllib.parse

#: Headers Zaqar's schema requires for the actions on queues.
CLIENT_HEADERS = ('Client-ID', 'X-Project-ID')


class Answer(typing.NamedTuple):
    """An HTTP answer: ``status``, ``headers`` (lower-case names) and the
    JSON ``document`` (None for an empty or non-JSON body)."""
    status: int
    headers: dict
    document: object


@dataclasses.dataclass(frozen=True)
class Action:
    name: str
    method: str
    path: str
    #: Body fields Zaqar's schema types, ``(name, json type)``.
    fields: tuple = ()
    required: tuple = ('queue_name',)
    headers: tuple = CLIENT_HEADERS
    body_required: bool = True
    #: ``(body field, query parameter)`` sent in the query string.
    query: tuple = ()
    #: Body fields sent as members of the JSON document.
    document: tuple = ()
    #: A body field sent as the whole JSON document.
    whole: str = None
    #: ``shape(answer, body) -> ws body`` of a 2xx answer.
    shape: typing.Callable = None
    #: Success strings by status (Zaqar's endpoints return text there).
    texts: dict = dataclasses.field(default_factory=dict)
    #: Zaqar's ``error`` member by status.
    errors: dict = dataclasses.field(default_factory=dict)


class BadField(ValueError):
    """A body value that cannot be put in an HTTP request."""


# -- answer shapes ------------------------------------------------------------
def _document(answer, body):
    return answer.document if answer.document is not None else {}


def _empty(answer, body):
    return {}


def _claim_of(href):
    query = urllib.parse.urlsplit(href or '').query
    return urllib.parse.parse_qs(query).get('claim_id', [None])[0]


def format_message(message, claim_id=None):
    """Zaqar's ``api_utils.format_message`` of one HTTP message document
    (the claim id, when not given, is the one its href carries)."""
    return {'id': message.get('id'),
            'claim_id': claim_id or _claim_of(message.get('href')),
            'ttl': message.get('ttl'), 'age': message.get('age'),
            'body': message.get('body')}


def _messages(answer, body):
    return {'messages': [format_message(m) for m in
                         (answer.document or {}).get('messages', [])]}


def _one_message(answer, body):
    return {'messages': format_message(answer.document)}


def _message_ids(answer, body):
    return {'message_ids': [href.rsplit('/', 1)[-1] for href in
                            answer.document.get('resources', [])]}


def _popped(answer, body):
    if answer.status == 204:
        return {}
    return {'messages': answer.document.get('messages', [])}


def _queues(answer, body):
    return {'queues': [{k: v for k, v in q.items() if k != 'href'}
                       for q in answer.document.get('queues', [])]}


def _claimed(answer, body):
    if answer.status == 204:
        return {'claim_id': None}
    claim_id = answer.headers.get('location', '').rsplit('/', 1)[-1]
    return {'claim_id': claim_id,
            'messages': [format_message(m, claim_id)
                         for m in answer.document.get('messages', [])]}


def _claim(answer, body):
    doc = answer.document
    return {'age': doc.get('age'), 'ttl': doc.get('ttl'),
            'messages': [format_message(m, body['claim_id'])
                         for m in doc.get('messages', [])]}


def _subscription_created(answer, body):
    return {'subscription_id': answer.document.get('subscription_id'),
            'message': 'Subscription %s created.' % body['queue_name']}


def _subscriptions(answer, body):
    return {'subscriptions': answer.document.get('subscriptions', [])}


# -- the actions --------------------------------------------------------------
_Q = '/v2/queues/{queue_name}'
_M = _Q + '/messages'
_C = _Q + '/claims'
_S = _Q + '/subscriptions'
_QN = (('queue_name', 'string'),)
_MID = _QN + (('message_id', 'string'),)
_CID = _QN + (('claim_id', 'string'),)
_SID = _QN + (('subscription_id', 'string'),)
_CLAIM_FIELDS = (('ttl', 'integer'), ('grace', 'integer'))

_TABLE = (
    # Base (Zaqar's schema has them; its endpoints do not).
    Action('get_home_doc', 'GET', '/v2', required=(), headers=(),
           body_required=False, shape=_document),
    Action('check_node_health', 'GET', '/v2/health', required=(),
           headers=(), body_required=False, shape=_document),
    Action('ping_node', 'GET', '/v2/ping', required=(), headers=(),
           body_required=False, shape=_empty),
    # Queues
    Action('queue_list', 'GET', '/v2/queues', required=(),
           body_required=False,
           fields=(('marker', 'string'), ('limit', 'integer'),
                   ('detailed', 'boolean')),
           query=(('marker', 'marker'), ('limit', 'limit'),
                  ('detailed', 'detailed')),
           shape=_queues, errors={503: 'Queues could not be listed.'}),
    Action('queue_create', 'PUT', _Q, fields=_QN, whole='metadata',
           texts={201: 'Queue {queue_name} created.',
                  204: 'Queue {queue_name} created.'},
           errors={503: 'Queue {queue_name} could not be created.'}),
    Action('queue_delete', 'DELETE', _Q, fields=_QN,
           texts={204: 'Queue {queue_name} removed.'},
           errors={503: 'Queue {queue_name} could not be deleted.'}),
    Action('queue_get', 'GET', _Q, fields=_QN, shape=_document,
           errors={404: 'Queue {queue_name} does not exist.',
                   503: 'Cannot retrieve queue {queue_name}.'}),
    Action('queue_get_stats', 'GET', _Q + '/stats', fields=_QN,
           shape=_document,
           errors={503: 'Cannot retrieve queue {queue_name} stats.'}),
    Action('queue_purge', 'POST', _Q + '/purge',
           fields=_QN + (('resource_types', 'array'),),
           document=('resource_types',), shape=_empty),
    # Messages
    Action('message_list', 'GET', _M,
           fields=_QN + (('marker', 'string'), ('limit', 'integer'),
                         ('echo', 'boolean'), ('include_claimed', 'boolean')),
           query=(('marker', 'marker'), ('limit', 'limit'), ('echo', 'echo'),
                  ('include_claimed', 'include_claimed'),
                  ('include_delayed', 'include_delayed')),
           shape=_messages),
    Action('message_get', 'GET', _M + '/{message_id}', fields=_MID,
           required=('queue_name', 'message_id'), shape=_one_message),
    Action('message_get_many', 'GET', _M,
           fields=_QN + (('message_ids', 'array'),),
           required=('queue_name', 'message_ids'),
           query=(('message_ids', 'ids'),), shape=_messages),
    Action('message_post', 'POST', _M,
           fields=_QN + (('messages', 'array'),),
           required=('queue_name', 'messages'), document=('messages',),
           shape=_message_ids),
    Action('message_delete', 'DELETE', _M + '/{message_id}',
           fields=_MID + (('claim_id', 'string'),),
           required=('queue_name', 'message_id'),
           query=(('claim_id', 'claim_id'),), shape=_empty,
           errors={400: None, 403: None}),
    Action('message_delete_many', 'DELETE', _M,
           fields=_QN + (('message_ids', 'array'), ('claim_ids', 'array'),
                         ('pop', 'integer')),
           query=(('message_ids', 'ids'), ('claim_ids', 'claim_ids'),
                  ('pop', 'pop')), shape=_popped),
    # Claims
    Action('claim_create', 'POST', _C,
           fields=_QN + (('limit', 'integer'),) + _CLAIM_FIELDS,
           query=(('limit', 'limit'),), document=('ttl', 'grace'),
           shape=_claimed),
    Action('claim_get', 'GET', _C + '/{claim_id}', fields=_CID,
           required=('queue_name', 'claim_id'), shape=_claim,
           errors={404: 'Claim {claim_id} does not exist.'}),
    Action('claim_update', 'PATCH', _C + '/{claim_id}',
           fields=_CID + (('ttl', 'integer'),),
           required=('queue_name', 'claim_id'), document=('ttl', 'grace'),
           texts={204: 'Claim {claim_id} updated.'},
           errors={404: 'Claim {claim_id} does not exist.'}),
    Action('claim_delete', 'DELETE', _C + '/{claim_id}', fields=_CID,
           required=('queue_name', 'claim_id'),
           texts={204: 'Claim {claim_id} deleted.'}),
    # Subscriptions
    Action('subscription_create', 'POST', _S,
           fields=_QN + (('subscriber', 'string'), ('ttl', 'integer'),
                         ('options', 'object')),
           document=('subscriber', 'ttl', 'options'),
           shape=_subscription_created,
           texts={409: 'Subscription {queue_name} not created.'},
           errors={503: 'Subscription {queue_name} could not be created.'}),
    Action('subscription_list', 'GET', _S, fields=_QN,
           query=(('marker', 'marker'), ('limit', 'limit')),
           shape=_subscriptions,
           errors={503: 'Subscriptions could not be listed.'}),
    Action('subscription_get', 'GET', _S + '/{subscription_id}',
           fields=_SID, required=('queue_name', 'subscription_id'),
           shape=_document,
           errors={404: 'Subscription {subscription_id} for queue '
                        '{queue_name} does not exist.',
                   503: 'Cannot retrieve subscription {subscription_id}.'}),
    Action('subscription_delete', 'DELETE', _S + '/{subscription_id}',
           fields=_SID, required=('queue_name', 'subscription_id'),
           texts={204: 'Subscription {subscription_id} removed.'},
           errors={503: 'Subscription {subscription_id} for queue '
                        '{queue_name} could not be deleted.'}),
)

AUTHENTICATE = Action('authenticate', 'GET', '', required=(),
                      headers=('X-Project-ID', 'X-Auth-Token'),
                      body_required=False)

#: Every action this transport serves, by name.
ACTIONS = {a.name: a for a in _TABLE + (AUTHENTICATE,)}

UNEXPECTED = 'Unexpected error.'


# -- HTTP request -------------------------------------------------------------
def _query_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, list):
        return ','.join(str(v) for v in value)
    return str(value)


def _path(action, body):
    values = {}
    for name in action.required:
        value = body[name]
        if '{%s}' % name not in action.path:
            continue
        if not value or '/' in value:
            raise BadField('"%s" cannot name a resource: %r.' % (name, value))
        values[name] = value
    return action.path.format(**values)


def http_request(action, body):
    """``(method, path, query string, JSON bytes or None)`` doing
    ``action`` with the frame's ``body``; raises :class:`BadField`."""
    query = urllib.parse.urlencode(
        [(param, _query_value(body[field]))
         for field, param in action.query if body.get(field) is not None],
        safe=',')
    document = None
    if action.whole is not None:
        if action.whole in body:
            document = body[action.whole]
    elif action.document and any(f in body for f in action.document):
        document = {f: body[f] for f in action.document if f in body}
    elif action.method in ('PATCH',):
        document = {}
    if document is not None:
        try:
            document = json.dumps(document).encode('utf-8')
        except (TypeError, ValueError) as exc:
            raise BadField('The body is not JSON data: %s.' % exc)
    return action.method, _path(action, body), query, document


# -- answer -------------------------------------------------------------------
def _error(action, status, document, body):
    document = document if isinstance(document, dict) else {}
    exception = document.get('description') or document.get('title') or ''
    if status == 500:
        error = UNEXPECTED
    elif status in action.errors:
        error = action.errors[status]
        error = exception if error is None else error.format(**body)
    else:
        error = None
    return {'exception': exception, 'error': error}


def reshape(action, answer, body):
    """``(status, ws body)`` of the HTTP ``answer`` to ``action``."""
    status = answer.status
    if status in action.texts:
        return status, action.texts[status].format(**body)
    if status >= 400:
        if action.name == 'message_get_many' and status == 404:
            return 200, {'messages': []}
        return status, _error(action, status, answer.document, body)
    shape = action.shape or _empty
    return status, shape(answer, body)


def _queue_missing(body, call):
    method, path, _, _ = http_request(ACTIONS['queue_get'], body)
    return call('HEAD', path, '', None).status == 404


NOT_AUTHENTIFIED = 'Not authentified.'


def _signature_refused(answer):
    # The API refuses a pre-signed request with falcon's bare 404 body
    # (swiftq.api.signed_url); its other 404s have a description.
    return answer.status == 404 and 'description' not in (
        answer.document if isinstance(answer.document, dict) else {})


def run(action, body, call, signed=False):
    """``(status, ws body)``: ``action`` done through ``call(method, path,
    query, document) -> Answer``. ``signed``: the frame is let in by its
    pre-signed URL headers alone, and answered 403 as Zaqar does if the
    API refuses them."""
    try:
        answer = call(*http_request(action, body))
    except BadField as exc:
        return 400, {'exception': str(exc), 'error': None}
    if signed and _signature_refused(answer):
        return 403, {'error': NOT_AUTHENTIFIED}
    if action.name == 'queue_get_stats' and answer.status == 200 and \
            not answer.document['messages'].get('total') and \
            _queue_missing(body, call):
        return 404, {'messages': {'claimed': 0, 'free': 0, 'total': 0}}
    return reshape(action, answer, body)
