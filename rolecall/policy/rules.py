"""Rules that depend on where a policy is used.

An identity-based policy must not name a principal and must name resources; a
trust policy must name a principal, must not name resources and may only allow
the ``sts:AssumeRole*`` family; a resource-based policy needs both.  Principal
values are checked for the shapes AWS accepts.
"""

from __future__ import annotations

import re

from .ast import Policy, PolicyKind, Principals, Statement
from .errors import PolicyError
from .grammar import TRUST_POLICY_ACTIONS
from .patterns import compile_glob

_IDENTITY_LIKE = frozenset(
    {
        PolicyKind.IDENTITY,
        PolicyKind.MANAGED,
        PolicyKind.BOUNDARY,
        PolicyKind.SESSION,
        PolicyKind.SCP,
    }
)
_ACCOUNT = re.compile(r"\d{12}")
_UNIQUE_ID = re.compile(r"A[A-Z0-9]{3}[A-Z0-9]{16,124}")
_IAM_PRINCIPAL_ARN = re.compile(
    r"arn:aws[a-z-]*:(?:iam::\d{12}:(?:root|user/.+|role/.+|federated-user/.+)"
    r"|sts::\d{12}:(?:assumed-role/[^/]+/.+|federated-user/.+))"
)
_SERVICE_PRINCIPAL = re.compile(
    r"[a-z0-9][a-z0-9.-]*\.(?:amazonaws\.com(?:\.cn)?|amazon\.com|aws\.internal)"
)
_FEDERATED = re.compile(
    r"arn:aws[a-z-]*:iam::\d{12}:(?:saml-provider|oidc-provider)/.+|[A-Za-z0-9.-]+\.[A-Za-z]{2,}(?:/.*)?"
)
_CANONICAL_USER = re.compile(r"[0-9a-f]{64}")
_RCP_PRINCIPAL_MESSAGE = 'Invalid principal in policy: a resource control policy must name "*"'
_TRUST_ACTION_MESSAGE = (
    "Trust Policy statement actions can only be sts:AssumeRole, "
    "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"
)


def check_kind_rules(policy: Policy, kind: PolicyKind) -> None:
    """Raise :class:`PolicyError` if ``policy`` breaks a rule of ``kind``."""
    for st in policy.statements:
        if kind in _IDENTITY_LIKE:
            _check_identity_statement(st)
        elif kind is PolicyKind.TRUST:
            _check_trust_statement(st)
        else:
            _check_resource_statement(st, kind)


def _check_identity_statement(st: Statement) -> None:
    if st.principals is not None:
        raise PolicyError("Policy document should not specify a principal.")
    if not st.resources:
        raise PolicyError("Policy statement must contain resources.")


def _check_trust_statement(st: Statement) -> None:
    if st.resources is not None:
        raise PolicyError("Has prohibited field Resource.")
    for action in st.actions:
        if not _is_trust_action(action):
            raise PolicyError(_TRUST_ACTION_MESSAGE)
    if st.principals is None:
        raise PolicyError("Missing required field Principal")
    check_principal_values(st.principals)


def _check_resource_statement(st: Statement, kind: PolicyKind) -> None:
    if st.principals is None:
        raise PolicyError("Missing required field Principal")
    everyone = st.principals.wildcard or st.principals.aws == ("*",)
    if kind is PolicyKind.RCP and (st.not_principal or not everyone):
        raise PolicyError(_RCP_PRINCIPAL_MESSAGE)
    if not st.resources:
        raise PolicyError("Policy statement must contain resources.")
    check_principal_values(st.principals)


def _is_trust_action(action: str) -> bool:
    lowered = action.lower()
    if lowered in TRUST_POLICY_ACTIONS:
        return True
    if "*" in lowered or "?" in lowered:
        # A wildcard is accepted when it can stand for one of the trust actions.
        service = lowered.partition(":")[0]
        if service not in ("sts", "*"):
            return False
        matcher = compile_glob(lowered, ignore_case=True)
        return any(matcher.fullmatch(a) for a in TRUST_POLICY_ACTIONS)
    return False


def check_principal_values(principals: Principals) -> None:
    """Check that every principal value has a shape AWS accepts."""
    for value in principals.aws:
        if not (
            value == "*"
            or _ACCOUNT.fullmatch(value)
            or _IAM_PRINCIPAL_ARN.fullmatch(value)
            or _UNIQUE_ID.fullmatch(value)
        ) or ("*" in value and value != "*"):
            raise PolicyError(f'Invalid principal in policy: "AWS":"{value}"')
    for value in principals.service:
        if not (value == "*" or _SERVICE_PRINCIPAL.fullmatch(value)):
            raise PolicyError(f'Invalid principal in policy: "SERVICE":"{value}"')
    for value in principals.federated:
        if not _FEDERATED.fullmatch(value):
            raise PolicyError(f'Invalid principal in policy: "FEDERATED":"{value}"')
    for value in principals.canonical_user:
        if not _CANONICAL_USER.fullmatch(value):
            raise PolicyError(f'Invalid principal in policy: "CANONICAL_USER":"{value}"')
