"""``GET /v2/openapi.json``: the OpenAPI 3.0 document of the API.

The document is ``swiftq/api/openapi.yaml`` (shipped as package data),
read once and served as JSON. Like ``/v2/ping`` it is public
(:func:`swiftq.api.hooks.public`): no Client-ID, project or token needed.
``tests/functional/test_openapi_sync.py`` keeps it in step with the
routes and the responses.
"""

import functools
import json
import os

import flask
import yaml

from swiftq.api import hooks

blueprint = flask.Blueprint('openapi', __name__, url_prefix='/v2')

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                    'openapi.yaml')


@functools.lru_cache(maxsize=1)
def document():
    """The OpenAPI document as a dict (read once)."""
    with open(PATH, encoding='utf-8') as f:
        return yaml.safe_load(f)


@functools.lru_cache(maxsize=1)
def _json_bytes():
    return json.dumps(document(), ensure_ascii=False, indent=2,
                      sort_keys=False).encode('utf-8')


@blueprint.get('/openapi.json')
@hooks.public
def openapi():
    return flask.Response(_json_bytes(), mimetype='application/json',
                          headers={'Cache-Control': 'max-age=86400'})
