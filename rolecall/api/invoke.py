"""Run an operation in-process as an account's root user (bootstrap, tooling).

The same handler, input validation, pre-authorization and audit record as an
HTTP call, without HTTP or SigV4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rolecall.audit.record import build_facts
from rolecall.audit.writer import AuditWriter
from rolecall.auth.principal import Principal, PrincipalKind
from rolecall.authz.spec import load_operation_auth
from rolecall.iam import arns
from rolecall.protocol.errors import AWSError, NoSuchEntity
from rolecall.protocol.request_ids import new_request_id

from .call import Call, RequestInfo
from .context import global_context
from .preauthorize import preauthorize
from .registry import load_operations, lookup

if TYPE_CHECKING:
    from rolecall.runtime import Runtime


def invoke(
    runtime: Runtime,
    account_id: str,
    service: str,
    operation: str,
    params: dict[str, Any],
    *,
    source: str = "rolecall",
) -> dict[str, Any]:
    """Call ``service:operation`` with ``params`` as the root user of ``account_id``."""
    load_operations()
    spec = runtime.models.operation(service, operation)
    spec.validate(params)
    op = lookup(service, operation)
    if op is None:
        raise NoSuchEntity(f"rolecall does not implement {service}:{operation}")
    view = runtime.directory.view(account_id)
    if view is None:
        raise NoSuchEntity(f"Account {account_id} does not exist.")
    root = Principal(
        PrincipalKind.ROOT, account_id, arns.root_arn(account_id), account_id, "", None
    )
    now = runtime.clock.time()
    request = RequestInfo(new_request_id(), source, source, runtime.settings.region, True, now)
    context = global_context(
        root,
        now=now,
        source_ip=source,
        secure=True,
        region=request.region,
        user_agent=source,
        principal_tags=(),
    )
    call = Call(runtime, request, service, operation, params, root, view, context)
    auth = load_operation_auth(service).get(operation)
    result: dict[str, Any] | None = None
    error: AWSError | None = None
    try:
        if op.pre_authorize and auth is not None:
            preauthorize(call, auth)
        out = op.handler(call)
        result = dict(out) if out is not None else {}
        return result
    except AWSError as exc:
        error = exc
        raise
    finally:
        if runtime.settings.audit:
            event = build_facts(
                service=service,
                operation=operation,
                time=now,
                region=request.region,
                source_ip=source,
                user_agent=source,
                request_id=request.request_id,
                principal=root,
                access_key_id=None,
                recipient_account=account_id,
                read_only=auth.read_only if auth else False,
                params=params,
                result=result,
                error_code=error.code if error else None,
                error_message=error.message if error else None,
                resources=call.resources,
                secret_params=op.secret_params,
                secret_results=op.secret_results,
            )
            # In-process calls write their record synchronously.
            AuditWriter(runtime.store).submit(event).result()
