"""How swiftq logs in to Keystone to reach Swift as a service, when
``[swift] auth_type = keystone``.

The options are keystoneauth1's (``auth_type``, ``auth_url``,
``username``, ``password``, ``project_name``, the domains, and the session
options ``cafile``, ``insecure``, ``timeout``...), loaded with its
``load_auth_from_conf_options``/``load_session_from_conf_options``, as
every OpenStack service does for the services it calls; the sample shows
those of ``auth_type = password``. Swift's URL comes from the token's
catalog (service type ``object-store``, this group's ``interface`` and
``region_name``) unless ``[swift] storage_url`` overrides it.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP_NAME = 'swift_keystone'

interface = cfg.StrOpt(
    'interface', default='public',
    choices=['public', 'internal', 'admin'],
    help='Which of the catalog\'s object-store endpoints swiftq uses.')

region_name = cfg.StrOpt(
    'region_name',
    help='Region of the object-store endpoint (needed when the catalog '
         'has several).')

OWN_OPTS = [interface, region_name]


def register_opts(conf):
    conf.register_opts(OWN_OPTS, group=GROUP_NAME)
    ks_loading.register_session_conf_options(conf, GROUP_NAME)
    ks_loading.register_auth_conf_options(conf, GROUP_NAME)


def list_opts():
    return {GROUP_NAME: (
        OWN_OPTS
        + ks_loading.get_session_conf_options()
        + ks_loading.get_auth_common_conf_options()
        + ks_loading.get_auth_plugin_conf_options('password'))}
