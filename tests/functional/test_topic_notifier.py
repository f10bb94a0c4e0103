"""Topics through swiftq-notifier: real Swift, a real swiftq-api, real
``swiftq-notifier`` processes and a local HTTP receiver. A message posted
to a topic is fanned out to the topic's subscriptions (Zaqar's payload,
``queue_name`` naming the topic), never to those of a queue of the same
name, and a topic's confirmation request confirms it under
``/v2/topics``.
"""

import time
import uuid

import requests

from tests.functional.test_notifier import account
from tests.functional.test_notifier import api  # noqa: F401
from tests.functional.test_notifier import delivered_all
from tests.functional.test_notifier import message_ids
from tests.functional.test_notifier import notifiers  # noqa: F401
from tests.functional.test_notifier import receiver  # noqa: F401
from tests.functional.test_notifier import server  # noqa: F401
from tests.functional.test_notifier import wait_until

SIGNED_FIELDS = ('URL-Signature', 'URL-Expires', 'URL-Methods', 'URL-Paths',
                 'X-Project-ID')


def subscribe(api, resource, name, subscriber):
    resp = api.post('/v2/%s/%s/subscriptions' % (resource, name),
                    json={'subscriber': subscriber, 'ttl': 3600})
    assert resp.status_code == 201, resp.text
    return resp.json()['subscription_id']


def post(api, resource, name, bodies):
    resp = api.post('/v2/%s/%s/messages' % (resource, name),
                    json={'messages': [{'body': b, 'ttl': 300}
                                       for b in bodies]})
    assert resp.status_code == 201, resp.text
    return [href.rsplit('/', 1)[1] for href in resp.json()['resources']]


def test_topic_messages_fan_out_to_the_topic_subscribers_only(
        api, receiver, notifiers):
    name = 'fanout'
    subs = [('topics', subscribe(api, 'topics', name,
                                 receiver.endpoint('topic-1'))),
            ('topics', subscribe(api, 'topics', name,
                                 receiver.endpoint('topic-2'))),
            ('queues', subscribe(api, 'queues', name,
                                 receiver.endpoint('queue')))]
    try:
        notifier = notifiers()
        to_topic, to_queue = [], []
        for batch in range(5):
            to_topic += post(api, 'topics', name,
                             [{'topic': batch * 2 + i} for i in range(2)])
            to_queue += post(api, 'queues', name, [{'queue': batch}])
        for endpoint in ('topic-1', 'topic-2'):
            wait_until(delivered_all(receiver, endpoint, to_topic),
                       'every topic message at ' + endpoint,
                       process=notifier)
        wait_until(delivered_all(receiver, 'queue', to_queue),
                   'every queue message', process=notifier)
        time.sleep(2)           # a few more passes: nothing else arrives
        notifier.stop()
    finally:
        for resource, sub_id in subs:
            api.delete('/v2/%s/%s/subscriptions/%s'
                       % (resource, name, sub_id))

    for endpoint in ('topic-1', 'topic-2'):
        counts = account('topic ' + endpoint, to_topic,
                         message_ids(receiver.delivered(endpoint)))
        assert counts['lost'] == 0
        assert counts['unexpected'] == 0
    counts = account('queue of the same name', to_queue,
                     message_ids(receiver.delivered('queue')))
    assert counts['lost'] == counts['unexpected'] == 0

    first = receiver.delivered('topic-1')[0].json
    assert set(first) == {'body', 'ttl', 'queue_name', 'Message_Type'}
    assert first['queue_name'] == name
    assert first['Message_Type'] == 'Notification'
    assert sorted(r.json['body']['topic']
                  for r in receiver.delivered('topic-2')) == list(range(10))


def test_topic_confirmation_flow(server, api, receiver, notifiers):
    """With ``require_confirmation``: the confirmation request of a topic's
    subscription is signed for ``/v2/topics/{t}/subscriptions/{id}/
    confirm``; the subscriber confirms with it alone, and the topic's
    messages are delivered from then on."""
    topic = 'confirmed-topic'
    sub_id = subscribe(api, 'topics', topic, receiver.endpoint('c'))
    try:
        notifier = notifiers(require_confirmation=True,
                             api_public_url=server.base_url)

        def requests_of(kind):
            return [r for r in receiver.delivered('c')
                    if (r.json or {}).get('Message_Type') == kind]

        wait_until(lambda: requests_of('SubscriptionConfirmation'),
                   'a confirmation request', process=notifier)
        request = requests_of('SubscriptionConfirmation')[0].json
        path = '/v2/topics/%s/subscriptions/%s/confirm' % (topic, sub_id)
        assert request['URL-Paths'] == path
        assert request['WSGISubscribeURL'] == server.base_url + path
        assert request['queue_name'] == topic

        # The subscriber sends back the signed fields, and no token.
        headers = {name: request[name] for name in SIGNED_FIELDS}
        headers['Client-ID'] = str(uuid.uuid4())
        resp = requests.put(request['WSGISubscribeURL'], headers=headers,
                            json=request['SubscribeBody'], timeout=30)
        assert resp.status_code == 204, resp.text
        assert api.get('/v2/topics/%s/subscriptions/%s'
                       % (topic, sub_id)).json()['confirmed'] is True

        posted = post(api, 'topics', topic, [{'seq': i} for i in range(3)])
        wait_until(delivered_all(receiver, 'c', posted),
                   'deliveries after the confirmation', process=notifier)
        notifier.stop()
    finally:
        api.delete('/v2/topics/%s/subscriptions/%s' % (topic, sub_id))
    counts = account('confirmed topic subscription', posted,
                     message_ids(requests_of('Notification')))
    assert counts['lost'] == 0
