"""The pure half of the websocket transport: frame shapes (Zaqar's
schema), actions as HTTP requests, HTTP answers reshaped as Zaqar's
websocket endpoints answer."""

import msgpack
import pytest

from swiftq.websocket import actions
from swiftq.websocket import protocol

A = actions.ACTIONS
HEADERS = {'Client-ID': 'c', 'X-Project-ID': 'p'}


def test_zaqars_v2_actions_are_all_known():
    zaqar = {'queue_list', 'queue_create', 'queue_delete', 'queue_get',
             'queue_get_stats', 'queue_purge', 'message_list', 'message_get',
             'message_get_many', 'message_post', 'message_delete',
             'message_delete_many', 'claim_create', 'claim_get',
             'claim_update', 'claim_delete', 'subscription_create',
             'subscription_list', 'subscription_get', 'subscription_delete',
             'get_home_doc', 'check_node_health', 'ping_node',
             'authenticate'}
    assert set(A) == zaqar


@pytest.mark.parametrize('payload', [
    {'action': 'queue_create', 'headers': HEADERS},
    {'action': 'queue_create', 'headers': HEADERS, 'body': []},
    {'action': 'queue_create', 'headers': {'Client-ID': 'c'},
     'body': {'queue_name': 'q'}},
    {'action': 'queue_create', 'headers': dict(HEADERS, **{'Date': 3}),
     'body': {'queue_name': 'q'}},
    {'action': 'message_list', 'headers': HEADERS,
     'body': {'queue_name': 'q', 'echo': 'yes'}},
    {'action': 'claim_create', 'headers': HEADERS,
     'body': {'queue_name': 'q', 'limit': True}},
    {'action': 'authenticate', 'headers': HEADERS},
])
def test_schema_mismatches(payload):
    assert protocol.check(payload, A[payload['action']]) == {
        'error': 'Schema validation failed.'}


def test_schema_matches_and_unknown_actions():
    assert protocol.check({'action': 'queue_list', 'headers': HEADERS},
                          A['queue_list']) is None
    assert protocol.check({'action': 'ping_node', 'headers': {}},
                          A['ping_node']) is None
    assert protocol.check({'action': 'pool_list'}, None) == {
        'error': 'pool_list is not a valid action'}


def test_decode_errors_are_zaqars():
    _, bad = protocol.decode('[1', False)
    assert bad['headers'] == {'status': 400}
    assert bad['body']['error'].startswith(
        "Can't decode text (JSON) request. JSONDecodeError: ")
    assert bad['request'] == {'action': None, 'body': {}, 'headers': {},
                              'api': 'v2'}
    _, bad = protocol.decode(msgpack.packb([1]), True)
    assert bad['body'] == {'error': 'Unexpected body type. Expected dict or '
                                    'dict like.'}


def test_http_requests():
    assert actions.http_request(A['message_delete'], {
        'queue_name': 'q', 'message_id': 'm', 'claim_id': 'c'}) == (
            'DELETE', '/v2/queues/q/messages/m', 'claim_id=c', None)
    assert actions.http_request(A['message_list'], {
        'queue_name': 'q', 'echo': True, 'limit': 5}) == (
            'GET', '/v2/queues/q/messages', 'limit=5&echo=true', None)
    assert actions.http_request(A['queue_create'], {'queue_name': 'q'}) == (
        'PUT', '/v2/queues/q', '', None)
    with pytest.raises(actions.BadField):
        actions.http_request(A['queue_get'], {'queue_name': 'q/messages'})
    with pytest.raises(actions.BadField):
        actions.http_request(A['message_post'], {
            'queue_name': 'q', 'messages': [{'body': b'\x00'}]})


def _reshape(name, status, document=None, headers=None, **body):
    return actions.reshape(A[name], actions.Answer(
        status, headers or {}, document), body)


def test_answers_are_zaqars():
    assert _reshape('queue_create', 201, queue_name='q') == (
        201, 'Queue q created.')
    assert _reshape('queue_get', 404, {'title': 'Not found',
                                       'description': 'gone'},
                    queue_name='q') == (
        404, {'exception': 'gone', 'error': 'Queue q does not exist.'})
    assert _reshape('queue_list', 400, {'title': 'Invalid',
                                        'description': 'bad limit'}) == (
        400, {'exception': 'bad limit', 'error': None})
    assert _reshape('queue_list', 500, {'title': 'x'})[1]['error'] == \
        'Unexpected error.'
    message = {'id': 'm', 'href': '/v2/queues/q/messages/m?claim_id=c',
               'ttl': 60, 'age': 1, 'body': 'b', 'checksum': 'x'}
    assert _reshape('message_list', 200, {'messages': [message],
                                          'links': []}, queue_name='q') == (
        200, {'messages': [{'id': 'm', 'claim_id': 'c', 'ttl': 60, 'age': 1,
                            'body': 'b'}]})
    assert _reshape('claim_create', 201, {'messages': [message]},
                    {'location': '/v2/queues/q/claims/c'},
                    queue_name='q')[1]['claim_id'] == 'c'
    assert _reshape('claim_create', 204, queue_name='q') == (
        204, {'claim_id': None})
    assert _reshape('message_post', 201, {'resources': [
        '/v2/queues/q/messages/a']}, queue_name='q') == (
        201, {'message_ids': ['a']})
    assert _reshape('subscription_create', 409, {'title': 'Conflict'},
                    queue_name='q') == (409, 'Subscription q not created.')
    assert _reshape('message_get_many', 404, {'title': 'x'},
                    queue_name='q') == (200, {'messages': []})


def test_refused_signature_is_403():
    def call(*args):
        return actions.Answer(404, {}, {'title': '404 Not Found'})
    assert actions.run(A['message_list'], {'queue_name': 'q'}, call,
                       signed=True) == (403, {'error': 'Not authentified.'})
