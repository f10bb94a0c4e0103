"""``GET|HEAD /v2/ping`` and ``GET /v2/health``.

Ping answers ``204`` when storage is alive and ``503`` (empty body) when
not. Zaqar's HEAD always answers 204; swiftq asks storage for both
methods so that HEAD is a real probe too.

Health is Zaqar's detailed report (:mod:`swiftq.storage.health`:
``storage_reachable``, ``operation_status`` of a probe on a dedicated
queue, ``message_volume``, and Swift's ``storage_policies``), for
operators: Zaqar serves it in ``admin_mode`` only, under the
``health:get`` rule; here the rule alone guards it
(:mod:`swiftq.api.acl`; ``admin`` role by default): other callers get
Zaqar's 403. The probe takes a queue lease: a report takes seconds.
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
    return representation.json_response(context.storage().health())
