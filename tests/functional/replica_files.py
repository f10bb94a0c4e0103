"""Where Swift keeps the replicas of one object on the local Swift's
disks, and making replicas lose it: what a replica that never got a write
(a disk replaced, a write that reached only a quorum) answers is a plain
404. Uses Swift's own ring and hash_path in a child process, so the test
process never loads a swift.conf (hash path prefix and suffix are
process-wide in Swift)."""

import json
import os
import shutil
import subprocess
import sys
import urllib.parse

import requests

_SCRIPT = r'''
import json, sys
from swift.common import utils
from swift.common.ring import Ring
spec = json.loads(sys.argv[1])
utils.set_swift_dir(spec['etc_dir'])
ring = Ring(spec['etc_dir'], ring_name='object')
part, nodes = ring.get_nodes(spec['account'], spec['container'], spec['obj'])
digest = utils.hash_path(spec['account'], spec['container'], spec['obj'])
print(json.dumps([{'device': n['device'], 'port': n['port'], 'part': part,
                   'ip': n['ip'],
                   'dir': '%s/objects/%d/%s/%s' % (n['device'], part,
                                                  digest[-3:], digest)}
                  for n in nodes]))
'''


def primaries(local_swift, container, obj):
    """The primary replicas of ``obj``: ``[{'node': i, 'dir': path,
    'url': ...}]``, ``node`` being the LocalSwift node index, ``dir`` the
    object's hash directory on that node's disk, ``url`` the object on
    that node's object server."""
    account = _account(local_swift)
    spec = {'etc_dir': local_swift.etc_dir, 'account': account,
            'container': container, 'obj': obj}
    out = subprocess.run([sys.executable, '-c', _SCRIPT, json.dumps(spec)],
                         check=True, capture_output=True, timeout=60).stdout
    return [{'node': int(r['device'][len('node'):]),
             'dir': os.path.join(local_swift.devices_dir, r['dir']),
             'url': 'http://%s:%d/%s/%d/%s/%s/%s' % (
                 r['ip'], r['port'], r['device'], r['part'], account,
                 urllib.parse.quote(container, safe=''),
                 urllib.parse.quote(obj, safe=''))}
            for r in json.loads(out)]


def _account(local_swift):
    return urllib.parse.urlparse(local_swift.storage_url).path.rstrip(
        '/').split('/')[-1]


def put_at(replica, body, timestamp, content_type='application/json'):
    """Store ``body`` on this replica alone, as written at ``timestamp``
    (seconds): what a proxy's PUT does on each replica, with the timestamp
    the proxy gave it. Returns the object server's status."""
    resp = requests.put(replica['url'], data=body, timeout=10, headers={
        'X-Timestamp': '%016.5f' % timestamp,
        'Content-Type': content_type,
        'X-Backend-Storage-Policy-Index': '0'})
    return resp.status_code


def lose(replica):
    """The replica no longer has the object (no tombstone either)."""
    shutil.rmtree(replica['dir'], ignore_errors=True)
