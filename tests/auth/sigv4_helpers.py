"""Helpers for the SigV4 tests: sign with botocore, hand the result over as the server sees it.

Not a test module (no ``test_`` prefix); imported by the tests and by bench_sigv4.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import botocore.auth
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from rolecall.auth.sigv4 import HttpRequest

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SESSION_TOKEN = "FwoGZXIvYXdzEBYaDH+/abc==SESSIONTOKENEXAMPLE/+="

# 2024-05-01T12:00:00Z, a fixed signing time so freshness tests are exact.
SIGNING_TIME = dt.datetime(2024, 5, 1, 12, 0, 0)
SIGNING_EPOCH = SIGNING_TIME.replace(tzinfo=dt.UTC).timestamp()


@contextmanager
def frozen_signing_time(moment: dt.datetime = SIGNING_TIME) -> Iterator[None]:
    """Make botocore sign as if the time were ``moment`` (naive UTC)."""
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=moment):
        yield


def _wire_text(value: str | bytes) -> str:
    """A header value as an ASGI server hands it over: the UTF-8 bytes read as latin-1."""
    raw = value if isinstance(value, bytes) else value.encode("utf-8")
    return raw.decode("latin-1")


def to_http_request(request: Any, *, host: str | None = None) -> HttpRequest:
    """Turn a signed botocore request into the HttpRequest the server would build.

    urllib3 adds ``Host`` from the URL exactly as botocore's signer derives it.
    """
    parts = urlsplit(request.url)
    headers = [(name, _wire_text(value)) for name, value in request.headers.items()]
    if not any(name.lower() == "host" for name, _ in headers):
        headers.append(("Host", host or botocore.auth._host_from_url(request.url)))
    body = request.body if request.body is not None else b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequest(
        method=request.method,
        raw_path=parts.path or "/",
        raw_query=parts.query,
        headers=tuple(headers),
        body=bytes(body),
    )


def sign(
    method: str = "POST",
    url: str = "https://iam.amazonaws.com/",
    *,
    body: bytes | str = b"",
    headers: Mapping[str, str] | None = None,
    params: Sequence[tuple[str, str]] | Mapping[str, str] | None = None,
    service: str = "iam",
    region: str = "us-east-1",
    token: str | None = None,
    secret: str = SECRET_KEY,
    access_key: str = ACCESS_KEY,
    moment: dt.datetime = SIGNING_TIME,
    context: Mapping[str, Any] | None = None,
) -> HttpRequest:
    """Sign a request with botocore's SigV4Auth (the Authorization header form)."""
    request = AWSRequest(
        method=method, url=url, data=body, headers=dict(headers or {}), params=params or {}
    )
    request.context.update(context or {})
    with frozen_signing_time(moment):
        SigV4Auth(Credentials(access_key, secret, token), service, region).add_auth(request)
    return to_http_request(request.prepare())


def presign(
    method: str = "GET",
    url: str = "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
    *,
    expires: int = 900,
    headers: Mapping[str, str] | None = None,
    service: str = "sts",
    region: str = "us-east-1",
    token: str | None = None,
    secret: str = SECRET_KEY,
    moment: dt.datetime = SIGNING_TIME,
) -> HttpRequest:
    """Presign a request with botocore's SigV4QueryAuth (the presigned-URL form)."""
    request = AWSRequest(method=method, url=url, headers=dict(headers or {}))
    with frozen_signing_time(moment):
        SigV4QueryAuth(
            Credentials(ACCESS_KEY, secret, token), service, region, expires=expires
        ).add_auth(request)
    return to_http_request(request.prepare())


def replace_header(req: HttpRequest, name: str, value: str) -> HttpRequest:
    """``req`` with every header called ``name`` (any case) replaced by one ``value``."""
    kept = [(n, v) for n, v in req.headers if n.lower() != name.lower()]
    return HttpRequest(req.method, req.raw_path, req.raw_query, (*kept, (name, value)), req.body)


def header(req: HttpRequest, name: str) -> str:
    """The first value of header ``name`` (any case)."""
    for n, v in req.headers:
        if n.lower() == name.lower():
            return v
    raise KeyError(name)
