"""The message dict storage answers with (see ``base.py``), made the same
way by every read and by claims and pops, and the ids a client sees."""

import hashlib
import json

from swiftq.storage import naming
from swiftq.storage import stripes


class MessageFormatter:

    def __init__(self, checksum):
        self._checksum = checksum

    def picked(self, picked, now, claim_id=None):
        """A message a claim or pop took (``holder.view.Picked``)."""
        return self._format(picked.segment, picked.id, picked.body,
                            picked.client_id, picked.expires, claim_id,
                            picked.claim_count, now)

    def stored(self, segment, msg_id, body, state, now):
        """A message as the queue's ``state`` has it (``body``: its
        segment's ``SegmentBody``)."""
        index = naming.split_message_id(msg_id)[1]
        claim = state.live_claim(msg_id, now)
        return self._format(segment, msg_id, body.bodies[index],
                            body.client_id,
                            state.message_expires(segment, msg_id),
                            claim.id if claim else None,
                            state.claim_count(msg_id), now)

    def _format(self, segment, msg_id, body, client_id, expires, claim_id,
                claim_count, now):
        message = {
            'id': msg_id,
            'ttl': int(round(expires - segment.created)),
            'age': max(0, int(now - segment.created)),
            'created': segment.created,
            'body': body,
            'client_id': client_id,
            'claim_id': claim_id,
            'claim_count': claim_count,
        }
        if self._checksum:
            message['checksum'] = 'MD5:' + hashlib.md5(
                json.dumps(body).encode('utf-8')).hexdigest()
        return message


def outward(container, message):
    """A message of ``container`` with the ids its client sees (a stripe's
    ids carry the stripe)."""
    if naming.stripe_of_container(container):
        message['id'] = stripes.Layout.outward(container, message['id'])
        message['claim_id'] = stripes.Layout.outward(container,
                                                     message['claim_id'])
    return message
