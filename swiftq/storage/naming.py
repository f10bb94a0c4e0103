"""Swift names for queues, messages and claims.

Everything of one deployment lives in one Swift account:

* queue container: ``<prefix>:<project key>:<queue name>``. Neither the
  prefix, the project key nor the (validated) queue name can contain
  ``:``, so names of different projects can never collide; the account
  listing with prefix ``<prefix>:<project key>:`` is the project's queue
  catalog.
* in a queue container:

  - ``meta``: the queue's metadata (JSON body);
  - ``lease``: the claim lease (see claims design);
  - ``lease-wanted``: touched by processes waiting for a held lease;
  - ``state``: claims, deletions and claim counts (written only under the
    lease);
  - ``notify``: the notifier's delivery cursor (see
    doc/source/design/subscriptions.rst, "Delivery");
  - ``m/<segment key>``: one *segment*: the messages of one post that share
    a TTL and a delay, as one JSON object. The segment key is the post's
    time in nanoseconds (16 hex digits) and 8 random hex digits, so names
    sort in the order the posts were made and never wrap. Its
    Content-Type carries ``count``, ``ttl`` and ``delay`` so that a
    container listing alone tells what a segment holds.

A message id is its segment key followed by its index in the segment
(4 hex digits): 28 lowercase hex digits, from which its object name
follows without any lookup.

*Stripes* (doc/source/design/stripes.rst): a queue may be spread over
several containers, each with its own segments, ``state`` and ``lease``.
Stripe 0 is the queue container above (it alone holds ``meta``); stripe
``k > 0`` is ``<prefix>+<k>:<project key>:<queue name>`` (``+`` is not
allowed in a prefix, so a stripe is never in a project's catalog nor
another deployment's). Ids of stripe ``k > 0`` carry it as 2 more hex
digits: a message id of 30 digits, a claim id of 34. Everything inside a
stripe (its state, the claim engine) uses the plain 28/32-digit ids.

Subscriptions of every project live in one *index container*,
``<prefix>.subscriptions`` (no ``:`` after the prefix, so it is never a
queue container nor in a project's catalog):

* ``<queue container>/<subscription id>``: one subscription (JSON);
* ``<queue container>/~<subscriber digest>``: the subscriber marker that
  keeps subscribers unique per queue (its body is the subscription id).
  ``~`` sorts after every character of an id, so a listing of the ids
  ends before the markers.

A listing with delimiter ``/`` is the set of queues with subscriptions
(see doc/source/design/subscriptions.rst).

*Topics* (Zaqar's ``/v2/topics``) are stored exactly as queues are, under
the deployment's *topic prefix* ``<prefix>-topics``: a topic container is
``<prefix>-topics:<project key>:<topic name>``. ``-`` is not allowed in a
prefix, so a topic and a queue of one name never share a container, and
neither catalog lists the other. Their subscriptions are in the same
index container (named by the topic container), so the notifier delivers
topic messages as it delivers queue messages.
"""

import hashlib
import os
import re
import threading
import time
import uuid

META = 'meta'
LEASE = 'lease'
STATE = 'state'
NOTIFY = 'notify'
LEASE_WANTED = 'lease-wanted'
#: The objects any queue container may hold besides segments.
FIXED_OBJECTS = (META, STATE, LEASE, LEASE_WANTED, NOTIFY)
SEGMENT_PREFIX = 'm/'
SEGMENT_CONTENT_TYPE = 'application/x-swiftq-segment'

KEY_LEN = 24
INDEX_LEN = 4
MAX_SEGMENT_MESSAGES = 16 ** INDEX_LEN
MESSAGE_ID_RE = re.compile(r'^[0-9a-f]{%d}$' % (KEY_LEN + INDEX_LEN))
CLAIM_ID_RE = re.compile(r'^[0-9a-f]{32}$')
#: A well-formed claim id that no claim has (claim ids are uuid4 hex, whose
#: 13th digit is always 4): what a claim of another stripe is to a stripe.
FOREIGN_CLAIM_ID = 'f' * 32
STRIPE_LEN = 2
MAX_STRIPES = 64
STRIPE_SEPARATOR = '+'
STRIPED_MESSAGE_ID_RE = re.compile(r'^([0-9a-f]{%d})([0-9a-f]{%d})?$'
                                   % (KEY_LEN + INDEX_LEN, STRIPE_LEN))
STRIPED_CLAIM_ID_RE = re.compile(r'^([0-9a-f]{32})([0-9a-f]{%d})?$'
                                 % STRIPE_LEN)
SUBSCRIPTION_ID_RE = re.compile(
    r'^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$')
SUBSCRIPTIONS_SUFFIX = '.subscriptions'
SUBSCRIBER_MARKER = '~'
TOPICS_SUFFIX = '-topics'
#: The kinds of resource stored as queue containers.
QUEUES = 'queues'
TOPICS = 'topics'
_PLAIN_PROJECT_RE = re.compile(r'^[A-Za-z0-9_\-]{1,64}$')


def project_key(project):
    """A container-safe key for a project id: the id itself when it is
    short and plain (Keystone ids are), else ``~`` and a SHA-256 digest
    (``~`` is not allowed in plain keys, so the two forms never meet)."""
    if _PLAIN_PROJECT_RE.match(project):
        return project
    return '~' + hashlib.sha256(project.encode('utf-8')).hexdigest()[:40]


def kind_prefix(prefix, kind):
    """The container prefix of ``kind`` (QUEUES or TOPICS) in the
    deployment whose prefix is ``prefix``."""
    return prefix + TOPICS_SUFFIX if kind == TOPICS else prefix


def kind_of_container(container):
    """QUEUES or TOPICS: what a (stripe 0) container holds."""
    prefix = container.split(':', 1)[0].split(STRIPE_SEPARATOR, 1)[0]
    return TOPICS if prefix.endswith(TOPICS_SUFFIX) else QUEUES


def catalog_prefix(prefix, project):
    return '%s:%s:' % (prefix, project_key(project))


def queue_container(prefix, project, queue):
    return catalog_prefix(prefix, project) + queue


def sibling_container(container, queue):
    """The container of another queue of the same project."""
    return container.rsplit(':', 1)[0] + ':' + queue


def queue_name_from_container(container):
    return container.rsplit(':', 1)[1]


def stripe_container(container, stripe):
    """The container of stripe ``stripe`` of the queue whose (stripe 0)
    container is ``container``."""
    if stripe == 0:
        return container
    prefix, rest = container.split(':', 1)
    return '%s%s%d:%s' % (prefix, STRIPE_SEPARATOR, stripe, rest)


def stripe_of_container(container):
    """The stripe number of a (stripe) container."""
    prefix = container.split(':', 1)[0]
    _, _, stripe = prefix.partition(STRIPE_SEPARATOR)
    return int(stripe) if stripe else 0


def queue_of_stripe(container):
    """The queue (stripe 0) container of any stripe container."""
    prefix, rest = container.split(':', 1)
    return prefix.split(STRIPE_SEPARATOR, 1)[0] + ':' + rest


def striped_id(plain_id, stripe):
    """The id a client sees for ``plain_id`` (a message or claim id inside
    stripe ``stripe``)."""
    if stripe == 0:
        return plain_id
    return '%s%0*x' % (plain_id, STRIPE_LEN, stripe)


def _split_striped(any_id, pattern):
    if not isinstance(any_id, str):
        return None
    match = pattern.match(any_id)
    if match is None:
        return None
    stripe = int(match.group(2), 16) if match.group(2) else 0
    if match.group(2) and stripe == 0:
        return None         # stripe 0 never carries a suffix
    return stripe, match.group(1)


def split_striped_message_id(msg_id):
    """``(stripe, plain message id)`` or None if not one of ours."""
    return _split_striped(msg_id, STRIPED_MESSAGE_ID_RE)


def split_striped_claim_id(claim_id):
    """``(stripe, plain claim id)`` or None if not one of ours."""
    return _split_striped(claim_id, STRIPED_CLAIM_ID_RE)


class SegmentKeyGenerator:
    """Strictly increasing segment keys within a process; across processes
    ordered by their clocks (see the FIFO caveat in the design)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._last = 0

    def next_keys(self, count):
        with self._lock:
            now = max(time.time_ns(), self._last + 1)
            self._last = now + count - 1
        return ['%016x%s' % (now + i, os.urandom(4).hex())
                for i in range(count)]


def created_from_key(key):
    """Posting time (seconds since the epoch) encoded in a segment key."""
    return int(key[:16], 16) / 1e9


def segment_object(key):
    return SEGMENT_PREFIX + key


def key_from_segment_object(name):
    return name[len(SEGMENT_PREFIX):]


def message_id(key, index):
    return '%s%0*x' % (key, INDEX_LEN, index)


def split_message_id(msg_id):
    """``(segment key, index)``, or None if ``msg_id`` is not one of ours."""
    if not isinstance(msg_id, str) or not MESSAGE_ID_RE.match(msg_id):
        return None
    return msg_id[:KEY_LEN], int(msg_id[KEY_LEN:], 16)


def is_claim_id(claim_id):
    return isinstance(claim_id, str) and bool(CLAIM_ID_RE.match(claim_id))


def segment_content_type(count, ttl, delay):
    return '%s;count=%d;ttl=%d;delay=%d' % (SEGMENT_CONTENT_TYPE, count, ttl,
                                            delay)


def parse_segment_content_type(content_type):
    """``(count, ttl, delay)`` from a listing's content_type, or None."""
    parts = [p.strip() for p in (content_type or '').split(';')]
    if not parts or parts[0] != SEGMENT_CONTENT_TYPE:
        return None
    params = {}
    for part in parts[1:]:
        name, _, value = part.partition('=')
        params[name.strip()] = value.strip()
    try:
        return (int(params['count']), int(params['ttl']),
                int(params['delay']))
    except (KeyError, ValueError):
        return None


# -- subscriptions ------------------------------------------------------------
def subscriptions_container(prefix):
    """The deployment's subscription index container."""
    return prefix + SUBSCRIPTIONS_SUFFIX


def subscription_object(queue_container, sub_id):
    return '%s/%s' % (queue_container, sub_id)


def subscriptions_prefix(queue_container):
    """Listing prefix of a queue's subscriptions (and subscriber markers)."""
    return queue_container + '/'


def subscriber_marker_object(queue_container, subscriber):
    digest = hashlib.sha256(subscriber.encode('utf-8')).hexdigest()[:40]
    return '%s/%s%s' % (queue_container, SUBSCRIBER_MARKER, digest)


def new_subscription_id():
    """A UUID (canonical form, as Zaqar's Swift driver) that sorts by
    creation time: 48 bits of milliseconds, then random bits, laid out as
    UUID version 7, so a queue's listing is in creation order like
    Zaqar's mongo driver."""
    millis = time.time_ns() // 1000000 & (2 ** 48 - 1)
    rand = int.from_bytes(os.urandom(10), 'big')
    value = (millis << 80 | 0x7 << 76 | (rand >> 68 & 0xfff) << 64 |
             0x2 << 62 | rand & (2 ** 62 - 1))
    return str(uuid.UUID(int=value))


def is_subscription_id(sub_id):
    return isinstance(sub_id, str) and bool(SUBSCRIPTION_ID_RE.match(sub_id))
