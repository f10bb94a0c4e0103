"""Rules other rules (and operators' policy files) refer to."""

from oslo_policy import policy

ROLE_ADMIN = 'role:admin'
RULE_ADMIN_OR_OWNER = 'is_admin:True or project_id:%(project_id)s'
UNPROTECTED = ''

rules = [
    policy.RuleDefault(
        name='context_is_admin', check_str=ROLE_ADMIN,
        description='Callers with this role are cloud administrators.'),
    policy.RuleDefault(
        name='admin_or_owner', check_str=RULE_ADMIN_OR_OWNER,
        description='An administrator, or a caller of the project the '
                    'resource belongs to.'),
]
