"""The anchor: a bare ASGI app that answers every request with a small XML body."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

_BODY = (
    b'<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ok/></GetUserResponse>'
)
_HEADERS = [(b"content-type", b"text/xml"), (b"content-length", str(len(_BODY)).encode())]


async def app(
    scope: MutableMapping[str, Any],
    receive: Callable[[], Awaitable[MutableMapping[str, Any]]],
    send: Callable[[MutableMapping[str, Any]], Awaitable[None]],
) -> None:
    """Read the request body, send a fixed response."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 200, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _BODY})
