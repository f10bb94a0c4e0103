"""``GET /``: the versions document; ``GET /v2``: the JSON-home document.

As Zaqar: ``/`` answers ``300 Multiple Choices`` with ``{"versions":
[...]}`` (what keystoneauth's version discovery reads), and ``/v2`` (or
``/v2/``) answers the JSON-home document as ``application/json-home``,
cacheable for a day. The home document lists what Zaqar's lists
(``zaqar/transport/wsgi/v2_0/homedoc.py``) with Zaqar's href templates and
hints, but for the relations of Zaqar's ``admin_mode`` (pools and flavors,
which swiftq does not serve, and health), plus swiftq's long-polling
relations and the topics' (``rel/topic*``; Zaqar's lists none); its
subscription resources are Zaqar's (which lists no ``confirm``), their id
variable named ``subscription_id`` as in Zaqar's routes and swiftq's OpenAPI
document (Zaqar's home document says ``subscriptions_id``).
"""

import json

import flask

from swiftq.api import hooks
from swiftq.api import representation

blueprint = flask.Blueprint('homedoc', __name__)

VERSION = {
    'id': '2',
    'status': 'CURRENT',
    'updated': '2014-9-24T04:06:47Z',
    'media-types': [{
        'base': 'application/json',
        'type': 'application/vnd.openstack.messaging-v2+json',
    }],
    'links': [{'href': '/v2/', 'rel': 'self'}],
}

_JSON = {'application/json': {}}


def _resource(template, variables, allow, accept_post=False):
    hints = {'allow': allow, 'formats': _JSON}
    if accept_post:
        hints['accept-post'] = ['application/json']
    doc = {'href-template': template}
    if variables:
        doc['href-vars'] = {name: 'param/' + param
                            for name, param in variables.items()}
    doc['hints'] = hints
    return doc


_QUEUE = {'queue_name': 'queue_name'}
_CLAIM = {'queue_name': 'queue_name', 'claim_id': 'claim_id'}
_MESSAGE = {'queue_name': 'queue_name', 'message_id': 'message_id'}
_SUBSCRIPTION = {'queue_name': 'queue_name',
                 'subscription_id': 'subscription_id'}
_Q = '/v2/queues/{queue_name}'
_TOPIC = {'topic_name': 'topic_name'}
_TOPIC_MESSAGE = dict(_TOPIC, message_id='message_id')
_TOPIC_SUBSCRIPTION = dict(_TOPIC, subscription_id='subscription_id')
_T = '/v2/topics/{topic_name}'

JSON_HOME = {'resources': {
    'rel/queues': _resource(
        '/v2/queues{?marker,limit,detailed}',
        {'marker': 'marker', 'limit': 'queue_limit',
         'detailed': 'detailed'}, ['GET']),
    'rel/queue': _resource(_Q, _QUEUE, ['GET', 'PUT', 'DELETE', 'PATCH']),
    'rel/queue_stats': _resource(_Q + '/stats', _QUEUE, ['GET']),
    'rel/queue_share': _resource(_Q + '/share', _QUEUE, ['POST'], True),
    'rel/queue_purge': _resource(_Q + '/purge', _QUEUE, ['POST'], True),
    'rel/messages': _resource(
        _Q + '/messages{?marker,limit,echo,include_claimed}',
        dict(_QUEUE, marker='marker', limit='messages_limit', echo='echo',
             include_claimed='include_claimed'), ['GET']),
    'rel/post_messages': _resource(_Q + '/messages', _QUEUE, ['POST'], True),
    'rel/messages_delete': _resource(
        _Q + '/messages{?ids,pop}', dict(_QUEUE, ids='ids', pop='pop'),
        ['DELETE']),
    'rel/message_delete': _resource(
        _Q + '/messages/{message_id}{?claim}',
        dict(_MESSAGE, claim='claim_id'), ['DELETE']),
    'rel/message_get': _resource(_Q + '/messages/{message_id}', _MESSAGE,
                                 ['GET']),
    'rel/claim': _resource(_Q + '/claims/{claim_id}', _CLAIM, ['GET']),
    'rel/post_claim': _resource(_Q + '/claims{?limit}',
                                dict(_QUEUE, limit='claim_limit'), ['POST'],
                                True),
    'rel/patch_claim': _resource(_Q + '/claims/{claim_id}', _CLAIM,
                                 ['PATCH'], True),
    'rel/delete_claim': _resource(_Q + '/claims/{claim_id}', _CLAIM,
                                  ['DELETE']),
    'rel/subscriptions_get': _resource(
        _Q + '/subscriptions{?marker,limit}',
        dict(_QUEUE, marker='marker', limit='subscription_limit'), ['GET']),
    'rel/subscriptions_post': _resource(
        _Q + '/subscriptions',
        dict(_QUEUE, limit='subscription_limit'), ['POST'], True),
    'rel/subscription': _resource(
        _Q + '/subscriptions/{subscription_id}', _SUBSCRIPTION,
        ['GET', 'DELETE']),
    'rel/subscription_patch': _resource(
        _Q + '/subscriptions/{subscription_id}', _SUBSCRIPTION, ['PATCH'],
        True),
    'rel/ping': _resource('/v2/ping', None, ['GET']),
    # Topics (Zaqar has no home-document relations for them; these follow
    # the queues' names): swiftq.api.kinds.
    'rel/topics': _resource(
        '/v2/topics{?marker,limit,detailed}',
        {'marker': 'marker', 'limit': 'topic_limit',
         'detailed': 'detailed'}, ['GET']),
    'rel/topic': _resource(_T, _TOPIC, ['GET', 'PUT', 'DELETE', 'PATCH']),
    'rel/topic_stats': _resource(_T + '/stats', _TOPIC, ['GET']),
    'rel/topic_purge': _resource(_T + '/purge', _TOPIC, ['POST'], True),
    'rel/topic_messages': _resource(
        _T + '/messages{?marker,limit,echo}',
        dict(_TOPIC, marker='marker', limit='messages_limit', echo='echo'),
        ['GET']),
    'rel/topic_post_messages': _resource(_T + '/messages', _TOPIC,
                                         ['POST'], True),
    'rel/topic_messages_delete': _resource(
        _T + '/messages{?ids,pop}', dict(_TOPIC, ids='ids', pop='pop'),
        ['DELETE']),
    'rel/topic_message': _resource(
        _T + '/messages/{message_id}', _TOPIC_MESSAGE, ['GET', 'DELETE']),
    'rel/topic_subscriptions_get': _resource(
        _T + '/subscriptions{?marker,limit}',
        dict(_TOPIC, marker='marker', limit='subscription_limit'), ['GET']),
    'rel/topic_subscriptions_post': _resource(
        _T + '/subscriptions', _TOPIC, ['POST'], True),
    'rel/topic_subscription': _resource(
        _T + '/subscriptions/{subscription_id}', _TOPIC_SUBSCRIPTION,
        ['GET', 'DELETE']),
    'rel/topic_subscription_patch': _resource(
        _T + '/subscriptions/{subscription_id}', _TOPIC_SUBSCRIPTION,
        ['PATCH'], True),
    'rel/topic_subscription_confirm': _resource(
        _T + '/subscriptions/{subscription_id}/confirm',
        _TOPIC_SUBSCRIPTION, ['PUT'], True),
    # swiftq extension: long polling (swiftq.api.waiting).
    'rel/x-swiftq-wait_messages': _resource(
        _Q + '/messages{?marker,limit,echo,include_claimed,wait}',
        dict(_QUEUE, marker='marker', limit='messages_limit', echo='echo',
             include_claimed='include_claimed', wait='wait_seconds'),
        ['GET']),
    'rel/x-swiftq-wait_claim': _resource(
        _Q + '/claims{?limit,wait}',
        dict(_QUEUE, limit='claim_limit', wait='wait_seconds'), ['POST'],
        True),
}}

_HOME_BYTES = json.dumps(JSON_HOME, ensure_ascii=False,
                         indent=4).encode('utf-8')


@blueprint.get('/')
@hooks.public
def versions():
    return representation.json_response({'versions': [VERSION]},
                                        status=300)


@blueprint.get('/v2')
@blueprint.get('/v2/')
@hooks.public
def home():
    return flask.Response(_HOME_BYTES, mimetype='application/json-home',
                          headers={'Cache-Control': 'max-age=86400'})
