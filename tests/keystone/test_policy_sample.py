"""etc/swiftq/policy.yaml.sample is what oslopolicy-sample-generator makes
of swiftq's rules (generated, never edited by hand), and the rules are
Zaqar's names."""

import difflib
import os

from oslo_policy import generator

from swiftq import policy as swiftq_policy

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
GENERATOR_CONF = os.path.join(ROOT, 'etc', 'oslo-policy-generator',
                              'swiftq-policy-generator.conf')
SAMPLE = os.path.join(ROOT, 'etc', 'swiftq', 'policy.yaml.sample')


def test_policy_sample_is_up_to_date(tmp_path):
    generated = tmp_path / 'policy.yaml.sample'
    generator.generate_sample(['--config-file', GENERATOR_CONF,
                               '--output-file', str(generated)])
    with open(SAMPLE) as f:
        committed = f.read()
    fresh = generated.read_text()
    if committed != fresh:
        diff = ''.join(difflib.unified_diff(
            committed.splitlines(True), fresh.splitlines(True),
            'committed', 'generated'))
        raise AssertionError('etc/swiftq/policy.yaml.sample is out of '
                             'date: run "tox -e genpolicy" and commit it.'
                             '\n' + diff)


def test_every_enforced_rule_is_defined():
    """Each rule a resource enforces has a default (and a sample entry)."""
    from swiftq import app as app_module
    import swiftq.conf

    app = app_module.create_app(swiftq.conf.new_conf(
        overrides={(None, 'auth_strategy'): 'noauth'}), storage=object())
    enforced = {getattr(view, 'policy_rule')
                for view in app.view_functions.values()
                if hasattr(view, 'policy_rule')}
    defined = {rule.name for rule in swiftq_policy.list_rules()}
    assert enforced <= defined
    assert {'queues:get_all', 'queues:share', 'messages:create',
            'claims:create', 'health:get', 'ping:get'} <= enforced
