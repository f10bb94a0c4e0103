"""Queues: ``/v2/queues``, ``/v2/queues/{q}``, ``.../stats``, ``.../purge``.

Behaviour follows Zaqar's ``v2_0/queues.py``, ``stats.py`` and
``purge.py``:

* ``GET /v2/queues``: ``marker``, ``limit`` (1..max_queues_per_page),
  ``detailed``, ``name`` (substring), ``with_count``; any other parameter
  filters on metadata equality (integer-looking values compared as
  integers). ``links`` holds a ``next`` href whenever the page is not
  empty; ``count`` (all the project's queues) only when non-zero.
* ``PUT``: 201 new / 204 existing, ``Location`` either way; ``GET``:
  metadata with reserved keys filled from defaults, 200 even for a queue
  that does not exist; ``DELETE``: 204 always (with the queue go its
  subscriptions and the Keystone trusts swiftq made for them).
* ``PATCH``: JSON patch (``application/openstack-messaging-v2.0-json-patch``)
  on ``/metadata/<key>``; 200 with the new metadata; 409 replacing or
  removing an absent (non-reserved) key; 404 missing queue.
* ``HEAD``: 204 if the queue exists, else 404 (python-zaqarclient's
  ``queue_exists``; Zaqar v2 has no HEAD here and answers 405).
* ``POST .../share``: a pre-signed URL (:mod:`swiftq.api.signed_url`).
"""

import flask

from swiftq.api import acl
from swiftq.api import body
from swiftq.api import context
from swiftq.api import errors
from swiftq.api import params
from swiftq.api import representation
from swiftq.api import signed_url
from swiftq.api import trusts
from swiftq.api import validation
from swiftq.storage import errors as storage_errors

blueprint = flask.Blueprint('queues', __name__, url_prefix='/v2/queues')

_LISTING_PARAMS = ('marker', 'limit', 'detailed', 'name', 'with_count')

#: Queues read per storage call while filtering by name or metadata.
_SCAN_PAGE = 100


def _reserved():
    return context.validator().reserved_metadata()


# -- listing ------------------------------------------------------------------
def _metadata_filter():
    """Zaqar's ``kfilter``: the parameters that are not listing options."""
    kfilter = {}
    for name, value in params.current().items():
        if name in _LISTING_PARAMS:
            continue
        try:
            kfilter[name] = int(value)
        except (TypeError, ValueError):
            kfilter[name] = value
    return kfilter


def _matches(queue, name, kfilter):
    if name and name not in queue['name']:
        return False
    metadata = queue.get('metadata') or {}
    return all(key in metadata and metadata[key] == value
               for key, value in kfilter.items())


def _filtered_page(project, marker, limit, detailed, name, kfilter):
    """One page of queues matching ``name``/``kfilter``, scanning storage
    pages. TODO(storage): let storage filter."""
    found = []
    while len(found) < limit:
        page = context.storage().queues.list(
            project, marker=marker, limit=_SCAN_PAGE,
            detailed=detailed or bool(kfilter))
        if not page:
            break
        found.extend(q for q in page if _matches(q, name, kfilter))
        marker = page[-1]['name']
    found = found[:limit]
    if not detailed:
        found = [{'name': q['name']} for q in found]
    return found


def _queue_page(project, args, kfilter):
    limit = args.get('limit', validation.DEFAULT_PAGE_SIZE)
    detailed = args.get('detailed', False)
    if args.get('name') or kfilter:
        return _filtered_page(project, args.get('marker'), limit, detailed,
                              args.get('name'), kfilter)
    return context.storage().queues.list(
        project, marker=args.get('marker'), limit=limit, detailed=detailed)


def _queue_document(queue, base_path, detailed):
    doc = {'name': queue['name'], 'href': base_path + '/' + queue['name']}
    if detailed:
        doc['metadata'] = representation.with_reserved_metadata(
            queue.get('metadata') or {}, _reserved())
    return doc


@blueprint.get('')
@acl.enforce('queues:get_all')
@errors.unavailable('Queues could not be listed.')
def list_queues():
    args = params.current().typed(marker=str, limit=int, detailed=bool,
                                  name=str, with_count=bool)
    kfilter = _metadata_filter()
    errors.checked(context.validator().queue_listing, args.get('limit'))
    project = context.project_id()
    queues = _queue_page(project, args, kfilter)
    count = (context.storage().queues.count(project)
             if args.get('with_count') else None)

    path = flask.request.path
    detailed = args.get('detailed', False)
    document = {
        'queues': [_queue_document(q, path, detailed) for q in queues],
        'links': [],
    }
    if queues:
        args['marker'] = queues[-1]['name']
        document['links'] = representation.next_link(path, args)
    if count:
        document['count'] = count
    return representation.json_response(document)


# -- one queue ----------------------------------------------------------------
def _metadata_document():
    """PUT's optional body: a JSON object within max_queue_metadata."""
    errors.checked(context.validator().queue_metadata_length, body.size())
    if not body.raw():
        return None
    metadata = body.require_object(body.parse(body.raw()))
    errors.checked(context.validator().queue_metadata_putting, metadata)
    return metadata


@blueprint.put('/<queue_name>')
@acl.enforce('queues:create')
@errors.unavailable('Queue could not be created.')
def create_queue(queue_name):
    metadata = _metadata_document()
    created = context.storage().queues.create(context.project_id(),
                                              queue_name, metadata)
    return representation.no_content(201 if created else 204,
                                     headers={'Location': flask.request.path})


def _queue_exists(queue_name):
    exists = context.storage().queues.exists(context.project_id(), queue_name)
    return representation.no_content(204 if exists else 404)


@blueprint.get('/<queue_name>')
@acl.enforce('queues:get')
@errors.unavailable('Queue metadata could not be retrieved.')
def get_queue(queue_name):
    if flask.request.method == 'HEAD':
        return _queue_exists(queue_name)
    try:
        metadata = context.storage().queues.get_metadata(
            context.project_id(), queue_name)
    except storage_errors.QueueDoesNotExist:
        metadata = {}
    return representation.json_response(
        representation.with_reserved_metadata(metadata, _reserved()))


@blueprint.delete('/<queue_name>')
@acl.enforce('queues:delete')
@errors.unavailable('Queue could not be deleted.')
def delete_queue(queue_name):
    project = context.project_id()
    made = trusts.made_for_queue(project, queue_name)
    context.storage().queues.delete(project, queue_name)
    for trust_id in made:
        trusts.release(trust_id)
    return representation.no_content()


# -- metadata patch -----------------------------------------------------------
def _patch_document():
    errors.checked(context.validator().queue_metadata_length, body.size(),
                   error=errors.BadRequestBody)
    if flask.request.mimetype != validation.PATCH_MEDIA_TYPE:
        accept = {'Accept-Patch': validation.PATCH_MEDIA_TYPE}
        raise errors.UnsupportedMediaType(
            'Accepted media type for PATCH: %s.' % accept, headers=accept)
    if not body.raw():
        raise errors.BadRequestBody('PATCH body could not be empty for '
                                    'update.')
    changes = body.require_array(body.parse(body.raw()))
    return errors.checked(context.validator().queue_patching, changes,
                          error=errors.BadRequestBody)


def _apply_change(metadata, change, reserved):
    key = change['path'][1]
    if change['op'] == 'add':
        metadata[key] = change['value']
    elif change['op'] == 'replace':
        if key not in metadata and key not in reserved:
            raise errors.Conflict("Can't replace non-existent object %s."
                                  % key)
        metadata[key] = change['value']
    elif key in metadata:
        del metadata[key]
    elif key not in reserved:
        raise errors.Conflict("Can't remove non-existent object %s." % key)


@blueprint.patch('/<queue_name>')
@acl.enforce('queues:update')
@errors.unavailable('Queue could not be updated.')
def patch_queue(queue_name):
    changes = _patch_document()
    reserved = _reserved()

    def apply_changes(metadata):
        for change in changes:
            _apply_change(metadata, change, reserved)
        errors.checked(context.validator().queue_metadata_putting, metadata,
                       error=errors.BadRequestBody)
        return metadata

    try:
        metadata = context.storage().queues.update_metadata(
            context.project_id(), queue_name, apply_changes)
    except storage_errors.QueueDoesNotExist as exc:
        raise errors.NotFound(str(exc))
    return representation.json_response(
        representation.with_reserved_metadata(metadata, reserved))


# -- stats and purge ----------------------------------------------------------
def _stat_message(stat, base_path):
    doc = {key: value for key, value in stat.items() if key != 'id'}
    doc['href'] = base_path + '/messages/' + stat['id']
    return doc


@blueprint.get('/<queue_name>/stats')
@acl.enforce('queues:stats')
@errors.unavailable('Queue stats could not be read.')
def queue_stats(queue_name):
    stats = dict(context.storage().queues.stats(context.project_id(),
                                                queue_name))
    base_path = representation.queue_path()
    for name in ('oldest', 'newest'):
        if stats.get(name):
            stats[name] = _stat_message(stats[name], base_path)
        else:
            stats.pop(name, None)
    return representation.json_response({'messages': stats})


@blueprint.post('/<queue_name>/purge')
@acl.enforce('queues:purge')
@errors.unavailable('Queue could not be purged.')
def purge_queue(queue_name):
    if body.raw():
        document = body.parse(body.raw())
        errors.checked(context.validator().queue_purging, document)
        resource_types = document['resource_types']
    else:
        resource_types = list(validation.PURGEABLE_RESOURCE_TYPES)
    project = context.project_id()
    made = []
    if 'subscriptions' in resource_types:
        made = trusts.made_for_queue(project, queue_name)
    context.storage().queues.purge(project, queue_name, resource_types)
    for trust_id in made:
        trusts.release(trust_id)
    return representation.no_content()


@blueprint.post('/<queue_name>/share')
@acl.enforce('queues:share')
def share_queue(queue_name):
    return representation.json_response(
        signed_url.share(context.project_id()))
