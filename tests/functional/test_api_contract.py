"""The Zaqar v2 wire contract, over real HTTP, against swiftq on Swift.

The same checks as ``tests/unit/api`` (status codes, Zaqar's error titles
and descriptions, headers, hrefs, JSON shapes), made with the ``api``
fixture: a requests session on a running swiftq (Zaqar's default limits)
with its own project and Client-ID. ``api_factory`` gives more clients
(another project, another Client-ID).

Where Zaqar's docs and code disagree these tests follow the code of the
newest Zaqar release; the test docstrings say so.
"""

import json
import uuid

import pytest

PATCH_TYPE = 'application/openstack-messaging-v2.0-json-patch'
RESERVED = {
    '_default_message_ttl': 3600,
    '_max_messages_post_size': 262144,
    '_default_message_delay': 0,
    '_dead_letter_queue': None,
    '_dead_letter_queue_messages_ttl': None,
    '_max_claim_count': None,
    '_enable_encrypt_messages': False,
}


def qname(prefix='q'):
    return '%s%s' % (prefix, uuid.uuid4().hex[:8])


def assert_error(resp, status, title, description=None):
    assert resp.status_code == status, resp.text
    assert resp.headers['Content-Type'].startswith('application/json')
    doc = resp.json()
    assert doc['title'] == title, doc
    if description is not None:
        assert doc['description'] == description, doc
    return doc


def post(api, queue, *bodies, ttl=300, **kwargs):
    messages = [{'body': body, 'ttl': ttl} for body in bodies]
    return api.post('/v2/queues/%s/messages' % queue,
                    json={'messages': messages}, **kwargs)


def ids_of(resp):
    assert resp.status_code == 201, resp.text
    return resp.headers['Location'].rsplit('=', 1)[-1].split(',')


def claim_id_of(resp):
    assert resp.status_code == 201, resp.text
    return resp.headers['Location'].rsplit('/', 1)[-1]


def patch(api, queue, changes, content_type=PATCH_TYPE):
    return api.patch('/v2/queues/' + queue, data=json.dumps(changes),
                     headers={'Content-Type': content_type})


def raw(api, method, path, data, content_type='application/json'):
    return api.request(method, path, data=data,
                       headers={'Content-Type': content_type})


# ===========================================================================
# Headers and hooks
# ===========================================================================
def test_client_id_required(api):
    resp = api.get('/v2/queues', headers={'Client-ID': None})
    assert_error(resp, 400, 'Missing header value',
                 'The "Client-Id" header is required.')


@pytest.mark.parametrize('bad', ['0xdeadbeef', 'textid',
                                 '550893e0-2b6e-11e3-835a-5cf9dd72369'])
def test_client_id_must_be_a_uuid(api, bad):
    resp = api.get('/v2/queues', headers={'Client-ID': bad})
    assert_error(resp, 400, 'Wrong UUID value', 'Malformed hexadecimal UUID.')


def test_project_required(api):
    resp = api.put('/v2/queues/' + qname(), headers={'X-Project-ID': None})
    assert_error(resp, 400, 'Project-Id Missing',
                 'The header X-PROJECT-ID was missing')


def test_project_not_empty(api):
    resp = api.put('/v2/queues/' + qname(), headers={'X-Project-ID': ''})
    assert_error(resp, 400, 'Empty project header not allowed',
                 'X-PROJECT-ID cannot be an empty string. Specify the right '
                 'header X-PROJECT-ID and retry.')


def test_project_length(api):
    resp = api.put('/v2/queues/' + qname(),
                   headers={'X-Project-ID': 'JAM Project' * 24})
    assert_error(resp, 400, 'Invalid queue identification',
                 'The format of the submitted queue name or project id is '
                 'not valid.')


def test_accept_must_allow_json(api):
    resp = api.get('/v2/queues', headers={'Accept': 'application/xml'})
    assert_error(resp, 406, '406 Not Acceptable',
                 'Endpoint only serves `application/json`; specify '
                 'client-side media type support with the "Accept" header.')


def test_urlencoded_body_refused(api):
    resp = raw(api, 'POST', '/v2/queues/%s/messages' % qname(), 'a=b',
               'application/x-www-form-urlencoded')
    assert_error(resp, 400, 'Invalid Content-Type')


@pytest.mark.parametrize('name', ['Nice-Bo@t', '_' + 'niceboat' * 8,
                                  'non-ascii-n%C5%93me'])
def test_invalid_queue_names(api, name):
    for method, suffix in (('PUT', ''), ('POST', '/messages'),
                           ('GET', '/messages'), ('POST', '/claims'),
                           ('GET', '/stats'), ('DELETE', '')):
        resp = api.request(method, '/v2/queues/' + name + suffix)
        assert_error(resp, 400, 'Invalid queue identification',
                     'The format of the submitted queue name or project id '
                     'is not valid.')


def test_valid_queue_names(api):
    """Zaqar's code allows '.' although its message does not say so."""
    for name in ('Nice-Boat_2', 'Service.test_queue', 'v' * 64):
        assert api.put('/v2/queues/' + name).status_code == 201
        assert api.delete('/v2/queues/' + name).status_code == 204


def test_connection_reusable_after_refused_large_body(api):
    """A body refused unread (here: bad queue name) is drained, so the
    keep-alive connection serves the next request."""
    data = json.dumps({'messages': [{'body': 'x' * 200000}]})
    resp = raw(api, 'POST', '/v2/queues/bad@name/messages', data)
    assert resp.status_code == 400
    assert api.put('/v2/queues/' + qname()).status_code == 201


def test_unknown_url_is_json_404(api):
    assert_error(api.get('/v2/nothing'), 404, '404 Not Found')


def test_wrong_method_is_json_405(api):
    resp = api.post('/v2/queues')
    assert_error(resp, 405, '405 Method Not Allowed')
    assert 'GET' in resp.headers['Allow']


# ===========================================================================
# Versions, home document, ping, health
# ===========================================================================
def test_versions(api):
    """Zaqar's code answers ``/`` with 300 and the versions list."""
    resp = api.get('/', headers={'Client-ID': None, 'X-Project-ID': None})
    assert resp.status_code == 300
    versions = resp.json()['versions']
    assert versions[0]['id'] == '2'
    assert versions[0]['links'] == [{'href': '/v2/', 'rel': 'self'}]


@pytest.mark.parametrize('path', ['/v2', '/v2/'])
def test_home_document(api, path):
    resp = api.get(path)
    assert resp.status_code == 200
    assert resp.headers['Content-Type'] == 'application/json-home'
    assert resp.headers['Cache-Control'] == 'max-age=86400'
    resources = resp.json()['resources']
    assert resources['rel/queue']['href-template'] == '/v2/queues/{queue_name}'
    assert resources['rel/queue_share']['href-template'] == \
        '/v2/queues/{queue_name}/share'


@pytest.mark.parametrize('method', ['GET', 'HEAD'])
def test_ping(api, method):
    resp = api.request(method, '/v2/ping')
    assert resp.status_code == 204
    assert resp.content == b''


def test_health(api):
    resp = api.get('/v2/health')
    assert resp.status_code == 200
    assert resp.json()['storage_reachable'] is True


# ===========================================================================
# Queues
# ===========================================================================
def test_queue_lifecycle(api):
    queue = qname()
    path = '/v2/queues/' + queue
    resp = api.get(path + '/stats')
    assert resp.status_code == 200

    resp = api.put(path, json={'messages': {'ttl': 600}})
    assert resp.status_code == 201
    assert resp.headers['Location'] == path

    resp = api.get(path)
    assert resp.status_code == 200
    assert resp.json() == dict(RESERVED, messages={'ttl': 600})

    assert api.put(path).status_code == 204
    assert api.delete(path).status_code == 204
    assert api.delete(path).status_code == 204
    assert api.get(path + '/stats').json() == {
        'messages': {'claimed': 0, 'free': 0, 'total': 0}}


def test_get_missing_queue_is_defaults(api):
    """Zaqar v2 never answers 404 to a queue GET."""
    resp = api.get('/v2/queues/' + qname())
    assert resp.status_code == 200
    assert resp.json() == RESERVED


def test_head_queue(api):
    queue = qname()
    assert api.head('/v2/queues/' + queue).status_code == 404
    api.put('/v2/queues/' + queue)
    assert api.head('/v2/queues/' + queue).status_code == 204


@pytest.mark.parametrize('document', ['{', '.', '  '])
def test_bad_metadata(api, document):
    resp = raw(api, 'PUT', '/v2/queues/' + qname(), document)
    assert_error(resp, 400, 'Invalid request body',
                 'Request body could not be parsed.')


def test_metadata_must_be_an_object(api):
    resp = raw(api, 'PUT', '/v2/queues/' + qname(), '[]')
    assert_error(resp, 400, 'Invalid request body',
                 'Document type not supported.')


def test_metadata_size(api):
    queue = qname()
    doc = '{"messages": {"ttl": 600}, "padding": "%s"}'
    exact = doc % ('x' * (65536 - len(doc % '')))
    assert raw(api, 'PUT', '/v2/queues/' + queue, exact).status_code == 201
    assert api.get('/v2/queues/' + queue).json()['padding'] == \
        json.loads(exact)['padding']
    resp = raw(api, 'PUT', '/v2/queues/' + queue, exact[:-2] + 'x"}')
    assert_error(resp, 400, 'Invalid API request',
                 'Queue metadata is too large. Max size: 65536')


@pytest.mark.parametrize('metadata,description', [
    ({'_default_message_ttl': 0}, '_default_message_ttl can not exceed '
     '1209600 seconds, and must be at least 60 seconds long.'),
    ({'_default_message_ttl': 59}, None),
    ({'_default_message_ttl': 1209601}, None),
    ({'_default_message_delay': 901}, 'The TTL can not exceed 900 seconds, '
     'and must be at least 0 seconds long.'),
    ({'_max_messages_post_size': 262145}, '_max_messages_post_size can not '
     'exceed 262144,  and must be at least greater than 0.'),
    ({'_max_messages_post_size': 0}, None),
    ({'_dead_letter_queue_messages_ttl': '123'},
     '_dead_letter_queue_messages_ttl must be integer.'),
    ({'_max_claim_count': '123'}, '_max_claim_count must be integer.'),
    ({'_dead_letter_queue_messages_ttl': 59}, 'The TTL for a message may '
     'not exceed 1209600 seconds, and must be at least 60 seconds long.'),
    ({'_enable_encrypt_messages': 'yes'},
     '_enable_encrypt_messages must be boolean.'),
])
def test_reserved_metadata_rules(api, metadata, description):
    resp = api.put('/v2/queues/' + qname(), json=metadata)
    assert_error(resp, 400, 'Invalid API request', description)


def test_reserved_metadata_accepted(api):
    queue = qname()
    metadata = {'_default_message_ttl': 60, '_max_messages_post_size': 255,
                '_default_message_delay': 900, '_max_claim_count': 3,
                '_dead_letter_queue': 'dlq',
                '_dead_letter_queue_messages_ttl': 120}
    assert api.put('/v2/queues/' + queue, json=metadata).status_code == 201
    assert api.get('/v2/queues/' + queue).json() == dict(RESERVED,
                                                         **metadata)


# -- listing -----------------------------------------------------------------
def test_list_queues(api, api_factory):
    # Zaqar's api-ref: 204 when empty; its code (followed): 200.
    resp = api.get('/v2/queues')
    assert resp.status_code == 200
    assert resp.json() == {'queues': [], 'links': []}

    for name, node in (('q1', 31), ('q2', 32), ('q3', 33)):
        api.put('/v2/queues/' + name, json={'node': node})
    api_factory().put('/v2/queues/q0', json={'alt': 1})

    doc = api.get('/v2/queues', params={'limit': 2}).json()
    assert doc['queues'] == [{'name': 'q1', 'href': '/v2/queues/q1'},
                             {'name': 'q2', 'href': '/v2/queues/q2'}]
    assert doc['links'] == [{'rel': 'next',
                             'href': '/v2/queues?limit=2&marker=q2'}]
    doc = api.get(doc['links'][0]['href']).json()
    assert [q['name'] for q in doc['queues']] == ['q3']
    doc = api.get(doc['links'][0]['href']).json()
    assert doc == {'queues': [], 'links': []}

    doc = api.get('/v2/queues?detailed=true').json()
    assert doc['queues'][0] == {'name': 'q1', 'href': '/v2/queues/q1',
                                'metadata': dict(RESERVED, node=31)}
    assert api.get(doc['queues'][0]['href']).json() == \
        doc['queues'][0]['metadata']


def test_list_queues_filters_and_count(api):
    api.put('/v2/queues/q1', json={'test_metadata_key1': 'value1'})
    api.put('/v2/queues/q2', json={'_max_messages_post_size': 2000})
    api.put('/v2/queues/q3', json={'test_metadata_key2': 30})

    def names(query):
        return [q['name'] for q in api.get('/v2/queues?' + query).json()[
            'queues']]

    assert names('name=q&test_metadata_key2=30') == ['q3']
    assert names('_max_messages_post_size=2000') == ['q2']
    assert names('name=q') == ['q1', 'q2', 'q3']
    assert names('node=34') == []
    assert api.get('/v2/queues?with_count=true').json()['count'] == 3


@pytest.mark.parametrize('limit', [0, 21])
def test_list_queues_limit(api, limit):
    resp = api.get('/v2/queues', params={'limit': limit})
    assert_error(resp, 400, 'Invalid API request',
                 'Limit must be at least 1 and no greater than 20.')


def test_list_queues_bad_boolean(api):
    resp = api.get('/v2/queues?detailed=maybe')
    assert_error(resp, 400, 'Invalid parameter',
                 'The "detailed" parameter is invalid. The value of the '
                 'parameter must be "true" or "false".')


# -- metadata patch ----------------------------------------------------------
def test_patch_metadata(api):
    queue = qname()
    api.put('/v2/queues/' + queue)
    resp = patch(api, queue, [
        {'op': 'add', 'path': '/metadata/key1', 'value': 1},
        {'op': 'add', 'path': '/metadata/key2', 'value': 1}])
    assert resp.status_code == 200
    assert resp.json() == dict(RESERVED, key1=1, key2=1)

    assert patch(api, queue, [{'op': 'remove', 'path':
                               '/metadata/_default_message_ttl'}]
                 ).status_code == 200
    assert patch(api, queue, [{'op': 'replace', 'path': '/metadata/key1',
                               'value': 2}]).status_code == 200
    assert patch(api, queue, [{'op': 'replace', 'path':
                               '/metadata/_default_message_ttl',
                               'value': 300}]).status_code == 200
    assert api.get('/v2/queues/' + queue).json() == dict(
        RESERVED, key1=2, key2=1, _default_message_ttl=300)

    resp = patch(api, queue, [{'op': 'replace', 'path': '/metadata/key3',
                               'value': 2}])
    assert_error(resp, 409, 'Resource conflict',
                 "Can't replace non-existent object key3.")
    resp = patch(api, queue, [{'op': 'remove', 'path': '/metadata/key3'}])
    assert_error(resp, 409, 'Resource conflict',
                 "Can't remove non-existent object key3.")


def test_patch_missing_queue(api):
    queue = qname()
    resp = patch(api, queue, [{'op': 'add', 'path': '/metadata/a',
                               'value': 1}])
    assert_error(resp, 404, 'Not found')


def test_patch_content_type(api):
    queue = qname()
    api.put('/v2/queues/' + queue)
    resp = patch(api, queue, [], content_type='application/json')
    assert_error(resp, 415, '415 Unsupported Media Type',
                 "Accepted media type for PATCH: {'Accept-Patch': "
                 "'application/openstack-messaging-v2.0-json-patch'}.")
    assert resp.headers['Accept-Patch'] == PATCH_TYPE


@pytest.mark.parametrize('changes,description', [
    ([{'op': 'add', 'path': '/a', 'value': 2}],
     "Invalid JSON pointer for this resource: '/a, e.g /metadata/key'"),
    ([{'op': 'a', 'path': '/metadata/a', 'value': 2}],
     'Invalid operation: `a`. It must be one of the following: add, remove, '
     'replace.'),
    ({'op': 'add'}, 'Document type not supported.'),
])
def test_patch_bad_documents(api, changes, description):
    queue = qname()
    api.put('/v2/queues/' + queue)
    assert_error(patch(api, queue, changes), 400, 'Invalid request body',
                 description)


# -- stats and purge ---------------------------------------------------------
def test_stats(api):
    queue = qname()
    ids = ids_of(post(api, queue, 1, 2, 3))
    claim_id_of(api.post('/v2/queues/%s/claims?limit=1' % queue))
    stats = api.get('/v2/queues/%s/stats' % queue).json()['messages']
    assert (stats['claimed'], stats['free'], stats['total']) == (1, 2, 3)
    base = '/v2/queues/%s/messages/' % queue
    assert stats['oldest']['href'] == base + ids[0]
    assert stats['newest']['href'] == base + ids[-1]
    for name in ('oldest', 'newest'):
        assert stats[name]['age'] >= 0
        assert stats[name]['created'].endswith('Z')


def test_purge(api):
    queue = qname()
    post(api, queue, 1, 2)
    resp = api.post('/v2/queues/%s/purge' % queue,
                    json={'resource_types': ['messages']})
    assert resp.status_code == 204
    stats = api.get('/v2/queues/%s/stats' % queue).json()['messages']
    assert stats['total'] == 0
    assert api.post('/v2/queues/%s/purge' % queue).status_code == 204


@pytest.mark.parametrize('document,description', [
    ({'wrong_key': ['messages']},
     'Post body must contain key "resource_types".'),
    ({'resource_types': ['wrong_value']},
     "Resource types must be a sub set of {'messages', 'subscriptions'}."),
])
def test_purge_validation(api, document, description):
    resp = api.post('/v2/queues/%s/purge' % qname(), json=document)
    assert_error(resp, 400, 'Invalid API request', description)


# ===========================================================================
# Messages
# ===========================================================================
def test_post_and_get(api, api_factory):
    queue = qname()
    path = '/v2/queues/%s/messages' % queue
    resp = api.post(path, json={'messages': [
        {'body': 239, 'ttl': 100}, {'body': {'key': 'value'}, 'ttl': 200},
        {'body': [1, 3], 'ttl': 300}]})
    ids = ids_of(resp)
    assert len(ids) == 3
    assert resp.headers['Location'] == path + '?ids=' + ','.join(ids)
    assert resp.json() == {'resources': [path + '/' + i for i in ids]}

    message = api.get(path + '/' + ids[1]).json()
    assert set(message) <= {'id', 'href', 'ttl', 'age', 'body', 'checksum'}
    assert message['id'] == ids[1]
    assert message['href'] == path + '/' + ids[1]
    assert message['ttl'] == 200
    assert message['body'] == {'key': 'value'}
    assert message['age'] >= 0

    other = api_factory()
    resp = other.get(path + '/' + ids[1])
    assert_error(resp, 404, 'Not found')

    doc = api.get(path + '?ids=' + ','.join(ids)).json()
    assert sorted(m['id'] for m in doc['messages']) == sorted(ids)
    assert {m['ttl'] for m in doc['messages']} == {100, 200, 300}
    # python-zaqarclient repeats the parameter (ids=a&ids=b).
    doc = api.get(path, params={'ids': ids}).json()
    assert sorted(m['id'] for m in doc['messages']) == sorted(ids)
    # An encoded comma is part of an id (falcon splits before decoding).
    resp = api.get(path, params={'ids': ','.join(ids)})
    assert_error(resp, 404, 'Not found')


def test_post_default_ttl_and_queue_default(api):
    queue = qname()
    path = '/v2/queues/%s/messages' % queue
    ids = ids_of(api.post(path, json={'messages': [{'body': 1}]}))
    assert api.get(path + '/' + ids[0]).json()['ttl'] == 3600
    assert patch(api, queue, [{'op': 'add', 'value': 999,
                               'path': '/metadata/_default_message_ttl'}]
                 ).status_code == 200
    ids = ids_of(api.post(path, json={'messages': [{'body': 1}]}))
    assert api.get(path + '/' + ids[0]).json()['ttl'] == 999


def test_put_existing_queue_keeps_metadata(api):
    """As Zaqar's reference (mongo) driver: PUT on an existing queue is
    204 and leaves its metadata alone (PATCH changes metadata)."""
    queue = qname()
    assert api.put('/v2/queues/' + queue, json={'a': 1}).status_code == 201
    assert api.put('/v2/queues/' + queue, json={'b': 2}).status_code == 204
    assert api.get('/v2/queues/' + queue).json() == dict(RESERVED, a=1)


def test_post_creates_queue(api):
    queue = qname()
    assert api.head('/v2/queues/' + queue).status_code == 404
    ids_of(post(api, queue, 1))
    assert api.head('/v2/queues/' + queue).status_code == 204
    assert queue in [q['name'] for q in api.get('/v2/queues').json()[
        'queues']]


def test_no_message_count_limit(api):
    """Zaqar's docs say 10 messages per post; its code limits only the
    request size."""
    ids = ids_of(post(api, qname(), *range(30)))
    assert len(ids) == 30


@pytest.mark.parametrize('document,title,description', [
    ('[', 'Invalid request body', 'Request body could not be parsed.'),
    ('123', 'Invalid request body', 'Request body could not be parsed.'),
    ('[]', 'Invalid API request',
     'No messages were found in the request body.'),
    ('{}', 'Invalid API request',
     'No messages were found in the request body.'),
    ('{"messages": []}', 'Invalid API request', 'No messages to enqueu.'),
    ('{"messages": [{"ttl": 100}]}', 'Invalid request body',
     'Missing "body" field.'),
    ('{"messages": [{"body": 1, "ttl": "x"}]}', 'Invalid request body',
     'The value of the "ttl" field must be a int.'),
    ('{"messages": [{"body": 1, "ttl": 59}]}', 'Invalid API request',
     'The TTL for a message may not exceed 1209600 seconds, and must be at '
     'least 60 seconds long.'),
    ('{"overflow": 9223372036854775808}', 'Invalid request body',
     'JSON contains integer that is too large.'),
])
def test_post_bad_documents(api, document, title, description):
    resp = raw(api, 'POST', '/v2/queues/%s/messages' % qname(), document)
    assert_error(resp, 400, title, description)


def test_post_size_limits(api):
    queue = qname()
    path = '/v2/queues/%s/messages' % queue
    doc = json.dumps({'messages': [{'body': 'some body', 'ttl': 100}] * 20},
                     indent=4)
    assert raw(api, 'POST', path,
               doc + ' ' * (262144 - len(doc))).status_code == 201
    resp = raw(api, 'POST', path, doc + ' ' * (262144 - len(doc) + 1))
    assert_error(resp, 400, 'Invalid API request',
                 'Message collection size is too large. Max size 262144')

    small = qname('small')
    api.put('/v2/queues/' + small, json={'_max_messages_post_size': 1023})
    resp = api.post('/v2/queues/%s/messages' % small,
                    json={'messages': [{'body': {'key': 'a' * 1204}}]})
    assert_error(resp, 400, 'Invalid API request',
                 'Message collection size is too large. The max size for '
                 'current queue is 1023. It is calculated by max size = '
                 'min(max_messages_post_size_config: 262144, '
                 'max_messages_post_size_queue: 1023).')


def test_delay(api):
    """Zaqar's code honours a message's ``delay`` only in a queue with a
    ``_default_message_delay`` (its docs say always); listings hide
    delayed messages only in such queues."""
    plain, delayed = qname('plain'), qname('delayed')
    resp = api.post('/v2/queues/%s/messages' % plain,
                    json={'messages': [{'body': 1, 'delay': 5000}]})
    assert resp.status_code == 201
    assert len(api.get('/v2/queues/%s/messages?echo=true' % plain).json()[
        'messages']) == 1
    assert api.post('/v2/queues/%s/claims' % plain).status_code == 201

    api.put('/v2/queues/' + delayed, json={'_default_message_delay': 600})
    resp = api.post('/v2/queues/%s/messages' % delayed,
                    json={'messages': [{'body': 1, 'delay': 901}]})
    assert_error(resp, 400, 'Invalid API request',
                 'The Delay TTL for a message may not exceed 900 seconds,and '
                 'must be at least 0 seconds long.')
    ids_of(post(api, delayed, 1))
    path = '/v2/queues/%s/messages' % delayed
    assert api.get(path + '?echo=true').json()['messages'] == []
    assert len(api.get(path + '?echo=true&include_delayed=true').json()[
        'messages']) == 1
    assert api.post('/v2/queues/%s/claims' % delayed).status_code == 204


def test_list_messages(api):
    queue = qname()
    path = '/v2/queues/%s/messages' % queue
    post(api, queue, *([239] * 10))
    doc = api.get(path, params={'limit': 3, 'echo': 'true'}).json()
    pages, seen = 0, []
    while doc['messages']:
        pages += 1
        assert len(doc['links']) == 1 and doc['links'][0]['rel'] == 'next'
        for message in doc['messages']:
            seen.append(message['id'])
            assert api.get(message['href']).status_code == 200
        doc = api.get(doc['links'][0]['href']).json()
    assert pages == 4
    assert len(set(seen)) == 10
    assert doc == {'messages': [], 'links': []}


def test_list_missing_queue(api):
    """Zaqar's api-ref says 204; its code answers 200 (followed)."""
    resp = api.get('/v2/queues/%s/messages' % qname())
    assert resp.status_code == 200
    assert resp.json() == {'messages': [], 'links': []}


def test_list_echo(api, api_factory):
    queue = qname()
    path = '/v2/queues/%s/messages' % queue
    post(api, queue, 1)
    assert api.get(path).json()['messages'] == []
    assert len(api.get(path + '?echo=true').json()['messages']) == 1
    other = api_factory(project=api.project)
    assert len(other.get(path).json()['messages']) == 1
    same_client = api_factory(project=api.project,
                              client_id=api.client_id.upper())
    assert same_client.get(path).json()['messages'] == []


def test_list_bad_marker(api):
    """A marker that is not one of the service's is an empty page (Zaqar's
    mongo driver: a non-integer marker lists nothing)."""
    queue = qname()
    post(api, queue, 1)
    doc = api.get('/v2/queues/%s/messages?echo=true&marker=sfhlsfdjh2048'
                  % queue).json()
    assert doc == {'messages': [], 'links': []}


@pytest.mark.parametrize('query,title', [
    ('limit=21', 'Invalid API request'), ('limit=0', 'Invalid API request'),
    ('echo=maybe', 'Invalid parameter'), ('limit=x', 'Invalid parameter')])
def test_list_bad_parameters(api, query, title):
    resp = api.get('/v2/queues/%s/messages?%s' % (qname(), query))
    assert_error(resp, 400, title)


def test_get_by_ids_limits(api):
    queue = qname()
    ids = ids_of(post(api, queue, 1))
    path = '/v2/queues/%s/messages' % queue
    resp = api.get(path + '?ids=' + ','.join(ids * 21))
    assert_error(resp, 400, 'Invalid API request',
                 'Limit must be at least 1 and may not be greater than 20.')
    resp = api.get('/v2/queues/%s/messages?ids=a,b,c' % queue)
    assert_error(resp, 404, 'Not found',
                 "No messages with IDs: ['a', 'b', 'c'] found in the queue "
                 "%s for project %s." % (queue, api.project))


def test_delete_messages_by_ids(api):
    queue = qname()
    path = '/v2/queues/%s/messages' % queue
    target, query = post(api, queue, *range(5)).headers['Location'].split('?')
    assert_error(api.delete(path), 400, 'Invalid API request',
                 'The request should have either "ids" or "pop" parameter in '
                 'the request, to be able to delete.')
    assert api.delete(target + '?' + query).status_code == 204
    assert api.get(target + '?' + query).status_code == 404
    assert api.delete(target + '?' + query).status_code == 204
    api.delete('/v2/queues/' + queue)
    assert api.delete(target + '?' + query).status_code == 204
    resp = api.delete(path + '?ids=' + ','.join(['a'] * 22))
    assert_error(resp, 400, 'Invalid API request',
                 'ids parameter should have at least 1 and not greater than '
                 '20 values.')


def test_delete_claimed_messages_with_claim_ids(api):
    queue = qname()
    ids = ids_of(post(api, queue, 1, 2))
    claim_id = claim_id_of(api.post('/v2/queues/%s/claims' % queue))
    resp = api.delete('/v2/queues/%s/messages' % queue,
                      params={'ids': ids, 'claim_ids': claim_id})
    assert resp.status_code == 204
    for message_id in ids:
        assert api.get('/v2/queues/%s/messages/%s'
                       % (queue, message_id)).status_code == 404


@pytest.mark.parametrize('count', [1, 2, 10])
def test_pop(api, count):
    queue = qname()
    ids = ids_of(post(api, queue, *range(count)))
    resp = api.delete('/v2/queues/%s/messages?pop=%d' % (queue, count))
    assert resp.status_code == 200
    messages = resp.json()['messages']
    assert [m['id'] for m in messages] == ids
    assert set(messages[0]) <= {'id', 'age', 'ttl', 'body', 'claim_count',
                                'claim_id', 'checksum'}
    assert api.get('/v2/queues/%s/messages/%s'
                   % (queue, ids[0])).status_code == 404


def test_pop_empty_queue(api):
    resp = api.delete('/v2/queues/%s/messages?pop=1' % qname())
    assert resp.status_code == 200
    assert resp.json() == {'messages': []}


@pytest.mark.parametrize('query,description', [
    ('pop=1000000', 'Pop value must be at least 1 and may not be greater '
                    'than 20.'),
    ('pop=-1', 'Pop value must be at least 1 and may not be greater than '
               '20.'),
    ('pop=10&ids=1', 'pop and id params cannot be present together in the '
                     'delete request.'),
])
def test_pop_invalid(api, query, description):
    resp = api.delete('/v2/queues/%s/messages?%s' % (qname(), query))
    assert_error(resp, 400, 'Invalid API request', description)


def test_delete_one_message(api):
    queue = qname()
    ids = ids_of(post(api, queue, 1))
    target = '/v2/queues/%s/messages/%s' % (queue, ids[0])
    assert api.delete(target).status_code == 204
    assert api.get(target).status_code == 404
    assert api.delete(target).status_code == 204


def test_delete_with_invalid_claim_keeps_message(api):
    queue = qname()
    ids = ids_of(post(api, queue, 1))
    target = '/v2/queues/%s/messages/%s' % (queue, ids[0])
    resp = api.delete(target + '?claim_id=invalid')
    assert_error(resp, 400, 'Unable to delete',
                 'The specified claim does not exist or has expired.')
    assert api.get(target).status_code == 200


# ===========================================================================
# Claims
# ===========================================================================
def test_claim_lifecycle(api, api_factory):
    queue = qname()
    claims = '/v2/queues/%s/claims' % queue
    messages = '/v2/queues/%s/messages' % queue
    ids = ids_of(post(api, queue, *range(10)))

    resp = api.post(claims, json={'ttl': 100, 'grace': 60})
    claim_id = claim_id_of(resp)
    claim_href = resp.headers['Location']
    assert claim_href == claims + '/' + claim_id
    claimed = resp.json()['messages']
    assert [m['id'] for m in claimed] == ids
    for message in claimed:
        assert message['href'] == '%s/%s?claim_id=%s' % (
            messages, message['id'], claim_id)

    resp = api.post(claims + '?limit=3', json={'ttl': 100, 'grace': 60})
    assert resp.status_code == 204
    assert resp.content == b''

    assert api.get(messages + '?echo=true').json()['messages'] == []
    doc = api.get(messages + '?echo=true&include_claimed=true').json()
    assert len(doc['messages']) == 10
    other = api_factory(project=api.project)
    assert other.get(messages).json()['messages'] == []

    doc = api.get(claim_href).json()
    assert set(doc) == {'age', 'ttl', 'href', 'messages'}
    assert doc['ttl'] == 100
    assert doc['age'] >= 0
    assert doc['href'] == claim_href
    assert [m['id'] for m in doc['messages']] == ids

    message_href, params = claimed[0]['href'].split('?')
    assert_error(api.delete(message_href), 403, 'Unable to delete',
                 'This message is claimed; it cannot be deleted without a '
                 'valid claim ID.')
    assert api.delete(message_href + '?' + params).status_code == 204
    assert api.get(message_href).status_code == 404
    bogus = api_factory()
    assert bogus.get(message_href + '?' + params).status_code == 404

    resp = api.patch(claim_href, json={'ttl': 60, 'grace': 60})
    assert resp.status_code == 204
    assert api.get(claim_href).json()['ttl'] == 60

    assert api.delete(claim_href).status_code == 204
    message_href, params = claimed[1]['href'].split('?')
    assert api.delete(message_href + '?' + params).status_code == 400
    assert api.get(message_href).status_code == 200
    assert_error(api.get(claim_href), 404, 'Not found')
    assert api.patch(claim_href, json={'ttl': 100}).status_code == 404
    assert api.delete(claim_href).status_code == 204


def test_claim_defaults_and_empty_body(api):
    queue = qname()
    post(api, queue, 1, 2)
    resp = api.post('/v2/queues/%s/claims?limit=1' % queue)
    claim_id_of(resp)
    assert api.get(resp.headers['Location']).json()['ttl'] == 300
    resp = raw(api, 'POST', '/v2/queues/%s/claims' % queue, '{}')
    assert api.get(resp.headers['Location']).json()['ttl'] == 300


def test_claim_missing_queue(api):
    resp = api.post('/v2/queues/%s/claims' % qname(),
                    json={'ttl': 100, 'grace': 60})
    assert resp.status_code == 204


@pytest.mark.parametrize('ttl,grace', [(-1, -1), (59, 60), (60, 59),
                                       (60, 43201), (43201, 60)])
def test_claim_ttl_and_grace_bounds(api, ttl, grace):
    resp = api.post('/v2/queues/%s/claims' % qname(),
                    json={'ttl': ttl, 'grace': grace})
    assert_error(resp, 400, 'Invalid API request')


def test_claim_limit_bounds(api):
    resp = api.post('/v2/queues/%s/claims?limit=21' % qname(),
                    json={'ttl': 100, 'grace': 60})
    assert_error(resp, 400, 'Invalid API request',
                 'Limit must be at least 1 and may not be greater than 20.')


@pytest.mark.parametrize('document,description', [
    ('[', 'Request body could not be parsed.'),
    ('"fail"', 'Request body could not be parsed.'),
    ('[]', 'Document type not supported.'),
])
def test_bad_claim_documents(api, document, description):
    queue = qname()
    post(api, queue, 1)
    claims = '/v2/queues/%s/claims' % queue
    assert_error(raw(api, 'POST', claims, document), 400,
                 'Invalid request body', description)
    href = api.post(claims).headers['Location']
    assert_error(raw(api, 'PATCH', href, document), 400,
                 'Invalid request body', description)


@pytest.mark.parametrize('ttl', [-1, 59, 43201])
def test_renew_ttl_bounds(api, ttl):
    queue = qname()
    post(api, queue, 1)
    href = api.post('/v2/queues/%s/claims' % queue).headers['Location']
    assert_error(api.patch(href, json={'ttl': ttl}), 400,
                 'Invalid API request')


def test_missing_claims(api):
    claims = '/v2/queues/%s/claims' % qname()
    assert_error(api.get(claims + '/a'), 404, 'Not found')
    assert api.patch(claims + '/a', json={'ttl': 100}).status_code == 404
    assert api.delete(claims + '/a').status_code == 204


def test_claims_are_exclusive(api, api_factory):
    queue = qname()
    post(api, queue, *range(4))
    worker = api_factory(project=api.project)
    first = api.post('/v2/queues/%s/claims?limit=2' % queue).json()
    second = worker.post('/v2/queues/%s/claims?limit=2' % queue).json()
    first_ids = {m['id'] for m in first['messages']}
    second_ids = {m['id'] for m in second['messages']}
    assert len(first_ids) == len(second_ids) == 2
    assert not first_ids & second_ids
    assert api.post('/v2/queues/%s/claims' % queue).status_code == 204
