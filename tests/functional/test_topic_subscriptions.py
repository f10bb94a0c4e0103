"""A topic's subscriptions over real HTTP and a real Swift: the tests of
``test_subscriptions.py`` run against ``/v2/topics/{topic}/
subscriptions`` (:mod:`tests.functional.topic_client`), plus the topic's
own storage layout. Zaqar routes these paths to its queue subscription
resources, whose responders then fail on the ``topic_name`` argument (a
500): swiftq answers as for a queue.

Not imported, because they build their own ``/v2/queues`` strings where
the service answers ``/v2/topics``, or need what topics do not have:
``test_lifecycle`` (compares ``Location``; ``test_topics.py`` has the
topic's lifecycle), the pre-signed URL tests (topics have no ``share``;
a topic's confirmation URL is proven in ``test_topic_notifier.py``) and
``test_swift_layout`` (replaced below).
"""

import json
import math
import uuid

import pytest

from swiftq import conf as swiftq_conf
from swiftq.storage import naming
from swiftq.swift.client import SwiftClient
from tests.functional.topic_client import TopicClient
# Fixtures of the imported tests.
from tests.functional.test_subscriptions import doc  # noqa: F401
from tests.functional.test_subscriptions import shared  # noqa: F401
from tests.functional.test_subscriptions import short_api  # noqa: F401
from tests.functional.test_subscriptions import short_server  # noqa: F401
# The tests, run here against topics.
from tests.functional.test_subscriptions import (  # noqa: F401
    test_another_project_sees_nothing,
    test_concurrent_posts_of_one_subscriber_make_one_subscription,
    test_confirm_validation,
    test_duplicate_subscriber,
    test_expired_subscriptions_disappear,
    test_invalid_body_creates_no_queue,
    test_listing_limit_must_be_an_integer,
    test_listing_limit_validation,
    test_old_subscriber_is_free_after_a_patch,
    test_paging,
    test_patch_ttl_counts_from_now,
    test_patch_to_a_taken_subscriber_is_409,
    test_patch_validation,
    test_post_creates_the_queue,
    test_post_unparsable_body,
    test_post_validation,
    test_post_without_ttl_or_options_uses_defaults,
    test_purge_subscriptions_only_when_asked,
    test_queue_delete_removes_its_subscriptions,
    test_unknown_or_ill_formed_ids_are_404,
)


@pytest.fixture(scope='module')
def api_client_class():
    return TopicClient


def test_swift_layout(api, swiftq_server, local_swift):
    """The document is in the deployment's index, named by the topic's
    container (``<prefix>-topics:<project>:<topic>``)."""
    topic = 'layout-' + uuid.uuid4().hex[:8]
    resp = api.post('/v2/topics/%s/subscriptions' % topic,
                    json={'subscriber': 'http://example.com/hook',
                          'ttl': 600})
    assert resp.status_code == 201, resp.text
    sub_id = resp.json()['subscription_id']
    swift = SwiftClient.from_conf(swiftq_conf.new_conf(overrides={
        ('swift', 'auth_type'): 'tempauth',
        ('swift', 'auth_url'): local_swift.auth_url,
        ('swift', 'user'): local_swift.user,
        ('swift', 'key'): local_swift.key}))
    prefix = swiftq_server.container_prefix
    container = naming.queue_container(prefix + '-topics', api.project,
                                       topic)
    resp = swift.get_object(prefix + '.subscriptions',
                            '%s/%s' % (container, sub_id))
    assert resp.status == 200
    stored = json.loads(resp.data)
    assert (stored['queue'], stored['container']) == (topic, container)
    assert resp.headers['X-Delete-At'] == str(math.ceil(stored['expires']))
