"""The HTTP side of ``trust+http(s)://`` subscriptions: when a trust is
made for a subscription, and how Keystone's verdicts are answered.
The Keystone side is :mod:`swiftq.auth.trusts`.

As Zaqar's ``TrustTask.register``: a ``trust+`` subscription posted
without ``options.trust_id`` gets a new trust from the caller's token,
and its id in ``options.trust_id``. A ``trust_id`` the client gives is
stored as given (the trust must name swiftq's trustee) and is never
deleted by swiftq; a trust swiftq made is deleted with its subscription,
also when the subscription goes with its queue (delete, purge).

Answers (Zaqar answers every failure here 503):

* Keystone refuses the caller (e.g. an application credential's token,
  which may not manage trusts): 403 with Zaqar's "Not authorized" body;
* no Keystone token to delegate from (``noauth``, a pre-signed URL):
  400, since the client can give ``options.trust_id`` instead;
* no trustee configured, or Keystone unreachable: 503 "Subscription could
  not be created.", the reason in the operator's log.
"""

import logging
import time
import urllib.parse

import flask

from swiftq.api import context
from swiftq.api import errors
from swiftq.auth import trusts

LOG = logging.getLogger(__name__)

TRUST_SCHEMES = ('trust+http', 'trust+https')
CREATE_FAILED = 'Subscription could not be created.'
NO_TOKEN = ('A trust+ subscriber needs a Keystone token to delegate from, '
            'or options.trust_id.')


def needs_trust(subscriber, options):
    """Whether a subscription posted with these must get a new trust."""
    scheme = urllib.parse.urlsplit(subscriber).scheme.lower()
    return scheme in TRUST_SCHEMES and 'trust_id' not in options


def delegate(ttl):
    """A new trust from the caller to swiftq's trustee, expiring in
    ``ttl`` seconds; its id. Raises the HTTP error to answer instead."""
    delegation = trusts.Delegation.from_environ(flask.request.environ)
    if delegation is None:
        raise errors.BadRequestAPI(NO_TOKEN)
    try:
        return context.service().trustee.create_trust(
            delegation, expires_at=time.time() + ttl)
    except trusts.TrustRefused as exc:
        LOG.info('trust subscription refused: %s', exc)
        raise errors.Forbidden('You are not authorized to complete this '
                               'action.') from exc
    except trusts.TrustUnavailable as exc:
        LOG.error('no trust made for a trust+ subscription: %s', exc)
        raise errors.ServiceUnavailable(CREATE_FAILED) from exc


def made_for_queue(project, queue):
    """The trusts swiftq made for the queue's live subscriptions, to read
    before the subscriptions go with the queue (queue ``DELETE``, a purge
    of subscriptions). Without a trustee no trust was made: nothing is
    read."""
    if not context.service().trustee.configured:
        return []
    docs = context.storage().subscriptions.list(project, queue, limit=None)
    return [doc['created_trust'] for doc in docs
            if doc.get('created_trust')]


def release(trust_id):
    """Delete a trust swiftq made (a failure is logged: the trust expires
    with its subscription anyway)."""
    try:
        context.service().trustee.delete_trust(trust_id)
    except trusts.TrustError as exc:
        LOG.warning('trust %s not deleted: %s', trust_id, exc)
