"""Delivery of queue messages to subscriptions (``swiftq-notifier``).

The options shared with Zaqar keep Zaqar's names, defaults and meaning, so
an operator's ``[notification]`` section of zaqar.conf carries over. The
others shape the notifier daemon, which has no Zaqar counterpart (Zaqar
notifies from inside its API process); see
doc/source/design/subscriptions.rst, section "Delivery".
"""

from oslo_config import cfg

# -- Zaqar's options ------------------------------------------------------

smtp_mode = cfg.StrOpt(
    'smtp_mode', default='third_part',
    choices=('third_part', 'self_local'),
    help='How mailto: subscribers are reached: "third_part" pipes the mail '
         'to smtp_command (sendmail), "self_local" speaks SMTP to '
         'smtp_host:smtp_port itself.')

smtp_host = cfg.HostAddressOpt(
    'smtp_host',
    help='SMTP server, when smtp_mode is self_local.')

smtp_port = cfg.PortOpt(
    'smtp_port',
    help='Port of the SMTP server, when smtp_mode is self_local '
         '(unset: 25).')

smtp_user_name = cfg.StrOpt(
    'smtp_user_name',
    help='User to log in to the SMTP server as, when smtp_mode is '
         'self_local (unset: no login).')

smtp_user_password = cfg.StrOpt(
    'smtp_user_password', secret=True,
    help='Password of smtp_user_name.')

smtp_command = cfg.StrOpt(
    'smtp_command', default='/usr/sbin/sendmail -t -oi',
    help='Command that sends a mail read from its standard input, when '
         'smtp_mode is third_part. The format is "command_name arg1 arg2".')

max_notifier_workers = cfg.IntOpt(
    'max_notifier_workers', default=10, min=1,
    help='Deliveries a notifier process makes at the same time (threads). '
         'The deliveries of one subscriber are made in order, one at a '
         'time; this bounds how many subscribers are served in parallel.')

require_confirmation = cfg.BoolOpt(
    'require_confirmation', default=False,
    help='Whether http/https/mailto subscriptions must be confirmed before '
         'they receive notifications. The notifier sends each new '
         'subscription one confirmation request.')

external_confirmation_url = cfg.StrOpt(
    'external_confirmation_url',
    help='Web page that confirms an email subscription: the confirmation '
         'mail links to it with the signed parameters in its query '
         '(Signature, Methods, Paths, Project, Expires, Url, Queue), as '
         'Zaqar. Required for mailto: subscriptions when '
         'require_confirmation is on (without it no confirmation mail can '
         'be made and the error is logged).')

subscription_confirmation_email_template = cfg.DictOpt(
    'subscription_confirmation_email_template',
    default={'topic': 'Zaqar Notification - Subscription Confirmation',
             'body': 'You have chosen to subscribe to the queue: {0}. This '
                     'queue belongs to project: {1}. To confirm this '
                     'subscription, click or visit this link below: {2}',
             'sender': 'Zaqar Notifications <no-reply@openstack.org>'},
    help='Topic, body and sender of the confirmation request mailed to a '
         'mailto: subscriber. In the body {0} is the queue name, {1} the '
         'project id and {2} the confirmation URL.')

unsubscribe_confirmation_email_template = cfg.DictOpt(
    'unsubscribe_confirmation_email_template',
    default={'topic': 'Zaqar Notification - Unsubscribe Confirmation',
             'body': 'You have unsubscribed successfully to the queue: {0}. '
                     'This queue belongs to project: {1}. To resubscribe '
                     'this subscription, click or visit this link below: '
                     '{2}',
             'sender': 'Zaqar Notifications <no-reply@openstack.org>'},
    help='Topic, body and sender of the mail sent to a mailto: subscriber '
         'whose subscription was set unconfirmed. In the body {0} is the '
         'queue name, {1} the project id and {2} the URL that confirms the '
         'subscription again.')

# -- swiftq's notifier daemon ---------------------------------------------

poll_interval = cfg.FloatOpt(
    'poll_interval', default=1.0, min=0.05,
    help='Seconds between two passes of the notifier over the queues that '
         'have subscriptions. Each pass costs one listing of the '
         'subscription index plus one segment listing per subscribed queue '
         'of this process\'s shard; a message is delivered on average '
         'poll_interval / 2 seconds after it was posted.')

processes = cfg.IntOpt(
    'processes', default=0, min=0,
    help='Number of swiftq-notifier daemons that share the queues, as '
         'Swift\'s object-expirer "processes": a queue belongs to daemon '
         'hash(queue container) % processes. 0 or 1: one daemon serves '
         'every queue. Two daemons serving the same shard only cause '
         'duplicate deliveries, never lost ones.')

process = cfg.IntOpt(
    'process', default=0, min=0,
    help='Which shard, 0 to processes - 1, this daemon serves.')

delivery_timeout = cfg.FloatOpt(
    'delivery_timeout', default=10.0, min=0.1,
    help='Seconds one webhook POST or SMTP conversation may take before '
         'the attempt counts as failed (and is retried per the '
         'subscription\'s _retry_policy).')

settle_window = cfg.FloatOpt(
    'settle_window', default=60.0, min=1.0,
    help='Age, in seconds, after which no more messages can appear in a '
         'queue\'s listing with an older key: at least the largest clock '
         'skew between API hosts plus the longest a message POST can take '
         '(Swift timeouts and retries) plus container-update delay. The '
         'notifier tracks messages younger than this one by one and older '
         'ones by a watermark. Too small a value can lose notifications, '
         'too large a value only costs a longer cursor object.')

api_public_url = cfg.URIOpt(
    'api_public_url',
    help='URL at which subscribers reach the swiftq API, for example '
         'http://controller:8888. Confirmation requests then carry '
         'WSGISubscribeURL, the URL to PUT {"confirmed": true} to (with '
         'the signature headers they carry), and mailto confirmation links '
         'pass it on as Url. Unset: WSGISubscribeURL is left out (Zaqar '
         'takes it from the Keystone catalog).')

smtp_security = cfg.StrOpt(
    'smtp_security', default='ssl', choices=('ssl', 'starttls', 'none'),
    help='How the SMTP conversation is protected when smtp_mode is '
         'self_local: "ssl" (TLS from the start, port 465 by default, as '
         'Zaqar), "starttls" (STARTTLS on port 25 by default) or "none" '
         '(plain SMTP, for a relay on the local host). The server\'s '
         'certificate is verified against the system\'s CAs.')

GROUP_NAME = 'notification'
ALL_OPTS = [smtp_mode, smtp_host, smtp_port, smtp_user_name,
            smtp_user_password, smtp_command, max_notifier_workers,
            require_confirmation, external_confirmation_url,
            subscription_confirmation_email_template,
            unsubscribe_confirmation_email_template,
            poll_interval, processes, process, delivery_timeout,
            settle_window, api_public_url, smtp_security]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
