"""The trustee user of ``trust+http(s)://`` subscriptions (``[trustee]``).

Named as Zaqar's (``zaqar/common/auth.py``), so an operator's
``[trustee]`` section of zaqar.conf carries over: keystoneauth1's options
(``auth_type``, ``auth_url``, ``username``, ``password``,
``user_domain_id``...; the sample shows those of ``auth_type =
password``) and its session options (``cafile``, ``insecure``,
``timeout``...). Give the trustee user and its domain, but no project: a
token of the trustee is scoped to one trust at a time.

The API reads it to learn the trustee's user id (the trustee of every
trust it creates) and to delete a subscription's trust; the notifier
reads it to get a token scoped to a subscription's trust. Unset
(``auth_type`` empty): no trust is created and ``trust+`` subscriptions
without ``options.trust_id`` are refused (see
doc/source/design/subscriptions.rst, "Trust subscribers").
"""

from keystoneauth1 import loading as ks_loading

GROUP_NAME = 'trustee'
PASSWORD_PLUGIN = 'password'


def register_opts(conf):
    ks_loading.register_auth_conf_options(conf, GROUP_NAME)
    ks_loading.register_session_conf_options(conf, GROUP_NAME)


def list_opts():
    return {GROUP_NAME: (
        ks_loading.get_auth_common_conf_options()
        + ks_loading.get_auth_plugin_conf_options(PASSWORD_PLUGIN)
        + ks_loading.get_session_conf_options())}
