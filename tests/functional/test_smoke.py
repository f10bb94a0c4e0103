"""The service answers over real HTTP and keeps a queue in Swift."""


def test_ping(api):
    resp = api.get('/v2/ping')
    assert resp.status_code == 204, resp.text


def test_queue_round_trip(api):
    resp = api.put('/v2/queues/smoke', json={'description': 'smoke'})
    assert resp.status_code == 201, resp.text

    resp = api.get('/v2/queues/smoke')
    assert resp.status_code == 200, resp.text
    assert resp.json()['description'] == 'smoke'

    resp = api.delete('/v2/queues/smoke')
    assert resp.status_code == 204, resp.text
