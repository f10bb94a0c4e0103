"""The notifier's durable progress through one queue: the ``notify``
object of the queue container.

For every subscription of the queue it records which segments are
*handled* (delivered, given up after the retry policy, expired, or posted
while the subscription could not receive them):

``watermark``
    Every segment whose key sorts at or below it is handled. It is either
    a segment key or a bare 16-hex-digit time (``key_at``), which sorts
    before every key of that nanosecond.
``handled``
    The handled segments above the watermark.
``notice``
    The last confirmation state told to the subscriber: ``requested``
    (a SubscriptionConfirmation was sent), ``confirmed`` (the notifier saw
    the subscription confirmed) or ``unsubscribed`` (an
    UnsubscribeConfirmation was sent); absent before any.

A segment can still appear in a listing below keys already seen: keys are
the posting API host's clock, and the PUT and its container update take
time. So the watermark only moves up to ``settled`` time (now minus
``[notification] settle_window``), never past a segment still pending;
above it, handled segments are remembered one by one. The cursor is
written after the deliveries it records, so a crash can only repeat
deliveries, never skip one (doc/source/design/subscriptions.rst,
"Delivery").
"""

import json
import logging

from swiftq.storage import naming
from swiftq.swift.errors import SwiftUnavailable

LOG = logging.getLogger(__name__)

VERSION = 1
_JSON = 'application/json'

REQUESTED = 'requested'
CONFIRMED = 'confirmed'
UNSUBSCRIBED = 'unsubscribed'


def key_at(epoch):
    """The watermark meaning "every segment posted before ``epoch``"."""
    return '%016x' % max(int(epoch * 1e9), 0)


class Progress:
    """One subscription's progress through the queue."""

    __slots__ = ('watermark', 'handled', 'notice')

    def __init__(self, watermark, handled=(), notice=None):
        self.watermark = watermark
        self.handled = set(handled)
        self.notice = notice

    def is_handled(self, key):
        return key <= self.watermark or key in self.handled

    def mark(self, key):
        """Record a handled segment; True if that is news."""
        if self.is_handled(key):
            return False
        self.handled.add(key)
        return True

    def advance(self, settled, first_pending):
        """Move the watermark as far as it may go: up to ``settled`` (a
        ``key_at``), and below ``first_pending`` (the smallest key still
        to handle, or None). Forget the handled keys it passes."""
        if first_pending is None or settled < first_pending:
            target = settled
        else:
            below = [k for k in self.handled if k < first_pending]
            target = max(below) if below else self.watermark
        if target > self.watermark:
            self.watermark = target
            self.handled = set(k for k in self.handled if k > target)

    def to_dict(self):
        doc = {'watermark': self.watermark,
               'handled': sorted(self.handled)}
        if self.notice:
            doc['notice'] = self.notice
        return doc

    @classmethod
    def from_dict(cls, doc):
        return cls(str(doc['watermark']), [str(k) for k in doc['handled']],
                   doc.get('notice'))


class Cursor:
    """The progress of every subscription of one queue."""

    def __init__(self, progress=None):
        self.progress = dict(progress or {})

    def encode(self):
        return json.dumps({
            'version': VERSION,
            'subscriptions': {sub_id: p.to_dict()
                              for sub_id, p in self.progress.items()},
        }, separators=(',', ':'), sort_keys=True).encode()

    @classmethod
    def decode(cls, data):
        doc = json.loads(data)
        return cls({sub_id: Progress.from_dict(p)
                    for sub_id, p in doc['subscriptions'].items()})


class CursorStore:
    """Reads and writes the ``notify`` objects of queue containers."""

    def __init__(self, swift):
        self._swift = swift

    def load(self, container):
        """The stored cursor (read with X-Newest, so the last write of
        whichever notifier served the queue wins), or an empty one."""
        resp = self._swift.get_object(container, naming.NOTIFY, newest=True)
        if resp.status == 404:
            return Cursor()
        if resp.status != 200:
            raise SwiftUnavailable('notify GET answered %d' % resp.status)
        try:
            return Cursor.decode(resp.data)
        except (ValueError, KeyError, TypeError, AttributeError):
            # Unreadable: starting over from the subscriptions' creation
            # repeats deliveries, never skips one.
            LOG.error('unreadable notify cursor in %s: starting over',
                      container)
            return Cursor()

    def save(self, container, cursor):
        """PUT the cursor. False when the queue container is gone (the
        queue was deleted: there is nothing left to deliver)."""
        resp = self._swift.put_object(container, naming.NOTIFY,
                                      cursor.encode(), content_type=_JSON)
        if resp.status == 404:
            return False
        if resp.status != 201:
            raise SwiftUnavailable('notify PUT answered %d' % resp.status)
        return True
