from swiftq.policy import base

SUBSCRIPTIONS = '/v2/queues/{queue_name}/subscriptions'
SUBSCRIPTION = SUBSCRIPTIONS + '/{subscription_id}'

_rule = base.open_rule_maker('subscription')

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
