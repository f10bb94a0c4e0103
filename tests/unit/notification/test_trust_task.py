"""What the trust task does with the trustee's verdicts, against a local
HTTP receiver (the trustee here is a stand-in that hands out tokens or
raises as Keystone would make :class:`swiftq.auth.trusts.Trustee` raise;
the task against the real Keystone is
tests/keystone/test_trust_subscriptions.py)."""

import types

import pytest

from swiftq.auth import trusts
from swiftq.notification import trust
from swiftq.notification import webhook
from swiftq.notification.outcome import Outcome
from tests.functional.receivers import HttpReceiver

MESSAGE = {'body': {'event': 'x'}, 'ttl': 60, 'queue_name': 'q1',
           'Message_Type': 'Notification'}


class StandInTrustee:

    def __init__(self, verdict='token-1'):
        self.verdict = verdict
        self.asked = []
        self.forgotten = []

    def token(self, trust_id):
        self.asked.append(trust_id)
        if isinstance(self.verdict, Exception):
            raise self.verdict
        return self.verdict

    def forget(self, trust_id):
        self.forgotten.append(trust_id)


def subscription(subscriber, options):
    return types.SimpleNamespace(subscriber=subscriber, queue='q1',
                                 options=options)


@pytest.fixture
def receiver():
    with HttpReceiver() as r:
        yield r


def task_with(trustee):
    return trust.TrustTask(webhook.WebhookTask(5), trustee)


def test_posts_to_the_subscriber_without_prefix_with_the_token(receiver):
    trustee = StandInTrustee('token-1')
    sub = subscription('trust+' + receiver.endpoint('hook'), {
        'trust_id': 't1', 'post_headers': {'X-Tag': 'a'}})
    attempt = task_with(trustee).send(sub, dict(MESSAGE), 'm1')
    assert attempt.outcome is Outcome.DELIVERED, attempt
    assert trustee.asked == ['t1']
    (got,) = receiver.delivered('hook')
    headers = {k.lower(): v for k, v in got.headers.items()}
    assert headers['x-auth-token'] == 'token-1'
    assert headers['x-tag'] == 'a'
    assert headers['x-swiftq-message-id'] == 'm1'
    assert got.json == MESSAGE


def test_post_headers_may_override_the_token_as_in_zaqar(receiver):
    sub = subscription('trust+' + receiver.endpoint('hook'), {
        'trust_id': 't1', 'post_headers': {'X-Auth-Token': 'mine'}})
    task_with(StandInTrustee()).send(sub, dict(MESSAGE))
    (got,) = receiver.delivered('hook')
    assert {k.lower(): v for k, v in got.headers.items()}[
        'x-auth-token'] == 'mine'


@pytest.mark.parametrize('options', [{}, {'trust_id': None},
                                     {'trust_id': ''}])
def test_no_trust_id_is_a_refusal(receiver, options):
    sub = subscription('trust+' + receiver.endpoint('hook'), options)
    attempt = task_with(StandInTrustee()).send(sub, dict(MESSAGE))
    assert attempt.outcome is Outcome.REJECTED
    assert receiver.tried('hook') == []


def test_refused_trust_is_not_retried_unreachable_keystone_is(receiver):
    sub = subscription('trust+' + receiver.endpoint('hook'),
                       {'trust_id': 't1'})
    refused = task_with(StandInTrustee(trusts.TrustRefused('gone')))
    assert refused.send(sub, dict(MESSAGE)).outcome is Outcome.REJECTED
    down = task_with(StandInTrustee(trusts.TrustUnavailable('down')))
    assert down.send(sub, dict(MESSAGE)).outcome is Outcome.RETRY
    assert receiver.tried('hook') == []


def test_a_401_from_the_subscriber_drops_the_cached_token(receiver):
    trustee = StandInTrustee()
    receiver.check = lambda headers: 401
    sub = subscription('trust+' + receiver.endpoint('hook'),
                       {'trust_id': 't1'})
    attempt = task_with(trustee).send(sub, dict(MESSAGE))
    assert attempt.outcome is Outcome.REJECTED
    assert trustee.forgotten == ['t1']
