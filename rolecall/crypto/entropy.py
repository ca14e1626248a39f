"""Random bytes from the system CSPRNG, read in blocks.

Request ids, temporary access keys and their secrets, and AES-GCM nonces are
drawn on every request that issues credentials; one ``getrandom`` system call
each cost more than the code around them.  Bytes are read from ``os.urandom``
4 KiB at a time and handed out once each, in order.  The block is per process
and discarded in a forked child, so two processes never share bytes; nothing
else about it differs from calling ``os.urandom`` directly.
"""

from __future__ import annotations

import os
import threading

_BLOCK = 4096
_pool = b""
_offset = 0
_lock = threading.Lock()


def _reset_after_fork() -> None:
    global _pool, _offset, _lock
    _pool, _offset, _lock = b"", 0, threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def random_bytes(count: int) -> bytes:
    """``count`` fresh bytes from the system CSPRNG (never handed out twice)."""
    if count > _BLOCK // 4:
        return os.urandom(count)
    global _pool, _offset
    with _lock:
        if _offset + count > len(_pool):
            _pool, _offset = os.urandom(_BLOCK), 0
        chunk = _pool[_offset : _offset + count]
        _offset += count
    return chunk
