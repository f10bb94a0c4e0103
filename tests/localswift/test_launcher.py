"""Quick tests of swiftq.localswift.LocalSwift against a real local Swift.

Needs the ``swift`` package importable by this Python and ``memcached`` on
PATH.  Without them the tests are skipped -- except under CI (``CI`` set),
where a missing install step must fail loudly.
"""

import glob
import hashlib
import http.client
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest

import swiftq.localswift
from swiftq.localswift import LocalSwift, LocalSwiftError

_missing = []
if importlib.util.find_spec("swift") is None:
    _missing.append("python package swift (pip install swift==2.38.3)")
if shutil.which("memcached") is None:
    _missing.append("memcached (apt-get install memcached)")
if _missing and not os.environ.get("CI"):
    pytestmark = pytest.mark.skip(reason="missing: " + ", ".join(_missing))

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(swiftq.localswift.__file__))))


def request(method, url, headers=None, body=None, timeout=30):
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port,
                                      timeout=timeout)
    try:
        path = parts.path + ("?" + parts.query if parts.query else "")
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, resp.read()
    finally:
        conn.close()


def login(swift):
    status, headers, _ = request("GET", swift.auth_url, {
        "X-Auth-User": swift.user, "X-Auth-Key": swift.key})
    assert status == 200
    return headers["x-storage-url"], {"X-Auth-Token": headers["x-auth-token"]}


def listing(url, auth, container):
    status, _, body = request("GET", "%s/%s?format=json" % (url, container),
                              auth)
    assert status == 200, status
    return json.loads(body)


def group_alive(pid):
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    # only zombies left?
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry, "rb") as f:
                    rest = f.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(rest[2]) == pid and rest[0] != b"Z":
                return True
    return False


@pytest.fixture(scope="module")
def fast(tmp_path_factory):
    # the path contains "expirer" on purpose: swift's expirer switches to its
    # legacy config handling when its config *path* contains that word.
    s = LocalSwift(str(tmp_path_factory.mktemp("fast-expirer")),
                   expirer_interval=1, updater_interval=2)
    s.start()
    print("fast mode started in %.2f s %s" % (s.start_seconds, s.start_phases))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    s = LocalSwift(str(tmp_path_factory.mktemp("fault")), replicas=3, nodes=4,
                   daemons=())
    s.start()
    print("4-node mode started in %.2f s %s"
          % (s.start_seconds, s.start_phases))
    yield s
    s.stop()


# ---------------------------------------------------------------- fast mode


def test_fast_put_get_listing(fast):
    assert fast.auth_url == fast.proxy_url + "/auth/v1.0"
    assert fast.replicas == 1 and fast.nodes == 1
    assert fast.start_seconds < 30
    url, auth = login(fast)
    assert url == fast.storage_url
    assert request("PUT", url + "/c1", auth)[0] == 201
    ct = "application/x-swiftq; count=10; ttl=60"
    assert request("PUT", url + "/c1/o1", dict(auth, **{"Content-Type": ct}),
                   b"hello")[0] == 201
    status, headers, body = request("GET", url + "/c1/o1", auth)
    assert (status, body) == (200, b"hello")
    assert headers["content-type"] == ct  # object HEAD/GET: verbatim
    [entry] = listing(url, auth, "c1")
    assert entry["name"] == "o1" and entry["bytes"] == 5
    # listings re-serialize the parameters (whitespace after ';' dropped)
    assert entry["content_type"] == "application/x-swiftq;count=10;ttl=60"
    # the readiness probe never touches the account handed out
    status, _, body = request("GET", url + "?format=json", auth)
    assert [c["name"] for c in json.loads(body)] == ["c1"]


def test_every_process_reads_base_dir_swift_conf(fast):
    swift_conf = os.path.join(fast.base_dir, "etc", "swift.conf")
    swift_procs = [n for n in fast.process_names() if n != "memcached"]
    assert {"proxy-server", "node0-object", "object-expirer",
            "object-updater", "container-updater"} <= set(swift_procs)
    for name in swift_procs:
        with open(fast.log_file(name)) as f:
            banners = [line for line in f
                       if line.startswith("swiftq-localswift-boot:")]
        assert banners, name
        assert "swift_conf=%s " % swift_conf in banners[-1], banners[-1]
        assert "hash_path_prefix=%s " % fast.hash_path_prefix in banners[-1]
    assert all(pid for pid in fast.pids().values()), fast.pids()
    # and the object server placed c1/o1 (test above) by that prefix/suffix
    name_hash = hashlib.md5((fast.hash_path_prefix + "/AUTH_test/c1/o1" +
                             fast.hash_path_suffix).encode()).hexdigest()
    assert glob.glob(os.path.join(fast.base_dir, "devices", "node0", "objects",
                                  "*", name_hash[-3:], name_hash, "*.data"))


def test_expirer_deletes_object_with_x_delete_after(fast):
    url, auth = login(fast)
    assert request("PUT", url + "/exp", auth)[0] == 201
    assert request("PUT", url + "/exp/short",
                   dict(auth, **{"X-Delete-After": "1"}), b"x")[0] == 201
    assert request("PUT", url + "/exp/keep", auth, b"y")[0] == 201
    deadline = time.monotonic() + 40
    names = None
    while time.monotonic() < deadline:
        names = [o["name"] for o in listing(url, auth, "exp")]
        if names == ["keep"]:
            break
        time.sleep(0.5)
    assert names == ["keep"], "expirer did not reap:\n" + open(
        fast.log_file("object-expirer")).read()[-3000:]
    assert request("GET", url + "/exp/short", auth)[0] == 404


def test_proxy_restart_on_same_port(fast):
    url, auth = login(fast)
    port = fast.proxy_port
    fast.stop_proxy()
    with pytest.raises(OSError):
        request("GET", url, auth, timeout=2)
    fast.start_proxy()
    assert fast.proxy_port == port
    # the token lives in memcached: still valid
    assert request("GET", url, auth)[0] in (200, 204)


# ------------------------------------------------------------- fault mode


def test_three_replicas_survive_stop_node(cluster):
    url, auth = login(cluster)
    assert request("PUT", url + "/f1", auth)[0] == 201
    for i in range(3):
        assert request("PUT", url + "/f1/a%d" % i, auth, b"a")[0] == 201
    cluster.stop_node(1)
    try:
        for i in range(3):
            assert request("PUT", url + "/f1/b%d" % i, auth, b"b")[0] == 201
        for name in ("a0", "a1", "a2", "b0", "b1", "b2"):
            assert request("GET", url + "/f1/" + name, auth)[0] == 200
            t0 = time.monotonic()
            assert request("GET", url + "/f1/" + name,
                           dict(auth, **{"X-Newest": "true"}))[0] == 200
            assert time.monotonic() - t0 < 2.0  # refused fast, no timeout
        assert len(listing(url, auth, "f1")) == 6
        assert request("PUT", url + "/f2", auth)[0] == 201
        assert request("PUT", url + "/f2/x", auth, b"x")[0] == 201
        assert [o["name"] for o in listing(url, auth, "f2")] == ["x"]
    finally:
        cluster.start_node(1)
    assert all(cluster.pids().values())
    assert request("GET", url + "/f1/b1", auth)[0] == 200


def test_paused_node_is_slow_not_fatal(cluster):
    url, auth = login(cluster)
    assert request("PUT", url + "/p1", auth)[0] == 201
    assert request("PUT", url + "/p1/o", auth, b"o")[0] == 201
    cluster.pause_node(2)
    try:
        t0 = time.monotonic()
        assert request("GET", url + "/p1/o", auth)[0] == 200
        assert request("PUT", url + "/p1/o2", auth, b"o")[0] == 201
        assert time.monotonic() - t0 < 15
    finally:
        cluster.resume_node(2)
    assert request("GET", url + "/p1/o2", auth)[0] == 200


def test_two_instances_side_by_side(fast, cluster):
    def ports(s):
        return {s.proxy_port, s.memcache_port} | {
            p for node in s.node_ports for p in node.values()}

    assert not ports(fast) & ports(cluster)
    for s in (fast, cluster):
        url, auth = login(s)
        assert request("HEAD", url, auth)[0] == 204


# ---------------------------------------------------------------- cleanup


def test_stop_is_idempotent_and_frees_everything(fast, cluster, tmp_path):
    # runs last in this module: stops the module's two clusters itself
    pgids, ports = [], []
    for s in (fast, cluster):
        pgids += [pid for pid in s.pids().values()]
        ports += [s.proxy_port, s.memcache_port] + [
            p for node in s.node_ports for p in node.values()]
        s.stop()
        s.stop()
        assert not s.running
    assert all(pgids) and len(pgids) == len(set(pgids)) > 10
    assert not [p for p in pgids if group_alive(p)]
    for port in ports:  # nothing listens any more, reservations released
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))  # (TIME_WAIT needs SO_REUSEADDR)
            sock.listen(1)
        finally:
            sock.close()
    with pytest.raises(ValueError):
        LocalSwift(str(tmp_path / "bad"), replicas=3, nodes=2)
    # Keystone mode exists now; it refuses an incomplete service account.
    with pytest.raises(ValueError):
        LocalSwift(str(tmp_path / "bad"), keystone={"auth_url": "x"})


def test_children_die_with_a_killed_parent(tmp_path):
    """The lifeline pipe: SIGKILL the launching process, the cluster goes."""
    code = (
        "import json, sys, time\n"
        "from swiftq.localswift import LocalSwift\n"
        "s = LocalSwift(sys.argv[1], daemons=()).start()\n"
        "print(json.dumps(list(s.pids().values())), flush=True)\n"
        "time.sleep(120)\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [REPO_ROOT] + [p for p in [env.get("PYTHONPATH")] if p])
    parent = subprocess.Popen(
        [sys.executable, "-c", code, str(tmp_path / "x")],
        stdout=subprocess.PIPE, env=env)
    try:
        line = parent.stdout.readline()
        assert line, "launcher process failed"
        pids = json.loads(line)
        assert all(group_alive(p) for p in pids)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and any(group_alive(p) for p in pids):
        time.sleep(0.2)
    assert not [p for p in pids if group_alive(p)]


def test_start_failure_reports_log_tail(tmp_path):
    s = LocalSwift(str(tmp_path / "broken"), daemons=(), start_timeout=20,
                   python=sys.executable,
                   proxy_options={"node_timeout": "oops"})
    with pytest.raises(LocalSwiftError) as info:
        s.start()
    assert "proxy-server" in str(info.value)
    assert not [p for p in s.pids().values() if p]
