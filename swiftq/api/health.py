"""``GET|HEAD /v2/ping`` and ``GET /v2/health``.

Ping answers ``204`` when storage is alive and ``503`` (empty body) when
not. Zaqar's HEAD always answers 204; swiftq asks storage for both
methods so that HEAD is a real probe too.

Health is admin-only in Zaqar (``admin_mode``); here it is guarded by the
``health:get`` policy hook (:mod:`swiftq.api.acl`) and reports
``{"storage_reachable": bool}``.
"""

import flask

from swiftq.api import acl
from swiftq.api import context
from swiftq.api import errors
from swiftq.api import hooks
from swiftq.api import representation

blueprint = flask.Blueprint('health', __name__, url_prefix='/v2')


@blueprint.route('/ping', methods=['GET', 'HEAD'])
@hooks.public
@acl.enforce('ping:get')
@errors.unavailable('Storage is not available.')
def ping():
    alive = context.storage().is_alive()
    return representation.no_content(204 if alive else 503)


@blueprint.get('/health')
@acl.enforce('health:get')
@errors.unavailable('Health status could not be read.')
def health():
    return representation.json_response(
        {'storage_reachable': bool(context.storage().is_alive())})
