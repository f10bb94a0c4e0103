"""Sphinx configuration of swiftq's documentation.

Build it with ``tox -e docs`` (or ``sphinx-build -W -b html doc/source
doc/build/html``); tests/test_docs.py builds it with warnings as errors.
"""

import os

project = 'swiftq'
copyright = 'swiftq contributors'
author = 'swiftq contributors'

extensions = [
    # ``.. show-options::``: every option of a namespace, from the code.
    'oslo_config.sphinxext',
]

master_doc = 'index'
exclude_patterns = ['_build']
html_theme = 'alabaster'
# Command lines and option names are shown as written (--json, not an
# en dash).
smartquotes = False
html_static_path = []
# The sample configuration is included verbatim and is long.
html_theme_options = {'page_width': '1100px'}

#: Pages that other work adds; each joins the "Design and performance"
#: toctree of index.rst once its file exists (a toctree entry for a missing
#: page would be a warning, and the build runs with -W).
OPTIONAL_PAGES = ['performance']


def _optional_pages(app, docname, source):
    if docname != 'index':
        return
    present = [page for page in OPTIONAL_PAGES
               if os.path.exists(os.path.join(app.srcdir, page + '.rst'))]
    source[0] = source[0].replace(
        '   .. optional pages\n',
        ''.join('   %s\n' % page for page in present))


def setup(app):
    app.connect('source-read', _optional_pages)
