"""Service-linked roles belong to the service: the account cannot change them."""

from __future__ import annotations

from rolecall.protocol.errors import UnmodifiableEntity

from .records import RoleRecord


def ensure_modifiable(role: RoleRecord) -> None:
    """Raise AWS's UnmodifiableEntity for a service-linked role."""
    if role.linked_service is not None:
        raise UnmodifiableEntity(
            f"Cannot perform the operation on the protected role '{role.name}' - "
            "this role is only modifiable by AWS"
        )
