"""API limits. Names and defaults are Zaqar's ([transport] group), so an
operator's zaqar.conf values carry over; the ``min_*`` options are swiftq's
(Zaqar hard-codes 60 s) so tests can use short TTLs."""

from oslo_config import cfg

default_message_ttl = cfg.IntOpt(
    'default_message_ttl', default=3600,
    help='How long a message is accessible when the post gives no TTL.')

default_message_delay = cfg.IntOpt(
    'default_message_delay', default=0,
    help='Delay, in seconds, of messages posted without one (queue '
         'metadata _default_message_delay overrides it).')

default_claim_ttl = cfg.IntOpt(
    'default_claim_ttl', default=300,
    help='How long a claim lasts when the request gives no TTL.')

default_claim_grace = cfg.IntOpt(
    'default_claim_grace', default=60,
    help='Grace period, in seconds, added to claimed messages\' lives when '
         'the request gives none.')

default_subscription_ttl = cfg.IntOpt(
    'default_subscription_ttl', default=3600,
    help='How long a subscription lasts when the request gives no TTL.')

max_subscriptions_per_page = cfg.IntOpt(
    'max_subscriptions_per_page', default=20,
    help='Maximum number of subscriptions per page.')

min_subscription_ttl = cfg.IntOpt(
    'min_subscription_ttl', default=60, min=1,
    help='Minimum subscription TTL, in seconds.')

subscriber_types = cfg.ListOpt(
    'subscriber_types',
    default=['http', 'https', 'mailto', 'trust+http', 'trust+https'],
    help='URI schemes a subscriber may use.')

max_queues_per_page = cfg.IntOpt(
    'max_queues_per_page', default=20,
    help='Maximum number of queues per page.')

max_messages_per_page = cfg.IntOpt(
    'max_messages_per_page', default=20,
    help='Maximum number of messages per page (and per ids= request).')

max_messages_per_claim_or_pop = cfg.IntOpt(
    'max_messages_per_claim_or_pop', default=20,
    help='Maximum number of messages claimed or popped by one request.')

max_queue_metadata = cfg.IntOpt(
    'max_queue_metadata', default=64 * 1024,
    help='Maximum size of a queue\'s metadata, in bytes.')

max_messages_post_size = cfg.IntOpt(
    'max_messages_post_size', default=256 * 1024,
    help='Maximum size of a message post request body, in bytes.')

min_message_ttl = cfg.IntOpt(
    'min_message_ttl', default=60, min=1,
    help='Minimum message TTL, in seconds.')

max_message_ttl = cfg.IntOpt(
    'max_message_ttl', default=1209600,
    help='Maximum message TTL, in seconds.')

max_message_delay = cfg.IntOpt(
    'max_message_delay', default=900,
    help='Maximum message delay, in seconds.')

min_claim_ttl = cfg.IntOpt(
    'min_claim_ttl', default=60, min=1,
    help='Minimum claim TTL, in seconds.')

max_claim_ttl = cfg.IntOpt(
    'max_claim_ttl', default=43200,
    help='Maximum claim TTL, in seconds.')

min_claim_grace = cfg.IntOpt(
    'min_claim_grace', default=60, min=0,
    help='Minimum claim grace, in seconds.')

max_claim_grace = cfg.IntOpt(
    'max_claim_grace', default=43200,
    help='Maximum claim grace, in seconds.')

client_id_uuid_safe = cfg.StrOpt(
    'client_id_uuid_safe', default='strict', choices=['strict', 'off'],
    help='"strict": Client-ID must be a UUID; "off": any string whose '
         'length is within min/max_length_client_id.')

min_length_client_id = cfg.IntOpt(
    'min_length_client_id', default=10,
    help='Minimum Client-ID length when client_id_uuid_safe is off.')

max_length_client_id = cfg.IntOpt(
    'max_length_client_id', default=36,
    help='Maximum Client-ID length when client_id_uuid_safe is off.')

message_delete_with_claim_id = cfg.BoolOpt(
    'message_delete_with_claim_id', default=False,
    help='Require a claim id to delete messages, so a message cannot be '
         'deleted before it was claimed and handled (Zaqar\'s option).')

message_encryption_algorithms = cfg.StrOpt(
    'message_encryption_algorithms', default='AES256', choices=['AES256'],
    help='Algorithm of the message bodies of queues with '
         '_enable_encrypt_messages (Zaqar\'s option; its "RSA" is not '
         'offered: Zaqar\'s RSA encryptor cannot decrypt).')

message_encryption_key = cfg.StrOpt(
    'message_encryption_key', secret=True,
    help='Secret the AES-256 key of encrypted queues\' message bodies is '
         'derived from (its SHA-256 digest, as Zaqar derives it). Unset, '
         'posts to a queue with _enable_encrypt_messages are answered 503 '
         '(Zaqar\'s default, the public string "AES256", is not kept: it '
         'would encrypt with a key everyone knows). Changing it: keep the '
         'old secret in message_encryption_old_keys while messages sealed '
         'with it live.')

message_encryption_old_keys = cfg.ListOpt(
    'message_encryption_old_keys', default=[], secret=True,
    help='Earlier values of message_encryption_key, accepted to decrypt '
         'message bodies encrypted with them (never to encrypt): key '
         'rotation. A secret may be dropped once max_message_delay + '
         'max_message_ttl + max_claim_ttl + max_claim_grace seconds have '
         'passed since it was replaced.')

GROUP_NAME = 'transport'
ALL_OPTS = [
    message_delete_with_claim_id,
    default_message_ttl, default_message_delay, default_claim_ttl,
    default_claim_grace, max_queues_per_page, max_messages_per_page,
    max_messages_per_claim_or_pop, max_queue_metadata,
    max_messages_post_size, min_message_ttl, max_message_ttl,
    max_message_delay, min_claim_ttl, max_claim_ttl, min_claim_grace,
    max_claim_grace, client_id_uuid_safe, min_length_client_id,
    max_length_client_id, default_subscription_ttl,
    max_subscriptions_per_page, min_subscription_ttl, subscriber_types,
    message_encryption_algorithms, message_encryption_key,
    message_encryption_old_keys,
]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
