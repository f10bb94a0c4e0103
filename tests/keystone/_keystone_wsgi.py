"""Keystone's WSGI application for gunicorn (runs in .venv-keystone).

keystone parses ``sys.argv`` with oslo.config when it is imported; under
gunicorn that is gunicorn's own command line, which keystone refuses
("unrecognized arguments") and every worker exits. Clear it first; the
configuration comes from ``OS_KEYSTONE_CONFIG_DIR``.
"""

import sys

del sys.argv[1:]

from keystone.wsgi.api import application  # noqa: E402,F401
