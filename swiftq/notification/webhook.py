"""Webhook subscribers (``http://`` and ``https://``): one POST per
message, as Zaqar's webhook task (zaqar/notification/tasks/webhook.py).

* Body: the message as JSON; with the subscription option ``post_data``
  (a string), that string with ``"$zaqar_message$"`` replaced by the
  message's JSON.
* Headers: ``Content-Type: application/json``, then the subscription
  option ``post_headers`` (a mapping) on top; swiftq adds
  ``X-Swiftq-Message-Id`` to notifications (deliveries may repeat).
* Outcome: 2xx and 3xx deliver (redirects are not followed); connection
  errors, timeouts, 5xx, 408 and 429 are retried per the retry policy;
  any other 4xx is a refusal and not retried. Zaqar's code retries only on
  connection errors (its check of the first response never matches), but
  its documentation promises retries of failed deliveries; swiftq retries
  server errors too.
"""

import json

import urllib3

from swiftq.notification.outcome import Attempt
from swiftq.notification.outcome import Outcome

MESSAGE_ID_HEADER = 'X-Swiftq-Message-Id'
MESSAGE_PLACEHOLDER = '"$zaqar_message$"'
RETRIED_CLIENT_ERRORS = frozenset([408, 429])


def render(options, message):
    """The request body for ``message`` under the subscription's
    options."""
    encoded = json.dumps(message)
    template = options.get('post_data')
    if isinstance(template, (dict, list)):
        template = json.dumps(template)
    if isinstance(template, str):
        return template.replace(MESSAGE_PLACEHOLDER, encoded)
    return encoded


def headers_for(options, message_id=None, base=None):
    headers = {'Content-Type': 'application/json'}
    headers.update(base or {})
    if message_id:
        headers[MESSAGE_ID_HEADER] = message_id
    extra = options.get('post_headers')
    if isinstance(extra, dict):
        headers.update({str(k): str(v) for k, v in extra.items()})
    return headers


def classify(status):
    if status < 400:
        return Outcome.DELIVERED
    if status >= 500 or status in RETRIED_CLIENT_ERRORS:
        return Outcome.RETRY
    return Outcome.REJECTED


class WebhookTask:

    def __init__(self, timeout, pool_size=10):
        self._timeout = urllib3.Timeout(total=timeout)
        self._pool = urllib3.PoolManager(num_pools=100, maxsize=pool_size,
                                         block=False, retries=False)

    def send(self, subscription, message, message_id=None, url=None,
             base_headers=None):
        """POST ``message`` to ``url`` (default: the subscriber) with
        ``base_headers`` under the subscription's ``post_headers``."""
        options = subscription.options
        try:
            resp = self._pool.request(
                'POST', url or subscription.subscriber,
                body=render(options, message).encode('utf-8'),
                headers=headers_for(options, message_id, base_headers),
                timeout=self._timeout, retries=False, redirect=False,
                preload_content=True)
        except urllib3.exceptions.LocationValueError as exc:
            return Attempt(Outcome.REJECTED, 'unusable URL: %s' % exc)
        except urllib3.exceptions.HTTPError as exc:
            return Attempt(Outcome.RETRY, '%s' % exc)
        return Attempt(classify(resp.status), 'HTTP %d' % resp.status)
