"""Every deliberate difference between swiftq's SQS endpoint and moto,
each with its reason. Each case runs the same calls on both servers and
checks both answers: moto's, so that the list stays true when moto
changes, and swiftq's."""

import dataclasses
import json
import time
import typing

import pytest


@dataclasses.dataclass
class Difference:
    name: str
    reason: str
    run: typing.Callable        # run(Recorder) -> observation
    moto: object
    swiftq: object


def _new_queue(r, short='q'):
    return r.sqs.create_queue(QueueName=r.name(short))['QueueUrl']


def _answer(r, label, operation, **kwargs):
    """The normalised answer of one call (its error, if it failed)."""
    r.call(label, operation, **kwargs)
    return r.record[-1][1]


def _attribute(name):
    def run(r):
        url = _new_queue(r)
        return r.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=[name])['Attributes'].get(name)
    return run


def _error(code, exception=None, status=400):
    return {'error': code, 'exception': exception or code, 'status': status}


def _change_after_expiry(r):
    url = _new_queue(r)
    r.sqs.send_message(QueueUrl=url, MessageBody='x')
    got = r.sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)
    time.sleep(1.6)
    return _answer(r, 'change', 'change_message_visibility', QueueUrl=url,
                   ReceiptHandle=got['Messages'][0]['ReceiptHandle'],
                   VisibilityTimeout=30)


def _stale_delete(r):
    url = _new_queue(r)
    r.sqs.send_message(QueueUrl=url, MessageBody='x')
    first = r.sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)
    time.sleep(1.6)
    r.sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)
    r.sqs.delete_message(QueueUrl=url,
                         ReceiptHandle=first['Messages'][0]['ReceiptHandle'])
    time.sleep(1.6)
    return len(r.sqs.receive_message(QueueUrl=url).get('Messages', []))


def _delayed_counts(r):
    url = _new_queue(r)
    r.sqs.send_message(QueueUrl=url, MessageBody='x', DelaySeconds=30)
    return r.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesDelayed'])['Attributes']


def _all_message_attributes(r):
    url = _new_queue(r)
    r.sqs.send_message(QueueUrl=url, MessageBody='x')
    got = r.sqs.receive_message(QueueUrl=url, AttributeNames=['All'])
    return sorted(got['Messages'][0]['Attributes'])


def _arn(r):
    """Partition, region and whether the account is AWS's (digits)."""
    parts = _attribute('QueueArn')(r).split(':')
    return parts[1], parts[3], parts[4].isdigit()


def _dead_lettered(r):
    """(same MessageId in the DLQ?, its ApproximateReceiveCount there)."""
    dlq = _new_queue(r, 'dlq')
    arn = r.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=[
        'QueueArn'])['Attributes']['QueueArn']
    url = r.sqs.create_queue(QueueName=r.name('src'), Attributes={
        'RedrivePolicy': json.dumps({'deadLetterTargetArn': arn,
                                     'maxReceiveCount': 1})})['QueueUrl']
    sent = r.sqs.send_message(QueueUrl=url, MessageBody='x')['MessageId']
    r.sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)
    time.sleep(1.6)
    r.sqs.receive_message(QueueUrl=url)
    got = r.sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=2,
                                AttributeNames=['ApproximateReceiveCount'])
    [message] = got['Messages']
    return (message['MessageId'] == sent,
            message['Attributes']['ApproximateReceiveCount'])


DIFFERENCES = [
    Difference(
        'empty message body',
        'SQS requires a body of at least one character (moto accepts "")',
        lambda r: _answer(r, 'send', 'send_message',
                          QueueUrl=_new_queue(r), MessageBody=''),
        {'MD5OfMessageBody': 'd41d8cd98f00b204e9800998ecf8427e',
         'MessageId': 'm1'},
        _error('MissingParameter')),
    Difference(
        'visibility timeout above 12 hours',
        'SQS bounds VisibilityTimeout to 0..43200 (moto does not check a '
        'queue attribute)',
        lambda r: _answer(r, 'set', 'set_queue_attributes',
                          QueueUrl=_new_queue(r),
                          Attributes={'VisibilityTimeout': '43201'}),
        {}, _error('InvalidAttributeValue')),
    Difference(
        'unknown attribute set',
        'SQS refuses an attribute it does not know (moto ignores it)',
        lambda r: _answer(r, 'set', 'set_queue_attributes',
                          QueueUrl=_new_queue(r),
                          Attributes={'Bogus': '1'}),
        {}, _error('InvalidAttributeName')),
    Difference(
        'visibility changed after it ended',
        'the claim has ended: SQS answers MessageNotInflight for a message '
        'not in flight (moto hides the message again)',
        _change_after_expiry,
        {}, _error('AWS.SimpleQueueService.MessageNotInflight',
                   'MessageNotInflight')),
    Difference(
        'delete with a stale receipt handle',
        'another receive holds the message now: swiftq never breaks a live '
        'claim, and SQS documents that such a delete "succeeds, but the '
        'message might not be deleted" (moto deletes it)',
        _stale_delete, 0, 1),
    Difference(
        'MaximumMessageSize',
        'swiftq\'s limit is [transport] max_messages_post_size (256 KiB by '
        'default; moto has SQS\'s newer 1 MiB)',
        _attribute('MaximumMessageSize'), '1048576', '262144'),
    Difference(
        'SqsManagedSseEnabled',
        'swiftq does not encrypt SQS messages at rest (Zaqar\'s encrypted '
        'queues are a queue metadata flag, doc/source/encryption.rst)',
        _attribute('SqsManagedSseEnabled'), 'true', 'false'),
    Difference(
        'QueueArn',
        'the partition is swiftq\'s and the account is the project',
        _arn, ('aws', 'us-east-1', True), ('swiftq', 'us-east-1', False)),
    Difference(
        'queue names of 65 to 80 characters',
        'swiftq keeps the Zaqar API\'s limit of 64, so that every queue is '
        'a Zaqar queue too',
        lambda r: _answer(r, 'create', 'create_queue',
                          QueueName=r.name('n' * (70 - len(r.prefix)))),
        {'QueueUrl': 'queue:' + 'n' * 60}, _error('InvalidParameterValue')),
    Difference(
        'message attributes',
        'swiftq does not store MessageAttributes yet: refused rather than '
        'dropped',
        lambda r: _answer(r, 'send', 'send_message', QueueUrl=_new_queue(r),
                          MessageBody='x', MessageAttributes={
                              'k': {'DataType': 'String',
                                    'StringValue': 'v'}}).get('error'),
        None, 'InvalidParameterValue'),
    Difference(
        'FIFO queues',
        'swiftq has no FIFO queues (message groups, deduplication)',
        lambda r: _answer(r, 'create', 'create_queue',
                          QueueName=r.name('f.fifo'),
                          Attributes={'FifoQueue': 'true'}).get('error'),
        None, 'InvalidParameterValue'),
    Difference(
        'system attributes of a message',
        'swiftq does not record when a message was first received '
        '(ApproximateFirstReceiveTimestamp)',
        _all_message_attributes,
        ['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount',
         'SenderId', 'SentTimestamp'],
        ['ApproximateReceiveCount', 'SenderId', 'SentTimestamp']),
    Difference(
        'a dead-lettered message',
        'swiftq moves it as Zaqar does: posted anew to the dead-letter queue '
        '(a new message id, its receive count starts again)',
        _dead_lettered, (True, '2'), (False, '1')),
    Difference(
        'delayed messages in the counts',
        'swiftq\'s queue stats count delayed messages as free: '
        'ApproximateNumberOfMessagesDelayed is always 0',
        _delayed_counts,
        {'ApproximateNumberOfMessages': '0',
         'ApproximateNumberOfMessagesDelayed': '1'},
        {'ApproximateNumberOfMessages': '1',
         'ApproximateNumberOfMessagesDelayed': '0'}),
]


@pytest.mark.parametrize('difference', DIFFERENCES, ids=lambda d: d.name)
def test_deliberate_difference(difference, run_on_both):
    moto, swiftq = [result for _, result in run_on_both(difference.run)]
    assert (moto, swiftq) == (difference.moto, difference.swiftq), \
        difference.reason
