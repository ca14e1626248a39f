"""The parsed form of a policy document.

A :class:`Policy` is what :func:`rolecall.policy.parser.parse_policy` returns: the
document's grammar has been checked and every element normalised (a lone string
becomes a one-element tuple, JSON numbers and booleans in conditions become the
strings AWS compares), but nothing has been compiled yet.  The compiler
(:mod:`rolecall.policy.compiler`) turns it into matchers.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

#: The two policy language versions AWS accepts.
VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"


class PolicyKind(StrEnum):
    """Where a document is used; each kind has its own grammar rules and limits."""

    #: an inline policy of a user, group or role
    IDENTITY = "identity"
    #: a customer managed policy (also what a permissions boundary is made of)
    MANAGED = "managed"
    #: a role's trust policy (AssumeRolePolicyDocument)
    TRUST = "trust"
    #: a resource-based policy (bucket policy, key policy, ...)
    RESOURCE = "resource"
    #: a permissions boundary (a managed policy used as a boundary)
    BOUNDARY = "boundary"
    #: an inline or managed session policy passed to STS
    SESSION = "session"
    #: an AWS Organizations service control policy
    SCP = "scp"
    #: an AWS Organizations resource control policy
    RCP = "rcp"


class Effect(Enum):
    """A statement's effect."""

    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True, slots=True)
class Principals:
    """A ``Principal`` or ``NotPrincipal`` element.

    ``wildcard`` is true for ``"Principal": "*"`` (everyone, including anonymous
    callers); ``{"AWS": "*"}`` is recorded in ``aws`` as ``"*"``.
    """

    wildcard: bool = False
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ConditionClause:
    """One ``operator: {key: values}`` entry of a ``Condition`` block.

    Attributes:
        operator: the operator exactly as written, e.g. ``ForAnyValue:StringLikeIfExists``.
        base: the canonical base operator, e.g. ``StringLike``.
        set_operator: ``ForAnyValue``, ``ForAllValues`` or ``None``.
        if_exists: whether the ``...IfExists`` suffix was used.
        key: the condition key as written (keys compare case-insensitively).
        values: the policy values as strings.
    """

    operator: str
    base: str
    set_operator: str | None
    if_exists: bool
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a policy.

    ``actions``/``resources``/``principals`` hold either the positive or the
    ``Not...`` form, as told by ``not_action``/``not_resource``/``not_principal``.
    ``resources`` is ``None`` when the statement names no resource element (trust
    policies); ``principals`` is ``None`` when it names no principal.
    """

    index: int
    sid: str | None
    effect: Effect
    actions: tuple[str, ...]
    not_action: bool
    resources: tuple[str, ...] | None
    not_resource: bool
    principals: Principals | None
    not_principal: bool
    conditions: tuple[ConditionClause, ...]


@dataclass(frozen=True, slots=True)
class Policy:
    """A parsed, validated policy document."""

    version: str | None
    id: str | None
    statements: tuple[Statement, ...]
    #: the document text exactly as given
    text: str

    @property
    def variables_enabled(self) -> bool:
        """Policy variables (``${...}``) are only interpreted under Version 2012-10-17."""
        return self.version == VERSION_2012
