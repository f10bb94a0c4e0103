"""``mailto:`` subscribers: one mail per message, as Zaqar's mailto task
(zaqar/notification/tasks/mailto.py).

* Notification: the message as JSON in a text/plain body, ``From`` the
  subscription option ``from``, ``Subject`` the ``subject`` of the
  mailto URI's query or else the option ``subject``; ``To`` the URI's
  address.
* Confirmation requests: ``[notification]
  subscription_confirmation_email_template`` (or the unsubscribe one),
  whose body gets the queue name, the project and a link to
  ``external_confirmation_url`` carrying the signed confirmation
  parameters in its query (``Signature``, ``Methods``, ``Paths``,
  ``Project``, ``Expires``, ``Url``, ``Queue``, URL-encoded).

Sent with ``smtp_command`` (``smtp_mode = third_part``, the mail on its
standard input, as sendmail) or over SMTP to ``smtp_host`` (``self_local``,
protected as ``smtp_security`` says, logging in when ``smtp_user_name``
is set). An SMTP 5xx answer to the sender or recipient is a refusal; any
other failure is retried per the retry policy.
"""

import email.mime.text
import json
import shlex
import smtplib
import ssl
import subprocess
import urllib.parse

from swiftq.notification import payload
from swiftq.notification.outcome import Attempt
from swiftq.notification.outcome import Outcome


def _address_and_params(subscriber):
    parsed = urllib.parse.urlparse(subscriber)
    params = urllib.parse.parse_qs(parsed.query)
    return parsed.path, {k.lower(): v[0] for k, v in params.items() if v}


def confirmation_link(base_url, message, queue):
    """Zaqar's confirmation link: ``base_url`` with the signed
    parameters of a confirmation request in its query."""
    query = urllib.parse.urlencode([
        ('Signature', message.get('URL-Signature', '')),
        ('Methods', message.get('URL-Methods', '')),
        ('Paths', message.get('URL-Paths', '')),
        ('Project', message.get('X-Project-ID', '')),
        ('Expires', message.get('URL-Expires', '')),
        ('Url', message.get('WSGISubscribeURL', '')),
        ('Queue', queue),
    ])
    return base_url + ('&' if '?' in base_url else '?') + query


class MailtoTask:

    def __init__(self, conf_notification, timeout):
        self._conf = conf_notification
        self._timeout = timeout

    def compose(self, subscription, message):
        """The mail for ``message``, or an Attempt saying why none can be
        made."""
        address, params = _address_and_params(subscription.subscriber)
        kind = message.get('Message_Type')
        if kind in (payload.SUBSCRIPTION_CONFIRMATION,
                    payload.UNSUBSCRIBE_CONFIRMATION):
            if kind == payload.SUBSCRIPTION_CONFIRMATION:
                template = self._conf.subscription_confirmation_email_template
            else:
                template = self._conf.unsubscribe_confirmation_email_template
            base_url = self._conf.external_confirmation_url
            if not base_url:
                return Attempt(Outcome.REJECTED,
                               'no [notification] external_confirmation_url'
                               ' to make the confirmation mail with')
            link = confirmation_link(base_url, message, subscription.queue)
            body = (template.get('body') or '').format(
                subscription.queue, message.get('X-Project-ID', ''), link)
            mail = email.mime.text.MIMEText(body)
            mail['From'] = template.get('sender', '')
            mail['Subject'] = template.get('topic', '')
        else:
            mail = email.mime.text.MIMEText(json.dumps(message))
            mail['From'] = str(subscription.options.get('from', ''))
            mail['Subject'] = params.get(
                'subject', str(subscription.options.get('subject', '')))
        mail['To'] = address
        return mail

    def send(self, subscription, message, message_id=None):
        mail = self.compose(subscription, message)
        if isinstance(mail, Attempt):
            return mail
        if self._conf.smtp_mode == 'third_part':
            return self._pipe(mail)
        return self._smtp(mail)

    def _pipe(self, mail):
        command = shlex.split(self._conf.smtp_command or '')
        if not command:
            return Attempt(Outcome.RETRY, 'smtp_command is empty')
        try:
            done = subprocess.run(command, input=mail.as_bytes(),
                                  capture_output=True,
                                  timeout=self._timeout)
        except (OSError, subprocess.SubprocessError) as exc:
            return Attempt(Outcome.RETRY, '%s: %s' % (command[0], exc))
        if done.returncode != 0:
            return Attempt(Outcome.RETRY, '%s exited with %d: %s' % (
                command[0], done.returncode,
                done.stderr.decode('utf-8', 'replace')[-200:]))
        return Attempt(Outcome.DELIVERED, command[0])

    def _smtp(self, mail):
        conf = self._conf
        if not conf.smtp_host:
            return Attempt(Outcome.RETRY, 'smtp_host is not set')
        context = ssl.create_default_context()
        try:
            if conf.smtp_security == 'ssl':
                client = smtplib.SMTP_SSL(conf.smtp_host, conf.smtp_port or 0,
                                          timeout=self._timeout,
                                          context=context)
            else:
                client = smtplib.SMTP(conf.smtp_host, conf.smtp_port or 0,
                                      timeout=self._timeout)
            with client:
                client.ehlo()
                if conf.smtp_security == 'starttls':
                    client.starttls(context=context)
                    client.ehlo()
                if conf.smtp_user_name:
                    client.login(conf.smtp_user_name,
                                 conf.smtp_user_password or '')
                client.sendmail(mail['From'] or '', [mail['To']],
                                mail.as_string())
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            outcome = Outcome.REJECTED if codes and all(
                500 <= c < 600 for c in codes) else Outcome.RETRY
            return Attempt(outcome, 'recipient refused: %s' % exc.recipients)
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
            outcome = Outcome.REJECTED if 500 <= exc.smtp_code < 600 \
                else Outcome.RETRY
            return Attempt(outcome, 'SMTP %s %r' % (exc.smtp_code,
                                                    exc.smtp_error))
        except (smtplib.SMTPException, OSError) as exc:
            return Attempt(Outcome.RETRY, 'SMTP: %s' % exc)
        return Attempt(Outcome.DELIVERED, 'SMTP %s' % conf.smtp_host)
