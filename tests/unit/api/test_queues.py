"""Queues: list, create, get, head, patch, delete, stats, purge."""

import json

import pytest

from tests.unit.api.base import app, assert_error, client, conf  # noqa: F401
from tests.unit.api.base import message_ids, overrides  # noqa: F401
from tests.unit.api.base import post_messages, storage  # noqa: F401

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


def patch(client, queue, changes, **kwargs):
    return client.patch('/v2/queues/' + queue, data=json.dumps(changes),
                        content_type=PATCH_TYPE, **kwargs)


# -- create / get / delete ----------------------------------------------------
def test_lifecycle(client, storage):
    resp = client.put('/v2/queues/fizbat', json={'messages': {'ttl': 600}})
    assert resp.status_code == 201
    assert resp.headers['Location'] == '/v2/queues/fizbat'
    assert resp.get_data() == b''

    resp = client.get('/v2/queues/fizbat')
    assert resp.status_code == 200
    assert resp.get_json() == dict(RESERVED, messages={'ttl': 600})

    resp = client.put('/v2/queues/fizbat')
    assert resp.status_code == 204
    assert resp.headers['Location'] == '/v2/queues/fizbat'

    assert client.delete('/v2/queues/fizbat').status_code == 204
    assert client.delete('/v2/queues/fizbat').status_code == 204


def test_put_without_body_leaves_metadata_alone(client, storage):
    client.put('/v2/queues/q', json={'a': 1})
    client.put('/v2/queues/q')
    assert storage.calls[-1] == ('queue_create', 'p-unit', 'q', None)


def test_put_passes_metadata_to_storage(client, storage):
    """Whether an existing queue's metadata changes is storage's call
    (swiftq, as Zaqar's mongo driver: it does not)."""
    client.put('/v2/queues/q', json={'a': 1})
    assert client.put('/v2/queues/q', json={'b': 2}).status_code == 204
    assert storage.calls[-1] == ('queue_create', 'p-unit', 'q', {'b': 2})
    assert client.get('/v2/queues/q').get_json() == dict(RESERVED, a=1)


def test_get_missing_queue_is_defaults(client):
    """Zaqar v2's queue GET never answers 404 (its storage's ``get``
    returns ``{}`` for a missing queue)."""
    resp = client.get('/v2/queues/nonexistent')
    assert resp.status_code == 200
    assert resp.get_json() == RESERVED


def test_reserved_metadata_shown_from_conf(client, conf):
    conf.set_override('default_message_ttl', 999, 'transport')
    assert client.get('/v2/queues/q').get_json()['_default_message_ttl'] == \
        999


def test_falsy_reserved_values_shown_as_defaults(client):
    client.put('/v2/queues/q', json={'_default_message_delay': 0,
                                     '_enable_encrypt_messages': False})
    assert client.get('/v2/queues/q').get_json() == RESERVED


def test_head(client):
    """python-zaqarclient's ``queue_exists`` sends HEAD (Zaqar v2: 405)."""
    assert client.head('/v2/queues/q').status_code == 404
    client.put('/v2/queues/q')
    resp = client.head('/v2/queues/q')
    assert resp.status_code == 204
    assert resp.get_data() == b''


def test_queues_are_per_project(client):
    client.put('/v2/queues/q', json={'a': 1})
    other = client.other(project='other')
    assert other.get('/v2/queues/q').get_json() == RESERVED
    assert other.head('/v2/queues/q').status_code == 404


@pytest.mark.parametrize('document', ['{', '.', '  ', '{"a": 1'])
def test_put_unparsable_metadata(client, document):
    resp = client.put('/v2/queues/q', data=document,
                      content_type='application/json')
    assert_error(resp, 400, 'Invalid request body',
                 'Request body could not be parsed.')


def test_put_metadata_must_be_an_object(client):
    resp = client.put('/v2/queues/q', json=[])
    assert_error(resp, 400, 'Invalid request body',
                 'Document type not supported.')


def test_put_metadata_size(client):
    doc = '{"messages": {"ttl": 600}, "padding": "%s"}'
    exact = doc % ('x' * (65536 - len(doc % '')))
    assert len(exact) == 65536
    assert client.put('/v2/queues/q', data=exact,
                      content_type='application/json').status_code == 201
    resp = client.put('/v2/queues/q', data=exact[:-2] + 'x"}',
                      content_type='application/json')
    assert_error(resp, 400, 'Invalid API request',
                 'Queue metadata is too large. Max size: 65536')


def test_put_reserved_metadata_validated(client):
    resp = client.put('/v2/queues/q', json={'_default_message_ttl': 59})
    assert_error(resp, 400, 'Invalid API request',
                 '_default_message_ttl can not exceed 1209600 seconds, and '
                 'must be at least 60 seconds long.')


# -- listing ------------------------------------------------------------------
def _create(client, *names, **metadata):
    for name in names:
        client.put('/v2/queues/' + name, json=metadata or None)


def test_list_empty(client):
    """Zaqar's api-ref says an empty listing is 204; its code answers 200
    with an empty list (followed here)."""
    resp = client.get('/v2/queues')
    assert resp.status_code == 200
    assert resp.get_json() == {'queues': [], 'links': []}


def test_list_pages_and_links(client):
    _create(client, 'q1', 'q2', 'q3')
    resp = client.get('/v2/queues?limit=2')
    doc = resp.get_json()
    assert doc['queues'] == [
        {'name': 'q1', 'href': '/v2/queues/q1'},
        {'name': 'q2', 'href': '/v2/queues/q2'}]
    assert doc['links'] == [{'rel': 'next',
                             'href': '/v2/queues?limit=2&marker=q2'}]
    doc = client.get(doc['links'][0]['href']).get_json()
    assert [q['name'] for q in doc['queues']] == ['q3']
    doc = client.get(doc['links'][0]['href']).get_json()
    assert doc == {'queues': [], 'links': []}


def test_list_default_limit_is_10(client, storage):
    _create(client, *['q%02d' % i for i in range(12)])
    assert len(client.get('/v2/queues').get_json()['queues']) == 10


def test_list_next_link_keeps_parameters(client):
    _create(client, 'q1')
    doc = client.get('/v2/queues?marker=a&detailed=true&limit=5'
                     '&with_count=true').get_json()
    assert doc['links'][0]['href'] == \
        '/v2/queues?marker=q1&limit=5&detailed=true&with_count=true'


def test_list_detailed(client):
    _create(client, 'q1', node=31)
    doc = client.get('/v2/queues?detailed=true').get_json()
    assert doc['queues'] == [{'name': 'q1', 'href': '/v2/queues/q1',
                              'metadata': dict(RESERVED, node=31)}]


def test_list_is_per_project(client):
    _create(client, 'q1')
    _create(client.other(project='alt'), 'q2')
    assert [q['name'] for q in client.get('/v2/queues').get_json()[
        'queues']] == ['q1']


@pytest.mark.parametrize('limit', ['0', '21', '-1'])
def test_list_limit_bounds(client, limit):
    resp = client.get('/v2/queues?limit=' + limit)
    assert_error(resp, 400, 'Invalid API request',
                 'Limit must be at least 1 and no greater than 20.')


@pytest.mark.parametrize('query,name', [('limit=x', 'limit'),
                                        ('detailed=maybe', 'detailed'),
                                        ('with_count=2', 'with_count')])
def test_list_bad_parameter_types(client, query, name):
    resp = client.get('/v2/queues?' + query)
    doc = assert_error(resp, 400, 'Invalid parameter')
    assert doc['description'].startswith('The "%s" parameter is invalid.'
                                         % name)


def test_list_with_count(client):
    resp = client.get('/v2/queues?with_count=true')
    assert 'count' not in resp.get_json()      # Zaqar omits a zero count
    _create(client, 'q1', 'q2', 'q3')
    doc = client.get('/v2/queues?with_count=true&limit=1').get_json()
    assert doc['count'] == 3
    assert len(doc['queues']) == 1


def test_list_filters(client):
    """As Zaqar's test_list_with_filter: ``name`` is a substring, other
    parameters match metadata (integers compared as integers)."""
    client.put('/v2/queues/q1', json={'test_metadata_key1': 'value1'})
    client.put('/v2/queues/q2', json={'_max_messages_post_size': 2000})
    client.put('/v2/queues/q3', json={'test_metadata_key2': 30})
    client.put('/v2/queues/other', json={'test_metadata_key2': 30})

    def names(query):
        doc = client.get('/v2/queues?' + query).get_json()
        return [q['name'] for q in doc['queues']]

    assert names('name=q&test_metadata_key2=30') == ['q3']
    assert names('_max_messages_post_size=2000') == ['q2']
    assert names('name=q') == ['q1', 'q2', 'q3']
    assert names('test_metadata_key1=value1') == ['q1']
    assert names('node=34') == []
    doc = client.get('/v2/queues?test_metadata_key2=30').get_json()
    assert doc['queues'][0] == {'name': 'other', 'href': '/v2/queues/other'}


def test_list_filtered_pages(client):
    _create(client, *['a%02d' % i for i in range(30)])
    _create(client, *['b%02d' % i for i in range(5)])
    doc = client.get('/v2/queues?name=b&limit=3').get_json()
    assert [q['name'] for q in doc['queues']] == ['b00', 'b01', 'b02']
    doc = client.get(doc['links'][0]['href']).get_json()
    assert [q['name'] for q in doc['queues']] == ['b03', 'b04']


# -- patch --------------------------------------------------------------------
def test_patch_lifecycle(client):
    """As Zaqar's test_update_metadata."""
    client.put('/v2/queues/xyz')
    resp = patch(client, 'xyz', [
        {'op': 'add', 'path': '/metadata/key1', 'value': 1},
        {'op': 'add', 'path': '/metadata/key2', 'value': 1}])
    assert resp.status_code == 200
    assert resp.get_json() == dict(RESERVED, key1=1, key2=1)

    # Removing a reserved key that is not set does nothing.
    resp = patch(client, 'xyz', [
        {'op': 'remove', 'path': '/metadata/_default_message_ttl'}])
    assert resp.status_code == 200

    assert patch(client, 'xyz', [
        {'op': 'replace', 'path': '/metadata/key1', 'value': 2}]
    ).status_code == 200
    # Replacing a reserved key that is not set stores it.
    assert patch(client, 'xyz', [
        {'op': 'replace', 'path': '/metadata/_default_message_ttl',
         'value': 300}]).status_code == 200
    assert client.get('/v2/queues/xyz').get_json() == dict(
        RESERVED, key1=2, key2=1, _default_message_ttl=300)

    patch(client, 'xyz', [{'op': 'remove', 'path': '/metadata/key1'}])
    patch(client, 'xyz', [
        {'op': 'remove', 'path': '/metadata/_default_message_ttl'}])
    assert client.get('/v2/queues/xyz').get_json() == dict(RESERVED, key2=1)


def test_patch_missing_key_conflicts(client):
    client.put('/v2/queues/xyz')
    resp = patch(client, 'xyz', [
        {'op': 'replace', 'path': '/metadata/key3', 'value': 2}])
    assert_error(resp, 409, 'Resource conflict',
                 "Can't replace non-existent object key3.")
    resp = patch(client, 'xyz', [{'op': 'remove', 'path': '/metadata/key3'}])
    assert_error(resp, 409, 'Resource conflict',
                 "Can't remove non-existent object key3.")


def test_patch_conflict_changes_nothing(client, storage):
    client.put('/v2/queues/xyz', json={'a': 1})
    patch(client, 'xyz', [{'op': 'add', 'path': '/metadata/b', 'value': 2},
                          {'op': 'remove', 'path': '/metadata/c'}])
    assert storage.queue_data[('p-unit', 'xyz')] == {'a': 1}


@pytest.mark.parametrize('changes', [
    [{'op': 'add', 'path': '/metadata/key1', 'value': 1}],
    [{'op': 'replace', 'path': '/metadata/key3', 'value': 2}],
    [{'op': 'remove', 'path': '/metadata/key3'}]])
def test_patch_missing_queue_is_404(client, changes):
    resp = patch(client, 'xyz', changes)
    assert_error(resp, 404, 'Not found',
                 'Queue xyz does not exist for project p-unit')


@pytest.mark.parametrize('content_type', [
    'application/json', None, 'application/json-patch+json'])
def test_patch_content_type(client, content_type):
    client.put('/v2/queues/xyz')
    headers = {'Content-Type': content_type} if content_type else {}
    resp = client.patch('/v2/queues/xyz', headers=headers,
                        data='[{"op": "add", "path": "/metadata/a", '
                             '"value": 1}]')
    assert_error(resp, 415, '415 Unsupported Media Type',
                 "Accepted media type for PATCH: {'Accept-Patch': "
                 "'application/openstack-messaging-v2.0-json-patch'}.")
    assert resp.headers['Accept-Patch'] == PATCH_TYPE


def test_patch_content_type_parameters_are_ignored(client):
    client.put('/v2/queues/xyz')
    resp = client.patch('/v2/queues/xyz', data='[]',
                        content_type=PATCH_TYPE + '; charset=utf-8')
    assert resp.status_code == 200


@pytest.mark.parametrize('data,description', [
    ('', 'PATCH body could not be empty for update.'),
    ('[', 'Request body could not be parsed.'),
    ('{}', 'Document type not supported.'),
    ('[{"op":"add","path":"/a","value":2}]',
     "Invalid JSON pointer for this resource: '/a, e.g /metadata/key'"),
    ('[{"op":"a","path":"/metadata/a","value":2}]',
     'Invalid operation: `a`. It must be one of the following: add, remove, '
     'replace.'),
    ('[{"op":"add","path":"/metadata/_default_message_ttl","value":5}]',
     '_default_message_ttl can not exceed 1209600 seconds, and must be at '
     'least 60 seconds long.'),
])
def test_patch_bad_documents(client, data, description):
    client.put('/v2/queues/xyz')
    resp = client.patch('/v2/queues/xyz', data=data, content_type=PATCH_TYPE)
    assert_error(resp, 400, 'Invalid request body', description)


def test_patch_too_large(client):
    client.put('/v2/queues/xyz')
    resp = client.patch('/v2/queues/xyz', data='[' + ' ' * 65536 + ']',
                        content_type=PATCH_TYPE)
    assert_error(resp, 400, 'Invalid request body',
                 'Queue metadata is too large. Max size: 65536')


def test_patch_validation_before_queue_lookup(client):
    resp = client.patch('/v2/queues/missing', data='[{"op": "x"}]',
                        content_type=PATCH_TYPE)
    assert resp.status_code == 400


# -- stats --------------------------------------------------------------------
def test_stats_missing_queue(client):
    resp = client.get('/v2/queues/nonexistent/stats')
    assert resp.status_code == 200
    assert resp.get_json() == {'messages': {'claimed': 0, 'free': 0,
                                            'total': 0}}


def test_stats_with_messages(client):
    ids = message_ids(post_messages(client, 'q', 1, 2, 3))
    client.post('/v2/queues/q/claims?limit=1')
    stats = client.get('/v2/queues/q/stats').get_json()['messages']
    assert (stats['claimed'], stats['free'], stats['total']) == (1, 2, 3)
    assert stats['oldest'] == {'href': '/v2/queues/q/messages/' + ids[0],
                               'age': 0, 'created': '2026-01-01T00:00:00Z'}
    assert stats['newest']['href'] == '/v2/queues/q/messages/' + ids[-1]


# -- purge --------------------------------------------------------------------
def test_purge_default_types(client, storage):
    post_messages(client, 'q', 1)
    assert client.post('/v2/queues/q/purge').status_code == 204
    assert storage.calls[-1] == ('queue_purge', 'p-unit', 'q',
                                 ['messages', 'subscriptions'])
    assert client.get('/v2/queues/q/stats').get_json()['messages'][
        'total'] == 0


def test_purge_messages(client, storage):
    resp = client.post('/v2/queues/q/purge',
                       json={'resource_types': ['messages']})
    assert resp.status_code == 204
    assert storage.calls[-1][-1] == ['messages']


@pytest.mark.parametrize('document,description', [
    ({'wrong_key': ['messages']},
     'Post body must contain key "resource_types".'),
    ({'resource_types': ['wrong_value']},
     "Resource types must be a sub set of {'messages', 'subscriptions'}."),
])
def test_purge_validation(client, document, description):
    resp = client.post('/v2/queues/q/purge', json=document)
    assert_error(resp, 400, 'Invalid API request', description)


def test_purge_unparsable(client):
    resp = client.post('/v2/queues/q/purge', data='{',
                       content_type='application/json')
    assert_error(resp, 400, 'Invalid request body',
                 'Request body could not be parsed.')
