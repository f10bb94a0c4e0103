"""Queues and topics share their views; :mod:`swiftq.api.kinds` names
what differs (unit tests over the in-memory storage, which has no
topics)."""

from swiftq.api import kinds
from tests.unit.api.base import app, client, conf  # noqa: F401
from tests.unit.api.base import overrides, storage  # noqa: F401


def test_topic_rules_replace_only_the_queue_rules():
    assert kinds.TOPICS.rule('queues:create') == 'topics:create'
    assert kinds.TOPICS.rule('messages:create') == 'messages:create'
    assert kinds.TOPICS.rule('subscription:confirm') == \
        'subscription:confirm'
    assert kinds.QUEUES.rule('queues:create') == 'queues:create'


def test_errors_are_worded_for_topics():
    assert kinds.TOPICS.reword('Queue could not be created.') == \
        'Topic could not be created.'
    assert kinds.TOPICS.reword('Invalid queue identification') == \
        'Invalid topic identification'
    assert kinds.QUEUES.reword('Queue could not be created.') == \
        'Queue could not be created.'
    assert kinds.TOPICS.reword('Queues could not be listed.') == \
        'Topics could not be listed.'
    assert kinds.TOPICS.reword('Messages could not be enqueued.') == \
        'Messages could not be enqueued.'


def test_a_topic_shows_three_reserved_keys():
    reserved = {'_max_messages_post_size': 1, '_default_message_ttl': 2,
                '_default_message_delay': 3, '_max_claim_count': None,
                '_dead_letter_queue': None}
    assert kinds.TOPICS.reserved(reserved) == {
        '_max_messages_post_size': 1, '_default_message_ttl': 2,
        '_default_message_delay': 3}
    assert kinds.QUEUES.reserved(reserved) == reserved


def test_topic_name_reaches_the_views_as_queue_name():
    values = {'topic_name': 't', 'message_id': 'm'}
    kinds.rename_variable('topic_messages.get_message', values)
    assert values == {'queue_name': 't', 'message_id': 'm'}


def test_storage_without_topics_answers_404(client):
    resp = client.get('/v2/topics/t')
    assert resp.status_code == 404
    assert resp.get_json()['title'] == '404 Not Found'
    assert client.get('/v2/queues/t').status_code == 200


def test_authorize_sees_zaqars_topic_rule_names(app, client):
    """Checked before the view runs (the in-memory storage has no
    topics): the topic's own rules are ``topics:*``, its messages' and
    subscriptions' those of Zaqar's shared resources."""
    seen = []
    app.extensions['swiftq'].authorize = seen.append
    client.get('/v2/topics')
    client.put('/v2/topics/t')
    client.post('/v2/topics/t/purge')
    client.post('/v2/topics/t/messages', json={'messages': [{'body': 1}]})
    client.get('/v2/topics/t/subscriptions')
    assert seen == ['topics:get_all', 'topics:create', 'topics:purge',
                    'messages:create', 'subscription:get_all']


def test_every_topic_rule_is_defined(app):
    from swiftq import policy
    defined = {rule.name for rule in policy.list_rules()}
    topic_views = [view for endpoint, view in app.view_functions.items()
                   if endpoint.startswith(kinds.TOPIC_PREFIX)]
    enforced = {kinds.TOPICS.rule(view.policy_rule) for view in topic_views}
    assert {'topics:get_all', 'topics:create', 'topics:get', 'topics:delete',
            'topics:update', 'topics:stats', 'topics:purge'} <= enforced
    assert enforced <= defined
