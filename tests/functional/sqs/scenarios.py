"""SQS scenarios written once with boto3, run against moto (the oracle)
and against swiftq's ``/sqs`` endpoint: each records what a client can
observe (:class:`Recorder`), and the two records must be equal.

A record holds every answer, normalised to what must agree: queue URLs
become the queue's name (the hosts and the account/project part differ by
design), message ids become ``m1, m2...`` in the order they were first
seen, receipt handles ``<handle>``, timestamps ``<timestamp>`` once
checked to be near now, and an error its code, modelled exception and
HTTP status (not its prose message). Messages of one receive are sorted
by body (SQS does not promise an order).
"""

import json
import threading
import time

import botocore.exceptions

#: Every scenario, in order: ``scenario(recorder)``.
SCENARIOS = []

_TIMESTAMPS = ('SentTimestamp', 'CreatedTimestamp', 'LastModifiedTimestamp',
               'ApproximateFirstReceiveTimestamp')


def scenario(function):
    SCENARIOS.append(function)
    return function


class Recorder:
    """Calls one server's boto3 client and records the normalised
    answers. ``prefix`` makes the queue names of one run unique."""

    def __init__(self, sqs, prefix):
        self.sqs = sqs
        self.prefix = prefix
        self.record = []
        self._message_labels = {}

    def name(self, short):
        return self.prefix + short

    def url(self, short):
        return self.sqs.get_queue_url(QueueName=self.name(short))['QueueUrl']

    def call(self, label, operation, **kwargs):
        """The answer of ``operation`` (None for an error), recorded."""
        try:
            answer = getattr(self.sqs, operation)(**kwargs)
        except botocore.exceptions.ClientError as exc:
            error = exc.response['Error']
            self.record.append((label, {
                'error': error.get('Code'),
                'exception': error.get('QueryErrorCode', error.get('Code')),
                'status': exc.response['ResponseMetadata']['HTTPStatusCode'],
            }))
            return None
        answer = dict(answer)
        answer.pop('ResponseMetadata', None)
        self.record.append((label, self._normalise(answer)))
        return answer

    def note(self, label, value):
        """Record an observation the scenario derived itself."""
        self.record.append((label, value))

    def _normalise(self, value, key=None):
        if isinstance(value, dict):
            # a batch's failed entry: its Message is prose, not contract
            return {k: self._normalise(v, k) for k, v in value.items()
                    if not (key == 'Failed' and k == 'Message')}
        if isinstance(value, list):
            items = [self._normalise(v, key) for v in value]
            if key == 'Messages':
                items.sort(key=lambda m: m.get('Body', ''))
            return items
        if key in ('QueueUrl', 'QueueUrls'):
            name = value.rstrip('/').rsplit('/', 1)[-1]
            return 'queue:' + name[len(self.prefix):]
        if key == 'QueueArn':
            return 'arn:' + value.rsplit(':', 1)[-1][len(self.prefix):]
        if key == 'MessageId':
            return self._message_labels.setdefault(
                value, 'm%d' % (len(self._message_labels) + 1))
        if key == 'ReceiptHandle':
            return '<handle>' if value else value
        if key in _TIMESTAMPS:
            seconds = float(value)
            if seconds > 1e11:          # milliseconds
                seconds /= 1000
            assert abs(seconds - time.time()) < 600, (key, value)
            return '<timestamp>'
        return value


def _handles(answer):
    """Receipt handles of a receive, by body."""
    return {m['Body']: m['ReceiptHandle']
            for m in (answer or {}).get('Messages', [])}


def _bodies(answer):
    return sorted(m['Body'] for m in (answer or {}).get('Messages', []))


@scenario
def queue_lifecycle(r):
    r.call('create', 'create_queue', QueueName=r.name('life'))
    r.call('create again', 'create_queue', QueueName=r.name('life'))
    r.call('create, same attributes', 'create_queue', QueueName=r.name('life'),
           Attributes={'VisibilityTimeout': '30'})
    r.call('create, other attributes', 'create_queue',
           QueueName=r.name('life'), Attributes={'VisibilityTimeout': '5'})
    r.call('create with attributes', 'create_queue',
           QueueName=r.name('life-2'),
           Attributes={'VisibilityTimeout': '7', 'DelaySeconds': '3',
                       'MessageRetentionPeriod': '3600',
                       'ReceiveMessageWaitTimeSeconds': '2'})
    url = r.url('life')
    r.call('url of a missing queue', 'get_queue_url',
           QueueName=r.name('missing'))
    r.call('list by prefix', 'list_queues', QueueNamePrefix=r.name('li'))
    r.call('list, other prefix', 'list_queues',
           QueueNamePrefix=r.name('nothing'))
    r.call('no attribute asked', 'get_queue_attributes', QueueUrl=url)
    names = ['VisibilityTimeout', 'DelaySeconds', 'MessageRetentionPeriod',
             'ReceiveMessageWaitTimeSeconds', 'ApproximateNumberOfMessages',
             'ApproximateNumberOfMessagesNotVisible', 'QueueArn',
             'CreatedTimestamp', 'LastModifiedTimestamp']
    r.call('defaults', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=names)
    r.call('attributes given at creation', 'get_queue_attributes',
           QueueUrl=r.url('life-2'), AttributeNames=names)
    r.call('set attributes', 'set_queue_attributes', QueueUrl=url,
           Attributes={'VisibilityTimeout': '12', 'DelaySeconds': '1',
                       'MessageRetentionPeriod': '120',
                       'ReceiveMessageWaitTimeSeconds': '3'})
    r.call('attributes after set', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=names)
    r.call('one name', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=['VisibilityTimeout'])
    r.call('delete', 'delete_queue', QueueUrl=url)
    r.call('url after delete', 'get_queue_url', QueueName=r.name('life'))
    r.call('delete again', 'delete_queue', QueueUrl=url)
    r.call('send to deleted queue', 'send_message', QueueUrl=url,
           MessageBody='x')
    r.call('receive from deleted queue', 'receive_message', QueueUrl=url)
    r.call('list after delete', 'list_queues', QueueNamePrefix=r.name('li'))
    r.call('delete the other', 'delete_queue', QueueUrl=r.url('life-2'))


@scenario
def send_receive_delete(r):
    url = r.call('create', 'create_queue', QueueName=r.name('srd'))['QueueUrl']
    for body in ('first', 'second', '{"json": ["body", 1]}'):
        r.call('send ' + body, 'send_message', QueueUrl=url, MessageBody=body)
    r.call('unicode body', 'send_message', QueueUrl=url,
           MessageBody='h\u00e9llo \u2603 \U0001f600')
    got = r.call('receive 10', 'receive_message', QueueUrl=url,
                 MaxNumberOfMessages=10, VisibilityTimeout=30,
                 AttributeNames=['SentTimestamp', 'ApproximateReceiveCount'])
    r.call('counts while received', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=['ApproximateNumberOfMessages',
                           'ApproximateNumberOfMessagesNotVisible'])
    r.call('nothing left', 'receive_message', QueueUrl=url)
    for body, handle in sorted(_handles(got).items()):
        r.call('delete ' + body, 'delete_message', QueueUrl=url,
               ReceiptHandle=handle)
    first = _handles(got)['first']
    r.call('delete a deleted message', 'delete_message', QueueUrl=url,
           ReceiptHandle=first)
    r.call('counts after deletes', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=['ApproximateNumberOfMessages',
                           'ApproximateNumberOfMessagesNotVisible'])
    r.call('empty again', 'receive_message', QueueUrl=url)
    r.call('one by default', 'send_message', QueueUrl=url, MessageBody='a')
    r.call('one by default 2', 'send_message', QueueUrl=url, MessageBody='b')
    got = r.call('receive without MaxNumberOfMessages', 'receive_message',
                 QueueUrl=url)
    r.note('received', len(got.get('Messages', [])))


@scenario
def batches(r):
    url = r.call('create', 'create_queue', QueueName=r.name('batch'))[
        'QueueUrl']
    r.call('send batch', 'send_message_batch', QueueUrl=url, Entries=[
        {'Id': 'a', 'MessageBody': 'body a'},
        {'Id': 'b', 'MessageBody': 'body b'},
        {'Id': 'c', 'MessageBody': 'body c', 'DelaySeconds': 0},
        {'Id': 'late', 'MessageBody': 'body late', 'DelaySeconds': 901}])
    r.call('empty send batch', 'send_message_batch', QueueUrl=url,
           Entries=[])
    r.call('send batch of 11', 'send_message_batch', QueueUrl=url,
           Entries=[{'Id': 'e%d' % i, 'MessageBody': 'x'}
                    for i in range(11)])
    r.call('send batch, ids repeated', 'send_message_batch', QueueUrl=url,
           Entries=[{'Id': 'same', 'MessageBody': 'x'},
                    {'Id': 'same', 'MessageBody': 'y'}])
    r.call('send batch, bad id', 'send_message_batch', QueueUrl=url,
           Entries=[{'Id': 'not ok!', 'MessageBody': 'x'}])
    got = r.call('receive', 'receive_message', QueueUrl=url,
                 MaxNumberOfMessages=10, VisibilityTimeout=30)
    handles = _handles(got)
    r.call('delete batch', 'delete_message_batch', QueueUrl=url, Entries=[
        {'Id': 'a', 'ReceiptHandle': handles['body a']},
        {'Id': 'b', 'ReceiptHandle': handles['body b']},
        {'Id': 'forged', 'ReceiptHandle': handles['body c'][:-4] + 'AAAA'},
        {'Id': 'garbage', 'ReceiptHandle': 'not-a-handle'}])
    r.call('empty delete batch', 'delete_message_batch', QueueUrl=url,
           Entries=[])
    r.call('counts', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=['ApproximateNumberOfMessages',
                           'ApproximateNumberOfMessagesNotVisible'])
    r.call('change visibility batch', 'change_message_visibility_batch',
           QueueUrl=url, Entries=[
               {'Id': 'c', 'ReceiptHandle': handles['body c'],
                'VisibilityTimeout': 0},
               {'Id': 'garbage', 'ReceiptHandle': 'not-a-handle',
                'VisibilityTimeout': 0}])
    r.call('c visible again', 'receive_message', QueueUrl=url,
           MaxNumberOfMessages=10)


@scenario
def visibility_expiry_and_redelivery(r):
    url = r.call('create', 'create_queue', QueueName=r.name('vis'))['QueueUrl']
    r.call('send', 'send_message', QueueUrl=url, MessageBody='again')
    r.call('receive for 1 s', 'receive_message', QueueUrl=url,
           VisibilityTimeout=1, AttributeNames=['ApproximateReceiveCount'])
    r.call('invisible meanwhile', 'receive_message', QueueUrl=url)
    time.sleep(2)
    got = r.call('redelivered', 'receive_message', QueueUrl=url,
                 VisibilityTimeout=30,
                 AttributeNames=['ApproximateReceiveCount'])
    r.call('delete with the new handle', 'delete_message', QueueUrl=url,
           ReceiptHandle=_handles(got)['again'])
    r.call('gone', 'receive_message', QueueUrl=url)
    r.call('queue default visibility 1 s', 'set_queue_attributes',
           QueueUrl=url, Attributes={'VisibilityTimeout': '1'})
    r.call('send 2', 'send_message', QueueUrl=url, MessageBody='default')
    r.call('receive with the default', 'receive_message', QueueUrl=url)
    time.sleep(2)
    got = r.call('back after the default', 'receive_message', QueueUrl=url,
                 AttributeNames=['ApproximateReceiveCount'])
    r.note('receive count', got['Messages'][0]['Attributes'])


@scenario
def change_message_visibility(r):
    url = r.call('create', 'create_queue', QueueName=r.name('cmv'))['QueueUrl']
    r.call('send', 'send_message_batch', QueueUrl=url, Entries=[
        {'Id': 'one', 'MessageBody': 'one'},
        {'Id': 'two', 'MessageBody': 'two'}])
    handles = _handles(r.call('receive both', 'receive_message', QueueUrl=url,
                              MaxNumberOfMessages=10, VisibilityTimeout=30))
    r.call('release one', 'change_message_visibility', QueueUrl=url,
           ReceiptHandle=handles['one'], VisibilityTimeout=0)
    got = r.call('only it is back', 'receive_message', QueueUrl=url,
                 MaxNumberOfMessages=10, VisibilityTimeout=3)
    r.call('extend it to 30 s', 'change_message_visibility', QueueUrl=url,
           ReceiptHandle=_handles(got)['one'], VisibilityTimeout=30)
    time.sleep(3.6)
    r.call('still invisible', 'receive_message', QueueUrl=url,
           MaxNumberOfMessages=10)
    r.call('shorten two to 1 s', 'change_message_visibility', QueueUrl=url,
           ReceiptHandle=handles['two'], VisibilityTimeout=1)
    time.sleep(1.6)
    r.call('two is back', 'receive_message', QueueUrl=url,
           MaxNumberOfMessages=10, VisibilityTimeout=30)
    r.call('garbage handle', 'change_message_visibility', QueueUrl=url,
           ReceiptHandle='not-a-handle', VisibilityTimeout=5)
    r.call('visibility above 12 h', 'change_message_visibility', QueueUrl=url,
           ReceiptHandle=_handles(got)['one'], VisibilityTimeout=43201)
    r.call('delete one', 'delete_message', QueueUrl=url,
           ReceiptHandle=_handles(got)['one'])
    r.call('change a deleted message', 'change_message_visibility',
           QueueUrl=url, ReceiptHandle=_handles(got)['one'],
           VisibilityTimeout=5)


@scenario
def long_polling(r):
    url = r.call('create', 'create_queue', QueueName=r.name('poll'))[
        'QueueUrl']
    started = time.monotonic()
    r.call('nothing within 2 s', 'receive_message', QueueUrl=url,
           WaitTimeSeconds=2)
    waited = time.monotonic() - started
    r.note('waited about 2 s', 1.8 <= waited < 6)

    def send_later():
        time.sleep(1)
        r.sqs.send_message(QueueUrl=url, MessageBody='late')

    sender = threading.Thread(target=send_later)
    started = time.monotonic()
    sender.start()
    try:
        got = r.call('wait for a message', 'receive_message', QueueUrl=url,
                     WaitTimeSeconds=10)
    finally:
        sender.join()
    waited = time.monotonic() - started
    print('%s: long poll answered after %.2f s' % (r.sqs.meta.endpoint_url,
                                                   waited))
    r.note('answered once sent', 0.8 <= waited < 8)
    r.note('its body', _bodies(got))
    r.call('queue default wait 1 s', 'set_queue_attributes', QueueUrl=url,
           Attributes={'ReceiveMessageWaitTimeSeconds': '1'})
    started = time.monotonic()
    r.call('waits by default', 'receive_message', QueueUrl=url)
    r.note('waited about 1 s', 0.8 <= time.monotonic() - started < 4)
    r.call('WaitTimeSeconds 21', 'receive_message', QueueUrl=url,
           WaitTimeSeconds=21)


@scenario
def delays(r):
    url = r.call('create', 'create_queue', QueueName=r.name('delay'))[
        'QueueUrl']
    r.call('send delayed 3 s', 'send_message', QueueUrl=url,
           MessageBody='delayed', DelaySeconds=3)
    r.call('not yet', 'receive_message', QueueUrl=url)
    time.sleep(3.5)
    r.call('now', 'receive_message', QueueUrl=url)
    r.call('DelaySeconds 901', 'send_message', QueueUrl=url,
           MessageBody='x', DelaySeconds=901)


@scenario
def purge_and_tags(r):
    url = r.call('create', 'create_queue', QueueName=r.name('tags'),
                 tags={'team': 'blue'})['QueueUrl']
    r.call('tags at creation', 'list_queue_tags', QueueUrl=url)
    r.call('tag', 'tag_queue', QueueUrl=url,
           Tags={'env': 'test', 'team': 'red'})
    r.call('tags', 'list_queue_tags', QueueUrl=url)
    r.call('untag', 'untag_queue', QueueUrl=url, TagKeys=['team', 'absent'])
    r.call('tags after untag', 'list_queue_tags', QueueUrl=url)
    r.call('send', 'send_message_batch', QueueUrl=url, Entries=[
        {'Id': 'a', 'MessageBody': 'a'}, {'Id': 'b', 'MessageBody': 'b'}])
    r.call('receive one', 'receive_message', QueueUrl=url)
    r.call('purge', 'purge_queue', QueueUrl=url)
    r.call('empty', 'receive_message', QueueUrl=url, MaxNumberOfMessages=10)
    r.call('counts', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=['ApproximateNumberOfMessages',
                           'ApproximateNumberOfMessagesNotVisible'])
    r.call('tags of a missing queue', 'list_queue_tags',
           QueueUrl=url + '-missing')


@scenario
def redrive_to_a_dead_letter_queue(r):
    r.call('create the dead-letter queue', 'create_queue',
           QueueName=r.name('dlq'))
    dlq = r.url('dlq')
    arn = r.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=[
        'QueueArn'])['Attributes']['QueueArn']
    policy = json.dumps({'deadLetterTargetArn': arn, 'maxReceiveCount': 2})
    url = r.call('create with a redrive policy', 'create_queue',
                 QueueName=r.name('src'),
                 Attributes={'RedrivePolicy': policy})['QueueUrl']
    read = r.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
        'RedrivePolicy'])['Attributes']['RedrivePolicy']
    r.note('policy read back', _policy(r, read))
    # (on a queue of their own: moto keeps half of a refused policy)
    other = r.call('create another', 'create_queue',
                   QueueName=r.name('other'))['QueueUrl']
    r.call('a DLQ that does not exist', 'set_queue_attributes',
           QueueUrl=other, Attributes={'RedrivePolicy': json.dumps({
               'deadLetterTargetArn': arn + '-missing',
               'maxReceiveCount': 2})})
    r.call('no maxReceiveCount', 'set_queue_attributes', QueueUrl=other,
           Attributes={'RedrivePolicy': json.dumps({
               'deadLetterTargetArn': arn})})
    r.call('send', 'send_message', QueueUrl=url, MessageBody='poison')
    for attempt in (1, 2):
        r.call('receive %d' % attempt, 'receive_message', QueueUrl=url,
               VisibilityTimeout=1, AttributeNames=['ApproximateReceiveCount'])
        time.sleep(1.6)
    r.call('third receive: dead-lettered', 'receive_message', QueueUrl=url)
    r.note('in the dead-letter queue', _bodies(r.sqs.receive_message(
        QueueUrl=dlq, WaitTimeSeconds=2)))
    r.call('remove the policy', 'set_queue_attributes', QueueUrl=url,
           Attributes={'RedrivePolicy': ''})
    r.call('no policy', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=['RedrivePolicy'])


def _policy(r, text):
    policy = json.loads(text)
    arn = policy['deadLetterTargetArn']
    return {'dlq': arn.rsplit(':', 1)[-1][len(r.prefix):],
            'maxReceiveCount': policy['maxReceiveCount']}


@scenario
def errors(r):
    url = r.call('create', 'create_queue', QueueName=r.name('err'))['QueueUrl']
    r.call('bad name', 'create_queue', QueueName='not ok!')
    r.call('name of 81', 'create_queue', QueueName='n' * 81)
    r.call('MaxNumberOfMessages 11', 'receive_message', QueueUrl=url,
           MaxNumberOfMessages=11)
    r.call('MaxNumberOfMessages 0', 'receive_message', QueueUrl=url,
           MaxNumberOfMessages=0)
    r.call('delete, garbage handle', 'delete_message', QueueUrl=url,
           ReceiptHandle='garbage')
    r.call('unknown attribute', 'get_queue_attributes', QueueUrl=url,
           AttributeNames=['Bogus'])
    r.call('send to a missing queue', 'send_message',
           QueueUrl=url + '-missing', MessageBody='x')
    r.call('receive from a missing queue', 'receive_message',
           QueueUrl=url + '-missing')
    r.call('delete a missing queue', 'delete_queue',
           QueueUrl=url + '-missing')
    r.call('purge a missing queue', 'purge_queue', QueueUrl=url + '-missing')
    r.call('attributes of a missing queue', 'get_queue_attributes',
           QueueUrl=url + '-missing', AttributeNames=['All'])
    r.call('receipt of another queue', 'delete_message',
           QueueUrl=url, ReceiptHandle=_receipt_of_other_queue(r))


def _receipt_of_other_queue(r):
    other = r.sqs.create_queue(QueueName=r.name('err-other'))['QueueUrl']
    r.sqs.send_message(QueueUrl=other, MessageBody='elsewhere')
    got = r.sqs.receive_message(QueueUrl=other, VisibilityTimeout=30)
    return got['Messages'][0]['ReceiptHandle']
