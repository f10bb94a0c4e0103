"""The result document of one load run, from what its phases measured."""

import os

from swiftq.bench import stats


def _loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def results(run, started_at, prefill, t0, load_end, end, drain_s,
            backlog_at_end, correctness, final_stats, cpu_before, cpu_after,
            server):
    """The result document of ``run`` (a :class:`~swiftq.bench.load.LoadRun`
    whose phases are over): rates over the load phase, latencies, CPU and
    Swift request accounting, the timeline."""
    cfg = run.config
    load_s = load_end - t0
    events = run.ledger.event_times(t0)
    load_window = load_s

    def in_load(times):
        return sum(1 for t in times if 0 <= t < load_window)

    posted_in_load = in_load(events['posted_msgs'])
    deleted_in_load = in_load(events['deleted_msgs'])
    claimed_in_load = in_load(events['claimed_msgs'])
    req = run.recorder
    ok_in_load = {op: len(req.latencies(op, 0, load_window))
                  for op in req.samples}
    deleted_times = events['deleted_msgs']
    last_delete = max(deleted_times) if deleted_times else None
    throughput = {
        'post_msgs_per_s': round(posted_in_load / load_s, 2),
        'post_requests_per_s': round(ok_in_load.get('post', 0) /
                                     load_s, 2),
        'claim_requests_per_s': round(ok_in_load.get('claim', 0) /
                                      load_s, 2),
        'claimed_msgs_per_s': round(claimed_in_load / load_s, 2),
        'consumed_msgs_per_s': round(deleted_in_load / load_s, 2),
        # post -> claim -> delete: every message deleted, over the time
        # from the start until the last delete (drain included)
        'e2e_msgs_per_s': (round(len(deleted_times) / last_delete, 2)
                           if last_delete else 0.0),
    }
    latency = req.summary()
    latency['e2e_message'] = stats.summarize(run.ledger.e2e_latencies())
    cpu = {}
    used_by = {role: after - cpu_before.get(role, 0.0)
               for role, after in cpu_after.items()}
    if run.measures_server_cpu and 'machine-busy' in used_by:
        # everything this run does not account for: other work on the
        # machine (noise)
        ours = sum(v for k, v in used_by.items() if k != 'machine-busy')
        used_by['other-processes'] = max(
            0.0, used_by['machine-busy'] - ours)
    for role, used in used_by.items():
        cpu[role] = {'seconds': round(used, 2),
                     'percent_of_one_core': round(100 * used / load_s, 1)}
    if server and server.get('swift_requests_during_load'):
        swift = server['swift_requests_during_load']
        total = sum(v['count'] for v in swift.values())
        api_total = sum(ok_in_load.values()) + sum(
            sum(c.values()) for c in req.errors.values())
        moved = max(posted_in_load, deleted_in_load, 1)
        if cfg.consume_mode == 'release':
            moved = max(posted_in_load, claimed_in_load, 1)
        server['swift_requests_total'] = total
        server['swift_requests_per_s'] = round(total / load_s, 2)
        server['swift_requests_per_api_request'] = (
            round(total / api_total, 2) if api_total else None)
        server['swift_requests_per_message'] = round(total / moved, 3)
    return {
        'name': cfg.name,
        'run_id': run.run_id,
        'started_at': started_at,
        'target': run.endpoint.base_url,
        'queues': run.queues,
        'config': cfg.as_dict(),
        'delete_mode_used': run.delete_mode_used,
        'prefill': prefill,
        'phases': {'load_s': round(load_s, 3),
                   'drain_s': round(drain_s, 3),
                   'total_s': round(end - t0, 3)},
        'backlog_at_load_end': backlog_at_end,
        'throughput': throughput,
        'requests': dict(sorted(req.requests.items())),
        'latency': latency,
        'correctness': correctness,
        'errors': req.error_table(),
        'cpu_during_load': cpu,
        'loadavg_at_end': _loadavg(),
        'final_queue_stats': final_stats,
        'server': server,
        'timeline': stats.timeline(
            req, events, end - t0, cfg.interval),
        'notes': run.notes(),
    }
