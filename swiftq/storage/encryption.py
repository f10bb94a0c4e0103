"""Message bodies encrypted at rest, for queues whose metadata has
``_enable_encrypt_messages: true``.

The cipher is Zaqar's ``AES256Encryptor`` (``zaqar/transport/encryptor.py``):
the key is the SHA-256 digest of the UTF-8 ``[transport]
message_encryption_key``, the bodies are AES-256 in CBC mode with a random
16-byte IV and PKCS7 padding, kept as base64 of IV + ciphertext. swiftq
differs where Zaqar's choice is unsafe for data kept in a store others may
write to:

* the plaintext is JSON (a segment's list of bodies), never a pickle:
  unpickling what Swift holds would run code for anyone who can write to
  its container;
* an HMAC-SHA256 tag over the IV and ciphertext, keyed by a second key
  derived from the same secret, is checked before decrypting
  (encrypt-then-MAC): a wrong key or a changed object is refused instead
  of decrypted into garbage, and no padding error can be observed;
* a key id (derived from the key, it reveals nothing of it) is kept
  beside the ciphertext, so a reader picks the key it was sealed with
  among the current one and ``message_encryption_old_keys``: keys can be
  rotated while sealed messages live.

Only this module touches keys; it knows nothing of Swift or queues
(``segments.SegmentStore`` calls it) and uses only the ``cryptography``
library's primitives.
"""

import base64
import binascii
import dataclasses
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes
from cryptography import exceptions as crypto_exceptions

#: The only algorithm (Zaqar's default; its RSA encryptor cannot decrypt).
AES256 = 'AES256'
IV_BYTES = 16
TAG_BYTES = 32
#: What the tag covers besides the IV and ciphertext: the format's name.
_TAG_LABEL = b'swiftq aes256-cbc hmac-sha256 v1\0'


class EncryptionError(Exception):
    """Bodies cannot be sealed or opened; the message says why (for the
    operator's log: it names no secret)."""


class NoKey(EncryptionError):
    """No ``message_encryption_key`` is configured."""


class UnknownKey(EncryptionError):
    """Sealed with a key that is neither the current nor an old one."""


class Corrupted(EncryptionError):
    """The sealed data is malformed or its tag does not verify."""


def _digest(data):
    h = hashes.Hash(hashes.SHA256())
    h.update(data)
    return h.finalize()


def _hmac(key, data):
    h = hmac.HMAC(key, hashes.SHA256())
    h.update(data)
    return h


@dataclasses.dataclass(frozen=True, repr=False)
class Key:
    """One configured secret: the AES key (Zaqar's derivation), the tag
    key and the public id derived from it."""
    id: str
    cipher_key: bytes
    tag_key: bytes

    @classmethod
    def from_secret(cls, secret):
        cipher_key = _digest(secret.encode('utf-8'))
        tag_key = _hmac(cipher_key, b'swiftq message tag key').finalize()
        key_id = _hmac(cipher_key, b'swiftq key id').finalize()[:8].hex()
        return cls(key_id, cipher_key, tag_key)

    def __repr__(self):
        return 'Key(%s)' % self.id

    def seal(self, plaintext):
        """``base64(IV + ciphertext + tag)`` of ``plaintext`` (bytes)."""
        iv = os.urandom(IV_BYTES)
        padder = padding.PKCS7(algorithms.AES.block_size).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(self.cipher_key),
                           modes.CBC(iv)).encryptor()
        data = iv + encryptor.update(padded) + encryptor.finalize()
        tag = _hmac(self.tag_key, _TAG_LABEL + data).finalize()
        return base64.b64encode(data + tag).decode('ascii')

    def open(self, sealed):
        """The plaintext of ``seal``'s output; Corrupted if it was not
        sealed with this key or was changed since."""
        try:
            raw = base64.b64decode(sealed, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise Corrupted('sealed data is not base64')
        data, tag = raw[:-TAG_BYTES], raw[-TAG_BYTES:]
        if len(data) < 2 * IV_BYTES or len(data) % IV_BYTES:
            raise Corrupted('sealed data is %d bytes long' % len(raw))
        try:
            _hmac(self.tag_key, _TAG_LABEL + data).verify(tag)
        except crypto_exceptions.InvalidSignature:
            raise Corrupted('the tag does not verify with key %s: the object '
                            'was changed or the key is not the one it was '
                            'sealed with' % self.id)
        decryptor = Cipher(algorithms.AES(self.cipher_key),
                           modes.CBC(data[:IV_BYTES])).decryptor()
        padded = decryptor.update(data[IV_BYTES:]) + decryptor.finalize()
        unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
        try:
            return unpadder.update(padded) + unpadder.finalize()
        except ValueError:      # only if the sealing side was broken
            raise Corrupted('bad padding under a valid tag')


class Keyring:
    """The keys of one process: ``current`` seals, and opens along with
    every one of ``old`` (secrets as configured; empty ones are ignored).
    """

    def __init__(self, current=None, old=()):
        self.current = Key.from_secret(current) if current else None
        keys = [Key.from_secret(s) for s in old if s]
        if self.current is not None:
            keys.insert(0, self.current)
        self._by_id = {key.id: key for key in reversed(keys)}

    @classmethod
    def from_options(cls, group):
        """From ``[transport]`` (an oslo.config group or anything with its
        ``message_encryption_key`` and ``message_encryption_old_keys``)."""
        return cls(group.message_encryption_key,
                   group.message_encryption_old_keys or ())

    @property
    def can_seal(self):
        return self.current is not None

    def seal(self, plaintext):
        """``{"alg", "key", "data"}``: what to keep of ``plaintext``."""
        if self.current is None:
            raise NoKey('no [transport] message_encryption_key is '
                        'configured')
        return {'alg': AES256, 'key': self.current.id,
                'data': self.current.seal(plaintext)}

    def open(self, sealed):
        """The plaintext of what ``seal`` returned."""
        if not isinstance(sealed, dict) or sealed.get('alg') != AES256:
            raise Corrupted('not sealed by %s' % AES256)
        key = self._by_id.get(sealed.get('key'))
        if key is None:
            if not self._by_id:
                raise NoKey('sealed with key %s, and no [transport] '
                            'message_encryption_key is configured'
                            % sealed.get('key'))
            raise UnknownKey(
                'sealed with key %s, which is neither [transport] '
                'message_encryption_key nor one of '
                'message_encryption_old_keys (known: %s)'
                % (sealed.get('key'), ', '.join(sorted(self._by_id))))
        return key.open(sealed.get('data'))
