"""Request ids: the ``RequestId`` of every response and ``x-amzn-RequestId``.

AWS's are version-4 UUIDs in their canonical text form.  The random bytes come
from the system CSPRNG, read 4 KiB at a time: one ``getrandom`` call per request
cost as much as the rest of id making (system calls are dear on this kind of
VM).  The pool is per process and refilled after a fork, so two workers never
hand out the same ids.
"""

from __future__ import annotations

import os
import threading

_POOL_BYTES = 4096
_pool = b""
_offset = _POOL_BYTES
_lock = threading.Lock()


def _reset_after_fork() -> None:
    global _pool, _offset, _lock
    _pool, _offset, _lock = b"", _POOL_BYTES, threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def _random16() -> bytes:
    global _pool, _offset
    with _lock:
        if _offset >= len(_pool):
            _pool, _offset = os.urandom(_POOL_BYTES), 0
        chunk = _pool[_offset : _offset + 16]
        _offset += 16
    return chunk


def new_request_id() -> str:
    """A random version-4 UUID such as ``4f1b0c1e-9a7d-4b7e-8c43-2f6a1d9e0b5c``."""
    raw = bytearray(_random16())
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
