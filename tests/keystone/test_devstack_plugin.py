"""devstack/plugin.sh with Keystone enabled, against this directory's real
Keystone and the Swift behind it (``keystone``, ``keystone_swift``).

The phases run as in tests/devstack/test_plugin.py (bash, the stand-in
for devstack's functions). What the plugin asks of Keystone
(``create_service_user``, ``get_or_create_service``,
``get_or_create_endpoint``) is recorded, not done: the ``keystone``
fixture already has the user ``swiftq`` with the roles devstack's
``create_service_user swiftq member`` gives (``service`` and ``member`` on
``service``), with ``$SERVICE_PASSWORD`` as its password. Everything else
is real: the configuration the plugin writes makes the API under uwsgi
validate Keystone tokens and reach Swift through Keystone.
"""

import types

import requests

from swiftq.child_processes import free_port
from tests.devstack.test_plugin import Devstack
from tests.devstack.test_plugin import STACK
from tests.devstack.test_plugin import SWIFT_SERVICES
from tests.functional import websocket_server as ws_lib
from tests.keystone.conftest import keystone_client


def test_stack_with_keystone(tmp_path, keystone, keystone_swift):
    port = free_port()
    devstack = Devstack(
        tmp_path,
        ENABLED_SERVICES='key,' + SWIFT_SERVICES,
        SWIFTQ_UWSGI_HTTP='127.0.0.1:%d' % port,
        KEYSTONE_SERVICE_URI=keystone.server.auth_url,
        SERVICE_PASSWORD=keystone['swiftq'].password,
        SERVICE_PROJECT_NAME='service',
        SERVICE_DOMAIN_NAME='Default',
        MEMCACHE_SERVERS='',
        SWIFT_CONF_DIR=keystone_swift.etc_dir,
        API_WORKERS='1')
    base_url = 'http://127.0.0.1:%d' % port
    try:
        stack = devstack.run(*STACK)
        assert devstack.calls('create_service_user') == [
            ['create_service_user', 'swiftq', 'member']]
        assert devstack.calls('get_or_create_endpoint') == [
            ['get_or_create_endpoint', 'messaging', 'RegionOne', base_url],
            ['get_or_create_endpoint', 'messaging-websocket', 'RegionOne',
             devstack.websocket_url]]
        assert 'Check: Swift access Result: Success' in ' '.join(
            stack.stdout.replace('|', ' ').split())
        # the trustee it configured logs in to the real Keystone
        import swiftq.conf
        from swiftq.auth import trusts
        loaded = swiftq.conf.new_conf(config_files=[devstack.conf_file])
        assert trusts.Trustee(loaded).user_id() == keystone['swiftq'].user_id

        alpha = keystone['alpha-member']
        endpoint = types.SimpleNamespace(base_url=base_url)
        with keystone_client(endpoint, token=alpha.token) as api:
            assert api.put('/v2/queues/ks').status_code == 201
            resp = api.post('/v2/queues/ks/messages', json={
                'messages': [{'ttl': 300, 'body': 'hello'}]})
            assert resp.status_code == 201, resp.text
            resp = api.post('/v2/queues/ks/claims', json={'ttl': 60})
            assert resp.status_code == 201, resp.text
            [message] = resp.json()['messages']
            assert api.delete(message['href']).status_code == 204
            assert api.delete('/v2/queues/ks').status_code == 204
        # No token: refused.
        assert requests.get(base_url + '/v2/queues', timeout=10, headers={
            'Client-ID': '3b1e4a52-6f0c-4a7e-9f5e-0d6c0e8a9b11'
        }).status_code == 401

        # The access log names the token's user and project.
        claims = [line for line in devstack.log().splitlines()
                  if '"POST /v2/queues/ks/claims" status: 201' in line]
        assert len(claims) == 1, devstack.log_tail()
        assert alpha.project_id in claims[0] and alpha.user_id in claims[0]
        assert alpha.token not in devstack.log()

        # swiftq-websocket checks the same tokens.
        with ws_lib.Client(devstack.websocket_url,
                           project=alpha.project_id) as client:
            refused = client.call('queue_list', {})
            assert refused['headers']['status'] == 403
            auth = client.call('authenticate', headers=dict(
                client.headers, **{'X-Auth-Token': alpha.token}))
            assert auth['headers']['status'] == 200, auth
            assert client.call('queue_list', {})['headers']['status'] == 200

        devstack.run('unstack')
        devstack.run('clean')
    finally:
        devstack.kill_leftovers()
