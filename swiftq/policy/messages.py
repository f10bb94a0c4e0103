from swiftq.policy import base

MESSAGES = '/v2/queues/{queue_name}/messages'

_rule = base.open_rule_maker('messages')

rules = [
    _rule('get_all', 'List all message in a message queue.', MESSAGES,
          'GET'),
    _rule('create', 'Create a message in a message queue.', MESSAGES,
          'POST'),
    _rule('get', 'Retrieve a specific message from a message queue.',
          MESSAGES + '/{message_id}', 'GET'),
    _rule('delete', 'Delete a specific message from a message queue.',
          MESSAGES + '/{message_id}', 'DELETE'),
    _rule('delete_all', 'Delete all messages from a message queue.',
          MESSAGES, 'DELETE'),
]
