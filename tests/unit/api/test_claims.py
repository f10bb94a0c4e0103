"""Claims: create, get, renew, release."""

import json

import pytest

from tests.unit.api.base import app, assert_error, client, conf  # noqa: F401
from tests.unit.api.base import message_ids, overrides  # noqa: F401
from tests.unit.api.base import post_messages, storage  # noqa: F401

QUEUE = '/v2/queues/fizbit'
CLAIMS = QUEUE + '/claims'


@pytest.fixture
def ids(client):
    return message_ids(post_messages(client, 'fizbit', *range(10), ttl=300))


def claim(client, document='{"ttl": 100, "grace": 60}', query=''):
    data = document if isinstance(document, str) else json.dumps(document)
    return client.post(CLAIMS + query, data=data,
                       content_type='application/json')


def test_lifecycle(client, storage, ids):
    """As Zaqar's test_lifecycle."""
    resp = claim(client)
    assert resp.status_code == 201
    claimed = resp.get_json()['messages']
    claim_href = resp.headers['Location']
    claim_id = claim_href.rsplit('/', 1)[1]
    assert claim_href == CLAIMS + '/' + claim_id
    assert [m['id'] for m in claimed] == ids
    assert claimed[0] == {
        'id': ids[0], 'ttl': 300, 'age': 0, 'body': 0,
        'href': QUEUE + '/messages/' + ids[0] + '?claim_id=' + claim_id}

    # Nothing left to claim.
    resp = claim(client, query='?limit=3')
    assert resp.status_code == 204
    assert resp.get_data() == b''

    storage.now += 10
    resp = client.get(claim_href)
    assert resp.status_code == 200
    doc = resp.get_json()
    assert doc == {'age': 10, 'ttl': 100, 'href': claim_href,
                   'messages': [dict(m, age=10) for m in claimed]}

    message_href, params = claimed[0]['href'].split('?')
    assert client.delete(message_href).status_code == 403
    assert client.delete(message_href + '?' + params).status_code == 204
    assert client.get(message_href + '?' + params).status_code == 404

    resp = client.patch(claim_href, json={'ttl': 60, 'grace': 60})
    assert resp.status_code == 204
    assert resp.get_data() == b''
    assert client.get(claim_href).get_json()['ttl'] == 60

    assert client.delete(claim_href).status_code == 204
    message_href, params = claimed[1]['href'].split('?')
    assert client.delete(message_href + '?' + params).status_code == 400
    assert client.get(message_href).status_code == 200
    assert client.get(claim_href).status_code == 404
    assert client.patch(claim_href, json={'ttl': 100}).status_code == 404


def test_claim_passes_ttl_grace_limit(client, storage, ids):
    claim(client, {'ttl': 120, 'grace': 90}, '?limit=3')
    assert storage.calls[-1] == ('claim_create', 'p-unit', 'fizbit', 120, 90,
                                 3)


@pytest.mark.parametrize('data', ['', '{}'])
def test_claim_defaults(client, storage, ids, data):
    resp = client.post(CLAIMS, data=data, content_type='application/json')
    assert resp.status_code == 201
    assert storage.calls[-1][3:] == (300, 60, 10)
    assert client.get(resp.headers['Location']).get_json()['ttl'] == 300


def test_claim_without_body_or_content_type(client, storage, ids):
    resp = client.post(CLAIMS)
    assert resp.status_code == 201


def test_claim_defaults_from_conf(client, conf, storage, ids):
    conf.set_override('default_claim_ttl', 120, 'transport')
    conf.set_override('default_claim_grace', 90, 'transport')
    claim(client, '{}')
    assert storage.calls[-1][3:5] == (120, 90)


def test_claim_missing_queue_is_204(client):
    resp = client.post('/v2/queues/nonexistent/claims',
                       json={'ttl': 100, 'grace': 60})
    assert resp.status_code == 204


@pytest.mark.parametrize('document,title,description', [
    ('[', 'Invalid request body', 'Request body could not be parsed.'),
    ('.', 'Invalid request body', 'Request body could not be parsed.'),
    ('"fail"', 'Invalid request body', 'Request body could not be parsed.'),
    ('[]', 'Invalid request body', 'Document type not supported.'),
    ('{"ttl": "100"}', 'Invalid request body',
     'The value of the "ttl" field must be a int.'),
    ('{"grace": 1.5}', 'Invalid request body',
     'The value of the "grace" field must be a int.'),
])
def test_bad_claim_documents(client, ids, document, title, description):
    assert_error(claim(client, document), 400, title, description)
    href = claim(client).headers['Location']
    resp = client.patch(href, data=document, content_type='application/json')
    assert_error(resp, 400, title, description)


@pytest.mark.parametrize('ttl,grace,description', [
    (-1, -1, 'The TTL for a claim may not exceed 43200 seconds, and must be '
             'at least 60 seconds long.'),
    (59, 60, 'The TTL for a claim may not exceed 43200 seconds, and must be '
             'at least 60 seconds long.'),
    (43201, 60, 'The TTL for a claim may not exceed 43200 seconds, and must '
                'be at least 60 seconds long.'),
    (60, 59, 'The grace for a claim may not exceed 43200 seconds, and must '
             'be at least 60 seconds long.'),
    (60, 43201, 'The grace for a claim may not exceed 43200 seconds, and '
                'must be at least 60 seconds long.'),
])
def test_unacceptable_ttl_or_grace(client, ttl, grace, description):
    resp = claim(client, {'ttl': ttl, 'grace': grace})
    assert_error(resp, 400, 'Invalid API request', description)


@pytest.mark.parametrize('limit', ['0', '21'])
def test_claim_limit_bounds(client, limit):
    resp = claim(client, query='?limit=' + limit)
    assert_error(resp, 400, 'Invalid API request',
                 'Limit must be at least 1 and may not be greater than 20.')


def test_claim_limit_must_be_an_integer(client):
    assert_error(claim(client, query='?limit=all'), 400,
                 'Invalid parameter',
                 'The "limit" parameter is invalid. The value must be an '
                 'integer.')


@pytest.mark.parametrize('ttl', [-1, 59, 43201])
def test_unacceptable_new_ttl(client, ids, ttl):
    href = claim(client).headers['Location']
    resp = client.patch(href, json={'ttl': ttl})
    assert_error(resp, 400, 'Invalid API request')


def test_renew_grace_is_only_defaulted(client, storage, ids):
    """Zaqar checks only the TTL when renewing."""
    href = claim(client).headers['Location']
    assert client.patch(href, json={'ttl': 100, 'grace': 0}
                        ).status_code == 204
    assert storage.calls[-1][-2:] == (100, 0)
    client.patch(href, json={'ttl': 100})
    assert storage.calls[-1][-1] == 60


def test_renew_requires_a_body(client, ids):
    href = claim(client).headers['Location']
    assert_error(client.patch(href), 400, 'Invalid request body',
                 'Request body can not be empty')


def test_get_missing_claim(client, ids):
    resp = client.get(CLAIMS + '/a')
    assert_error(resp, 404, 'Not found',
                 'Claim a does not exist in queue fizbit for project p-unit')
    assert client.get('/v2/queues/nonexistent/claims/aaabbbba'
                      ).status_code == 404


def test_expired_claim_is_gone(client, storage, ids):
    href = claim(client).headers['Location']
    storage.now += 101
    assert client.get(href).status_code == 404


def test_delete_missing_claim_is_204(client):
    assert client.delete(CLAIMS + '/a').status_code == 204


def test_patch_missing_claim_is_404(client):
    resp = client.patch(CLAIMS + '/a', json={'ttl': 100})
    assert_error(resp, 404, 'Not found')


def test_release_frees_messages(client, ids):
    href = claim(client).headers['Location']
    client.delete(href)
    resp = client.get(QUEUE + '/messages?echo=true')
    assert len(resp.get_json()['messages']) == 10
    assert claim(client).status_code == 201


def test_claims_are_per_project(client, ids):
    href = claim(client, query='?limit=1').headers['Location']
    other = client.other(project='bogusproject')
    assert other.get(href).status_code == 404
    assert other.post(CLAIMS).status_code == 204
