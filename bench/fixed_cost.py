"""A calibration app: the hello-world anchor plus a fixed amount of CPU work per request.

It answers like :mod:`bench.hello` after spinning for ``BENCH_WORK_US``
microseconds.  Loaded by the same wrk command, it shows what rate any request
path that costs that much Python time can reach on this machine and HTTP
stack — so a target such as "40% of hello-world" can be read as a budget in
microseconds per request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from .hello import _BODY, _HEADERS

_WORK_SECONDS = float(os.environ.get("BENCH_WORK_US", "0")) / 1e6


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    """Read the request body, spin for the configured time, send a fixed response."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    end = time.perf_counter() + _WORK_SECONDS
    while time.perf_counter() < end:
        pass
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})
