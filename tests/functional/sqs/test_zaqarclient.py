"""The same queue through boto3 (``/sqs``) and python-zaqarclient (the
Zaqar v2 API), both unchanged, on the real local Swift: what one sends
the other claims, receives and deletes."""

import pytest
from zaqarclient.queues import client as zaqar_client


@pytest.fixture
def zaqar(swiftq_sqs, sqs_swiftq_server):
    """python-zaqarclient (v2, noauth) in the project of ``swiftq_sqs``
    (its access key id)."""
    project = swiftq_sqs._request_signer._credentials.access_key
    return zaqar_client.Client(sqs_swiftq_server.base_url, version=2, conf={
        'auth_opts': {'backend': 'noauth',
                      'options': {'os_project_id': project}}})


def test_sent_with_boto3_claimed_with_zaqarclient(swiftq_sqs, zaqar):
    url = swiftq_sqs.create_queue(QueueName='to-zaqar')['QueueUrl']
    sent = swiftq_sqs.send_message_batch(QueueUrl=url, Entries=[
        {'Id': str(i), 'MessageBody': 'job %d' % i} for i in range(3)])
    assert len(sent['Successful']) == 3 and not sent.get('Failed')
    sent_ids = {s['MessageId'] for s in sent['Successful']}

    queue = zaqar.queue('to-zaqar', auto_create=False)
    assert queue.exists()
    claim = queue.claim(ttl=120, grace=60, limit=10)
    claimed = list(claim)
    assert sorted(m.body for m in claimed) == ['job 0', 'job 1', 'job 2']
    assert {m.id for m in claimed} == sent_ids
    stats = queue.stats['messages']
    assert (stats['total'], stats['claimed'], stats['free']) == (3, 3, 0)
    # Claimed over Zaqar = in flight over SQS: nothing to receive.
    assert 'Messages' not in swiftq_sqs.receive_message(QueueUrl=url)

    for message in claimed:
        message.delete()
    assert queue.stats['messages']['total'] == 0
    attributes = swiftq_sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=['ApproximateNumberOfMessages',
                                      'ApproximateNumberOfMessagesNotVisible'])
    assert attributes['Attributes'] == {
        'ApproximateNumberOfMessages': '0',
        'ApproximateNumberOfMessagesNotVisible': '0'}


def test_posted_with_zaqarclient_received_and_deleted_with_boto3(
        swiftq_sqs, zaqar):
    queue = zaqar.queue('from-zaqar', force_create=True)
    queue.post([{'body': {'event': 'created', 'id': 7}, 'ttl': 300},
                {'body': 'plain text', 'ttl': 300}])
    posted = {m.id: m.body for m in queue.messages(echo=True)}
    assert len(posted) == 2

    url = swiftq_sqs.get_queue_url(QueueName='from-zaqar')['QueueUrl']
    got = swiftq_sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                     VisibilityTimeout=60, WaitTimeSeconds=2)
    received = {m['MessageId']: m['Body'] for m in got['Messages']}
    assert received == {
        message_id: body if isinstance(body, str) else
        '{"event":"created","id":7}'
        for message_id, body in posted.items()}
    # Received over SQS = claimed over Zaqar: zaqarclient's claim is empty.
    assert list(queue.claim(ttl=60, grace=60)) == []
    assert queue.stats['messages']['claimed'] == 2

    for message in got['Messages']:
        swiftq_sqs.delete_message(QueueUrl=url,
                                  ReceiptHandle=message['ReceiptHandle'])
    assert queue.stats['messages']['total'] == 0
    assert list(queue.messages(echo=True, include_claimed=True)) == []
