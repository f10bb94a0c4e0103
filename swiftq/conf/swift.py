from oslo_config import cfg

auth_type = cfg.StrOpt(
    'auth_type', default='tempauth', choices=['tempauth', 'keystone'],
    help='How swiftq authenticates to Swift as a service: "tempauth" (v1 '
         'auth_url/user/key, development and tests) or "keystone" '
         '(keystoneauth1 options in [swift_keystone]).')

auth_url = cfg.URIOpt(
    'auth_url', default='http://127.0.0.1:8080/auth/v1.0',
    help='tempauth (v1) authentication URL.')

user = cfg.StrOpt(
    'user', default='test:tester',
    help='tempauth user, "account:user".')

key = cfg.StrOpt(
    'key', default='testing', secret=True,
    help='tempauth key.')

storage_url = cfg.URIOpt(
    'storage_url',
    help='Override the storage URL returned by authentication (for '
         'example to reach Swift through an internal endpoint).')

container_prefix = cfg.StrOpt(
    'container_prefix', default='swiftq',
    regex=r'^[a-z0-9_]{1,16}$',
    help='Prefix of every container swiftq creates in its account, so '
         'several deployments (or tests) can share one Swift account.')

queue_stripes = cfg.IntOpt(
    'queue_stripes', default=1, min=1, max=64,
    help='Containers a new queue is spread over (its "stripes"), unless '
         'its metadata asks for more with "_stripes". Each stripe has its '
         'own claim lease, so API processes claim from one queue in '
         'parallel; order is FIFO within a stripe (see '
         'doc/source/design/stripes.rst). A queue keeps the count it was '
         'created with (or raised to): changing this affects new queues '
         'only.')

connect_timeout = cfg.FloatOpt(
    'connect_timeout', default=2.0, min=0.1,
    help='Seconds to wait for a TCP connection to the Swift proxy.')

read_timeout = cfg.FloatOpt(
    'read_timeout', default=10.0, min=0.1,
    help='Seconds to wait for each response from the Swift proxy.')

retries = cfg.IntOpt(
    'retries', default=2, min=0,
    help='Retries (with exponential backoff) of idempotent Swift requests '
         '(GET, HEAD, DELETE) on connection errors and 5xx answers.')

pool_size = cfg.IntOpt(
    'pool_size', default=32, min=1,
    help='Keep-alive connections to the Swift proxy per API worker '
         'process; should be at least [api] threads.')

GROUP_NAME = 'swift'
ALL_OPTS = [auth_type, auth_url, user, key, storage_url, container_prefix,
            queue_stripes, connect_timeout, read_timeout, retries, pool_size]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
