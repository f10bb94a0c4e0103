"""swiftq-status: check a deployment from its configuration file.

::

    swiftq-status [--config-file /etc/swiftq/swiftq.conf] upgrade check \\
        [--json] [--expirer-timeout SECONDS]

The ``nova-status upgrade check`` of swiftq, built on oslo.upgradecheck:
one table row (or JSON entry with ``--json``) per check, and the exit code
of the worst result: 0 all passed, 1 a warning, 2 a failure, 255 the
command itself broke. Run it on an API host, with the API's configuration,
before and after an upgrade or a Swift change. It talks to Swift the way
the API does ([swift]), never to the API, and writes only to one scratch
container, ``<container_prefix>-status``, which no queue can be named
(container prefixes cannot contain ``-``).

Checks, in order:

Swift access
    Authenticates with ``[swift]`` and HEADs the account. Failure when
    Swift cannot be reached or refuses the credentials; the checks that
    need Swift are then reported as failures too.
Swift durability
    How many copies Swift keeps of the objects of every storage policy in
    swiftq's account (and of the default policy, which new queues get).
    Swift does not say this over its API (its ``/info`` gives policy names
    only), so it is read from ``swift.conf`` and the object ring in
    ``[status] swift_dir``: present on Swift proxies and all-in-one hosts,
    or copied there. Warning below 3 replicas, loudly at 1 (no durability:
    losing one disk loses messages); for erasure-coded policies, below 2
    parity fragments. Warning when the ring is not there to read.
Swift object expirer
    Writes an object with ``X-Delete-At`` two seconds ahead and waits up to
    ``--expirer-timeout`` (``[status] expirer_timeout``) for it to leave
    the container listing, which only the expirer makes it do. Swift's
    expirer runs every 300 s by default, so the object may outlive a short
    wait; then the next run reports whether that object was removed.
    Objects that expired more than ``[status] expirer_max_delay`` ago and
    are still listed mean the expirer is not running: warning. swiftq
    filters expired messages itself; without the expirer, Swift only keeps
    their space.
Clock skew with Swift
    Compares the X-Timestamp Swift gives a few writes with this host's
    clock (minus the round trip). Queue leases need every API host and
    Swift proxy within ``[claims] max_clock_skew`` of each other: warning
    above it. Run NTP everywhere.
Proxy stamping delay
    How late Swift stamps a write: the X-Timestamp of each of a few PUTs
    minus the time it left this host (this includes the clock offset, as
    the lease protocol sees it). A write under a queue lease that leaves
    just before its deadline must be stamped within ``[claims]
    max_clock_skew + lease_settle_delay`` of it (claims.rst, "Every write
    under a lease leaves and is answered before the deadline"): warning
    above it (an overloaded proxy, a slow middleware or load balancer in
    front of it). Measured on an idle moment: keep a wide margin.
Claim timing
    ``[claims]`` bounds that the claim protocol needs
    (``lease_settle_delay > lease_write_deadline``,
    doc/source/design/claims.rst): failure otherwise.
Policy file
    When ``[oslo_policy] policy_file`` exists: failure when it is JSON
    (oslo.upgradecheck's common check) or does not load, warning for rules
    swiftq does not know (typos) or that refer to undefined rules.
"""

import configparser
import gzip
import json
import os
import struct
import sys
import time
import uuid

from oslo_config import cfg
from oslo_upgradecheck import upgradecheck

from swiftq import cmd
import swiftq.conf
from swiftq.swift.client import SwiftClient
from swiftq.swift.errors import SwiftUnavailable

SUCCESS = upgradecheck.Code.SUCCESS
WARNING = upgradecheck.Code.WARNING
FAILURE = upgradecheck.Code.FAILURE

#: Scratch container: ``<container_prefix>`` + this.
SCRATCH_SUFFIX = '-status'
#: Expirer canaries: this + ``<delete-at, 12 digits>-<random>``.
CANARY_PREFIX = 'expirer-canary/'
#: Names the canary written by the previous run.
LAST_CANARY = 'expirer-canary-last'
CLOCK_PROBE = 'clock-probe'
CLOCK_SAMPLES = 3
STAMP_SAMPLES = 10
EXPIRER_POLL_INTERVAL = 1.0
#: Fewest replicas (or, erasure coded, parity fragments + 1) that pass.
MIN_COPIES = 3


class _NoSwift(Exception):
    """Swift could not be used; the message says why."""


def _result(code, details):
    return upgradecheck.Result(code, details)


def _plural(count, word):
    return '%g %s%s' % (count, word, '' if count == 1 else 's')


# -- what swift.conf and the rings say (Swift is not asked) -----------------
def read_policies(swift_dir):
    """Storage policies of ``swift_dir/swift.conf``: {lower-case name or
    alias: {'index': int, 'name', 'type', 'ec_num_parity_fragments',
    'ec_duplication_factor'}}; None when there is no swift.conf. Without
    storage-policy sections Swift has the one policy ``Policy-0``."""
    path = os.path.join(swift_dir, 'swift.conf')
    parser = configparser.ConfigParser(interpolation=None)
    if not parser.read(path):
        return None
    policies = {}
    for section in parser.sections():
        if not section.startswith('storage-policy:'):
            continue
        options = parser[section]
        entry = {
            'index': int(section.split(':', 1)[1]),
            'name': options.get('name', ''),
            'type': options.get('policy_type', 'replication'),
            'ec_num_parity_fragments': options.getint(
                'ec_num_parity_fragments', 0),
            'ec_duplication_factor': options.getint(
                'ec_duplication_factor', 1),
        }
        names = [entry['name']] + [
            a.strip() for a in options.get('aliases', '').split(',')]
        for name in names:
            if name:
                policies[name.lower()] = entry
    if not policies:
        policies['policy-0'] = {'index': 0, 'name': 'Policy-0',
                                'type': 'replication'}
    return policies


def ring_replicas(path):
    """The replica count recorded in a Swift ring file (``*.ring.gz``).

    Format 1 (what swift-ring-builder writes by default) is read here:
    gzip of ``R1NG``, a 2-byte version, a 4-byte length and a JSON header
    with ``replica_count``. Other formats are read with Swift's own code
    when Swift is installed on this host.
    """
    with gzip.open(path, 'rb') as f:
        magic, version = struct.unpack('!4sH', f.read(6))
        if magic != b'R1NG':
            raise ValueError('%s is not a Swift ring' % path)
        if version == 1:
            length, = struct.unpack('!I', f.read(4))
            header = json.loads(f.read(length))
            if 'replica_count' in header:
                return float(header['replica_count'])
    try:
        from swift.common.ring import RingData
    except ImportError:
        raise ValueError('%s: ring format %d needs Swift installed to be '
                         'read' % (path, version))
    return float(RingData.load(path, metadata_only=True).replica_count)


def ring_path(swift_dir, index):
    name = 'object.ring.gz' if index == 0 else 'object-%d.ring.gz' % index
    return os.path.join(swift_dir, name)


def durability(policy_name, swift_dir):
    """``(code, sentence)`` for one storage policy."""
    policies = read_policies(swift_dir)
    if policies is None:
        return WARNING, (
            'policy %s: could not tell how many copies Swift keeps: Swift '
            'does not publish it over its API and %s has no swift.conf '
            '([status] swift_dir). Run swiftq-status on a Swift proxy '
            'host, or copy swift.conf and the object rings there; '
            '"swift-ring-builder object.builder" shows the replica count.'
            % (policy_name, swift_dir))
    policy = policies.get(policy_name.lower())
    if policy is None:
        return WARNING, ('policy %s is not in %s/swift.conf: is '
                         '[status] swift_dir this cluster\'s?'
                         % (policy_name, swift_dir))
    if policy['type'] == 'erasure_coding':
        parity = policy['ec_num_parity_fragments']
        copies = policy['ec_duplication_factor']
        tolerated = (parity + 1) * copies - 1
        text = ('policy %s: erasure coded, %s (%s)' % (
            policy_name, _plural(parity, 'parity fragment'),
            'survives the loss of %s' % _plural(tolerated, 'fragment')))
        if tolerated + 1 >= MIN_COPIES:
            return SUCCESS, text
        return WARNING, text + ': fewer than 2 parity fragments.'
    path = ring_path(swift_dir, policy['index'])
    try:
        replicas = ring_replicas(path)
    except (OSError, ValueError, EOFError, struct.error) as exc:
        return WARNING, ('policy %s: could not read its ring (%s). Swift '
                         'does not publish replica counts over its API.'
                         % (policy_name, exc))
    text = 'policy %s: %s (%s)' % (policy_name,
                                   _plural(replicas, 'replica'), path)
    if replicas >= MIN_COPIES:
        return SUCCESS, text
    if replicas < 2:
        return WARNING, (
            '*** %s: NO DURABILITY. Every message exists once: losing one '
            'disk loses messages, and one storage node down stops the '
            'service. For development only; production needs %d replicas '
            'or more. ***' % (text, MIN_COPIES))
    return WARNING, ('%s: below %d; losing two disks can lose messages.'
                     % (text, MIN_COPIES))


class Checks(upgradecheck.UpgradeCommands):
    """The checks of ``swiftq-status upgrade check`` (module docstring)."""

    def __init__(self, conf, expirer_timeout=None, clock=time.time,
                 sleep=time.sleep):
        super().__init__()
        self.conf = conf
        self.expirer_timeout = expirer_timeout
        self._clock = clock
        self._sleep = sleep
        self._swift = None
        self._swift_error = None
        self._account_headers = {}
        self._scratch_ready = False

    @property
    def scratch(self):
        return self.conf.swift.container_prefix + SCRATCH_SUFFIX

    # -- Swift, shared by the checks -----------------------------------------
    def _client(self):
        if self._swift is None and self._swift_error is None:
            try:
                client = SwiftClient.from_conf(self.conf)
                resp = client.request('HEAD', retries=0)
            except SwiftUnavailable as exc:
                self._swift_error = str(exc)
            except Exception as exc:  # keystoneauth1's option loading...
                self._swift_error = '%s: %s' % (type(exc).__name__, exc)
            else:
                if resp.status in (401, 403):
                    self._swift_error = ('Swift refused the credentials '
                                         '(HTTP %d)' % resp.status)
                elif not resp.ok:
                    self._swift_error = ('Swift answered HTTP %d to a HEAD '
                                         'of the account' % resp.status)
                else:
                    self._swift = client
                    self._account_headers = resp.headers
        if self._swift is None:
            raise _NoSwift('not checked: Swift is not usable (%s).'
                           % self._swift_error)
        return self._swift

    def _scratch_container(self):
        client = self._client()
        if not self._scratch_ready:
            resp = client.request('PUT', self.scratch)
            if not resp.ok:
                raise _NoSwift('could not create the scratch container %s '
                               '(HTTP %d)' % (self.scratch, resp.status))
            self._scratch_ready = True
        return client

    def _put(self, name, data=b'', headers=None):
        client = self._scratch_container()
        resp = client.put_object(self.scratch, name, data,
                                 content_type='text/plain', headers=headers)
        if not resp.ok:
            raise _NoSwift('could not write %s/%s (HTTP %d)'
                           % (self.scratch, name, resp.status))

    def _listed(self, prefix):
        client = self._scratch_container()
        return [entry['name'] for entry in client.iter_objects(
            self.scratch, prefix=prefix)]

    # -- the checks --------------------------------------------------------
    def _check_swift_access(self):
        try:
            self._client()
        except _NoSwift:
            return _result(FAILURE, (
                'Swift is not usable with [swift] auth_type = %s: %s. Check '
                'the [swift] (and, for keystone, [swift_keystone]) options.'
                % (self.conf.swift.auth_type, self._swift_error)))
        headers = self._account_headers
        return _result(SUCCESS, (
            'authenticated with [swift] auth_type = %s; the account holds '
            '%s containers and %s objects.' % (
                self.conf.swift.auth_type,
                headers.get('X-Account-Container-Count', '?'),
                headers.get('X-Account-Object-Count', '?'))))

    def _policies_in_use(self):
        """Storage policy names of swiftq's containers: the scratch
        container's (the default, what new queues get) and those the
        account has containers in."""
        client = self._scratch_container()
        resp = client.request('HEAD', self.scratch)
        names = []
        default = resp.headers.get('X-Storage-Policy')
        if default:
            names.append(default)
        prefix = 'x-account-storage-policy-'
        suffix = '-container-count'
        for header, value in self._account_headers.items():
            header = header.lower()
            if header.startswith(prefix) and header.endswith(suffix):
                name = header[len(prefix):-len(suffix)]
                if value != '0' and name not in [n.lower() for n in names]:
                    names.append(name)
        return names

    def _check_durability(self):
        try:
            names = self._policies_in_use()
        except (_NoSwift, SwiftUnavailable) as exc:
            return _result(FAILURE, str(exc))
        if not names:
            return _result(WARNING, 'Swift named no storage policy.')
        found = [durability(name, self.conf.status.swift_dir)
                 for name in names]
        return _result(max(code for code, _ in found),
                       ' '.join(text for _, text in found))

    def _check_expirer(self):
        timeout = self.expirer_timeout
        if timeout is None:
            timeout = self.conf.status.expirer_timeout
        try:
            return self._expirer(timeout)
        except (_NoSwift, SwiftUnavailable) as exc:
            return _result(FAILURE, str(exc))

    def _expirer(self, timeout):
        client = self._scratch_container()
        now = self._clock()
        canaries = self._listed(CANARY_PREFIX)
        stale = [name for name in canaries
                 if _canary_delete_at(name) < now -
                 self.conf.status.expirer_max_delay]
        if stale:
            oldest = min(_canary_delete_at(name) for name in stale)
            return _result(WARNING, (
                'Swift\'s object expirer is not running: %s that expired '
                'up to %d s ago %s still listed in %s. swiftq does not '
                'need it to serve, but Swift keeps expired messages\' '
                'space until it runs (swift-object-expirer, on the object '
                'servers or as its own service).' % (
                    _plural(len(stale), 'object'), now - oldest,
                    'is' if len(stale) == 1 else 'are', self.scratch)))
        previous = client.get_object(self.scratch, LAST_CANARY)
        previous = previous.data.decode() if previous.status == 200 else None

        # From the clock now, not ``now``: the listings above may have
        # taken more than a second, and Swift refuses (400) an
        # X-Delete-At in the past.
        delete_at = int(self._clock()) + 2
        canary = '%s%012d-%s' % (CANARY_PREFIX, delete_at,
                                 uuid.uuid4().hex[:8])
        self._put(canary, headers={'X-Delete-At': str(delete_at)})
        self._put(LAST_CANARY, canary.encode())

        started = self._clock()
        while True:
            if canary not in self._listed(canary):
                return _result(SUCCESS, (
                    'an object written with X-Delete-At left the listing '
                    '%.1f s after it expired.' % (self._clock() - delete_at)))
            if self._clock() - started >= timeout:
                break
            self._sleep(EXPIRER_POLL_INTERVAL)
        if (previous and previous not in canaries
                and _canary_delete_at(previous) < now):
            return _result(SUCCESS, (
                'the object that the previous check left to expire is '
                'gone from the listing (this run\'s is not yet, after %d s: '
                'Swift\'s expirer runs every 300 s by default).' % timeout))
        return _result(WARNING, (
            'not confirmed: an object written with X-Delete-At is still '
            'listed %d s after it expired (Swift\'s expirer runs every '
            '300 s by default). It stays in %s: run the check again later '
            '(or with a longer --expirer-timeout) to know.'
            % (self._clock() - delete_at, self.scratch)))

    def _check_clock(self):
        try:
            offsets = [self._clock_offset() for _ in range(CLOCK_SAMPLES)]
        except (_NoSwift, SwiftUnavailable) as exc:
            return _result(FAILURE, str(exc))
        # Each sample: Swift's clock minus ours, +- half the round trip.
        # The skew is at least |offset| - error; the worst sample counts
        # (a load balancer may spread the samples over several proxies).
        skew = max(max(0.0, abs(offset) - error) for offset, error in offsets)
        offset, error = max(offsets, key=lambda s: abs(s[0]) - s[1])
        bound = self.conf.claims.max_clock_skew
        text = ('Swift\'s clock is %+.3f s from this host\'s (+- %.3f s); '
                '[claims] max_clock_skew = %g s.' % (offset, error, bound))
        if skew > bound:
            return _result(WARNING, (
                'CLOCK SKEW: %s Queue leases assume every API host and '
                'Swift proxy agree within max_clock_skew: two API processes '
                'may both believe they hold a queue, and claims may then '
                'overlap. Synchronize the clocks (NTP) before serving.'
                % text))
        return _result(SUCCESS, text)

    def _clock_offset(self):
        client = self._scratch_container()
        before = self._clock()
        self._put(CLOCK_PROBE)
        after = self._clock()
        resp = client.request('HEAD', self.scratch, CLOCK_PROBE,
                              headers={'X-Newest': 'true'})
        if resp.timestamp is None:
            raise _NoSwift('Swift gave %s/%s no X-Timestamp (HTTP %d)'
                           % (self.scratch, CLOCK_PROBE, resp.status))
        middle = (before + after) / 2
        return resp.timestamp - middle, (after - before) / 2

    def _check_stamping(self):
        try:
            lateness = [sum(self._clock_offset())
                        for _ in range(STAMP_SAMPLES)]
        except (_NoSwift, SwiftUnavailable) as exc:
            return _result(FAILURE, str(exc))
        claims = self.conf.claims
        bound = claims.max_clock_skew + claims.lease_settle_delay
        text = ('Swift stamped %d writes at most %.3f s (median %.3f s) '
                'after they left this host, clock offset included; the '
                'queue leases assume less than [claims] max_clock_skew + '
                'lease_settle_delay = %g s.' % (
                    len(lateness), max(lateness),
                    sorted(lateness)[len(lateness) // 2], bound))
        if max(lateness) > bound:
            return _result(WARNING, (
                'SLOW STAMPING: %s A write under a lease that left in time '
                'may then land after the next holder\'s first write. Find '
                'what delays requests in front of or inside the proxy, or '
                'raise lease_settle_delay.' % text))
        return _result(SUCCESS, text)

    def _check_claim_timing(self):
        claims = self.conf.claims
        if claims.lease_settle_delay <= claims.lease_write_deadline:
            return _result(FAILURE, (
                '[claims] lease_settle_delay (%g) must be greater than '
                'lease_write_deadline (%g), or two processes may hold the '
                'same queue lease (doc/source/design/claims.rst).' % (
                    claims.lease_settle_delay, claims.lease_write_deadline)))
        return _result(SUCCESS, (
            'lease_settle_delay %g s > lease_write_deadline %g s.'
            % (claims.lease_settle_delay, claims.lease_write_deadline)))

    def _check_policy_file(self):
        try:
            from oslo_upgradecheck import common_checks
            import swiftq.policy
        except ImportError:
            return _result(SUCCESS, 'this swiftq has no policy rules.')
        enforcer = swiftq.policy.make_enforcer(self.conf)
        path = self.conf.find_file(self.conf.oslo_policy.policy_file)
        if not path:
            return _result(SUCCESS, 'no policy file (%s): the defaults '
                           'apply.' % self.conf.oslo_policy.policy_file)
        result = common_checks.check_policy_json(self, self.conf)
        if result.code != SUCCESS:
            return result
        try:
            enforcer.load_rules(force_reload=True)
        except Exception as exc:
            return _result(FAILURE, '%s does not load: %s' % (path, exc))
        unknown = sorted(set(enforcer.file_rules) -
                         set(enforcer.registered_rules))
        problems = []
        if unknown:
            problems.append('rules swiftq does not know (typos?): %s'
                            % ', '.join(unknown))
        if not enforcer.check_rules():
            problems.append('some rules refer to undefined rules or to '
                            'themselves')
        if problems:
            return _result(WARNING, '%s: %s.' % (path, '; '.join(problems)))
        return _result(SUCCESS, '%s loads (%d rules).'
                       % (path, len(enforcer.file_rules)))

    _upgrade_checks = (
        ('Swift access', _check_swift_access),
        ('Swift durability', _check_durability),
        ('Swift object expirer', _check_expirer),
        ('Clock skew with Swift', _check_clock),
        ('Proxy stamping delay', _check_stamping),
        ('Claim timing', _check_claim_timing),
        ('Policy file', _check_policy_file),
    )


def _canary_delete_at(name):
    try:
        return int(name[len(CANARY_PREFIX):].split('-', 1)[0])
    except ValueError:
        return float('inf')


def main(argv=None, conf=None):
    """``swiftq-status``: oslo.upgradecheck's command line, with
    ``--expirer-timeout`` added to ``upgrade check``."""
    conf = conf if conf is not None else cfg.ConfigOpts()
    swiftq.conf.register_opts(conf)
    holder = {}

    def add_parsers(subparsers):
        upgrade = subparsers.add_parser(
            'upgrade', help='upgrade check: check this deployment')
        upgrade.add_argument('check', choices=['check'])
        upgrade.add_argument(
            '--json', action='store_true',
            help='Output the results in JSON instead of a table.')
        upgrade.add_argument(
            '--expirer-timeout', type=float, default=None, metavar='SECONDS',
            help='How long to wait for Swift\'s object expirer (default: '
                 '[status] expirer_timeout).')
        upgrade.set_defaults(action_fn=lambda: holder['checks'].check())

    conf.register_cli_opt(cfg.SubCommandOpt('command', handler=add_parsers))
    conf(args=sys.argv[1:] if argv is None else argv, project='swiftq',
         prog='swiftq-status', version=cmd.version())
    holder['checks'] = Checks(conf,
                              expirer_timeout=conf.command.expirer_timeout)
    # oslo.upgradecheck reads --json from its module's CONF.
    upgradecheck.CONF = conf
    return upgradecheck.run(conf)


if __name__ == '__main__':
    sys.exit(main())
