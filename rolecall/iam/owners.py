"""Whose credentials an operation concerns: the named user, or the caller.

Credential operations whose ``UserName`` is optional act on the calling IAM user
when it is omitted (AWS: "the user whose credentials are used to call the
operation"); for the root user that is the root user itself (``None``).
"""

from __future__ import annotations

from sqlalchemy import Connection

from rolecall.api.call import Call
from rolecall.auth.principal import PrincipalKind
from rolecall.protocol.errors import ValidationError

from .lookup import user_in
from .records import UserRecord


def credential_owner(call: Call, conn: Connection) -> UserRecord | None:
    """The user named by ``UserName``, else the calling user (``None``: the root user)."""
    name = call.params.get("UserName")
    if name is not None:
        return user_in(conn, call.account_id, name)
    principal = call.principal
    if principal.kind is PrincipalKind.ROOT:
        return None
    if principal.kind is not PrincipalKind.USER:
        raise ValidationError("Must specify userName when calling with non-User credentials")
    return user_in(conn, call.account_id, principal.name)
