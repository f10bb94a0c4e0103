"""The confirmation request the notifier sends carries a URL the API
accepts: signed with :mod:`swiftq.auth.signing`, the API's own scheme,
for PUT on the subscription's confirm path only."""

import datetime
import types

import pytest

from swiftq.auth import signing
from swiftq.conf import new_conf
from swiftq.notification import confirmation

NOW = datetime.datetime(2030, 1, 1, 12, 0, 0)
EXPIRES = datetime.datetime(2030, 1, 2, tzinfo=datetime.timezone.utc)
CONFIRM = '/v2/queues/q1/subscriptions/s1/confirm'


def make_request(key='k', container='swiftq:p1:q1'):
    conf = new_conf(overrides={('signed_url', 'secret_key'): key})
    sub = types.SimpleNamespace(id='s1', queue='q1', project='p1',
                                container=container,
                                expires=EXPIRES.timestamp())
    return confirmation.request(conf, sub, now=NOW)


def presented(message):
    """The signed values a subscriber sends back, read from the message."""
    return {'signature': message['URL-Signature'],
            'expires': message['URL-Expires'],
            'methods': message['URL-Methods'].split(','),
            'paths': message['URL-Paths'].split(','),
            'project': message['X-Project-ID']}


def test_message_is_zaqars():
    message = make_request()
    assert list(message) == [
        'Message_Type', 'Message', 'URL-Signature', 'URL-Methods',
        'URL-Paths', 'X-Project-ID', 'URL-Expires', 'SubscribeBody',
        'UnsubscribeBody', 'queue_name']
    assert message['URL-Methods'] == 'PUT'
    assert message['URL-Paths'] == CONFIRM
    assert message['URL-Expires'] == '2030-01-02T00:00:00'
    assert message['URL-Signature'] == signing.signature(
        'k', [CONFIRM], ['PUT'], 'p1', '2030-01-02T00:00:00')


def test_signed_for_put_on_the_confirm_path_only():
    signed = presented(make_request())
    signing.check('k', signed, 'PUT', CONFIRM, now=NOW)
    with pytest.raises(signing.NotCovered):
        signing.check('k', signed, 'GET', CONFIRM, now=NOW)
    with pytest.raises(signing.NotCovered):
        signing.check('k', signed, 'PUT', '/v2/queues/q1/messages', now=NOW)
    with pytest.raises(signing.InvalidSignature):
        signing.check('other key', signed, 'PUT', CONFIRM, now=NOW)
    with pytest.raises(signing.InvalidSignature):
        signing.check('k', signed, 'PUT', CONFIRM,
                      now=EXPIRES.replace(tzinfo=None))


def test_a_topic_subscription_is_confirmed_under_topics():
    message = make_request(container='swiftq-topics:p1:q1')
    path = '/v2/topics/q1/subscriptions/s1/confirm'
    assert message['URL-Paths'] == path
    signing.check('k', presented(message), 'PUT', path, now=NOW)
    with pytest.raises(signing.NotCovered):
        signing.check('k', presented(message), 'PUT', CONFIRM, now=NOW)


def test_no_key_no_request():
    assert make_request(key=None) is None
