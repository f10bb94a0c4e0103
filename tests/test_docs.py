"""The documentation (doc/source) builds with Sphinx, warnings as errors,
as "tox -e docs" builds it: so the test suite proves it has no broken
references, no malformed reStructuredText and no stale toctree."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCE = os.path.join(ROOT, 'doc', 'source')
BUILD_TIMEOUT = 60


def test_docs_build_without_warnings(tmp_path):
    proc = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-E', '-q',
         '-b', 'html', '-d', str(tmp_path / 'doctrees'), SOURCE,
         str(tmp_path / 'html')],
        cwd=ROOT, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
    assert proc.returncode == 0, ('the documentation does not build '
                                  'cleanly:\n' + proc.stdout + proc.stderr)
    assert (tmp_path / 'html' / 'index.html').exists()
