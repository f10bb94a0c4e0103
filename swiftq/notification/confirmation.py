"""Confirmation requests: the one notification a new subscription gets
while ``[notification] require_confirmation`` is on, and the one sent when
a confirmed subscription is set unconfirmed again.

Zaqar sends them from its API process when the subscription is created or
unconfirmed (``send_confirm_notification`` in
zaqar/notification/notifier.py); swiftq's API keeps no state, so the
notifier sends them, once per subscription (the cursor's ``notice``). The
message is Zaqar's: a pre-signed URL (``[signed_url] secret_key``, the
API's own signature, :mod:`swiftq.auth.signing`) allowing ``PUT`` on
``/v2/queues/{queue}/subscriptions/{id}/confirm`` (a topic's:
``/v2/topics/...``) until the subscription expires::

    {"Message_Type": "SubscriptionConfirmation",
     "Message": "You have chosen to subscribe to the queue: <queue>",
     "URL-Signature": ..., "URL-Methods": "PUT", "URL-Paths": <path>,
     "X-Project-ID": <project>, "URL-Expires": "2030-01-01T00:00:00",
     "SubscribeBody": {"confirmed": true},
     "UnsubscribeBody": {"confirmed": false},
     "WSGISubscribeURL": <[notification] api_public_url + path>,
     "queue_name": <queue>}

The subscriber confirms by sending ``SubscribeBody`` with ``PUT`` to
``WSGISubscribeURL`` with the ``URL-*`` and ``X-Project-ID`` headers.
"""

import datetime
import logging

from swiftq.auth import signing
from swiftq.notification import payload
from swiftq.storage import naming

LOG = logging.getLogger(__name__)

API_VERSION = 'v2'


def confirm_path(queue, sub_id, kind=naming.QUEUES):
    """The confirm resource; a topic's subscription (``kind``
    ``naming.TOPICS``) is confirmed under ``/v2/topics``."""
    return '/%s/%s/%s/subscriptions/%s/confirm' % (API_VERSION, kind, queue,
                                                   sub_id)


def request(conf, subscription, unsubscribed=False, now=None):
    """The confirmation message for ``subscription``, or None when none
    can be made (no secret key, or the subscription has expired)."""
    key = conf.signed_url.secret_key
    if not key:
        LOG.error('cannot send the confirmation request of subscription %s:'
                  ' [signed_url] secret_key is not set', subscription.id)
        return None
    path = confirm_path(subscription.queue, subscription.id,
                        naming.kind_of_container(subscription.container))
    expires = datetime.datetime.fromtimestamp(
        int(subscription.expires), datetime.timezone.utc).replace(tzinfo=None)
    try:
        signed = signing.create(key, [path], subscription.project,
                                expires=expires.isoformat(),
                                methods=['PUT'], now=now)
    except signing.SigningError as exc:
        LOG.info('no confirmation request for subscription %s: %s',
                 subscription.id, exc)
        return None
    message = {}
    public_url = conf.notification.api_public_url
    if public_url:
        message['WSGISubscribeURL'] = public_url.rstrip('/') + path
    if unsubscribed:
        message['Message_Type'] = payload.UNSUBSCRIBE_CONFIRMATION
        message['Message'] = ('You have unsubscribed successfully to the '
                              'queue: %s, you can resubscribe it by using '
                              'confirmed=True.' % subscription.queue)
    else:
        message['Message_Type'] = payload.SUBSCRIPTION_CONFIRMATION
        message['Message'] = ('You have chosen to subscribe to the queue: %s'
                              % subscription.queue)
    message.update(signing.headers(signed))
    message.update({
        'SubscribeBody': {'confirmed': True},
        'UnsubscribeBody': {'confirmed': False},
        # Zaqar's webhook task adds it to whatever it sends.
        'queue_name': subscription.queue,
    })
    return message
