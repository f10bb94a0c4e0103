"""Subscriptions: ``/v2/queues/{q}/subscriptions``, ``.../{id}`` and
``.../{id}/confirm``.

Behaviour follows Zaqar's ``v2_0/subscriptions.py`` (code, not docs):

* ``POST``: body ``{"subscriber", "ttl"?, "options"?}``; creates the queue
  if it is missing; 201 ``{"subscription_id"}`` with ``Location`` (the
  collection). From swiftq-websocket (:data:`SOCKET`), no subscriber
  subscribes the socket, whose messages are pushed to it. A subscriber
  the queue already has: 201 with the existing
  id while that subscription is unconfirmed (Zaqar re-sends the
  confirmation), 409 once it is confirmed. A ``trust+http(s)``
  subscriber without ``options.trust_id`` first gets a Keystone trust
  from the caller (:mod:`swiftq.api.trusts`), whose id is stored in its
  options; the trust is deleted again if the subscription is not stored.
* ``GET`` (collection): ``marker``/``limit`` paging, ``{"subscriptions",
  "links"}`` with a ``next`` link whenever the page is not empty.
* ``GET .../{id}``: ``{"id", "source", "subscriber", "ttl", "age",
  "options", "confirmed"}``; 404 for unknown, ill-formed or expired ids.
* ``PATCH .../{id}``: any of ``subscriber``, ``ttl`` (counted again from
  now), ``options``; 204, 404, or 409 when the new subscriber is taken.
* ``DELETE .../{id}``: 204 always; the trust swiftq made for the
  subscription is deleted too.
* ``PUT .../{id}/confirm``: ``{"confirmed": bool}``; 204 or 404. (Zaqar's
  API reference says POST; its code routes PUT.) Sending the confirmation
  request to the subscriber is the notifier's job (swiftq-notifier).

Validation (messages and the "Invalid API request" title) is in
:mod:`swiftq.api.validation`; swiftq validates before it creates the
queue, where Zaqar creates it first.
"""

import time

import flask

from swiftq.api import acl
from swiftq.api import body
from swiftq.api import context
from swiftq.api import errors
from swiftq.api import params
from swiftq.api import representation
from swiftq.api import trusts
from swiftq.api import validation
from swiftq.storage import errors as storage_errors

blueprint = flask.Blueprint(
    'subscriptions', __name__,
    url_prefix='/v2/queues/<queue_name>/subscriptions')

#: WSGI environ key of the websocket an in-process request comes from
#: (set by swiftq-websocket's bridge; no HTTP client can set it). A POST
#: without ``subscriber`` from it subscribes the socket: its ``uri`` is
#: stored as the subscriber and ``subscribed(project, queue, id, ttl)``
#: tells the transport to push (swiftq.websocket.push).
SOCKET = 'swiftq.socket'

#: Zaqar's 409 description on POST (its missing space included).
DUPLICATE = ('Such subscription already exists.Subscriptions are unique by '
             'project + queue + subscriber URI.')


def _document():
    """The optional JSON body (Zaqar reads ``{}`` when there is none)."""
    if not body.raw():
        return {}
    return body.parse(body.raw())


def subscription(doc, now=None):
    """Zaqar's ``_basic_subscription`` of a stored subscription."""
    now = time.time() if now is None else now
    return {
        'id': doc['id'],
        'source': doc['queue'],
        'subscriber': doc['subscriber'],
        'ttl': doc['ttl'],
        'age': max(0, int(now - doc['created'])),
        'options': doc['options'],
        'confirmed': doc['confirmed'],
    }


def _subscriber(document):
    """``(subscriber URI, socket or None)``: the document's subscriber, or
    the websocket's that sent a POST without one (module docstring)."""
    socket = flask.request.environ.get(SOCKET)
    if socket is not None and isinstance(document, dict) and \
            not document.get('subscriber'):
        errors.checked(context.validator().socket_subscription_posting,
                       document)
        return socket.uri, socket
    errors.checked(context.validator().subscription_posting, document)
    return document['subscriber'], None


@blueprint.post('')
@acl.enforce('subscription:create')
@errors.unavailable('Subscription could not be created.')
def create_subscription(queue_name):
    document = _document()
    subscriber, socket = _subscriber(document)
    project = context.project_id()
    ttl = document.get('ttl')
    if ttl is None:
        ttl = context.conf().transport.default_subscription_ttl
    options = document.get('options') or {}
    created_trust = None
    if trusts.needs_trust(subscriber, options):
        created_trust = trusts.delegate(ttl)
        options = dict(options, trust_id=created_trust)
    stored = False
    try:
        sub_id, stored = _store(project, queue_name, subscriber, ttl,
                                options, created_trust)
    finally:
        if created_trust and not stored:
            trusts.release(created_trust)
    if socket is not None:
        socket.subscribed(project, queue_name, sub_id, ttl)
    return representation.json_response(
        {'subscription_id': sub_id}, status=201,
        headers={'Location': flask.request.path})


def _store(project, queue_name, subscriber, ttl, options, created_trust):
    """Create the queue if needed and the subscription: ``(id, True)``;
    or ``(id, False)`` with the id of the unconfirmed subscription the
    queue already has for this subscriber (which keeps its own trust)."""
    context.queues().create(project, queue_name)
    try:
        return context.subscriptions().create(
            project, queue_name, subscriber, ttl, options,
            created_trust=created_trust), True
    except storage_errors.SubscriptionAlreadyExists as exc:
        if exc.subscription is None or exc.subscription['confirmed']:
            raise errors.Conflict(DUPLICATE,
                                  headers={'Location': flask.request.path})
        return exc.subscription['id'], False


@blueprint.get('')
@acl.enforce('subscription:get_all')
@errors.unavailable('Subscriptions could not be listed.')
def list_subscriptions(queue_name):
    args = params.current().typed(marker=str, limit=int)
    errors.checked(context.validator().subscription_listing,
                   args.get('limit'))
    docs = context.subscriptions().list(
        context.project_id(), queue_name, marker=args.get('marker'),
        limit=args.get('limit', validation.DEFAULT_PAGE_SIZE))
    now = time.time()
    document = {'subscriptions': [subscription(d, now) for d in docs],
                'links': []}
    if docs:
        args['marker'] = docs[-1]['id']
        document['links'] = representation.next_link(
            flask.request.path, args)
    return representation.json_response(document)


@blueprint.get('/<subscription_id>')
@acl.enforce('subscription:get')
@errors.unavailable('Subscription could not be retrieved.')
def get_subscription(queue_name, subscription_id):
    try:
        doc = context.subscriptions().get(
            context.project_id(), queue_name, subscription_id)
    except storage_errors.DoesNotExist as exc:
        raise errors.NotFound(str(exc))
    return representation.json_response(subscription(doc))


@blueprint.patch('/<subscription_id>')
@acl.enforce('subscription:update')
@errors.unavailable('Subscription could not be updated.')
def update_subscription(queue_name, subscription_id):
    document = _document()
    validator = context.validator()
    errors.checked(validator.subscription_patching, document)
    changes = validator.subscription_changes(document)
    if not changes:
        # Zaqar's mongo driver asserts there is a field to change; its
        # resource turns that into this 400.
        raise errors.BadRequest(
            'Subscription %s could not be updated.' % subscription_id,
            title='Unable to update subscription')
    try:
        context.subscriptions().update(
            context.project_id(), queue_name, subscription_id, changes)
    except storage_errors.DoesNotExist as exc:
        raise errors.NotFound(str(exc))
    except storage_errors.SubscriptionAlreadyExists as exc:
        raise errors.Conflict(str(exc))
    return representation.no_content(
        headers={'Location': flask.request.path})


@blueprint.delete('/<subscription_id>')
@acl.enforce('subscription:delete')
@errors.unavailable('Subscription could not be deleted.')
def delete_subscription(queue_name, subscription_id):
    deleted = context.subscriptions().delete(
        context.project_id(), queue_name, subscription_id)
    if deleted and deleted.get('created_trust'):
        trusts.release(deleted['created_trust'])
    return representation.no_content()


@blueprint.put('/<subscription_id>/confirm')
@acl.enforce('subscription:confirm')
@errors.unavailable('Subscription could not be confirmed.')
def confirm_subscription(queue_name, subscription_id):
    document = _document()
    errors.checked(context.validator().subscription_confirming, document)
    try:
        context.subscriptions().confirm(
            context.project_id(), queue_name, subscription_id,
            document['confirmed'])
    except storage_errors.DoesNotExist as exc:
        raise errors.NotFound(str(exc))
    return representation.no_content(
        headers={'Location': flask.request.path})
