"""``enable_checksum`` on a real swiftq-api: read from ``[DEFAULT]`` as
Zaqar reads it, and still from swiftq's deprecated ``[transport]`` name,
every message read carries ``checksum`` (``MD5:`` of its body, computed
by the storage layer)."""

import hashlib
import json

import pytest

from tests.functional import server as server_lib


@pytest.mark.parametrize('group', [None, 'transport'],
                         ids=['DEFAULT', 'deprecated transport'])
def test_checksum_shown(swiftq_server_factory, group):
    server = swiftq_server_factory(
        workers=1, overrides={(group, 'enable_checksum'): True})
    with open(server.config_file) as f:
        assert '[%s]' % (group or 'DEFAULT') in f.read()
    api = server_lib.ApiClient(server.base_url)
    try:
        body = {'n': 1}
        resp = api.post('/v2/queues/checksums/messages',
                        json={'messages': [{'body': body, 'ttl': 300}]})
        assert resp.status_code == 201, resp.text
        href = resp.json()['resources'][0]
        got = api.get(href).json()
        # The storage layer's digest: MD5 of the body's JSON.
        assert got['checksum'] == 'MD5:' + hashlib.md5(
            json.dumps(body).encode('utf-8')).hexdigest()
        listed = api.get('/v2/queues/checksums/messages?echo=true').json()
        assert [m['checksum'] for m in listed['messages']] == [
            got['checksum']]
    finally:
        api.close()


def test_checksum_hidden_by_default(api):
    resp = api.post('/v2/queues/checksums/messages',
                    json={'messages': [{'body': 1, 'ttl': 300}]})
    assert resp.status_code == 201, resp.text
    got = api.get(resp.json()['resources'][0]).json()
    assert 'checksum' not in got
