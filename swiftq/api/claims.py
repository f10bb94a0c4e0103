"""Claims: ``/v2/queues/{q}/claims`` and ``.../claims/{claim_id}``.

Behaviour follows Zaqar's ``v2_0/claims.py``:

* ``POST ?limit=N[&wait=S]``: body ``{"ttl"?, "grace"?}`` (an empty body
  means the defaults); 201 with ``Location`` and ``{"messages": [...]}`` (hrefs
  carry ``?claim_id=``), or 204 when nothing is claimable (or the queue
  does not exist); with ``wait`` (a swiftq extension, see
  ``waiting``) the 204 comes only after S seconds without messages.
* ``GET``: ``{"age", "ttl", "href", "messages"}``; 404 when the claim is
  unknown or expired.
* ``PATCH``: body required; ``ttl`` checked (``grace`` only defaulted, as
  Zaqar); 204, or 404.
* ``DELETE``: 204 always.
"""

import flask

from swiftq.api import acl
from swiftq.api import body
from swiftq.api import context
from swiftq.api import errors
from swiftq.api import params
from swiftq.api import representation
from swiftq.api import validation
from swiftq.api import waiting
from swiftq.storage import errors as storage_errors

blueprint = flask.Blueprint('claims', __name__,
                            url_prefix='/v2/queues/<queue_name>/claims')


def _claim_spec():
    transport = context.conf().transport
    return (('ttl', int, transport.default_claim_ttl),
            ('grace', int, transport.default_claim_grace))


def _claim_document(optional):
    """``{'ttl', 'grace'}`` from the body, defaults filled in."""
    if optional and not body.raw():
        return body.filter_fields({}, _claim_spec())
    return body.filter_fields(body.deserialize(), _claim_spec())


def _messages(messages, claim_id):
    base_path = representation.queue_path()
    return [representation.message(m, base_path, claim_id) for m in messages]


@blueprint.post('')
@acl.enforce('claims:create')
@errors.unavailable('Claim could not be created.')
def create_claim(queue_name):
    limit = params.current().get_int('limit')
    claim = _claim_document(optional=True)
    errors.checked(context.validator().claim_creation, claim['ttl'],
                   claim['grace'], limit)
    claim_id, messages = context.storage().claims.create(
        context.project_id(), queue_name, claim['ttl'], claim['grace'],
        limit if limit is not None else validation.DEFAULT_CLAIM_LIMIT,
        wait=waiting.requested_wait())
    if not messages:
        return representation.no_content()
    path = flask.request.path
    return representation.json_response(
        {'messages': _messages(messages, claim_id)}, status=201,
        headers={'Location': path + '/' + claim_id})


@blueprint.get('/<claim_id>')
@acl.enforce('claims:get')
@errors.unavailable('Claim could not be queried.')
def get_claim(queue_name, claim_id):
    try:
        claim = context.storage().claims.get(context.project_id(),
                                             queue_name, claim_id)
    except storage_errors.DoesNotExist as exc:
        raise errors.NotFound(str(exc))
    return representation.json_response({
        'age': claim['age'],
        'ttl': claim['ttl'],
        'href': flask.request.path,
        'messages': _messages(claim['messages'], claim_id),
    })


@blueprint.patch('/<claim_id>')
@acl.enforce('claims:update')
@errors.unavailable('Claim could not be updated.')
def update_claim(queue_name, claim_id):
    claim = _claim_document(optional=False)
    errors.checked(context.validator().claim_updating, claim['ttl'])
    try:
        context.storage().claims.update(context.project_id(), queue_name,
                                        claim_id, claim['ttl'], claim['grace'])
    except storage_errors.DoesNotExist as exc:
        raise errors.NotFound(str(exc))
    return representation.no_content()


@blueprint.delete('/<claim_id>')
@acl.enforce('claims:delete')
@errors.unavailable('Claim could not be deleted.')
def delete_claim(queue_name, claim_id):
    context.storage().claims.delete(context.project_id(), queue_name,
                                    claim_id)
    return representation.no_content()
