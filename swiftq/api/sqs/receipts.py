"""Receipt handles: which claim holds which message, signed.

A receive claims each message with a claim of its own
(``ClaimController.create_each``); its receipt handle carries the
message id and that claim id::

    base64url(["<message id>", "<claim id>"]) "." base64url(HMAC-SHA256)

The HMAC (``[sqs] receipt_handle_key``) covers the project and the queue
too, so a handle cannot be forged, altered, or used on another queue or
by another project: any such handle is ``ReceiptHandleIsInvalid``.
Clients must treat the handle as opaque.
"""

import base64
import binascii
import hashlib
import hmac
import json

from swiftq.api.sqs import errors

_MAC_BYTES = 20
_MAX_HANDLE = 1024


class ReceiptHandles:

    def __init__(self, key):
        self._key = key.encode('utf-8')

    def issue(self, project, queue, message_id, claim_id):
        payload = _b64(json.dumps([message_id, claim_id],
                                  separators=(',', ':')).encode('utf-8'))
        return payload + '.' + _b64(self._mac(project, queue, payload))

    def open(self, project, queue, handle):
        """``(message id, claim id)`` of a handle this service issued for
        the queue; ReceiptHandleIsInvalid otherwise."""
        if not isinstance(handle, str) or len(handle) > _MAX_HANDLE:
            raise errors.receipt_handle_is_invalid()
        payload, _, mac = handle.partition('.')
        try:
            given = _unb64(mac)
            if not hmac.compare_digest(given,
                                       self._mac(project, queue, payload)):
                raise errors.receipt_handle_is_invalid()
            message_id, claim_id = json.loads(_unb64(payload))
        except (ValueError, TypeError, binascii.Error):
            raise errors.receipt_handle_is_invalid()
        if not (isinstance(message_id, str) and isinstance(claim_id, str)):
            raise errors.receipt_handle_is_invalid()
        return message_id, claim_id

    def _mac(self, project, queue, payload):
        text = '\0'.join((project, queue, payload)).encode('utf-8')
        return hmac.new(self._key, text, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def _unb64(text):
    text = text.encode('ascii')
    return base64.urlsafe_b64decode(text + b'=' * (-len(text) % 4))
