"""Every rule of :mod:`swiftq.api.validation`, with Zaqar's messages."""

import pytest

from swiftq.api import validation
import swiftq.conf

ValidationFailed = validation.ValidationFailed


@pytest.fixture
def validator():
    return validation.Validator(swiftq.conf.new_conf())


def fails(call, *args, **kwargs):
    with pytest.raises(ValidationFailed) as info:
        call(*args, **kwargs)
    return str(info.value)


# -- identities ---------------------------------------------------------------
def test_queue_identification(validator):
    validator.queue_identification('Nice-Boat_2.x', 'p')
    assert fails(validator.queue_identification, 'v' * 65, 'p') == \
        'Queue names may not be more than 64 characters long.'
    assert fails(validator.queue_identification, 'a b', 'p') == (
        'Queue names may only contain ASCII letters, digits, underscores, '
        'and dashes.')
    assert fails(validator.queue_identification, 'nœ', 'p')
    assert fails(validator.queue_identification, '', 'p')
    assert fails(validator.queue_identification, 'q', 'x' * 257) == \
        'Project ids may not be more than 256 characters long.'


def test_client_id_strict(validator):
    assert validator.client_id('3F2504E0-4F89-11D3-9A0C-0305E82C3301') == \
        '3f2504e0-4f89-11d3-9a0c-0305e82c3301'
    with pytest.raises(ValueError):
        validator.client_id('not-a-uuid')


# -- queues -------------------------------------------------------------------
def test_queue_listing(validator):
    validator.queue_listing(None)
    validator.queue_listing(20)
    for bad in (0, 21, -1):
        assert fails(validator.queue_listing, bad) == \
            'Limit must be at least 1 and no greater than 20.'


def test_queue_metadata_length(validator):
    validator.queue_metadata_length(None)
    validator.queue_metadata_length(65536)
    assert fails(validator.queue_metadata_length, 65537) == \
        'Queue metadata is too large. Max size: 65536'


def test_reserved_metadata_defaults(validator):
    assert validator.reserved_metadata() == {
        '_max_messages_post_size': 262144,
        '_default_message_ttl': 3600,
        '_default_message_delay': 0,
        '_dead_letter_queue': None,
        '_dead_letter_queue_messages_ttl': None,
        '_max_claim_count': None,
        '_enable_encrypt_messages': False,
    }


@pytest.mark.parametrize('metadata', [
    None, {}, {'_default_message_ttl': 60},
    {'_default_message_ttl': 1209600}, {'_max_messages_post_size': 1},
    {'_max_messages_post_size': 262144}, {'_default_message_delay': 0},
    {'_default_message_delay': 900}, {'_max_claim_count': 5},
    {'_dead_letter_queue': 'dlq', '_dead_letter_queue_messages_ttl': 60},
    {'_enable_encrypt_messages': True}, {'_enable_encrypt_messages': False},
    {'anything': {'nested': [1]}}, {'_stripes': 1}, {'_stripes': 64},
    {'_retry_policy': {'minimum_delay': 1, 'maximum_delay': 11,
                       'retry_backoff_function': 'geometric',
                       'ignore_subscription_override': True}},
])
def test_queue_metadata_putting_accepts(validator, metadata):
    validator.queue_metadata_putting(metadata)


TTL_RANGE = ('_default_message_ttl can not exceed 1209600 seconds, and must '
             'be at least 60 seconds long.')
POST_SIZE = ('_max_messages_post_size can not exceed 262144,  and must be '
             'at least greater than 0.')
DLQ_TTL = ('The TTL for a message may not exceed 1209600 seconds, and must '
           'be at least 60 seconds long.')
DELAY = 'The TTL can not exceed 900 seconds, and must be at least 0 seconds ' \
        'long.'
#: swiftq's own key; the bound is storage's (naming.MAX_STRIPES).
STRIPES = '_stripes must be an integer from 1 to 64.'


@pytest.mark.parametrize('metadata,message', [
    ({'_default_message_ttl': 0}, TTL_RANGE),
    ({'_default_message_ttl': 59}, TTL_RANGE),
    ({'_default_message_ttl': 1209601}, TTL_RANGE),
    ({'_default_message_ttl': False}, TTL_RANGE),
    ({'_default_message_ttl': '100'}, '_default_message_ttl must be '
                                      'integer.'),
    ({'_default_message_ttl': 100.5}, '_default_message_ttl must be '
                                      'integer.'),
    ({'_default_message_ttl': ''}, '_default_message_ttl must be integer.'),
    ({'_max_messages_post_size': 0}, POST_SIZE),
    ({'_max_messages_post_size': 262145}, POST_SIZE),
    ({'_max_messages_post_size': 'x'}, '_max_messages_post_size must be '
                                       'integer.'),
    ({'_max_claim_count': '123'}, '_max_claim_count must be integer.'),
    ({'_dead_letter_queue_messages_ttl': '123'},
     '_dead_letter_queue_messages_ttl must be integer.'),
    ({'_dead_letter_queue_messages_ttl': 59}, DLQ_TTL),
    ({'_dead_letter_queue_messages_ttl': 0}, DLQ_TTL),
    ({'_default_message_delay': 901}, DELAY),
    ({'_default_message_delay': -1}, DELAY),
    ({'_default_message_delay': 'x'}, '_default_message_delay must be '
                                      'integer.'),
    ({'_enable_encrypt_messages': 'yes'}, '_enable_encrypt_messages must be '
                                          'boolean.'),
    ({'_stripes': 0}, STRIPES),
    ({'_stripes': 65}, STRIPES),
    ({'_stripes': True}, STRIPES),
    ({'_stripes': '4'}, STRIPES),
    ({'_retry_policy': [1]}, 'retry_policy must be a dict.'),
    ({'_retry_policy': {'minimum_delay': 'x'}},
     'Retry policy: minimum_delay must be a integer.'),
    ({'_retry_policy': {'retry_backoff_function': 1}},
     'retry_backoff_function must be a string.'),
    ({'_retry_policy': {'retry_backoff_function': 'cubic'}},
     'invalid retry_backoff_function.'),
    ({'_retry_policy': {'ignore_subscription_override': 'x'}},
     'ignore_subscription_override must be a boolean.'),
    ({'_retry_policy': {'minimum_delay': 20, 'maximum_delay': 10}},
     'minimum_delay must less than maximum_delay.'),
    ({'_retry_policy': {'minimum_delay': 10, 'maximum_delay': 19}},
     'invalid minimum_delay and maximum_delay.'),
])
def test_queue_metadata_putting_refuses(validator, metadata, message):
    assert fails(validator.queue_metadata_putting, metadata) == message


@pytest.mark.parametrize('name', [1, '', 'a b', 'x' * 65])
def test_dead_letter_queue_must_name_a_queue(validator, name):
    """swiftq-only: Zaqar accepts any value here."""
    assert fails(validator.queue_metadata_putting,
                 {'_dead_letter_queue': name}).startswith(
        '_dead_letter_queue')


def test_queue_purging(validator):
    validator.queue_purging({'resource_types': []})
    validator.queue_purging({'resource_types': ['messages']})
    validator.queue_purging({'resource_types': ['messages',
                                                'subscriptions']})
    assert fails(validator.queue_purging, {'wrong_key': ['messages']}) == \
        'Post body must contain key "resource_types".'
    assert fails(validator.queue_purging, ['resource_types'])
    message = ("Resource types must be a sub set of {'messages', "
               "'subscriptions'}.")
    for bad in (['wrong_value'], 'messages', [1], {'messages': 1}):
        assert fails(validator.queue_purging,
                     {'resource_types': bad}) == message


# -- JSON patch ---------------------------------------------------------------
def test_queue_patching_washes_changes(validator):
    changes = validator.queue_patching([
        {'op': 'add', 'path': '/metadata/a', 'value': 1},
        {'op': 'replace', 'path': '/metadata/b~1c~0', 'value': None},
        {'op': 'remove', 'path': '/metadata/ d '},
    ])
    assert changes == [
        {'op': 'add', 'path': ['metadata', 'a'], 'value': 1},
        {'op': 'replace', 'path': ['metadata', 'b/c~'], 'value': None},
        {'op': 'remove', 'path': ['metadata', 'd']},
    ]


def test_remove_does_not_check_the_path_root(validator):
    """Zaqar only checks the root for add/replace."""
    assert validator.queue_patching([{'op': 'remove', 'path': '/x/a'}]) == \
        [{'op': 'remove', 'path': ['x', 'a']}]


@pytest.mark.parametrize('changes,message', [
    ({}, 'Request body must be a JSON array of operation objects.'),
    ([1], 'Operations must be JSON objects.'),
    ([{'path': '/metadata/a'}],
     'Unable to find `op` in JSON Schema change. It must be one of the '
     'following: add, remove, replace.'),
    ([{'op': 'a', 'path': '/metadata/a'}],
     'Invalid operation: `a`. It must be one of the following: add, remove, '
     'replace.'),
    ([{'op': 'move', 'path': '/metadata/a'}],
     'Invalid operation: `move`. It must be one of the following: add, '
     'remove, replace.'),
    ([{'op': 'add', 'value': 1}],
     "Unable to find 'path' in JSON Schema change"),
    ([{'op': 'add', 'path': 'metadata/a', 'value': 1}],
     'Pointer `metadata/a` does not start with "/".'),
    ([{'op': 'add', 'path': 5, 'value': 1}],
     'Pointer `5` does not start with "/".'),
    ([{'op': 'add', 'path': '/metadata//a', 'value': 1}],
     'Pointer `/metadata//a` contains adjacent "/".'),
    ([{'op': 'add', 'path': '/metadata/a/', 'value': 1}],
     'Pointer `/metadata/a/` end with "/".'),
    ([{'op': 'add', 'path': '/metadata/~2', 'value': 1}],
     'Pointer `/metadata/~2` contains "~" not part of a recognized escape '
     'sequence.'),
    ([{'op': 'add', 'path': '/a', 'value': 2}],
     "Invalid JSON pointer for this resource: '/a, e.g /metadata/key'"),
    ([{'op': 'add', 'path': '/metadata/a/b', 'value': 2}],
     "Invalid JSON pointer for this resource: '/metadata/a/b, e.g "
     "/metadata/key'"),
    ([{'op': 'add', 'path': '/metadata/a'}],
     'Operation "add" requires a member named "value".'),
    ([{'op': 'replace', 'path': '/other/a', 'value': 1}],
     'The root of path must be metadata, e.g /metadata/key.'),
])
def test_queue_patching_refuses(validator, changes, message):
    assert fails(validator.queue_patching, changes) == message


# -- messages -----------------------------------------------------------------
def test_message_length(validator):
    validator.message_length(None)
    validator.message_length(262144)
    assert fails(validator.message_length, 262145) == \
        'Message collection size is too large. Max size 262144'
    validator.message_length(1000, 1000)
    assert fails(validator.message_length, 1001, 1000) == (
        'Message collection size is too large. The max size for current '
        'queue is 1000. It is calculated by max size = '
        'min(max_messages_post_size_config: 262144, '
        'max_messages_post_size_queue: 1000).')


def test_message_posting(validator):
    assert fails(validator.message_posting, []) == 'No messages to enqueu.'
    validator.message_posting([{'ttl': 60}, {'ttl': 1209600, 'delay': 900}])
    for ttl in (-1, 59, 1209601):
        assert fails(validator.message_posting, [{'ttl': ttl}]) == (
            'The TTL for a message may not exceed 1209600 seconds, and must '
            'be at least 60 seconds long.')
    for delay in (-1, 901):
        assert fails(validator.message_posting,
                     [{'ttl': 60, 'delay': delay}]) == (
            'The Delay TTL for a message may not exceed 900 seconds,and must '
            'be at least 0 seconds long.')


def test_message_listing(validator):
    validator.message_listing(None)
    validator.message_listing(20)
    for bad in (0, 21):
        assert fails(validator.message_listing, bad) == \
            'Limit must be at least 1 and may not be greater than 20.'


@pytest.mark.parametrize('kwargs,message', [
    ({'ids': ['a'], 'pop': 1},
     'pop and id params cannot be present together in the delete request.'),
    ({}, 'The request should have either "ids" or "pop" parameter in the '
         'request, to be able to delete.'),
    ({'pop': 0}, 'Pop value must be at least 1 and may not be greater than '
                 '20.'),
    ({'pop': 21}, 'Pop value must be at least 1 and may not be greater than '
                  '20.'),
    ({'ids': []}, 'ids parameter should have at least 1 and not greater '
                  'than 20 values.'),
    ({'ids': ['a'] * 21}, 'ids parameter should have at least 1 and not '
                          'greater than 20 values.'),
    ({'ids': ['a'], 'require_claim_ids': True},
     'The request should have both "ids" and "claim_ids" parameter in the '
     'request when message_delete_with_claim_id is True.'),
])
def test_message_deletion_refuses(validator, kwargs, message):
    assert fails(validator.message_deletion, **kwargs) == message


def test_message_deletion_accepts(validator):
    validator.message_deletion(ids=['a'] * 20)
    validator.message_deletion(pop=20)
    validator.message_deletion(ids=['a'], claim_ids=['c'],
                               require_claim_ids=True)
    validator.message_deletion(pop=1, require_claim_ids=True)


# -- claims -------------------------------------------------------------------
def test_claim_creation(validator):
    validator.claim_creation(60, 60, 20)
    validator.claim_creation(43200, 43200, None)
    ttl = ('The TTL for a claim may not exceed 43200 seconds, and must be at '
           'least 60 seconds long.')
    grace = ('The grace for a claim may not exceed 43200 seconds, and must '
             'be at least 60 seconds long.')
    limit = 'Limit must be at least 1 and may not be greater than 20.'
    assert fails(validator.claim_creation, 59, 60) == ttl
    assert fails(validator.claim_creation, 43201, 60) == ttl
    assert fails(validator.claim_creation, 60, 59) == grace
    assert fails(validator.claim_creation, 60, 43201) == grace
    assert fails(validator.claim_creation, 60, 60, 21) == limit
    assert fails(validator.claim_creation, 60, 60, 0) == limit
    # Zaqar's order: ttl, then limit, then grace.
    assert fails(validator.claim_creation, 1, 1, 0) == ttl
    assert fails(validator.claim_creation, 60, 1, 0) == limit


def test_claim_updating(validator):
    validator.claim_updating(60)
    assert fails(validator.claim_updating, 43201).startswith(
        'The TTL for a claim may not exceed 43200 seconds')


def test_minimums_come_from_conf():
    conf = swiftq.conf.new_conf(overrides={
        ('transport', 'min_message_ttl'): 1,
        ('transport', 'min_claim_ttl'): 1,
        ('transport', 'min_claim_grace'): 0})
    validator = validation.Validator(conf)
    validator.message_posting([{'ttl': 1}])
    validator.claim_creation(1, 0)
    validator.queue_metadata_putting({'_default_message_ttl': 1})
    assert fails(validator.message_posting, [{'ttl': 0}]).endswith(
        'must be at least 1 seconds long.')
