"""The load generator's shared clock, message budget and post-rate cap,
each safe to use from every producer thread at once."""

import threading
import time


class Clock:
    def __init__(self):
        self.t0 = time.perf_counter()

    @staticmethod
    def now():
        return time.perf_counter()

    def rel(self, t=None):
        return (time.perf_counter() if t is None else t) - self.t0


class Budget:
    """How many messages producers may still post (None: unbounded)."""

    def __init__(self, total):
        self._left = total
        self._lock = threading.Lock()

    def take(self, n):
        if self._left is None:
            return n
        with self._lock:
            n = min(n, self._left)
            self._left -= n
            return n

    def give_back(self, n):
        if self._left is None:
            return
        with self._lock:
            self._left += n


class Pacer:
    """A shared cap of ``rate`` messages per second over all producers."""

    def __init__(self, rate):
        self._interval = 1.0 / rate if rate else None
        self._next = time.perf_counter()
        self._lock = threading.Lock()

    def wait(self, n, stop):
        if self._interval is None:
            return
        with self._lock:
            now = time.perf_counter()
            at = max(self._next, now)
            self._next = at + n * self._interval
        delay = at - time.perf_counter()
        if delay > 0:
            stop.wait(delay)
