"""A small, pooled, thread-safe client for the Swift API (no business logic).

* ``client``: pooled, thread-safe HTTP access to one Swift account;
* ``auth``: how swiftq authenticates to Swift (tempauth or Keystone);
* ``keystone_session``: swiftq's own Keystone session, for the latter;
* ``errors``: Swift unreachable or too slow.
"""
