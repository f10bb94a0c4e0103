"""Where the SQS endpoint is served (swiftq.api.sqs.mount): at /sqs,
unless disabled or, with Keystone, without a receipt handle key."""

import pytest

from swiftq import conf as swiftq_conf
from swiftq.api import context
from swiftq.api import sqs


def _app(environ, start_response):
    start_response('200 OK', [])
    return [b'zaqar']


@pytest.mark.parametrize('auth, enabled, key, mounted', [
    ('noauth', True, None, True),
    ('noauth', False, None, False),
    ('keystone', True, 'k', True),
    ('keystone', False, 'k', False),
    # Keystone and no key of the deployment's: receipt handles would be
    # signed with the public development secret.
    ('keystone', True, None, False),
])
def test_mounted_unless_disabled_or_without_a_key(
        auth, enabled, key, mounted):
    conf = swiftq_conf.new_conf(overrides={
        (None, 'auth_strategy'): auth, ('sqs', 'enabled'): enabled,
        ('sqs', 'receipt_handle_key'): key})
    wrapped = sqs.mount(_app, conf, context.Service(conf, storage=object()))
    assert (wrapped is not _app) == mounted


def test_only_the_mount_path_goes_to_the_endpoint():
    calls = []

    def endpoint(environ, start_response):
        calls.append((environ['SCRIPT_NAME'], environ['PATH_INFO']))
        return []

    mounted = sqs._Mounted(_app, endpoint)
    for path in ('/sqs', '/sqs/', '/sqs/p/q', '/sqsx', '/v2/queues'):
        mounted({'PATH_INFO': path, 'SCRIPT_NAME': '/messaging'},
                lambda *a: None)
    assert calls == [('/messaging/sqs', ''), ('/messaging/sqs', '/'),
                     ('/messaging/sqs', '/p/q')]
