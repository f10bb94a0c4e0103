"""Trust subscribers (``trust+http://``, ``trust+https://``): webhooks
that carry a Keystone token, as Zaqar's trust task
(zaqar/notification/tasks/trust.py).

For each POST the notifier takes a token of swiftq's trustee scoped to
the subscription's ``options.trust_id`` (:class:`swiftq.auth.trusts.
Trustee`, which keeps it until shortly before it expires) and sends it as
``X-Auth-Token`` to the subscriber without its ``trust+`` prefix; body,
``post_headers`` and outcomes are the webhook's
(:mod:`swiftq.notification.webhook`), so ``post_headers`` may override the
token as in Zaqar. With impersonation the token acts as the trustor in
the trustor's project: the subscriber (Mistral, say) can call other
services as that user.

Outcomes beside the webhook's: no ``trust_id``, or a trust Keystone
refuses (deleted, expired), is a refusal, not retried; Keystone out of
reach (or the trustee not configured, or refused) is retried per the
retry policy. A subscriber answering 401 gets a fresh token next time.
"""

import logging

from swiftq.auth import trusts
from swiftq.notification.outcome import Attempt
from swiftq.notification.outcome import Outcome

LOG = logging.getLogger(__name__)

PREFIX = 'trust+'


class TrustTask:
    """Deliveries to ``trust+`` subscribers through ``web`` (a
    :class:`~swiftq.notification.webhook.WebhookTask`) with tokens of
    ``trustee``."""

    def __init__(self, web, trustee):
        self._web = web
        self._trustee = trustee

    def send(self, subscription, message, message_id=None):
        trust_id = subscription.options.get('trust_id')
        if not isinstance(trust_id, str) or not trust_id:
            return Attempt(Outcome.REJECTED, 'no options.trust_id')
        try:
            token = self._trustee.token(trust_id)
        except trusts.TrustRefused as exc:
            return Attempt(Outcome.REJECTED, str(exc))
        except trusts.TrustUnavailable as exc:
            LOG.error('%s', exc)
            return Attempt(Outcome.RETRY, str(exc))
        attempt = self._web.send(
            subscription, message, message_id,
            url=_without_prefix(subscription.subscriber),
            base_headers={'X-Auth-Token': token})
        if attempt.detail == 'HTTP 401':
            self._trustee.forget(trust_id)
        return attempt


def _without_prefix(subscriber):
    if subscriber[:len(PREFIX)].lower() == PREFIX:
        return subscriber[len(PREFIX):]
    return subscriber
