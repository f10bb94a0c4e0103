from oslo_config import cfg

auth_strategy = cfg.StrOpt(
    'auth_strategy', default='keystone', choices=['noauth', 'keystone'],
    help='How tenants authenticate. "keystone" validates X-Auth-Token with '
         'keystonemiddleware and takes the project from the token; '
         '"noauth" trusts the X-Project-ID header and is for development '
         'only.')

GROUP_NAME = 'DEFAULT'
ALL_OPTS = [auth_strategy]


def register_opts(conf):
    conf.register_opts(ALL_OPTS)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
