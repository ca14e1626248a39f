"""``rolecall clock``: move a running server's development clock."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request

import typer
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.session import Session

app = typer.Typer(
    help="Move the server's development clock (needs `rolecall serve --dev-clock`).",
    no_args_is_help=True,
)

EndpointOption = typer.Option(
    None, "--endpoint-url", help="The server (default: $AWS_ENDPOINT_URL or http://127.0.0.1:4599)."
)


class ClockError(Exception):
    """The server refused or could not be reached."""


def call_clock(endpoint: str | None, body: str) -> dict[str, object]:
    """Send a signed clock command; raises ClockError with the server's answer."""
    base = endpoint or os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:4599"
    url = base.rstrip("/") + "/_rolecall/clock"
    credentials = Session().get_credentials()
    if credentials is None:
        raise ClockError(
            "no AWS credentials (set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY of a root user)"
        )
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")
    SigV4Auth(credentials, "rolecall", region).add_auth(request)
    prepared = request.prepare()
    http_request = urllib.request.Request(  # noqa: S310 - the user-given endpoint
        prepared.url, data=body.encode(), headers=dict(prepared.headers), method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=30) as response:  # noqa: S310
            return json.loads(response.read())  # type: ignore[no-any-return]
    except urllib.error.HTTPError as exc:
        raise ClockError(exc.read().decode(errors="replace")) from None
    except urllib.error.URLError as exc:
        raise ClockError(f"cannot reach {url}: {exc.reason}") from None


def _run(endpoint: str | None, body: str) -> None:
    try:
        out = call_clock(endpoint, body)
    except ClockError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"server time {out['time']} (offset {float(str(out['offset'])):g}s)")


@app.command()
def advance(
    seconds: float = typer.Argument(..., help="Seconds to move forward."),
    endpoint: str | None = EndpointOption,
) -> None:
    """Move the server's clock forward."""
    _run(endpoint, f"Action=Advance&Seconds={seconds}")


@app.command()
def reset(endpoint: str | None = EndpointOption) -> None:
    """Return the server's clock to real time."""
    _run(endpoint, "Action=Reset")


@app.command()
def show(endpoint: str | None = EndpointOption) -> None:
    """Print the server's time and offset."""
    _run(endpoint, "Action=Get")
