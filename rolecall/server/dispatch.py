"""The request pipeline: HTTP → authenticate → authorize → operation → response + audit.

:class:`Dispatcher` is synchronous and transport-free: it takes an
:class:`~rolecall.auth.sigv4.HttpRequest` and peer facts and returns a
:class:`Reply` (status, headers, body, and the audit event to make durable
before the reply is sent).  Every failure becomes an AWS error document; nothing
else ever reaches the client.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from rolecall.api.call import Call, RequestInfo
from rolecall.api.context import anonymous_context, global_context
from rolecall.api.preauthorize import preauthorize
from rolecall.api.registry import OperationDef, load_operations, lookup
from rolecall.audit.record import AuditFacts, build_facts, user_identity
from rolecall.audit.writer import AuditWriter, KeyUse, ProcessAuditWriter
from rolecall.auth.credentials import CredentialResolver, Credentials
from rolecall.auth.principal import Principal, PrincipalKind, SessionKind
from rolecall.auth.sigv4 import (
    HttpRequest,
    InvalidClientTokenId,
    parse_signed_request,
)
from rolecall.authz.spec import OperationAuth, load_operation_auth
from rolecall.clock import wall_time
from rolecall.devclock import DevClock
from rolecall.iam import arns
from rolecall.protocol.constraints import lower_camel
from rolecall.protocol.errors import (
    AccessDenied,
    AWSError,
    InternalFailure,
    InvalidAction,
    MalformedQueryString,
    MissingAction,
    ValidationError,
)
from rolecall.protocol.model import OperationSpec
from rolecall.protocol.query_encode import encode_error
from rolecall.protocol.request_ids import new_request_id
from rolecall.runtime import Runtime

log = logging.getLogger(__name__)

XMLNS = {
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
}
SERVICES = tuple(XMLNS)
#: STS operations called without a signature (the token in the request authenticates).
UNSIGNED = {"AssumeRoleWithWebIdentity": "sts", "AssumeRoleWithSAML": "sts"}
_KEY_USE_INTERVAL = 60.0


class MustNotBlock(Exception):
    """The request may wait on the network: run it again off the event loop.

    Raised by :meth:`Dispatcher.handle` with ``may_block=False`` before any work
    is done, so a caller on the event loop can hand the request to a thread.
    """


class NotImplementedOperation(AWSError):
    """The operation exists in AWS's API but rolecall does not implement it."""

    code = "NotImplemented"
    status = 501


#: Operations whose audit record must be durable before the reply even though
#: CloudTrail calls them read-only: they hand out credentials.
CREDENTIAL_OPERATIONS = frozenset(
    {
        "AssumeRole",
        "AssumeRoleWithSAML",
        "AssumeRoleWithWebIdentity",
        "GetSessionToken",
        "GetFederationToken",
        "GetWebIdentityToken",
    }
)


@dataclass(frozen=True, slots=True)
class Reply:
    """What to send back, and the audit event to write.

    ``durable`` says the event must be committed before the reply is sent: every
    successful call that changed state or issued credentials.  Other records are
    written by the same group commit without holding the reply.
    """

    status: int
    body: bytes
    request_id: str
    event: AuditFacts | None
    durable: bool = False


@dataclass
class _Progress:
    """What is known about a request so far, for error handling and the audit record."""

    service: str = "iam"
    action: str | None = None
    access_key_id: str | None = None
    credentials: Credentials | None = None
    params: dict[str, Any] | None = None
    op: OperationDef | None = None
    auth: OperationAuth | None = None
    call: Call | None = None
    region: str = "us-east-1"


class Dispatcher:
    """Turns HTTP requests into operation calls."""

    def __init__(self, runtime: Runtime, audit: AuditWriter | ProcessAuditWriter | None) -> None:
        load_operations()
        self.runtime = runtime
        self.audit = audit
        self.credentials = CredentialResolver(
            runtime.directory, runtime.keyring, runtime.tokens, runtime.clock
        )
        self._key_uses: dict[tuple[str, str, str], float] = {}
        # CloudTrail userIdentity per resolved principal (principals are memoised
        # per account revision, so the same object recurs request after request).
        self._identities: dict[int, tuple[Principal, dict[str, Any]]] = {}

    def handle(
        self,
        http: HttpRequest,
        *,
        source_ip: str,
        secure: bool,
        user_agent: str | None,
        may_block: bool = True,
    ) -> Reply:
        """Run one request to completion (audit event not yet durable).

        With ``may_block`` false, a request that may wait on the network (the
        unsigned federation operations fetch identity providers' keys) raises
        :class:`MustNotBlock` instead of running.
        """
        request_id = new_request_id()
        clock = self.runtime.clock
        if isinstance(clock, DevClock):
            clock.refresh()
        now = clock.time()
        progress = _Progress(region=self.runtime.settings.region)
        result: dict[str, Any] | None = None
        try:
            body, result = self._run(
                http, request_id, now, source_ip, secure, user_agent, progress, may_block
            )
            status = 200
        except MustNotBlock:
            raise
        except AWSError as error:
            body, status = self._error(error, request_id, progress)
            event = self._event(progress, request_id, now, source_ip, user_agent, None, error)
            return Reply(status, body, request_id, event)
        except Exception:
            log.exception("internal error in %s:%s", progress.service, progress.action)
            failure = InternalFailure()
            body, status = self._error(failure, request_id, progress)
            event = self._event(progress, request_id, now, source_ip, user_agent, None, failure)
            return Reply(status, body, request_id, event)
        auth = progress.auth
        changed = auth is not None and not auth.read_only
        durable = changed or progress.action in CREDENTIAL_OPERATIONS
        event = self._event(progress, request_id, now, source_ip, user_agent, result, None, durable)
        return Reply(status, body, request_id, event, durable)

    def _error(self, error: AWSError, request_id: str, progress: _Progress) -> tuple[bytes, int]:
        return encode_error(
            error, request_id, XMLNS.get(progress.service, XMLNS["iam"])
        ), error.status

    def _run(
        self,
        http: HttpRequest,
        request_id: str,
        now: float,
        source_ip: str,
        secure: bool,
        user_agent: str | None,
        progress: _Progress,
        may_block: bool = True,
    ) -> tuple[bytes, dict[str, Any] | None]:
        pairs = _form_params(http)
        action = next((v for k, v in pairs if k == "Action"), None)
        progress.action = action
        if action in UNSIGNED:
            if not may_block:
                raise MustNotBlock()
            # The token in the request authenticates; a signature, if any, is ignored.
            return self._run_unsigned(
                UNSIGNED[action],
                action,
                pairs,
                request_id,
                now,
                source_ip,
                secure,
                user_agent,
                progress,
            )
        info = parse_signed_request(http, now=wall_time())
        progress.service = info.service
        progress.access_key_id = info.access_key_id
        progress.region = info.region
        if info.service not in SERVICES:
            raise InvalidAction(f"rolecall does not implement the service '{info.service}'.")
        if action is None:
            raise MissingAction("Missing Action")
        spec: OperationSpec = self.runtime.models.operation(info.service, action)
        op = lookup(info.service, action)
        progress.op = op
        progress.auth = load_operation_auth(info.service).get(action)
        creds = self.credentials.resolve(info.access_key_id, info.security_token)
        self.runtime.verifier.verify(http, info, creds.secret, creds.signing_keys)
        progress.credentials = creds
        principal = creds.principal
        session = principal.session
        if session is not None:
            _check_session_scope(
                session.kind, session.mfa_at is not None, info.service, action, principal.arn
            )
        self._note_key_use(principal.access_key_id, info.service, info.region, session is None)
        params = spec.decode(
            [
                (k, v)
                for k, v in pairs
                if k not in ("Action", "Version") and not k.startswith("X-Amz-")
            ]
        )
        progress.params = params
        if op is None:
            raise NotImplementedOperation(
                f"rolecall does not implement {info.service}:{action} yet."
            )
        request = RequestInfo(request_id, source_ip, user_agent, info.region, secure, now)
        context = global_context(
            principal,
            now=now,
            source_ip=source_ip,
            secure=secure,
            region=info.region,
            user_agent=user_agent,
            principal_tags=creds.principal_tags,
        )
        call = Call(
            self.runtime, request, info.service, action, params, principal, creds.view, context
        )
        progress.call = call
        if op.pre_authorize and progress.auth is not None:
            preauthorize(call, progress.auth)
        result = op.handler(call)
        result_dict = dict(result) if result is not None else None
        return spec.encode_result(result_dict, request_id), result_dict

    def _run_unsigned(
        self,
        service: str,
        action: str,
        pairs: list[tuple[str, str]],
        request_id: str,
        now: float,
        source_ip: str,
        secure: bool,
        user_agent: str | None,
        progress: _Progress,
    ) -> tuple[bytes, dict[str, Any] | None]:
        """An operation authenticated by its own token (web identity, SAML).

        The caller starts as an unknown principal of the role's account; the
        handler replaces it with the identity its token proves.
        """
        progress.service = service
        spec: OperationSpec = self.runtime.models.operation(service, action)
        op = lookup(service, action)
        progress.op = op
        progress.auth = load_operation_auth(service).get(action)
        params = spec.decode([(k, v) for k, v in pairs if k not in ("Action", "Version")])
        progress.params = params
        if op is None:
            raise NotImplementedOperation(f"rolecall does not implement {service}:{action} yet.")
        parts = arns.split_arn(params.get("RoleArn", ""))
        view = self.runtime.directory.view(parts[3]) if parts and parts[3].isdigit() else None
        if view is None:
            raise AccessDenied(f"Not authorized to perform sts:{action}")
        principal = Principal(PrincipalKind.UNKNOWN, view.account_id, "", "", "", None)
        region = progress.region
        request = RequestInfo(request_id, source_ip, user_agent, region, secure, now)
        context = anonymous_context(
            now=now, source_ip=source_ip, secure=secure, region=region, user_agent=user_agent
        )
        call = Call(self.runtime, request, service, action, params, principal, view, context)
        progress.call = call
        result = op.handler(call)
        result_dict = dict(result) if result is not None else None
        return spec.encode_result(result_dict, request_id), result_dict

    def _note_key_use(self, key_id: str | None, service: str, region: str, long_term: bool) -> None:
        if not long_term or key_id is None or self.audit is None:
            return
        key = (key_id, service, region)
        now = time.monotonic()
        if now - self._key_uses.get(key, -_KEY_USE_INTERVAL) < _KEY_USE_INTERVAL:
            return
        self._key_uses[key] = now
        self.audit.note(KeyUse(key_id, datetime.now(UTC), service, region))

    def _event(
        self,
        progress: _Progress,
        request_id: str,
        now: float,
        source_ip: str,
        user_agent: str | None,
        result: dict[str, Any] | None,
        error: AWSError | None,
        with_response: bool = False,
    ) -> AuditFacts | None:
        if self.audit is None:
            return None
        creds = progress.credentials
        op = progress.op
        auth = progress.auth
        call = progress.call
        principal = creds.principal if creds is not None else None
        identity = self._identity(principal) if principal is not None else None
        if principal is None and call is not None:
            # Unsigned operations: whoever the token proved, or an unknown caller.
            principal = call.principal
            identity = user_identity(principal, None)
        return build_facts(
            service=progress.service,
            operation=progress.action or "",
            time=now,
            region=progress.region,
            source_ip=source_ip,
            user_agent=user_agent,
            request_id=request_id,
            principal=principal,
            access_key_id=progress.access_key_id,
            recipient_account=principal.account_id if principal else None,
            read_only=auth.read_only if auth else False,
            params=progress.params,
            result=result,
            error_code=error.code if error else None,
            error_message=error.message if error else None,
            resources=call.resources if call else [],
            secret_params=op.secret_params if op else frozenset(),
            secret_results=op.secret_results if op else frozenset(),
            with_response=with_response,
            identity=identity,
        )

    def _identity(self, principal: Principal) -> dict[str, Any]:
        known = self._identities.get(id(principal))
        if known is not None and known[0] is principal:
            return known[1]
        identity = user_identity(principal, principal.access_key_id)
        if len(self._identities) > 10_000:
            self._identities.clear()
        self._identities[id(principal)] = (principal, identity)
        return identity


_SESSION_TOKEN_STS = frozenset({"AssumeRole", "GetCallerIdentity"})


def _check_session_scope(kind: SessionKind, mfa: bool, service: str, action: str, arn: str) -> None:
    """What AWS lets some kinds of temporary credentials call at all."""
    if kind is SessionKind.SESSION_TOKEN:
        if service == "iam" and not mfa:
            # GetSessionToken credentials cannot call IAM unless MFA-authenticated.
            raise InvalidClientTokenId()
        if service == "sts" and action not in _SESSION_TOKEN_STS:
            raise AccessDenied(f"Cannot call {action} with session credentials")
    elif kind is SessionKind.FEDERATION and action == "GetWebIdentityToken":
        raise AccessDenied("GetWebIdentityToken does not support federated user sessions")
    elif kind is SessionKind.FEDERATION and (
        service == "iam" or (service == "sts" and action != "GetCallerIdentity")
    ):
        # Federated users cannot use IAM, nor STS beyond GetCallerIdentity.
        raise AccessDenied(
            f"User: {arn} is not authorized to perform: {service}:{action} "
            "with federated user credentials"
        )


def _form_params(http: HttpRequest) -> list[tuple[str, str]]:
    """Query-string and form-body parameters, in that order."""
    pairs: list[tuple[str, str]] = []
    try:
        if http.raw_query:
            pairs.extend(parse_form(http.raw_query))
        if http.body and http.method == "POST":
            content_type = next((v for k, v in http.headers if k.lower() == "content-type"), "")
            if not content_type or "x-www-form-urlencoded" in content_type.lower():
                pairs.extend(parse_form(http.body.decode("utf-8")))
    except (UnicodeDecodeError, ValueError):
        raise MalformedQueryString("The query string is not valid UTF-8 form data.") from None
    if "%00" in http.raw_query or b"\x00" in http.body or b"%00" in http.body:
        _reject_nul(pairs)
    return pairs


def _reject_nul(pairs: list[tuple[str, str]]) -> None:
    # No IAM or STS input pattern admits U+0000, and PostgreSQL cannot store it in
    # text: refuse it here, for every parameter, including the few (ARNs) whose
    # model shape has no pattern.  Judgement: AWS's exact text is not documented.
    for name, value in pairs:
        if "\x00" in value or "\x00" in name:
            member = lower_camel(name.split(".", 1)[0].replace("\x00", ""))
            raise ValidationError(
                f"1 validation error detected: Value at '{member}' failed to satisfy "
                "constraint: Member must not contain the character U+0000"
            )


def parse_form(text: str) -> list[tuple[str, str]]:
    """``application/x-www-form-urlencoded`` pairs, like ``parse_qsl(keep_blank_values=True)``.

    Hand-written because it runs on every request and most names and values need
    no decoding at all.
    """
    out: list[tuple[str, str]] = []
    for pair in text.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        out.append((_form_decode(name), _form_decode(value)))
    return out


def _form_decode(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    if "%" in text:
        return unquote(text, errors="strict")
    return text
