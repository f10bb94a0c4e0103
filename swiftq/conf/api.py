from oslo_config import cfg

bind_host = cfg.HostAddressOpt(
    'bind_host', default='127.0.0.1',
    help='Address the API server listens on.')

bind_port = cfg.PortOpt(
    'bind_port', default=8888,
    help='Port the API server listens on.')

workers = cfg.IntOpt(
    'workers', default=2, min=1,
    help='Number of API worker processes. Workers share nothing but '
         'Swift, so any number of them (on any number of hosts) may serve '
         'the same queues.')

threads = cfg.IntOpt(
    'threads', default=16, min=1,
    help='Threads per worker process. Most of a request is spent waiting '
         'for Swift, so threads are cheap concurrency.')

max_request_body_size = cfg.IntOpt(
    'max_request_body_size', default=1024 * 1024, min=1024,
    help='Hard cap on any request body, in bytes, checked before the body '
         'is read. Resource-specific limits (message post size, queue '
         'metadata size) are smaller and live in [transport].')

keepalive_timeout = cfg.IntOpt(
    'keepalive_timeout', default=75, min=0,
    help='Seconds an idle HTTP/1.1 connection is kept open for its '
         'client\'s next request; 0 closes every connection after one '
         'request. A server that closes an idle connection races the '
         'client that is sending its next request on it, and the client '
         'sees a reset it may not retry (a POST is not idempotent). Keep '
         'this longer than the idle timeout of the load balancer in front '
         '(commonly 60 s) and than the pauses of the clients, so that it is '
         'the client side that closes idle connections.')

GROUP_NAME = 'api'
ALL_OPTS = [bind_host, bind_port, workers, threads, keepalive_timeout,
            max_request_body_size]


def register_opts(conf):
    conf.register_opts(ALL_OPTS, group=GROUP_NAME)


def list_opts():
    return {GROUP_NAME: ALL_OPTS}
