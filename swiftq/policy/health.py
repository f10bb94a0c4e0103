from oslo_policy import policy

from swiftq.policy import base

rules = [
    policy.DocumentedRuleDefault(
        name='ping:get', check_str=base.UNPROTECTED,
        description='Simple health check for end users (ping). Also '
                    'answered without a token, for load balancers.',
        operations=[{'path': '/v2/ping', 'method': 'GET'},
                    {'path': '/v2/ping', 'method': 'HEAD'}]),
    policy.DocumentedRuleDefault(
        name='health:get', check_str=base.ROLE_ADMIN,
        description='Detailed health check for cloud operators.',
        operations=[{'path': '/v2/health', 'method': 'GET'}]),
]
