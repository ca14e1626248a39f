"""Pooled CSPRNG bytes: each handed out once, per process."""

from __future__ import annotations

import os

from rolecall.crypto.entropy import random_bytes


def test_draws_have_the_asked_length_and_never_repeat() -> None:
    draws = [random_bytes(n) for n in (1, 5, 12, 16, 30) for _ in range(400)]
    assert [len(d) for d in draws[:5]] == [1] * 5
    long = [d for d in draws if len(d) >= 12]
    assert len(set(long)) == len(long)
    # Across a block boundary too, and for large requests (read directly).
    assert len({random_bytes(1000) for _ in range(20)}) == 20
    assert len(random_bytes(10_000)) == 10_000


def test_a_forked_child_draws_other_bytes() -> None:
    random_bytes(16)  # the block is filled now
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, random_bytes(16))
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 16)
    os.close(read)
    os.close(write)
    assert child != random_bytes(16)
