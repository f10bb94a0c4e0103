"""Prometheus metrics of a real swiftq-api (two gunicorn workers) on the
real local Swift: scraped from their own listener after real requests,
the counters match the requests made, the public port serves none of
it, and no queue or project name appears in the exposition."""

import threading
import time
import uuid

from prometheus_client import parser
import pytest
import requests

from swiftq.child_processes import free_port
from tests.functional.notifier_process import NotifierProcess
from tests.functional.receivers import HttpReceiver

MESSAGES_ROUTE = '/v2/queues/<queue_name>/messages'


@pytest.fixture(scope='module')
def metrics_server(swiftq_server_factory):
    port = free_port()
    server = swiftq_server_factory(workers=2, overrides={
        ('metrics', 'enabled'): True,
        ('metrics', 'bind_port'): port,
        ('claims', 'lease_idle_release'): 0.1,
    })
    server.metrics_url = 'http://127.0.0.1:%d/metrics' % port
    return server


@pytest.fixture
def metrics_api(metrics_server, api_factory):
    return api_factory(server=metrics_server)


def scrape_text(server, url=None):
    resp = requests.get(url or server.metrics_url, timeout=10)
    assert resp.status_code == 200
    assert resp.headers['Content-Type'].startswith('text/plain')
    return resp.text


def samples_of(text):
    """{(sample name, sorted label items): value} of one exposition."""
    samples = {}
    for family in parser.text_string_to_metric_families(text):
        for sample in family.samples:
            key = (sample.name, tuple(sorted(sample.labels.items())))
            samples[key] = sample.value
    return samples


def scrape(server):
    return samples_of(scrape_text(server))


def total(samples, name, **labels):
    """The sum of the samples ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(value for (sample, items), value in samples.items()
               if sample == name and wanted <= set(items))


def test_request_counters_match_the_requests_made(metrics_server,
                                                  metrics_api):
    queue = 'q-' + uuid.uuid4().hex[:8]
    posts, listings = 30, 12
    before = scrape(metrics_server)
    assert metrics_api.put('/v2/queues/' + queue).status_code == 201
    for i in range(posts):
        resp = metrics_api.post('/v2/queues/%s/messages' % queue,
                                json={'messages': [{'body': i}]})
        assert resp.status_code == 201
    for _ in range(listings):
        resp = metrics_api.get('/v2/queues/%s/messages?echo=true' % queue)
        assert resp.status_code == 200
    after = scrape(metrics_server)

    def delta(name, **labels):
        return total(after, name, **labels) - total(before, name, **labels)

    assert delta('swiftq_http_requests_total', method='POST',
                 route=MESSAGES_ROUTE, status='201') == posts
    assert delta('swiftq_http_requests_total', method='GET',
                 route=MESSAGES_ROUTE, status='200') == listings
    assert delta('swiftq_http_requests_total', method='PUT',
                 route='/v2/queues/<queue_name>', status='201') == 1
    assert delta('swiftq_http_request_duration_seconds_count',
                 method='POST', route=MESSAGES_ROUTE) == posts
    # every post is one segment PUT to Swift, at least
    assert delta('swiftq_swift_requests_total', method='PUT',
                 outcome='2xx') >= posts


def test_swift_counters_match_swifts_own_log(
        metrics_server, metrics_api, local_swift):
    """The proxy's access log, one line per request, agrees with the
    counters (within 1 %) on the requests naming this server's
    containers: a post each, with nothing else running."""
    prefix = metrics_server.container_prefix
    queue = 'q-' + uuid.uuid4().hex[:8]
    assert metrics_api.put('/v2/queues/' + queue).status_code == 201
    time.sleep(1.0)     # the queue's creation is behind us, in every log

    def logged_puts():
        with open(local_swift.log_file('proxy-server'),
                  errors='replace') as log:
            return sum(1 for line in log
                       if ' PUT /v1/' in line and prefix in line)

    def counted_puts():
        return total(scrape(metrics_server), 'swiftq_swift_requests_total',
                     method='PUT')

    logged, counted = logged_puts(), counted_puts()
    posts = 100
    for i in range(posts):
        assert metrics_api.post(
            '/v2/queues/%s/messages' % queue,
            json={'messages': [{'body': i}]}).status_code == 201
    time.sleep(1.0)     # the proxy's log lines are written
    logged, counted = logged_puts() - logged, counted_puts() - counted
    assert logged >= posts
    assert abs(counted - logged) <= max(1, logged // 100), (counted, logged)


def test_claims_count_lease_and_group_commit(metrics_server, metrics_api):
    queue = 'q-' + uuid.uuid4().hex[:8]
    metrics_api.post('/v2/queues/%s/messages' % queue,
                     json={'messages': [{'body': i} for i in range(5)]})
    before = scrape(metrics_server)
    resp = metrics_api.post('/v2/queues/%s/claims' % queue,
                            json={'ttl': 60, 'grace': 60})
    assert resp.status_code == 201
    after = scrape(metrics_server)
    assert total(after, 'swiftq_lease_events_total', event='acquired') > \
        total(before, 'swiftq_lease_events_total', event='acquired')
    assert total(after, 'swiftq_lease_wait_seconds_count') > \
        total(before, 'swiftq_lease_wait_seconds_count')
    assert total(after, 'swiftq_state_commit_changes_count') > \
        total(before, 'swiftq_state_commit_changes_count')


def test_long_poll_waiters_gauge(metrics_server, metrics_api):
    queue = 'q-' + uuid.uuid4().hex[:8]
    assert metrics_api.put('/v2/queues/' + queue).status_code == 201
    done = threading.Event()

    def wait():
        metrics_api.get('/v2/queues/%s/messages?echo=true&wait=3' % queue)
        done.set()

    threading.Thread(target=wait, daemon=True).start()
    deadline = time.monotonic() + 2.5
    seen = 0
    while time.monotonic() < deadline and not seen:
        seen = total(scrape(metrics_server), 'swiftq_long_poll_waiters')
        time.sleep(0.1)
    assert seen == 1
    assert done.wait(10)
    assert total(scrape(metrics_server), 'swiftq_long_poll_waiters') == 0


def test_no_queue_or_project_name_in_the_exposition(metrics_server,
                                                    metrics_api):
    queue = 'secret-' + uuid.uuid4().hex[:8]
    metrics_api.put('/v2/queues/' + queue)
    metrics_api.post('/v2/queues/%s/messages' % queue,
                     json={'messages': [{'body': 1}]})
    metrics_api.get('/v2/queues/%s/stats' % queue)
    metrics_api.get('/v2/queues/%s/nothing-here' % queue)   # 404
    text = scrape_text(metrics_server)
    assert queue not in text
    assert metrics_api.project not in text
    assert metrics_server.container_prefix not in text
    assert 'route="unmatched"' in text


def test_the_public_port_serves_no_metrics(metrics_server, metrics_api):
    for path in ('/metrics', '/v2/metrics', '/'):
        resp = metrics_api.get(path)
        assert 'swiftq_http_requests' not in resp.text
    assert metrics_api.get('/metrics').status_code == 404


def test_a_killed_worker_keeps_its_counts(metrics_server, metrics_api):
    """Counters of a dead worker stay in the sums (its files are kept);
    its live gauges go (gunicorn's child_exit)."""
    queue = 'q-' + uuid.uuid4().hex[:8]
    metrics_api.put('/v2/queues/' + queue)
    for _ in range(10):
        metrics_api.get('/v2/queues/%s/stats' % queue)
    route = '/v2/queues/<queue_name>/stats'
    before = total(scrape(metrics_server), 'swiftq_http_requests_total',
                   route=route)
    metrics_server.kill_worker(wait=True)
    after = scrape(metrics_server)
    assert total(after, 'swiftq_http_requests_total', route=route) == before
    assert total(after, 'swiftq_long_poll_waiters') == 0


def test_notifier_serves_its_deliveries_and_retries(
        metrics_server, metrics_api, tmp_path):
    """swiftq-notifier's own listener: every message delivered is counted
    once, and so is every failed attempt planned again."""
    queue = 'hooked-' + uuid.uuid4().hex[:8]
    port = free_port()
    fast_retries = {'retries_with_no_delay': 3, 'minimum_delay_retries': 0,
                    'minimum_delay': 1, 'maximum_delay': 11,
                    'maximum_delay_retries': 0}
    with HttpReceiver() as receiver:
        receiver.fail_first('flaky', 2)
        resp = metrics_api.post(
            '/v2/queues/%s/subscriptions' % queue,
            json={'subscriber': receiver.endpoint('flaky'), 'ttl': 3600,
                  'options': {'_retry_policy': fast_retries}})
        assert resp.status_code == 201, resp.text
        notifier = NotifierProcess(
            str(tmp_path), metrics_server, extra={'metrics': {
                'enabled': True, 'notifier_bind_port': port}})
        with notifier:
            posted = 0
            for batch in range(5):
                resp = metrics_api.post(
                    '/v2/queues/%s/messages' % queue,
                    json={'messages': [{'body': i} for i in range(4)]})
                assert resp.status_code == 201
                posted += 4
            url = 'http://127.0.0.1:%d/metrics' % port
            deadline = time.monotonic() + 60
            text, samples = '', {}
            while time.monotonic() < deadline:
                # counted once the subscriber's answer is back
                time.sleep(0.2)
                try:
                    text = scrape_text(None, url=url)
                except requests.ConnectionError:
                    continue        # the notifier is starting
                samples = samples_of(text)
                if total(samples, 'swiftq_notifier_events_total',
                         event='delivered') >= posted:
                    break
            assert len(receiver.delivered('flaky')) == posted
    assert total(samples, 'swiftq_notifier_events_total',
                 event='delivered') == posted
    assert total(samples, 'swiftq_notifier_events_total',
                 event='retries') == 2
    assert queue not in text and metrics_api.project not in text
