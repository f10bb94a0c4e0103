"""swiftq-websocket against the real local Swift (noauth): Zaqar's
websocket protocol action by action, python-zaqarclient's ws transport,
bad frames and a fuzz run.

The websocket process shares the Swift namespace of the ``swiftq_server``
fixture, so what one transport writes the other reads: the actions are the
HTTP API's, run in process. Expected bodies are those of Zaqar's
``zaqar/api/v2/endpoints.py`` and ``zaqar/transport/websocket/protocol.py``.
"""

import json
import random
import struct
import uuid

import msgpack
import pytest
import websocket

from tests.functional import websocket_server as ws_lib


@pytest.fixture(scope='module')
def ws_server(local_swift, swiftq_server, tmp_path_factory):
    server = ws_lib.WebsocketServer(
        str(tmp_path_factory.mktemp('swiftq-ws')), local_swift,
        container_prefix=swiftq_server.container_prefix,
        overrides={('websocket', 'max_frame_size'): 512 * 1024})
    yield server.start()
    server.stop()


@pytest.fixture
def client(ws_server):
    with ws_lib.Client(ws_server.url) as c:
        yield c


def status(answer):
    return answer['headers']['status']


def test_answer_envelope_echoes_the_request(client):
    answer = client.call('queue_create', {'queue_name': 'fizbat'})
    assert answer == {
        'request': {'action': 'queue_create',
                    'body': {'queue_name': 'fizbat'},
                    'headers': client.headers, 'api': 'v2'},
        'headers': {'status': 201}, 'body': 'Queue fizbat created.'}
    again = client.call('queue_create', {'queue_name': 'fizbat'})
    assert (status(again), again['body']) == (204, 'Queue fizbat created.')


def test_queues(client, api_factory):
    meta = {'node': 31, 'key': {'key3': [1, 2, 3]}}
    assert status(client.call('queue_create',
                              {'queue_name': 'q1', 'metadata': meta})) == 201
    client.call('queue_create', {'queue_name': 'q2'})
    got = client.call('queue_get', {'queue_name': 'q1'})
    assert status(got) == 200
    assert {k: got['body'][k] for k in meta} == meta
    listed = client.call('queue_list', {'limit': 5})
    assert listed['body'] == {'queues': [{'name': 'q1'}, {'name': 'q2'}]}
    detailed = client.call('queue_list', {'detailed': True, 'limit': 1})
    assert detailed['body']['queues'][0]['name'] == 'q1'
    assert detailed['body']['queues'][0]['metadata']['node'] == 31
    # The HTTP API sees the same queues: one storage, one set of rules.
    http = api_factory(project=client.project)
    assert [q['name'] for q in http.get('/v2/queues').json()['queues']] == \
        ['q1', 'q2']
    bad = client.call('queue_list', {'limit': 21})
    assert status(bad) == 400
    assert bad['body'] == {'exception': 'Limit must be at least 1 and no '
                                        'greater than 20.',
                           'error': None}
    deleted = client.call('queue_delete', {'queue_name': 'q2'})
    assert (status(deleted), deleted['body']) == (204, 'Queue q2 removed.')


def test_queue_name_rules_are_the_apis(client):
    bad = client.call('queue_create', {'queue_name': 'm@rsb@r'})
    assert status(bad) == 400
    assert bad['body']['error'] is None
    assert bad['body']['exception'] == ('The format of the submitted queue '
                                        'name or project id is not valid.')
    slash = client.call('queue_get', {'queue_name': 'q/messages'})
    assert status(slash) == 400


def test_stats_and_purge(client):
    missing = client.call('queue_get_stats', {'queue_name': 'gummybears'})
    assert (status(missing), missing['body']) == (
        404, {'messages': {'claimed': 0, 'free': 0, 'total': 0}})
    client.call('message_post', {'queue_name': 'gummybears',
                                 'messages': [{'body': 1, 'ttl': 300}] * 3})
    stats = client.call('queue_get_stats', {'queue_name': 'gummybears'})
    assert status(stats) == 200
    assert stats['body']['messages']['total'] == 3
    purged = client.call('queue_purge', {'queue_name': 'gummybears',
                                         'resource_types': ['messages']})
    assert (status(purged), purged['body']) == (204, {})
    stats = client.call('queue_get_stats', {'queue_name': 'gummybears'})
    assert (status(stats), stats['body']['messages']['total']) == (200, 0)


def test_messages(client):
    posted = client.call('message_post', {
        'queue_name': 'mq', 'messages': [{'body': {'n': i}, 'ttl': 300}
                                         for i in range(3)]})
    assert status(posted) == 201
    ids = posted['body']['message_ids']
    assert len(ids) == 3
    listed = client.call('message_list', {'queue_name': 'mq', 'echo': True})
    assert status(listed) == 200
    first = listed['body']['messages'][0]
    assert set(first) == {'id', 'claim_id', 'ttl', 'age', 'body'}
    assert (first['id'], first['claim_id'], first['body']) == \
        (ids[0], None, {'n': 0})
    # Our own messages are not listed without echo.
    assert client.call('message_list', {'queue_name': 'mq'})['body'] == {
        'messages': []}
    one = client.call('message_get', {'queue_name': 'mq',
                                      'message_id': ids[1]})
    assert one['body']['messages']['body'] == {'n': 1}
    many = client.call('message_get_many', {'queue_name': 'mq',
                                            'message_ids': ids[:2]})
    assert [m['id'] for m in many['body']['messages']] == ids[:2]
    gone = client.call('message_delete', {'queue_name': 'mq',
                                          'message_id': ids[0]})
    assert (status(gone), gone['body']) == (204, {})
    missing = client.call('message_get', {'queue_name': 'mq',
                                          'message_id': ids[0]})
    assert status(missing) == 404
    assert missing['body']['error'] is None
    assert client.call('message_get_many', {
        'queue_name': 'mq', 'message_ids': [ids[0]]})['body'] == {
            'messages': []}
    assert status(client.call('message_delete_many', {
        'queue_name': 'mq', 'message_ids': [ids[1]]})) == 204
    popped = client.call('message_delete_many', {'queue_name': 'mq',
                                                 'pop': 1})
    assert status(popped) == 200
    assert [m['body'] for m in popped['body']['messages']] == [{'n': 2}]
    too_big = client.call('message_post', {
        'queue_name': 'mq', 'messages': [{'body': 'x' * 300000, 'ttl': 60}]})
    assert status(too_big) == 400


def test_claims(client):
    empty = client.call('claim_create', {'queue_name': 'cq'})
    assert (status(empty), empty['body']) == (204, {'claim_id': None})
    client.call('message_post', {'queue_name': 'cq',
                                 'messages': [{'body': 'a', 'ttl': 300}]})
    claim = client.call('claim_create', {'queue_name': 'cq', 'ttl': 60,
                                         'grace': 60, 'limit': 5})
    assert status(claim) == 201
    claim_id = claim['body']['claim_id']
    message = claim['body']['messages'][0]
    assert (message['claim_id'], message['body']) == (claim_id, 'a')
    got = client.call('claim_get', {'queue_name': 'cq',
                                    'claim_id': claim_id})
    assert status(got) == 200
    assert set(got['body']) == {'age', 'ttl', 'messages'}
    assert got['body']['ttl'] == 60
    updated = client.call('claim_update', {'queue_name': 'cq',
                                           'claim_id': claim_id, 'ttl': 120})
    assert (status(updated), updated['body']) == (
        204, 'Claim %s updated.' % claim_id)
    unclaimed = client.call('message_delete', {'queue_name': 'cq',
                                               'message_id': message['id']})
    assert status(unclaimed) == 403
    assert unclaimed['body']['error'] == (
        'This message is claimed; it cannot be deleted without a valid '
        'claim ID.')
    deleted = client.call('claim_delete', {'queue_name': 'cq',
                                           'claim_id': claim_id})
    assert (status(deleted), deleted['body']) == (
        204, 'Claim %s deleted.' % claim_id)
    missing = client.call('claim_get', {'queue_name': 'cq',
                                        'claim_id': claim_id})
    assert status(missing) == 404
    assert missing['body']['error'] == 'Claim %s does not exist.' % claim_id


def test_subscriptions(client):
    created = client.call('subscription_create', {
        'queue_name': 'sq', 'subscriber': 'http://127.0.0.1:9/hook',
        'ttl': 3600, 'options': {}})
    assert status(created) == 201
    sub_id = created['body']['subscription_id']
    assert created['body']['message'] == 'Subscription sq created.'
    listed = client.call('subscription_list', {'queue_name': 'sq'})
    assert [s['id'] for s in listed['body']['subscriptions']] == [sub_id]
    got = client.call('subscription_get', {'queue_name': 'sq',
                                           'subscription_id': sub_id})
    assert got['body']['subscriber'] == 'http://127.0.0.1:9/hook'
    deleted = client.call('subscription_delete', {
        'queue_name': 'sq', 'subscription_id': sub_id})
    assert (status(deleted), deleted['body']) == (
        204, 'Subscription %s removed.' % sub_id)
    missing = client.call('subscription_get', {'queue_name': 'sq',
                                               'subscription_id': sub_id})
    assert status(missing) == 404
    assert missing['body']['error'] == (
        'Subscription %s for queue sq does not exist.' % sub_id)


def test_ping_health_home_and_noauth_authenticate(client):
    assert status(client.call('ping_node', {})) == 204
    home = client.call('get_home_doc', {})
    assert status(home) == 200 and 'resources' in home['body']
    assert status(client.call('check_node_health', {})) == 200
    auth = client.call('authenticate', headers=dict(
        client.headers, **{'X-Auth-Token': 'anything'}))
    assert auth == {'request': {'action': 'authenticate', 'body': {},
                                'headers': {}, 'api': 'v2'},
                    'headers': {'status': 200},
                    'body': {'message': 'Authentified.'}}


def test_messagepack_frames_get_messagepack_answers(client):
    answer = client.call('message_post', {
        'queue_name': 'binq', 'messages': [{'body': 'b', 'ttl': 60}]},
        binary=True)
    assert status(answer) == 201
    listed = client.call('message_list', {'queue_name': 'binq',
                                          'echo': True}, binary=True)
    assert listed['body']['messages'][0]['body'] == 'b'


# -- bad frames ---------------------------------------------------------------
def test_bad_frames_get_zaqars_errors(client):
    def error(answer):
        return status(answer), answer['body']

    assert error(client.send_raw('\ufeff'))[0] == 400
    assert error(client.send_raw('{'))[1]['error'].startswith(
        "Can't decode text (JSON) request. JSONDecodeError")
    assert error(client.send_raw(b'\xc1', binary=True))[1][
        'error'].startswith("Can't decode binary (MessagePack) request.")
    assert error(client.send_raw('123')) == (400, {
        'error': 'Unexpected body type. Expected dict or dict like.'})
    assert error(client.call('queue_glorify', {})) == (400, {
        'error': 'queue_glorify is not a valid action'})
    assert error(client.send_raw(json.dumps(
        {'action': ['x'], 'headers': {}}))) == (400, {
            'error': "['x'] is not a valid action"})
    failed = (400, {'error': 'Schema validation failed.'})
    assert error(client.call('queue_create', {})) == failed
    assert error(client.call('queue_create', {'queue_name': 5})) == failed
    assert error(client.call('queue_create', {'queue_name': 'a'},
                             headers={'Client-ID': 'c'})) == failed
    assert error(client.call('queue_create', None)) == failed
    assert error(client.call('message_list', {'queue_name': 'a',
                                              'limit': 'x'})) == failed
    bin_body = client.call('message_post', {
        'queue_name': 'a', 'messages': [{'body': b'\x00', 'ttl': 60}]},
        binary=True)
    assert status(bin_body) == 400
    # The socket still works.
    assert status(client.call('ping_node', {})) == 204


def test_oversized_frame_closes_only_its_socket(ws_server, client):
    big = ws_lib.Client(ws_server.url)
    try:
        big.ws.send('x' * (600 * 1024))
    except OSError:
        pass        # the server may close while the frame is being sent
    opcode, data = big.ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert struct.unpack('!H', data[:2])[0] == 1009   # message too big
    big.ws.shutdown()
    assert status(client.call('ping_node', {})) == 204


def test_fuzz_every_frame_answered(ws_server, client):
    rng = random.Random(17)
    names = ['queue_create', 'message_post', 'message_list', 'claim_create',
             'message_delete', 'queue_get_stats', 'nope', None, 7]
    values = [None, 0, -1, 2 ** 63, 1.5, True, '', 'q', 'a/b', '\u0153',
              [], [1, 'x'], {}, {'x': {'y': []}}]

    def value():
        return rng.choice(values)

    answered = 0
    for i in range(150):
        kind = rng.random()
        if kind < 0.1:
            frame = bytes(rng.randrange(256) for _ in range(rng.randrange(30)))
            answer = client.send_raw(frame, binary=True)
        elif kind < 0.2:
            answer = client.send_raw(''.join(
                rng.choice('{}[]":,0a ') for _ in range(rng.randrange(20))))
        else:
            body = {rng.choice(['queue_name', 'messages', 'limit', 'ttl',
                                'grace', 'message_id', 'claim_id', 'pop',
                                'message_ids', 'detailed']): value()
                    for _ in range(rng.randrange(5))}
            if rng.random() < 0.7:
                body['queue_name'] = rng.choice(['fz', 'f z', '', 'x' * 70])
            headers = dict(client.headers) if rng.random() < 0.9 else value()
            frame = {'action': rng.choice(names), 'headers': headers,
                     'body': body}
            answer = client.send_raw(msgpack.packb(frame), binary=True) \
                if i % 2 else client.send_raw(json.dumps(frame))
        assert 200 <= status(answer) < 500, answer
        answered += 1
    assert answered == 150
    assert ws_server.running
    assert status(client.call('ping_node', {})) == 204


# -- python-zaqarclient -------------------------------------------------------
def test_python_zaqarclient_ws_transport(ws_server):
    from zaqarclient import transport
    from zaqarclient.transport import request

    project = 'p-' + uuid.uuid4().hex[:12]
    conf = {'auth_opts': {'backend': 'noauth', 'options': {
        'os_auth_token': 'noauth', 'os_project_id': project}}}

    def req(action, body):
        return request.Request(ws_server.url, action,
                               content=json.dumps(body))

    with transport.get_transport_for(ws_server.url, options=conf) as ws:
        ws.send(req('queue_create', {'queue_name': 'zq'}))
        queues = json.loads(ws.send(req('queue_list', {})).content)
        assert queues == {'queues': [{'name': 'zq'}]}
        posted = json.loads(ws.send(req('message_post', {
            'queue_name': 'zq',
            'messages': [{'body': {'k': 1}, 'ttl': 300}]})).content)
        listed = json.loads(ws.send(req('message_list', {
            'queue_name': 'zq', 'echo': True})).content)
        assert [m['id'] for m in listed['messages']] == \
            posted['message_ids']
        claim = json.loads(ws.send(req('claim_create', {
            'queue_name': 'zq', 'ttl': 60, 'grace': 60})).content)
        message_id = claim['messages'][0]['id']
        ws.send(req('message_delete', {'queue_name': 'zq',
                                       'message_id': message_id,
                                       'claim_id': claim['claim_id']}))
        stats = json.loads(ws.send(req('queue_get_stats', {
            'queue_name': 'zq'})).content)
        assert stats['messages']['total'] == 0
        from zaqarclient.transport import errors
        with pytest.raises(errors.ResourceNotFound):
            ws.send(req('claim_get', {'queue_name': 'zq',
                                      'claim_id': 'f' * 24}))
        ws.send(req('queue_delete', {'queue_name': 'zq'}))
        assert json.loads(ws.send(req('queue_list', {})).content) == {
            'queues': []}
