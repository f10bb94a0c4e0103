from oslo_config import cfg

bind_host = cfg.HostAddressOpt(
    'bind_host', default='127.0.0.1',
    help='Address the websocket server (swiftq-websocket) listens on.')

bind_port = cfg.PortOpt(
    'bind_port', default=9000,
    help='Port the websocket server listens on (9000, as Zaqar\'s).')

max_frame_size = cfg.IntOpt(
    'max_frame_size', default=2 * 1024 * 1024, min=1024,
    help='Largest websocket message a client may send, in bytes. A larger '
         'one closes that socket with code 1009 (message too big, RFC '
         '6455); smaller ones reach the API, whose own limits '
         '([api] max_request_body_size, [transport] '
         'max_messages_post_size...) answer an oversized request with '
         'their usual error. Keep it above those limits. Each socket '
         'buffers at most about two such messages.')

max_sockets = cfg.IntOpt(
    'max_sockets', default=4096, min=1,
    help='Open websockets one process serves at once; a client over the '
         'limit is refused (HTTP 503 at the handshake).')

idle_timeout = cfg.IntOpt(
    'idle_timeout', default=600, min=0,
    help='Seconds a socket may stay without sending a frame before it is '
         'closed (code 4000); 0 keeps idle sockets open. A socket with a '
         'pushed subscription is never idle.')

auth_timeout = cfg.IntOpt(
    'auth_timeout', default=30, min=1,
    help='auth_strategy = keystone: seconds a new socket has to '
         'authenticate (the "authenticate" action) before it is closed '
         '(code 4001). Sockets that use pre-signed URL headers instead '
         'must send their first frame within this time.')

threads = cfg.IntOpt(
    'threads', default=16, min=1,
    help='Threads that run the requests of all sockets (each request '
         'waits for Swift, and for Keystone when a token is checked). '
         'One socket\'s frames are answered in order, one at a time.')

push_backlog_size = cfg.IntOpt(
    'push_backlog_size', default=1024 * 1024, min=1024,
    help='Bytes of pushed messages (subscription_create without a '
         'subscriber) one socket may have waiting to be sent. A client '
         'that does not read them fast enough is closed (code 4008); the '
         'messages stay in the queue.')

max_pushed_subscriptions = cfg.IntOpt(
    'max_pushed_subscriptions', default=20, min=1,
    help='Pushed subscriptions (subscription_create without a subscriber) '
         'one socket may hold at once; each follows its queue. One more is '
         'answered 400.')

push_recheck_interval = cfg.IntOpt(
    'push_recheck_interval', default=10, min=1,
    help='Seconds between two checks, while messages are pushed to a '
         'socket, that its subscription still exists: one deleted through '
         'another socket or the HTTP API stops its pushes within that '
         'time of a push (at once when deleted through its own socket).')

GROUP_NAME = 'websocket'
ALL_OPTS = [bind_host, bind_port, max_frame_size, max_sockets, idle_timeout,
            auth_timeout, threads, push_backlog_size,
            max_pushed_subscriptions, push_recheck_interval]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
