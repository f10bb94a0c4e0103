"""Where the SQS endpoint is served (swiftq.api.sqs.mount): at /sqs with
noauth, nowhere with Keystone (EC2 credentials are not supported yet) or
when disabled."""

import pytest

from swiftq import conf as swiftq_conf
from swiftq.api import context
from swiftq.api import sqs


def _app(environ, start_response):
    start_response('200 OK', [])
    return [b'zaqar']


@pytest.mark.parametrize('auth, enabled, mounted', [
    ('noauth', True, True),
    ('keystone', True, False),
    ('noauth', False, False),
])
def test_mounted_only_with_noauth_and_enabled(auth, enabled, mounted):
    conf = swiftq_conf.new_conf(overrides={(None, 'auth_strategy'): auth,
                                           ('sqs', 'enabled'): enabled})
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
