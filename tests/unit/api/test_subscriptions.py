"""Subscription rules (:mod:`swiftq.api.validation`), ids and names
(:mod:`swiftq.storage.naming`) and the resource's answers over the
in-memory storage. Behaviour against Swift is in
tests/functional/test_subscriptions.py."""

import pytest

from swiftq.api import validation
from swiftq.storage import naming
import swiftq.conf
from tests.unit.api.base import app, assert_error, client, conf  # noqa: F401
from tests.unit.api.base import overrides, storage  # noqa: F401

ValidationFailed = validation.ValidationFailed
TYPES = "['http', 'https', 'mailto', 'trust+http', 'trust+https']"
SUBS = '/v2/queues/q/subscriptions'


@pytest.fixture
def validator():
    return validation.Validator(swiftq.conf.new_conf())


def fails(call, *args):
    with pytest.raises(ValidationFailed) as info:
        call(*args)
    return str(info.value)


# -- validation ---------------------------------------------------------------
@pytest.mark.parametrize('document', [
    {'subscriber': 'http://example.com'},
    {'subscriber': 'https://example.com', 'ttl': 60, 'options': {}},
    {'subscriber': 'mailto:someone@example.com', 'ttl': None,
     'options': None},
    {'subscriber': 'trust+https://example.com', 'options': {
        '_retry_policy': {'minimum_delay': 5, 'maximum_delay': 30,
                          'retry_backoff_function': 'linear'}}},
])
def test_posting_accepts(validator, document):
    validator.subscription_posting(document)


@pytest.mark.parametrize('document,message', [
    ({}, 'Missing parameter subscriber in body.'),
    ({'ttl': 100}, 'Missing parameter subscriber in body.'),
    ([], 'Subscriptions must be a dict.'),
    (['subscriber'], 'Subscriptions must be a dict.'),
    ({'subscriber': None}, 'The subscriber type of subscription must be '
     'supported in the list %s.' % TYPES),
    ({'subscriber': 'no-scheme'}, 'The subscriber type of subscription '
     'must be supported in the list %s.' % TYPES),
    ({'subscriber': 'ftp://x'}, 'The subscriber type of subscription must '
     'be supported in the list %s.' % TYPES),
    ({'subscriber': ['http://x']}, 'The subscriber type of subscription '
     'must be supported in the list %s.' % TYPES),
    ({'subscriber': 'http://x', 'options': 'a'}, 'Options must be a dict.'),
    ({'subscriber': 'http://x', 'options': 0}, 'Options must be a dict.'),
    ({'subscriber': 'trust+http://x', 'options': {'trust_id': 7}},
     'Options trust_id must be a non-empty string.'),
    ({'subscriber': 'trust+http://x', 'options': {'trust_id': ''}},
     'Options trust_id must be a non-empty string.'),
    ({'subscriber': 'http://x', 'ttl': '60'}, 'TTL must be an integer.'),
    ({'subscriber': 'http://x', 'ttl': False}, 'TTL must be an integer.'),
    ({'subscriber': 'http://x', 'ttl': 60.0}, 'TTL must be an integer.'),
    ({'subscriber': 'http://x', 'ttl': 59},
     'The TTL for a subscription must be at least 60 seconds long.'),
    ({'subscriber': 'http://x', 'ttl': 10 ** 12},
     'The TTL seconds for a subscription plus current time must be less '
     'than 9999-12-31 23:59:59.999999.'),
    ({'subscriber': 'http://x',
      'options': {'_retry_policy': {'minimum_delay': 20,
                                    'maximum_delay': 10}}},
     'minimum_delay must less than maximum_delay.'),
])
def test_posting_refuses(validator, document, message):
    assert fails(validator.subscription_posting, document) == message


def test_patching(validator):
    validator.subscription_patching({'ttl': 600})
    validator.subscription_patching({'subscriber': None, 'ttl': 600})
    assert fails(validator.subscription_patching, {}) == \
        'No subscription to create.'
    assert fails(validator.subscription_patching, []) == \
        'No subscription to create.'
    assert fails(validator.subscription_patching, [1]) == \
        'Subscriptions must be a dict.'
    assert fails(validator.subscription_patching, {'ttl': 1}) == \
        'The TTL for a subscription must be at least 60 seconds long.'


def test_changes_keep_known_non_null_fields(validator):
    assert validator.subscription_changes({
        'subscriber': 'http://x', 'ttl': None, 'options': {'a': 1},
        'confirmed': True, 'other': 1}) == {'subscriber': 'http://x',
                                            'options': {'a': 1}}
    assert validator.subscription_changes({'other': 1}) == {}


@pytest.mark.parametrize('document', [
    {}, {'confirmed': 1}, {'confirmed': 'true'}, {'confirmed': None}, [],
    [True]])
def test_confirming_needs_a_boolean(validator, document):
    assert fails(validator.subscription_confirming, document) == \
        "The 'confirmed' should be boolean."
    validator.subscription_confirming({'confirmed': False})


def test_listing_limit(validator):
    validator.subscription_listing(None)
    validator.subscription_listing(20)
    for limit in (0, 21):
        assert fails(validator.subscription_listing, limit) == \
            'Limit must be at least 1 and may not be greater than 20.'


def test_limits_from_conf():
    validator = validation.Validator(swiftq.conf.new_conf(overrides={
        ('transport', 'min_subscription_ttl'): 1,
        ('transport', 'subscriber_types'): ['https'],
        ('transport', 'max_subscriptions_per_page'): 5}))
    validator.subscription_posting({'subscriber': 'https://x', 'ttl': 1})
    assert fails(validator.subscription_posting,
                 {'subscriber': 'http://x'}) == (
        "The subscriber type of subscription must be supported in the list "
        "['https'].")
    assert fails(validator.subscription_listing, 6) == \
        'Limit must be at least 1 and may not be greater than 5.'


# -- ids and names ------------------------------------------------------------
def test_ids_are_uuids_in_creation_order():
    ids = [naming.new_subscription_id() for _ in range(50)]
    assert all(naming.is_subscription_id(i) for i in ids)
    assert len(set(ids)) == 50
    # Millisecond time first: ids of different milliseconds sort by time.
    stamps = [int(i.replace('-', '')[:12], 16) for i in ids]
    assert stamps == sorted(stamps)
    assert all(i[14] == '7' for i in ids)       # UUID version 7


@pytest.mark.parametrize('value', [
    None, 1, '', 'fake', '01a21d4a0e9a77aaa4d6564f1fc899e9',
    '01A21D4A-0E9A-77AA-A4D6-564F1FC899E9', '../x',
    '01a21d4a-0e9a-77aa-a4d6-564f1fc899e9/x'])
def test_ill_formed_ids(value):
    assert not naming.is_subscription_id(value)


def test_index_and_object_names():
    container = naming.queue_container('swiftq', 'proj', 'q')
    assert naming.subscriptions_container('swiftq') == 'swiftq.subscriptions'
    assert not naming.subscriptions_container('swiftq').startswith(
        naming.catalog_prefix('swiftq', 'proj'))
    assert naming.subscription_object(container, 'abc') == \
        'swiftq:proj:q/abc'
    marker = naming.subscriber_marker_object(container, 'http://x')
    assert marker.startswith('swiftq:proj:q/~')
    # Every id sorts before every marker of the same queue.
    assert naming.subscription_object(
        container, 'ffffffff-ffff-7fff-bfff-ffffffffffff') < marker


# -- the resource over the in-memory storage ----------------------------------
def test_post_validates_before_touching_storage(client, storage):
    resp = client.post(SUBS, json={'subscriber': 'fake'})
    assert_error(resp, 400, 'Invalid API request')
    assert storage.calls == []


def test_post_creates_queue_then_subscription(client, storage):
    resp = client.post(SUBS, json={'subscriber': 'http://x', 'ttl': 120,
                                   'options': {'a': 1}})
    assert resp.status_code == 201
    assert resp.headers['Location'].endswith(SUBS)
    sub_id = resp.get_json()['subscription_id']
    assert [c[0] for c in storage.calls] == ['queue_create',
                                             'subscription_create']
    assert storage.calls[1][1:] == ('p-unit', 'q', 'http://x', 120,
                                    {'a': 1})
    got = client.get(SUBS + '/' + sub_id).get_json()
    assert isinstance(got.pop('age'), int)
    assert got == {'id': sub_id, 'source': 'q', 'subscriber': 'http://x',
                   'ttl': 120, 'options': {'a': 1}, 'confirmed': False}


def test_trust_subscriber_without_a_token_to_delegate_from(
        client, storage):
    """noauth (and pre-signed URLs): no Keystone token, so no trust can
    be made; nothing is stored."""
    resp = client.post(SUBS, json={'subscriber': 'trust+http://x'})
    assert_error(resp, 400, 'Invalid API request',
                 'A trust+ subscriber needs a Keystone token to delegate '
                 'from, or options.trust_id.')
    assert storage.calls == []


def test_trust_subscriber_with_its_own_trust_id(client, storage):
    resp = client.post(SUBS, json={'subscriber': 'trust+https://x',
                                   'options': {'trust_id': 'abc'}})
    assert resp.status_code == 201, resp.get_data(as_text=True)
    sub_id = resp.get_json()['subscription_id']
    assert client.get(SUBS + '/' + sub_id).get_json()['options'] == {
        'trust_id': 'abc'}
    assert 'created_trust' not in storage.subscription_data[sub_id]
    assert client.delete(SUBS + '/' + sub_id).status_code == 204


def test_expired_subscription_is_404(client, storage):
    sub_id = client.post(SUBS, json={'subscriber': 'http://x',
                                     'ttl': 60}).get_json()[
        'subscription_id']
    storage.now += 59
    assert client.get(SUBS + '/' + sub_id).status_code == 200
    storage.now += 1
    assert_error(client.get(SUBS + '/' + sub_id), 404, 'Not found',
                 'Subscription %s does not exist' % sub_id)
    assert client.get(SUBS).get_json() == {'subscriptions': [],
                                           'links': []}


def test_duplicate_answers(client):
    first = client.post(SUBS, json={'subscriber': 'http://x'})
    sub_id = first.get_json()['subscription_id']
    again = client.post(SUBS, json={'subscriber': 'http://x'})
    assert (again.status_code, again.get_json()) == (
        201, {'subscription_id': sub_id})
    client.put(SUBS + '/%s/confirm' % sub_id, json={'confirmed': True})
    resp = client.post(SUBS, json={'subscriber': 'http://x'})
    assert_error(resp, 409, 'Resource conflict')
    assert resp.headers['Location'].endswith(SUBS)


def test_patch_with_nothing_to_change(client, storage):
    sub_id = client.post(SUBS, json={'subscriber': 'http://x'}).get_json()[
        'subscription_id']
    resp = client.patch(SUBS + '/' + sub_id, json={'confirmed': True})
    assert_error(resp, 400, 'Unable to update subscription',
                 'Subscription %s could not be updated.' % sub_id)
    assert 'subscription_update' not in [c[0] for c in storage.calls]


def test_storage_unavailable_is_503(client, storage):
    storage.unavailable = True
    for method, path, body, description in [
            ('POST', SUBS, {'subscriber': 'http://x'},
             'Subscription could not be created.'),
            ('GET', SUBS, None, 'Subscriptions could not be listed.'),
            ('GET', SUBS + '/x', None,
             'Subscription could not be retrieved.'),
            ('PATCH', SUBS + '/x', {'ttl': 100},
             'Subscription could not be updated.'),
            ('DELETE', SUBS + '/x', None,
             'Subscription could not be deleted.'),
            ('PUT', SUBS + '/x/confirm', {'confirmed': True},
             'Subscription could not be confirmed.')]:
        resp = client.request(method, path, json=body)
        assert_error(resp, 503, 'Service temporarily unavailable',
                     description + ' Please try again in a few seconds.')
