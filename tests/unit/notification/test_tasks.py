"""What the webhook and mailto tasks make of a message (no network: the
third_part mail goes to a real command writing a file)."""

import email
import json
import shlex
import types

from swiftq.conf import new_conf
from swiftq.notification import mailto
from swiftq.notification import webhook
from swiftq.notification.outcome import Outcome


def subscription(subscriber, options=None, queue='q1'):
    return types.SimpleNamespace(subscriber=subscriber, queue=queue,
                                 options=options or {})


MESSAGE = {'body': {'event': 'x'}, 'ttl': 60, 'queue_name': 'q1',
           'Message_Type': 'Notification'}


def test_webhook_post_data_and_headers():
    options = {'post_data': '{"foo": "bar", "m": "$zaqar_message$"}',
               'post_headers': {'X-Token': 'abc'}}
    body = json.loads(webhook.render(options, MESSAGE))
    assert body == {'foo': 'bar', 'm': MESSAGE}
    headers = webhook.headers_for(options, 'id1')
    assert headers == {'Content-Type': 'application/json',
                       'X-Swiftq-Message-Id': 'id1', 'X-Token': 'abc'}
    assert json.loads(webhook.render({}, MESSAGE)) == MESSAGE


def test_webhook_statuses():
    assert webhook.classify(204) is Outcome.DELIVERED
    assert webhook.classify(302) is Outcome.DELIVERED
    assert webhook.classify(503) is Outcome.RETRY
    assert webhook.classify(429) is Outcome.RETRY
    assert webhook.classify(404) is Outcome.REJECTED


def test_mailto_notification_with_sendmail_command(tmp_path):
    out = tmp_path / 'mail.txt'
    conf = new_conf(overrides={
        ('notification', 'smtp_command'):
            'sh -c %s' % shlex.quote('cat > %s' % out)})
    task = mailto.MailtoTask(conf.notification, timeout=10)
    sub = subscription('mailto:bob@example.com?Subject=Hi',
                       {'from': 'me@example.com'})
    attempt = task.send(sub, dict(MESSAGE))
    assert attempt.outcome is Outcome.DELIVERED, attempt
    mail = email.message_from_bytes(out.read_bytes())
    assert mail['To'] == 'bob@example.com'
    assert mail['From'] == 'me@example.com'
    assert mail['Subject'] == 'Hi'
    assert json.loads(mail.get_payload()) == MESSAGE


def test_mailto_failing_command_is_retried():
    conf = new_conf(overrides={('notification', 'smtp_command'): 'false'})
    task = mailto.MailtoTask(conf.notification, timeout=10)
    attempt = task.send(subscription('mailto:bob@example.com'),
                        dict(MESSAGE))
    assert attempt.outcome is Outcome.RETRY


def test_mailto_confirmation_links_to_the_external_page():
    conf = new_conf(overrides={
        ('notification', 'external_confirmation_url'):
            'https://example.com/confirm'})
    task = mailto.MailtoTask(conf.notification, timeout=10)
    request = {'Message_Type': 'SubscriptionConfirmation',
               'URL-Signature': 'sig', 'URL-Methods': 'PUT',
               'URL-Paths': '/v2/queues/q1/subscriptions/s/confirm',
               'X-Project-ID': 'p1', 'URL-Expires': '2030-01-01T00:00:00',
               'WSGISubscribeURL': 'http://api/v2/queues/q1/subscriptions/'
                                   's/confirm'}
    mail = task.compose(subscription('mailto:bob@example.com'), request)
    text = mail.get_payload()
    assert 'queue: q1' in text and 'project: p1' in text
    assert ('https://example.com/confirm?Signature=sig&Methods=PUT&Paths='
            '%2Fv2%2Fqueues%2Fq1%2Fsubscriptions%2Fs%2Fconfirm&Project=p1'
            in text)
    assert mail['Subject'] == 'Zaqar Notification - Subscription ' \
        'Confirmation'
    # Without the page, no confirmation mail can be made.
    bare = mailto.MailtoTask(new_conf().notification, timeout=10)
    attempt = bare.compose(subscription('mailto:bob@example.com'), request)
    assert attempt.outcome is Outcome.REJECTED
