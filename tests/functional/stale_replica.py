"""Send a container server an object row, as Swift itself does late: what
a replica that missed an object DELETE (its node was down, the async
pending not yet replayed) lists, or the late update of an earlier write.
Talks to the container server directly with Swift's own direct_client, in
a child process, so the test process never loads a swift.conf (hash path
prefix and suffix are process-wide in Swift)."""

import json
import subprocess
import sys
import urllib.parse

_SCRIPT = r'''
import json, sys
from swift.common import direct_client, utils
from swift.common.ring import Ring
spec = json.loads(sys.argv[1])
utils.set_swift_dir(spec['etc_dir'])
ring = Ring(spec['etc_dir'], ring_name='container')
part, nodes = ring.get_nodes(spec['account'], spec['container'])
entry = spec['entry']
for node in nodes:
    if spec['unlist']:
        direct_client.direct_delete_container_object(
            node, part, spec['account'], spec['container'], entry['name'],
            headers={'X-Timestamp': utils.Timestamp.now().internal})
        continue
    direct_client.direct_put_container_object(
        node, part, spec['account'], spec['container'], entry['name'],
        headers={'X-Timestamp': spec['timestamp'] or
                 utils.Timestamp.now().internal,
                 'X-Size': str(entry['bytes']),
                 'X-Content-Type': entry['content_type'],
                 'X-Etag': entry['hash']})
'''


def list_again(local_swift, container, entry, timestamp=None):
    """Put the listing row ``entry`` (as a JSON container listing shows
    it) back into every replica of ``container``, as written at
    ``timestamp`` (seconds since the epoch; now by default)."""
    _send(local_swift, container, entry, timestamp, unlist=False)


def unlist(local_swift, container, entry):
    """Take the row of ``entry`` out of the listing of ``container``,
    leaving the object: as if its container update had not come yet."""
    _send(local_swift, container, entry, None, unlist=True)


def _send(local_swift, container, entry, timestamp, unlist):
    account = urllib.parse.urlparse(local_swift.storage_url).path.rstrip(
        '/').split('/')[-1]
    spec = {'etc_dir': local_swift.etc_dir, 'account': account,
            'container': container, 'entry': entry, 'unlist': unlist,
            'timestamp': '%016.5f' % timestamp if timestamp else None}
    subprocess.run([sys.executable, '-c', _SCRIPT, json.dumps(spec)],
                   check=True, capture_output=True, timeout=60)
