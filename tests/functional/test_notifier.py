"""swiftq-notifier end to end: real Swift, a real swiftq-api, real
``swiftq-notifier`` processes, and local subscribers (an HTTP receiver
for webhooks, an SMTP receiver for mailto). Design:
doc/source/design/subscriptions.rst, "Delivery".

Every test accounts for deliveries by message id (the webhook's
``X-Swiftq-Message-Id``, or the body's sequence number for mail) and
prints ``posted / delivered / duplicated / lost`` so the figures can be
quoted.
"""

import collections
import json
import re
import time

import pytest
import requests

from tests.functional.notifier_process import NotifierProcess
from tests.functional.receivers import HttpReceiver
from tests.functional.receivers import SmtpReceiver

SECRET = 'notifier-test-secret'
WAIT = 90


@pytest.fixture(scope='module')
def server(swiftq_server_factory):
    return swiftq_server_factory(
        workers=2, overrides={('signed_url', 'secret_key'): SECRET})


@pytest.fixture
def api(server, api_factory):
    return api_factory(server=server)


@pytest.fixture
def receiver():
    with HttpReceiver() as r:
        yield r


@pytest.fixture
def notifiers(server, tmp_path):
    """``start(name='notifier', **notification_overrides)``: a running
    swiftq-notifier; all are stopped after the test."""
    started = []

    def start(name='notifier', **overrides):
        process = NotifierProcess(str(tmp_path), server, name=name,
                                  overrides=overrides, signed_url_key=SECRET)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()


@pytest.fixture
def subscribe(api):
    """``subscribe(queue, subscriber, options=None)``: the new
    subscription's id; every subscription is deleted after the test, so
    later tests' notifiers do not deliver to receivers that are gone."""
    made = []

    def create(queue, subscriber, options=None, client=None):
        client = client or api
        resp = client.post('/v2/queues/%s/subscriptions' % queue,
                           json={'subscriber': subscriber, 'ttl': 3600,
                                 'options': options or {}})
        assert resp.status_code == 201, resp.text
        sub_id = resp.json()['subscription_id']
        made.append((client, queue, sub_id))
        return sub_id

    yield create
    for client, queue, sub_id in made:
        try:
            client.delete('/v2/queues/%s/subscriptions/%s' % (queue, sub_id))
        except requests.RequestException:
            pass


def post(client, queue, bodies, ttl=3600):
    """Post one batch; the acknowledged message ids."""
    resp = client.post('/v2/queues/%s/messages' % queue,
                       json={'messages': [{'body': b, 'ttl': ttl}
                                          for b in bodies]})
    assert resp.status_code == 201, resp.text
    return [href.rsplit('/', 1)[1] for href in resp.json()['resources']]


def header(received, name):
    for key, value in received.headers.items():
        if key.lower() == name.lower():
            return value
    return None


def message_ids(deliveries):
    return [header(r, 'X-Swiftq-Message-Id') for r in deliveries]


def account(label, posted, delivered_ids):
    """Counts of one subscriber; printed, and returned as a dict."""
    seen = collections.Counter(delivered_ids)
    posted = set(posted)
    counts = {
        'posted': len(posted),
        'delivered': len(posted & set(seen)),
        'duplicated': sum(n - 1 for i, n in seen.items() if i in posted),
        'lost': len(posted - set(seen)),
        'unexpected': sum(n for i, n in seen.items() if i not in posted),
    }
    print('\n[notifier] %s: %s' % (label, ', '.join(
        '%s %d' % item for item in counts.items())))
    return counts


def wait_until(predicate, what, timeout=WAIT, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tail = process.log_text()[-4000:] if process else ''
    raise AssertionError('timed out waiting for %s\n%s' % (what, tail))


def delivered_all(receiver, name, ids):
    ids = set(ids)
    return lambda: ids <= set(message_ids(receiver.delivered(name)))


# -- webhooks ---------------------------------------------------------------
def test_webhook_delivers_every_message_to_every_subscriber(
        api, receiver, notifiers, subscribe):
    """Zaqar's payload (zaqar/notification/notifier.py and
    tasks/webhook.py): the message's ``body`` and ``ttl`` plus
    ``queue_name`` and ``Message_Type``; ``post_data`` wraps it,
    ``post_headers`` add headers. A message posted before the subscription
    existed is not delivered to it."""
    queue = 'hooks'
    before = post(api, queue, [{'seq': 'before'}])
    time.sleep(1.5)             # more than [claims] max_clock_skew
    subscribe(queue, receiver.endpoint('plain'))
    subscribe(queue, receiver.endpoint('wrapped'), options={
        'post_data': '{"wrapped": "$zaqar_message$"}',
        'post_headers': {'X-Tag': 'wrapped'}})
    notifier = notifiers()
    posted = []
    for batch in range(20):
        posted += post(api, queue, [{'seq': batch * 3 + i}
                                    for i in range(3)],
                       ttl=300 + batch % 2)
    for name in ('plain', 'wrapped'):
        wait_until(delivered_all(receiver, name, posted),
                   'every message at %s' % name, process=notifier)
    notifier.stop()

    for name in ('plain', 'wrapped'):
        counts = account('webhook %s' % name, posted,
                         message_ids(receiver.delivered(name)))
        assert counts['lost'] == 0
        assert counts['unexpected'] == 0
        assert before[0] not in message_ids(receiver.delivered(name))

    first = receiver.delivered('plain')[0]
    assert header(first, 'Content-Type') == 'application/json'
    doc = first.json
    assert set(doc) == {'body', 'ttl', 'queue_name', 'Message_Type'}
    assert doc['queue_name'] == queue
    assert doc['Message_Type'] == 'Notification'
    assert doc['ttl'] in (300, 301)
    by_id = {header(r, 'X-Swiftq-Message-Id'): r.json
             for r in receiver.delivered('plain')}
    assert sorted(by_id[i]['body']['seq'] for i in posted) == \
        list(range(60))

    wrapped = receiver.delivered('wrapped')[0]
    assert header(wrapped, 'X-Tag') == 'wrapped'
    assert set(wrapped.json) == {'wrapped'}
    assert wrapped.json['wrapped']['Message_Type'] == 'Notification'


def test_every_stripe_of_a_striped_queue_is_delivered(api, receiver,
                                                      notifiers, subscribe):
    """doc/source/design/stripes.rst "Notifications": the notifier merges
    the stripes; message ids carry their stripe."""
    queue = 'striped-hooks'
    assert api.put('/v2/queues/%s' % queue,
                   json={'_stripes': 3}).status_code == 201
    subscribe(queue, receiver.endpoint('striped'))
    notifier = notifiers()
    posted = []
    for batch in range(9):
        posted += post(api, queue, [{'seq': batch * 2 + i}
                                    for i in range(2)])
    assert {len(msg_id) for msg_id in posted} == {28, 30}
    wait_until(delivered_all(receiver, 'striped', posted),
               'every message of every stripe', process=notifier)
    notifier.stop()
    counts = account('striped webhook', posted,
                     message_ids(receiver.delivered('striped')))
    assert counts['lost'] == 0 and counts['unexpected'] == 0
    by_id = {header(r, 'X-Swiftq-Message-Id'): r.json['body']['seq']
             for r in receiver.delivered('striped')}
    assert sorted(by_id[i] for i in posted) == list(range(18))


def test_notifier_killed_mid_delivery_loses_nothing(
        api, notifiers, subscribe):
    """kill -9 in the middle of a backlog, post while no notifier runs,
    start another: every acknowledged message arrives (the cursor is
    written after the deliveries it records: repeats, never gaps)."""
    with HttpReceiver(delay=0.03) as receiver:
        queue = 'killed'
        subscribe(queue, receiver.endpoint('k'))
        posted = []
        for i in range(120):
            posted += post(api, queue, [{'seq': i}])
        first = notifiers('first')
        wait_until(lambda: len(receiver.delivered('k')) >= 30,
                   '30 deliveries', process=first)
        first.kill()
        at_kill = len(receiver.delivered('k'))
        assert at_kill < len(posted), 'the kill came after the backlog'
        for i in range(120, 140):
            posted += post(api, queue, [{'seq': i}])
        second = notifiers('second')
        wait_until(delivered_all(receiver, 'k', posted),
                   'every message after the restart', process=second)
        second.stop()
        counts = account('kill -9 at %d delivered' % at_kill, posted,
                         message_ids(receiver.delivered('k')))
    assert counts['lost'] == 0
    assert counts['unexpected'] == 0


def test_api_workers_killed_after_201_lose_nothing(
        server, api, receiver, notifiers, subscribe):
    """The API keeps no notification state: messages acknowledged by a
    worker that is SIGKILLed right after its 201 are delivered all the
    same."""
    queue = 'apikill'
    subscribe(queue, receiver.endpoint('w'))
    notifier = notifiers()
    posted = []
    kills = 0
    for round_ in range(4):
        for i in range(10):
            for _ in range(3):      # a connection to a killed worker
                try:
                    posted += post(api, queue, [{'seq': round_ * 10 + i}])
                    break
                except requests.ConnectionError:
                    api.close()
        killed = [server.kill_worker(pid) for pid in server.pids]
        kills += len(killed)
        api.close()
        server.wait_for_workers(exclude=killed)
    wait_until(delivered_all(receiver, 'w', posted),
               'every acknowledged message', process=notifier)
    notifier.stop()
    counts = account('%d API workers killed' % kills, posted,
                     message_ids(receiver.delivered('w')))
    assert counts['lost'] == 0


def test_retry_policy(api, receiver, notifiers, subscribe):
    """``_retry_policy`` (zaqar/notification/tasks/webhook.py): a
    subscriber failing its first attempts gets the message on a retry;
    one that always fails gets exactly the attempts of its policy, then
    the message is given up, while the other subscribers of the queue are
    served meanwhile. A queue's policy with
    ``ignore_subscription_override`` wins over the subscription's.

    Zaqar's code retries only when the POST raises (its check of a 5xx
    response never matches); its documentation promises retries of failed
    notifications, which is what swiftq does for 5xx answers as well."""
    queue = 'retried'
    flaky_policy = {'retries_with_no_delay': 2, 'minimum_delay_retries': 1,
                    'minimum_delay': 1, 'maximum_delay': 11,
                    'maximum_delay_retries': 0}
    dead_policy = {'retries_with_no_delay': 0, 'minimum_delay_retries': 0,
                   'minimum_delay': 1, 'maximum_delay': 11,
                   'maximum_delay_retries': 0}   # retries after 1 s, 6 s
    receiver.fail_first('flaky', 3)
    receiver.fail_always('dead')
    subscribe(queue, receiver.endpoint('good'))
    subscribe(queue, receiver.endpoint('flaky'),
              options={'_retry_policy': flaky_policy})
    subscribe(queue, receiver.endpoint('dead'),
              options={'_retry_policy': dead_policy})

    # A queue's policy with ignore_subscription_override (dead_policy's
    # 2 retries) beats the subscription's own, more generous one.
    override = 'overridden'
    resp = api.put('/v2/queues/%s' % override, json={
        '_retry_policy': dict(dead_policy,
                              ignore_subscription_override=True)})
    assert resp.status_code in (201, 204), resp.text
    receiver.fail_always('dead2')
    subscribe(override, receiver.endpoint('dead2'), options={
        '_retry_policy': {'retries_with_no_delay': 10,
                          'minimum_delay_retries': 10}})

    notifier = notifiers()
    posted = post(api, queue, [{'seq': 0}]) + post(api, queue, [{'seq': 1}])
    posted2 = post(api, override, [{'seq': 0}])
    wait_until(delivered_all(receiver, 'good', posted), 'good subscriber',
               process=notifier)
    good_done = max(r.at for r in receiver.delivered('good'))
    wait_until(delivered_all(receiver, 'flaky', posted), 'flaky subscriber',
               process=notifier)
    notifier.wait_for_log('giving up delivering', count=3, timeout=WAIT)
    time.sleep(2)       # ten passes: no attempt after giving up
    notifier.stop()

    account('retry good', posted, message_ids(receiver.delivered('good')))
    flaky = account('retry flaky (fails 3 first)', posted,
                    message_ids(receiver.delivered('flaky')))
    assert flaky['lost'] == 0
    assert len(receiver.tried('flaky')) == 3 + len(posted)
    dead_ids = message_ids(receiver.tried('dead'))
    print('[notifier] always failing: attempts per message %s' %
          dict(collections.Counter(dead_ids)))
    # 1 attempt + the policy's 2 retries, per message, then given up.
    assert collections.Counter(dead_ids) == {i: 3 for i in posted}
    assert collections.Counter(message_ids(receiver.tried('dead2'))) == \
        {posted2[0]: 3}
    # The good subscriber was served before the dead one was given up on.
    assert good_done < max(r.at for r in receiver.tried('dead'))


# -- mailto -------------------------------------------------------------------
def test_mailto_delivers_to_smtp(api, notifiers, subscribe):
    """Zaqar's mailto task: one mail per message, the message as JSON,
    ``Subject`` from the URI's query (or the ``subject`` option), ``From``
    the ``from`` option."""
    with SmtpReceiver() as smtp:
        queue = 'mailed'
        subscribe(queue, 'mailto:alice@example.com?subject=Queue%20news',
                  options={'from': 'swiftq@example.com'})
        notifier = notifiers(smtp_mode='self_local', smtp_host='127.0.0.1',
                             smtp_port=smtp.port, smtp_security='none')
        posted = []
        for i in range(5):
            posted += post(api, queue, [{'seq': i}])
        wait_until(lambda: len(smtp.received()) >= 5, '5 mails',
                   process=notifier)
        notifier.stop()
        mails = smtp.received()
    seqs = []
    for mail in mails:
        assert mail.recipients == ['alice@example.com']
        assert mail.sender == 'swiftq@example.com'
        message = mail.message()
        assert message['To'] == 'alice@example.com'
        assert message['Subject'] == 'Queue news'
        doc = json.loads(message.get_payload())
        assert doc['queue_name'] == queue
        assert doc['Message_Type'] == 'Notification'
        seqs.append(doc['body']['seq'])
    by_seq = dict(zip(range(5), posted))
    counts = account('mailto', posted, [by_seq[s] for s in seqs])
    assert counts['lost'] == 0


# -- confirmation -------------------------------------------------------------
def test_confirmation_flow(server, api, receiver, notifiers, subscribe):
    """With ``require_confirmation``: the subscriber first gets one
    SubscriptionConfirmation whose signed URL confirms it (Zaqar's
    send_confirm_notification); nothing posted before is delivered;
    after the PUT, messages are. Setting it unconfirmed sends one
    UnsubscribeConfirmation."""
    queue = 'confirmed'
    sub_id = subscribe(queue, receiver.endpoint('c'))
    notifier = notifiers(require_confirmation=True,
                         api_public_url=server.base_url)
    early = post(api, queue, [{'seq': 'early'}])

    def requests_of(kind):
        return [r for r in receiver.delivered('c')
                if (r.json or {}).get('Message_Type') == kind]

    wait_until(lambda: requests_of('SubscriptionConfirmation'),
               'a confirmation request', process=notifier)
    post(api, queue, [{'seq': 'still early'}])
    time.sleep(3)           # passes go by: nothing is delivered
    assert requests_of('Notification') == []
    request = requests_of('SubscriptionConfirmation')[0].json
    path = '/v2/queues/%s/subscriptions/%s/confirm' % (queue, sub_id)
    assert request['URL-Paths'] == path
    assert request['URL-Methods'] == 'PUT'
    assert request['WSGISubscribeURL'] == server.base_url + path
    assert request['SubscribeBody'] == {'confirmed': True}

    # The subscriber confirms with the signed URL alone (no project
    # header of its own, no token).
    headers = {'URL-Signature': request['URL-Signature'],
               'URL-Expires': request['URL-Expires'],
               'URL-Methods': request['URL-Methods'],
               'URL-Paths': request['URL-Paths'],
               'X-Project-ID': request['X-Project-ID'],
               'Client-ID': '3381af92-2b9e-11e3-b191-71861300734c'}
    resp = requests.put(request['WSGISubscribeURL'], headers=headers,
                        json=request['SubscribeBody'], timeout=30)
    assert resp.status_code == 204, resp.text
    assert api.get('/v2/queues/%s/subscriptions/%s'
                   % (queue, sub_id)).json()['confirmed'] is True

    posted = []
    for i in range(5):
        posted += post(api, queue, [{'seq': i}])
    wait_until(delivered_all(receiver, 'c', posted), 'deliveries after '
               'the confirmation', process=notifier)

    resp = requests.put(request['WSGISubscribeURL'], headers=headers,
                        json=request['UnsubscribeBody'], timeout=30)
    assert resp.status_code == 204, resp.text
    wait_until(lambda: requests_of('UnsubscribeConfirmation'),
               'the unsubscribe confirmation', process=notifier)
    notifier.stop()

    delivered = message_ids(requests_of('Notification'))
    counts = account('confirmed subscription', posted, delivered)
    assert counts['lost'] == 0
    assert early[0] not in delivered
    assert len(requests_of('SubscriptionConfirmation')) == 1
    assert len(requests_of('UnsubscribeConfirmation')) == 1


# -- several notifiers ------------------------------------------------------
def test_shards_split_the_queues(server, api, receiver, notifiers,
                                 subscribe):
    """``processes = 2``: each queue is served by the process whose
    ``process`` is md5(queue container) % 2, as Swift's object-expirer
    splits its work; together they deliver everything, once."""
    from swiftq.notification.notifier import shard_of
    from swiftq.storage import naming

    queues = {0: [], 1: []}
    for i in range(40):
        name = 'shard%d' % i
        container = naming.queue_container(server.container_prefix,
                                           api.project, name)
        shard = shard_of(container, 2)
        if len(queues[shard]) < 2:
            queues[shard].append(name)
        if len(queues[0]) == len(queues[1]) == 2:
            break
    posted = {}
    for names in queues.values():
        for name in names:
            subscribe(name, receiver.endpoint(name))
    shards = [notifiers('shard%d' % p, processes=2, process=p)
              for p in (0, 1)]
    for names in queues.values():
        for name in names:
            posted[name] = post(api, name, [{'seq': i} for i in range(3)])
    for name, ids in posted.items():
        wait_until(delivered_all(receiver, name, ids), name)
    for process in shards:
        process.stop()
    for name, ids in posted.items():
        counts = account('shard %s' % name, ids,
                         message_ids(receiver.delivered(name)))
        assert counts['lost'] == counts['duplicated'] == 0
    for p, process in enumerate(shards):
        # Each process reports its own deliveries (summary lines).
        delivered = sum(int(n) for n in re.findall(
            r'notifier: .*\bdelivered (\d+)', process.log_text()))
        assert delivered == 3 * len(queues[p])


def test_two_notifiers_on_one_shard_only_duplicate(api, receiver, notifiers,
                                                   subscribe):
    """Two processes serving the same queues (a misconfiguration, or a
    shard handed over) both deliver: duplicates, never a loss."""
    queue = 'twice'
    subscribe(queue, receiver.endpoint('twice'))
    first, second = notifiers('one'), notifiers('two')
    posted = []
    for i in range(20):
        posted += post(api, queue, [{'seq': i}])
    wait_until(delivered_all(receiver, 'twice', posted), 'every message')
    first.stop()
    second.stop()
    counts = account('two notifiers, one shard', posted,
                     message_ids(receiver.delivered('twice')))
    assert counts['lost'] == 0
    assert counts['unexpected'] == 0
