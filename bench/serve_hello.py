"""Serve the anchor app on rolecall's HTTP protocol (coalesced writes).

``python -m bench.serve_hello PORT``: the same bare ASGI app and uvicorn
settings as the stock anchor, with the one difference rolecall's own server has
(:mod:`rolecall.server.transport`), so its effect can be told apart from
rolecall's work.
"""

from __future__ import annotations

import sys

import uvicorn

from rolecall.server.transport import CoalescingHttpToolsProtocol


def main() -> None:
    """Run until killed."""
    uvicorn.run(
        "bench.hello:app",
        port=int(sys.argv[1]),
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        http=CoalescingHttpToolsProtocol,
    )


if __name__ == "__main__":
    main()
