"""Request ids: the ``RequestId`` of every response and ``x-amzn-RequestId``.

AWS's are version-4 UUIDs in their canonical text form, made here from
:func:`~rolecall.crypto.entropy.random_bytes` (the system CSPRNG, read in
blocks: one system call per request cost as much as the rest of id making) and
formatted directly, which is several times cheaper than ``str(uuid.uuid4())``.
"""

from __future__ import annotations

from rolecall.crypto.entropy import random_bytes


def new_request_id() -> str:
    """A random version-4 UUID such as ``4f1b0c1e-9a7d-4b7e-8c43-2f6a1d9e0b5c``."""
    raw = bytearray(random_bytes(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
