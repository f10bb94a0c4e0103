"""Topics over real HTTP and a real Swift: Zaqar v2's ``/v2/topics``
resources (``zaqar/transport/wsgi/v2_0/topic.py``, ``topic_stats.py``,
``topic_purge.py`` and the message and subscription resources its routes
share with queues), and their isolation from queues of the same name.

Where Zaqar's topic code is broken swiftq answers as Zaqar's queue code
does (its topic message and subscription routes hand ``topic_name`` to
responders that take ``queue_name``, so Zaqar answers them 500); each
such test says so.

The queue tests that hold of topics as they are run against topics too:
``test_topic_resource.py``, ``test_topic_messages.py``,
``test_topic_subscriptions.py``; delivery: ``test_topic_notifier.py``.
"""

import uuid

import pytest

from swiftq import conf as swiftq_conf
from swiftq.api import openapi
from swiftq.storage import naming
from swiftq.swift.client import SwiftClient
from tests.functional.test_api_contract import assert_error
from tests.functional.test_openapi_sync import check_response

PATCH_TYPE = 'application/openstack-messaging-v2.0-json-patch'
TOPIC_RESERVED = {'_max_messages_post_size': 262144,
                  '_default_message_ttl': 3600,
                  '_default_message_delay': 0}


@pytest.fixture(scope='module')
def doc():
    return openapi.document()


def tname(tag):
    return '%s-%s' % (tag, uuid.uuid4().hex[:8])


def post(api, topic, bodies, ttl=300, status=201):
    resp = api.post('/v2/topics/%s/messages' % topic,
                    json={'messages': [{'body': b, 'ttl': ttl}
                                       for b in bodies]})
    assert resp.status_code == status, resp.text
    return [href.rsplit('/', 1)[1] for href in resp.json()['resources']]


# -- the topic itself ---------------------------------------------------------
def test_topic_lifecycle(api, doc):
    path = '/v2/topics/' + tname('life')
    resp = api.put(path, json={'color': 'blue', '_default_message_ttl': 60})
    assert resp.status_code == 201, resp.text
    assert resp.headers['Location'] == path
    assert resp.content == b''
    check_response(doc, resp, '/v2/topics/{topic_name}', 'PUT')

    resp = api.put(path, json={'color': 'red'})
    assert resp.status_code == 204
    assert resp.headers['Location'] == path

    resp = api.get(path)
    assert resp.status_code == 200
    check_response(doc, resp, '/v2/topics/{topic_name}', 'GET')
    # An existing topic keeps its metadata; only Zaqar's three reserved
    # keys of a topic are filled in.
    assert resp.json() == {'color': 'blue', '_default_message_ttl': 60,
                           '_max_messages_post_size': 262144,
                           '_default_message_delay': 0}
    assert api.head(path).status_code == 204

    resp = api.delete(path)
    assert resp.status_code == 204
    check_response(doc, resp, '/v2/topics/{topic_name}', 'DELETE')
    assert api.head(path).status_code == 404
    assert api.delete(path).status_code == 204


def test_get_missing_topic_is_defaults(api):
    """Zaqar's topic ``_get`` answers ``{}`` for a missing topic."""
    resp = api.get('/v2/topics/' + tname('missing'))
    assert resp.status_code == 200
    assert resp.json() == TOPIC_RESERVED


@pytest.mark.parametrize('name', ['Nice-Bo@t', '_' + 'niceboat' * 8,
                                  'a b'])
def test_invalid_topic_names(api, name):
    for method in ('put', 'get', 'delete'):
        resp = getattr(api, method)('/v2/topics/' + name)
        assert_error(resp, 400, 'Invalid topic identification',
                     'The format of the submitted topic name or project '
                     'id is not valid.')
    resp = api.post('/v2/topics/%s/messages' % name,
                    json={'messages': [{'body': 1}]})
    assert_error(resp, 400, 'Invalid topic identification')


def test_list_topics(api, api_factory, doc):
    names = sorted(tname('t%d' % i) for i in range(5))
    for i, name in enumerate(names):
        assert api.put('/v2/topics/' + name,
                       json={'node': i}).status_code == 201
    other = api_factory()
    other.put('/v2/topics/' + tname('other'))

    resp = api.get('/v2/topics', params={'limit': 2})
    assert resp.status_code == 200
    check_response(doc, resp, '/v2/topics', 'GET')
    page = resp.json()
    assert [t['name'] for t in page['topics']] == names[:2]
    assert page['topics'][0] == {'name': names[0],
                                 'href': '/v2/topics/' + names[0]}
    assert page['links'][0]['rel'] == 'next'
    next_page = api.get(page['links'][0]['href']).json()
    assert [t['name'] for t in next_page['topics']] == names[2:4]

    resp = api.get('/v2/topics', params={'detailed': 'true'})
    detailed = resp.json()['topics']
    assert [t['name'] for t in detailed] == names
    assert detailed[3]['metadata'] == dict(TOPIC_RESERVED, node=3)
    check_response(doc, resp, '/v2/topics', 'GET')

    filtered = api.get('/v2/topics', params={'node': 2}).json()['topics']
    assert [t['name'] for t in filtered] == [names[2]]
    named = api.get('/v2/topics',
                    params={'name': names[4][-8:]}).json()['topics']
    assert [t['name'] for t in named] == [names[4]]

    empty = api.get('/v2/topics', params={'marker': names[-1]}).json()
    assert empty == {'topics': [], 'links': []}


def test_patch_topic(api, doc):
    path = '/v2/topics/' + tname('patch')
    api.put(path, json={'key1': 1})

    def patch(changes, ctype=PATCH_TYPE):
        return api.patch(path, json=changes,
                         headers={'Content-Type': ctype})

    resp = patch([{'op': 'add', 'path': '/metadata/key2', 'value': 2},
                  {'op': 'replace', 'path': '/metadata/key1', 'value': 3},
                  {'op': 'replace', 'path': '/metadata/_default_message_ttl',
                   'value': 120}])
    assert resp.status_code == 200, resp.text
    check_response(doc, resp, '/v2/topics/{topic_name}', 'PATCH')
    assert resp.json() == dict(TOPIC_RESERVED, key1=3, key2=2,
                               _default_message_ttl=120)
    assert patch([{'op': 'remove', 'path': '/metadata/key1'}]).json() == \
        dict(TOPIC_RESERVED, key2=2, _default_message_ttl=120)
    assert api.get(path).json()['key2'] == 2

    resp = patch([{'op': 'replace', 'path': '/metadata/absent',
                   'value': 1}])
    assert resp.status_code == 409
    assert resp.json()['description'] == \
        "Can't replace non-existent object absent."
    resp = patch([{'op': 'remove', 'path': '/metadata/absent'}])
    assert resp.status_code == 409

    resp = patch([{'op': 'add', 'path': '/metadata/k', 'value': 1}],
                 ctype='application/json')
    assert resp.status_code == 415
    assert resp.headers['Accept-Patch'] == PATCH_TYPE

    api.delete(path)
    resp = patch([{'op': 'add', 'path': '/metadata/k', 'value': 1}])
    assert resp.status_code == 404


def test_stats_and_purge(api, doc):
    topic = tname('stats')
    path = '/v2/topics/' + topic
    resp = api.get(path + '/stats')
    assert resp.status_code == 200
    assert resp.json() == {'messages': {'claimed': 0, 'free': 0,
                                        'total': 0}}
    ids = post(api, topic, [1, 2, 3])
    resp = api.get(path + '/stats')
    check_response(doc, resp, '/v2/topics/{topic_name}/stats', 'GET')
    stats = resp.json()['messages']
    assert (stats['claimed'], stats['free'], stats['total']) == (0, 3, 3)
    assert stats['oldest']['href'] == path + '/messages/' + ids[0]
    assert stats['newest']['href'] == path + '/messages/' + ids[-1]

    resp = api.post(path + '/purge', json={'resource_types': ['unknown']})
    assert resp.status_code == 400
    resp = api.post(path + '/purge', json={'resource_types': ['messages']})
    assert resp.status_code == 204
    check_response(doc, resp, '/v2/topics/{topic_name}/purge', 'POST')
    assert api.get(path + '/stats').json()['messages']['total'] == 0
    assert api.head(path).status_code == 204


def test_no_claims_nor_share_on_topics(api):
    topic = tname('noclaim')
    post(api, topic, [1])
    assert api.post('/v2/topics/%s/claims' % topic,
                    json={'ttl': 60, 'grace': 60}).status_code == 404
    assert api.post('/v2/topics/%s/share' % topic, json={}).status_code \
        == 404


# -- messages -----------------------------------------------------------------
def test_post_creates_topic_and_messages_round_trip(api, api_factory, doc):
    """Zaqar's routes give topics its message resources (its responders
    then fail on the ``topic_name`` argument); swiftq answers as for a
    queue."""
    topic = tname('msgs')
    base = '/v2/topics/' + topic
    resp = api.post(base + '/messages',
                    json={'messages': [{'body': {'n': i}, 'ttl': 300}
                                       for i in range(4)]})
    assert resp.status_code == 201, resp.text
    check_response(doc, resp, '/v2/topics/{topic_name}/messages', 'POST')
    ids = [href.rsplit('/', 1)[1] for href in resp.json()['resources']]
    assert resp.json()['resources'][0] == base + '/messages/' + ids[0]
    assert resp.headers['Location'] == base + '/messages?ids=' + \
        ','.join(ids)
    assert api.head(base).status_code == 204
    assert [t['name'] for t in api.get('/v2/topics').json()['topics']] == \
        [topic]

    # echo: the poster's own messages only when asked.
    assert api.get(base + '/messages').json() == {'messages': [],
                                                  'links': []}
    resp = api.get(base + '/messages', params={'echo': 'true', 'limit': 3})
    check_response(doc, resp, '/v2/topics/{topic_name}/messages', 'GET')
    page = resp.json()
    assert [m['body']['n'] for m in page['messages']] == [0, 1, 2]
    assert page['messages'][0]['href'] == base + '/messages/' + ids[0]
    rest = api.get(page['links'][0]['href']).json()
    assert [m['body']['n'] for m in rest['messages']] == [3]
    reader = api_factory(project=api.project)
    assert len(reader.get(base + '/messages').json()['messages']) == 4

    resp = api.get(base + '/messages/' + ids[1])
    assert resp.status_code == 200
    check_response(doc, resp, '/v2/topics/{topic_name}/messages/'
                   '{message_id}', 'GET')
    assert resp.json()['body'] == {'n': 1}
    assert resp.json()['href'] == base + '/messages/' + ids[1]

    # Literal commas, as Zaqar's clients send them (requests would encode
    # them as %2C: one id).
    resp = api.get(base + '/messages?ids=' + ','.join(ids[:2]))
    assert sorted(m['body']['n'] for m in resp.json()['messages']) == [0, 1]

    resp = api.delete(base + '/messages/' + ids[0])
    assert resp.status_code == 204
    assert api.get(base + '/messages/' + ids[0]).status_code == 404
    resp = api.delete(base + '/messages', params={'ids': ids[1]})
    assert resp.status_code == 204
    resp = api.delete(base + '/messages', params={'pop': 1})
    assert resp.status_code == 200
    check_response(doc, resp, '/v2/topics/{topic_name}/messages', 'DELETE')
    assert [m['body'] for m in resp.json()['messages']] == [{'n': 2}]
    resp = api.get(base + '/messages?ids=' + ','.join(ids[:3]))
    assert resp.status_code == 404
    remaining = reader.get(base + '/messages').json()['messages']
    assert [m['body'] for m in remaining] == [{'n': 3}]


def test_topic_message_limits(api):
    topic = tname('limits')
    api.put('/v2/topics/' + topic, json={'_max_messages_post_size': 1024})
    resp = api.post('/v2/topics/%s/messages' % topic,
                    json={'messages': [{'body': 'x' * 2000}]})
    assert resp.status_code == 400
    resp = api.post('/v2/topics/%s/messages' % topic, json={'nothing': 1})
    assert_error(resp, 400, 'Invalid API request',
                 'No messages were found in the request body.')
    resp = api.get('/v2/topics/%s/messages' % topic, params={'limit': 21})
    assert resp.status_code == 400
    resp = api.delete('/v2/topics/%s/messages' % topic)
    assert resp.status_code == 400


def test_default_ttl_of_the_topic(api):
    topic = tname('ttl')
    api.put('/v2/topics/' + topic, json={'_default_message_ttl': 77})
    resp = api.post('/v2/topics/%s/messages' % topic,
                    json={'messages': [{'body': 'x'}]})
    msg_id = resp.json()['resources'][0].rsplit('/', 1)[1]
    got = api.get('/v2/topics/%s/messages/%s' % (topic, msg_id)).json()
    assert got['ttl'] == 77


# -- subscriptions ------------------------------------------------------------
def test_topic_subscriptions_lifecycle(api, doc):
    """Zaqar routes ``/v2/topics/{t}/subscriptions`` to its subscription
    resources (which then fail on ``topic_name``); swiftq answers as for a
    queue: ``source`` is the topic."""
    topic = tname('subs')
    subs = '/v2/topics/%s/subscriptions' % topic
    resp = api.post(subs, json={'subscriber': 'http://example.com/hook',
                                'ttl': 3600, 'options': {'a': 1}})
    assert resp.status_code == 201, resp.text
    check_response(doc, resp, '/v2/topics/{topic_name}/subscriptions',
                   'POST')
    sub_id = resp.json()['subscription_id']
    assert api.head('/v2/topics/' + topic).status_code == 204

    again = api.post(subs, json={'subscriber': 'http://example.com/hook'})
    assert again.json()['subscription_id'] == sub_id

    one = subs + '/' + sub_id
    resp = api.get(one)
    check_response(doc, resp, '/v2/topics/{topic_name}/subscriptions/'
                   '{subscription_id}', 'GET')
    got = resp.json()
    assert (got['id'], got['source'], got['subscriber'], got['ttl'],
            got['options'], got['confirmed']) == \
        (sub_id, topic, 'http://example.com/hook', 3600, {'a': 1}, False)

    resp = api.get(subs)
    check_response(doc, resp, '/v2/topics/{topic_name}/subscriptions',
                   'GET')
    assert [s['id'] for s in resp.json()['subscriptions']] == [sub_id]

    resp = api.patch(one, json={'options': {'b': 2}})
    assert resp.status_code == 204
    assert api.get(one).json()['options'] == {'b': 2}

    resp = api.put(one + '/confirm', json={'confirmed': True})
    assert resp.status_code == 204
    check_response(doc, resp, '/v2/topics/{topic_name}/subscriptions/'
                   '{subscription_id}/confirm', 'PUT')
    assert api.get(one).json()['confirmed'] is True
    dup = api.post(subs, json={'subscriber': 'http://example.com/hook'})
    assert dup.status_code == 409
    resp = api.put(one + '/confirm', json={'confirmed': 'yes'})
    assert resp.status_code == 400

    assert api.delete(one).status_code == 204
    assert api.get(one).status_code == 404
    assert api.put(subs + '/' + str(uuid.uuid4()) + '/confirm',
                   json={'confirmed': True}).status_code == 404


def test_topic_delete_and_purge_remove_its_subscriptions(api):
    topic = tname('subdel')
    subs = '/v2/topics/%s/subscriptions' % topic
    api.post(subs, json={'subscriber': 'http://example.com/a'})
    api.post('/v2/topics/%s/purge' % topic,
             json={'resource_types': ['messages']})
    assert len(api.get(subs).json()['subscriptions']) == 1
    api.post('/v2/topics/%s/purge' % topic,
             json={'resource_types': ['subscriptions']})
    assert api.get(subs).json()['subscriptions'] == []
    api.post(subs, json={'subscriber': 'http://example.com/b'})
    assert api.delete('/v2/topics/' + topic).status_code == 204
    assert api.get(subs).json()['subscriptions'] == []


# -- isolation ----------------------------------------------------------------
def test_a_queue_and_a_topic_of_one_name_never_meet(api, swiftq_server,
                                                    local_swift):
    name = tname('twin')
    assert api.put('/v2/queues/' + name, json={'kind': 'queue'}) \
        .status_code == 201
    assert api.head('/v2/topics/' + name).status_code == 404
    assert api.put('/v2/topics/' + name, json={'kind': 'topic'}) \
        .status_code == 201
    assert api.get('/v2/queues/' + name).json()['kind'] == 'queue'
    assert api.get('/v2/topics/' + name).json()['kind'] == 'topic'

    queue_ids = [h.rsplit('/', 1)[1] for h in api.post(
        '/v2/queues/%s/messages' % name,
        json={'messages': [{'body': 'to the queue'}]}).json()['resources']]
    topic_ids = post(api, name, ['to the topic'])
    queue_msgs = api.get('/v2/queues/%s/messages' % name,
                         params={'echo': 'true'}).json()['messages']
    topic_msgs = api.get('/v2/topics/%s/messages' % name,
                         params={'echo': 'true'}).json()['messages']
    assert [m['body'] for m in queue_msgs] == ['to the queue']
    assert [m['body'] for m in topic_msgs] == ['to the topic']
    assert api.get('/v2/topics/%s/messages/%s'
                   % (name, queue_ids[0])).status_code == 404
    assert api.get('/v2/queues/%s/messages/%s'
                   % (name, topic_ids[0])).status_code == 404

    hook = {'subscriber': 'http://example.com/same'}
    queue_sub = api.post('/v2/queues/%s/subscriptions' % name, json=hook)
    topic_sub = api.post('/v2/topics/%s/subscriptions' % name, json=hook)
    assert queue_sub.status_code == topic_sub.status_code == 201
    assert queue_sub.json() != topic_sub.json()
    assert api.get('/v2/topics/%s/subscriptions/%s' % (
        name, queue_sub.json()['subscription_id'])).status_code == 404

    assert [q['name'] for q in api.get('/v2/queues').json()['queues']] == \
        [name]
    assert [t['name'] for t in api.get('/v2/topics').json()['topics']] == \
        [name]

    # Swift: the topic has its own container, under its own prefix.
    prefix = swiftq_server.container_prefix
    client = SwiftClient.from_conf(swiftq_conf.new_conf(overrides={
        ('swift', 'auth_type'): 'tempauth',
        ('swift', 'auth_url'): local_swift.auth_url,
        ('swift', 'user'): local_swift.user,
        ('swift', 'key'): local_swift.key}))
    containers = {c['name'] for c in client.list_containers(prefix=prefix)}
    assert naming.queue_container(prefix, api.project, name) in containers
    assert naming.queue_container(prefix + '-topics', api.project,
                                  name) in containers

    assert api.delete('/v2/topics/' + name).status_code == 204
    assert api.head('/v2/queues/' + name).status_code == 204
    assert [m['body'] for m in api.get(
        '/v2/queues/%s/messages' % name,
        params={'echo': 'true'}).json()['messages']] == ['to the queue']
    assert len(api.get('/v2/queues/%s/subscriptions'
                       % name).json()['subscriptions']) == 1
    api.delete('/v2/queues/' + name)


def test_another_project_sees_no_topic(api, api_factory):
    topic = tname('private')
    post(api, topic, ['secret'])
    other = api_factory()
    assert other.get('/v2/topics').json()['topics'] == []
    assert other.head('/v2/topics/' + topic).status_code == 404
    assert other.get('/v2/topics/%s/messages' % topic,
                     params={'echo': 'true'}).json()['messages'] == []
