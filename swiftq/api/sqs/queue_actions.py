"""The queue actions: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue,
GetQueueAttributes, SetQueueAttributes, PurgeQueue and the tags. Each is
``action(call) -> result dict``; the queue is an ordinary swiftq queue
(its attributes: :mod:`swiftq.api.sqs.attributes`)."""

import base64
import binascii
import re
import time

from swiftq.api.sqs import attributes
from swiftq.api.sqs import errors
from swiftq.storage import errors as storage_errors

_LIST_PAGE = 100
_MAX_LISTED = 1000
_MAX_TAGS = 50
_NAME_PREFIX = re.compile(r'^[A-Za-z0-9_-]*$')
_TOKEN = re.compile(r'^[A-Za-z0-9_-]+=*$')


def create_queue(call):
    name = call.new_queue_name()
    update = _parsed_attributes(call)
    tags = _checked_tags(call.params.string_map('tags'))
    metadata = _updated(attributes.defaults(call.limits), update)
    if tags:
        metadata[attributes.TAGS] = tags
    queues = call.storage.queues
    if not queues.create(call.project, name, metadata):
        existing = call.metadata(name)
        if attributes.differ(update, existing, call.limits):
            raise errors.queue_name_exists()
    return {'QueueUrl': call.queue_url(name)}


def get_queue_url(call):
    name = call.checked_name(call.params.string('QueueName', required=True))
    if not call.storage.queues.exists(call.project, name):
        raise errors.queue_does_not_exist()
    return {'QueueUrl': call.queue_url(name)}


def list_queues(call):
    prefix = call.params.string('QueueNamePrefix') or ''
    limit = call.params.integer('MaxResults', 1, _MAX_LISTED)
    marker = _token_name(call.params.string('NextToken'))
    if not _NAME_PREFIX.match(prefix):
        return {}                   # no queue name starts so
    names = []
    wanted = limit or _MAX_LISTED
    more = False
    if marker is None and prefix:
        marker = _before(prefix)
    while True:
        page = call.storage.queues.list(call.project, marker=marker,
                                        limit=_LIST_PAGE)
        for queue in page:
            name = queue['name']
            if name.startswith(prefix):
                if len(names) == wanted:
                    more = True
                    break
                names.append(name)
            elif name > prefix:
                page = []
                break
        if more or len(page) < _LIST_PAGE:
            break
        marker = page[-1]['name']
    result = {}
    if names:
        result['QueueUrls'] = [call.queue_url(n) for n in names]
    if more and limit:
        result['NextToken'] = _token(names[-1])
    return result


def delete_queue(call):
    name = call.queue_name()
    call.metadata(name)
    call.storage.queues.delete(call.project, name)
    return {}


def get_queue_attributes(call):
    name = call.queue_name()
    names = call.params.string_list('AttributeNames')
    metadata = call.metadata(name)
    if not names:
        return {}
    counts = any(n == 'All' or n.startswith('ApproximateNumber')
                 for n in names)
    stats = call.storage.queues.stats(call.project, name) if counts else {}
    values = attributes.select(names, attributes.read(
        metadata, stats, call.arn(name), call.limits, call.arn))
    return {'Attributes': values} if values else {}


def set_queue_attributes(call):
    name = call.queue_name()
    call.metadata(name)
    update = _parsed_attributes(call)
    if update:
        update[attributes.MODIFIED] = int(time.time())
        _update_metadata(call, name, lambda current: _updated(current,
                                                              update))
    return {}


def _parsed_attributes(call):
    def dead_letter_name(arn):
        name = arn.rsplit(':', 1)[-1]
        parts = arn.split(':')
        if len(parts) != 6 or parts[4] != call.project or \
                not call.storage.queues.exists(call.project,
                                               call.checked_name(name)):
            raise errors.SQSError(
                'QueueDoesNotExist', 'Could not find DLQ for %s' % arn,
                code='AWS.SimpleQueueService.NonExistentQueue')
        return name

    return attributes.parse(call.params.string_map('Attributes'),
                            call.limits, dead_letter_name)


def _updated(metadata, update):
    """``metadata`` with ``update`` applied (None values remove keys)."""
    merged = dict(metadata, **update)
    return {k: v for k, v in merged.items() if v is not None}


def purge_queue(call):
    name = call.queue_name()
    call.metadata(name)
    call.storage.queues.purge(call.project, name, ['messages'])
    return {}


def tag_queue(call):
    name = call.queue_name()
    tags = _checked_tags(call.params.string_map('Tags'))
    if not tags:
        raise errors.missing_parameter('Tags')

    def add(current):
        merged = dict(current.get(attributes.TAGS) or {}, **tags)
        if len(merged) > _MAX_TAGS:
            raise errors.invalid_parameter_value(
                'Too many tags added for queue %s.' % name)
        return dict(current, **{attributes.TAGS: merged})

    _update_metadata(call, name, add)
    return {}


def untag_queue(call):
    name = call.queue_name()
    keys = call.params.string_list('TagKeys')
    if not keys:
        raise errors.invalid_parameter_value(
            'Tag keys must be between 1 and 128 characters in length.')

    def remove(current):
        tags = {k: v for k, v in (current.get(attributes.TAGS) or {}).items()
                if k not in keys}
        return dict(current, **{attributes.TAGS: tags})

    _update_metadata(call, name, remove)
    return {}


def list_queue_tags(call):
    name = call.queue_name()
    tags = call.metadata(name).get(attributes.TAGS) or {}
    return {'Tags': dict(tags)} if tags else {}


def _update_metadata(call, name, update):
    try:
        call.storage.queues.update_metadata(call.project, name, update)
    except storage_errors.QueueDoesNotExist:
        raise errors.queue_does_not_exist()


def _checked_tags(tags):
    for key, value in tags.items():
        if not 1 <= len(key) <= 128 or len(value) > 256:
            raise errors.invalid_parameter_value(
                'Tag keys must be 1 to 128 and values at most 256 '
                'characters long.')
    if len(tags) > _MAX_TAGS:
        raise errors.invalid_parameter_value('Too many tags.')
    return tags


def _before(prefix):
    """A listing marker just before the names starting with ``prefix``
    (a listing starts after its marker; ``~`` sorts after every
    character of a queue name, and ``prefix`` has only such characters:
    ``-``, the smallest, has ``,`` before it)."""
    return prefix[:-1] + chr(ord(prefix[-1]) - 1) + '~'


def _token(name):
    return base64.urlsafe_b64encode(name.encode('utf-8')).decode('ascii')


def _token_name(token):
    """The queue name a NextToken of :func:`_token` holds."""
    if not token:
        return None
    try:
        if not _TOKEN.match(token):
            raise ValueError(token)
        name = base64.urlsafe_b64decode(token.encode('ascii')).decode('utf-8')
    except (ValueError, binascii.Error, UnicodeError):
        name = ''
    if not name or not _NAME_PREFIX.match(name):
        raise errors.invalid_parameter_value('Invalid NextToken value.')
    return name
