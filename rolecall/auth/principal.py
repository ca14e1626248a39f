"""The authenticated principal of a request.

A :class:`Principal` is what credential resolution produces: the account root, an
IAM user, or a temporary session (a role session, a GetSessionToken session or a
GetFederationToken session), with everything later steps need — the policy
engine's :class:`~rolecall.policy.Caller`, CloudTrail's ``userIdentity`` and the
global condition keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from rolecall.iam import arns
from rolecall.policy import Caller, CallerKind


class PrincipalKind(StrEnum):
    """CloudTrail's ``userIdentity.type`` values for the principals rolecall knows."""

    ROOT = "Root"
    USER = "IAMUser"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    #: an OIDC-authenticated caller of AssumeRoleWithWebIdentity
    WEB_IDENTITY_USER = "WebIdentityUser"
    #: a SAML-authenticated caller of AssumeRoleWithSAML
    SAML_USER = "SAMLUser"
    #: a caller of an unsigned operation whose token is not yet verified
    UNKNOWN = "Unknown"


class SessionKind(StrEnum):
    """Which STS operation made a session."""

    ROLE = "role"
    SESSION_TOKEN = "session-token"  # noqa: S105 - an enum name
    FEDERATION = "federation"


@dataclass(frozen=True, slots=True)
class Session:
    """What a temporary credential's token carries (see :mod:`rolecall.sts.tokens`)."""

    kind: SessionKind
    access_key_id: str
    secret_access_key: str
    account_id: str
    issued_at: float
    expires_at: float
    #: role sessions: the role's unique id, name and path; others: None / the user's
    role_id: str | None = None
    role_name: str | None = None
    role_path: str | None = None
    #: the session name (role sessions) or federated user name
    name: str = ""
    #: the IAM user behind a GetSessionToken/GetFederationToken session, or root
    user_id: str | None = None
    user_name: str | None = None
    user_path: str | None = None
    tags: tuple[tuple[str, str], ...] = ()
    transitive_tag_keys: tuple[str, ...] = ()
    source_identity: str | None = None
    mfa_at: float | None = None
    #: assumed with role-session credentials (role chaining)
    chained: bool = False
    policy: str | None = None
    policy_arns: tuple[str, ...] = ()
    source_ip: str | None = None
    #: role sessions from AssumeRoleWithWebIdentity/SAML: the identity provider
    #: (the IAM OIDC or SAML provider's ARN) and which kind it is ("oidc", "saml")
    federated_provider: str | None = None
    federation: str | None = None
    #: the provider's condition keys AWS keeps in the session, usable in the
    #: role's permission policies (``${saml:sub}``, ``${<issuer>:sub}``)
    federation_keys: tuple[tuple[str, tuple[str, ...]], ...] = ()


_FEDERATION_CALLERS = {
    PrincipalKind.WEB_IDENTITY_USER: CallerKind.WEB_IDENTITY_USER,
    PrincipalKind.SAML_USER: CallerKind.SAML_USER,
    PrincipalKind.UNKNOWN: CallerKind.ANONYMOUS,
}


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    kind: PrincipalKind
    account_id: str
    arn: str
    #: CloudTrail's principalId: the user id, ``AROA...:session``, or the account id
    principal_id: str
    #: the user or role name ('' for root)
    name: str
    access_key_id: str | None
    user_id: str | None = None
    role_id: str | None = None
    path: str = "/"
    session: Session | None = None
    tags: tuple[tuple[str, str], ...] = ()
    has_boundary: bool = False
    #: web identity and SAML callers: the provider that vouched for them
    identity_provider: str | None = None
    caller: Caller = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "caller", self._make_caller())

    def _make_caller(self) -> Caller:
        if self.kind is PrincipalKind.ROOT:
            return Caller(CallerKind.ROOT, self.arn, self.account_id, unique_id=self.account_id)
        if self.kind is PrincipalKind.USER:
            return Caller(
                CallerKind.USER,
                self.arn,
                self.account_id,
                unique_id=self.user_id,
                has_boundary=self.has_boundary,
            )
        if self.kind is PrincipalKind.ASSUMED_ROLE:
            return Caller(
                CallerKind.ASSUMED_ROLE,
                self.arn,
                self.account_id,
                unique_id=self.role_id,
                role_arn=arns.role_arn(self.account_id, self.path, self.name),
                has_boundary=self.has_boundary,
            )
        if self.kind in _FEDERATION_CALLERS:
            # Only a trust policy naming the provider can let these callers in: they
            # have no identity-based policies of their own.
            return Caller(
                _FEDERATION_CALLERS[self.kind],
                self.arn,
                self.account_id,
                federated_provider=self.identity_provider,
            )
        source = None
        if self.session is not None and self.session.user_name is not None:
            source = arns.user_arn(
                self.account_id, self.session.user_path or "/", self.session.user_name
            )
        return Caller(
            CallerKind.FEDERATED_USER,
            self.arn,
            self.account_id,
            unique_id=self.user_id,
            source_arn=source,
            has_boundary=self.has_boundary,
        )

    @property
    def is_root(self) -> bool:
        """Whether this is the account's root user (directly or through a session token)."""
        return self.kind is PrincipalKind.ROOT

    @property
    def userid(self) -> str:
        """The value of ``aws:userid``."""
        if self.kind is PrincipalKind.ASSUMED_ROLE and self.session is not None:
            return f"{self.role_id}:{self.session.name}"
        if self.kind is PrincipalKind.FEDERATED_USER and self.session is not None:
            return f"{self.account_id}:{self.session.name}"
        return self.principal_id
