"""The SQS endpoint with a real Keystone: requests signed with EC2
credentials (as ``openstack ec2 credentials create`` makes them) are
verified by Keystone's /v3/ec2tokens and reach their project's queues;
alpha's credentials cannot reach beta's queues; a wrong secret key or an
unknown access key is refused."""

import botocore.exceptions
import pytest
import requests

from tests.functional.sqs import clients


def _ec2_credentials(identity):
    """``(access, secret)`` of a new EC2 credential of the identity's user
    on its project."""
    token = identity.token
    answer = requests.post(
        '%s/users/%s/credentials/OS-EC2' % (identity.world.server.auth_url,
                                            identity.user_id),
        json={'tenant_id': identity.project_id},
        headers={'X-Auth-Token': token}, timeout=30)
    assert answer.status_code == 201, answer.text
    credential = answer.json()['credential']
    return credential['access'], credential['secret']


def _sqs(server, access, secret):
    return clients.client(server.base_url + '/sqs', access, secret)


def _error_of(call, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as exc:
        call(**kwargs)
    response = exc.value.response
    return (response['Error']['Code'],
            response['ResponseMetadata']['HTTPStatusCode'])


def test_ec2_credentials_reach_their_projects_queues(keystone_swiftq, alpha,
                                                     keystone_api):
    sqs = _sqs(keystone_swiftq, *_ec2_credentials(alpha))
    url = sqs.create_queue(QueueName='ec2-jobs')['QueueUrl']
    assert url.endswith('/sqs/%s/ec2-jobs' % alpha.project_id)
    sqs.send_message(QueueUrl=url, MessageBody='signed by keystone')
    # The same queue through the Zaqar API with alpha's token.
    zaqar = keystone_api(alpha)
    claim = zaqar.post('/v2/queues/ec2-jobs/claims',
                       json={'ttl': 60, 'grace': 60})
    assert claim.status_code == 201, claim.text
    assert [m['body'] for m in claim.json()['messages']] == [
        'signed by keystone']


def test_alphas_credentials_cannot_reach_betas_queues(keystone_swiftq, alpha,
                                                      beta):
    beta_sqs = _sqs(keystone_swiftq, *_ec2_credentials(beta))
    url = beta_sqs.create_queue(QueueName='ec2-private')['QueueUrl']
    beta_sqs.send_message(QueueUrl=url, MessageBody='beta only')
    alpha_sqs = _sqs(keystone_swiftq, *_ec2_credentials(alpha))
    assert url not in alpha_sqs.list_queues().get('QueueUrls', [])
    for call, kwargs in ((alpha_sqs.receive_message, {}),
                         (alpha_sqs.purge_queue, {}),
                         (alpha_sqs.delete_queue, {})):
        assert _error_of(call, QueueUrl=url, **kwargs) == (
            'AccessDenied', 403)
    got = beta_sqs.receive_message(QueueUrl=url)
    assert [m['Body'] for m in got['Messages']] == ['beta only']


def test_a_wrong_secret_or_unknown_access_key_is_refused(keystone_swiftq,
                                                         alpha):
    access, _ = _ec2_credentials(alpha)
    assert _error_of(_sqs(keystone_swiftq, access, 'wrong').list_queues) \
        == ('SignatureDoesNotMatch', 403)
    assert _error_of(_sqs(keystone_swiftq, 'no-such-key', 'x').list_queues) \
        == ('InvalidClientTokenId', 403)
