from swiftq.policy import base

QUEUE = '/v2/queues/{queue_name}'

_rule = base.open_rule_maker('queues')

rules = [
    _rule('get_all', 'List all message queues.', '/v2/queues', 'GET'),
    _rule('create', 'Create a message queue.', QUEUE, 'PUT'),
    _rule('get', 'Get details about a specific message queue.', QUEUE,
          'GET'),
    _rule('delete', 'Delete a message queue.', QUEUE, 'DELETE'),
    _rule('update', 'Update a message queue.', QUEUE, 'PATCH'),
    _rule('stats', 'Get statistics about a specific message queue.',
          QUEUE + '/stats', 'GET'),
    _rule('share', 'Create a pre-signed URL for a given message queue.',
          QUEUE + '/share', 'POST'),
    _rule('purge', 'Purge resources from a particular message queue.',
          QUEUE + '/purge', 'POST'),
]
