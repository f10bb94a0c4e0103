"""Queue attributes: SQS's names over the queue's Zaqar metadata.

============================== ========================================
SQS attribute                  where it lives
============================== ========================================
MessageRetentionPeriod         ``_default_message_ttl`` (Zaqar's)
DelaySeconds                   ``_default_message_delay`` (Zaqar's)
MaximumMessageSize             ``_max_messages_post_size`` (Zaqar's)
VisibilityTimeout              ``_sqs_visibility_timeout``
ReceiveMessageWaitTimeSeconds  ``_sqs_receive_wait_time_seconds``
CreatedTimestamp               ``_sqs_created`` (queues made over SQS)
LastModifiedTimestamp          ``_sqs_modified`` (idem)
RedrivePolicy                  ``_max_claim_count`` and
                               ``_dead_letter_queue`` (Zaqar's)
ApproximateNumberOf...         the queue's stats (free, claimed)
QueueArn                       ``arn:swiftq:sqs:<region>:<project>:<q>``
============================== ========================================

Queues made through the Zaqar API have none of the ``_sqs_`` keys: they
read as SQS's defaults. A queue made over SQS gets SQS's defaults written
(retention 4 days, where Zaqar's default TTL is ``[transport]
default_message_ttl``).
"""

import json
import time

from swiftq.api.sqs import errors

VISIBILITY = '_sqs_visibility_timeout'
WAIT = '_sqs_receive_wait_time_seconds'
CREATED = '_sqs_created'
MODIFIED = '_sqs_modified'
TAGS = '_sqs_tags'
RETENTION = '_default_message_ttl'
DELAY = '_default_message_delay'
MAX_SIZE = '_max_messages_post_size'
MAX_CLAIMS = '_max_claim_count'
DEAD_LETTER = '_dead_letter_queue'

DEFAULT_VISIBILITY = 30
DEFAULT_RETENTION = 345600
MAX_VISIBILITY = 43200
MAX_WAIT = 20
MAX_DELAY = 900
MIN_MAX_SIZE = 1024

#: Every attribute GetQueueAttributes answers for ``All``, in SQS's order.
READABLE = (
    'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesDelayed',
    'ApproximateNumberOfMessagesNotVisible', 'CreatedTimestamp',
    'DelaySeconds', 'LastModifiedTimestamp', 'MaximumMessageSize',
    'MessageRetentionPeriod', 'QueueArn', 'ReceiveMessageWaitTimeSeconds',
    'VisibilityTimeout', 'SqsManagedSseEnabled', 'RedrivePolicy')

#: SQS attributes swiftq knows and does not implement: never answered,
#: refused when set.
UNSUPPORTED = (
    'Policy', 'RedriveAllowPolicy', 'KmsMasterKeyId',
    'KmsDataKeyReusePeriodSeconds', 'FifoQueue', 'ContentBasedDeduplication',
    'DeduplicationScope', 'FifoThroughputLimit')


class Limits:
    """The bounds of the writable attributes, from ``[transport]``."""

    def __init__(self, conf):
        transport = conf.transport
        self.min_retention = max(60, transport.min_message_ttl)
        self.max_retention = min(1209600, transport.max_message_ttl)
        self.max_delay = min(MAX_DELAY, transport.max_message_delay)
        self.max_size = transport.max_messages_post_size
        self.default_retention = min(DEFAULT_RETENTION, self.max_retention)
        self.zaqar_retention = transport.default_message_ttl

    def bounds(self, name):
        return {
            'VisibilityTimeout': (0, MAX_VISIBILITY, VISIBILITY),
            'MessageRetentionPeriod': (self.min_retention,
                                       self.max_retention, RETENTION),
            'DelaySeconds': (0, self.max_delay, DELAY),
            'ReceiveMessageWaitTimeSeconds': (0, MAX_WAIT, WAIT),
            'MaximumMessageSize': (MIN_MAX_SIZE, self.max_size, MAX_SIZE),
        }.get(name)


def parse(attributes, limits, dead_letter_name=None):
    """SQS attributes (strings) as a metadata update (a None value removes
    its key); InvalidAttributeName or InvalidAttributeValue for what
    cannot be set. ``dead_letter_name(arn)``: the name of the queue a
    RedrivePolicy's ``deadLetterTargetArn`` names, checked."""
    update = {}
    for name, text in attributes.items():
        if name == 'FifoQueue' and text.lower() == 'false':
            continue
        if name == 'RedrivePolicy':
            update.update(_redrive_policy(text, dead_letter_name))
            continue
        bounds = limits.bounds(name)
        if bounds is None:
            if name in UNSUPPORTED or name in READABLE:
                raise errors.SQSError(
                    'InvalidAttributeName',
                    'Attribute %s cannot be set on swiftq (%s).' % (
                        name, 'FIFO queues are not supported'
                        if name.startswith(('Fifo', 'ContentBased',
                                            'Deduplication'))
                        else 'not supported' if name in UNSUPPORTED
                        else 'read-only'))
            raise errors.invalid_attribute_name(name)
        low, high, key = bounds
        try:
            value = int(text.strip())
        except (ValueError, AttributeError):
            raise errors.invalid_attribute_value(name, 'not an integer')
        if not low <= value <= high:
            raise errors.invalid_attribute_value(
                name, 'must be between %d and %d' % (low, high))
        update[key] = value
    return update


def _redrive_policy(text, dead_letter_name):
    """RedrivePolicy (JSON) as ``_max_claim_count`` and
    ``_dead_letter_queue``; an empty policy removes them."""
    try:
        policy = json.loads(text) if text.strip() else {}
    except (ValueError, AttributeError):
        policy = None
    if not isinstance(policy, dict):
        raise errors.invalid_parameter_value(
            'Redrive policy is not a dict or valid json')
    if not policy:
        return {MAX_CLAIMS: None, DEAD_LETTER: None}
    for key in ('deadLetterTargetArn', 'maxReceiveCount'):
        if key not in policy:
            raise errors.invalid_parameter_value(
                'Redrive policy does not contain %s' % key)
    try:
        count = int(policy['maxReceiveCount'])
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= 1000:
        raise errors.invalid_attribute_value(
            'RedrivePolicy', 'maxReceiveCount must be between 1 and 1000')
    arn = policy['deadLetterTargetArn']
    if not isinstance(arn, str):
        raise errors.invalid_parameter_value(
            'deadLetterTargetArn must be a queue ARN')
    return {MAX_CLAIMS: count, DEAD_LETTER: dead_letter_name(arn)}


def defaults(limits, now=None):
    """The metadata a queue made over SQS starts with."""
    now = time.time() if now is None else now
    return {RETENTION: limits.default_retention, DELAY: 0,
            VISIBILITY: DEFAULT_VISIBILITY, WAIT: 0,
            CREATED: int(now), MODIFIED: int(now)}


def visibility_timeout(metadata):
    return _int(metadata.get(VISIBILITY), DEFAULT_VISIBILITY)


def receive_wait(metadata):
    return _int(metadata.get(WAIT), 0)


def retention(metadata, limits):
    return _int(metadata.get(RETENTION), limits.zaqar_retention)


def delay(metadata):
    return _int(metadata.get(DELAY), 0)


def max_size(metadata, limits):
    return min(_int(metadata.get(MAX_SIZE), limits.max_size),
               limits.max_size)


def read(metadata, stats, arn, limits, arn_of=None):
    """Every readable attribute of the queue, as SQS's strings
    (``arn_of(name)``: the ARN of a queue of the project)."""
    values = {
        'ApproximateNumberOfMessages': stats.get('free', 0),
        'ApproximateNumberOfMessagesDelayed': 0,
        'ApproximateNumberOfMessagesNotVisible': stats.get('claimed', 0),
        'CreatedTimestamp': metadata.get(CREATED),
        'DelaySeconds': delay(metadata),
        'LastModifiedTimestamp': metadata.get(MODIFIED),
        'MaximumMessageSize': max_size(metadata, limits),
        'MessageRetentionPeriod': retention(metadata, limits),
        'QueueArn': arn,
        'ReceiveMessageWaitTimeSeconds': receive_wait(metadata),
        'VisibilityTimeout': visibility_timeout(metadata),
        'SqsManagedSseEnabled': 'false',
        'RedrivePolicy': _read_redrive_policy(metadata, arn_of),
    }
    return {name: str(value) for name, value in values.items()
            if value is not None}


def _read_redrive_policy(metadata, arn_of):
    dead_letter = metadata.get(DEAD_LETTER)
    count = metadata.get(MAX_CLAIMS)
    if not dead_letter or not count or arn_of is None:
        return None
    return json.dumps({'deadLetterTargetArn': arn_of(dead_letter),
                       'maxReceiveCount': int(count)})


def select(names, values):
    """The attributes asked for (``All`` for every one); unknown names
    are InvalidAttributeName, known but unsupported ones are left out."""
    for name in names:
        if name != 'All' and name not in READABLE and \
                name not in UNSUPPORTED:
            raise errors.invalid_attribute_name(name)
    if 'All' in names:
        return dict(values)
    return {name: values[name] for name in names if name in values}


def differ(given, metadata, limits):
    """The names among ``given`` (a parsed update) whose value differs
    from the existing queue's (CreateQueue of an existing name)."""
    current = {VISIBILITY: visibility_timeout(metadata),
               WAIT: receive_wait(metadata),
               RETENTION: retention(metadata, limits),
               DELAY: delay(metadata),
               MAX_SIZE: max_size(metadata, limits),
               MAX_CLAIMS: metadata.get(MAX_CLAIMS),
               DEAD_LETTER: metadata.get(DEAD_LETTER)}
    return [key for key, value in given.items() if current.get(key) != value]


def _int(value, default):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    return int(value)
