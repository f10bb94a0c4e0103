"""etc/swiftq/swiftq.conf.sample is what oslo-config-generator makes of the
current options (it is generated, never edited by hand)."""

import difflib
import importlib.metadata
import os

from oslo_config import generator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GENERATOR_CONF = os.path.join(ROOT, 'etc', 'oslo-config-generator',
                              'swiftq.conf')
SAMPLE = os.path.join(ROOT, 'etc', 'swiftq', 'swiftq.conf.sample')
HOW_TO_FIX = ('run "tox -e genconfig" (or ".venv/bin/oslo-config-generator '
              '--config-file etc/oslo-config-generator/swiftq.conf") and '
              'commit etc/swiftq/swiftq.conf.sample')


def _swiftq_entry_point_installed():
    eps = importlib.metadata.entry_points(group='oslo.config.opts')
    return any(ep.name == 'swiftq' for ep in eps)


def test_sample_config_is_up_to_date(tmp_path):
    assert _swiftq_entry_point_installed(), (
        'the oslo.config.opts entry point "swiftq" is not installed: '
        'pip install -e .')
    generated = tmp_path / 'swiftq.conf.sample'
    generator.main(['--config-file', GENERATOR_CONF,
                    '--output-file', str(generated)])
    with open(SAMPLE) as f:
        committed = f.read()
    fresh = generated.read_text()
    if committed != fresh:
        diff = ''.join(difflib.unified_diff(
            committed.splitlines(True), fresh.splitlines(True),
            'etc/swiftq/swiftq.conf.sample (committed)',
            'etc/swiftq/swiftq.conf.sample (generated)'))
        raise AssertionError('the sample configuration is out of date: %s'
                             '\n%s' % (HOW_TO_FIX, diff))
