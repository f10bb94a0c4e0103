"""Print a genuine Fernet token that expired an hour ago (runs in
.venv-keystone)::

    python _mint_expired_token.py KEYSTONE_CONF USER_ID PROJECT_ID

Keystone issues tokens for ``[token] expiration`` seconds only, and a short
expiration for every token would make clients re-authenticate all the time.
This signs one project-scoped token with the server's own Fernet keys and
an expiry in the past: exactly what a client holds once its token has run
out.
"""

import datetime
import sys


def main(conf_file, user_id, project_id):
    import keystone.conf
    from keystone.token import provider
    from keystone.token import token_formatters

    keystone.conf.configure()   # registers every group, [auth] included
    keystone.conf.CONF([], project='keystone',
                       default_config_files=[conf_file])
    expired = (datetime.datetime.now(datetime.timezone.utc)
               - datetime.timedelta(hours=1))
    token = token_formatters.TokenFormatter().create_token(
        user_id, expired.strftime('%Y-%m-%dT%H:%M:%S.000000Z'),
        [provider.random_urlsafe_str()],
        token_formatters.ProjectScopedPayload, methods=['password'],
        project_id=project_id)
    print(token)


if __name__ == '__main__':
    args = sys.argv[1:]
    del sys.argv[1:]  # keystone parses the command line when configured
    main(*args)
