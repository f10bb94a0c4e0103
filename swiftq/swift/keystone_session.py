"""swiftq's own Keystone session, for ``[swift] auth_type = keystone``.

swiftq reaches Swift as a service user (all tenants' queues live in one
Swift account, separated by container names: see
:mod:`swiftq.storage.naming`), not with its callers' tokens. The session
is built from ``[swift_keystone]`` with keystoneauth1's conf loaders, so
any keystoneauth1 plugin works (``password``, ``v3applicationcredential``,
...); keystoneauth1 caches the token and re-authenticates before it
expires. :class:`swiftq.swift.auth.KeystoneAuth` asks it for the token and
for Swift's URL in the catalog (service type ``object-store``).
"""

from keystoneauth1 import loading as ks_loading

from swiftq.conf import swift_keystone


def load_session(conf):
    """A keystoneauth1 Session for the service user of ``conf``."""
    group = swift_keystone.GROUP_NAME
    auth = ks_loading.load_auth_from_conf_options(conf, group)
    if auth is None:
        raise ValueError('[swift] auth_type = keystone needs [%s] auth_type '
                         '(e.g. password) and that plugin\'s options '
                         '(auth_url, username, password, project_name...)'
                         % group)
    return ks_loading.load_session_from_conf_options(conf, group, auth=auth)


def endpoint_filter(conf):
    """How to pick Swift's endpoint in the catalog:
    ``KeystoneAuth(session, **endpoint_filter(conf))``."""
    group = conf[swift_keystone.GROUP_NAME]
    return {'interface': group.interface, 'region_name': group.region_name}
