"""Options of ``swiftq-status upgrade check`` (:mod:`swiftq.cmd.status`).

The API never reads them.
"""

from oslo_config import cfg

swift_dir = cfg.StrOpt(
    'swift_dir', default='/etc/swift',
    help='Directory holding Swift\'s swift.conf and object ring files, when '
         'this host has them (Swift proxy hosts and all-in-one hosts do; '
         'copying object*.ring.gz and swift.conf here works too). Swift does '
         'not tell its replica count over its API: swiftq-status reads it '
         'from the ring of the storage policy swiftq\'s containers use, and '
         'warns that it could not check durability when the ring is not '
         'here.')

expirer_timeout = cfg.FloatOpt(
    'expirer_timeout', default=30.0, min=0.0,
    help='Seconds swiftq-status waits for Swift\'s object expirer to remove '
         'an object it wrote to expire one second later (its '
         '--expirer-timeout overrides this). Swift\'s expirer runs every '
         '300 seconds by default, so a short wait may not see it; the object '
         'stays behind and the next run of the check reports whether it was '
         'removed.')

expirer_max_delay = cfg.FloatOpt(
    'expirer_max_delay', default=3600.0, min=60.0,
    help='An object that expired more than this many seconds ago and is '
         'still listed means that Swift\'s object expirer is not running: '
         'swiftq-status then warns. Make it larger than the expirer\'s '
         'interval plus the time it needs for one pass over the cluster.')

GROUP_NAME = 'status'
ALL_OPTS = [swift_dir, expirer_timeout, expirer_max_delay]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
