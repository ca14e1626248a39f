"""A calibration app: the hello-world anchor plus a fixed amount of CPU work per request.

It spins for ``BENCH_WORK_US`` microseconds, then answers exactly as
:mod:`bench.hello` does.  Loaded by the same wrk command, it shows what rate any
request path that costs that much Python time can reach on this machine and
HTTP stack — so a target such as "40% of hello-world" can be read as a budget
in microseconds per request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from . import hello

_WORK_SECONDS = float(os.environ.get("BENCH_WORK_US", "0")) / 1e6


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    """Spin for the configured time, then answer as the anchor does."""
    if scope["type"] == "http":
        end = time.perf_counter() + _WORK_SECONDS
        while time.perf_counter() < end:
            pass
    await hello.app(scope, receive, send)
