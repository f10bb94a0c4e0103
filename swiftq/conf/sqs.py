"""``[sqs]``: the Amazon SQS-compatible endpoint (doc/source/sqs.rst).

It is served at ``/sqs`` of the API, on the same queues as the Zaqar
API. Requests are signed with AWS Signature Version 4: with
``auth_strategy = keystone`` by an EC2 credential that Keystone verifies
(``/v3/ec2tokens``, as the ``[keystone_authtoken]`` service user), with
``noauth`` by the one development secret key below (the access key id is
then the project).
"""

from oslo_config import cfg

enabled = cfg.BoolOpt(
    'enabled', default=True,
    help='Serve the SQS endpoint at /sqs.')

noauth_secret_key = cfg.StrOpt(
    'noauth_secret_key', default='swiftq-dev-secret', secret=True,
    help='With auth_strategy = noauth, the AWS secret access key every '
         'request to /sqs must be signed with (any access key id; it '
         'names the project). For development only.')

receipt_handle_key = cfg.StrOpt(
    'receipt_handle_key', secret=True,
    help='Secret key of the HMAC-SHA256 that signs SQS receipt handles, '
         'so that a client cannot forge one. Every API process of a '
         'deployment must have the same one. Unset: [signed_url] '
         'secret_key, else (noauth only) noauth_secret_key; with keystone '
         'and neither set, /sqs is not served. Changing it invalidates the '
         'receipt handles of messages received before.')

signature_max_age = cfg.IntOpt(
    'signature_max_age', default=900, min=1,
    help='How far, in seconds, a request\'s X-Amz-Date may be from the '
         'server\'s clock (AWS allows 15 minutes).')

GROUP_NAME = 'sqs'
ALL_OPTS = [enabled, noauth_secret_key, receipt_handle_key,
            signature_max_age]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
