from oslo_policy import policy

from swiftq.policy import base

CLAIMS = '/v2/queues/{queue_name}/claims'


def _rule(action, description, path, method):
    return policy.DocumentedRuleDefault(
        name='claims:' + action, check_str=base.UNPROTECTED,
        description=description,
        operations=[{'path': path, 'method': method}])


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
