"""The message actions: SendMessage(Batch), ReceiveMessage,
DeleteMessage(Batch), ChangeMessageVisibility(Batch), over swiftq's
messages and claims:

* a message's SQS body is its Zaqar body when that is a string, else the
  body's compact JSON; a message sent over SQS has its string as body;
* a receive claims each message with a claim of its own
  (``claims.create_each``; ``VisibilityTimeout`` = claim TTL, no grace;
  ``WaitTimeSeconds`` = the claim's long-poll ``wait``) and answers a
  signed receipt handle (:mod:`swiftq.api.sqs.receipts`);
* a delete deletes the message with that claim id; a stale handle (the
  claim expired) still deletes a message that is free, and leaves alone
  one another receive holds now (SQS: "the request succeeds, but the
  message might not be deleted");
* ChangeMessageVisibility renews the claim (0: releases it); a claim that
  expired is ``MessageNotInflight``, as SQS answers.
"""

import hashlib
import json
import re

from swiftq.api.sqs import attributes
from swiftq.api.sqs import errors
from swiftq.storage import errors as storage_errors

#: Characters SQS refuses in a message body.
_INVALID_BODY = re.compile(
    '[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]')
_FIFO_PARAMETERS = ('MessageGroupId', 'MessageDeduplicationId')
_NOT_STORED = ('MessageAttributes', 'MessageSystemAttributes')
#: System attributes a receive can answer (``All``: every one).
_SYSTEM_ATTRIBUTES = ('SenderId', 'SentTimestamp', 'ApproximateReceiveCount')


def send_message(call):
    name = call.queue_name()
    metadata = call.metadata(name, fresh=False)
    message, _ = _outgoing(call, call.params, metadata)
    message_id, = call.storage.messages.post(call.project, name, [message],
                                             call.client_id)
    return {'MessageId': message_id,
            'MD5OfMessageBody': _md5(message['body'])}


def send_message_batch(call):
    name = call.queue_name()
    entries = call.params.entries('Entries', 'SendMessageBatch')
    metadata = call.metadata(name, fresh=False)
    size = sum(len((e.string('MessageBody') or '').encode('utf-8'))
               for e in entries)
    limit = attributes.max_size(metadata, call.limits)
    if size > limit:
        raise errors.batch_request_too_long(size, limit)
    accepted, failed = [], []
    for entry in entries:
        try:
            accepted.append((entry.string('Id'),
                             _outgoing(call, entry, metadata)[0]))
        except errors.SQSError as exc:
            if exc.shape != 'InvalidParameterValue':
                raise
            failed.append(exc.batch_failure(entry.string('Id')))
    successful = []
    if accepted:
        ids = call.storage.messages.post(
            call.project, name, [m for _, m in accepted], call.client_id)
        successful = [{'Id': entry_id, 'MessageId': message_id,
                       'MD5OfMessageBody': _md5(message['body'])}
                      for (entry_id, message), message_id
                      in zip(accepted, ids)]
    return {'Successful': successful, 'Failed': failed}


def receive_message(call):
    name = call.queue_name()
    params = call.params
    metadata = call.metadata(name, fresh=False)
    count = params.integer('MaxNumberOfMessages', 1, 10, default=1)
    visibility = params.integer(
        'VisibilityTimeout', 0, attributes.MAX_VISIBILITY,
        default=attributes.visibility_timeout(metadata))
    wait = params.integer('WaitTimeSeconds', 0, attributes.MAX_WAIT,
                          default=attributes.receive_wait(metadata))
    wanted = set(params.string_list('AttributeNames') +
                 params.string_list('MessageSystemAttributeNames'))
    if 'All' in wanted:
        wanted.update(_SYSTEM_ATTRIBUTES)
    messages = call.storage.claims.create_each(
        call.project, name, visibility, 0, count,
        wait=min(wait, call.conf.long_poll.max_wait))
    received = [_incoming(call, name, m, wanted) for m in messages]
    return {'Messages': received} if received else {}


def delete_message(call):
    name = call.queue_name()
    handle = call.params.string('ReceiptHandle', required=True)
    call.metadata(name, fresh=False)
    message_id, claim_id = call.receipts.open(call.project, name, handle)
    call.storage.messages.delete_many(call.project, name, [message_id],
                                      [claim_id])
    return {}


def delete_message_batch(call):
    name, items = _handle_batch(call, 'DeleteMessageBatch')
    opened, failed = _each_entry(items, lambda entry, handle: (
        call.receipts.open(call.project, name, handle)))
    if opened:      # one storage call for the whole batch
        call.storage.messages.delete_many(
            call.project, name, [m for _, (m, _) in opened],
            [c for _, (_, c) in opened])
    return {'Successful': [{'Id': entry_id} for entry_id, _ in opened],
            'Failed': failed}


def change_message_visibility(call):
    name = call.queue_name()
    handle = call.params.string('ReceiptHandle', required=True)
    if 'VisibilityTimeout' not in call.params:
        raise errors.missing_parameter('VisibilityTimeout')
    timeout = call.params.integer('VisibilityTimeout', 0,
                                  attributes.MAX_VISIBILITY)
    call.metadata(name, fresh=False)
    _change_visibility(call, name, handle, timeout)
    return {}


def change_message_visibility_batch(call):
    name, items = _handle_batch(call, 'ChangeMessageVisibilityBatch')

    def change(entry, handle):
        timeout = entry.integer('VisibilityTimeout', 0,
                                attributes.MAX_VISIBILITY)
        if timeout is None:
            raise errors.missing_parameter('VisibilityTimeout')
        _change_visibility(call, name, handle, timeout)

    changed, failed = _each_entry(items, change)
    return {'Successful': [{'Id': entry_id} for entry_id, _ in changed],
            'Failed': failed}


def _handle_batch(call, kind):
    """The queue name and ``[(entry id, entry, receipt handle)]`` of a
    batch over receipt handles; an entry without a handle fails the whole
    call, as SQS answers."""
    name = call.queue_name()
    entries = call.params.entries('Entries', kind)
    call.metadata(name, fresh=False)
    return name, [(entry.string('Id'), entry,
                   entry.string('ReceiptHandle', required=True))
                  for entry in entries]


def _each_entry(items, attempt):
    """``attempt(entry, handle)`` for each item: ``([(entry id, result)],
    failed entries)``. The sender's error fails its entry only; any other
    (Swift unreachable...) fails the whole call."""
    done, failed = [], []
    for entry_id, entry, handle in items:
        try:
            done.append((entry_id, attempt(entry, handle)))
        except errors.SQSError as exc:
            if not exc.sender:
                raise
            failed.append(exc.batch_failure(entry_id))
    return done, failed


def _change_visibility(call, name, handle, timeout):
    message_id, claim_id = call.receipts.open(call.project, name, handle)
    claims = call.storage.claims
    try:
        claim = claims.get(call.project, name, claim_id)
    except storage_errors.ClaimDoesNotExist:
        raise errors.message_not_inflight()
    if message_id not in [m['id'] for m in claim['messages']]:
        try:                # the claim ended meanwhile, or it was deleted
            call.storage.messages.get(call.project, name, message_id)
        except storage_errors.MessageDoesNotExist:
            raise errors.receipt_handle_is_invalid()
        raise errors.message_not_inflight()
    if timeout == 0:
        claims.delete(call.project, name, claim_id)
        return
    try:
        claims.update(call.project, name, claim_id, timeout, 0)
    except storage_errors.ClaimDoesNotExist:
        raise errors.message_not_inflight()


def _outgoing(call, params, metadata):
    """The Zaqar message a SendMessage (or batch entry) posts, and its
    body's size."""
    for name in _FIFO_PARAMETERS:
        if name in params:
            raise errors.SQSError(
                'InvalidParameterValue', 'The request include parameter %s '
                'that is not valid for this queue type (swiftq has no FIFO '
                'queues).' % name)
    for name in _NOT_STORED:
        if name in params:
            raise errors.SQSError(
                'InvalidParameterValue', '%s are not supported by swiftq: '
                'send the message without them.' % name)
    body = params.string('MessageBody', required=True)
    if not body:
        raise errors.missing_parameter('MessageBody')
    invalid = _INVALID_BODY.search(body)
    if invalid:
        raise errors.invalid_message_contents(
            'Invalid binary character \'#x%X\' was found in the message '
            'body, the set of allowed characters is #x9 | #xA | #xD | #x20 '
            'to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF'
            % ord(invalid.group()))
    size = len(body.encode('utf-8'))
    limit = attributes.max_size(metadata, call.limits)
    if size > limit:
        raise errors.invalid_parameter_value(
            'One or more parameters are invalid. Reason: Message must be '
            'shorter than %d bytes.' % limit)
    delay = params.integer('DelaySeconds', 0, call.limits.max_delay,
                           default=attributes.delay(metadata))
    return {'ttl': attributes.retention(metadata, call.limits),
            'delay': delay, 'body': body}, size


def _incoming(call, name, message, wanted):
    """A received message as SQS answers it."""
    body = message['body']
    if not isinstance(body, str):
        body = json.dumps(body, separators=(',', ':'), ensure_ascii=False)
    received = {
        'MessageId': message['id'],
        'ReceiptHandle': call.receipts.issue(call.project, name,
                                             message['id'],
                                             message['claim_id']),
        'MD5OfBody': _md5(body),
        'Body': body,
    }
    values = {
        'SenderId': message.get('client_id'),
        'SentTimestamp': str(int(message['created'] * 1000)),
        'ApproximateReceiveCount': str(message.get('claim_count', 1)),
    }
    answered = {k: v for k, v in values.items() if k in wanted and v}
    if answered:
        received['Attributes'] = answered
    return received


def _md5(body):
    return hashlib.md5(body.encode('utf-8')).hexdigest()
