"""Pre-signed URLs (``POST /v2/queues/{q}/share``): Zaqar's ``[signed_url]``
group, so an operator's zaqar.conf value carries over and URLs signed by
one API process are accepted by every other one sharing the key."""

from oslo_config import cfg

secret_key = cfg.StrOpt(
    'secret_key', secret=True,
    help='Secret key of the HMAC-SHA256 that signs pre-signed URLs. Every '
         'API process of a deployment must have the same one. Unset: '
         'POST .../share answers 400 and requests carrying URL-Signature '
         'are refused. Changing it invalidates every URL signed before.')

GROUP_NAME = 'signed_url'
ALL_OPTS = [secret_key]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
