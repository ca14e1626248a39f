"""ARNs of IAM and STS entities, with paths, in the ``aws`` partition."""

from __future__ import annotations

PARTITION = "aws"


def iam_arn(account_id: str, kind: str, path: str, name: str) -> str:
    """``arn:aws:iam::ACCOUNT:KIND/PATH/NAME`` (``path`` starts and ends with ``/``)."""
    return f"arn:{PARTITION}:iam::{account_id}:{kind}{path}{name}"


def user_arn(account_id: str, path: str, name: str) -> str:
    """An IAM user's ARN."""
    return iam_arn(account_id, "user", path, name)


def group_arn(account_id: str, path: str, name: str) -> str:
    """An IAM group's ARN."""
    return iam_arn(account_id, "group", path, name)


def role_arn(account_id: str, path: str, name: str) -> str:
    """An IAM role's ARN."""
    return iam_arn(account_id, "role", path, name)


def policy_arn(account_id: str, path: str, name: str) -> str:
    """A customer managed policy's ARN."""
    return iam_arn(account_id, "policy", path, name)


def instance_profile_arn(account_id: str, path: str, name: str) -> str:
    """An instance profile's ARN."""
    return iam_arn(account_id, "instance-profile", path, name)


def mfa_arn(account_id: str, path: str, name: str) -> str:
    """A virtual MFA device's ARN (its serial number)."""
    return iam_arn(account_id, "mfa", path, name)


def server_certificate_arn(account_id: str, path: str, name: str) -> str:
    """A server certificate's ARN."""
    return iam_arn(account_id, "server-certificate", path, name)


def root_arn(account_id: str) -> str:
    """The account root user's ARN."""
    return f"arn:{PARTITION}:iam::{account_id}:root"


def assumed_role_arn(account_id: str, role_name: str, session_name: str) -> str:
    """A role session's ARN (no role path, as AWS prints it)."""
    return f"arn:{PARTITION}:sts::{account_id}:assumed-role/{role_name}/{session_name}"


def federated_user_arn(account_id: str, name: str) -> str:
    """A GetFederationToken session's ARN."""
    return f"arn:{PARTITION}:sts::{account_id}:federated-user/{name}"


def split_arn(arn: str) -> tuple[str, str, str, str, str] | None:
    """``(partition, service, region, account, resource)``, or ``None`` if not an ARN."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return parts[1], parts[2], parts[3], parts[4], parts[5]


def path_and_name(resource: str) -> tuple[str, str, str]:
    """Split ``role/a/b/Name`` into ``("role", "/a/b/", "Name")``."""
    kind, _, rest = resource.partition("/")
    head, _, name = rest.rpartition("/")
    return kind, f"/{head}/" if head else "/", name
