"""tools/test_plan.py: how tools/run-tests.sh splits the whole suite."""

import importlib.util
import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


@pytest.fixture
def plan():
    spec = importlib.util.spec_from_file_location(
        'test_plan', os.path.join(ROOT, 'tools', 'test_plan.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize('count', [1, 2, 3])
def test_every_test_file_runs_exactly_once(plan, count):
    alone = [f for f in plan.test_files() if plan.is_alone(f)]
    dealt = [f for shard in plan.shards(count) for f in shard]
    assert sorted(alone + dealt) == sorted(plan.test_files())
    assert len(set(alone + dealt)) == len(alone + dealt)
    assert 'tests/unit/test_test_plan.py' in dealt
    assert 'tests/functional/test_faults.py' in alone


def test_a_whole_directory_stays_in_one_shard(plan):
    shards = plan.shards(2)
    for whole in plan.WHOLE:
        if plan.is_alone(whole + '/x'):
            continue
        holding = {k for k, files in enumerate(shards)
                   for f in files if f.startswith(whole + '/')}
        assert len(holding) == 1, whole


def test_a_file_never_measured_counts_the_default(plan, monkeypatch):
    monkeypatch.setattr(plan, 'durations', lambda: {})
    monkeypatch.setattr(plan, 'test_files', lambda: [
        'tests/functional/test_a.py', 'tests/functional/test_b.py',
        'tests/functional/test_faults.py'])
    assert plan.shards(2) == [['tests/functional/test_a.py'],
                              ['tests/functional/test_b.py']]


def test_shards_are_balanced_by_measured_seconds(plan, monkeypatch):
    monkeypatch.setattr(plan, 'durations', lambda: {
        'tests/functional/test_a.py': 100.0,
        'tests/functional/test_b.py': 60.0,
        'tests/functional/test_c.py': 50.0})
    monkeypatch.setattr(plan, 'test_files', lambda: [
        'tests/functional/test_a.py', 'tests/functional/test_b.py',
        'tests/functional/test_c.py'])
    assert plan.shards(2) == [['tests/functional/test_a.py'],
                              ['tests/functional/test_b.py',
                               'tests/functional/test_c.py']]
