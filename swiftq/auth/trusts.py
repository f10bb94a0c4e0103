"""Keystone trusts of ``trust+http(s)://`` subscriptions, as Zaqar makes
and uses them (``zaqar/common/auth.py``,
``zaqar/notification/tasks/trust.py``).

* The API creates a trust when a ``trust+`` subscription arrives without
  ``options.trust_id``: the caller's token (:class:`Delegation`) asks
  Keystone for a trust from its user (trustor) to swiftq's trustee user
  (``[trustee]``, :mod:`swiftq.conf.trustee`) on the token's project with
  the token's roles, ``impersonation`` on, expiring with the subscription.
* The notifier authenticates as the trustee scoped to that trust: the
  token it gets acts as the trustor in the trustor's project, and is sent
  to the subscriber as ``X-Auth-Token``.
* When the subscription is deleted, the trust goes too. swiftq deletes it
  with a token scoped to the trust itself (with impersonation that token's
  user is the trustor, whom Keystone lets delete the trust), so it does
  not matter which member of the project deletes the subscription, nor
  how that caller authenticated.

Keystone's verdicts are told apart: :class:`TrustRefused` when Keystone
refuses the caller (401/403: the credentials cannot delegate, e.g. an
application credential's token), :class:`TrustUnavailable` for
everything that is the deployment's problem (Keystone unreachable, the
trustee not configured or refused).
"""

import logging
import threading
import time

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import loading as ks_loading
from keystoneauth1 import plugin as ks_plugin

from swiftq import auth
from swiftq.conf import trustee as trustee_conf

LOG = logging.getLogger(__name__)

TRUSTS_PATH = '/OS-TRUST/trusts'
#: Where trusts are: Keystone's v3 API at the trustee's ``auth_url``
#: (discovered when that URL has no version).
IDENTITY_V3 = {'interface': ks_plugin.AUTH_INTERFACE, 'version': (3, 0)}
#: Trust-scoped auth plugins kept (each caches its token); beyond, all go.
MAX_CACHED_TRUSTS = 1024


class TrustError(Exception):
    """A trust could not be created, used or deleted."""


class TrustRefused(TrustError):
    """Keystone refused the caller's credentials (or the trust): not the
    deployment's fault, and trying again will not help."""


class TrustUnavailable(TrustError):
    """Keystone is unreachable or the trustee cannot act (not configured,
    wrong credentials): the operator's log says which."""


class Delegation:
    """What a caller's Keystone token can delegate: ``token``,
    ``user_id``, ``project_id`` and ``role_names`` (Keystone's spelling,
    not lower-cased)."""

    __slots__ = ('token', 'user_id', 'project_id', 'role_names')

    def __init__(self, token, user_id, project_id, role_names):
        self.token = token
        self.user_id = user_id
        self.project_id = project_id
        self.role_names = list(role_names)

    @classmethod
    def from_environ(cls, environ):
        """The delegation of a request's confirmed user token
        (keystonemiddleware's ``keystone.token_auth``), or None when the
        request has none (noauth, a pre-signed URL)."""
        if auth.token_caller(environ) is None:
            return None
        user = environ['keystone.token_auth'].user
        if not user.auth_token or not user.project_id:
            return None
        return cls(user.auth_token, user.user_id, user.project_id,
                   user.role_names or ())


def _isotime(epoch):
    return time.strftime('%Y-%m-%dT%H:%M:%S.000000Z', time.gmtime(epoch))


class Trustee:
    """swiftq's trustee user, from ``[trustee]`` of ``conf``."""

    def __init__(self, conf):
        self._conf = conf
        self._problem = None
        try:
            self._auth = ks_loading.load_auth_from_conf_options(
                conf, trustee_conf.GROUP_NAME)
        except ks_exceptions.ClientException as exc:
            self._auth = None
            self._problem = '[%s] is unusable: %s' % (
                trustee_conf.GROUP_NAME, exc)
        self._session = ks_loading.load_session_from_conf_options(
            conf, trustee_conf.GROUP_NAME, auth=self._auth)
        self._user_id = None
        self._endpoint = None
        self._trust_auths = {}
        self._lock = threading.Lock()

    @property
    def configured(self):
        return self._auth is not None

    def _require_configured(self):
        if self._problem:
            raise TrustUnavailable(self._problem)
        if not self.configured:
            raise TrustUnavailable(
                'no trustee configured: set [%s] auth_type (password) and '
                'its options (auth_url, username, password, user_domain_id)'
                % trustee_conf.GROUP_NAME)

    def _as_trustee(self, what, call):
        """``call()`` as the trustee; a Keystone failure becomes
        TrustUnavailable (the trustee is the deployment's user)."""
        try:
            return call()
        except (ks_exceptions.ClientException, ValueError) as exc:
            raise TrustUnavailable('%s: %s' % (what, exc)) from exc

    def user_id(self):
        """The trustee's user id (asked of Keystone once)."""
        self._require_configured()
        if self._user_id is None:
            self._user_id = self._as_trustee(
                'the trustee could not log in to Keystone',
                lambda: self._session.get_user_id(auth=self._auth))
        return self._user_id

    def _trusts_url(self):
        if self._endpoint is None:
            endpoint = self._as_trustee(
                'Keystone\'s v3 endpoint could not be found',
                lambda: self._session.get_endpoint(auth=self._auth,
                                                   **IDENTITY_V3))
            self._endpoint = endpoint.rstrip('/')
        return self._endpoint + TRUSTS_PATH

    # -- the API --------------------------------------------------------------
    def create_trust(self, delegation, expires_at=None):
        """A trust from ``delegation``'s user to the trustee (its id):
        the token's project and roles, impersonation, expiring at the epoch
        ``expires_at`` (None: never)."""
        body = {'trust': {
            'trustor_user_id': delegation.user_id,
            'trustee_user_id': self.user_id(),
            'project_id': delegation.project_id,
            'impersonation': True,
            'roles': [{'name': name} for name in delegation.role_names],
            'expires_at': None if expires_at is None else
            _isotime(expires_at)}}
        url = self._trusts_url()
        try:
            resp = self._session.post(
                url, json=body, authenticated=False, raise_exc=False,
                headers={'X-Auth-Token': delegation.token})
        except ks_exceptions.ClientException as exc:
            raise TrustUnavailable('POST %s: %s' % (url, exc)) from exc
        if resp.status_code in (401, 403):
            raise TrustRefused('Keystone refused to create the trust (%d): '
                               '%s' % (resp.status_code, resp.text[:300]))
        if resp.status_code != 201:
            raise TrustUnavailable('POST %s: %d %s' % (
                url, resp.status_code, resp.text[:300]))
        return resp.json()['trust']['id']

    def delete_trust(self, trust_id):
        """Delete the trust, with a token scoped to it. True when it is
        gone (deleted now or before), False when Keystone kept it (the
        reason is logged)."""
        self._require_configured()
        try:
            resp = self._session.delete(
                self._trusts_url() + '/' + trust_id,
                auth=self._trust_auth(trust_id), raise_exc=False)
        except (ks_exceptions.Unauthorized, ks_exceptions.NotFound):
            # no token for it any more: expired or deleted already
            self.forget(trust_id)
            return True
        except ks_exceptions.ClientException as exc:
            LOG.warning('trust %s not deleted: %s', trust_id, exc)
            return False
        self.forget(trust_id)
        if resp.status_code in (204, 404):
            return True
        LOG.warning('trust %s not deleted: Keystone answered %d %s',
                    trust_id, resp.status_code, resp.text[:300])
        return False

    # -- the notifier ---------------------------------------------------------
    def _trust_auth(self, trust_id):
        with self._lock:
            plugin = self._trust_auths.get(trust_id)
            if plugin is None:
                if len(self._trust_auths) >= MAX_CACHED_TRUSTS:
                    self._trust_auths.clear()
                plugin = self._trust_auths[trust_id] = \
                    ks_loading.load_auth_from_conf_options(
                        self._conf, trustee_conf.GROUP_NAME,
                        trust_id=trust_id)
            return plugin

    def token(self, trust_id):
        """A token of the trustee scoped to ``trust_id`` (cached until
        shortly before it expires). Raises TrustRefused when Keystone
        refuses the trust (deleted, expired, its trustor disabled),
        TrustUnavailable when Keystone cannot be reached."""
        self._require_configured()
        try:
            return self._session.get_token(auth=self._trust_auth(trust_id))
        except ks_exceptions.HTTPClientError as exc:
            self.forget(trust_id)
            # Keystone answers 401 for a bad trust and for a bad trustee
            # password alike: only the first is the trust's fault.
            self._as_trustee('the trustee could not log in to Keystone',
                             lambda: self._session.get_token(auth=self._auth))
            raise TrustRefused('no token for trust %s: %s'
                               % (trust_id, exc)) from exc
        except ks_exceptions.ClientException as exc:
            raise TrustUnavailable('no token for trust %s: %s'
                                   % (trust_id, exc)) from exc

    def forget(self, trust_id):
        """Drop the cached token of ``trust_id`` (after a subscriber
        refused it, or once the trust is gone)."""
        with self._lock:
            self._trust_auths.pop(trust_id, None)
