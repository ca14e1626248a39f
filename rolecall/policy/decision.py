"""The result of an authorization decision, and how AWS words a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, StrEnum

from .compiler import CompiledStatement


class Outcome(Enum):
    """The three answers AWS's evaluation logic can give."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


class PolicyType(StrEnum):
    """Policy types, named as AWS names them in AccessDenied messages."""

    IDENTITY = "identity-based policy"
    RESOURCE = "resource-based policy"
    BOUNDARY = "permissions boundary"
    SESSION = "session policy"
    SCP = "service control policy"
    RCP = "resource control policy"

    @property
    def article(self) -> str:
        """The indefinite article AWS uses before the type."""
        return "an" if self is PolicyType.IDENTITY else "a"


@dataclass(frozen=True, slots=True)
class Decision:
    """What the engine decided and, when asked to explain, why.

    Attributes:
        outcome: allowed, explicit deny or implicit deny.
        decided_by: for a refusal, the policy type that denied or failed to allow.
        matched: statements that matched (explain mode only): for an allow the
            allowing statements, for an explicit deny the denying ones.
        missing_context_keys: condition keys read by statements that matched the
            action and resource but absent from the request (explain mode only).
        details: per policy type, what that type alone decided (explain mode only).
    """

    outcome: Outcome
    decided_by: PolicyType | None = None
    matched: tuple[CompiledStatement, ...] = ()
    missing_context_keys: tuple[str, ...] = ()
    details: dict[PolicyType, Outcome] = field(default_factory=dict)

    @property
    def allowed(self) -> bool:
        """Whether the request is allowed."""
        return self.outcome is Outcome.ALLOWED

    def message(self, principal: str, action: str, resource: str) -> str:
        """AWS's AccessDenied text for this refusal.

        e.g. ``User: arn:aws:iam::123456789012:user/bob is not authorized to perform:
        iam:ListRoles on resource: arn:aws:iam::123456789012:role/ because no
        identity-based policy allows the iam:ListRoles action``.
        """
        head = f"User: {principal} is not authorized to perform: {action} on resource: {resource}"
        kind = self.decided_by or PolicyType.IDENTITY
        if self.outcome is Outcome.EXPLICIT_DENY:
            return f"{head} with an explicit deny in {kind.article} {kind.value}"
        return f"{head} because no {kind.value} allows the {action} action"


ALLOW = Decision(Outcome.ALLOWED)
