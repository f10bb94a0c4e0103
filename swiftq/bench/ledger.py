"""Exact accounting of every message of a run: what was acknowledged,
who received it under which claim and when, what was deleted.

Each message body carries ``{"run": <run id>, "seq": <n>}``, so loss and
duplication are computed from the bodies the consumers actually received,
not from counters.

Definitions (all times are the load generator's monotonic clock; a claim's
server-side decision happened somewhere between its request being sent,
``s``, and its answer being received, ``r``):

posted
    messages whose POST was acknowledged (201).
consumed
    posted messages received by at least one claim.
deleted
    messages whose delete was acknowledged (bulk 204, or 204 per message).
duplicates
    messages received by two claims whose lifetimes certainly overlapped:
    claims A and B with ``r_B < end_A`` and ``r_A < end_B``, where ``end``
    is the earliest moment the claim may have stopped protecting the
    message: ``s + claim ttl``, or the moment its consumer sent the delete
    or the release. Whichever claim the server decided first, the other
    was decided while the first was live. (Redeliveries after a claim
    expired or was released are legitimate and counted apart.)
resurrected
    messages received by a claim sent after a delete of that message had
    been acknowledged.
lost
    posted messages never consumed by the end of the drain and absent from
    the queue: checked by id with a listing that includes claimed
    messages, or, when too many are left to list them, by count from the
    queues' stats (``lost_method`` says which). ``None`` when it cannot be
    decided (no consumers, claims released instead of deleted).
"""

import itertools
import threading


class Delivery:
    __slots__ = ('claim_id', 'sent', 'received', 'end')

    def __init__(self, claim_id, sent, received, ttl):
        self.claim_id = claim_id
        self.sent = sent
        self.received = received
        self.end = sent + ttl


def overlapping(a, b):
    """True if the two deliveries' claims were certainly both live."""
    return b.received < a.end and a.received < b.end


class Ledger:

    def __init__(self, run_id, clock):
        self.run_id = run_id
        self._clock = clock
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self.post_sent = {}        # seq -> time the POST was sent
        self.acked = {}            # seq -> time the 201 arrived
        self.posted_id = {}        # seq -> message id from the 201
        self.unacked = set()       # seqs whose POST failed
        self.deliveries = {}       # seq -> [Delivery]
        self.deleted = {}          # seq -> time the delete was acknowledged
        self.foreign = 0           # claimed messages of other runs/clients
        self.id_mismatch = 0       # same seq under another message id
        self.acked_count = 0
        self.deleted_count = 0
        self.delivered_count = 0

    # -- producers ------------------------------------------------------------
    def allocate(self, n):
        return [next(self._seq) for _ in range(n)]

    def body(self, seq, pad):
        body = {'run': self.run_id, 'seq': seq}
        if pad:
            body['pad'] = pad
        return body

    def posted(self, seqs, sent, received, ids=None):
        with self._lock:
            for i, seq in enumerate(seqs):
                self.post_sent[seq] = sent
                self.acked[seq] = received
                if ids is not None and i < len(ids):
                    self.posted_id[seq] = ids[i]
            self.acked_count += len(seqs)

    def post_failed(self, seqs, sent):
        with self._lock:
            for seq in seqs:
                self.post_sent[seq] = sent
                self.unacked.add(seq)

    # -- consumers ------------------------------------------------------------
    def seq_of(self, body):
        """The sequence number in a message body of this run, else None."""
        if isinstance(body, dict) and body.get('run') == self.run_id:
            seq = body.get('seq')
            if isinstance(seq, int):
                return seq
        return None

    def delivered(self, claim_id, ttl, sent, received, messages):
        """``messages``: ``[(message id, body)]`` received by one claim.
        Returns ``[(seq or None, Delivery or None)]`` in order."""
        out = []
        with self._lock:
            for msg_id, body in messages:
                seq = self.seq_of(body)
                if seq is None:
                    self.foreign += 1
                    out.append((None, None))
                    continue
                known = self.posted_id.get(seq)
                if known is not None and msg_id and known != msg_id:
                    self.id_mismatch += 1
                delivery = Delivery(claim_id, sent, received, ttl)
                self.deliveries.setdefault(seq, []).append(delivery)
                self.delivered_count += 1
                out.append((seq, delivery))
        return out

    def ending(self, deliveries, when):
        """The consumer stops relying on these claims at ``when`` (it sent
        the delete or the release)."""
        with self._lock:
            for delivery in deliveries:
                if delivery is not None and when < delivery.end:
                    delivery.end = when

    def deleted_ok(self, seqs, when):
        with self._lock:
            for seq in seqs:
                if seq is not None and seq not in self.deleted:
                    self.deleted[seq] = when
                    self.deleted_count += 1

    # -- figures --------------------------------------------------------------
    def backlog(self):
        return self.acked_count - self.deleted_count

    def unconsumed(self):
        """Acknowledged seqs no claim received."""
        with self._lock:
            return [s for s in self.acked if s not in self.deliveries]

    def analyze(self, remaining=None):
        """Correctness counters. ``remaining``: seqs found in the queues by
        the final listing (None if no listing was made)."""
        with self._lock:
            duplicates = resurrected = redeliveries = 0
            for seq, deliveries in self.deliveries.items():
                if len(deliveries) < 2:
                    continue
                redeliveries += len(deliveries) - 1
                ordered = sorted(deliveries, key=lambda d: d.received)
                if any(overlapping(a, b)
                       for i, a in enumerate(ordered)
                       for b in ordered[i + 1:]):
                    duplicates += 1
                deleted_at = self.deleted.get(seq)
                if deleted_at is not None and any(
                        d.sent > deleted_at for d in deliveries):
                    resurrected += 1
            consumed = sum(1 for s in self.acked if s in self.deliveries)
            never = [s for s in self.acked if s not in self.deliveries]
            claimed_not_deleted = sum(
                1 for s in self.deliveries
                if s in self.acked and s not in self.deleted)
            unacked_delivered = sum(1 for s in self.unacked
                                    if s in self.deliveries)
            result = {
                'posted': len(self.acked),
                'post_failed_messages': len(self.unacked),
                'consumed': consumed,
                'deleted': sum(1 for s in self.deleted if s in self.acked),
                'duplicates': duplicates,
                'resurrected': resurrected,
                'redeliveries': redeliveries,
                'never_consumed': len(never),
                'claimed_not_deleted': claimed_not_deleted,
                'unacked_but_delivered': unacked_delivered,
                'foreign': self.foreign,
                'id_mismatch': self.id_mismatch,
            }
        if remaining is None:
            result['remaining_in_queue'] = None
            result['lost'] = 0 if not never else None
        else:
            remaining = set(remaining)
            result['remaining_in_queue'] = sum(1 for s in never
                                               if s in remaining)
            result['lost'] = sum(1 for s in never if s not in remaining)
        return result

    def e2e_latencies(self):
        """Seconds from POST sent to delete acknowledged, per message."""
        with self._lock:
            return [self.deleted[s] - self.post_sent[s]
                    for s in self.deleted if s in self.post_sent]

    def event_times(self, t0):
        with self._lock:
            return {
                'posted_msgs': [t - t0 for t in self.acked.values()],
                'deleted_msgs': [t - t0 for t in self.deleted.values()],
                'claimed_msgs': [d.received - t0
                                 for ds in self.deliveries.values()
                                 for d in ds],
            }
