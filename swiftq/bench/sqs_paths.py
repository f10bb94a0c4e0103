"""The two ways ``swiftq-bench sqs`` moves messages through a queue, with
one interface so that :mod:`swiftq.bench.sqs` measures both alike:

:class:`SqsPath`
    boto3 against ``/sqs``: SendMessage(Batch), ReceiveMessage,
    DeleteMessage(Batch);
:class:`ZaqarPath`
    the Zaqar v2 API: POST of messages, a claim, a bulk DELETE with the
    claim id (one DELETE with ``claim_id`` for a single message).

Each has ``create()`` and ``remove()`` of the queue, ``worker()`` (a copy
with connections of its own, one per thread) and, on a worker,
``send(bodies)`` (the number accepted), ``receive(limit)`` (``[(body,
handle)]``), ``delete(handles)`` (the number deleted) and ``close()``. A
failed request raises :class:`PathError` or the client's own exception.
"""

#: How long a received message stays invisible (SQS's VisibilityTimeout,
#: the claim's TTL): longer than any run, so that a message handed out
#: twice is a duplicate, never a legitimate redelivery.
HOLD_SECONDS = 300
MESSAGE_TTL = 3600


class PathError(RuntimeError):

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


def outcome(exc):
    """What a failed request is counted as: ``HTTP 503``, SQS's error
    code and status, or the exception's name."""
    if getattr(exc, 'status', None):
        return 'HTTP %d' % exc.status
    response = getattr(exc, 'response', None)
    if isinstance(response, dict) and 'Error' in response:
        return '%s (HTTP %s)' % (
            response['Error'].get('Code'),
            response.get('ResponseMetadata', {}).get('HTTPStatusCode'))
    return type(exc).__name__


class SqsPath:
    label = 'SQS (boto3)'

    def __init__(self, endpoint_url, access_key, secret_key, queue,
                 timeout=30.0, queue_url=None):
        self._settings = (endpoint_url, access_key, secret_key, queue,
                          timeout)
        self.queue = queue
        self.queue_url = queue_url
        self._sqs = _boto3_client(endpoint_url, access_key, secret_key,
                                  timeout)

    def create(self):
        self.queue_url = self._sqs.create_queue(
            QueueName=self.queue,
            Attributes={'VisibilityTimeout': str(HOLD_SECONDS),
                        'MessageRetentionPeriod': str(MESSAGE_TTL)},
        )['QueueUrl']

    def remove(self):
        self._sqs.delete_queue(QueueUrl=self.queue_url)

    def close(self):
        self._sqs.close()

    def worker(self):
        return SqsPath(*self._settings, queue_url=self.queue_url)

    def send(self, bodies):
        if len(bodies) == 1:
            self._sqs.send_message(QueueUrl=self.queue_url,
                                   MessageBody=bodies[0])
            return 1
        answer = self._sqs.send_message_batch(
            QueueUrl=self.queue_url,
            Entries=[{'Id': str(i), 'MessageBody': body}
                     for i, body in enumerate(bodies)])
        return len(answer.get('Successful', []))

    def receive(self, limit):
        answer = self._sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=limit,
            WaitTimeSeconds=0)
        return [(m['Body'], m['ReceiptHandle'])
                for m in answer.get('Messages', [])]

    def delete(self, handles):
        if len(handles) == 1:
            self._sqs.delete_message(QueueUrl=self.queue_url,
                                     ReceiptHandle=handles[0])
            return 1
        answer = self._sqs.delete_message_batch(
            QueueUrl=self.queue_url,
            Entries=[{'Id': str(i), 'ReceiptHandle': handle}
                     for i, handle in enumerate(handles)])
        return len(answer.get('Successful', []))


def _boto3_client(endpoint_url, access_key, secret_key, timeout):
    """A boto3 SQS client without retries: a failure is counted, not
    hidden."""
    try:
        import boto3
        import botocore.config
    except ImportError:
        raise SystemExit('swiftq-bench sqs needs boto3 (pip install boto3, '
                         'or pip install "swiftq[bench]")')
    return boto3.client(
        'sqs', endpoint_url=endpoint_url, region_name='us-east-1',
        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        config=botocore.config.Config(
            retries={'total_max_attempts': 1}, connect_timeout=timeout,
            read_timeout=timeout, max_pool_connections=2))


class ZaqarPath:
    label = 'Zaqar API'

    def __init__(self, endpoint, queue):
        """``endpoint``: a :class:`swiftq.bench.client.Endpoint`."""
        self.endpoint = endpoint
        self.queue = queue
        self._url = endpoint.queue_url(queue)
        self._session = endpoint.session()

    def create(self):
        self._expect(self._session.put(self._url, json={}), 201, 204)

    def remove(self):
        self._expect(self._session.delete(self._url), 204)

    def close(self):
        self._session.close()

    def worker(self):
        return ZaqarPath(self.endpoint, self.queue)

    def send(self, bodies):
        answer = self._expect(self._session.post(
            self._url + '/messages', json={'messages': [
                {'body': body, 'ttl': MESSAGE_TTL} for body in bodies]}),
            201)
        return len(answer.json()['resources'])

    def receive(self, limit):
        answer = self._expect(self._session.post(
            '%s/claims?limit=%d' % (self._url, limit),
            json={'ttl': HOLD_SECONDS, 'grace': 60}), 201, 204)
        if answer.status_code == 204:
            return []
        return [(m['body'], (m['id'], m['href']))
                for m in answer.json()['messages']]

    def delete(self, handles):
        if len(handles) == 1:
            href = handles[0][1]
            self._expect(self._session.delete(self.endpoint.absolute(href)),
                         204)
            return 1
        claim_ids = {href.rsplit('claim_id=', 1)[-1] for _, href in handles}
        if len(claim_ids) != 1:
            raise PathError('messages of several claims: %s' % claim_ids)
        # commas unescaped: some servers split the raw query string
        url = '%s/messages?ids=%s&claim_ids=%s' % (
            self._url, ','.join(i for i, _ in handles), claim_ids.pop())
        self._expect(self._session.delete(url), 204)
        return len(handles)

    @staticmethod
    def _expect(answer, *statuses):
        if answer.status_code not in statuses:
            raise PathError('%s %s answered %d: %s' % (
                answer.request.method, answer.request.path_url,
                answer.status_code, answer.text[:200]), answer.status_code)
        return answer
