from swiftq.policy import base

CLAIMS = '/v2/queues/{queue_name}/claims'

_rule = base.open_rule_maker('claims')

rules = [
    _rule('create', 'Claims a set of messages from the specified queue.',
          CLAIMS, 'POST'),
    _rule('get', 'Queries the specified claim for the specified queue.',
          CLAIMS + '/{claim_id}', 'GET'),
    _rule('delete', 'Releases the specified claim for the specified queue.',
          CLAIMS + '/{claim_id}', 'DELETE'),
    _rule('update', 'Updates the specified claim for the specified queue.',
          CLAIMS + '/{claim_id}', 'PATCH'),
]
