"""swiftq.auth.sigv4 against botocore's own signer: what boto3 signs
verifies, and any change to what was signed does not."""

import datetime

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest

from swiftq.auth import sigv4

SECRET = 'swiftq-dev-secret'
BODY = b'{"QueueName": "jobs"}'


def _signed(secret=SECRET, body=BODY, access_key='project1',
            url='http://127.0.0.1:8888/sqs/', headers=None):
    """A request as botocore signs it, as swiftq's verifier sees it."""
    request = botocore.awsrequest.AWSRequest(
        method='POST', url=url, data=body, headers=dict({
            'Content-Type': 'application/x-amz-json-1.0',
            'X-Amz-Target': 'AmazonSQS.CreateQueue'}, **(headers or {})))
    botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(access_key, secret),
        'sqs', 'us-east-1').add_auth(request)
    prepared = request.prepare()
    received = {name.lower(): value for name, value
                in prepared.headers.items()}
    received['host'] = '127.0.0.1:8888'
    path, _, query = url.split('8888', 1)[1].partition('?')
    return sigv4.SignedRequest('POST', path, query, received, body)


def _secret_of(access_key):
    return SECRET if access_key.startswith('project') else None


def test_what_botocore_signs_verifies():
    credential = sigv4.verify(_signed(), _secret_of, 900)
    assert credential.access_key == 'project1'
    assert credential.region == 'us-east-1'
    assert credential.service == 'sqs'


def test_a_query_string_is_part_of_the_signature():
    request = _signed(url='http://127.0.0.1:8888/sqs/?b=2&a=1%2F')
    assert sigv4.verify(request, _secret_of, 900)
    tampered = sigv4.SignedRequest(request.method, request.path, 'a=1&b=2',
                                   request.headers, request.body)
    with pytest.raises(sigv4.SignatureError) as exc:
        sigv4.verify(tampered, _secret_of, 900)
    assert exc.value.code == 'SignatureDoesNotMatch'


@pytest.mark.parametrize('change, code', [
    (lambda r: r._replace_body(b'{"QueueName": "other"}'),
     'SignatureDoesNotMatch'),
    (lambda r: r._replace_header('x-amz-target', 'AmazonSQS.DeleteQueue'),
     'SignatureDoesNotMatch'),
    (lambda r: r._replace_header('host', 'evil:1'), 'SignatureDoesNotMatch'),
    (lambda r: r._replace_path('/other/'), 'SignatureDoesNotMatch'),
    (lambda r: r._replace_header('authorization', None),
     'MissingAuthenticationToken'),
    (lambda r: r._replace_header('authorization', 'AWS abc:def'),
     'IncompleteSignature'),
    (lambda r: r._replace_header('x-amz-content-sha256', 'UNSIGNED-PAYLOAD'),
     'SignatureDoesNotMatch'),
])
def test_a_changed_request_is_refused(change, code):
    request = change(_Editable(_signed())).request
    with pytest.raises(sigv4.SignatureError) as exc:
        sigv4.verify(request, _secret_of, 900)
    assert exc.value.code == code


def test_a_wrong_secret_is_refused():
    with pytest.raises(sigv4.SignatureError) as exc:
        sigv4.verify(_signed(secret='guessed'), _secret_of, 900)
    assert exc.value.code == 'SignatureDoesNotMatch'


def test_an_unknown_access_key_is_refused():
    with pytest.raises(sigv4.SignatureError) as exc:
        sigv4.verify(_signed(access_key='stranger'), _secret_of, 900)
    assert exc.value.code == 'InvalidClientTokenId'


def test_an_old_or_future_signature_is_refused():
    request = _signed()
    signed_at = datetime.datetime.strptime(
        request.headers['x-amz-date'], '%Y%m%dT%H%M%SZ').replace(
            tzinfo=datetime.timezone.utc).timestamp()
    assert sigv4.verify(request, _secret_of, 900, now=signed_at + 899)
    for now in (signed_at + 901, signed_at - 901):
        with pytest.raises(sigv4.SignatureError) as exc:
            sigv4.verify(request, _secret_of, 900, now=now)
        assert exc.value.code == 'RequestExpired'


def test_host_and_date_must_be_signed():
    request = _signed()
    authorization = request.headers['authorization'].replace(
        'SignedHeaders=', 'SignedHeaders=x;')
    authorization = authorization.replace(';host', '')
    edited = _Editable(request)._replace_header('authorization',
                                                authorization)
    with pytest.raises(sigv4.SignatureError) as exc:
        sigv4.verify(edited.request, _secret_of, 900)
    assert exc.value.code == 'IncompleteSignature'


class _Editable:
    def __init__(self, request):
        self.request = request

    def _replace(self, **changes):
        fields = dict(method=self.request.method, path=self.request.path,
                      query=self.request.query,
                      headers=dict(self.request.headers),
                      body=self.request.body)
        fields.update(changes)
        self.request = sigv4.SignedRequest(**fields)
        return self

    def _replace_body(self, body):
        return self._replace(body=body)

    def _replace_path(self, path):
        return self._replace(path=path)

    def _replace_header(self, name, value):
        headers = dict(self.request.headers)
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
        return self._replace(headers=headers)
