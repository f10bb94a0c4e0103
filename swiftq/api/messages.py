"""Messages: ``/v2/queues/{q}/messages`` and ``.../messages/{id}``.

Behaviour follows Zaqar's ``v2_0/messages.py``:

* ``POST``: ``{"messages": [{"ttl"?, "delay"?, "body"}]}``; the queue is
  created by storage if missing; the whole request is limited to
  ``min(queue _max_messages_post_size, max_messages_post_size)`` bytes;
  TTL defaults to the queue's ``_default_message_ttl`` (else the
  configured default). ``delay`` is read only when the queue has a delay
  (its ``_default_message_delay``, else ``[transport]
  default_message_delay``), which is then its default; otherwise it is
  dropped, as Zaqar drops it. 201, ``Location: ...?ids=a,b``,
  ``{"resources": [hrefs]}``.
* ``GET``: ``marker``, ``limit``, ``echo``, ``include_claimed``,
  ``include_delayed`` (forced on for a queue without a delay, as Zaqar
  does); always 200 with ``messages`` and ``links``. ``GET ?ids=``: 404
  when none is found.
* ``DELETE ?ids=`` (and ``claim_ids=``): 204; ``DELETE ?pop=N``: 200
  ``{"messages": [...]}``.
* ``GET|DELETE .../messages/{id}`` (``?claim_id=`` to delete a claimed
  message).
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

blueprint = flask.Blueprint('messages', __name__,
                            url_prefix='/v2/queues/<queue_name>/messages')


def _queue_metadata(queue_name):
    """The queue's metadata, ``{}`` for a queue that does not exist (may
    be a few seconds old: posts need not pay for a fresh read)."""
    try:
        return context.queues().get_metadata(context.project_id(),
                                             queue_name, fresh=False)
    except storage_errors.QueueDoesNotExist:
        return {}


def _queue_delay(metadata):
    return (metadata.get('_default_message_delay')
            or context.conf().transport.default_message_delay)


# -- post ---------------------------------------------------------------------
def _message_spec(metadata):
    ttl = (metadata.get('_default_message_ttl')
           or context.conf().transport.default_message_ttl)
    spec = [('ttl', int, ttl), ('body', '*', body.REQUIRED)]
    delay = _queue_delay(metadata)
    if delay:
        spec.append(('delay', int, delay))
    return spec


def _posted_messages(metadata):
    errors.checked(context.validator().message_length, body.size(),
                   metadata.get('_max_messages_post_size'))
    document = body.deserialize()
    if not isinstance(document, dict) or 'messages' not in document:
        raise errors.BadRequestAPI('No messages were found in the request '
                                   'body.')
    spec = _message_spec(metadata)
    messages = [body.filter_fields(m, spec)
                for m in body.require_array(document['messages'])]
    errors.checked(context.validator().message_posting, messages)
    for message in messages:
        message.setdefault('delay', 0)
    return messages


@blueprint.post('')
@acl.enforce('messages:create')
@errors.unavailable('Messages could not be enqueued.')
def post_messages(queue_name):
    messages = _posted_messages(_queue_metadata(queue_name))
    ids = context.messages().post(
        context.project_id(), queue_name, messages, context.client_id())
    path = flask.request.path
    return representation.json_response(
        {'resources': [path + '/' + message_id for message_id in ids]},
        status=201, headers={'Location': path + '?ids=' + ','.join(ids)})


# -- list and get by ids ------------------------------------------------------
def _list(queue_name):
    args = params.current().typed(marker=str, limit=int, echo=bool,
                                  include_claimed=bool, include_delayed=bool)
    errors.checked(context.validator().message_listing, args.get('limit'))
    wait = waiting.requested_wait()
    if not args.get('include_delayed'):
        if not _queue_delay(_queue_metadata(queue_name)):
            args['include_delayed'] = True
    messages, next_marker = context.messages().list(
        context.project_id(), queue_name, context.client_id(),
        marker=args.get('marker'),
        limit=args.get('limit', validation.DEFAULT_PAGE_SIZE),
        echo=args.get('echo', False),
        include_claimed=args.get('include_claimed', False),
        include_delayed=args.get('include_delayed', False), wait=wait)
    if wait:
        args['wait'] = wait     # the next page waits too
    if not messages:
        return {'messages': [], 'links': []}
    if next_marker is not None:
        args['marker'] = next_marker
    base_path = representation.queue_path()
    return {
        'messages': [representation.message(m, base_path, m.get('claim_id'))
                     for m in messages],
        'links': representation.next_link(flask.request.path, args),
    }


def _get_by_ids(queue_name, ids):
    errors.checked(context.validator().message_listing, len(ids))
    messages = context.messages().get_many(context.project_id(),
                                           queue_name, ids)
    if not messages:
        raise errors.NotFound(
            'No messages with IDs: {ids} found in the queue {queue} for '
            'project {project}.'.format(ids=ids, queue=queue_name,
                                        project=context.project_id()))
    base_path = representation.queue_path()
    return {'messages': [representation.message(m, base_path,
                                                m.get('claim_id'))
                         for m in messages]}


@blueprint.get('')
@acl.enforce('messages:get_all')
@errors.unavailable('Messages could not be listed.')
def list_messages(queue_name):
    ids = params.current().get_list('ids')
    if ids is None:
        return representation.json_response(_list(queue_name))
    return representation.json_response(_get_by_ids(queue_name, ids))


# -- delete by ids, pop -------------------------------------------------------
def _claim_ids_required():
    return context.conf().transport.message_delete_with_claim_id


@blueprint.delete('')
@acl.enforce('messages:delete_all')
@errors.unavailable('Messages could not be deleted.')
def delete_messages(queue_name):
    query = params.current()
    ids = query.get_list('ids')
    claim_ids = query.get_list('claim_ids')
    pop = query.get_int('pop')
    errors.checked(context.validator().message_deletion, ids, pop,
                   claim_ids, require_claim_ids=_claim_ids_required())
    project = context.project_id()
    if ids:
        context.messages().delete_many(project, queue_name, ids,
                                       claim_ids=claim_ids)
        return representation.no_content()
    popped = context.messages().pop(project, queue_name, pop)
    return representation.json_response(
        {'messages': [representation.popped_message(m) for m in popped]})


# -- one message --------------------------------------------------------------
@blueprint.get('/<message_id>')
@acl.enforce('messages:get')
@errors.unavailable('Message could not be retrieved.')
def get_message(queue_name, message_id):
    try:
        message = context.messages().get(context.project_id(),
                                         queue_name, message_id)
    except storage_errors.DoesNotExist as exc:
        raise errors.NotFound(str(exc))
    return representation.json_response(representation.message(
        message, representation.queue_path(), message.get('claim_id')))


_UNABLE_TO_DELETE = 'Unable to delete'


@blueprint.delete('/<message_id>')
@acl.enforce('messages:delete')
@errors.unavailable('Message could not be deleted.')
def delete_message(queue_name, message_id):
    claim_id = params.current().get('claim_id')
    try:
        context.messages().delete(context.project_id(), queue_name,
                                  message_id, claim_id=claim_id)
    except storage_errors.MessageNotClaimed:
        raise errors.BadRequest('A claim was specified, but the message is '
                                'not currently claimed.',
                                title=_UNABLE_TO_DELETE)
    except storage_errors.ClaimDoesNotExist:
        raise errors.BadRequest('The specified claim does not exist or has '
                                'expired.', title=_UNABLE_TO_DELETE)
    except storage_errors.MessageIsClaimed:
        raise errors.Forbidden('This message is claimed; it cannot be '
                               'deleted without a valid claim ID.',
                               title=_UNABLE_TO_DELETE)
    return representation.no_content()
