"""The coalescing transport: one write per loop step, nothing lost or reordered."""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

from rolecall.server.transport import CoalescingTransport


class Recording:
    """Stands in for the socket transport: records what reaches it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return f"info:{name}"


def test_writes_of_one_step_leave_together_in_order() -> None:
    async def scenario() -> list[bytes]:
        real = Recording()
        wrapped = CoalescingTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        wrapped.write(b"HTTP/1.1 200 OK\r\n\r\n")
        wrapped.write(b"body")
        assert real.writes == []
        await asyncio.sleep(0)
        wrapped.write(b"next")
        await asyncio.sleep(0)
        assert wrapped.get_extra_info("peername") == "info:peername"
        return real.writes

    assert asyncio.run(scenario()) == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"]


def test_close_sends_what_is_queued_first() -> None:
    async def scenario() -> Recording:
        real = Recording()
        wrapped = CoalescingTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
        wrapped.write(b"last words")
        wrapped.close()
        await asyncio.sleep(0)  # the scheduled flush finds nothing left
        return real

    real = asyncio.run(scenario())
    assert real.writes == [b"last words"]
    assert real.closed


def test_pipelined_requests_get_whole_answers_in_order(account) -> None:  # type: ignore[no-untyped-def]
    """Three requests in one packet, on a real server: three complete responses."""
    host, port = account.server.endpoint.removeprefix("http://").split(":")
    request = (
        "POST / HTTP/1.1\r\nHost: {h}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Content-Length: {n}\r\n\r\n{body}"
    )
    bodies = ["Action=GetUser&Version=2010-05-08", "Action=ListUsers&Version=2010-05-08", "x=1"]
    payload = "".join(request.format(h=host, n=len(b), body=b) for b in bodies).encode()
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(payload)
        received = b""
        while received.count(b"</ErrorResponse>") < 3:
            chunk = sock.recv(65536)
            assert chunk, received
            received += chunk
    statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", received)
    # Unsigned: every one is refused, each with its own complete error document.
    assert len(statuses) == 3 and all(status.startswith(b"4") for status in statuses)
    assert received.count(b"<ErrorResponse") == 3
    assert received.endswith(b"</ErrorResponse>")
