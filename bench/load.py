"""Load generators run as separate processes: wrk for fixed requests, asyncio for write pairs.

SigV4 lets a signed request be replayed for 15 minutes, so read workloads are
signed once and replayed by ``wrk`` (a C load generator on its own core); a
Lua script rotates through several pre-signed requests when a workload needs
more than one.  Create/delete pairs must run in order per client, so they use
a small asyncio client that signs each request as it goes.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


@dataclass(frozen=True)
class Signed:
    """A ready-to-send request."""

    body: str
    headers: dict[str, str]


@dataclass
class LoadResult:
    """Throughput and latency of one run."""

    rate: float
    p50_ms: float
    p99_ms: float
    errors: int


def sign(
    url: str, service: str, body: str, creds: Credentials, region: str = "us-east-1"
) -> Signed:
    """A SigV4-signed form POST to ``url``."""
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    SigV4Auth(creds, service, region).add_auth(request)
    prepared = request.prepare()
    headers = {k: v for k, v in prepared.headers.items() if k.lower() != "content-length"}
    return Signed(body, headers)


def _lua(requests: list[Signed]) -> str:
    """A wrk script rotating through ``requests``.

    The requests are formatted in ``init``: only then has wrk set the Host header
    that ``wrk.format`` adds (and that the signature covers).
    """
    entries = []
    for r in requests:
        headers = (
            "{"
            + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in r.headers.items())
            + "}"
        )
        entries.append(f"    wrk.format('POST', '/', {headers}, {json.dumps(r.body)})")
    return (
        "local requests = {}\n"
        "local i = 0\n"
        "init = function(args)\n  requests = {\n" + ",\n".join(entries) + "\n  }\nend\n"
        "request = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n"
    )


def have_wrk() -> bool:
    """Whether the ``wrk`` load generator is installed."""
    return shutil.which("wrk") is not None


def run_wrk(url: str, requests: list[Signed], *, seconds: int, connections: int) -> LoadResult:
    """Replay ``requests`` with wrk (one thread, ``connections`` connections)."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(_lua(requests))
        script = fh.name
    try:
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(script).unlink()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return LoadResult(
        rate,
        _percentile(out, "50%"),
        _percentile(out, "99%"),
        int(errors_match.group(1)) if errors_match else 0,
    )


def _percentile(out: str, label: str) -> float:
    m = re.search(rf"^\s+{re.escape(label)}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    if m is None:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


async def _exchange(
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None, parts: object, request: bytes
) -> tuple[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None, bytes]:
    """Send one request and read the response; reconnects when the server closes."""
    if conn is None:
        conn = await asyncio.open_connection(parts.hostname, parts.port)  # type: ignore[attr-defined]
    reader, writer = conn
    writer.write(request)
    await writer.drain()
    status_line = await reader.readline()
    length: int | None = None
    close = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        key, _, value = line.decode("latin-1").partition(":")
        key = key.strip().lower()
        if key == "content-length":
            length = int(value)
        elif key == "connection" and value.strip().lower() == "close":
            close = True
    if length is None:
        await reader.read()  # until the server closes
        close = True
    else:
        await reader.readexactly(length)
    if close:
        writer.close()
        conn = None
    return conn, status_line


async def _client(
    url: str,
    creds: Credentials,
    make_pair: Callable[[str], list[str]],
    name: str,
    deadline: float,
    latencies: list[float],
    errors: list[int],
) -> int:
    parts = urlsplit(url)
    conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
    done = 0
    try:
        while time.perf_counter() < deadline:
            for body in make_pair(f"{name}x{done}"):
                signed = sign(url, "iam", body, creds)
                head = "".join(f"{k}: {v}\r\n" for k, v in signed.headers.items())
                payload = body.encode()
                request = (
                    f"POST / HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}"
                    f"Content-Length: {len(payload)}\r\n\r\n".encode()
                    + payload
                )
                started = time.perf_counter()
                conn, status_line = await asyncio.wait_for(
                    _exchange(conn, parts, request), timeout=60
                )
                latencies.append(time.perf_counter() - started)
                if not status_line.split()[1].startswith(b"2"):
                    errors.append(1)
                done += 1
    finally:
        if conn is not None:
            conn[1].close()
    return done


def run_pairs(
    url: str,
    creds: Credentials,
    make_pair: Callable[[str], list[str]],
    *,
    seconds: float,
    clients: int,
) -> LoadResult:
    """Each client repeats a create/delete pair, in order, on its own connection."""
    latencies: list[float] = []
    errors: list[int] = []

    async def main() -> float:
        started = time.perf_counter()
        deadline = started + seconds
        counts = await asyncio.gather(
            *(
                _client(url, creds, make_pair, f"c{c}", deadline, latencies, errors)
                for c in range(clients)
            )
        )
        return sum(counts) / (time.perf_counter() - started)

    rate = asyncio.run(main())
    latencies.sort()
    return LoadResult(
        rate,
        latencies[len(latencies) // 2] * 1000,
        latencies[int(len(latencies) * 0.99)] * 1000,
        len(errors),
    )
