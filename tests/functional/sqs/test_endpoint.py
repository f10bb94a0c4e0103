"""swiftq's ``/sqs`` endpoint on its own: authentication (AWS Signature
Version 4 with the noauth development secret), one project per access
key, requests that are not SQS's JSON protocol, and the same queues
through the Zaqar API."""

import json

import botocore.exceptions
import pytest
import requests

from tests.functional import server as server_lib
from tests.functional.sqs import clients


def _error_of(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(*args, **kwargs)
    response = exc.value.response
    return (response['Error']['Code'],
            response['ResponseMetadata']['HTTPStatusCode'])


def test_a_wrong_secret_key_is_refused(sqs_swiftq_server):
    sqs = clients.client(sqs_swiftq_server.base_url + '/sqs',
                         clients.new_project(), secret_key='guessed')
    assert _error_of(sqs.list_queues) == ('SignatureDoesNotMatch', 403)


def test_an_unusable_access_key_is_refused(sqs_swiftq_server):
    sqs = clients.client(sqs_swiftq_server.base_url + '/sqs', 'not.a+key')
    assert _error_of(sqs.list_queues) == ('InvalidClientTokenId', 403)


def test_an_unsigned_request_is_refused(sqs_swiftq_server):
    answer = requests.post(
        sqs_swiftq_server.base_url + '/sqs/', data='{}', timeout=30,
        headers={'Content-Type': 'application/x-amz-json-1.0',
                 'X-Amz-Target': 'AmazonSQS.ListQueues'})
    assert answer.status_code == 403
    assert answer.headers['x-amzn-query-error'] == \
        'MissingAuthenticationToken;Sender'
    assert answer.json()['__type'].endswith('#MissingAuthenticationToken')


def test_each_access_key_is_a_project_of_its_own(sqs_swiftq_server):
    endpoint = sqs_swiftq_server.base_url + '/sqs'
    alpha = clients.client(endpoint, clients.new_project())
    beta = clients.client(endpoint, clients.new_project())
    url = alpha.create_queue(QueueName='private')['QueueUrl']
    alpha.send_message(QueueUrl=url, MessageBody='secret')
    assert 'QueueUrls' not in beta.list_queues()
    assert _error_of(beta.get_queue_url, QueueName='private') == (
        'AWS.SimpleQueueService.NonExistentQueue', 400)
    for call, kwargs in ((beta.receive_message, {}),
                         (beta.send_message, {'MessageBody': 'x'}),
                         (beta.delete_queue, {}),
                         (beta.purge_queue, {})):
        assert _error_of(call, QueueUrl=url, **kwargs) == (
            'AccessDenied', 403)
    got = alpha.receive_message(QueueUrl=url)
    assert [m['Body'] for m in got['Messages']] == ['secret']


def test_what_is_not_the_json_protocol_is_a_clear_4xx(swiftq_sqs,
                                                      sqs_swiftq_server):
    url = sqs_swiftq_server.base_url + '/sqs/'
    swiftq_sqs.list_queues()             # the endpoint answers SQS clients
    query = requests.post(url, data='Action=ListQueues', timeout=30,
                          headers={'Content-Type':
                                   'application/x-www-form-urlencoded'})
    get = requests.get(url, timeout=30)
    for answer, status in ((query, 403), (get, 405)):
        assert answer.status_code == status
        assert answer.headers['Content-Type'] == \
            'application/x-amz-json-1.0'
        assert json.loads(answer.text)['message']


def test_refused_and_unknown_actions(swiftq_sqs):
    assert _error_of(swiftq_sqs.add_permission, QueueUrl='x', Label='l',
                     AWSAccountIds=['1'], Actions=['SendMessage']) == (
        'AWS.SimpleQueueService.UnsupportedOperation', 400)
    assert _error_of(swiftq_sqs.list_dead_letter_source_queues,
                     QueueUrl='x') == (
        'AWS.SimpleQueueService.UnsupportedOperation', 400)


def test_a_message_sent_over_sqs_is_claimed_over_zaqar(swiftq_sqs,
                                                       sqs_swiftq_server):
    project = swiftq_sqs._request_signer._credentials.access_key
    url = swiftq_sqs.create_queue(QueueName='both')['QueueUrl']
    swiftq_sqs.send_message(QueueUrl=url, MessageBody='from boto3')
    zaqar = server_lib.ApiClient(sqs_swiftq_server.base_url, project=project)
    claim = zaqar.post('/v2/queues/both/claims',
                       json={'ttl': 60, 'grace': 60})
    assert claim.status_code == 201, claim.text
    [message] = claim.json()['messages']
    assert message['body'] == 'from boto3'
    deleted = zaqar.delete(message['href'])
    assert deleted.status_code == 204
    assert 'Messages' not in swiftq_sqs.receive_message(QueueUrl=url)


def test_a_message_posted_over_zaqar_is_received_over_sqs(swiftq_sqs,
                                                          sqs_swiftq_server):
    project = swiftq_sqs._request_signer._credentials.access_key
    zaqar = server_lib.ApiClient(sqs_swiftq_server.base_url, project=project)
    posted = zaqar.post('/v2/queues/zq/messages', json={'messages': [
        {'ttl': 300, 'body': {'event': 'created', 'id': 7}},
        {'ttl': 300, 'body': 'plain text'}]})
    assert posted.status_code == 201, posted.text
    url = swiftq_sqs.get_queue_url(QueueName='zq')['QueueUrl']
    got = swiftq_sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                     VisibilityTimeout=60)
    bodies = sorted(m['Body'] for m in got['Messages'])
    assert bodies == ['plain text', '{"event":"created","id":7}']
    # Received over SQS = claimed over Zaqar: not claimable, then deleted.
    claim = zaqar.post('/v2/queues/zq/claims', json={'ttl': 60, 'grace': 60})
    assert claim.status_code == 204
    swiftq_sqs.delete_message_batch(QueueUrl=url, Entries=[
        {'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']}
        for i, m in enumerate(got['Messages'])])
    listed = zaqar.get('/v2/queues/zq/messages?include_claimed=true')
    assert listed.status_code in (200, 204)
    assert listed.status_code == 204 or not listed.json()['messages']
    stats = zaqar.get('/v2/queues/zq/stats').json()['messages']
    assert stats['total'] == 0, stats


#: Signed requests whose parameters are ill-formed: each is a clear 4xx.
MALFORMED = [
    ('CreateQueue', b'[]'),
    ('CreateQueue', b'{"QueueName": 5}'),
    ('CreateQueue', b'{"QueueName": "q", "Attributes": ["x"]}'),
    ('CreateQueue', b'{"QueueName": "q", "Attributes": {"DelaySeconds": 5}}'),
    ('CreateQueue', b'{"QueueName": "q", "Attributes": '
                    b'{"DelaySeconds": "x"}}'),
    ('CreateQueue', b'{"QueueName": "q", "Attributes": {"RedrivePolicy": '
                    b'"{\\"maxReceiveCount\\": \\"x\\", '
                    b'\\"deadLetterTargetArn\\": 3}"}}'),
    ('CreateQueue', b'not json'),
    ('CreateQueue', b'{"QueueName": "\\ud800"}'),
    ('ListQueues', b'{"MaxResults": "many"}'),
    ('ListQueues', b'{"NextToken": "%%%"}'),
    ('GetQueueUrl', b'{}'),
    ('SendMessage', b'{"QueueUrl": "q", "MessageBody": {"a": 1}}'),
    ('SendMessage', b'{"QueueUrl": "http://", "MessageBody": "x"}'),
    ('SendMessage', b'{"QueueUrl": "q", "MessageBody": "x", '
                    b'"DelaySeconds": 1.5}'),
    ('SendMessageBatch', b'{"QueueUrl": "q", "Entries": {"Id": "a"}}'),
    ('SendMessageBatch', b'{"QueueUrl": "q", "Entries": [{"Id": 1}]}'),
    ('SendMessageBatch', b'{"QueueUrl": "q", "Entries": ["x"]}'),
    ('ReceiveMessage', b'{"QueueUrl": "q", "WaitTimeSeconds": true}'),
    ('ReceiveMessage', b'{"QueueUrl": "q", "AttributeNames": "All"}'),
    ('DeleteMessage', b'{"QueueUrl": "q", "ReceiptHandle": "\\ud800.x"}'),
    ('DeleteMessage', b'{"QueueUrl": "q", "ReceiptHandle": ["x"]}'),
    ('DeleteMessageBatch', b'{"QueueUrl": "q", "Entries": [{"Id": "a"}]}'),
    ('ChangeMessageVisibility', b'{"QueueUrl": "q", "ReceiptHandle": "x"}'),
    ('ChangeMessageVisibilityBatch', b'{"QueueUrl": "q", "Entries": '
                                     b'[{"Id": "a", "ReceiptHandle": 7, '
                                     b'"VisibilityTimeout": 1}]}'),
    ('TagQueue', b'{"QueueUrl": "q", "Tags": {"k": 1}}'),
    ('UntagQueue', b'{"QueueUrl": "q", "TagKeys": "k"}'),
    ('NoSuchAction', b'{}'),
]


def test_ill_formed_parameters_are_a_clear_4xx(sqs_swiftq_server):
    endpoint = sqs_swiftq_server.base_url + '/sqs'
    project = clients.new_project()
    clients.client(endpoint, project).create_queue(QueueName='q')
    for target, body in MALFORMED:
        status, headers, text = clients.signed_post(endpoint, project,
                                                    target, body)
        assert 400 <= status < 500, (target, body, status, text)
        assert json.loads(text)['message'], (target, body, text)
        assert headers['x-amzn-query-error'].endswith(';Sender')
    # A prefix no queue name can start with lists nothing.
    assert clients.signed_post(endpoint, project, 'ListQueues',
                               b'{"QueueNamePrefix": "\\ud800x"}')[::2] == (
        200, '{}')
