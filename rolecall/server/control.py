"""``/_rolecall/clock``: move the development clock (``rolecall clock ...``).

The request is SigV4-signed like any other (credential scope service
``rolecall``) and must come from an account's root user; the clock must have been
enabled with ``rolecall serve --dev-clock``.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from rolecall.auth.credentials import CredentialResolver
from rolecall.auth.sigv4 import HttpRequest, parse_signed_request
from rolecall.clock import wall_time
from rolecall.devclock import DevClock
from rolecall.protocol.errors import AccessDenied, AWSError, InvalidAction, InvalidParameterValue
from rolecall.runtime import Runtime

PATH = "/_rolecall/clock"


class DevClockDisabled(AWSError):
    """The server runs on real time."""

    code = "DevClockDisabled"
    status = 400


def handle_clock(runtime: Runtime, credentials: CredentialResolver, http: HttpRequest) -> bytes:
    """Run a clock command; returns a JSON body (raises AWSError on refusal)."""
    info = parse_signed_request(http, now=wall_time())
    creds = credentials.resolve(info.access_key_id, info.security_token)
    runtime.verifier.verify(http, info, creds.secret)
    if not creds.principal.is_root:
        raise AccessDenied("Only an account's root user may move the development clock.")
    clock = runtime.clock
    if not isinstance(clock, DevClock):
        raise DevClockDisabled(
            "The development clock is off; start the server with `rolecall serve --dev-clock`."
        )
    params = dict(parse_qsl(http.body.decode("utf-8", "replace")))
    action = params.get("Action")
    if action == "Advance":
        try:
            seconds = float(params["Seconds"])
        except (KeyError, ValueError):
            raise InvalidParameterValue("Seconds must be a number.") from None
        clock.advance(seconds)
    elif action == "Reset":
        clock.reset()
    elif action == "Get":
        clock.refresh()
    else:
        raise InvalidAction(f"Unknown clock action {action!r}.")
    return json.dumps({"offset": clock.offset, "time": clock.now_iso()}).encode()
