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


def open_rule_maker(resource):
    """``rule(action, description, path, method)``: a documented rule
    ``<resource>:<action>`` open to any caller of the project (Zaqar's
    default for every tenant resource)."""
    def rule(action, description, path, method):
        return policy.DocumentedRuleDefault(
            name=resource + ':' + action, check_str=UNPROTECTED,
            description=description,
            operations=[{'path': path, 'method': method}])
    return rule
