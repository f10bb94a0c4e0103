"""Zaqar's ``topics:*`` rules (``zaqar/common/policies/topics.py``): a
topic's own operations. Its messages and subscriptions use the
``messages:*`` and ``subscription:*`` rules, as Zaqar's routes do."""

from swiftq.policy import base

TOPIC = '/v2/topics/{topic_name}'

_rule = base.open_rule_maker('topics')

rules = [
    _rule('get_all', 'List all topics.', '/v2/topics', 'GET'),
    _rule('create', 'Create a topic.', TOPIC, 'PUT'),
    _rule('get', 'Get details about a specific topic.', TOPIC, 'GET'),
    _rule('delete', 'Delete a topic.', TOPIC, 'DELETE'),
    _rule('update', 'Update a topic.', TOPIC, 'PATCH'),
    _rule('stats', 'Get statistics about a specific topic.',
          TOPIC + '/stats', 'GET'),
    _rule('purge', 'Purge resources from a particular topic.',
          TOPIC + '/purge', 'POST'),
]
