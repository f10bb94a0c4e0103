"""swiftq.auth.ec2 on its own: what it sends Keystone's /v3/ec2tokens and
how it reads the answers (the real Keystone: tests/keystone/
test_sqs_ec2.py). Keystone's side is a stand-in session here."""

import pytest

from swiftq import conf as swiftq_conf
from swiftq.auth import ec2
from swiftq.auth import sigv4
from tests.unit import test_sigv4


class _Answer:
    def __init__(self, status, body=None):
        self.status_code = status
        self._body = body

    def json(self):
        if self._body is None:
            raise ValueError('no JSON')
        return self._body


class _Keystone:
    def __init__(self, answer):
        self.answer = answer
        self.posts = []

    def post(self, url, json, raise_exc, timeout):
        self.posts.append((url, json))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _tokens(answer):
    conf = swiftq_conf.new_conf()
    tokens = ec2.Ec2Tokens(conf)
    tokens._url = lambda: 'http://keystone/v3/ec2tokens'
    tokens._session = _Keystone(answer)
    return tokens


def test_keystone_is_sent_the_signature_and_what_it_covers():
    tokens = _tokens(_Answer(200, {'token': {'project': {'id': 'p-alpha'}}}))
    request = test_sigv4._signed(access_key='AKIDEXAMPLE')
    assert tokens.project_of(request, 900) == 'p-alpha'
    [(url, body)] = tokens._session.posts
    sent = body['credentials']
    assert url == 'http://keystone/v3/ec2tokens'
    assert sent['access'] == 'AKIDEXAMPLE'
    assert sent['signature'] == sigv4.parse_authorization(
        request.headers['authorization']).signature
    assert (sent['verb'], sent['path'], sent['host']) == (
        'POST', '/sqs/', '127.0.0.1:8888')
    assert sent['headers']['Authorization'].startswith('AWS4-HMAC-SHA256')
    assert sent['headers']['X-Amz-Date'] == request.headers['x-amz-date']
    assert sent['body_hash'] == sigv4.preflight(request, 900)[1]


@pytest.mark.parametrize('answer, outcome', [
    (_Answer(401), 'SignatureDoesNotMatch'),
    (_Answer(403), 'SignatureDoesNotMatch'),
    (_Answer(404), 'InvalidClientTokenId'),
    (_Answer(200, {'token': {}}), 'InvalidClientTokenId'),
    (_Answer(500), ec2.KeystoneUnavailable),
    (OSError('connection refused'), ec2.KeystoneUnavailable),
])
def test_keystones_refusals_and_failures(answer, outcome):
    tokens = _tokens(answer)
    if isinstance(outcome, str):
        with pytest.raises(sigv4.SignatureError) as exc:
            tokens.project_of(test_sigv4._signed(), 900)
        assert exc.value.code == outcome
    else:
        with pytest.raises(outcome):
            tokens.project_of(test_sigv4._signed(), 900)


def test_what_fails_alone_never_reaches_keystone():
    tokens = _tokens(_Answer(200, {'token': {'project': {'id': 'p'}}}))
    request = test_sigv4._signed()
    tampered = sigv4.SignedRequest(request.method, request.path,
                                   request.query, dict(
                                       request.headers,
                                       **{'x-amz-content-sha256': '0'}),
                                   request.body)
    with pytest.raises(sigv4.SignatureError):
        tokens.project_of(tampered, 900)
    assert tokens._session.posts == []
