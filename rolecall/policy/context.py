"""Who is asking, and the request context they ask in.

:class:`Caller` describes the authenticated principal (the facts the engine needs
for principal matching and for AWS's single-account rules); :class:`RequestContext`
holds the condition keys of one request.  Keys are case-insensitive, so they are
stored lower-cased; every value is a tuple of strings, because AWS compares
context values as strings and some keys are multi-valued.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

from .variables import ContextValues

ContextInput = str | bool | int | float | Iterable[str]


class CallerKind(StrEnum):
    """The principal types AWS distinguishes (``aws:PrincipalType`` and more)."""

    ROOT = "Account"
    USER = "User"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    SERVICE = "Service"
    ANONYMOUS = "Anonymous"
    #: someone an OpenID Connect provider vouches for (AssumeRoleWithWebIdentity)
    WEB_IDENTITY_USER = "WebIdentityUser"
    #: someone a SAML 2.0 provider vouches for (AssumeRoleWithSAML)
    SAML_USER = "SAMLUser"


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated principal of a request.

    Attributes:
        kind: what sort of principal this is.
        arn: its ARN (a session's ``arn:aws:sts::...:assumed-role/R/S`` ARN for role
            sessions); for a service principal, its name (``ec2.amazonaws.com``).
        account: the account it belongs to ('' for services and anonymous callers).
        unique_id: the user's or role's unique id (AIDA.../AROA...), if any.
        role_arn: for role sessions, the role's ARN (with path).
        source_arn: for federated-user sessions, the IAM user that created them.
        has_boundary: whether a permissions boundary applies (AWS's ``NotPrincipal``
            quirk depends on it).
        federated_provider: for web-identity/SAML sessions, the identity provider.
    """

    kind: CallerKind
    arn: str
    account: str
    unique_id: str | None = None
    role_arn: str | None = None
    source_arn: str | None = None
    has_boundary: bool = False
    federated_provider: str | None = None

    @property
    def is_root(self) -> bool:
        """Whether this is an account's root user."""
        return self.kind is CallerKind.ROOT

    @property
    def description(self) -> str:
        """How AccessDenied messages name the caller ("User: arn...")."""
        return self.arn


def root_caller(account: str, partition: str = "aws") -> Caller:
    """The root user of ``account``."""
    return Caller(
        CallerKind.ROOT, f"arn:{partition}:iam::{account}:root", account, unique_id=account
    )


class RequestContext:
    """Condition keys of one request: case-insensitive keys, tuple-of-strings values.

    ``values`` is the underlying lower-cased dict the evaluator reads directly.
    """

    __slots__ = ("values",)

    def __init__(self, values: ContextValues | None = None) -> None:
        self.values: ContextValues = values if values is not None else {}

    @classmethod
    def of(
        cls, items: Mapping[str, ContextInput] | None = None, /, **kwargs: ContextInput
    ) -> RequestContext:
        """Build a context, normalising keys and values."""
        ctx = cls()
        for key, value in (items or {}).items():
            ctx.set(key, value)
        for key, value in kwargs.items():
            ctx.set(key, value)
        return ctx

    def set(self, key: str, value: ContextInput | None) -> None:
        """Set (or with ``None``, remove) one key."""
        lowered = key.lower()
        if value is None:
            self.values.pop(lowered, None)
            return
        self.values[lowered] = normalise_value(value)

    def __getitem__(self, key: str) -> tuple[str, ...]:
        return self.values[key.lower()]

    def get(self, key: str) -> tuple[str, ...] | None:
        """The values of ``key`` (any case), or ``None``."""
        return self.values.get(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self.values

    def __iter__(self) -> Iterator[str]:
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)

    def copy(self) -> RequestContext:
        """A shallow copy that can be changed independently."""
        return RequestContext(dict(self.values))


def normalise_value(value: ContextInput) -> tuple[str, ...]:
    """Turn a Python value into the tuple of strings AWS would compare."""
    if isinstance(value, bool):
        return ("true" if value else "false",)
    if isinstance(value, int | float):
        return (str(value),)
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)
