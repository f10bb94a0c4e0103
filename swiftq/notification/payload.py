"""The notifications of one segment, shaped as Zaqar's notifier shapes
them: each posted message as the storage received it (``body``, ``ttl``,
and ``delay`` when there is one) plus ``queue_name`` and
``Message_Type: Notification`` (zaqar/notification/notifier.py and its
tasks). Zaqar sends no message id; swiftq passes it beside the payload
(the webhook's ``X-Swiftq-Message-Id`` header), for receivers that
de-duplicate: delivery is at least once.
"""

from swiftq.storage import naming

NOTIFICATION = 'Notification'
SUBSCRIPTION_CONFIRMATION = 'SubscriptionConfirmation'
UNSUBSCRIBE_CONFIRMATION = 'UnsubscribeConfirmation'


def notification(queue, segment, body):
    """The payload of one message: ``{body, ttl, [delay,] queue_name,
    Message_Type}``."""
    message = {'body': body, 'ttl': segment.ttl}
    if segment.delay:
        message['delay'] = segment.delay
    message['queue_name'] = queue
    message['Message_Type'] = NOTIFICATION
    return message


def message_ids(segment):
    return [naming.message_id(segment.key, i) for i in range(segment.count)]
