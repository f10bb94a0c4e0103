"""swiftq-dev: swiftq on an embedded, single-replica Swift, for trying the
API from a shell.

::

    swiftq-dev [--dir DIR] [--port 8888] [--websocket-port 9000]

Starts a local Swift under ``DIR/swift`` (:mod:`swiftq.localswift`), writes
``DIR/swiftq.conf`` (``auth_strategy = noauth``, ``[swift]`` pointing at
that Swift), runs ``swiftq-api`` on 127.0.0.1:PORT, waits for
``GET /v2/ping`` to answer 204, starts ``swiftq-notifier`` (deliveries to
subscriptions) and ``swiftq-websocket`` on 127.0.0.1:WEBSOCKET_PORT (Zaqar's
websocket protocol), prints curl examples and a websocket one, and stays
in the foreground until Ctrl-C or SIGTERM, then stops everything it
started. The logs are ``DIR/swiftq-api.log``, ``DIR/swiftq-notifier.log``
and ``DIR/swiftq-websocket.log``.

Development only: with ``noauth`` the X-Project-ID header is trusted.
"""

import argparse
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid

from swiftq import child_processes

PING_TIMEOUT = 60
STOP_TIMEOUT = 15
QUEUE = 'demo'
PROJECT = 'demo-project'


def default_dir():
    home = os.path.expanduser('~')
    if home != '~' and os.access(home, os.W_OK):
        return os.path.join(home, '.swiftq-dev')
    return os.path.join(tempfile.gettempdir(), 'swiftq-dev-%d' % os.getuid())


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog='swiftq-dev',
        description='Run swiftq on an embedded local Swift (development '
                    'only: no authentication).')
    parser.add_argument(
        '--dir', default=default_dir(),
        help='Where Swift data, the configuration and logs live '
             '(default: %(default)s). Reused across runs.')
    parser.add_argument(
        '--port', type=int, default=8888,
        help='Port of the API on 127.0.0.1 (default: %(default)s).')
    parser.add_argument(
        '--websocket-port', type=int, default=9000,
        help='Port of swiftq-websocket on 127.0.0.1 (default: '
             '%(default)s).')
    parser.add_argument(
        '--workers', type=int, default=2,
        help='API worker processes (default: %(default)s).')
    return parser.parse_args(argv)


def write_config(path, swift, port, workers, websocket_port):
    lines = [
        '# Written by swiftq-dev; rewritten on every start.',
        '[DEFAULT]',
        'auth_strategy = noauth',
        'debug = true',
        '',
        '[api]',
        'bind_host = 127.0.0.1',
        'bind_port = %d' % port,
        'workers = %d' % workers,
        '',
        '[websocket]',
        'bind_host = 127.0.0.1',
        'bind_port = %d' % websocket_port,
        '',
        '[swift]',
        'auth_type = tempauth',
        'auth_url = %s' % swift.auth_url,
        'user = %s' % swift.user,
        'key = %s' % swift.key,
        'container_prefix = dev',
        '',
    ]
    with open(path, 'w') as f:
        f.write('\n'.join(lines))


def api_command(config_file, name='swiftq-api', module='swiftq.cmd.api'):
    script = os.path.join(os.path.dirname(sys.executable), name)
    if os.access(script, os.X_OK):
        return [script, '--config-file', config_file]
    return [sys.executable, '-m', module, '--config-file', config_file]


def examples(base_url, client_id):
    """Shell commands that exercise the API, ready to paste."""
    h = ('-H "Client-ID: %s" -H "X-Project-ID: %s"' % (client_id, PROJECT))
    js = '-H "Content-Type: application/json"'
    q = '%s/v2/queues/%s' % (base_url, QUEUE)
    messages = shlex.quote(
        '{"messages": [{"ttl": 300, "body": {"event": "hello"}}, '
        '{"ttl": 300, "body": {"event": "world"}}]}')
    claim = shlex.quote('{"ttl": 60, "grace": 60}')
    first_href = ("python3 -c 'import json, sys; "
                  "print(json.load(sys.stdin)[\"messages\"][0][\"href\"])'")
    return '\n'.join([
        'swiftq is up on %s. Try it:' % base_url,
        '',
        '# create a queue',
        'curl -i -X PUT %s %s' % (q, h),
        '# post two messages',
        'curl -i -X POST %s/messages %s %s -d %s' % (q, h, js, messages),
        '# list them (echo=true includes messages posted by this Client-ID)',
        'curl -s -w "\\n" "%s/messages?echo=true" %s' % (q, h),
        '# claim one message; the href of a claimed message carries the '
        'claim id',
        'curl -s -w "\\n" -X POST "%s/claims?limit=1" %s %s -d %s'
        % (q, h, js, claim),
        '# claim the next message and delete it with its claim id',
        'HREF=$(curl -s -X POST "%s/claims?limit=1" %s %s -d %s | %s)'
        % (q, h, js, claim, first_href),
        'echo "$HREF"    # /v2/queues/%s/messages/<id>?claim_id=<claim id>'
        % QUEUE,
        'curl -i -X DELETE "%s$HREF" %s' % (base_url, h),
        '# queue statistics',
        'curl -s -w "\\n" %s/stats %s' % (q, h),
        '# delete the queue',
        'curl -i -X DELETE %s %s' % (q, h),
        '',
    ])


#: What the websocket example runs: a socket subscribes to the queue (no
#: subscriber: messages are pushed to it), another posts, the first
#: receives the push.
_WEBSOCKET_EXAMPLE = '''
import json, uuid, websocket
url, queue = "%(url)s", "%(queue)s"
h = {"Client-ID": str(uuid.uuid4()), "X-Project-ID": "%(project)s"}
def call(ws, action, body):
    ws.send(json.dumps({"action": action, "headers": h, "body": body}))
    return json.loads(ws.recv())
sub = websocket.create_connection(url)
pub = websocket.create_connection(url)
print(call(sub, "subscription_create", {"queue_name": queue, "ttl": 60}))
print(call(pub, "message_post", {"queue_name": queue,
      "messages": [{"body": {"event": "pushed"}, "ttl": 60}]})["body"])
print("pushed:", sub.recv())
'''


def websocket_example(url):
    """A Python command (swiftq's interpreter has websocket-client) that
    subscribes a socket to the queue and gets a post pushed to it."""
    code = _WEBSOCKET_EXAMPLE % {'url': url, 'queue': QUEUE,
                                 'project': PROJECT}
    return '\n'.join([
        '# the same API over a websocket (swiftq-websocket, %s):' % url,
        '# subscribe a socket, post through another one, get the push',
        '%s -c %s' % (shlex.quote(sys.executable), shlex.quote(code)),
        '',
    ])


def _wait_listening(process, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=1):
                return True
        except OSError:
            time.sleep(0.2)
    return False


class _Stop(Exception):
    pass


def _raise_stop(signum, frame):
    raise _Stop()


class _NotServing(Exception):
    pass


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from swiftq import localswift

    base_dir = os.path.abspath(os.path.expanduser(args.dir))
    os.makedirs(base_dir, exist_ok=True)
    config_file = os.path.join(base_dir, 'swiftq.conf')
    log_file = os.path.join(base_dir, 'swiftq-api.log')
    base_url = 'http://127.0.0.1:%d' % args.port

    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    swift = localswift.LocalSwift(os.path.join(base_dir, 'swift'),
                                  replicas=1)
    api = notifier = websocket = None
    status = 0
    try:
        print('swiftq-dev: starting a local Swift under %s ...'
              % os.path.join(base_dir, 'swift'), flush=True)
        swift.start()
        write_config(config_file, swift, args.port, args.workers,
                     args.websocket_port)
        print('swiftq-dev: starting swiftq-api on %s (config %s, log %s)'
              % (base_url, config_file, log_file), flush=True)
        with open(log_file, 'ab') as log:
            # A process group of its own: Ctrl-C reaches swiftq-dev only,
            # which then stops the API before Swift.
            api = subprocess.Popen(api_command(config_file), stdout=log,
                                   stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL,
                                   process_group=0,
                                   preexec_fn=child_processes.die_with_parent)
        try:
            child_processes.wait_serving(
                api, base_url + '/v2/ping', args.workers, PING_TIMEOUT,
                _NotServing, 'swiftq-api', log_file)
        except _NotServing as exc:
            print('swiftq-dev: %s' % exc, file=sys.stderr)
            status = 1
            return status
        notifier_log = os.path.join(base_dir, 'swiftq-notifier.log')
        with open(notifier_log, 'ab') as log:
            notifier = subprocess.Popen(
                api_command(config_file, 'swiftq-notifier',
                            'swiftq.cmd.notifier'),
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, process_group=0,
                preexec_fn=child_processes.die_with_parent)
        print('swiftq-dev: swiftq-notifier delivers to subscriptions (log '
              '%s)' % notifier_log)
        websocket_log = os.path.join(base_dir, 'swiftq-websocket.log')
        websocket_url = 'ws://127.0.0.1:%d' % args.websocket_port
        with open(websocket_log, 'ab') as log:
            websocket = subprocess.Popen(
                api_command(config_file, 'swiftq-websocket',
                            'swiftq.cmd.websocket'),
                stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, process_group=0,
                preexec_fn=child_processes.die_with_parent)
        if not _wait_listening(websocket, args.websocket_port, PING_TIMEOUT):
            print('swiftq-dev: swiftq-websocket did not start; see %s'
                  % websocket_log, file=sys.stderr)
            status = 1
            return status
        print('swiftq-dev: swiftq-websocket on %s (log %s)'
              % (websocket_url, websocket_log))
        print()
        print(examples(base_url, str(uuid.uuid4())))
        print(websocket_example(websocket_url))
        print('Development only: X-Project-ID is trusted (auth_strategy = '
              'noauth).')
        print('API log: tail -f %s' % log_file)
        print('Press Ctrl-C to stop.', flush=True)
        code = api.wait()
        print('swiftq-dev: swiftq-api exited with status %s; see %s'
              % (code, log_file), file=sys.stderr)
        status = 1
    except (KeyboardInterrupt, _Stop):
        print('\nswiftq-dev: stopping ...', flush=True)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in (websocket, notifier, api):
            if process is not None:
                child_processes.stop_tree(process, STOP_TIMEOUT)
        swift.stop()
    return status


if __name__ == '__main__':
    sys.exit(main())
