"""The metrics' parts that need no server: counting stats, route and
method labels, the multi-process directory, gunicorn's hooks."""

import os

from oslo_config import cfg
import pytest

from swiftq.api import http_metrics
from swiftq import app as app_module
from swiftq.cmd import api as api_cmd
import swiftq.conf
from swiftq.metrics import exposition
from swiftq.metrics import instruments
from tests.unit.api import memory_storage


def value(metric, **labels):
    """The current value of ``metric`` (a child when labels are given)."""
    child = metric.labels(**labels) if labels else metric
    return child._value.get()


def test_counting_stats_counts_increases_by_key():
    stats = instruments.CountingStats(instruments.LEASE_EVENTS, 'event',
                                      {'acquired': 0})
    before = value(instruments.LEASE_EVENTS, event='acquired')
    stats['acquired'] += 1
    stats['acquired'] += 2
    assert stats == {'acquired': 3}
    assert value(instruments.LEASE_EVENTS, event='acquired') == before + 3
    before = value(instruments.LEASE_EVENTS, event='abandoned')
    stats['abandoned'] = stats.get('abandoned', 0) + 1
    assert value(instruments.LEASE_EVENTS, event='abandoned') == before + 1


def test_swift_outcome_is_the_status_class():
    assert instruments.swift_outcome(201) == '2xx'
    assert instruments.swift_outcome(404) == '4xx'
    assert instruments.swift_outcome(503) == '5xx'


def _client(enabled):
    conf = swiftq.conf.new_conf(overrides={
        (None, 'auth_strategy'): 'noauth', ('metrics', 'enabled'): enabled})
    app = app_module.create_app(conf, memory_storage.MemoryStorage())
    return app.test_client()


HEADERS = {'Client-ID': '3381af92-2b9e-11e3-b191-71861300734c',
           'X-Project-ID': 'p-unit'}


def _count(method, route, status):
    return value(instruments.HTTP_REQUESTS, method=method, route=route,
                 status=str(status))


@pytest.mark.parametrize('method, path, route, status', [
    ('PUT', '/v2/queues/secret', '/v2/queues/<queue_name>', 201),
    ('GET', '/v2/queues/secret/stats', '/v2/queues/<queue_name>/stats',
     200),
    ('GET', '/v2/topics/secret', '/v2/topics/<topic_name>', 404),
    ('GET', '/v2/queues/secret/nothing', 'unmatched', 404),
    ('GET', '/healthcheck', '/healthcheck', 200),
    ('BREW', '/v2/queues/secret', 'unmatched', 405),
])
def test_requests_are_labelled_by_route_template(method, path, route,
                                                 status):
    client = _client(True)
    if path.endswith('/stats'):
        client.put('/v2/queues/secret', headers=HEADERS)
    label = method if method in http_metrics.METHODS else 'other'
    before = _count(label, route, status)
    resp = client.open(path, method=method, headers=HEADERS)
    assert resp.status_code == status
    assert _count(label, route, status) == before + 1


def test_nothing_is_measured_when_metrics_are_off():
    client = _client(False)
    route = '/v2/queues/<queue_name>'
    before = _count('PUT', route, 201)
    assert client.put('/v2/queues/off', headers=HEADERS).status_code == 201
    assert _count('PUT', route, 201) == before


def test_multiprocess_dir_named_by_the_operator_is_emptied(tmp_path,
                                                           monkeypatch):
    (tmp_path / 'counter_123.db').write_bytes(b'old')
    (tmp_path / 'keep.txt').write_text('not ours')
    monkeypatch.setenv(exposition.ENV, str(tmp_path))
    assert exposition.prepare_multiprocess_dir() == str(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ['keep.txt']


def test_multiprocess_dir_made_when_none_is_named(monkeypatch):
    monkeypatch.setenv(exposition.ENV, 'recorded, so that undo removes it')
    monkeypatch.delenv(exposition.ENV)
    path = exposition.prepare_multiprocess_dir()
    try:
        assert os.environ[exposition.ENV] == path
        assert os.path.isdir(path) and not os.listdir(path)
    finally:
        os.rmdir(path)


def test_gunicorn_hooks_only_with_metrics():
    conf = api_cmd.parse_args([], cfg.ConfigOpts())
    assert conf.metrics.enabled is False
    assert conf.metrics.bind_host == '127.0.0.1'
    settings = api_cmd.gunicorn_settings(conf)
    assert 'when_ready' not in settings and 'child_exit' not in settings
    conf.set_override('enabled', True, group='metrics')
    settings = api_cmd.gunicorn_settings(conf)
    assert callable(settings['when_ready'])
    assert callable(settings['child_exit'])
