"""Small builders shared by the policy-engine tests.

They keep the table-driven tests short: a policy is written as Python data and
turned into JSON here, callers are built from their ARNs, and :func:`decide` runs
the compiled engine with every policy type as a keyword argument.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from rolecall.policy import (
    Caller,
    CallerKind,
    Decision,
    PolicyGroup,
    PolicyKind,
    PrincipalPolicies,
    RequestContext,
    ResourcePolicies,
    authorize,
    compile_policy,
    policy_group,
    root_caller,
)

ACCOUNT = "111122223333"
OTHER = "444455556666"
V2012 = "2012-10-17"

Doc = str | Mapping[str, Any]


def doc(*statements: Mapping[str, Any], version: str | None = V2012, **top: Any) -> str:
    """A policy document with ``statements`` (a list, even for one statement)."""
    body: dict[str, Any] = {}
    if version is not None:
        body["Version"] = version
    body.update(top)
    body["Statement"] = list(statements)
    return json.dumps(body)


def allow(
    action: str | list[str] = "*", resource: str | list[str] = "*", **extra: Any
) -> dict[str, Any]:
    """An Allow statement (identity-style unless ``Principal`` is passed in ``extra``)."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(
    action: str | list[str] = "*", resource: str | list[str] = "*", **extra: Any
) -> dict[str, Any]:
    """A Deny statement."""
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def text_of(policy: Doc) -> str:
    """JSON text for a policy given as text or as Python data."""
    return policy if isinstance(policy, str) else json.dumps(policy)


def group(policies: Iterable[Doc], kind: PolicyKind) -> PolicyGroup:
    """A compiled policy group of ``kind``."""
    return policy_group([compile_policy(text_of(p), kind) for p in policies])


def user(name: str = "alice", account: str = ACCOUNT, *, boundary: bool = False) -> Caller:
    """An IAM user."""
    return Caller(
        CallerKind.USER,
        f"arn:aws:iam::{account}:user/{name}",
        account,
        unique_id="AIDA" + name.upper().ljust(17, "X")[:17],
        has_boundary=boundary,
    )


def role_session(
    role: str = "app", session: str = "s1", account: str = ACCOUNT, *, boundary: bool = False
) -> Caller:
    """A session of an IAM role (AssumeRole)."""
    return Caller(
        CallerKind.ASSUMED_ROLE,
        f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        account,
        unique_id="AROA" + role.upper().ljust(17, "X")[:17],
        role_arn=f"arn:aws:iam::{account}:role/{role}",
        has_boundary=boundary,
    )


def federated_user(name: str = "fed", via: str = "alice", account: str = ACCOUNT) -> Caller:
    """A GetFederationToken session of IAM user ``via``."""
    return Caller(
        CallerKind.FEDERATED_USER,
        f"arn:aws:sts::{account}:federated-user/{name}",
        account,
        source_arn=f"arn:aws:iam::{account}:user/{via}",
    )


def root(account: str = ACCOUNT) -> Caller:
    """An account's root user."""
    return root_caller(account)


def service(name: str = "cloudtrail.amazonaws.com") -> Caller:
    """An AWS service principal."""
    return Caller(CallerKind.SERVICE, name, "")


def decide(
    caller: Caller,
    action: str,
    resource: str = "*",
    *,
    identity: Iterable[Doc] = (),
    boundary: Iterable[Doc] | None = None,
    session: Iterable[Doc] | None = None,
    scps: Iterable[Iterable[Doc]] = (),
    resource_policy: Doc | None = None,
    resource_kind: PolicyKind = PolicyKind.RESOURCE,
    resource_account: str | None = None,
    required: bool = False,
    rcps: Iterable[Iterable[Doc]] = (),
    context: Mapping[str, Any] | None = None,
    explain: bool = False,
) -> Decision:
    """Run the compiled engine on one request; every policy type is optional."""
    principal = PrincipalPolicies(
        group(identity, PolicyKind.IDENTITY),
        None if boundary is None else group(boundary, PolicyKind.BOUNDARY),
        None if session is None else group(session, PolicyKind.SESSION),
        tuple(group(level, PolicyKind.SCP) for level in scps),
    )
    resources = ResourcePolicies(
        resource_account,
        None if resource_policy is None else group([resource_policy], resource_kind),
        tuple(group(level, PolicyKind.RCP) for level in rcps),
        required,
    )
    return authorize(
        caller,
        action,
        resource,
        RequestContext.of(dict(context or {})),
        principal,
        resources,
        explain=explain,
    )
