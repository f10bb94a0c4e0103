"""``?wait=N`` (long polling, a swiftq extension): the HTTP layer checks it
against ``[long_poll] max_wait`` and hands it to storage; the waiting
itself is storage's (tests/unit/storage/test_watch.py)."""

import json

import pytest

from tests.unit.api.base import app, assert_error, client, conf  # noqa: F401
from tests.unit.api.base import overrides, storage  # noqa: F401

QUEUE = '/v2/queues/fizbit'


@pytest.mark.parametrize('path', [QUEUE + '/claims', QUEUE + '/messages'])
def test_wait_reaches_storage(client, storage, path):
    method = client.post if path.endswith('claims') else client.get
    method(path)
    method(path + '?wait=0')
    method(path + '?wait=20')
    assert storage.waits == [0, 0, 20]


@pytest.mark.parametrize('value', ['-1', '21', 'x', '2.5'])
def test_wait_outside_0_to_max_wait_is_400(client, storage, value):
    for resp in (client.post(QUEUE + '/claims?wait=' + value),
                 client.get(QUEUE + '/messages?wait=' + value)):
        assert_error(resp, 400, 'Invalid parameter')
        assert '"wait"' in resp.get_json()['description']
    assert storage.waits == []


@pytest.mark.parametrize('overrides', [{('long_poll', 'max_wait'): 5}])
def test_max_wait_is_configurable(client, storage, overrides):
    assert_error(client.post(QUEUE + '/claims?wait=6'), 400,
                 'Invalid parameter')
    client.post(QUEUE + '/claims?wait=5')
    assert storage.waits == [5]


def test_home_document_advertises_the_extension(client):
    # application/json-home: read as JSON by hand.
    resources = json.loads(client.get('/v2').data)['resources']
    assert '{?limit,wait}' in \
        resources['rel/x-swiftq-wait_claim']['href-template']
    assert ',wait}' in \
        resources['rel/x-swiftq-wait_messages']['href-template']
