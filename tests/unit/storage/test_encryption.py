"""Message bodies encrypted at rest (swiftq.storage.encryption) and the
segments that carry them (segments.SegmentBody / SegmentStore), on their
own. The real Swift and API are in tests/functional/test_encryption.py."""

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.ciphers import modes

from swiftq.storage import encryption
from swiftq.storage import errors
from swiftq.storage import naming
from swiftq.storage import segments
from tests.unit.storage.fake_swift import FakeSwift

SECRET = 'correct horse battery staple'
OTHER = 'another secret'
PLAIN = json.dumps(['the plaintext body', {'n': 1}]).encode()


def zaqar_decrypt(secret, sealed):
    """What Zaqar's AES256Encryptor._decrypt_message does with a body (its
    key derivation, IV, mode and padding), given swiftq's sealed data
    without the tag swiftq appends."""
    key = hashlib.sha256(secret.encode('utf-8')).digest()
    raw = base64.b64decode(sealed)[:-encryption.TAG_BYTES]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(raw[:16])).decryptor()
    padded = decryptor.update(raw[16:]) + decryptor.finalize()
    unpadder = padding.PKCS7(algorithms.AES.block_size).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


# -- the cipher -----------------------------------------------------------
def test_cipher_is_zaqars_aes256_with_its_key_derivation():
    """Zaqar's AES-256-CBC with SHA-256(secret) as the key decrypts what
    swiftq sealed (swiftq adds the tag after the ciphertext)."""
    sealed = encryption.Keyring(SECRET).seal(PLAIN)
    assert sealed['alg'] == 'AES256'
    assert zaqar_decrypt(SECRET, sealed['data']) == PLAIN


def test_seal_round_trip_with_a_fresh_iv_each_time():
    ring = encryption.Keyring(SECRET)
    first, second = ring.seal(PLAIN), ring.seal(PLAIN)
    assert first['data'] != second['data']      # random IV
    assert ring.open(first) == ring.open(second) == PLAIN
    for sealed in (first, second):
        assert b'plaintext' not in base64.b64decode(sealed['data'])
        assert 'plaintext' not in json.dumps(sealed)


def test_empty_plaintext_is_one_padded_block():
    ring = encryption.Keyring(SECRET)
    sealed = ring.seal(b'')
    raw = base64.b64decode(sealed['data'])
    assert len(raw) == encryption.IV_BYTES + 16 + encryption.TAG_BYTES
    assert ring.open(sealed) == b''


def test_key_id_names_the_key_and_reveals_no_secret():
    key = encryption.Key.from_secret(SECRET)
    assert key.id == encryption.Key.from_secret(SECRET).id
    assert key.id != encryption.Key.from_secret(OTHER).id
    assert len(key.id) == 16
    assert key.id not in (hashlib.sha256(SECRET.encode()).hexdigest(),
                          key.cipher_key.hex())
    assert SECRET not in repr(key) and key.cipher_key.hex() not in repr(key)


# -- refusals ---------------------------------------------------------------
def test_other_key_is_refused_by_its_id():
    sealed = encryption.Keyring(SECRET).seal(PLAIN)
    with pytest.raises(encryption.UnknownKey) as info:
        encryption.Keyring(OTHER).open(sealed)
    assert sealed['key'] in str(info.value)
    assert 'message_encryption_old_keys' in str(info.value)
    assert SECRET not in str(info.value)


def test_forged_key_id_fails_the_tag_not_the_padding():
    """Data sealed with another key under the current key's id: the tag
    refuses it before any decryption (no padding oracle)."""
    ring = encryption.Keyring(SECRET)
    forged = dict(encryption.Keyring(OTHER).seal(PLAIN),
                  key=ring.current.id)
    with pytest.raises(encryption.Corrupted, match='tag does not verify'):
        ring.open(forged)


@pytest.mark.parametrize('change', [
    lambda raw: raw[:20] + bytes([raw[20] ^ 1]) + raw[21:],   # ciphertext
    lambda raw: bytes([raw[0] ^ 1]) + raw[1:],                # IV
    lambda raw: raw[:-1] + bytes([raw[-1] ^ 1]),              # tag
], ids=['ciphertext', 'iv', 'tag'])
def test_any_changed_bit_is_refused(change):
    ring = encryption.Keyring(SECRET)
    sealed = ring.seal(PLAIN)
    raw = change(base64.b64decode(sealed['data']))
    with pytest.raises(encryption.Corrupted):
        ring.open(dict(sealed, data=base64.b64encode(raw).decode()))


@pytest.mark.parametrize('sealed', [
    None, 'text', {}, {'alg': 'RSA'},
    {'alg': 'AES256', 'data': '!!not base64!!'},
    {'alg': 'AES256', 'data': base64.b64encode(b'short').decode()},
    {'alg': 'AES256', 'data': None},
])
def test_malformed_sealed_data_is_corrupted(sealed):
    ring = encryption.Keyring(SECRET)
    if isinstance(sealed, dict) and 'data' in sealed:
        sealed = dict(sealed, key=ring.current.id)
    with pytest.raises(encryption.Corrupted):
        ring.open(sealed)


def test_without_a_key_nothing_is_sealed_or_opened():
    sealed = encryption.Keyring(SECRET).seal(PLAIN)
    for ring in (encryption.Keyring(), encryption.Keyring('', ['', None])):
        assert not ring.can_seal
        with pytest.raises(encryption.NoKey):
            ring.seal(PLAIN)
        with pytest.raises(encryption.NoKey):
            ring.open(sealed)


# -- rotation ---------------------------------------------------------------
def test_rotation_seals_with_the_new_key_and_opens_with_old_ones():
    old = encryption.Keyring(SECRET).seal(PLAIN)
    ring = encryption.Keyring(OTHER, [SECRET])
    new = ring.seal(PLAIN)
    assert new['key'] == encryption.Key.from_secret(OTHER).id
    assert ring.open(old) == ring.open(new) == PLAIN


def test_old_keys_alone_open_but_do_not_seal():
    old = encryption.Keyring(SECRET).seal(PLAIN)
    ring = encryption.Keyring(None, [SECRET])
    assert ring.open(old) == PLAIN
    with pytest.raises(encryption.NoKey):
        ring.seal(PLAIN)


def test_from_options_reads_zaqars_option_and_the_old_keys():
    class Group:
        message_encryption_key = OTHER
        message_encryption_old_keys = [SECRET]
    ring = encryption.Keyring.from_options(Group)
    assert ring.current.id == encryption.Key.from_secret(OTHER).id
    assert ring.open(encryption.Keyring(SECRET).seal(b'x')) == b'x'


def test_options_are_zaqars_in_transport_without_its_public_default():
    """Zaqar registers message_encryption_key with the default "AES256",
    a key everyone knows: swiftq has none (posts to an encrypted queue
    are refused instead)."""
    from swiftq import conf as swiftq_conf
    conf = swiftq_conf.new_conf()
    assert conf.transport.message_encryption_key is None
    assert conf.transport.message_encryption_old_keys == []
    assert conf.transport.message_encryption_algorithms == 'AES256'
    opts = {o.name: o for o in swiftq_conf.transport.ALL_OPTS}
    assert opts['message_encryption_key'].secret
    assert opts['message_encryption_old_keys'].secret


# -- segments ---------------------------------------------------------------
def test_encrypted_segment_keeps_no_body_in_plain_text():
    ring = encryption.Keyring(SECRET)
    body = segments.SegmentBody('client-1', ['the plaintext body'], True)
    data = body.encode(ring)
    assert b'plaintext' not in data
    doc = json.loads(data)
    assert set(doc) == {'c', 's'} and doc['c'] == 'client-1'
    read = segments.SegmentBody.decode(data, ring)
    assert (read.client_id, read.bodies, read.encrypted) == \
        ('client-1', ['the plaintext body'], True)


def test_plain_segments_read_as_before_with_or_without_keys():
    data = segments.SegmentBody('c', [{'a': 1}]).encode()
    assert json.loads(data) == {'c': 'c', 'b': [{'a': 1}]}
    for ring in (None, encryption.Keyring(), encryption.Keyring(SECRET)):
        read = segments.SegmentBody.decode(data, ring)
        assert (read.bodies, read.encrypted) == ([{'a': 1}], False)


def _store(secret=None, old=(), swift=None):
    if swift is None:
        swift = FakeSwift()
        swift.request('PUT', 'swiftq:p:q')
    return swift, segments.SegmentStore(
        swift, executor=None, max_claim_life=0,
        keyring=encryption.Keyring(secret, old))


MESSAGE = {'ttl': 60, 'delay': 0, 'body': 'the plaintext body'}


def test_store_seals_encrypted_posts_and_opens_them_uncached():
    swift, store = _store(SECRET)
    plain_id, = store.write('swiftq:p:q', [MESSAGE], 'cli')
    sealed_id, = store.write('swiftq:p:q', [MESSAGE], 'cli', encrypt=True)
    stored = {name: data for name, (data, _) in
              swift.containers['swiftq:p:q'].items()}
    plain_key = naming.split_message_id(plain_id)[0]
    sealed_key = naming.split_message_id(sealed_id)[0]
    assert b'plaintext' in stored[naming.segment_object(plain_key)]
    assert b'plaintext' not in stored[naming.segment_object(sealed_key)]
    for key in (plain_key, sealed_key):
        assert store.read('swiftq:p:q', key, newest=True).bodies == \
            ['the plaintext body']


def test_store_without_key_refuses_encrypted_posts_before_any_put():
    swift, store = _store()
    with pytest.raises(errors.EncryptionUnavailable) as info:
        store.write('swiftq:p:q', [MESSAGE], 'cli', encrypt=True)
    assert info.value.description == segments.CANNOT_ENCRYPT
    assert 'message_encryption_key' in str(info.value)
    assert not [r for r in swift.requests if r[0] == 'PUT' and r[2]]
    assert store.write('swiftq:p:q', [MESSAGE], 'cli')     # plain: fine


def test_store_with_another_key_says_which_segment_and_key():
    swift, writer = _store(SECRET)
    msg_id, = writer.write('swiftq:p:q', [MESSAGE], 'cli', encrypt=True)
    key = naming.split_message_id(msg_id)[0]
    for reader in (_store(OTHER, swift=swift)[1], _store(swift=swift)[1]):
        with pytest.raises(errors.EncryptionUnavailable) as info:
            reader.read('swiftq:p:q', key)
        assert info.value.description == segments.CANNOT_DECRYPT
        assert key in str(info.value)
        assert encryption.Key.from_secret(SECRET).id in str(info.value)
    rotated = _store(OTHER, [SECRET], swift=swift)[1]
    assert rotated.read('swiftq:p:q', key).bodies == ['the plaintext body']
