"""Request ids are random version-4 UUIDs in canonical form."""

from __future__ import annotations

import os
import uuid

from rolecall.protocol.request_ids import new_request_id


def test_request_ids_are_version_4_uuids() -> None:
    seen = set()
    for _ in range(2000):
        text = new_request_id()
        parsed = uuid.UUID(text)
        assert str(parsed) == text
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122
        seen.add(text)
    assert len(seen) == 2000
    # Every hex digit outside the fixed version/variant nibbles varies.
    samples = [new_request_id().replace("-", "") for _ in range(2000)]
    for position in range(32):
        distinct = {s[position] for s in samples}
        if position == 12:
            assert distinct == {"4"}
        elif position == 16:
            assert distinct == {"8", "9", "a", "b"}
        else:
            assert len(distinct) == 16, position


def test_a_forked_worker_never_repeats_its_parents_ids() -> None:
    new_request_id()  # the pool is filled now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, new_request_id().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    assert child != new_request_id()
