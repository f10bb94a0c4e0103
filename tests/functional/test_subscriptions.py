"""Subscriptions over real HTTP and a real Swift: Zaqar v2's
``/v2/queues/{q}/subscriptions`` resources, their validation, uniqueness,
paging, expiry, isolation and storage layout.

Where Zaqar's documentation and code disagree, the code of Zaqar's
newest release is followed (``zaqar/transport/wsgi/v2_0/subscriptions.py``
and ``zaqar/transport/validation.py``); each such test says so.
"""

import concurrent.futures
import json
import math
import time
import uuid

import pytest

from swiftq import conf as swiftq_conf
from swiftq.api import openapi
from swiftq.auth import signing
from swiftq.storage import naming
from swiftq.swift.client import SwiftClient
from tests.functional.test_openapi_sync import check_response

SECRET = 'subscription-test-secret'
SUBS = '/v2/queues/{queue_name}/subscriptions'
SUB = SUBS + '/{subscription_id}'
CONFIRM = SUB + '/confirm'
FIELDS = {'id', 'source', 'subscriber', 'ttl', 'age', 'options',
          'confirmed'}
SUBSCRIBER_TYPES = ("['http', 'https', 'mailto', 'trust+http', "
                    "'trust+https']")


@pytest.fixture(scope='module')
def doc():
    return openapi.document()


@pytest.fixture(scope='module')
def short_server(local_swift, swiftq_server_factory):
    """1 s subscriptions, pre-signed URLs, and a subscriber marker that
    settles in 0.6 s instead of 1.2 s (Delta 0.5 s: the fast server's
    0.1 s is too short for a loaded test machine, whose slow PUTs would
    turn creates into 503s)."""
    return swiftq_server_factory(
        swift=local_swift, workers=2,
        overrides={('transport', 'min_subscription_ttl'): 1,
                   ('claims', 'lease_write_deadline'): 0.5,
                   ('claims', 'lease_settle_delay'): 0.6,
                   ('signed_url', 'secret_key'): SECRET})


@pytest.fixture
def short_api(short_server, api_factory):
    return api_factory(server=short_server)


@pytest.fixture(scope='module')
def shared(swiftq_server, api_client_class):
    """One subscription on the default server, for tests that only read
    it or fail to change it: ``(client, queue, subscription id)``."""
    client = api_client_class(swiftq_server.base_url)
    queue = qname('shared')
    sub_id = create(client, queue)
    yield client, queue, sub_id
    client.close()


def qname(tag):
    return '%s-%s' % (tag, uuid.uuid4().hex[:8])


def subs_path(queue):
    return '/v2/queues/%s/subscriptions' % queue


def create(api, queue, subscriber='http://example.com/hook', status=201,
           **fields):
    resp = api.post(subs_path(queue),
                    json=dict(fields, subscriber=subscriber))
    assert resp.status_code == status, resp.text
    return resp.json()['subscription_id'] if status == 201 else resp


def assert_error(resp, status, title, description=None):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body['title'] == title, body
    if description is not None:
        assert body['description'] == description, body


def wait_until(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


# -- create, read, update, confirm, delete ------------------------------------
def test_lifecycle(api, doc):
    queue = qname('life')
    resp = api.post(subs_path(queue), json={
        'subscriber': 'http://example.com/hook', 'ttl': 600,
        'options': {'a': 1}})
    assert resp.status_code == 201
    assert resp.headers['Location'].endswith(subs_path(queue))
    check_response(doc, resp, SUBS, 'POST')
    sub_id = resp.json()['subscription_id']
    assert naming.is_subscription_id(sub_id)

    path = subs_path(queue) + '/' + sub_id
    resp = api.get(path)
    check_response(doc, resp, SUB, 'GET')
    got = resp.json()
    assert set(got) == FIELDS
    assert got == {'id': sub_id, 'source': queue,
                   'subscriber': 'http://example.com/hook', 'ttl': 600,
                   'age': got['age'], 'options': {'a': 1},
                   'confirmed': False}
    assert 0 <= got['age'] < 60

    resp = api.patch(path, json={'ttl': 900, 'options': {'b': 2},
                                 'subscriber': 'https://example.com/new'})
    assert resp.status_code == 204
    check_response(doc, resp, SUB, 'PATCH')
    got = api.get(path).json()
    assert (got['ttl'], got['options'], got['subscriber']) == (
        900, {'b': 2}, 'https://example.com/new')

    resp = api.put(path + '/confirm', json={'confirmed': True})
    assert resp.status_code == 204
    check_response(doc, resp, CONFIRM, 'PUT')
    assert api.get(path).json()['confirmed'] is True
    assert api.put(path + '/confirm',
                   json={'confirmed': False}).status_code == 204
    assert api.get(path).json()['confirmed'] is False

    resp = api.delete(path)
    assert resp.status_code == 204
    check_response(doc, resp, SUB, 'DELETE')
    resp = api.get(path)
    assert_error(resp, 404, 'Not found',
                 'Subscription %s does not exist' % sub_id)
    check_response(doc, resp, SUB, 'GET')
    assert api.delete(path).status_code == 204          # idempotent


def test_post_without_ttl_or_options_uses_defaults(short_api):
    queue = qname('defaults')
    sub_id = create(short_api, queue, subscriber='mailto:ops@example.com')
    got = short_api.get(subs_path(queue) + '/' + sub_id).json()
    assert (got['ttl'], got['options']) == (3600, {})


def test_post_creates_the_queue(short_api):
    """Zaqar's on_post creates a missing queue."""
    queue = qname('autocreate')
    assert short_api.head('/v2/queues/' + queue).status_code == 404
    create(short_api, queue)
    assert short_api.head('/v2/queues/' + queue).status_code == 204


def test_invalid_body_creates_no_queue(api):
    """Unlike Zaqar, which creates the queue before it validates."""
    queue = qname('nocreate')
    resp = api.post(subs_path(queue), json={'subscriber': 'fake'})
    assert resp.status_code == 400
    assert api.head('/v2/queues/' + queue).status_code == 404


# -- uniqueness ---------------------------------------------------------------
def test_duplicate_subscriber(short_api, doc):
    """Zaqar's code (test_create_duplicate_409, test_recreate_after_
    confirmed): the same subscriber again answers 201 with the existing id
    while the subscription is unconfirmed, 409 once it is confirmed."""
    queue = qname('dup')
    first = create(short_api, queue, subscriber='http://ccc.example.com')
    again = create(short_api, queue, subscriber='http://ccc.example.com')
    assert again == first
    assert [s['id'] for s in short_api.get(subs_path(queue)).json()[
        'subscriptions']] == [first]
    short_api.put(subs_path(queue) + '/%s/confirm' % first,
                  json={'confirmed': True})
    resp = short_api.post(subs_path(queue),
                          json={'subscriber': 'http://ccc.example.com'})
    assert_error(resp, 409, 'Resource conflict',
                 'Such subscription already exists.Subscriptions are '
                 'unique by project + queue + subscriber URI.')
    check_response(doc, resp, SUBS, 'POST')
    # Another queue may have the same subscriber.
    create(short_api, qname('dup-other'), subscriber='http://ccc.example.com')


def test_patch_to_a_taken_subscriber_is_409(short_api, doc):
    queue = qname('dup-patch')
    create(short_api, queue, subscriber='http://triger.me')
    other = create(short_api, queue, subscriber='http://update.me')
    resp = short_api.patch(subs_path(queue) + '/' + other,
                           json={'subscriber': 'http://triger.me'})
    assert_error(resp, 409, 'Resource conflict',
                 'Such subscription already exists. Subscriptions are '
                 'unique by project + queue + subscriber URI.')
    check_response(doc, resp, SUB, 'PATCH')
    assert short_api.get(subs_path(queue) + '/' + other).json()[
        'subscriber'] == 'http://update.me'


def test_old_subscriber_is_free_after_a_patch(short_api):
    queue = qname('moved')
    sub_id = create(short_api, queue, subscriber='http://old.example.com')
    short_api.patch(subs_path(queue) + '/' + sub_id,
                    json={'subscriber': 'http://new.example.com'})
    reused = create(short_api, queue, subscriber='http://old.example.com')
    assert reused != sub_id
    short_api.delete(subs_path(queue) + '/' + sub_id)
    again = create(short_api, queue, subscriber='http://new.example.com')
    assert again != sub_id


def test_concurrent_posts_of_one_subscriber_make_one_subscription(
        api_factory, swiftq_server):
    """Eight clients post the same subscriber at once, three times over.
    The subscriber marker protocol (storage/subscriptions.py) leaves
    exactly one subscription; each request is answered 201 or, when Swift
    was too slow for the protocol to decide, 503."""
    first = api_factory(server=swiftq_server)
    clients = [first] + [api_factory(project=first.project,
                                     server=swiftq_server)
                         for _ in range(7)]
    subscriber = 'http://race.example.com'

    def post(client, queue):
        return client.post(subs_path(queue), json={'subscriber': subscriber})

    survivors = 0
    for _ in range(3):
        queue = qname('race')
        create(first, queue, subscriber='http://warmup.example.com')
        with concurrent.futures.ThreadPoolExecutor(len(clients)) as pool:
            answers = list(pool.map(post, clients, [queue] * len(clients)))
        assert {r.status_code for r in answers} <= {201, 503}, \
            [r.text for r in answers]
        listed = [s['id'] for s in first.get(subs_path(queue)).json()[
            'subscriptions'] if s['subscriber'] == subscriber]
        answered = {r.json()['subscription_id'] for r in answers
                    if r.status_code == 201}
        assert len(listed) <= 1
        if listed:
            assert listed[0] in answered    # its creator was told
            survivors += 1
    assert survivors >= 1


# -- validation ---------------------------------------------------------------
INVALID_API = 'Invalid API request'


@pytest.mark.parametrize('body,title,description', [
    (None, INVALID_API, 'Missing parameter subscriber in body.'),
    ({}, INVALID_API, 'Missing parameter subscriber in body.'),
    ({'ttl': 600}, INVALID_API, 'Missing parameter subscriber in body.'),
    ([], INVALID_API, 'Subscriptions must be a dict.'),
    ({'subscriber': 'fake'}, INVALID_API,
     'The subscriber type of subscription must be supported in the list '
     + SUBSCRIBER_TYPES + '.'),
    ({'subscriber': 'email://fake'}, INVALID_API,
     'The subscriber type of subscription must be supported in the list '
     + SUBSCRIBER_TYPES + '.'),
    ({'subscriber': ''}, INVALID_API,
     'The subscriber type of subscription must be supported in the list '
     + SUBSCRIBER_TYPES + '.'),
    ({'subscriber': 42}, INVALID_API,
     'The subscriber type of subscription must be supported in the list '
     + SUBSCRIBER_TYPES + '.'),
    ({'subscriber': 'http://x', 'options': 1}, INVALID_API,
     'Options must be a dict.'),
    ({'subscriber': 'http://x', 'options': []}, INVALID_API,
     'Options must be a dict.'),
    ({'subscriber': 'http://x', 'ttl': 'invalid'}, INVALID_API,
     'TTL must be an integer.'),
    ({'subscriber': 'http://x', 'ttl': 600.5}, INVALID_API,
     'TTL must be an integer.'),
    ({'subscriber': 'http://x', 'ttl': True}, INVALID_API,
     'TTL must be an integer.'),
    ({'subscriber': 'http://x', 'ttl': 59}, INVALID_API,
     'The TTL for a subscription must be at least 60 seconds long.'),
    ({'subscriber': 'http://x', 'ttl': 0}, INVALID_API,
     'The TTL for a subscription must be at least 60 seconds long.'),
    ({'subscriber': 'http://x', 'ttl': -1}, INVALID_API,
     'The TTL for a subscription must be at least 60 seconds long.'),
    ({'subscriber': 'http://x', 'ttl': 2 ** 62}, INVALID_API,
     'The TTL seconds for a subscription plus current time must be less '
     'than 9999-12-31 23:59:59.999999.'),
    ({'subscriber': 'http://x',
      'options': {'_retry_policy': {'retry_backoff_function': 'x'}}},
     INVALID_API, 'invalid retry_backoff_function.'),
    ({'subscriber': 'http://x',
      'options': {'_retry_policy': {'minimum_delay': 'a'}}},
     INVALID_API, 'Retry policy: minimum_delay must be a integer.'),
    ({'subscriber': 'http://x', 'options': {'_retry_policy': 3}},
     INVALID_API, 'retry_policy must be a dict.'),
])
def test_post_validation(api, doc, body, title, description):
    """Zaqar's subscription_posting rules and messages. Stricter than
    Zaqar where its checks skip falsy values (an empty subscriber, TTL 0,
    options ``[]`` are stored by Zaqar) or crash into a 503 (a list
    body, a non-string subscriber)."""
    queue = qname('badpost')
    kwargs = {} if body is None else {'json': body}
    resp = api.post(subs_path(queue), **kwargs)
    assert_error(resp, 400, title, description)
    check_response(doc, resp, SUBS, 'POST')


@pytest.mark.parametrize('data,description', [
    (b'{"subscriber": "http://x", "options": xxx}',
     'Request body could not be parsed.'),
    (b'"just a string"', 'Request body could not be parsed.'),
])
def test_post_unparsable_body(api, data, description):
    resp = api.post(subs_path(qname('unparsable')), data=data,
                    headers={'Content-Type': 'application/json'})
    assert_error(resp, 400, 'Invalid request body', description)


@pytest.mark.parametrize('body,status,title,description', [
    (None, 400, INVALID_API, 'No subscription to create.'),
    ({}, 400, INVALID_API, 'No subscription to create.'),
    ([1], 400, INVALID_API, 'Subscriptions must be a dict.'),
    ({'ttl': 'invalid'}, 400, INVALID_API, 'TTL must be an integer.'),
    ({'ttl': 10}, 400, INVALID_API,
     'The TTL for a subscription must be at least 60 seconds long.'),
    ({'subscriber': 'ftp://x'}, 400, INVALID_API,
     'The subscriber type of subscription must be supported in the list '
     + SUBSCRIBER_TYPES + '.'),
    ({'options': 'x'}, 400, INVALID_API, 'Options must be a dict.'),
    ({'unknown': 1}, 400, 'Unable to update subscription', None),
])
def test_patch_validation(shared, doc, body, status, title, description):
    """Zaqar's subscription_patching; a body with nothing Zaqar's
    storage can change answers its "Unable to update subscription"."""
    client, queue, sub_id = shared
    kwargs = {} if body is None else {'json': body}
    resp = client.patch(subs_path(queue) + '/' + sub_id, **kwargs)
    if description is None:
        description = 'Subscription %s could not be updated.' % sub_id
    assert_error(resp, status, title, description)
    check_response(doc, resp, SUB, 'PATCH')
    got = client.get(subs_path(queue) + '/' + sub_id).json()
    assert (got['ttl'], got['options']) == (3600, {})


@pytest.mark.parametrize('data,title,description', [
    (b'{"confirmed": 123}', INVALID_API,
     "The 'confirmed' should be boolean."),
    (b'{}', INVALID_API, "The 'confirmed' should be boolean."),
    (b'', INVALID_API, "The 'confirmed' should be boolean."),
    (b'[true]', INVALID_API, "The 'confirmed' should be boolean."),
    (b'{confirmed:123}', 'Invalid request body',
     'Request body could not be parsed.'),
])
def test_confirm_validation(shared, doc, data, title, description):
    client, queue, sub_id = shared
    resp = client.put(subs_path(queue) + '/%s/confirm' % sub_id, data=data,
                      headers={'Content-Type': 'application/json'})
    assert_error(resp, 400, title, description)
    check_response(doc, resp, CONFIRM, 'PUT')
    assert client.get(subs_path(queue) + '/' + sub_id).json()[
        'confirmed'] is False


@pytest.mark.parametrize('sub_id', [
    'fake', 'x', str(uuid.uuid4()), '0' * 36, 'ABCDEF01-0000-7000-8000-'
    '000000000000'])
def test_unknown_or_ill_formed_ids_are_404(shared, doc, sub_id):
    """Zaqar: GET/PATCH/confirm of an unknown id are 404, DELETE is
    204."""
    client, queue, existing = shared
    path = subs_path(queue) + '/' + sub_id
    description = 'Subscription %s does not exist' % sub_id
    assert_error(client.get(path), 404, 'Not found', description)
    resp = client.patch(path, json={'ttl': 300})
    assert_error(resp, 404, 'Not found', description)
    check_response(doc, resp, SUB, 'PATCH')
    resp = client.put(path + '/confirm', json={'confirmed': True})
    assert_error(resp, 404, 'Not found', description)
    check_response(doc, resp, CONFIRM, 'PUT')
    assert client.delete(path).status_code == 204
    assert client.get(subs_path(queue) + '/' + existing).status_code == 200


# -- listing ------------------------------------------------------------------
def test_paging(short_api, doc):
    queue = qname('pages')
    resp = short_api.get(subs_path(queue))
    assert resp.json() == {'subscriptions': [], 'links': []}
    check_response(doc, resp, SUBS, 'GET')
    ids = [create(short_api, queue, subscriber='http://h%d.example.com' % n)
           for n in range(12)]
    assert ids == sorted(ids)       # ids sort in creation order

    seen, path, pages = [], subs_path(queue) + '?limit=5', 0
    while True:
        resp = short_api.get(path)
        check_response(doc, resp, SUBS, 'GET')
        page = resp.json()
        pages += 1
        if not page['subscriptions']:
            assert page['links'] == []
            break
        assert len(page['subscriptions']) <= 5
        assert all(set(s) == FIELDS for s in page['subscriptions'])
        seen.extend(s['id'] for s in page['subscriptions'])
        (link,) = page['links']
        assert link['rel'] == 'next' and 'limit=5' in link['href']
        assert 'marker=' + seen[-1] in link['href']
        path = link['href']
    assert seen == ids and pages == 4

    default = short_api.get(subs_path(queue)).json()['subscriptions']
    assert [s['id'] for s in default] == ids[:10]
    after = short_api.get(subs_path(queue), params={'marker': ids[9]}).json()
    assert [s['id'] for s in after['subscriptions']] == ids[10:]
    assert short_api.get(subs_path(queue), params={'marker': 'zzz'}).json()[
        'subscriptions'] == []


@pytest.mark.parametrize('limit', ['0', '21', '-1'])
def test_listing_limit_validation(api, doc, limit):
    resp = api.get(subs_path(qname('limit')), params={'limit': limit})
    assert_error(resp, 400, INVALID_API,
                 'Limit must be at least 1 and may not be greater than 20.')
    check_response(doc, resp, SUBS, 'GET')


def test_listing_limit_must_be_an_integer(api):
    resp = api.get(subs_path(qname('limit')), params={'limit': 'x'})
    assert_error(resp, 400, 'Invalid parameter')


# -- isolation and queue lifecycle --------------------------------------------
def test_another_project_sees_nothing(short_api, api_factory, short_server):
    queue = qname('iso')
    sub_id = create(short_api, queue)
    other = api_factory(server=short_server)
    path = subs_path(queue) + '/' + sub_id
    assert other.get(subs_path(queue)).json()['subscriptions'] == []
    assert other.get(path).status_code == 404
    assert other.patch(path, json={'ttl': 300}).status_code == 404
    assert other.put(path + '/confirm',
                     json={'confirmed': True}).status_code == 404
    assert other.delete(path).status_code == 204
    # The other project may subscribe the same subscriber to its own
    # queue of that name.
    assert create(other, queue) != sub_id
    got = short_api.get(path).json()
    assert (got['ttl'], got['confirmed']) == (3600, False)


def test_queue_delete_removes_its_subscriptions(short_api):
    queue = qname('qdel')
    kept_queue = qname('qkeep')
    for n in range(3):
        create(short_api, queue, subscriber='http://d%d.example.com' % n)
    kept = create(short_api, kept_queue)
    assert short_api.delete('/v2/queues/' + queue).status_code == 204
    assert short_api.get(subs_path(queue)).json()['subscriptions'] == []
    short_api.put('/v2/queues/' + queue)
    assert short_api.get(subs_path(queue)).json()['subscriptions'] == []
    assert [s['id'] for s in short_api.get(subs_path(kept_queue)).json()[
        'subscriptions']] == [kept]


def test_purge_subscriptions_only_when_asked(short_api):
    """Zaqar's purge: ``resource_types`` picks messages and/or
    subscriptions (both without a body)."""
    queue = qname('purge')
    base = '/v2/queues/' + queue
    sub_id = create(short_api, queue)
    short_api.post(base + '/messages', json={'messages': [{'body': 1}]})

    short_api.post(base + '/purge', json={'resource_types': ['messages']})
    assert [s['id'] for s in short_api.get(subs_path(queue)).json()[
        'subscriptions']] == [sub_id]

    short_api.post(base + '/messages', json={'messages': [{'body': 2}]})
    assert short_api.post(base + '/purge', json={
        'resource_types': ['subscriptions']}).status_code == 204
    assert short_api.get(subs_path(queue)).json()['subscriptions'] == []
    assert short_api.get(base + '/stats').json()['messages']['total'] == 1

    create(short_api, queue)
    assert short_api.post(base + '/purge').status_code == 204
    assert short_api.get(subs_path(queue)).json()['subscriptions'] == []
    assert short_api.get(base + '/stats').json()['messages']['total'] == 0


# -- expiry -------------------------------------------------------------------
def test_expired_subscriptions_disappear(short_api):
    queue = qname('expiry')
    gone = create(short_api, queue, subscriber='http://a.example.com',
                  ttl=600)
    kept = create(short_api, queue, subscriber='http://b.example.com',
                  ttl=600)
    path = subs_path(queue) + '/' + gone
    assert short_api.patch(path, json={'ttl': 1}).status_code == 204
    assert wait_until(lambda: short_api.get(path).status_code == 404)
    listed = short_api.get(subs_path(queue)).json()['subscriptions']
    assert [s['id'] for s in listed] == [kept]
    assert short_api.patch(path, json={'ttl': 600}).status_code == 404
    # The expired subscription's subscriber is free again.
    again = create(short_api, queue, subscriber='http://a.example.com')
    assert again not in (gone, kept)


def test_patch_ttl_counts_from_now(short_api):
    queue = qname('renew')
    sub_id = create(short_api, queue, ttl=600)
    path = subs_path(queue) + '/' + sub_id
    short_api.patch(path, json={'ttl': 7200})
    got = short_api.get(path).json()
    assert got['ttl'] == 7200


# -- pre-signed confirmation --------------------------------------------------
def test_confirm_with_a_pre_signed_url(short_api, short_server,
                                       api_factory):
    """The confirmation request Zaqar sends a subscriber carries a URL
    signed for ``PUT`` on the confirm path: it works without a token and
    only there."""
    queue = qname('signed')
    sub_id = create(short_api, queue)
    confirm = subs_path(queue) + '/%s/confirm' % sub_id
    signed = signing.create(SECRET, [confirm], short_api.project,
                            methods=['PUT'])
    stranger = api_factory(project='nobody', server=short_server)
    headers = {'URL-Signature': signed['signature'],
               'URL-Expires': signed['expires'],
               'URL-Methods': 'PUT', 'URL-Paths': confirm,
               'X-Project-ID': short_api.project}
    resp = stranger.put(confirm, json={'confirmed': True}, headers=headers)
    assert resp.status_code == 204, resp.text
    assert short_api.get(subs_path(queue) + '/' + sub_id).json()[
        'confirmed'] is True
    # Refusals answer 404, as Zaqar's code answers a pre-signed URL that
    # does not verify (zaqar/common/transport/wsgi/helpers.py).
    resp = stranger.get(subs_path(queue) + '/' + sub_id,
                        headers=dict(headers, **{'URL-Methods': 'PUT'}))
    assert resp.status_code == 404
    forged = dict(headers, **{'X-Project-ID': 'nobody'})
    assert stranger.put(confirm, json={'confirmed': False},
                        headers=forged).status_code == 404


def test_shared_subscriptions_path_covers_confirm(short_api, api_factory,
                                                  short_server):
    queue = qname('share')
    sub_id = create(short_api, queue)
    share = short_api.post('/v2/queues/%s/share' % queue, json={
        'paths': ['subscriptions'], 'methods': ['GET', 'PUT']}).json()
    holder = api_factory(project='holder', server=short_server)
    headers = {'URL-Signature': share['signature'],
               'URL-Expires': share['expires'],
               'URL-Methods': ','.join(share['methods']),
               'URL-Paths': ','.join(share['paths']),
               'X-Project-ID': share['project']}
    path = subs_path(queue) + '/' + sub_id
    assert holder.put(path + '/confirm', json={'confirmed': True},
                      headers=headers).status_code == 204
    assert holder.get(path, headers=headers).json()['confirmed'] is True


# -- the storage layout the notifier reads ------------------------------------
def test_swift_layout(api, swiftq_server, local_swift):
    """doc/source/design/subscriptions.rst: one index container per
    deployment, ``<queue container>/<id>`` holding the JSON document with
    X-Delete-At = ceil(expires), and a subscriber marker."""
    queue = qname('layout')
    sub_id = create(api, queue, ttl=600, options={'k': 'v'})
    conf = swiftq_conf.new_conf(overrides={
        ('swift', 'auth_type'): 'tempauth',
        ('swift', 'auth_url'): local_swift.auth_url,
        ('swift', 'user'): local_swift.user,
        ('swift', 'key'): local_swift.key})
    swift = SwiftClient.from_conf(conf)
    prefix = swiftq_server.container_prefix
    index = prefix + '.subscriptions'
    container = naming.queue_container(prefix, api.project, queue)
    resp = swift.get_object(index, '%s/%s' % (container, sub_id))
    assert resp.status == 200
    stored = json.loads(resp.data)
    assert set(stored) == {'id', 'project', 'queue', 'container',
                           'subscriber', 'ttl', 'options', 'created',
                           'expires', 'confirmed'}
    assert (stored['id'], stored['project'], stored['queue'],
            stored['container'], stored['ttl'], stored['options'],
            stored['confirmed']) == (sub_id, api.project, queue, container,
                                     600, {'k': 'v'}, False)
    assert stored['expires'] == pytest.approx(stored['created'] + 600)
    assert resp.headers['X-Delete-At'] == str(math.ceil(stored['expires']))
    names = [e['name'] for e in swift.iter_objects(
        index, prefix=container + '/')]
    assert names == ['%s/%s' % (container, sub_id),
                     naming.subscriber_marker_object(
                         container, 'http://example.com/hook')]
    subdirs = [e.get('subdir') for e in swift.iter_objects(
        index, delimiter='/')]
    assert container + '/' in subdirs
