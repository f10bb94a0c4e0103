"""Latency samples, percentiles and per-interval timelines."""

import collections
import math
import threading


def percentile(sorted_values, fraction):
    """Nearest-rank percentile of an already sorted list (None if empty)."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summarize(latencies):
    """count, mean, p50, p90, p99, max of a list of seconds (in ms)."""
    values = sorted(latencies)
    if not values:
        return {'count': 0, 'mean_ms': None, 'p50_ms': None,
                'p90_ms': None, 'p99_ms': None, 'max_ms': None}

    def ms(v):
        return None if v is None else round(v * 1000.0, 2)

    return {'count': len(values),
            'mean_ms': ms(sum(values) / len(values)),
            'p50_ms': ms(percentile(values, 0.50)),
            'p90_ms': ms(percentile(values, 0.90)),
            'p99_ms': ms(percentile(values, 0.99)),
            'max_ms': ms(values[-1])}


class Recorder:
    """Every request of a run: ``(op, end time, latency, outcome)``.

    ``outcome`` is the HTTP status (int) or an exception class name. A
    request is *ok* when its status is one the operation expects; anything
    else is counted in :attr:`errors` by operation and outcome.
    """

    def __init__(self, clock):
        self._clock = clock
        self._lock = threading.Lock()
        self.samples = collections.defaultdict(list)   # op -> [(t, lat)]
        self.errors = collections.defaultdict(collections.Counter)
        self.requests = collections.Counter()

    def ok(self, op, started, ended):
        with self._lock:
            self.samples[op].append((ended - self._clock.t0,
                                     ended - started))
            self.requests[op] += 1

    def error(self, op, outcome):
        with self._lock:
            self.errors[op][str(outcome)] += 1
            self.requests[op] += 1

    def error_count(self):
        with self._lock:
            return sum(sum(c.values()) for c in self.errors.values())

    def latencies(self, op, start=None, end=None):
        return [lat for t, lat in self.samples.get(op, ())
                if (start is None or t >= start) and
                (end is None or t < end)]

    def summary(self):
        return {op: summarize([lat for _, lat in samples])
                for op, samples in sorted(self.samples.items())}

    def error_table(self):
        return {op: dict(sorted(counts.items()))
                for op, counts in sorted(self.errors.items()) if counts}


def timeline(recorder, events, end, interval=1.0):
    """Per-interval figures: request latencies (p50/p99 per operation) from
    ``recorder`` and event counts from ``events`` (``{name: [times]}``,
    e.g. messages acknowledged / deleted), over ``[0, end)``."""
    buckets = max(1, int(math.ceil(end / interval)))
    rows = [{'t': round(i * interval, 3)} for i in range(buckets)]
    for name, times in events.items():
        counts = [0] * buckets
        for t in times:
            i = int(t // interval)
            if 0 <= i < buckets:
                counts[i] += 1
        for row, count in zip(rows, counts):
            row[name + '_per_s'] = round(count / interval, 3)
    for op, samples in recorder.samples.items():
        per = [[] for _ in range(buckets)]
        for t, lat in samples:
            i = int(t // interval)
            if 0 <= i < buckets:
                per[i].append(lat)
        for row, lats in zip(rows, per):
            lats.sort()
            p50 = percentile(lats, 0.5)
            p99 = percentile(lats, 0.99)
            row[op + '_p50_ms'] = None if p50 is None else round(p50 * 1e3, 2)
            row[op + '_p99_ms'] = None if p99 is None else round(p99 * 1e3, 2)
            row[op + '_per_s'] = round(len(lats) / interval, 3)
    return rows
