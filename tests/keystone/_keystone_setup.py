"""Prepare a Keystone state directory in one process (runs in
.venv-keystone)::

    python _keystone_setup.py KEYSTONE_CONF -- CMD ARGS... -- CMD ARGS...

Runs the given ``keystone-manage`` sub-commands in order (``fernet_setup``,
``credential_setup``, ``db_sync``, ``bootstrap``...) in this one
interpreter: each ``keystone-manage`` process spends ~3 s (much more on a
busy machine) importing keystone before doing a fraction of a second of
work.
"""

import sys


def main(conf_file, commands):
    from keystone.cmd import cli
    import keystone.conf

    for command in commands:
        keystone.conf.CONF.clear()   # parse the next command line afresh
        cli.main(argv=['keystone-manage', '--config-file', conf_file]
                 + command)


def split_commands(args):
    commands, current = [], None
    for arg in args:
        if arg == '--':
            current = []
            commands.append(current)
        else:
            current.append(arg)
    return commands


if __name__ == '__main__':
    conf, rest = sys.argv[1], sys.argv[2:]
    del sys.argv[1:]
    main(conf, split_commands(rest))
