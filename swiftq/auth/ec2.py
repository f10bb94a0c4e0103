"""AWS credentials that Keystone holds: EC2 credentials (``openstack ec2
credentials create``), verified by Keystone's ``POST /v3/ec2tokens`` as
Swift's ``s3token`` verifies S3 requests.

swiftq never sees the secret key: it checks what it can alone
(:func:`swiftq.auth.sigv4.preflight`: form, date, body hash), then sends
Keystone the signature and everything it covers (method, path, query,
headers, the body's SHA-256); Keystone recomputes the signature with the
credential's secret and, when it matches, answers a token of the
credential's user and project. The call is authenticated as swiftq's
service user (``[keystone_authtoken]``, whose role must pass Keystone's
``identity:ec2tokens_validate`` rule: ``service`` or ``admin``).
"""

import urllib.parse

from oslo_log import log as logging

from swiftq.auth import sigv4

LOG = logging.getLogger(__name__)
GROUP = 'keystone_authtoken'
TIMEOUT = 10


class KeystoneUnavailable(Exception):
    """Keystone did not answer the verification (not the caller's fault)."""


class Ec2Tokens:
    """Asks Keystone whose an EC2-signed request is."""

    def __init__(self, conf):
        self._conf = conf
        self._session = None

    def project_of(self, request, max_age):
        """The project of a request signed with an EC2 credential;
        SignatureError when Keystone refuses it, KeystoneUnavailable when
        it cannot answer."""
        credential, body_hash = sigv4.preflight(request, max_age)
        headers = {_original_case(name): value
                   for name, value in request.headers.items()
                   if name in credential.signed_headers or
                   name == 'authorization'}
        body = {'credentials': {
            'access': credential.access_key,
            'signature': credential.signature,
            'host': request.headers.get('host', ''),
            'verb': request.method,
            'path': urllib.parse.quote(request.path or '/', safe='/~'),
            'params': dict(urllib.parse.parse_qsl(request.query,
                                                  keep_blank_values=True)),
            'headers': headers,
            'body_hash': body_hash,
        }}
        try:
            answer = self._keystone().post(
                self._url(), json=body, raise_exc=False, timeout=TIMEOUT)
        except Exception as exc:        # keystoneauth1's many errors
            LOG.warning('Keystone ec2tokens failed: %s', exc)
            raise KeystoneUnavailable(str(exc))
        if answer.status_code in (401, 403):
            raise sigv4.SignatureError(
                'SignatureDoesNotMatch',
                'The request signature we calculated does not match the '
                'signature you provided (Keystone refused the EC2 '
                'credential).')
        if answer.status_code == 404:
            raise sigv4.SignatureError(
                'InvalidClientTokenId',
                'The security token included in the request is invalid.')
        if answer.status_code not in (200, 201):
            LOG.warning('Keystone ec2tokens answered %s', answer.status_code)
            raise KeystoneUnavailable('ec2tokens: HTTP %d'
                                      % answer.status_code)
        try:
            return answer.json()['token']['project']['id']
        except (ValueError, KeyError, TypeError):
            raise sigv4.SignatureError(
                'InvalidClientTokenId',
                'The EC2 credential is not scoped to a project.')

    def _url(self):
        base = self._conf[GROUP].auth_url.rstrip('/')
        if base.endswith('/v3'):
            base = base[:-3]
        return base + '/v3/ec2tokens'

    def _keystone(self):
        """A keystoneauth1 Session of swiftq's service user, made on first
        use (after keystonemiddleware registered ``[keystone_authtoken]``'s
        options)."""
        if self._session is None:
            from keystoneauth1 import loading
            from keystoneauth1 import session
            loading.register_auth_conf_options(self._conf, GROUP)
            auth = loading.load_auth_from_conf_options(self._conf, GROUP)
            self._session = session.Session(auth=auth)
        return self._session


def _original_case(name):
    """Keystone's signer looks up ``Authorization`` and ``X-Amz-Date`` by
    these spellings."""
    return '-'.join(part.capitalize() for part in name.split('-'))
