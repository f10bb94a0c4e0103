"""A topic's messages over real HTTP and a real Swift: the message tests
of ``test_api_contract.py`` run against ``/v2/topics/{topic}/messages``
(:mod:`tests.functional.topic_client`), plus what differs: delays, long
polling and claim ids without claims. Zaqar routes these paths to its
queue message resources, whose responders then fail on the
``topic_name`` argument (a 500): swiftq answers as for a queue.

Not imported, because they claim: ``test_delay`` (replaced below),
``test_delete_claimed_messages_with_claim_ids`` and
``test_delete_with_invalid_claim_keeps_message`` (replaced below); or
because they compare the service's answers with ``/v2/queues`` strings
of their own or a queue's reserved metadata: ``test_post_and_get``,
``test_post_creates_queue``, ``test_put_existing_queue_keeps_metadata``
(``test_topics.py`` proves the same of topics).
"""

import threading
import time
import uuid

import pytest

from tests.functional.topic_client import TopicClient
from tests.functional.test_api_contract import assert_error
from tests.functional.test_api_contract import ids_of
# The tests, run here against topics.
from tests.functional.test_api_contract import (  # noqa: F401
    test_delete_messages_by_ids,
    test_delete_one_message,
    test_get_by_ids_limits,
    test_list_bad_marker,
    test_list_bad_parameters,
    test_list_echo,
    test_list_messages,
    test_list_missing_queue,
    test_no_message_count_limit,
    test_pop,
    test_pop_empty_queue,
    test_pop_invalid,
    test_post_bad_documents,
    test_post_default_ttl_and_queue_default,
    test_post_size_limits,
)


@pytest.fixture(scope='module')
def api_client_class():
    return TopicClient


def tname(prefix='t'):
    return '%s%s' % (prefix, uuid.uuid4().hex[:8])


def messages_path(topic):
    return '/v2/topics/%s/messages' % topic


def post(api, topic, *bodies, ttl=300):
    return api.post(messages_path(topic),
                    json={'messages': [{'body': body, 'ttl': ttl}
                                       for body in bodies]})


def test_delay(api):
    """As a queue's: ``delay`` only in a topic with a
    ``_default_message_delay``, where listings hide delayed messages."""
    plain, delayed = tname('plain'), tname('delayed')
    resp = api.post(messages_path(plain),
                    json={'messages': [{'body': 1, 'delay': 5000}]})
    assert resp.status_code == 201
    assert len(api.get(messages_path(plain) + '?echo=true').json()[
        'messages']) == 1

    api.put('/v2/topics/' + delayed, json={'_default_message_delay': 600})
    resp = api.post(messages_path(delayed),
                    json={'messages': [{'body': 1, 'delay': 901}]})
    assert_error(resp, 400, 'Invalid API request',
                 'The Delay TTL for a message may not exceed 900 seconds,and '
                 'must be at least 0 seconds long.')
    ids_of(post(api, delayed, 1))
    path = messages_path(delayed)
    assert api.get(path + '?echo=true').json()['messages'] == []
    assert len(api.get(path + '?echo=true&include_delayed=true').json()[
        'messages']) == 1


def test_long_poll_wakes_on_a_post(api, api_factory):
    """swiftq's ``wait`` extension works on a topic's listing too."""
    topic = tname('wait')
    api.put('/v2/topics/' + topic)
    poster = api_factory(project=api.project)
    timer = threading.Timer(1.0, post, (poster, topic, 'late'))
    started = time.monotonic()
    timer.start()
    try:
        resp = api.get(messages_path(topic), params={'wait': 10})
    finally:
        timer.join()
    assert resp.status_code == 200
    assert [m['body'] for m in resp.json()['messages']] == ['late']
    assert time.monotonic() - started < 9


def test_a_claim_id_on_a_topic_names_no_claim(api):
    """Nothing claims a topic's messages: a delete that names a claim is
    refused (the message is not claimed), and the message stays."""
    topic = tname()
    ids = ids_of(post(api, topic, 1))
    target = messages_path(topic) + '/' + ids[0]
    resp = api.delete(target + '?claim_id=' + uuid.uuid4().hex)
    assert_error(resp, 400, 'Unable to delete',
                 'A claim was specified, but the message is not currently '
                 'claimed.')
    assert api.get(target).status_code == 200
