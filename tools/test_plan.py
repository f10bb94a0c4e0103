#!/usr/bin/env python3
"""How tools/run-tests.sh splits the whole suite across this machine.

Most tests spend their time waiting (a lease's settle delays, a TTL
running out, a server starting), not computing, so the suite runs in
two phases:

1. ``alone``: the files whose tests race processes, inject faults or
   measure time, requests or load (ALONE below) run first, in one pytest
   process with nothing else running: their bounds are those of a quiet
   machine, and a neighbour's load must never be what fails them.
2. ``shard K N``: every other test file, in N pytest processes at once
   (tools/run-tests.sh: ``SWIFTQ_TEST_SHARDS``, 1 until a whole run with
   2 has passed since the files above were moved to ALONE).
   Files are dealt greedily by their duration in a measured run
   (tools/test-durations.txt, seconds per file; ``refresh`` rewrites it
   from a pytest --junitxml report), so the shards end together. A file
   missing from it counts DEFAULT_SECONDS: a new test file always runs.

Usage::

    test_plan.py alone
    test_plan.py shard K N          (K in 1..N)
    test_plan.py refresh JUNIT.xml  (rewrites tools/test-durations.txt)
"""

import collections
import os
import sys
import xml.etree.ElementTree as ElementTree

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DURATIONS = os.path.join(ROOT, 'tools', 'test-durations.txt')
DEFAULT_SECONDS = 30.0

#: Directories dealt as one piece: their session fixtures are costly to
#: start twice (a Keystone, a moto server) or their files are short.
WHOLE = ('tests/keystone', 'tests/functional/sqs', 'tests/unit')

#: Files (or directories) run alone, first: races, faults and figures, and
#: the files whose servers run with short lease bounds (conftest.py's
#: FAST_OVERRIDES: a 0.1 s write deadline), which a loaded machine breaks:
#: test_claim_semantics.py had 8 requests time out after 30 s when it ran
#: beside another shard.
ALONE = (
    'tests/bench',
    'tests/functional/sqs',
    'tests/functional/test_claim_races.py',
    'tests/functional/test_claim_semantics.py',
    'tests/functional/test_faults.py',
    'tests/functional/test_lease_safety.py',
    'tests/functional/test_long_poll.py',
    'tests/functional/test_subscriptions.py',
    'tests/functional/test_websocket_push.py',
    'tests/operator/test_status.py',
)


def test_files():
    """Every test module under tests/, relative to the repository."""
    found = []
    for top, dirs, files in os.walk(os.path.join(ROOT, 'tests')):
        dirs[:] = sorted(d for d in dirs if not d.startswith(('.', '__')))
        for name in sorted(files):
            if name.startswith('test_') and name.endswith('.py'):
                found.append(os.path.relpath(os.path.join(top, name), ROOT))
    return found


def is_alone(path):
    return any(path == a or path.startswith(a + '/') for a in ALONE)


def durations():
    seconds = {}
    if os.path.exists(DURATIONS):
        with open(DURATIONS) as listing:
            for line in listing:
                if line.strip() and not line.startswith('#'):
                    value, path = line.split(None, 1)
                    seconds[path.strip()] = float(value)
    return seconds


def pieces():
    """What the shards are dealt: ``{name: [files]}``, a WHOLE directory
    as one piece, any other file alone."""
    dealt = collections.OrderedDict()
    for path in test_files():
        if is_alone(path):
            continue
        whole = [d for d in WHOLE if path.startswith(d + '/')]
        dealt.setdefault(whole[0] if whole else path, []).append(path)
    return dealt


def shards(count):
    """The files outside ALONE dealt into ``count`` shards, longest piece
    first, each to the shard with the least time so far."""
    known = durations()

    def seconds(files):
        return sum(known.get(f, DEFAULT_SECONDS) for f in files)

    ordered = sorted(pieces().items(), key=lambda p: (-seconds(p[1]), p[0]))
    dealt = [[] for _ in range(count)]
    loads = [0.0] * count
    for _, files in ordered:
        lightest = loads.index(min(loads))
        dealt[lightest].extend(files)
        loads[lightest] += seconds(files)
    return dealt


def refresh(junit_path):
    """Rewrite the durations file from a junit report: the seconds of each
    file's test cases (setup and teardown included)."""
    per_file = collections.Counter()
    for case in ElementTree.parse(junit_path).iter('testcase'):
        module = case.get('classname', '').split('.')
        # classname is tests.functional.test_x(.Class): up to the module
        while module and not module[-1].startswith('test_'):
            module.pop()
        if module:
            per_file[os.path.join(*module) + '.py'] += \
                float(case.get('time') or 0)
    with open(DURATIONS, 'w') as out:
        out.write('# seconds per test file in one measured run '
                  '(tools/test_plan.py refresh)\n')
        for path, seconds in sorted(per_file.items()):
            out.write('%.1f %s\n' % (seconds, path))


def main(argv):
    if argv[:1] == ['alone']:
        print(' '.join(f for f in test_files() if is_alone(f)))
    elif argv[:1] == ['shard'] and len(argv) == 3:
        k, n = int(argv[1]), int(argv[2])
        print(' '.join(shards(n)[k - 1]))
    elif argv[:1] == ['refresh'] and len(argv) == 2:
        refresh(argv[1])
    else:
        sys.exit(__doc__)


if __name__ == '__main__':
    main(sys.argv[1:])
