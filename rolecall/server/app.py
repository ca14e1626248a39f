"""The ASGI application.

One endpoint serves every service: requests are routed by the SigV4 credential
scope's service name, as AWS endpoints are when reached through
``AWS_ENDPOINT_URL``.  The request is handled synchronously on the event loop
(every step is CPU-bound or a short local database call), except web identity
and SAML calls, which may wait on an identity provider and so run in a thread;
the response is sent
only once the call's audit record has been committed by the group-commit writer,
which is awaited without blocking other requests.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from rolecall.audit.writer import ProcessAuditWriter
from rolecall.auth.sigv4 import HttpRequest
from rolecall.protocol.errors import AWSError, ServiceUnavailable
from rolecall.protocol.query_encode import encode_error
from rolecall.runtime import Runtime, Settings

from . import control, discovery
from .dispatch import XMLNS, Dispatcher, MustNotBlock

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

SETTINGS_ENV = "ROLECALL_SETTINGS"
_MAX_BODY = 1024 * 1024


class RolecallApp:
    """The ASGI callable."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.audit = ProcessAuditWriter(runtime.store) if runtime.settings.audit else None
        runtime.audit = self.audit
        self._flush_scheduled = False
        self.dispatcher = Dispatcher(runtime, self.audit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await self._http(scope, receive, send)
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                if self.audit is not None:
                    self.audit.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self.audit is not None:
                    self.audit.stop()
                self.runtime.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > _MAX_BODY:
                await _send(send, 413, b"Request body too large", "text/plain", None)
                return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        request = HttpRequest(
            method=scope["method"],
            raw_path=(scope.get("raw_path") or scope["path"].encode()).decode("latin-1"),
            raw_query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers,
            body=body,
        )
        if scope["path"] == control.PATH:
            await self._control(request, send)
            return
        if discovery.is_discovery(scope["path"]):
            status, payload = discovery.handle(self.runtime, scope["method"], scope["path"])
            await _send(send, status, payload, "application/json", None)
            return
        client = scope.get("client")
        user_agent = next((v for k, v in headers if k.lower() == "user-agent"), None)
        source_ip = client[0] if client else "127.0.0.1"
        secure = scope.get("scheme") == "https"
        try:
            reply = self.dispatcher.handle(
                request, source_ip=source_ip, secure=secure, user_agent=user_agent, may_block=False
            )
        except MustNotBlock:
            # Web identity and SAML calls may wait seconds on an identity provider
            # (fetching its keys): keep them off the event loop.
            reply = await asyncio.to_thread(
                self.dispatcher.handle,
                request,
                source_ip=source_ip,
                secure=secure,
                user_agent=user_agent,
            )
        if reply.event is not None and self.audit is not None:
            written = self.audit.submit(
                reply.event, wait=reply.durable, loop=asyncio.get_running_loop()
            )
            self._schedule_flush()
            if written is None:
                # Reads and refusals changed nothing: their record is committed by
                # the next group commit (milliseconds) without holding the reply.
                await _send(send, reply.status, reply.body, "text/xml", reply.request_id)
                return
            try:
                await asyncio.wrap_future(written)
            except Exception:
                # The call happened but its record could not be made durable:
                # say so rather than pretend.
                log.exception("audit record could not be written")
                error = ServiceUnavailable(
                    "The request was processed, but its audit record could not be written."
                )
                body = encode_error(error, reply.request_id, XMLNS["iam"])
                await _send(send, error.status, body, "text/xml", reply.request_id)
                return
        await _send(send, reply.status, reply.body, "text/xml", reply.request_id)

    def _schedule_flush(self) -> None:
        # One flush per event-loop turn sends every record the turn produced.
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        if self.audit is not None:
            self.audit.flush()

    async def _control(self, request: HttpRequest, send: Send) -> None:
        try:
            body = control.handle_clock(self.runtime, self.dispatcher.credentials, request)
        except AWSError as error:
            await _send(
                send, error.status, encode_error(error, "control", XMLNS["iam"]), "text/xml", None
            )
            return
        await _send(send, 200, body, "application/json", None)


async def _send(
    send: Send, status: int, body: bytes, content_type: str, request_id: str | None
) -> None:
    headers = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if request_id:
        headers.append((b"x-amzn-requestid", request_id.encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(runtime: Runtime | None = None) -> RolecallApp:
    """The app for a runtime, or for the settings in ``ROLECALL_SETTINGS`` (worker processes)."""
    if runtime is None:
        raw = json.loads(os.environ[SETTINGS_ENV])
        settings = Settings(
            data_dir=Path(raw["data_dir"]) if raw.get("data_dir") else None,
            database_url=raw.get("database_url"),
            default_account_id=raw.get("default_account_id", "123456789012"),
            region=raw.get("region", "us-east-1"),
            dev_clock=bool(raw.get("dev_clock", False)),
            encode_authorization_messages=bool(raw.get("encode_authorization_messages", False)),
            public_url=raw.get("public_url", "http://127.0.0.1:4599"),
        )
        runtime = Runtime(settings, migrate=False)
    return RolecallApp(runtime)
