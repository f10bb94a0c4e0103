"""AWS Signature Version 4, verified (the requests of the SQS endpoint).

A signed request carries::

    Authorization: AWS4-HMAC-SHA256
        Credential=AKID/20261207/us-east-1/sqs/aws4_request,
        SignedHeaders=content-type;host;x-amz-date;x-amz-target,
        Signature=<hex>
    X-Amz-Date: 20261207T170000Z

:func:`verify` rebuilds the canonical request from what arrived (method,
path, query, the signed headers, the SHA-256 of the body as received),
derives the signing key from the secret of the access key and compares
the signatures in constant time (``hmac.compare_digest``). It refuses a
request whose ``X-Amz-Date`` is more than ``max_age`` seconds from the
server's clock (as AWS, a captured request can be replayed within that
window: only TLS prevents capture), one whose ``x-amz-content-sha256``
is not the hash of its body (``UNSIGNED-PAYLOAD`` included: the body is
always signed), and one that does not sign ``host`` and ``x-amz-date``.

Pure functions over plain values: no HTTP library, no I/O. The AWS
documentation of the algorithm: "Create a signed AWS API request"
(Signature Version 4).
"""

import calendar
import dataclasses
import hashlib
import hmac
import re
import time
import urllib.parse

ALGORITHM = 'AWS4-HMAC-SHA256'
_DATE_FORMAT = '%Y%m%dT%H%M%SZ'
_AUTH_FIELD = re.compile(r'\s*(Credential|SignedHeaders|Signature)=([^,\s]*)')
_REQUIRED_SIGNED = ('host', 'x-amz-date')


class SignatureError(Exception):
    """A request that does not authenticate. ``code`` is AWS's error code
    (``MissingAuthenticationToken``, ``IncompleteSignature``,
    ``InvalidClientTokenId``, ``SignatureDoesNotMatch``,
    ``RequestExpired``)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclasses.dataclass(frozen=True)
class Credential:
    """What the Authorization header says."""
    access_key: str
    date: str           # YYYYMMDD
    region: str
    service: str
    signed_headers: tuple
    signature: str

    @property
    def scope(self):
        return '/'.join((self.date, self.region, self.service,
                         'aws4_request'))


@dataclasses.dataclass(frozen=True)
class SignedRequest:
    """A request as it arrived: ``headers`` maps lower-case names to
    values (Host, Content-Type and Content-Length included)."""
    method: str
    path: str           # decoded, as WSGI's SCRIPT_NAME + PATH_INFO
    query: str          # raw QUERY_STRING
    headers: dict
    body: bytes


def parse_authorization(value):
    """The Credential of an ``Authorization`` header; SignatureError if it
    is missing or ill-formed."""
    if not value:
        raise SignatureError('MissingAuthenticationToken',
                             'Request is missing Authentication Token')
    algorithm, _, rest = value.strip().partition(' ')
    if algorithm != ALGORITHM:
        raise SignatureError('IncompleteSignature',
                             'Unsupported AWS signature algorithm %r; '
                             'only %s is accepted.' % (algorithm, ALGORITHM))
    fields = dict(_AUTH_FIELD.findall(rest.replace(',', ' ')))
    missing = [f for f in ('Credential', 'SignedHeaders', 'Signature')
               if not fields.get(f)]
    if missing:
        raise SignatureError('IncompleteSignature',
                             'Authorization header requires %s.'
                             % ', '.join(missing))
    scope = fields['Credential'].split('/')
    if len(scope) != 5 or scope[4] != 'aws4_request' or not all(scope):
        raise SignatureError('IncompleteSignature',
                             'Credential should be scoped to a valid '
                             'region, service and date: <access key>/'
                             '<YYYYMMDD>/<region>/<service>/aws4_request.')
    signed = tuple(fields['SignedHeaders'].lower().split(';'))
    return Credential(scope[0], scope[1], scope[2], scope[3], signed,
                      fields['Signature'])


def canonical_request(request, signed_headers, payload_hash):
    path = urllib.parse.quote(request.path or '/', safe='/~')
    lines = [request.method.upper(), path, _canonical_query(request.query)]
    for name in sorted(set(signed_headers)):
        value = request.headers.get(name, '')
        lines.append('%s:%s' % (name, ' '.join(value.split())))
    lines.append('')
    lines.append(';'.join(sorted(set(signed_headers))))
    lines.append(payload_hash)
    return '\n'.join(lines)


def _canonical_query(query):
    pairs = []
    for pair in query.split('&') if query else ():
        key, _, value = pair.partition('=')
        pairs.append((_requote(key), _requote(value)))
    return '&'.join('%s=%s' % kv for kv in sorted(pairs))


def _requote(text):
    return urllib.parse.quote(urllib.parse.unquote(text), safe='-_.~')


def string_to_sign(amz_date, scope, canonical):
    return '\n'.join((ALGORITHM, amz_date, scope,
                      hashlib.sha256(canonical.encode('utf-8')).hexdigest()))


def signing_key(secret, date, region, service):
    key = ('AWS4' + secret).encode('utf-8')
    for part in (date, region, service, 'aws4_request'):
        key = hmac.new(key, part.encode('utf-8'), hashlib.sha256).digest()
    return key


def signature(secret, credential, amz_date, canonical):
    key = signing_key(secret, credential.date, credential.region,
                      credential.service)
    return hmac.new(key, string_to_sign(amz_date, credential.scope,
                                        canonical).encode('utf-8'),
                    hashlib.sha256).hexdigest()


def preflight(request, max_age, now=None):
    """What can be checked without the secret: ``(Credential, SHA-256 of
    the body)`` of a well-formed, signed, recent request whose body is
    the one signed. Raises SignatureError."""
    credential = parse_authorization(request.headers.get('authorization'))
    missing = [h for h in _REQUIRED_SIGNED
               if h not in credential.signed_headers]
    if missing:
        raise SignatureError('IncompleteSignature',
                             'SignedHeaders must include %s.'
                             % ', '.join(missing))
    amz_date = request.headers.get('x-amz-date', '')
    _check_date(amz_date, credential, max_age,
                time.time() if now is None else now)
    body_hash = hashlib.sha256(request.body).hexdigest()
    claimed = request.headers.get('x-amz-content-sha256')
    if claimed is not None and claimed != body_hash:
        raise SignatureError('SignatureDoesNotMatch',
                             'x-amz-content-sha256 is not the SHA-256 of '
                             'the body (unsigned payloads are refused).')
    return credential, body_hash


def verify(request, secret_of, max_age, now=None):
    """The request's Credential once its signature verified.

    ``secret_of(access_key)``: the secret access key, or None for an
    unknown key (InvalidClientTokenId). Raises SignatureError.
    """
    credential, body_hash = preflight(request, max_age, now)
    amz_date = request.headers['x-amz-date']
    secret = secret_of(credential.access_key)
    if secret is None:
        raise SignatureError('InvalidClientTokenId',
                             'The security token included in the request '
                             'is invalid.')
    expected = signature(secret, credential, amz_date, canonical_request(
        request, credential.signed_headers, body_hash))
    if not hmac.compare_digest(expected.encode('ascii'),
                               credential.signature.encode('utf-8')):
        raise SignatureError('SignatureDoesNotMatch',
                             'The request signature we calculated does not '
                             'match the signature you provided. Check your '
                             'AWS Secret Access Key and signing method.')
    return credential


def _check_date(amz_date, credential, max_age, now):
    try:
        signed_at = calendar.timegm(time.strptime(amz_date, _DATE_FORMAT))
    except ValueError:
        raise SignatureError('IncompleteSignature',
                             'X-Amz-Date must be present, as '
                             'YYYYMMDDTHHMMSSZ.')
    if amz_date[:8] != credential.date:
        raise SignatureError('SignatureDoesNotMatch',
                             'The credential scope date is not the date '
                             'of X-Amz-Date.')
    if abs(now - signed_at) > max_age:
        raise SignatureError('RequestExpired',
                             'Request has expired: X-Amz-Date %s is more '
                             'than %d seconds from the server time.'
                             % (amz_date, max_age))
