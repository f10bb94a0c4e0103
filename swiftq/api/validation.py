"""Every limit and input rule of the API, in one place.

The rules and their messages are those of Zaqar's
``zaqar/transport/validation.py``; the numbers come from ``[transport]``
(Zaqar's option names), plus swiftq's ``min_message_ttl``,
``min_claim_ttl`` and ``min_claim_grace`` where Zaqar hard-codes 60 s.
A failed rule raises :class:`ValidationFailed`; the resource chooses the
HTTP title (mostly "Invalid API request").

Messages keep Zaqar's wording, typos included ("No messages to enqueu.",
"seconds,and"), because clients and operators match on them.
"""

import datetime
import re
import time
import uuid
from urllib import parse as urllib_parse

from swiftq.storage import naming

QUEUE_NAME_REGEX = re.compile(r'^[a-zA-Z0-9_\-.]+$')
QUEUE_NAME_MAX_LEN = 64
PROJECT_ID_MAX_LEN = 256
MIN_DELAY = 0

#: Default number of queues/messages per page and per claim (Zaqar's
#: storage defaults).
DEFAULT_PAGE_SIZE = 10
DEFAULT_CLAIM_LIMIT = 10

PURGEABLE_RESOURCE_TYPES = ('messages', 'subscriptions')
SUBSCRIPTION_FIELDS = ('subscriber', 'ttl', 'options')
#: Zaqar refuses a subscription TTL that takes the expiry past this.
_LATEST_EXPIRY = datetime.datetime.max
PATCH_MEDIA_TYPE = 'application/openstack-messaging-v2.0-json-patch'
PATCH_OPERATIONS = ('add', 'remove', 'replace')

# Zaqar's zaqar/common/consts.py (subscription retry policy).
RETRY_BACKOFF_FUNCTIONS = ('linear', 'arithmetic', 'exponential',
                           'geometric')
RETRY_MINIMUM_DELAY = 5
RETRY_MAXIMUM_DELAY = 30
RETRY_LINEAR_INTERVAL = 5
_RETRY_INT_KEYS = ('retries_with_no_delay', 'minimum_delay_retries',
                   'minimum_delay', 'maximum_delay', 'maximum_delay_retries')


class ValidationFailed(ValueError):
    """User input did not follow API restrictions."""

    def __init__(self, msg, *args):
        super().__init__(msg.format(*args) if args else msg)


def _is_number(value):
    return isinstance(value, (int, float))


class Validator:
    """The API's rules, bound to a configuration's ``[transport]``."""

    def __init__(self, conf):
        self._limits = conf.transport

    # -- identities ---------------------------------------------------------
    def project_identification(self, project):
        if len(project) > PROJECT_ID_MAX_LEN:
            raise ValidationFailed(
                'Project ids may not be more than {0} characters long.',
                PROJECT_ID_MAX_LEN)

    def queue_identification(self, queue, project):
        if project is not None:
            self.project_identification(project)
        if len(queue) > QUEUE_NAME_MAX_LEN:
            raise ValidationFailed(
                'Queue names may not be more than {0} characters long.',
                QUEUE_NAME_MAX_LEN)
        if not QUEUE_NAME_REGEX.match(queue):
            raise ValidationFailed(
                'Queue names may only contain ASCII letters, digits, '
                'underscores, and dashes.')

    def client_id(self, client_id):
        """The Client-ID as stored: a canonical UUID string in strict mode
        (raises ValueError if it is not one), else the header itself."""
        if self._limits.client_id_uuid_safe == 'strict':
            return str(uuid.UUID(client_id))
        low = self._limits.min_length_client_id
        high = self._limits.max_length_client_id
        if not low <= len(client_id) <= high:
            raise ValidationFailed('Length of client id must be at least '
                                   '{0} and no greater than {1}.', low, high)
        return client_id

    # -- queues -------------------------------------------------------------
    def queue_listing(self, limit=None):
        uplimit = self._limits.max_queues_per_page
        if limit is not None and not 0 < limit <= uplimit:
            raise ValidationFailed(
                'Limit must be at least 1 and no greater than {0}.', uplimit)

    def queue_metadata_length(self, content_length):
        if content_length is None:
            return
        if content_length > self._limits.max_queue_metadata:
            raise ValidationFailed('Queue metadata is too large. Max size: '
                                   '{0}', self._limits.max_queue_metadata)

    def reserved_metadata(self):
        """Reserved queue metadata and the defaults shown for them when a
        queue does not set them (Zaqar's ``_get_reserved_metadata``)."""
        return {
            '_max_messages_post_size': self._limits.max_messages_post_size,
            '_default_message_ttl': self._limits.default_message_ttl,
            '_default_message_delay': self._limits.default_message_delay,
            '_dead_letter_queue': None,
            '_dead_letter_queue_messages_ttl': None,
            '_max_claim_count': None,
            '_enable_encrypt_messages': False,
        }

    def queue_metadata_putting(self, metadata):
        """The reserved keys of queue metadata, as Zaqar checks them."""
        if not metadata:
            return
        self._metadata_message_ttl(metadata)
        self._metadata_post_size(metadata)
        self._metadata_integer(metadata, '_max_claim_count')
        self._metadata_dead_letter_queue(metadata)
        self._metadata_dead_letter_ttl(metadata)
        self._metadata_delay(metadata)
        self._metadata_stripes(metadata)
        encrypted = metadata.get('_enable_encrypt_messages', False)
        if encrypted and not isinstance(encrypted, bool):
            raise ValidationFailed('_enable_encrypt_messages must be '
                                   'boolean.')
        self.retry_policy(metadata.get('_retry_policy'))

    @staticmethod
    def _metadata_integer(metadata, key):
        value = metadata.get(key)
        if value is None:
            return None
        # Zaqar's test is ``value and not isinstance(value, int)``; falsy
        # non-numbers ("" or []) crash Zaqar, they are refused here.
        if (value and not isinstance(value, int)) or not _is_number(value):
            raise ValidationFailed('%s must be integer.' % key)
        return value

    def _metadata_message_ttl(self, metadata):
        ttl = self._metadata_integer(metadata, '_default_message_ttl')
        low, high = self._limits.min_message_ttl, self._limits.max_message_ttl
        if ttl is not None and not low <= ttl <= high:
            raise ValidationFailed(
                '_default_message_ttl can not exceed {0} seconds, and must '
                'be at least {1} seconds long.', high, low)

    def _metadata_post_size(self, metadata):
        size = self._metadata_integer(metadata, '_max_messages_post_size')
        high = self._limits.max_messages_post_size
        if size is not None and not 0 < size <= high:
            raise ValidationFailed(
                '_max_messages_post_size can not exceed {0},  and must be '
                'at least greater than 0.', high)

    def _metadata_dead_letter_queue(self, metadata):
        # Zaqar accepts anything here; swiftq refuses what cannot name a
        # queue, since storage routes messages to it.
        name = metadata.get('_dead_letter_queue')
        if name is None:
            return
        if not isinstance(name, str) or not name:
            raise ValidationFailed('_dead_letter_queue must be a queue '
                                   'name.')
        try:
            self.queue_identification(name, None)
        except ValidationFailed as exc:
            raise ValidationFailed('_dead_letter_queue: %s' % exc)

    def _metadata_dead_letter_ttl(self, metadata):
        ttl = self._metadata_integer(metadata,
                                     '_dead_letter_queue_messages_ttl')
        low, high = self._limits.min_message_ttl, self._limits.max_message_ttl
        if ttl is not None and not low <= ttl <= high:
            raise ValidationFailed(
                'The TTL for a message may not exceed {0} seconds, and must '
                'be at least {1} seconds long.', high, low)

    def _metadata_delay(self, metadata):
        delay = self._metadata_integer(metadata, '_default_message_delay')
        high = self._limits.max_message_delay
        if delay is not None and not MIN_DELAY <= delay <= high:
            raise ValidationFailed('The TTL can not exceed {0} seconds, and '
                                   'must be at least {1} seconds long.',
                                   high, MIN_DELAY)

    @staticmethod
    def _metadata_stripes(metadata):
        """swiftq's own reserved key: the containers the queue is spread
        over (doc/source/design/stripes.rst)."""
        value = metadata.get('_stripes')
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int) or \
                not 1 <= value <= naming.MAX_STRIPES:
            raise ValidationFailed('_stripes must be an integer from 1 to '
                                   '{0}.', naming.MAX_STRIPES)

    @staticmethod
    def retry_policy(policy):
        """``_retry_policy`` (queues) / retry options (subscriptions)."""
        if policy and not isinstance(policy, dict):
            raise ValidationFailed('retry_policy must be a dict.')
        if not policy:
            return
        for key in _RETRY_INT_KEYS:
            value = policy.get(key)
            if value and not isinstance(value, int):
                raise ValidationFailed('Retry policy: %s must be a integer.'
                                       % key)
        backoff = policy.get('retry_backoff_function')
        if backoff and not isinstance(backoff, str):
            raise ValidationFailed('retry_backoff_function must be a '
                                   'string.')
        if backoff and backoff not in RETRY_BACKOFF_FUNCTIONS:
            raise ValidationFailed('invalid retry_backoff_function.')
        override = policy.get('ignore_subscription_override')
        if override and not isinstance(override, bool):
            raise ValidationFailed('ignore_subscription_override must be a '
                                   'boolean.')
        low = policy.get('minimum_delay', RETRY_MINIMUM_DELAY)
        high = policy.get('maximum_delay', RETRY_MAXIMUM_DELAY)
        if high < low:
            raise ValidationFailed('minimum_delay must less than '
                                   'maximum_delay.')
        if high - low < 2 * RETRY_LINEAR_INTERVAL:
            raise ValidationFailed('invalid minimum_delay and '
                                   'maximum_delay.')

    def queue_purging(self, document):
        if not isinstance(document, dict) or 'resource_types' not in document:
            raise ValidationFailed('Post body must contain key '
                                   '"resource_types".')
        types = document['resource_types']
        if (not isinstance(types, list)
                or not all(isinstance(t, str) for t in types)
                or not set(types) <= set(PURGEABLE_RESOURCE_TYPES)):
            raise ValidationFailed(
                'Resource types must be a sub set of {0}.',
                '{%s}' % ', '.join(repr(t) for t in PURGEABLE_RESOURCE_TYPES))

    # -- queue metadata patches (JSON patch, draft 10) ------------------------
    def queue_patching(self, changes):
        """Check a JSON-patch document; returns ``[{'op', 'path' (list of
        tokens), 'value'?}]``."""
        if not isinstance(changes, list):
            raise ValidationFailed('Request body must be a JSON array of '
                                   'operation objects.')
        return [self._patch_change(raw) for raw in changes]

    def _patch_change(self, raw):
        if not isinstance(raw, dict):
            raise ValidationFailed('Operations must be JSON objects.')
        op = self._patch_operation(raw)
        if 'path' not in raw:
            raise ValidationFailed("Unable to find 'path' in JSON Schema "
                                   "change")
        path = decode_json_pointer(raw['path'])
        if len(path) != 2:
            raise ValidationFailed("Invalid JSON pointer for this resource: "
                                   "'/%s, e.g /metadata/key'"
                                   % '/'.join(path))
        change = {'op': op, 'path': path}
        if op != 'remove':
            if 'value' not in raw:
                raise ValidationFailed('Operation "{0}" requires a member '
                                       'named "value".', op)
            change['value'] = raw['value']
            if path[0].lower() != 'metadata':
                raise ValidationFailed('The root of path must be metadata, '
                                       'e.g /metadata/key.')
        return change

    @staticmethod
    def _patch_operation(raw):
        available = ', '.join(PATCH_OPERATIONS)
        op = raw.get('op')
        if op is None:
            raise ValidationFailed('Unable to find `op` in JSON Schema '
                                   'change. It must be one of the '
                                   'following: %s.' % available)
        if op not in PATCH_OPERATIONS:
            raise ValidationFailed('Invalid operation: `%s`. It must be one '
                                   'of the following: %s.' % (op, available))
        return op

    # -- messages -----------------------------------------------------------
    def message_length(self, content_length, queue_max_post_size=None):
        """The size of a whole post request, against the configured limit
        and the queue's ``_max_messages_post_size``."""
        if content_length is None:
            return
        config_max = self._limits.max_messages_post_size
        if isinstance(queue_max_post_size, int) and queue_max_post_size:
            limit = min(queue_max_post_size, config_max)
            if content_length > limit:
                raise ValidationFailed(
                    'Message collection size is too large. The max size for '
                    'current queue is {0}. It is calculated by max size = '
                    'min(max_messages_post_size_config: {1}, '
                    'max_messages_post_size_queue: {2}).',
                    limit, config_max, queue_max_post_size)
        if content_length > config_max:
            raise ValidationFailed('Message collection size is too large. '
                                   'Max size {0}', config_max)

    def message_posting(self, messages):
        if not messages:
            raise ValidationFailed('No messages to enqueu.')
        for message in messages:
            self.message_content(message)

    def message_content(self, message):
        low, high = self._limits.min_message_ttl, self._limits.max_message_ttl
        if not low <= message['ttl'] <= high:
            raise ValidationFailed(
                'The TTL for a message may not exceed {0} seconds, and must '
                'be at least {1} seconds long.', high, low)
        high_delay = self._limits.max_message_delay
        if not MIN_DELAY <= message.get('delay', 0) <= high_delay:
            raise ValidationFailed(
                'The Delay TTL for a message may not exceed {0} seconds,and '
                'must be at least {1} seconds long.', high_delay, MIN_DELAY)

    def message_listing(self, limit=None):
        uplimit = self._limits.max_messages_per_page
        if limit is not None and not 0 < limit <= uplimit:
            raise ValidationFailed('Limit must be at least 1 and may not be '
                                   'greater than {0}.', uplimit)

    def message_deletion(self, ids=None, pop=None, claim_ids=None,
                         require_claim_ids=False):
        if pop is not None and ids is not None:
            raise ValidationFailed('pop and id params cannot be present '
                                   'together in the delete request.')
        if pop is None and ids is None:
            raise ValidationFailed('The request should have either "ids" or '
                                   '"pop" parameter in the request, to be '
                                   'able to delete.')
        if require_claim_ids and ((ids and claim_ids is None)
                                  or (ids is None and claim_ids)):
            raise ValidationFailed('The request should have both "ids" and '
                                   '"claim_ids" parameter in the request '
                                   'when message_delete_with_claim_id is '
                                   'True.')
        pop_max = self._limits.max_messages_per_claim_or_pop
        if pop is not None and not 0 < pop <= pop_max:
            raise ValidationFailed('Pop value must be at least 1 and may not '
                                   'be greater than {0}.', pop_max)
        ids_max = self._limits.max_messages_per_page
        if ids is not None and not 0 < len(ids) <= ids_max:
            raise ValidationFailed('ids parameter should have at least 1 and '
                                   'not greater than {0} values.', ids_max)

    # -- claims -------------------------------------------------------------
    def claim_creation(self, ttl, grace, limit=None):
        self.claim_updating(ttl)
        uplimit = self._limits.max_messages_per_claim_or_pop
        if limit is not None and not 0 < limit <= uplimit:
            raise ValidationFailed('Limit must be at least 1 and may not be '
                                   'greater than {0}.', uplimit)
        low, high = self._limits.min_claim_grace, self._limits.max_claim_grace
        if not low <= grace <= high:
            raise ValidationFailed(
                'The grace for a claim may not exceed {0} seconds, and must '
                'be at least {1} seconds long.', high, low)

    def claim_updating(self, ttl):
        low, high = self._limits.min_claim_ttl, self._limits.max_claim_ttl
        if not low <= ttl <= high:
            raise ValidationFailed(
                'The TTL for a claim may not exceed {0} seconds, and must '
                'be at least {1} seconds long.', high, low)

    # -- subscriptions ------------------------------------------------------
    def subscription_posting(self, subscription):
        """A new subscription: ``subscriber`` required, then as a patch.
        (A body that is not an object crashes Zaqar into a 503 here.)"""
        if not isinstance(subscription, dict):
            raise ValidationFailed('Subscriptions must be a dict.')
        if 'subscriber' not in subscription:
            raise ValidationFailed('Missing parameter subscriber in body.')
        self._subscriber(subscription['subscriber'])
        self.subscription_patching(subscription)

    def socket_subscription_posting(self, subscription):
        """A subscription of the websocket that sent it (no subscriber,
        or an empty one): ``ttl`` and ``options`` as in a patch."""
        if not isinstance(subscription, dict):
            raise ValidationFailed('Subscriptions must be a dict.')
        self._subscription_fields(
            {k: v for k, v in subscription.items() if k != 'subscriber'})

    def subscription_patching(self, subscription):
        """``subscriber``, ``ttl`` and ``options`` where present (``null``
        counts as absent). Stricter than Zaqar, whose checks skip falsy
        values: an empty subscriber, a TTL of 0 or options ``[]`` are
        refused here rather than stored."""
        if not subscription:
            raise ValidationFailed('No subscription to create.')
        if not isinstance(subscription, dict):
            raise ValidationFailed('Subscriptions must be a dict.')
        self._subscription_fields(subscription)

    def _subscription_fields(self, subscription):
        if subscription.get('subscriber') is not None:
            self._subscriber(subscription['subscriber'])
        options = subscription.get('options')
        if options is not None and not isinstance(options, dict):
            raise ValidationFailed('Options must be a dict.')
        self.retry_policy((options or {}).get('_retry_policy'))
        if options and 'trust_id' in options:
            trust_id = options['trust_id']
            if not isinstance(trust_id, str) or not trust_id:
                # what the notifier asks Keystone for a token with
                raise ValidationFailed('Options trust_id must be a '
                                       'non-empty string.')
        ttl = subscription.get('ttl')
        if ttl is not None:
            self._subscription_ttl(ttl)

    def _subscriber(self, subscriber):
        types = self._limits.subscriber_types
        scheme = None
        if isinstance(subscriber, str):
            scheme = urllib_parse.urlparse(subscriber).scheme
        if not scheme or scheme not in types:
            raise ValidationFailed('The subscriber type of subscription '
                                   'must be supported in the list {0}.',
                                   list(types))

    def _subscription_ttl(self, ttl):
        if not isinstance(ttl, int) or isinstance(ttl, bool):
            raise ValidationFailed('TTL must be an integer.')
        low = self._limits.min_subscription_ttl
        if ttl < low:
            raise ValidationFailed('The TTL for a subscription must be at '
                                   'least {0} seconds long.', low)
        latest = (_LATEST_EXPIRY - datetime.datetime(1970, 1, 1))
        if ttl >= latest.total_seconds() - time.time():
            raise ValidationFailed('The TTL seconds for a subscription plus '
                                   'current time must be less than {0}.',
                                   _LATEST_EXPIRY)

    @staticmethod
    def subscription_changes(subscription):
        """The fields a PATCH changes (unknown keys and nulls ignored, as
        Zaqar's mongo driver does)."""
        return {key: subscription[key] for key in SUBSCRIPTION_FIELDS
                if subscription.get(key) is not None}

    @staticmethod
    def subscription_confirming(document):
        confirmed = document.get('confirmed') \
            if isinstance(document, dict) else None
        if not isinstance(confirmed, bool):
            raise ValidationFailed("The 'confirmed' should be boolean.")

    def subscription_listing(self, limit=None):
        uplimit = self._limits.max_subscriptions_per_page
        if limit is not None and not 0 < limit <= uplimit:
            raise ValidationFailed('Limit must be at least 1 and may not be '
                                   'greater than {0}.', uplimit)


def decode_json_pointer(pointer):
    """The tokens of a JSON pointer, in the limited form Zaqar accepts."""
    if not isinstance(pointer, str) or not pointer.startswith('/'):
        raise ValidationFailed('Pointer `%s` does not start with "/".'
                               % (pointer,))
    if re.search(r'/\s*?/', pointer[1:]):
        raise ValidationFailed('Pointer `%s` contains adjacent "/".'
                               % pointer)
    if len(pointer) > 1 and pointer.endswith('/'):
        raise ValidationFailed('Pointer `%s` end with "/".' % pointer)
    if pointer[1:].strip() == '/':
        raise ValidationFailed('Pointer `%s` does not contains valid token.'
                               % pointer)
    if re.search(r'~[^01]', pointer) or pointer.endswith('~'):
        raise ValidationFailed('Pointer `%s` contains "~" not part of a '
                               'recognized escape sequence.' % pointer)
    return [part.replace('~1', '/').replace('~0', '~').strip()
            for part in pointer.lstrip('/').split('/')]
