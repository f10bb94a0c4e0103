"""swiftq-bench: a bounded load generator for Zaqar v2 endpoints.

Examples::

    # swiftq (or Zaqar) in noauth mode
    swiftq-bench --url http://127.0.0.1:8888 --producers 4 --consumers 4 \\
        --batch 10 --claim-limit 10 --duration 60 --json out.json

    # a throw-away local stack (Swift 3 replicas / 4 nodes + swiftq-api),
    # raw Swift first, then two API runs, ratios printed
    swiftq-bench --local --replicas 3 --raw-swift-too \\
        --scenario pc:producers=4,consumers=4,batch=10 \\
        --scenario post1:producers=8,consumers=0,batch=1

    # swiftq next to OpenStack Zaqar 23 (tools/zaqar-venv.sh) on its Swift
    # driver on the same Swift, and on Redis; swiftq/Zaqar ratios printed
    swiftq-bench --local --replicas 3 --raw-swift-too \\
        --zaqar-peer swift,redis --producers 4 --consumers 4 --batch 10

    # raw Swift only
    swiftq-bench --raw-swift \\
        --swift-auth-url http://127.0.0.1:8080/auth/v1.0 \\
        --swift-user test:tester --swift-key testing --raw-concurrency 8

    # Keystone
    swiftq-bench --url https://zaqar.example:8888 --os-auth-url \\
        https://keystone.example/v3 --os-username u --os-password p \\
        --os-project-name demo

    # swiftq-websocket: idle sockets' memory, post-to-push latency
    swiftq-bench websocket --local --sockets 1000

    # the SQS endpoint (boto3) beside the Zaqar API on the same server
    swiftq-bench sqs --local --messages 2000 --batch 10 --workers 4

Exit status: 0, or 1 when a run lost, duplicated or resurrected a
message, 2 on usage errors and failures.
"""

import argparse
import dataclasses
import json
import os
import signal
import sys
import uuid

from swiftq.bench import client
from swiftq.bench import load
from swiftq.bench.load_config import LoadConfig
from swiftq.bench import report
from swiftq.bench import zaqar_peer


class Progress:
    """One status line rewritten in place with ``\\r`` (only on a TTY)."""

    def __init__(self, stream, enabled):
        self._stream = stream
        self._enabled = enabled
        self._width = 0

    def __call__(self, text):
        if not self._enabled:
            return
        pad = max(0, self._width - len(text))
        self._stream.write('\r' + text + ' ' * pad)
        self._stream.flush()
        self._width = len(text)

    def clear(self):
        if self._enabled and self._width:
            self._stream.write('\r' + ' ' * self._width + '\r')
            self._stream.flush()
            self._width = 0


def _positive_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError('must be >= 0')
    return value


def build_parser():
    p = argparse.ArgumentParser(
        prog='swiftq-bench',
        description='Bounded load generator for the Zaqar v2 HTTP API '
                    '(swiftq or any Zaqar-compatible endpoint), with '
                    'exact loss/duplicate accounting and an optional raw '
                    'Swift baseline.',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split('Examples::', 1)[1])

    t = p.add_argument_group('target')
    t.add_argument('--url', help='Base URL of the Zaqar v2 endpoint '
                   '(with or without /v2).')
    t.add_argument('--project', help='X-Project-ID to send (noauth; '
                   'default: a fresh "bench-..." project). With Keystone '
                   'none is sent unless given.')
    t.add_argument('--token', help='A Keystone token to send as '
                   'X-Auth-Token.')
    t.add_argument('--os-auth-url', default=os.environ.get('OS_AUTH_URL'),
                   help='Keystone v3 URL: get a token with '
                   'keystoneauth1\'s password plugin (env OS_AUTH_URL).')
    t.add_argument('--os-username', default=os.environ.get('OS_USERNAME'))
    t.add_argument('--os-password', default=os.environ.get('OS_PASSWORD'))
    t.add_argument('--os-project-name',
                   default=os.environ.get('OS_PROJECT_NAME'))
    t.add_argument('--os-project-id', default=os.environ.get('OS_PROJECT_ID'))
    t.add_argument('--os-user-domain-name',
                   default=os.environ.get('OS_USER_DOMAIN_NAME', 'Default'))
    t.add_argument('--os-project-domain-name',
                   default=os.environ.get('OS_PROJECT_DOMAIN_NAME',
                                          'Default'))
    t.add_argument('--os-interface', default='public',
                   help='Catalog interface used to find the messaging '
                   'endpoint when --url is not given (default: public).')
    t.add_argument('--insecure', action='store_true',
                   help='Do not verify TLS certificates.')
    t.add_argument('--timeout', type=float, default=30.0,
                   help='Per-request timeout in seconds (default 30).')

    w = p.add_argument_group('workload')
    w.add_argument('--producers', type=_positive_int, default=4)
    w.add_argument('--consumers', type=_positive_int, default=4)
    w.add_argument('--queues', type=int, default=1)
    w.add_argument('--batch', type=int, default=10,
                   help='Messages per POST (default 10).')
    w.add_argument('--claim-limit', type=int, default=10,
                   help='limit= of each claim, 1..20 (default 10).')
    w.add_argument('--body-size', type=_positive_int, default=100,
                   help='Approximate size of each message body in bytes '
                   '(JSON; default 100).')
    w.add_argument('--duration', type=float, default=None,
                   help='Seconds of load (default 10 unless --messages '
                   'is given).')
    w.add_argument('--messages', type=int, default=None,
                   help='Stop producing after this many acknowledged '
                   'messages.')
    w.add_argument('--message-ttl', type=int, default=3600)
    w.add_argument('--claim-ttl', type=int, default=60)
    w.add_argument('--claim-grace', type=int, default=60)
    w.add_argument('--delete-mode', choices=('bulk', 'single'),
                   default='bulk',
                   help='bulk: one DELETE ?ids=..&claim_ids= per claim '
                   '(falls back to single on 400); single: one DELETE per '
                   'message with ?claim_id=.')
    w.add_argument('--consume-mode', choices=('delete', 'release'),
                   default='delete',
                   help='release: release each claim instead of deleting '
                   'its messages (the queue depth stays constant).')
    w.add_argument('--prefill', type=_positive_int, default=0,
                   help='Messages posted (and acknowledged) before the '
                   'load starts, spread over the queues.')
    w.add_argument('--prefill-batch', type=int, default=None,
                   help='Messages per POST while prefilling (default: '
                   '--batch).')
    w.add_argument('--prefill-threads', type=int, default=4)
    w.add_argument('--post-rate', type=float, default=None,
                   help='Cap on posted messages per second (all '
                   'producers).')
    w.add_argument('--drain-timeout', type=float, default=30.0,
                   help='After the load, consumers go on until every '
                   'queue is empty or this many seconds (default 30; 0: '
                   'no drain).')
    w.add_argument('--idle-sleep', type=float, default=0.05,
                   help='Consumer pause after every queue answered 204.')
    w.add_argument('--stripes', type=_positive_int, default=None,
                   help='Create the queues with metadata {"_stripes": N}: '
                   'swiftq spreads each over N containers, each with its '
                   'own claim lease (doc/source/design/stripes.rst).')
    w.add_argument('--queue-prefix', help='Queue names are PREFIX-0.. '
                   '(default bench-<run id>).')
    w.add_argument('--keep-queues', action='store_true',
                   help='Do not delete the queues at the end.')
    w.add_argument('--verify-limit', type=int, default=2000,
                   help='Up to this many unconsumed messages, the queues '
                   'are listed to tell remaining from lost messages by id; '
                   'beyond, by count from the queue stats (default '
                   '2000).')
    w.add_argument('--interval', type=float, default=1.0,
                   help='Timeline resolution in seconds.')
    w.add_argument('--scenario', action='append', default=[],
                   metavar='[NAME:]KEY=VALUE,...',
                   help='An API run with these workload options changed '
                   '(keys as the options above without "--", "-" or "_"). '
                   'Repeat for several runs in one invocation.')

    r = p.add_argument_group('raw Swift baseline')
    r.add_argument('--raw-swift', action='store_true',
                   help='Only measure plain Swift object PUT/GET/DELETE.')
    r.add_argument('--raw-swift-too', action='store_true',
                   help='Measure raw Swift first, then the API run(s), and '
                   'print the ratios.')
    r.add_argument('--swift-auth-url', help='tempauth v1 URL of the Swift.')
    r.add_argument('--swift-user', default='test:tester')
    r.add_argument('--swift-key', default='testing')
    r.add_argument('--raw-concurrency', type=int, default=None,
                   help='Threads (default: producers + consumers).')
    r.add_argument('--raw-duration', type=float, default=None,
                   help='Seconds per phase (default: min(duration, 20)).')
    r.add_argument('--raw-object-size', type=int, default=1024)
    r.add_argument('--raw-objects', type=int, default=None,
                   help='Stop the PUT phase after this many objects.')
    r.add_argument('--raw-ops', default='put,get,delete',
                   help='Phases to report, in order put,get,delete (PUT '
                   'always runs: the others need its objects).')
    r.add_argument('--raw-put-header', action='append', default=[],
                   metavar='NAME:VALUE',
                   help='Extra header on every raw PUT, e.g. '
                   'X-Delete-After:86400 (swiftq\'s segments carry '
                   'X-Delete-At). Repeatable.')
    r.add_argument('--raw-from', metavar='JSON',
                   help='Take the raw Swift figures from the JSON report '
                   'of an earlier run (e.g. --raw-swift --json raw.json) '
                   'and print the ratios to them.')

    ls = p.add_argument_group('local stack (--local)')
    ls.add_argument('--local', action='store_true',
                    help='Start a LocalSwift and a swiftq-api on it, run, '
                    'stop everything.')
    ls.add_argument('--replicas', type=int, default=1,
                    help='1 (1 node) or 3 (the durable mode, 4 nodes).')
    ls.add_argument('--nodes', type=int, default=None)
    ls.add_argument('--api-workers', type=int, default=2)
    ls.add_argument('--api-threads', type=int, default=16)
    ls.add_argument('--api-option', action='append', default=[],
                    metavar='GROUP.NAME=VALUE',
                    help='Extra swiftq-api configuration, e.g. '
                    'claims.lease_max_hold=5 (repeatable).')
    ls.add_argument('--local-dir', help='Directory for the stack (default: '
                    'a temporary one, removed at the end).')
    ls.add_argument('--local-daemons', default='',
                    help='Comma-separated Swift daemons to run (e.g. '
                    'object-expirer,object-updater,container-updater; '
                    'default none: quieter measurements).')
    ls.add_argument('--zaqar-peer', nargs='?', const='swift',
                    metavar='STORES',
                    help='Also run every workload against OpenStack Zaqar '
                    '(from --zaqar-venv) right after swiftq, and print '
                    'swiftq/Zaqar ratios. STORES: Zaqar message stores, '
                    'comma-separated: swift (default: its Swift driver on '
                    'the same local Swift), redis (on a local '
                    'redis-server).')
    ls.add_argument('--zaqar-venv', help='Virtualenv with zaqar and '
                    'gunicorn (default: $SWIFTQ_ZAQAR_VENV or the '
                    'checkout\'s .venv-zaqar, made by tools/zaqar-venv.sh).')

    o = p.add_argument_group('output')
    o.add_argument('--json', metavar='FILE', help='Write all figures here.')
    o.add_argument('--plot', metavar='FILE.png',
                   help='Throughput and latency over time (matplotlib).')
    o.add_argument('--report', metavar='JSON',
                   help='Run nothing: print the table (and --plot) of an '
                   'earlier --json file.')
    o.add_argument('--name', help='Name of the (first) run in reports.')
    o.add_argument('--progress', dest='progress', action='store_true',
                   default=None, help='Force the progress line.')
    o.add_argument('--no-progress', dest='progress', action='store_false')
    o.add_argument('--quiet', action='store_true',
                   help='No log lines on stderr.')
    return p


_CONVERTERS = {
    'producers': int, 'consumers': int, 'queues': int, 'batch': int,
    'claim_limit': int, 'body_size': int, 'duration': float,
    'messages': int, 'message_ttl': int, 'claim_ttl': int,
    'claim_grace': int, 'delete_mode': str, 'consume_mode': str,
    'prefill': int, 'prefill_batch': int, 'prefill_threads': int,
    'post_rate': float, 'drain_timeout': float, 'idle_sleep': float,
    'queue_prefix': str, 'keep_queues': lambda v: v.lower() in (
        '1', 'true', 'yes', 'on'),
    'verify_limit': int, 'interval': float, 'name': str, 'stripes': int,
}


def _convert(key, value):
    if value.lower() in ('none', ''):
        return None
    return _CONVERTERS[key](value)


def base_config(args):
    fields = {f.name for f in dataclasses.fields(LoadConfig)}
    values = {k: v for k, v in vars(args).items() if k in fields}
    if values.get('duration') is None and values.get('messages') is None:
        values['duration'] = 10.0
    return LoadConfig(**values)


def scenario_configs(args, parser):
    base = base_config(args)
    if not args.scenario:
        return [base]
    configs = []
    for i, spec in enumerate(args.scenario):
        name = None
        if ':' in spec.split('=', 1)[0]:
            name, spec = spec.split(':', 1)
        changes = {}
        for item in filter(None, (s.strip() for s in spec.split(','))):
            key, sep, value = item.partition('=')
            key = key.strip().replace('-', '_')
            if not sep or key not in _CONVERTERS:
                parser.error('bad --scenario item %r (known keys: %s)'
                             % (item, ', '.join(sorted(_CONVERTERS))))
            try:
                changes[key] = _convert(key, value.strip())
            except ValueError as exc:
                parser.error('bad --scenario value %r: %s' % (item, exc))
        config = dataclasses.replace(base, **changes)
        config.name = name or changes.get('name') or \
            ('%s-%d' % (args.name, i + 1) if args.name else
             'run-%d' % (i + 1))
        configs.append(config)
    return configs


def _token_source(args):
    if args.token:
        return client.StaticToken(args.token)
    if args.os_auth_url and args.os_username:
        return client.KeystoneToken(
            args.os_auth_url, args.os_username, args.os_password,
            project_name=args.os_project_name,
            project_id=args.os_project_id,
            user_domain_name=args.os_user_domain_name,
            project_domain_name=args.os_project_domain_name,
            insecure=args.insecure)
    return None


class _Interrupted(Exception):
    pass


#: the API run in progress: SIGTERM/Ctrl-C ends it early, with figures
_ACTIVE = {'run': None}


def _interrupt(signum, frame):
    run = _ACTIVE['run']
    if run is not None and not run.interrupted:
        run.interrupt()
        return
    # nothing to cut short (or asked twice): give up now; the stack is
    # stopped in main's finally, where further signals are ignored
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise _Interrupted()


def _report_only(args, parser, log):
    try:
        with open(args.report) as f:
            doc = json.load(f)
    except (OSError, ValueError) as exc:
        parser.error('--report %s: %s' % (args.report, exc))
    sys.stdout.write(report.format_document(doc))
    sys.stdout.flush()
    if args.plot:
        try:
            report.plot(doc, args.plot)
        except report.PlotUnavailable as exc:
            log(str(exc))
            return 2
        log('plot written to %s' % args.plot)
    return 1 if report.violations(doc) else 0


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ['websocket']:
        from swiftq.bench import websocket
        return websocket.main(argv[1:])
    if argv[:1] == ['sqs']:
        from swiftq.bench import sqs
        return sqs.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    log = (lambda msg: None) if args.quiet else \
        (lambda msg: report.print_err('swiftq-bench: ' + msg))
    show_progress = (sys.stderr.isatty() if args.progress is None
                     else args.progress)
    progress = Progress(sys.stderr, show_progress and not args.quiet)

    def say(msg):
        progress.clear()
        log(msg)

    if args.report:
        return _report_only(args, parser, log)
    if not (args.url or args.local or args.raw_swift or
            (args.os_auth_url and args.os_username)):
        parser.error('give --url (or --os-* to find it in the catalog), '
                     '--local, or --raw-swift')
    if args.plot:
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            parser.error('--plot needs matplotlib, which is not installed: '
                         'pip install matplotlib (or pip install '
                         '"swiftq[bench]")')
    configs = [] if args.raw_swift else scenario_configs(args, parser)
    if configs and args.name and not args.scenario:
        configs[0].name = args.name
    for config in configs:
        try:
            config.check()
        except ValueError as exc:
            parser.error(str(exc))
    stores = []
    if args.zaqar_peer:
        if not args.local or args.raw_swift:
            parser.error('--zaqar-peer needs --local (and API runs)')
        try:
            stores = zaqar_peer.parse_stores(args.zaqar_peer)
        except ValueError as exc:
            parser.error(str(exc))
    want_raw = args.raw_swift or args.raw_swift_too
    if want_raw and not args.local and not args.swift_auth_url:
        parser.error('raw Swift needs --swift-auth-url (or --local)')
    put_headers = {}
    for item in args.raw_put_header:
        name, sep, value = item.partition(':')
        if not sep or not name.strip():
            parser.error('--raw-put-header %r is not NAME:VALUE' % item)
        put_headers[name.strip()] = value.strip()
    raw = None
    if args.raw_from:
        if want_raw:
            parser.error('--raw-from replaces --raw-swift/--raw-swift-too')
        try:
            with open(args.raw_from) as f:
                raw = json.load(f)['raw_swift']
        except (OSError, ValueError, KeyError) as exc:
            parser.error('--raw-from %s: %s' % (args.raw_from, exc))
        if not raw:
            parser.error('--raw-from %s has no raw Swift figures'
                         % args.raw_from)
        raw = dict(raw, taken_from=args.raw_from)

    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    stack = None
    peers = []
    runs = []
    error = None
    status = 0
    try:
        if args.local:
            from swiftq.bench import local
            try:
                overrides = local.parse_api_options(args.api_option)
            except ValueError as exc:
                parser.error(str(exc))
            daemons = [d for d in args.local_daemons.split(',') if d]
            stack = local.LocalStack(
                base_dir=args.local_dir, replicas=args.replicas,
                nodes=args.nodes, api_workers=args.api_workers,
                api_threads=args.api_threads, api_options=overrides,
                daemons=daemons, keep_dir=bool(args.local_dir), log=say)
            stack.start()
            for store in stores:
                peers.append(zaqar_peer.ZaqarPeer(
                    stack.swift,
                    os.path.join(stack.base_dir, 'zaqar-' + store),
                    store=store, venv=args.zaqar_venv,
                    workers=args.api_workers, threads=args.api_threads,
                    log=say))
                peers[-1].start()
        if want_raw:
            if stack is not None:
                auth = (stack.swift.auth_url, stack.swift.user,
                        stack.swift.key)
            else:
                auth = (args.swift_auth_url, args.swift_user,
                        args.swift_key)
            first = configs[0] if configs else base_config(args)
            concurrency = args.raw_concurrency or \
                max(1, first.producers + first.consumers)
            duration = args.raw_duration or \
                min(first.duration or 20.0, 20.0)
            say('raw Swift: PUT/GET/DELETE of %d B objects, %d thread(s), '
                '%g s per phase' % (args.raw_object_size, concurrency,
                                    duration))
            from swiftq.bench import raw_swift
            raw = raw_swift.RawSwift(
                *auth, concurrency=concurrency, duration=duration,
                object_size=args.raw_object_size, objects=args.raw_objects,
                timeout=args.timeout, progress=progress,
                put_headers=put_headers,
                ops=[o for o in args.raw_ops.split(',') if o]).run()
            progress.clear()
        if configs:
            token_source = _token_source(args)
            url = stack.url if stack is not None else args.url
            if url is None:
                url = token_source.endpoint(args.os_interface)
            project = args.project
            if project is None and token_source is None:
                project = 'bench-' + uuid.uuid4().hex[:8]
            endpoint = client.Endpoint(url, project=project,
                                       token_source=token_source,
                                       timeout=args.timeout,
                                       verify=not args.insecure)
            targets = [(None, endpoint, stack)] + [
                (peer.label, client.Endpoint(peer.url, project=project,
                                             timeout=args.timeout),
                 zaqar_peer.PeerStackView(stack, peer)) for peer in peers]
            for config, (label, target, target_stack) in (
                    (c, t) for c in configs for t in targets):
                if peers:
                    config = dataclasses.replace(
                        config, name=zaqar_peer.run_name(config, label))
                say('API run %s on %s: %d producer(s), %d consumer(s), '
                    '%d queue(s)' % (config.name or '', target.base_url,
                                     config.producers, config.consumers,
                                     config.queues))
                run = load.LoadRun(target, config, progress=progress,
                                   stack=target_stack, log=say)
                _ACTIVE['run'] = run
                try:
                    runs.append(run.run())
                finally:
                    _ACTIVE['run'] = None
                if label:
                    runs[-1]['peer'] = label
                progress.clear()
                if run.interrupted:
                    error = 'interrupted'
                    status = 2
                    break
    except (KeyboardInterrupt, _Interrupted):
        progress.clear()
        error = 'interrupted'
        status = 2
    except Exception as exc:   # report what was measured so far
        progress.clear()
        error = '%s: %s' % (type(exc).__name__, exc)
        say('failed: ' + error)
        status = 2
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for peer in peers:
            peer.stop()
        if stack is not None:
            say('stopping the local stack')
            stack.stop()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    doc = report.document(['swiftq-bench'] + list(argv), runs, raw=raw,
                          local=stack.describe() if stack else None,
                          error=error)
    if peers:
        doc['zaqar_peer'] = {'servers': [p.describe() for p in peers],
                             'comparisons': zaqar_peer.comparisons(runs)}
    sys.stdout.write(report.format_document(doc))
    sys.stdout.flush()
    if args.json:
        report.write_json(args.json, doc)
        log('figures written to %s' % args.json)
    if args.plot and runs:
        try:
            report.plot(doc, args.plot)
            log('plot written to %s' % args.plot)
        except report.PlotUnavailable as exc:
            log(str(exc))
            status = status or 2
    problems = report.violations(doc)
    if problems:
        log('CORRECTNESS VIOLATIONS: ' + '; '.join(problems))
        status = status or 1
    return status


if __name__ == '__main__':
    sys.exit(main())
