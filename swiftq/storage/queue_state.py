"""A queue's mutable state and the pure rules that change it.

Segments (the posted messages) are immutable Swift objects; everything that
changes after a post lives in one ``state`` object per queue: live claims,
deleted messages, claim counts (for dead-letter queues) and message lives
extended by claim grace. Only the holder of the queue's lease writes it
(see ``lease.py`` and doc/source/design/claims.rst), so this module needs
no concurrency control and is tested on its own.
"""

import dataclasses
import itertools
import json
import math

from swiftq.storage import naming

FORMAT_VERSION = 1
# Deleted segments are written grouped by when they may be forgotten,
# rounded up to this many seconds: about 25 bytes per segment.
GONE_BUCKET = 10


@dataclasses.dataclass(frozen=True)
class Segment:
    """What a container listing tells about one segment."""
    key: str
    count: int
    ttl: int
    delay: int

    @property
    def created(self):
        return naming.created_from_key(self.key)

    @property
    def expires(self):
        return self.created + self.ttl

    @property
    def visible_at(self):
        return self.created + self.delay

    @classmethod
    def from_listing(cls, entry):
        if not entry['name'].startswith(naming.SEGMENT_PREFIX):
            return None
        parsed = naming.parse_segment_content_type(entry.get('content_type'))
        if parsed is None:
            return None
        key = naming.key_from_segment_object(entry['name'])
        if len(key) != naming.KEY_LEN:
            return None
        return cls(key, *parsed)

    def message_ids(self):
        return [naming.message_id(self.key, i) for i in range(self.count)]


@dataclasses.dataclass
class Claim:
    id: str
    expires: float
    ttl: int
    grace: int
    created: float
    messages: list

    def live(self, now):
        return self.expires > now

    def to_list(self):
        return [self.expires, self.ttl, self.grace, self.created,
                self.messages]

    @classmethod
    def from_list(cls, claim_id, values):
        expires, ttl, grace, created, messages = values
        return cls(claim_id, expires, ttl, grace, created, list(messages))


class QueueState:
    """Claims, deletions, claim counts and life extensions of one queue.

    ``skew`` is the protocol's max clock skew: a claim protects its
    messages until ``expires + skew`` (so a process with a fast clock never
    hands a message out early), while the claim's owner may use it only
    until ``expires``.
    """

    def __init__(self, skew=0.0):
        self.skew = skew
        self.claims = {}
        # segment key -> {'until': float, 'indices': set}
        self.deleted = {}
        self.counts = {}
        self.extended = {}
        # segment key -> time until which a listing may still show the
        # segment although Swift acknowledged its DELETE
        self.gone = {}
        # how many state PUTs made this state (see claims.rst, "The state
        # floor"): a holder refuses to load a state older than the one its
        # lease says was written
        self.generation = 0
        self._claim_of = {}

    # -- (de)serialisation ----------------------------------------------------
    @classmethod
    def from_json(cls, data, skew=0.0):
        state = cls(skew)
        if not data:
            return state
        doc = json.loads(data)
        state.generation = int(doc.get('g', 0))
        for claim_id, values in doc.get('claims', {}).items():
            state.claims[claim_id] = Claim.from_list(claim_id, values)
        for key, (until, indices) in doc.get('deleted', {}).items():
            state.deleted[key] = {'until': until, 'indices': set(indices)}
        state.counts = {m: list(v) for m, v in doc.get('counts', {}).items()}
        state.extended = dict(doc.get('extended', {}))
        for until, keys in doc.get('gone', []):
            for i in range(0, len(keys), naming.KEY_LEN):
                state.gone[keys[i:i + naming.KEY_LEN]] = until
        state._reindex()
        return state

    def to_json(self):
        return json.dumps({
            'v': FORMAT_VERSION,
            'g': self.generation,
            'claims': {cid: c.to_list() for cid, c in self.claims.items()},
            'deleted': {k: [d['until'], sorted(d['indices'])]
                        for k, d in self.deleted.items()},
            'counts': self.counts,
            'extended': self.extended,
            'gone': _gone_groups(self.gone),
        }, separators=(',', ':')).encode()

    def _reindex(self):
        self._claim_of = {}
        for claim in sorted(self.claims.values(), key=lambda c: c.expires):
            for msg_id in claim.messages:
                self._claim_of[msg_id] = claim.id

    # -- queries --------------------------------------------------------------
    def is_deleted(self, msg_id):
        split = naming.split_message_id(msg_id)
        if split is None or split[0] in self.gone:
            return True
        entry = self.deleted.get(split[0])
        return entry is not None and split[1] in entry['indices']

    def protecting_claim(self, msg_id, now):
        """The claim that keeps other consumers off ``msg_id`` (live until
        its expiry plus the clock skew), or None."""
        claim = self.claims.get(self._claim_of.get(msg_id))
        if claim is not None and claim.expires + self.skew > now:
            return claim
        return None

    def live_claim(self, msg_id, now):
        """The claim the message's owner may still use (strict expiry)."""
        claim = self.claims.get(self._claim_of.get(msg_id))
        if claim is not None and claim.live(now):
            return claim
        return None

    def get_live_claim(self, claim_id, now):
        claim = self.claims.get(claim_id)
        if claim is not None and claim.live(now):
            return claim
        return None

    def message_expires(self, segment, msg_id):
        return max(segment.expires, self.extended.get(msg_id, 0.0))

    def is_alive(self, segment, msg_id, now):
        return (not self.is_deleted(msg_id) and
                self.message_expires(segment, msg_id) > now)

    def is_free(self, segment, msg_id, now, include_delayed=False):
        """Alive, visible (unless include_delayed) and not protected by a
        claim: a message that may be claimed or popped."""
        if not self.is_alive(segment, msg_id, now):
            return False
        if not include_delayed and segment.visible_at > now:
            return False
        return self.protecting_claim(msg_id, now) is None

    def next_release(self, segments, now):
        """The earliest time after ``now`` at which a message that is not
        free may become free (a claim's protection or a delay ends), or
        None if no claim or delay is pending."""
        times = [c.expires + self.skew for c in self.claims.values()
                 if c.expires + self.skew > now]
        times.extend(s.visible_at for s in segments if s.visible_at > now)
        return min(times, default=None)

    def scan(self, segments, now, include_claimed=False,
             include_delayed=False):
        """The FIFO scan every reader and the holder make: ``(segment,
        msg_id)`` of each live message of ``segments`` in order, leaving
        out the delayed ones (unless ``include_delayed``) and those a claim
        protects (unless ``include_claimed``). ``segments`` may be a lazy
        iterable: the scan takes no more of it than its caller does."""
        for segment in segments:
            if not include_delayed and segment.visible_at > now:
                continue
            for msg_id in segment.message_ids():
                if not self.is_alive(segment, msg_id, now):
                    continue
                if not include_claimed and \
                        self.protecting_claim(msg_id, now) is not None:
                    continue
                yield segment, msg_id

    def select_free(self, segments, now, limit):
        """The first ``limit`` free messages in FIFO order:
        ``[(segment, msg_id), ...]``."""
        unexpired = (segment for segment in segments
                     if segment.expires > now or
                     _has_extension(self.extended, segment))
        return list(itertools.islice(self.scan(unexpired, now), limit))

    def is_dead(self, segment, now):
        """True when no message of the segment can ever be returned again:
        its object may be deleted."""
        if segment.key in self.gone:
            return True
        entry = self.deleted.get(segment.key)
        deleted = entry['indices'] if entry else ()
        for index, msg_id in enumerate(segment.message_ids()):
            if index in deleted:
                continue
            if self.message_expires(segment, msg_id) > now:
                return False
        return True

    # -- changes --------------------------------------------------------------
    def add_claim(self, claim_id, msg_ids, segments_by_key, ttl, grace, now):
        claim = Claim(claim_id, now + ttl, ttl, grace, now, list(msg_ids))
        self.claims[claim_id] = claim
        self._extend_lives(msg_ids, segments_by_key, now + ttl + grace)
        for msg_id in msg_ids:
            self._claim_of[msg_id] = claim_id
            count, _ = self.counts.get(msg_id, (0, 0.0))
            segment = segments_by_key[naming.split_message_id(msg_id)[0]]
            self.counts[msg_id] = [count + 1,
                                   self.message_expires(segment, msg_id)]
        return claim

    def claim_count(self, msg_id):
        return self.counts.get(msg_id, (0, 0.0))[0]

    def renew_claim(self, claim_id, segments_by_key, ttl, grace, now):
        claim = self.claims[claim_id]
        claim.expires = now + ttl
        claim.ttl = ttl
        claim.grace = grace
        self._extend_lives(claim.messages, segments_by_key, now + ttl + grace)
        return claim

    def release_claim(self, claim_id):
        """Drop the claim; claim counts stay (dead-letter queues rely on
        them)."""
        claim = self.claims.pop(claim_id, None)
        if claim is None:
            return
        for msg_id in claim.messages:
            if self._claim_of.get(msg_id) == claim_id:
                del self._claim_of[msg_id]
        self._reindex()

    def _extend_lives(self, msg_ids, segments_by_key, until):
        for msg_id in msg_ids:
            segment = segments_by_key.get(naming.split_message_id(msg_id)[0])
            if segment is None or self.message_expires(segment,
                                                       msg_id) < until:
                self.extended[msg_id] = until

    def delete_message(self, segment, msg_id):
        key, index = naming.split_message_id(msg_id)
        entry = self.deleted.setdefault(key, {'until': 0.0,
                                              'indices': set()})
        entry['indices'].add(index)
        entry['until'] = max(entry['until'],
                             self.message_expires(segment, msg_id))

    def forget_segment(self, key):
        """The segment's object is gone: drop everything about it."""
        self.deleted.pop(key, None)
        for table in (self.counts, self.extended):
            for msg_id in [m for m in table if m.startswith(key)]:
                del table[msg_id]

    def segment_deleted(self, key, until):
        """Swift acknowledged the DELETE of the segment ``key``: drop
        everything about it but keep, until ``until``, that every message
        of it is gone, for the listings of container replicas that missed
        the DELETE."""
        self.forget_segment(key)
        self.gone[key] = until

    def prune(self, now):
        """Drop what can no longer matter: claims past expiry + skew and
        entries of messages past their life (+ skew)."""
        horizon = now - self.skew
        expired = [cid for cid, c in self.claims.items()
                   if c.expires <= horizon]
        for cid in expired:
            del self.claims[cid]
        for key in [k for k, d in self.deleted.items()
                    if d['until'] <= horizon]:
            del self.deleted[key]
        for msg_id in [m for m, t in self.extended.items() if t <= horizon]:
            del self.extended[msg_id]
        for key in [k for k, until in self.gone.items() if until <= horizon]:
            del self.gone[key]
        for msg_id in [m for m, (_, until) in self.counts.items()
                       if until <= horizon]:
            del self.counts[msg_id]
        if expired:
            self._reindex()
        return bool(expired)


def _gone_groups(gone):
    """The ``gone`` table as written: keys grouped by when they may be
    forgotten (rounded up to GONE_BUCKET), concatenated."""
    groups = {}
    for key, until in gone.items():
        bucket = math.ceil(until / GONE_BUCKET) * GONE_BUCKET
        groups.setdefault(bucket, []).append(key)
    return [[until, ''.join(sorted(keys))]
            for until, keys in sorted(groups.items())]


def _has_extension(extended, segment):
    """Does a message of ``segment`` live longer than the segment?"""
    prefix = segment.key
    return any(m.startswith(prefix) for m in extended)
