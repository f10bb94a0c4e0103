from oslo_config import cfg

auth_strategy = cfg.StrOpt(
    'auth_strategy', default='keystone', choices=['noauth', 'keystone'],
    help='How tenants authenticate. "keystone" validates X-Auth-Token with '
         'keystonemiddleware and takes the project from the token; '
         '"noauth" trusts the X-Project-ID header and is for development '
         'only.')

# In [DEFAULT], where Zaqar reads it (zaqar/conf/default.py); swiftq read
# it from [transport] first. The old name is given in full (not as
# deprecated_group alone) so that the sample file shows it.
enable_checksum = cfg.BoolOpt(
    'enable_checksum', default=False,
    deprecated_opts=[cfg.DeprecatedOpt('enable_checksum',
                                       group='transport')],
    help='Return an MD5 checksum of each message body ("MD5:<hex>").')

GROUP_NAME = 'DEFAULT'
ALL_OPTS = [auth_strategy, enable_checksum]


def register_opts(conf):
    conf.register_opts(ALL_OPTS)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
