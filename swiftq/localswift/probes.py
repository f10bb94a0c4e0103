"""Tiny stdlib HTTP and TCP checks of LocalSwift's processes, the round
trip through the proxy that tells the cluster works, a Keystone login."""

from __future__ import annotations

import http.client
import json
import time
import socket
from typing import Optional


def request(method: str, url: str, headers: Optional[dict] = None,
            body: Optional[bytes] = None, timeout: float = 5.0):
    assert url.startswith("http://")
    hostport, _, path = url[len("http://"):].partition("/")
    host, _, port = hostport.partition(":")
    conn = http.client.HTTPConnection(host, int(port or 80), timeout=timeout)
    try:
        conn.request(method, "/" + path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
    finally:
        conn.close()


def healthcheck(ip: str, port: int) -> bool:
    try:
        status, _, body = request(
            "GET", "http://%s:%d/healthcheck" % (ip, port), timeout=2)
    except (OSError, http.client.HTTPException):
        return False
    return status == 200


def memcached_ok(ip: str, port: int) -> bool:
    try:
        with socket.create_connection((ip, port), timeout=1) as s:
            s.sendall(b"version\r\n")
            return s.recv(64).startswith(b"VERSION")
    except OSError:
        return False


def tcp_ok(ip: str, port: int) -> bool:
    try:
        socket.create_connection((ip, port), timeout=1).close()
        return True
    except OSError:
        return False


class ProbeError(Exception):
    """The proxy answered the probe's round trip wrongly."""


def put_get_roundtrip(url: str, token: str) -> None:
    """PUT a container and an object into the account at ``url``, GET the
    object back; raises :class:`ProbeError` on a wrong answer."""
    h = {"X-Auth-Token": token}
    st, _, body = request("PUT", url + "/localswift-probe", h, b"")
    if st // 100 != 2:
        raise ProbeError("container PUT %d %r" % (st, body[:200]))
    payload = b"probe-%d" % time.time_ns()
    st, _, body = request("PUT", url + "/localswift-probe/probe", h, payload)
    if st // 100 != 2:
        raise ProbeError("object PUT %d %r" % (st, body[:200]))
    st, _, body = request("GET", url + "/localswift-probe/probe", h)
    if st != 200 or body != payload:
        raise ProbeError("object GET %d %r" % (st, body[:200]))


def keystone_login(ks: dict, timeout: float = 10.0):
    """Keystone v3 password login, project-scoped, of the credentials ``ks``
    (LocalSwift's ``keystone``): ``(project_id, token)``."""
    domain = ks.get("domain_id", "default")
    body = json.dumps({"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": ks["username"], "domain": {"id": domain},
            "password": ks["password"]}}},
        "scope": {"project": {"name": ks.get("project_name", "service"),
                              "domain": {"id": domain}}},
    }}).encode()
    url = ks["auth_url"].rstrip("/") + "/auth/tokens"
    status, headers, data = request(
        "POST", url, {"Content-Type": "application/json"}, body,
        timeout=timeout)
    if status != 201:
        raise ProbeError("keystone login failed: %d %r"
                         % (status, data[:200]))
    return json.loads(data)["token"]["project"]["id"], \
        headers["x-subject-token"]
