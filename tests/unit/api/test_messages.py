"""Messages: post, list, get by ids, delete by ids, pop, get/delete one."""

import json

import pytest

from tests.unit.api.base import app, assert_error, client, conf  # noqa: F401
from tests.unit.api.base import message_ids, overrides  # noqa: F401
from tests.unit.api.base import post_messages, storage  # noqa: F401

MESSAGES = '/v2/queues/fizbit/messages'


def post(client, document, **kwargs):
    data = document if isinstance(document, str) else json.dumps(document)
    return client.post(MESSAGES, data=data, content_type='application/json',
                       **kwargs)


# -- post ---------------------------------------------------------------------
def test_post_single_and_multiple(client):
    resp = post(client, {'messages': [
        {'body': 239, 'ttl': 100}, {'body': {'key': 'value'}, 'ttl': 200},
        {'body': [1, 3], 'ttl': 300}]})
    assert resp.status_code == 201
    ids = message_ids(resp)
    assert len(ids) == 3
    assert resp.headers['Location'] == MESSAGES + '?ids=' + ','.join(ids)
    assert resp.get_json() == {'resources': [MESSAGES + '/' + i
                                             for i in ids]}
    # Zaqar's v1.0 docs had "partial"; v1.1+ code never returns it.
    assert 'partial' not in resp.get_json()


def test_post_creates_queue_lazily(client, storage):
    assert post_messages(client, 'nonexistent', 1).status_code == 201
    assert ('p-unit', 'nonexistent') in storage.queue_data


def test_post_passes_ttl_delay_body_and_client(client, storage):
    post(client, {'messages': [{'body': None, 'ttl': 60, 'extra': 1}]})
    name, project, queue, messages, client_id = storage.calls[-1]
    assert (name, project, queue) == ('message_post', 'p-unit', 'fizbit')
    assert messages == [{'ttl': 60, 'body': None, 'delay': 0}]
    assert client_id == client.client_id


def test_post_default_ttl(client, storage):
    post(client, {'messages': [{'body': 1}]})
    assert storage.calls[-1][3][0]['ttl'] == 3600


def test_post_uses_queue_default_ttl(client, storage):
    client.put('/v2/queues/fizbit', json={'_default_message_ttl': 999})
    post(client, {'messages': [{'body': 1}, {'body': 2, 'ttl': 100}]})
    assert [m['ttl'] for m in storage.calls[-1][3]] == [999, 100]


def test_delay_ignored_without_queue_delay(client, storage):
    """Zaqar's code reads ``delay`` only when the queue has a
    ``_default_message_delay`` (its docs say a message's delay always
    applies): without one the field is dropped, even out of range."""
    resp = post(client, {'messages': [{'body': 1, 'delay': 5000}]})
    assert resp.status_code == 201
    assert storage.calls[-1][3] == [{'ttl': 3600, 'body': 1, 'delay': 0}]


def test_delay_with_queue_delay(client, storage):
    client.put('/v2/queues/fizbit', json={'_default_message_delay': 30})
    post(client, {'messages': [{'body': 1}, {'body': 2, 'delay': 0},
                               {'body': 3, 'delay': 900}]})
    assert [m['delay'] for m in storage.calls[-1][3]] == [30, 0, 900]
    resp = post(client, {'messages': [{'body': 1, 'delay': 901}]})
    assert_error(resp, 400, 'Invalid API request',
                 'The Delay TTL for a message may not exceed 900 seconds,and '
                 'must be at least 0 seconds long.')


class TestConfiguredDelay:
    """swiftq applies ``[transport] default_message_delay`` (Zaqar only
    shows it in the queue's metadata)."""

    @pytest.fixture
    def overrides(self):
        return {('transport', 'default_message_delay'): 10}

    def test_conf_delay_is_the_default(self, client, storage):
        post(client, {'messages': [{'body': 1}, {'body': 2, 'delay': 3}]})
        assert [m['delay'] for m in storage.calls[-1][3]] == [10, 3]


@pytest.mark.parametrize('ttl', [-1, 59, 1209601])
def test_post_unacceptable_ttl(client, ttl):
    resp = post(client, {'messages': [{'ttl': ttl, 'body': None}]})
    assert_error(resp, 400, 'Invalid API request',
                 'The TTL for a message may not exceed 1209600 seconds, and '
                 'must be at least 60 seconds long.')


@pytest.mark.parametrize('document,title,description', [
    (None, 'Invalid request body', 'Request body can not be empty'),
    ('[', 'Invalid request body', 'Request body could not be parsed.'),
    ('.', 'Invalid request body', 'Request body could not be parsed.'),
    ('123', 'Invalid request body', 'Request body could not be parsed.'),
    ('[]', 'Invalid API request',
     'No messages were found in the request body.'),
    ('{}', 'Invalid API request',
     'No messages were found in the request body.'),
    ('[{"body": 0, "ttl": 100}]', 'Invalid API request',
     'No messages were found in the request body.'),
    ('{"messages": {"body": 1}}', 'Invalid request body',
     'Document type not supported.'),
    ('{"messages": ["x"]}', 'Invalid request body',
     'Document type not supported.'),
    ('{"messages": []}', 'Invalid API request', 'No messages to enqueu.'),
    ('{"messages": [{"ttl": 100}]}', 'Invalid request body',
     'Missing "body" field.'),
    ('{"messages": [{"body": 1, "ttl": "100"}]}', 'Invalid request body',
     'The value of the "ttl" field must be a int.'),
    ('{"messages": [{"body": 1, "ttl": 100.0}]}', 'Invalid request body',
     'The value of the "ttl" field must be a int.'),
    ('{"overflow": 9223372036854775808}', 'Invalid request body',
     'JSON contains integer that is too large.'),
    ('{"underflow": -9223372036854775809}', 'Invalid request body',
     'JSON contains integer that is too large.'),
])
def test_post_bad_documents(client, document, title, description):
    if document is None:
        resp = client.post(MESSAGES)
    else:
        resp = post(client, document)
    assert_error(resp, 400, title, description)


def test_post_size_limit_is_the_whole_request(client):
    """As Zaqar's test_exceeded_message_posting: whitespace counts."""
    doc = json.dumps({'messages': [{'body': 'some body', 'ttl': 100}] * 20},
                     indent=4)
    assert post(client, doc + ' ' * (262144 - len(doc))).status_code == 201
    resp = post(client, doc + ' ' * (262144 - len(doc) + 1))
    assert_error(resp, 400, 'Invalid API request',
                 'Message collection size is too large. Max size 262144')


def test_post_size_limit_of_the_queue(client):
    client.put('/v2/queues/fizbit', json={'_max_messages_post_size': 1023})
    resp = post(client, {'messages': [{'body': {'key': 'a' * 1204}}]})
    assert_error(resp, 400, 'Invalid API request',
                 'Message collection size is too large. The max size for '
                 'current queue is 1023. It is calculated by max size = '
                 'min(max_messages_post_size_config: 262144, '
                 'max_messages_post_size_queue: 1023).')


def test_post_without_client_id(client):
    resp = post(client, {'messages': [{'body': 1}]},
                headers={'Client-ID': None})
    assert resp.status_code == 400


def test_no_message_count_limit(client):
    """Zaqar's docs say 10 messages per post; its code limits only the
    size."""
    resp = post(client, {'messages': [{'body': i} for i in range(50)]})
    assert resp.status_code == 201
    assert len(message_ids(resp)) == 50


# -- get one ------------------------------------------------------------------
def test_get_one(client, storage):
    ids = message_ids(post(client, {'messages': [{'body': {'k': 'v'},
                                                  'ttl': 200}]}))
    storage.now += 10
    resp = client.get(MESSAGES + '/' + ids[0])
    assert resp.status_code == 200
    assert resp.get_json() == {'id': ids[0], 'href': MESSAGES + '/' + ids[0],
                               'ttl': 200, 'age': 10, 'body': {'k': 'v'}}


def test_get_one_wrong_project_or_missing(client):
    ids = message_ids(post_messages(client, 'fizbit', 1))
    resp = client.other(project='777777').get(MESSAGES + '/' + ids[0])
    assert_error(resp, 404, 'Not found',
                 'Message %s does not exist in queue fizbit for project '
                 '777777' % ids[0])
    assert client.get('/v2/queues/notthere/messages/a').status_code == 404


def test_href_carries_claim_id_while_claimed(client):
    ids = message_ids(post_messages(client, 'fizbit', 1))
    assert 'claim_id' not in client.get(MESSAGES + '/' + ids[0]).get_json()[
        'href']
    claim = client.post('/v2/queues/fizbit/claims')
    claim_id = claim.headers['Location'].rsplit('/', 1)[1]
    assert client.get(MESSAGES + '/' + ids[0]).get_json()['href'] == \
        MESSAGES + '/' + ids[0] + '?claim_id=' + claim_id


class TestChecksum:

    @pytest.fixture
    def overrides(self):
        return {(None, 'enable_checksum'): True}

    @pytest.fixture
    def storage(self):
        from tests.unit.api import memory_storage
        return memory_storage.MemoryStorage(checksum=True)

    def test_checksum_shown(self, client):
        ids = message_ids(post_messages(client, 'fizbit', 1))
        doc = client.get(MESSAGES + '/' + ids[0]).get_json()
        assert doc['checksum'].startswith('MD5:')


def test_checksum_hidden_when_disabled(client, storage):
    storage.checksum = True
    ids = message_ids(post_messages(client, 'fizbit', 1))
    assert 'checksum' not in client.get(MESSAGES + '/' + ids[0]).get_json()


# -- list ---------------------------------------------------------------------
def test_list_missing_queue(client):
    """Zaqar's api-ref says 204 for a missing queue or no messages; its
    code answers 200 with empty ``messages`` and ``links``."""
    resp = client.get('/v2/queues/nonexistent/messages')
    assert resp.status_code == 200
    assert resp.get_json() == {'messages': [], 'links': []}


def test_list_pages(client):
    """As Zaqar's test_list: follow ``next`` until an empty page."""
    post(client, {'messages': [{'body': 239, 'ttl': 300}] * 10})
    doc = client.get(MESSAGES + '?limit=3&echo=true').get_json()
    pages = 0
    while doc['messages']:
        pages += 1
        for message in doc['messages']:
            assert client.get(message['href']).status_code == 200
        doc = client.get(doc['links'][0]['href']).get_json()
    assert pages == 4
    assert doc == {'messages': [], 'links': []}


def test_list_document_and_next_link(client):
    ids = message_ids(post_messages(client, 'fizbit', 'a', 'b'))
    doc = client.get(MESSAGES + '?limit=1&echo=true').get_json()
    assert doc['messages'] == [{'id': ids[0], 'href': MESSAGES + '/' + ids[0],
                                'ttl': 3600, 'age': 0, 'body': 'a'}]
    assert doc['links'] == [{
        'rel': 'next',
        'href': MESSAGES + '?limit=1&echo=true&include_delayed=true&marker='
        + ids[0]}]


def test_list_defaults_and_echo(client, storage):
    post_messages(client, 'fizbit', 1)
    assert client.get(MESSAGES).get_json()['messages'] == []
    call = storage.calls[-1]
    assert call[0] == 'message_list'
    # project, queue, client, marker, limit, echo, claimed, delayed
    assert call[1:] == ('p-unit', 'fizbit', client.client_id, None, 10,
                        False, False, True)
    other = client.other()
    assert len(other.get(MESSAGES).get_json()['messages']) == 1


def test_list_hides_delayed_only_in_delayed_queues(client, storage):
    client.put('/v2/queues/fizbit', json={'_default_message_delay': 30})
    post_messages(client, 'fizbit', 1)
    assert client.get(MESSAGES + '?echo=true').get_json()['messages'] == []
    assert storage.calls[-1][-1] is False
    doc = client.get(MESSAGES + '?echo=true&include_delayed=true').get_json()
    assert len(doc['messages']) == 1
    storage.now += 31
    assert len(client.get(MESSAGES + '?echo=true').get_json()[
        'messages']) == 1


def test_list_include_claimed(client):
    post_messages(client, 'fizbit', 1, 2)
    client.post('/v2/queues/fizbit/claims?limit=1')
    assert len(client.get(MESSAGES + '?echo=true').get_json()[
        'messages']) == 1
    doc = client.get(MESSAGES + '?echo=true&include_claimed=true').get_json()
    assert len(doc['messages']) == 2
    assert '?claim_id=' in doc['messages'][0]['href']


def test_list_bad_marker_is_empty(client):
    post_messages(client, 'fizbit', 1)
    doc = client.get(MESSAGES + '?echo=true&marker=zzzz').get_json()
    assert doc == {'messages': [], 'links': []}


@pytest.mark.parametrize('limit', ['0', '21'])
def test_list_limit_bounds(client, limit):
    resp = client.get(MESSAGES + '?limit=' + limit)
    assert_error(resp, 400, 'Invalid API request',
                 'Limit must be at least 1 and may not be greater than 20.')


@pytest.mark.parametrize('query', ['echo=maybe', 'include_claimed=2',
                                   'include_delayed=x', 'limit=ten'])
def test_list_bad_parameters(client, query):
    assert_error(client.get(MESSAGES + '?' + query), 400,
                 'Invalid parameter')


def test_list_blank_parameters_are_ignored(client):
    assert client.get(MESSAGES + '?echo=&limit=').status_code == 200


# -- get by ids ---------------------------------------------------------------
def test_get_by_ids(client):
    ids = message_ids(post_messages(client, 'fizbit', 1, 2, 3))
    resp = client.get(MESSAGES + '?ids=' + ','.join(ids))
    assert resp.status_code == 200
    doc = resp.get_json()
    assert set(doc) == {'messages'}
    assert [m['id'] for m in doc['messages']] == ids
    assert doc['messages'][0]['href'] == MESSAGES + '/' + ids[0]


def test_get_by_ids_skips_missing(client):
    ids = message_ids(post_messages(client, 'fizbit', 1))
    doc = client.get(MESSAGES + '?ids=nope,' + ids[0]).get_json()
    assert [m['id'] for m in doc['messages']] == ids


def test_get_by_ids_none_found(client):
    resp = client.get('/v2/queues/notthere/messages?ids=a,b,c')
    assert_error(resp, 404, 'Not found',
                 "No messages with IDs: ['a', 'b', 'c'] found in the queue "
                 "notthere for project p-unit.")


def test_get_by_ids_too_many(client):
    resp = client.get(MESSAGES + '?ids=' + ','.join(['a'] * 21))
    assert_error(resp, 400, 'Invalid API request',
                 'Limit must be at least 1 and may not be greater than 20.')


# -- delete by ids ------------------------------------------------------------
def test_bulk_delete(client, storage):
    """As Zaqar's test_bulk_delete."""
    resp = post_messages(client, 'fizbit', *range(5))
    target, query = resp.headers['Location'].split('?')
    assert_error(client.delete(MESSAGES), 400, 'Invalid API request',
                 'The request should have either "ids" or "pop" parameter '
                 'in the request, to be able to delete.')
    assert client.delete(target + '?' + query).status_code == 204
    assert client.get(target + '?' + query).status_code == 404
    assert client.delete(target + '?' + query).status_code == 204
    client.delete('/v2/queues/fizbit')
    assert client.delete(target + '?' + query).status_code == 204


def test_bulk_delete_passes_claim_ids(client, storage):
    client.delete(MESSAGES + '?ids=a,b&claim_ids=c1')
    assert storage.calls[-1] == ('message_delete_many', 'p-unit', 'fizbit',
                                 ['a', 'b'], ['c1'])


def test_bulk_delete_with_claim_ids_deletes_claimed(client):
    ids = message_ids(post_messages(client, 'fizbit', 1, 2))
    claim = client.post('/v2/queues/fizbit/claims')
    claim_id = claim.headers['Location'].rsplit('/', 1)[1]
    client.delete(MESSAGES + '?ids=' + ','.join(ids))
    assert client.get(MESSAGES + '/' + ids[0]).status_code == 200
    client.delete(MESSAGES + '?ids=' + ','.join(ids) + '&claim_ids='
                  + claim_id)
    assert client.get(MESSAGES + '/' + ids[0]).status_code == 404


def test_bulk_delete_too_many_ids(client):
    resp = client.delete(MESSAGES + '?ids=' + ','.join(['a'] * 22))
    assert_error(resp, 400, 'Invalid API request',
                 'ids parameter should have at least 1 and not greater than '
                 '20 values.')


class TestClaimIdsRequired:
    """Zaqar's ``[transport] message_delete_with_claim_id``."""

    @pytest.fixture
    def conf(self, conf):
        conf.set_override('message_delete_with_claim_id', True,
                          group='transport')
        return conf

    def test_ids_without_claim_ids(self, client):
        resp = client.delete(MESSAGES + '?ids=a')
        assert_error(resp, 400, 'Invalid API request',
                     'The request should have both "ids" and "claim_ids" '
                     'parameter in the request when '
                     'message_delete_with_claim_id is True.')

    def test_ids_with_claim_ids(self, client):
        assert client.delete(MESSAGES + '?ids=a&claim_ids=c'
                             ).status_code == 204


# -- pop ----------------------------------------------------------------------
@pytest.mark.parametrize('count', [1, 2, 10])
def test_pop(client, count):
    ids = message_ids(post_messages(client, 'fizbit', *range(count)))
    resp = client.delete(MESSAGES + '?pop=%d' % count)
    assert resp.status_code == 200
    assert resp.mimetype == 'application/json'
    messages = resp.get_json()['messages']
    assert [m['id'] for m in messages] == ids
    assert client.get(MESSAGES + '/' + ids[0]).status_code == 404


def test_pop_document(client):
    """A popped message is Zaqar's storage-level message: no href; only
    fields python-zaqarclient's Message() accepts."""
    ids = message_ids(post_messages(client, 'fizbit', {'a': 1}, ttl=300))
    message = client.delete(MESSAGES + '?pop=1').get_json()['messages'][0]
    assert message == {'id': ids[0], 'age': 0, 'ttl': 300,
                       'claim_count': 0, 'body': {'a': 1},
                       'claim_id': None}


def test_pop_single_leaves_the_rest(client):
    post_messages(client, 'fizbit', *range(5))
    client.delete(MESSAGES + '?pop=1')
    assert len(client.get(MESSAGES + '?echo=True').get_json()[
        'messages']) == 4


def test_pop_empty_queue(client):
    resp = client.delete(MESSAGES + '?pop=1')
    assert resp.status_code == 200
    assert resp.get_json() == {'messages': []}


@pytest.mark.parametrize('query,title,description', [
    ('pop=1000000', 'Invalid API request',
     'Pop value must be at least 1 and may not be greater than 20.'),
    ('pop=-1', 'Invalid API request',
     'Pop value must be at least 1 and may not be greater than 20.'),
    ('pop=0', 'Invalid API request',
     'Pop value must be at least 1 and may not be greater than 20.'),
    ('pop=10&ids=1', 'Invalid API request',
     'pop and id params cannot be present together in the delete request.'),
    ('pop=x', 'Invalid parameter',
     'The "pop" parameter is invalid. The value must be an integer.'),
    ('ids=,', 'Invalid API request',
     'ids parameter should have at least 1 and not greater than 20 values.'),
])
def test_pop_invalid(client, query, title, description):
    assert_error(client.delete(MESSAGES + '?' + query), 400, title,
                 description)


# -- delete one ---------------------------------------------------------------
def test_delete_one(client):
    ids = message_ids(post_messages(client, 'fizbit', 1))
    target = MESSAGES + '/' + ids[0]
    resp = client.delete(target)
    assert resp.status_code == 204
    assert resp.get_data() == b''
    assert client.get(target).status_code == 404
    assert client.delete(target).status_code == 204


def test_delete_claimed_message(client):
    ids = message_ids(post_messages(client, 'fizbit', 1))
    claim = client.post('/v2/queues/fizbit/claims').get_json()
    href = claim['messages'][0]['href']
    target, query = href.split('?')
    resp = client.delete(target)
    assert_error(resp, 403, 'Unable to delete',
                 'This message is claimed; it cannot be deleted without a '
                 'valid claim ID.')
    assert client.delete(href).status_code == 204
    assert client.get(MESSAGES + '/' + ids[0]).status_code == 404


def test_delete_with_invalid_claim(client):
    ids = message_ids(post_messages(client, 'fizbit', 1))
    target = MESSAGES + '/' + ids[0]
    resp = client.delete(target + '?claim_id=invalid')
    assert_error(resp, 400, 'Unable to delete',
                 'The specified claim does not exist or has expired.')
    assert client.get(target).status_code == 200


def test_delete_unclaimed_with_claim_id(client):
    ids = message_ids(post_messages(client, 'fizbit', 1, 2))
    claim = client.post('/v2/queues/fizbit/claims?limit=1')
    claim_id = claim.headers['Location'].rsplit('/', 1)[1]
    resp = client.delete(MESSAGES + '/' + ids[1] + '?claim_id=' + claim_id)
    assert_error(resp, 400, 'Unable to delete',
                 'A claim was specified, but the message is not currently '
                 'claimed.')


def test_delete_with_another_claim_is_403(client):
    ids = message_ids(post_messages(client, 'fizbit', 1, 2))
    client.post('/v2/queues/fizbit/claims?limit=1')
    other = client.post('/v2/queues/fizbit/claims?limit=1')
    other_id = other.headers['Location'].rsplit('/', 1)[1]
    resp = client.delete(MESSAGES + '/' + ids[0] + '?claim_id=' + other_id)
    assert resp.status_code == 403
