"""``/`` (versions), ``/v2`` (JSON-home), ``/v2/ping``, ``/v2/health``."""

import json
from urllib import parse

import pytest

from tests.unit.api.base import app, client, conf  # noqa: F401
from tests.unit.api.base import overrides, storage  # noqa: F401


def test_versions_document(client):
    """Zaqar's code answers ``/`` with 300 and the versions (not the
    JSON-home document, which lives at ``/v2``)."""
    resp = client.get('/', headers={'Client-ID': None,
                                    'X-Project-ID': None})
    assert resp.status_code == 300
    assert resp.mimetype == 'application/json'
    assert resp.get_json() == {'versions': [{
        'id': '2',
        'status': 'CURRENT',
        'updated': '2014-9-24T04:06:47Z',
        'media-types': [{
            'base': 'application/json',
            'type': 'application/vnd.openstack.messaging-v2+json'}],
        'links': [{'href': '/v2/', 'rel': 'self'}],
    }]}


@pytest.mark.parametrize('path', ['/v2', '/v2/'])
def test_json_home(client, path):
    resp = client.get(path)
    assert resp.status_code == 200
    assert resp.headers['Content-Type'] == 'application/json-home'
    assert resp.headers['Cache-Control'] == 'max-age=86400'
    doc = json.loads(resp.get_data())
    resources = doc['resources']
    assert resources['rel/queue']['hints']['allow'] == [
        'GET', 'PUT', 'DELETE', 'PATCH']
    assert resources['rel/post_claim']['hints']['accept-post'] == [
        'application/json']
    for resource in resources.values():
        assert resource['href-template'].startswith('/v2/')


def test_json_home_href_template_resolves(client):
    """As Zaqar's test_href_template."""
    doc = json.loads(client.get('/v2').get_data())
    template = doc['resources']['rel/queue']['href-template']
    for base in ('https://zaqar.example.com/v2',
                 'https://zaqar.example.com/v2/'):
        url = parse.urljoin(base, template)
        assert url.format(queue_name='foo') == \
            'https://zaqar.example.com/v2/queues/foo'


#: The relations of Zaqar's v2 home document (zaqar/transport/wsgi/v2_0/
#: homedoc.py, without the admin_mode ones: pools, flavors, health).
ZAQAR_RELATIONS = {
    'rel/queues', 'rel/queue', 'rel/queue_stats', 'rel/queue_share',
    'rel/queue_purge', 'rel/messages', 'rel/post_messages',
    'rel/messages_delete', 'rel/message_delete', 'rel/message_get',
    'rel/claim', 'rel/post_claim', 'rel/patch_claim', 'rel/delete_claim',
    'rel/subscriptions_get', 'rel/subscriptions_post', 'rel/subscription',
    'rel/subscription_patch', 'rel/ping',
}


#: Topics: Zaqar's home document has no relations for them; swiftq's follow
#: the queue relations' names.
TOPIC_RELATIONS = {
    'rel/topics', 'rel/topic', 'rel/topic_stats', 'rel/topic_purge',
    'rel/topic_messages', 'rel/topic_post_messages',
    'rel/topic_messages_delete', 'rel/topic_message',
    'rel/topic_subscriptions_get', 'rel/topic_subscriptions_post',
    'rel/topic_subscription', 'rel/topic_subscription_patch',
    'rel/topic_subscription_confirm',
}


def test_json_home_lists_zaqars_resources_and_swiftqs_own(client):
    resources = json.loads(client.get('/v2').get_data())['resources']
    own = {rel for rel in resources if rel.startswith('rel/x-swiftq-')}
    assert own == {'rel/x-swiftq-wait_messages', 'rel/x-swiftq-wait_claim'}
    topics = {rel for rel in resources if rel.startswith('rel/topic')}
    assert topics == TOPIC_RELATIONS
    assert set(resources) - own - topics == ZAQAR_RELATIONS


def test_json_home_topic_relations(client):
    resources = json.loads(client.get('/v2').get_data())['resources']
    assert resources['rel/topic'] == {
        'href-template': '/v2/topics/{topic_name}',
        'href-vars': {'topic_name': 'param/topic_name'},
        'hints': {'allow': ['GET', 'PUT', 'DELETE', 'PATCH'],
                  'formats': {'application/json': {}}},
    }
    assert resources['rel/topic_subscription_confirm']['href-template'] \
        == '/v2/topics/{topic_name}/subscriptions/{subscription_id}/confirm'
    assert resources['rel/topics']['href-template'] == \
        '/v2/topics{?marker,limit,detailed}'


def test_json_home_queue_share_as_zaqar(client):
    """Pre-signed URLs (POST .../share), exactly as Zaqar lists them."""
    resources = json.loads(client.get('/v2').get_data())['resources']
    assert resources['rel/queue_share'] == {
        'href-template': '/v2/queues/{queue_name}/share',
        'href-vars': {'queue_name': 'param/queue_name'},
        'hints': {'allow': ['POST'],
                  'formats': {'application/json': {}},
                  'accept-post': ['application/json']},
    }


def test_json_home_subscriptions_as_zaqar(client):
    """Zaqar's v2 home document: four subscription relations (none for
    ``confirm``); the id variable is named as in Zaqar's routes."""
    resources = json.loads(client.get('/v2').get_data())['resources']
    subs = {rel: res for rel, res in resources.items()
            if 'subscription' in rel and not rel.startswith('rel/topic')}
    assert sorted(subs) == ['rel/subscription', 'rel/subscription_patch',
                            'rel/subscriptions_get',
                            'rel/subscriptions_post']
    assert subs['rel/subscriptions_get']['href-template'] == \
        '/v2/queues/{queue_name}/subscriptions{?marker,limit}'
    assert subs['rel/subscription']['hints']['allow'] == ['GET', 'DELETE']
    assert subs['rel/subscription_patch']['hints']['accept-post'] == [
        'application/json']
    assert subs['rel/subscription']['href-template'] == \
        '/v2/queues/{queue_name}/subscriptions/{subscription_id}'
    assert subs['rel/subscription']['href-vars'] == {
        'queue_name': 'param/queue_name',
        'subscription_id': 'param/subscription_id'}


@pytest.mark.parametrize('method', ['GET', 'HEAD'])
def test_ping(client, storage, method):
    resp = client.request(method, '/v2/ping')
    assert resp.status_code == 204
    assert resp.get_data() == b''
    storage.alive = False
    resp = client.request(method, '/v2/ping')
    assert resp.status_code == 503
    assert resp.get_data() == b''


def test_ping_without_headers(client):
    resp = client.get('/v2/ping', headers={'Client-ID': None,
                                           'X-Project-ID': None})
    assert resp.status_code == 204


def test_ping_when_storage_raises(client, storage):
    storage.unavailable = True
    assert client.get('/v2/ping').status_code == 503


def test_health(client, storage):
    """The detailed report: tests/unit/api/test_health.py."""
    resp = client.get('/v2/health')
    assert resp.status_code == 200
    assert resp.get_json()['storage_reachable'] is True
    storage.alive = False
    assert client.get('/v2/health').get_json()[
        'storage_reachable'] is False
