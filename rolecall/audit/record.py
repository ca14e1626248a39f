"""Build CloudTrail-format event records.

Field names and shapes follow the CloudTrail record contents reference:
``eventVersion``, ``userIdentity`` (``type``, ``principalId``, ``arn``,
``accountId``, ``accessKeyId``, ``userName``, ``sessionContext``), ``eventTime``,
``eventSource``, ``eventName``, ``awsRegion``, ``sourceIPAddress``, ``userAgent``,
``requestParameters``, ``responseElements``, ``errorCode``, ``errorMessage``,
``requestID``, ``eventID``, ``readOnly``, ``resources``, ``eventType``,
``managementEvent``, ``recipientAccountId``, ``eventCategory``.  Parameter and
result member names are lower-camel-cased as CloudTrail prints them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from rolecall.auth.principal import Principal, PrincipalKind
from rolecall.iam import arns

from .redact import redact

EVENT_VERSION = "1.09"

_RESOURCE_TYPES = {
    "user": "AWS::IAM::User",
    "role": "AWS::IAM::Role",
    "group": "AWS::IAM::Group",
    "policy": "AWS::IAM::Policy",
    "instance-profile": "AWS::IAM::InstanceProfile",
    "access-key": "AWS::IAM::AccessKey",
    "mfa": "AWS::IAM::MFADevice",
    "oidc-provider": "AWS::IAM::OIDCProvider",
    "saml-provider": "AWS::IAM::SAMLProvider",
}


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """A finished record plus the columns it is indexed by."""

    event_id: str
    account_id: str
    event_time: datetime
    event_source: str
    event_name: str
    principal_arn: str | None
    access_key_id: str | None
    error_code: str | None
    read_only: bool
    record: dict[str, Any]


def lower_camel(value: Any) -> Any:
    """Lower-camel-case every mapping key (``RoleName`` → ``roleName``), recursively."""
    if isinstance(value, dict):
        return {_lower_first(k): lower_camel(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [lower_camel(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bytes):
        return None
    return value


def _lower_first(key: str) -> str:
    return key[:1].lower() + key[1:]


def user_identity(principal: Principal | None, access_key_id: str | None) -> dict[str, Any]:
    """CloudTrail's ``userIdentity`` for a principal (or an unauthenticated caller)."""
    if principal is None:
        out: dict[str, Any] = {"type": "Unknown"}
        if access_key_id:
            out["accessKeyId"] = access_key_id
        return out
    out = {
        "type": principal.kind.value,
        "principalId": principal.principal_id,
        "arn": principal.arn,
        "accountId": principal.account_id,
    }
    if principal.access_key_id:
        out["accessKeyId"] = principal.access_key_id
    if principal.kind is PrincipalKind.USER:
        out["userName"] = principal.name
    session = principal.session
    if session is not None:
        context: dict[str, Any] = {
            "attributes": {
                "creationDate": datetime.fromtimestamp(session.issued_at, UTC).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
                "mfaAuthenticated": "true" if session.mfa_at is not None else "false",
            }
        }
        if principal.kind is PrincipalKind.ASSUMED_ROLE:
            context["sessionIssuer"] = {
                "type": "Role",
                "principalId": principal.role_id,
                "arn": arns.role_arn(principal.account_id, principal.path, principal.name),
                "accountId": principal.account_id,
                "userName": principal.name,
            }
        elif principal.kind is PrincipalKind.FEDERATED_USER and session.user_id:
            context["sessionIssuer"] = {
                "type": "IAMUser",
                "principalId": session.user_id,
                "arn": arns.user_arn(
                    principal.account_id, session.user_path or "/", session.user_name or ""
                ),
                "accountId": principal.account_id,
                "userName": session.user_name,
            }
        if session.source_identity:
            context["sourceIdentity"] = session.source_identity
        out["sessionContext"] = context
    return out


def build_event(
    *,
    service: str,
    operation: str,
    time: float,
    region: str,
    source_ip: str,
    user_agent: str | None,
    request_id: str,
    principal: Principal | None,
    access_key_id: str | None,
    recipient_account: str | None,
    read_only: bool,
    params: dict[str, Any] | None,
    result: Any,
    error_code: str | None,
    error_message: str | None,
    resources: list[tuple[str, str]],
    secret_params: frozenset[str] = frozenset(),
    secret_results: frozenset[str] = frozenset(),
) -> AuditEvent:
    """One audit event for one call (secrets redacted)."""
    event_time = datetime.fromtimestamp(time, UTC)
    account = recipient_account or (principal.account_id if principal else "")
    record: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": user_identity(principal, access_key_id),
        "eventTime": event_time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": f"{service}.amazonaws.com",
        "eventName": operation,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": user_agent or "",
        "requestParameters": lower_camel(redact(params, secret_params)) if params else None,
        "responseElements": lower_camel(redact(result, secret_results)) if result else None,
        "requestID": request_id,
        "eventID": str(uuid.uuid4()),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if error_code:
        record["errorCode"] = error_code
        record["errorMessage"] = error_message
    if resources:
        record["resources"] = [
            {"accountId": account, "type": _RESOURCE_TYPES.get(kind, kind), "ARN": arn}
            for kind, arn in resources
        ]
    return AuditEvent(
        event_id=record["eventID"],
        account_id=account,
        event_time=event_time,
        event_source=record["eventSource"],
        event_name=operation,
        principal_arn=principal.arn if principal else None,
        access_key_id=access_key_id,
        error_code=error_code,
        read_only=read_only,
        record=record,
    )
