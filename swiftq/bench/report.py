"""Reports: the human table, ratios to raw Swift, the JSON document and the
optional plot (matplotlib, imported only when a plot is asked for)."""

import json
import os
import platform
import sys
import time

LATENCY_OPS = ('post', 'claim', 'claim_empty', 'delete', 'release',
               'e2e_message')
CORRECTNESS_KEYS = ('posted', 'consumed', 'deleted', 'duplicates', 'lost',
                    'resurrected', 'redeliveries', 'remaining_in_queue',
                    'claimed_not_deleted', 'post_failed_messages',
                    'unacked_but_delivered', 'foreign', 'id_mismatch',
                    'drain_complete', 'lost_method')


def machine_info():
    info = {'cpus': os.cpu_count(), 'platform': platform.platform(),
            'python': platform.python_version()}
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    info['cpu_model'] = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        with open('/proc/meminfo') as f:
            for line in f:
                if line.startswith('MemTotal'):
                    info['mem_total_kib'] = int(line.split()[1])
                    break
    except OSError:
        pass
    try:
        info['loadavg_at_start'] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    return info


def _ratio(a, b):
    if a is None or not b:
        return None
    return round(a / b, 3)


def ratios(run, raw):
    """How a run compares with raw Swift at the same concurrency."""
    if not raw or 'put' not in raw:
        return None
    t = run['throughput']
    put = raw['put']['ops_per_s']
    cycle = raw.get('cycle_ops_per_s')
    return {
        'raw_put_ops_per_s': put,
        'raw_cycle_ops_per_s': cycle,
        'post_msgs_per_raw_put': _ratio(t['post_msgs_per_s'], put),
        'post_requests_per_raw_put': _ratio(t['post_requests_per_s'], put),
        'claim_requests_per_raw_put': _ratio(t['claim_requests_per_s'], put),
        'consumed_msgs_per_raw_cycle': _ratio(t['consumed_msgs_per_s'],
                                              cycle),
        'e2e_msgs_per_raw_cycle': _ratio(t['e2e_msgs_per_s'], cycle),
    }


def document(argv, runs, raw=None, local=None, error=None):
    doc = {
        'tool': 'swiftq-bench',
        'date': time.strftime('%Y-%m-%dT%H:%M:%S%z'),
        'command': ' '.join(argv),
        'machine': machine_info(),
        'local_stack': local,
        'raw_swift': raw,
        'runs': runs,
    }
    for run in runs:
        run['ratios_to_raw_swift'] = ratios(run, raw)
    if error:
        doc['error'] = error
    return doc


def write_json(path, doc):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(doc, f, indent=1, sort_keys=False)
        f.write('\n')
    os.replace(tmp, path)


# -- the human table ----------------------------------------------------------
def fmt(value, digits=1):
    """A table cell: '-' for a missing value, floats to `digits` places."""
    if value is None:
        return '-'
    if isinstance(value, float):
        return '%.*f' % (digits, value)
    return str(value)


def format_raw(raw):
    lines = ['Raw Swift: %d thread(s), %d B objects, one container (%s)'
             % (raw['concurrency'], raw['object_size'],
                raw['swift_auth_url']),
             '  %-8s %9s %9s %8s %8s %8s  %s'
             % ('op', 'ops', 'ops/s', 'p50 ms', 'p99 ms', 'max ms',
                'errors')]
    for op in ('put', 'get', 'delete'):
        r = raw.get(op)
        if not r:
            continue
        lat = r['latency']
        lines.append('  %-8s %9d %9s %8s %8s %8s  %s'
                     % (op.upper(), r['ops'], fmt(r['ops_per_s']),
                        fmt(lat['p50_ms']), fmt(lat['p99_ms']),
                        fmt(lat['max_ms']), _errors(r['errors'])))
    if raw.get('put_headers'):
        lines[0] += '; PUT headers: ' + ', '.join(
            '%s: %s' % kv for kv in raw['put_headers'].items())
    if raw.get('taken_from'):
        lines[0] += ' -- from %s (%s)' % (raw['taken_from'],
                                          raw.get('started_at', '?'))
    if raw.get('cycle_ops_per_s'):
        lines.append('  PUT+GET+DELETE cycle: %.1f/s (one object per '
                     'message, nothing else)' % raw['cycle_ops_per_s'])
    return '\n'.join(lines)


def _errors(table):
    if not table:
        return '-'
    return ', '.join('%s x%d' % (k, v) for k, v in table.items())


def format_run(run):
    c = run['config']
    t = run['throughput']
    bound = []
    if c.get('duration'):
        bound.append('%g s' % c['duration'])
    if c.get('messages'):
        bound.append('%d messages' % c['messages'])
    head = ('Run %s: %s  [%d producer(s), %d consumer(s), %d queue(s), '
            'batch %d, claim limit %d, body %d B, %s, %s]'
            % (run.get('name') or run['run_id'], run['target'],
               c['producers'], c['consumers'], c['queues'], c['batch'],
               c['claim_limit'], c['body_size'], ' / '.join(bound) or '-',
               {None: 'no consumers', 'release': 'claims released',
                'bulk': 'bulk delete', 'single': 'per-message delete'}.get(
                    run['delete_mode_used'], run['delete_mode_used'])))
    lines = [head]
    if run.get('prefill'):
        p = run['prefill']
        lines.append('  prefill: %d messages in %.1f s (%.1f msgs/s, batch '
                     '%d, %d threads)' % (p['messages'], p['seconds'],
                                          p['msgs_per_s'], p['batch'],
                                          p['threads']))
    ph = run['phases']
    lines.append('  phases: load %.1f s, drain %.1f s%s; backlog at end of '
                 'load: %d' % (ph['load_s'], ph['drain_s'],
                               ', cleanup %.1f s' % ph['cleanup_s']
                               if 'cleanup_s' in ph else '',
                               run['backlog_at_load_end']))
    lines.append('  Throughput (load phase)')
    lines.append('    post          %9.1f msgs/s  (%.1f requests/s)'
                 % (t['post_msgs_per_s'], t['post_requests_per_s']))
    lines.append('    claim         %9.1f msgs/s  (%.1f claims/s with '
                 'messages)' % (t['claimed_msgs_per_s'],
                                t['claim_requests_per_s']))
    lines.append('    claim+delete  %9.1f msgs/s' % t['consumed_msgs_per_s'])
    lines.append('    end-to-end    %9.1f msgs/s  (post -> claim -> delete, '
                 'until the last delete)' % t['e2e_msgs_per_s'])
    lines.append('  Latency         %7s %9s %9s %9s %9s'
                 % ('count', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'))
    for op in LATENCY_OPS:
        lat = run['latency'].get(op)
        if not lat or not lat['count']:
            continue
        lines.append('    %-12s %7d %9s %9s %9s %9s'
                     % (op, lat['count'], fmt(lat['p50_ms']),
                        fmt(lat['p90_ms']), fmt(lat['p99_ms']),
                        fmt(lat['max_ms'])))
    corr = run['correctness']
    lines.append('  Correctness')
    lines.append('    ' + '  '.join(
        '%s %s' % (k, fmt(corr.get(k))) for k in CORRECTNESS_KEYS[:7]))
    lines.append('    ' + '  '.join(
        '%s %s' % (k, fmt(corr.get(k))) for k in CORRECTNESS_KEYS[7:]))
    if run['errors']:
        lines.append('  Errors: ' + '; '.join(
            '%s: %s' % (op, _errors(t)) for op, t in run['errors'].items()))
    else:
        lines.append('  Errors: none')
    if run.get('cpu_during_load'):
        lines.append('  CPU during load (% of one core): ' + ', '.join(
            '%s %.0f' % (role, v['percent_of_one_core'])
            for role, v in sorted(run['cpu_during_load'].items(),
                                  key=lambda kv: -kv[1]['seconds'])))
    server = run.get('server') or {}
    swift = server.get('swift_requests_during_load')
    if swift:
        lines.append('  Swift requests during load: %d (%.1f/s, %s per API '
                     'request, %s per message moved)'
                     % (server['swift_requests_total'],
                        server['swift_requests_per_s'],
                        fmt(server['swift_requests_per_api_request'], 2),
                        fmt(server['swift_requests_per_message'], 2)))
        lines.append('    %-22s %7s %7s %8s %8s %6s  %s'
                     % ('request', 'count', 'per s', 'p50 ms', 'p99 ms',
                        '>0.5s', 'status'))
        for key, v in swift.items():
            lines.append('    %-22s %7d %7.1f %8s %8s %6d  %s'
                         % (key, v['count'], v['per_s'], fmt(v['p50_ms']),
                            fmt(v['p99_ms']), v['over_500ms'],
                            ' '.join('%s:%d' % kv
                                     for kv in v['status'].items())))
    problems = server.get('api_log_problems')
    if problems and problems['count']:
        lines.append('  API log: %d warning/error line(s), first: %s'
                     % (problems['count'], problems['first'][0]))
    r = run.get('ratios_to_raw_swift')
    if r:
        lines.append(
            '  vs raw Swift: post msgs/s = %sx raw PUT/s, post requests/s '
            '= %sx, claims/s = %sx; claim+delete msgs/s = %sx and e2e = '
            '%sx the raw PUT+GET+DELETE cycle'
            % (fmt(r['post_msgs_per_raw_put'], 2),
               fmt(r['post_requests_per_raw_put'], 2),
               fmt(r['claim_requests_per_raw_put'], 2),
               fmt(r['consumed_msgs_per_raw_cycle'], 2),
               fmt(r['e2e_msgs_per_raw_cycle'], 2)))
    for note in run.get('notes') or ():
        lines.append('  note: ' + note)
    return '\n'.join(lines)


def format_document(doc):
    parts = []
    if doc.get('local_stack'):
        ls = doc['local_stack']
        parts.append('Local stack: Swift %d replica(s) on %d node(s), '
                     'swiftq-api %d worker(s) x %d thread(s)%s'
                     % (ls['replicas'], ls['nodes'], ls['api_workers'],
                        ls['api_threads'],
                        ('; options ' + ', '.join(
                            '%s=%s' % kv for kv in ls['api_options'].items()))
                        if ls.get('api_options') else ''))
    if doc.get('raw_swift'):
        parts.append(format_raw(doc['raw_swift']))
    for run in doc['runs']:
        parts.append(format_run(run))
    if doc.get('zaqar_peer'):
        from swiftq.bench import zaqar_peer
        parts.append(zaqar_peer.format_section(doc['zaqar_peer']))
    if doc.get('error'):
        parts.append('ERROR: ' + doc['error'])
    return '\n\n'.join(parts) + '\n'


def violations(doc):
    """Correctness problems of a document's runs, as sentences (not of
    the runs against a peer such as Zaqar: those are its own, and are
    shown in its section)."""
    found = []
    for run in doc['runs']:
        if run.get('peer'):
            continue
        corr = run['correctness']
        for key in ('lost', 'duplicates', 'resurrected', 'id_mismatch'):
            if corr.get(key):
                found.append('%s: %s %s' % (run.get('name') or run['run_id'],
                                            corr[key], key))
    return found


# -- the plot -----------------------------------------------------------------
class PlotUnavailable(Exception):
    pass


def plot(doc, path):
    """Throughput and latency over time, one row per run."""
    try:
        import matplotlib
    except ImportError:
        raise PlotUnavailable(
            '--plot needs matplotlib, which is not installed: pip install '
            'matplotlib (or: pip install "swiftq[bench]")')
    matplotlib.use('Agg')
    from matplotlib import pyplot

    runs = doc['runs']
    fig, axes = pyplot.subplots(len(runs), 2, squeeze=False,
                                figsize=(13, 3.6 * len(runs)))
    for row, run in zip(axes, runs):
        tl = run['timeline']
        ts = [p['t'] for p in tl]
        left, right = row
        for key, label in (('posted_msgs_per_s', 'posted msgs/s'),
                           ('claimed_msgs_per_s', 'claimed msgs/s'),
                           ('deleted_msgs_per_s', 'deleted msgs/s')):
            ys = [p.get(key, 0) for p in tl]
            if any(ys):
                left.plot(ts, ys, label=label, drawstyle='steps-post')
        left.axvline(run['phases']['load_s'], color='grey', ls=':',
                     label='end of load')
        left.set_title('%s: throughput' % (run.get('name') or run['run_id']))
        left.set_xlabel('s')
        left.set_ylabel('messages/s')
        left.legend(loc='best', fontsize='small')
        colors = {'post': 'tab:blue', 'claim': 'tab:orange',
                  'delete': 'tab:green', 'release': 'tab:red'}
        for op, color in colors.items():
            for pct, style in (('p50', '-'), ('p99', ':')):
                key = '%s_%s_ms' % (op, pct)
                pts = [(p['t'], p[key]) for p in tl if p.get(key) is not None]
                if pts:
                    right.plot([x for x, _ in pts], [y for _, y in pts],
                               style, color=color, marker='.',
                               label='%s %s' % (op, pct))
        right.set_yscale('log')
        right.set_title('latency')
        right.set_xlabel('s')
        right.set_ylabel('ms')
        right.legend(loc='best', fontsize='small', ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    pyplot.close(fig)


def print_err(msg):
    print(msg, file=sys.stderr, flush=True)
