from oslo_policy import policy

from swiftq.policy import base

SUBSCRIPTIONS = '/v2/queues/{queue_name}/subscriptions'
SUBSCRIPTION = SUBSCRIPTIONS + '/{subscription_id}'


def _rule(action, description, path, method):
    return policy.DocumentedRuleDefault(
        name='subscription:' + action, check_str=base.UNPROTECTED,
        description=description,
        operations=[{'path': path, 'method': method}])


rules = [
    _rule('get_all', 'Lists a queue subscriptions.', SUBSCRIPTIONS, 'GET'),
    _rule('create', 'Creates a subscription.', SUBSCRIPTIONS, 'POST'),
    _rule('get', 'Shows details for a subscription.', SUBSCRIPTION, 'GET'),
    _rule('delete', 'Deletes the specified subscription.', SUBSCRIPTION,
          'DELETE'),
    _rule('update', 'Updates a subscription.', SUBSCRIPTION, 'PATCH'),
    _rule('confirm', 'Confirms a subscription.', SUBSCRIPTION + '/confirm',
          'PUT'),
]
