"""Plain records of IAM entities as read from the store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import arns


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """An account."""

    id: str
    name: str
    alias: str | None
    created_at: datetime
    revision: int
    password_policy: str | None
    global_endpoint_token_version: int | None


@dataclass(frozen=True, slots=True)
class UserRecord:
    """An IAM user."""

    id: str
    account_id: str
    name: str
    path: str
    created_at: datetime
    permissions_boundary: str | None
    password_last_used: datetime | None

    @property
    def arn(self) -> str:
        """The user's ARN, path included."""
        return arns.user_arn(self.account_id, self.path, self.name)


@dataclass(frozen=True, slots=True)
class GroupRecord:
    """An IAM group."""

    id: str
    account_id: str
    name: str
    path: str
    created_at: datetime

    @property
    def arn(self) -> str:
        """The group's ARN, path included."""
        return arns.group_arn(self.account_id, self.path, self.name)


@dataclass(frozen=True, slots=True)
class RoleRecord:
    """An IAM role; ``trust_policy`` is stored with principals as unique ids."""

    id: str
    account_id: str
    name: str
    path: str
    trust_policy: str
    description: str | None
    max_session_duration: int
    permissions_boundary: str | None
    created_at: datetime
    last_used_at: datetime | None
    last_used_region: str | None
    linked_service: str | None

    @property
    def arn(self) -> str:
        """The role's ARN, path included."""
        return arns.role_arn(self.account_id, self.path, self.name)


@dataclass(frozen=True, slots=True)
class AccessKeyRecord:
    """A long-term access key (``user_id`` is ``None`` for the root user's keys)."""

    id: str
    account_id: str
    user_id: str | None
    secret_enc: bytes
    status: str
    created_at: datetime
    last_used_at: datetime | None
    last_used_service: str | None
    last_used_region: str | None


@dataclass(frozen=True, slots=True)
class ManagedPolicyRecord:
    """A customer managed policy."""

    id: str
    account_id: str
    name: str
    path: str
    arn: str
    description: str | None
    default_version: str
    next_version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class InstanceProfileRecord:
    """An instance profile (``role_id`` is the one role it may hold)."""

    id: str
    account_id: str
    name: str
    path: str
    created_at: datetime
    role_id: str | None

    @property
    def arn(self) -> str:
        """The instance profile's ARN, path included."""
        return arns.instance_profile_arn(self.account_id, self.path, self.name)


def record(cls: type[Any], row: Any) -> Any:
    """Build ``cls`` from a SQLAlchemy row whose columns match its fields."""
    mapping = row._mapping
    return cls(**{name: mapping[name] for name in cls.__dataclass_fields__})
