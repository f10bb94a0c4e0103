"""python-zaqarclient (v2, noauth) drives swiftq exactly as a user would,
unchanged, over real HTTP and a real Swift."""

import uuid

import pytest
from zaqarclient.queues import client as zaqar_client
from zaqarclient.transport import errors as zaqar_errors


@pytest.fixture
def zaqar(swiftq_server):
    project = 'zc-' + uuid.uuid4().hex[:10]
    return zaqar_client.Client(swiftq_server.base_url, version=2, conf={
        'auth_opts': {'backend': 'noauth',
                      'options': {'os_project_id': project}}})


def test_queue_lifecycle_post_list_claim_delete_stats(zaqar):
    assert zaqar.ping()
    queue = zaqar.queue('zc-queue', force_create=True)
    queue.metadata(new_meta={'color': 'blue'})
    assert queue.metadata(force_reload=True)['color'] == 'blue'
    queues, count = zaqar.queues(with_count=True)
    assert [q.name for q in queues] == ['zc-queue'] and count == 1

    queue.post([{'body': {'n': i}, 'ttl': 600} for i in range(5)])
    listed = list(queue.messages(echo=True))
    assert [m.body['n'] for m in listed] == [0, 1, 2, 3, 4]

    claim = queue.claim(ttl=120, grace=60, limit=3)
    claimed = list(claim)
    assert [m.body['n'] for m in claimed] == [0, 1, 2]
    stats = queue.stats['messages']
    assert (stats['total'], stats['claimed'], stats['free']) == (5, 3, 2)

    for message in claimed:
        message.delete()
    claim.delete()
    stats = queue.stats['messages']
    assert (stats['total'], stats['claimed'], stats['free']) == (2, 0, 2)

    got = queue.message(listed[3].id)
    assert got.body == {'n': 3}
    queue.delete_messages(listed[3].id)
    popped = queue.pop(1)
    assert [m.body['n'] for m in popped] == [4]
    assert queue.stats['messages']['total'] == 0

    queue.delete()
    assert not queue.exists()


def test_claimed_message_survives_a_claimless_bulk_delete(zaqar):
    queue = zaqar.queue('zc-claimed', force_create=True)
    queue.post([{'body': 'x', 'ttl': 600}])
    claim = queue.claim(ttl=120, grace=60)
    message = list(claim)[0]
    queue.delete_messages(message.id)       # no claim id: skipped
    assert queue.message(message.id).claim_id == claim.id
    message.delete()                        # href carries the claim id
    with pytest.raises(zaqar_errors.ResourceNotFound):
        queue.message(message.id)


def test_subscription_create_get_list_update_delete(zaqar):
    """python-zaqarclient's subscription API (create on construction, get
    by id, list with paging, update, delete), unchanged."""
    zaqar.queue('zc-subs', force_create=True)
    hook = zaqar.subscription('zc-subs', subscriber='http://example.com/h',
                              ttl=3600, options={'a': 1})
    assert hook.id
    assert (hook.subscriber, hook.ttl, hook.options, hook.confirmed) == (
        'http://example.com/h', 3600, {'a': 1}, False)
    assert hook.age >= 0
    mail = zaqar.subscription('zc-subs', subscriber='mailto:ops@example.com',
                              ttl=600)
    again = zaqar.subscription('zc-subs', subscriber='http://example.com/h')
    assert again.id == hook.id          # unconfirmed: the same one (Zaqar)

    listed = list(zaqar.subscriptions('zc-subs'))
    assert [(s.id, s.queue_name, s.subscriber) for s in listed] == [
        (hook.id, 'zc-subs', 'http://example.com/h'),
        (mail.id, 'zc-subs', 'mailto:ops@example.com')]
    paged = zaqar.subscriptions('zc-subs', limit=1).stream()
    assert [s.id for s in paged] == [hook.id, mail.id]

    hook.update({'ttl': 7200, 'options': {'b': 2}})
    fresh = zaqar.subscription('zc-subs', id=hook.id)
    assert (fresh.ttl, fresh.options, fresh.subscriber) == (
        7200, {'b': 2}, 'http://example.com/h')

    hook.delete()
    with pytest.raises(zaqar_errors.ResourceNotFound):
        zaqar.subscription('zc-subs', id=hook.id)
    assert [s.id for s in zaqar.subscriptions('zc-subs')] == [mail.id]
    zaqar.queue('zc-subs').delete()
    assert list(zaqar.subscriptions('zc-subs')) == []
