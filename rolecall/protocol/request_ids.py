"""Request ids: the ``RequestId`` of every response and ``x-amzn-RequestId``.

AWS's are version-4 UUIDs in their canonical text form.  Made from one read of
the system CSPRNG and formatted directly: ``str(uuid.uuid4())`` costs several
times as much, and this runs on every request.
"""

from __future__ import annotations

import os


def new_request_id() -> str:
    """A random version-4 UUID such as ``4f1b0c1e-9a7d-4b7e-8c43-2f6a1d9e0b5c``."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"
