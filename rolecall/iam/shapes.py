"""Entity records as the API's output structures (keys as in botocore's shapes)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .records import GroupRecord, ManagedPolicyRecord, RoleRecord, UserRecord
from .tagging import tag_list

_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
# Every byte (as a latin-1 character) mapped to itself or to its %XX escape, so a
# whole document is escaped by one C-level str.translate call.
_ESCAPES = {b: (chr(b) if b in _SAFE else f"%{b:02X}") for b in range(256)}


@lru_cache(maxsize=4096)
def policy_document_out(document: str) -> str:
    """Policy documents are returned URL-encoded (RFC 3986), as IAM does."""
    return document.encode("utf-8").decode("latin-1").translate(_ESCAPES)


def user_shape(user: UserRecord, tags: tuple[tuple[str, str], ...] | None = None) -> dict[str, Any]:
    """The ``User`` structure."""
    out: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.name,
        "UserId": user.id,
        "Arn": user.arn,
        "CreateDate": user.created_at,
    }
    if user.password_last_used is not None:
        out["PasswordLastUsed"] = user.password_last_used
    if user.permissions_boundary:
        out["PermissionsBoundary"] = boundary_shape(user.permissions_boundary)
    if tags:
        out["Tags"] = tag_list(tags)
    return out


def group_shape(group: GroupRecord) -> dict[str, Any]:
    """The ``Group`` structure."""
    return {
        "Path": group.path,
        "GroupName": group.name,
        "GroupId": group.id,
        "Arn": group.arn,
        "CreateDate": group.created_at,
    }


def role_shape(
    role: RoleRecord,
    trust_policy: str,
    tags: tuple[tuple[str, str], ...] | None = None,
    *,
    last_used: bool = False,
) -> dict[str, Any]:
    """The ``Role`` structure (``trust_policy`` as it should be shown)."""
    out: dict[str, Any] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.id,
        "Arn": role.arn,
        "CreateDate": role.created_at,
        "AssumeRolePolicyDocument": policy_document_out(trust_policy),
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        out["Description"] = role.description
    if role.permissions_boundary:
        out["PermissionsBoundary"] = boundary_shape(role.permissions_boundary)
    if tags:
        out["Tags"] = tag_list(tags)
    if last_used:
        used: dict[str, Any] = {}
        if role.last_used_at is not None:
            used["LastUsedDate"] = role.last_used_at
            if role.last_used_region:
                used["Region"] = role.last_used_region
        out["RoleLastUsed"] = used
    return out


def boundary_shape(arn: str) -> dict[str, str]:
    """The ``AttachedPermissionsBoundary`` structure."""
    return {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn}


def policy_shape(
    policy: ManagedPolicyRecord,
    attachment_count: int,
    boundary_count: int,
    tags: tuple[tuple[str, str], ...] | None = None,
) -> dict[str, Any]:
    """The ``Policy`` structure of a customer managed policy."""
    out: dict[str, Any] = {
        "PolicyName": policy.name,
        "PolicyId": policy.id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version,
        "AttachmentCount": attachment_count,
        "PermissionsBoundaryUsageCount": boundary_count,
        "IsAttachable": True,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
    }
    if policy.description:
        out["Description"] = policy.description
    if tags:
        out["Tags"] = tag_list(tags)
    return out
