"""Hypothesis strategies: valid policy sets of every type, callers and requests.

The pools are small on purpose: a handful of actions, resources, keys and values
that overlap a lot, so that generated statements actually match generated
requests (and so that conditions, variables and principals all get exercised)
instead of missing each other at random.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from rolecall.policy import Caller, CallerKind

from .reference import Policies

ACCOUNT = "111122223333"
OTHER = "444455556666"

ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "iam:ListUsers",
    "ec2:RunInstances",
    "sts:AssumeRole",
]
ACTION_PATTERNS = [
    *ACTIONS,
    "S3:getobject",
    "s3:*",
    "s3:Get*",
    "s3:?utObject",
    "*",
    "iam:List*",
    "*:Run*",
    "ec2:*Instances",
]

RESOURCES = [
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/alice/key",
    "arn:aws:s3:::bucket/a:b",
    "arn:aws:s3:::other/key",
    f"arn:aws:iam::{ACCOUNT}:user/alice",
    f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-1",
    f"arn:aws:ec2:eu-west-1:{OTHER}:instance/i-2",
]
RESOURCE_PATTERNS = [
    *RESOURCES,
    "*",
    "arn:aws:s3:::bucket/*",
    "arn:aws:s3:::*",
    "arn:aws:s3:::b?cket/*",
    "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'alice'}/*",
    "arn:aws:s3:::bucket/${*}",
    f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}",
    f"arn:aws:*:*:{ACCOUNT}:*",
    "arn:aws:ec2:*:*:instance/*",
    "arn:aws:ec2:us-*:*:instance/i-?",
]

#: condition keys, by the family of operators that reads them, with request values
KEYS: dict[str, dict[str, list[Any]]] = {
    "String": {
        "aws:PrincipalTag/team": ["blue", "Blue", "alice", ""],
        "s3:prefix": ["home/alice/", "home/bob/x", "tmp/", "home/*"],
        "aws:username": ["alice", "bob", "a*"],
        "aws:TagKeys": [["env"], ["env", "owner"], ["team", "owner"], []],
    },
    "Numeric": {"s3:max-keys": ["5", "10", "10.0", "abc", "-1"]},
    "Date": {
        "aws:CurrentTime": [
            "2020-01-01T00:00:00Z",
            "2021-06-01T12:00:00+02:00",
            "1577836800",
            "2020-01-01",
            "2019-12-31T23:59:59.500Z",
        ]
    },
    "Bool": {"aws:SecureTransport": ["true", "false", "TRUE"]},
    "Binary": {"test:Bin": ["QQ==", "Qg==", "not base64"]},
    "Ip": {"aws:SourceIp": ["10.0.0.1", "203.0.113.7", "2001:db8::1", "garbage"]},
    "Arn": {
        "aws:SourceArn": [
            f"arn:aws:sns:us-east-1:{ACCOUNT}:topic",
            f"arn:aws:sns:us-east-1:{OTHER}:t:x",
            f"arn:aws:sns:us-east-1:{ACCOUNT}:alice",
        ],
    },
}

#: policy values, by operator family
POLICY_VALUES: dict[str, list[Any]] = {
    "String": [
        "blue",
        "alice",
        "home/*",
        "home/${aws:username}/*",
        "b?ue",
        "*",
        "${aws:username}",
        "env",
        "owner",
        "",
        "literal${*}",
    ],
    "Numeric": ["10", "5.5", 5, "-1"],
    "Date": ["2020-01-01T00:00:00Z", "2020-01-01", "1577836800", "2021-01-01T00:00:00+01:00"],
    "Bool": ["true", "false", True],
    "Binary": ["QQ==", "Qg=="],
    "Ip": ["10.0.0.0/8", "203.0.113.0/24", "2001:db8::/32", "0.0.0.0/0", "203.0.113.7"],
    "Arn": [
        "arn:aws:sns:*:111122223333:*",
        "arn:aws:sns:us-east-1:*:topic",
        "arn:aws:sns:us-east-1:111122223333:${aws:username}",
        "arn:aws:sns:*",
    ],
}

OPERATORS: dict[str, list[str]] = {
    "String": [
        "StringEquals",
        "StringNotEquals",
        "StringEqualsIgnoreCase",
        "StringNotEqualsIgnoreCase",
        "StringLike",
        "StringNotLike",
    ],
    "Numeric": [
        "NumericEquals",
        "NumericNotEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
    ],
    "Date": [
        "DateEquals",
        "DateNotEquals",
        "DateLessThan",
        "DateLessThanEquals",
        "DateGreaterThan",
        "DateGreaterThanEquals",
    ],
    "Bool": ["Bool"],
    "Binary": ["BinaryEquals"],
    "Ip": ["IpAddress", "NotIpAddress"],
    "Arn": ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
}

#: principal values for resource policies (callers below use these names)
PRINCIPALS = [
    ACCOUNT,
    OTHER,
    f"arn:aws:iam::{ACCOUNT}:root",
    f"arn:aws:iam::{OTHER}:root",
    f"arn:aws:iam::{ACCOUNT}:user/alice",
    f"arn:aws:iam::{OTHER}:user/bob",
    "AIDAALICEXXXXXXXXXXXXX",
    f"arn:aws:iam::{ACCOUNT}:role/app",
    f"arn:aws:iam::{OTHER}:role/app",
    "AROAAPPXXXXXXXXXXXXXXX",
    f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
    f"arn:aws:sts::{OTHER}:assumed-role/app/s1",
    f"arn:aws:sts::{ACCOUNT}:federated-user/fed",
    "*",
]
SERVICES = ["cloudtrail.amazonaws.com", "ecs.amazonaws.com"]
FEDERATED = ["cognito-identity.amazonaws.com", f"arn:aws:iam::{ACCOUNT}:saml-provider/ADFS"]


def _callers() -> list[Caller]:
    out: list[Caller] = []
    for account in (ACCOUNT, OTHER):
        out.append(
            Caller(
                CallerKind.USER,
                f"arn:aws:iam::{account}:user/alice",
                account,
                unique_id="AIDAALICEXXXXXXXXXXXXX"
                if account == ACCOUNT
                else "AIDAALICE2XXXXXXXXXXXX",
            )
        )
        out.append(
            Caller(
                CallerKind.USER,
                f"arn:aws:iam::{account}:user/bob",
                account,
                unique_id="AIDABOBXXXXXXXXXXXXXXX"
                if account == ACCOUNT
                else "AIDABOB2XXXXXXXXXXXXXX",
            )
        )
        out.append(
            Caller(
                CallerKind.ASSUMED_ROLE,
                f"arn:aws:sts::{account}:assumed-role/app/s1",
                account,
                unique_id="AROAAPPXXXXXXXXXXXXXXX"
                if account == ACCOUNT
                else "AROAAPP2XXXXXXXXXXXXXX",
                role_arn=f"arn:aws:iam::{account}:role/app",
            )
        )
        out.append(
            Caller(
                CallerKind.FEDERATED_USER,
                f"arn:aws:sts::{account}:federated-user/fed",
                account,
                source_arn=f"arn:aws:iam::{account}:user/alice",
            )
        )
        out.append(
            Caller(CallerKind.ROOT, f"arn:aws:iam::{account}:root", account, unique_id=account)
        )
    out.append(
        Caller(
            CallerKind.ASSUMED_ROLE,
            f"arn:aws:sts::{ACCOUNT}:assumed-role/web/app-user",
            ACCOUNT,
            unique_id="AROAWEBXXXXXXXXXXXXXXX",
            role_arn=f"arn:aws:iam::{ACCOUNT}:role/web",
            federated_provider=FEDERATED[0],
        )
    )
    out.extend(Caller(CallerKind.SERVICE, name, "") for name in SERVICES)
    out.append(Caller(CallerKind.ANONYMOUS, "anonymous", ""))
    return out


CALLERS = _callers()


# -- statements and documents ---------------------------------------------------------------------


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    block: dict[str, dict[str, Any]] = {}
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2]))):
        family = draw(st.sampled_from(sorted(OPERATORS)))
        if draw(st.integers(0, 9)) == 0:
            operator = "Null"
            keys = {
                k: draw(st.sampled_from(["true", "false", True]))
                for k in draw(
                    st.lists(
                        st.sampled_from(sorted(KEYS[family])), min_size=1, max_size=2, unique=True
                    )
                )
            }
        else:
            operator = draw(st.sampled_from(OPERATORS[family]))
            if draw(st.booleans()) and draw(st.booleans()):
                operator += "IfExists"
            if draw(st.integers(0, 3)) == 0:
                operator = draw(st.sampled_from(["ForAnyValue:", "ForAllValues:"])) + operator
            keys = {}
            for key in draw(
                st.lists(st.sampled_from(sorted(KEYS[family])), min_size=1, max_size=2, unique=True)
            ):
                values = draw(
                    st.lists(st.sampled_from(POLICY_VALUES[family]), min_size=1, max_size=3)
                )
                keys[key] = values[0] if len(values) == 1 and draw(st.booleans()) else values
        block.setdefault(operator, {}).update(keys)
    return block


def _one_or_many(draw: st.DrawFn, pool: list[str], max_size: int = 3) -> str | list[str]:
    values = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=max_size))
    return values[0] if len(values) == 1 and draw(st.booleans()) else values


@st.composite
def statement(
    draw: st.DrawFn,
    *,
    principal: str | None = None,
    effect: str | None = None,
    hint: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A statement; ``principal`` is None (identity-like), "any" (resource policy) or "star" (RCP).

    ``hint`` is the request's (action, resource): it is made as likely as the whole pool,
    so that about half the statements name what the request asks for.
    """
    actions, resources = ACTION_PATTERNS, RESOURCE_PATTERNS
    if hint is not None:
        actions = actions + [hint[0]] * len(actions)
        resources = resources + [hint[1]] * len(resources)
    out: dict[str, Any] = {"Effect": effect or draw(st.sampled_from(["Allow", "Allow", "Deny"]))}
    if principal == "star":
        out["Principal"] = draw(st.sampled_from(["*", {"AWS": "*"}]))
    elif principal == "any":
        if draw(st.integers(0, 5)) == 0:
            out["NotPrincipal"] = {"AWS": _one_or_many(draw, [p for p in PRINCIPALS if p != "*"])}
        elif draw(st.integers(0, 4)) == 0:
            out["Principal"] = draw(
                st.sampled_from(
                    [
                        "*",
                        {"Service": _one_or_many(draw, SERVICES, 2)},
                        {"Federated": _one_or_many(draw, FEDERATED, 2)},
                    ]
                )
            )
        else:
            out["Principal"] = {"AWS": _one_or_many(draw, PRINCIPALS)}
    if draw(st.integers(0, 4)) == 0:
        out["NotAction"] = _one_or_many(draw, actions)
    else:
        out["Action"] = _one_or_many(draw, actions)
    if draw(st.integers(0, 5)) == 0:
        out["NotResource"] = _one_or_many(draw, resources, 2)
    else:
        out["Resource"] = _one_or_many(draw, resources, 2)
    block = draw(conditions())
    if block:
        out["Condition"] = block
    return out


@st.composite
def document(
    draw: st.DrawFn,
    *,
    principal: str | None = None,
    version_required: bool = False,
    max_statements: int = 3,
    hint: tuple[str, str] | None = None,
) -> str:
    """A policy document's JSON text."""
    sts = draw(
        st.lists(statement(principal=principal, hint=hint), min_size=1, max_size=max_statements)
    )
    for i, s in enumerate(sts):
        if draw(st.integers(0, 2)) == 0:
            s["Sid"] = f"S{i}"
    doc: dict[str, Any] = {}
    version = (
        "2012-10-17"
        if version_required
        else draw(st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17", None]))
    )
    if version is not None:
        doc["Version"] = version
    if draw(st.integers(0, 4)) == 0:
        doc["Id"] = "generated"
    doc["Statement"] = sts[0] if len(sts) == 1 and draw(st.booleans()) else sts
    return json.dumps(doc)


@st.composite
def context(draw: st.DrawFn) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for family in sorted(KEYS):
        for key, values in KEYS[family].items():
            if draw(st.booleans()):
                value = draw(st.sampled_from(values))
                name = key.upper() if draw(st.integers(0, 5)) == 0 else key
                out[name] = value if isinstance(value, list) else [value]
    return out


@dataclass
class Scenario:
    """One generated request with every policy that applies to it."""

    caller: Caller
    action: str
    resource: str
    context: dict[str, list[str]]
    policies: Policies = field(default_factory=Policies)


FULL_ACCESS = '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'
RCP_FULL_ACCESS = (
    '{"Version":"2012-10-17","Statement":'
    '{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}'
)


def _with_full_access(draw: st.DrawFn, docs: list[str], full: str) -> list[str]:
    """Organizations attach FullAWSAccess everywhere by default; most levels keep it."""
    if draw(st.integers(0, 3)) > 0:
        return [full, *docs]
    return docs


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    caller = draw(st.sampled_from(CALLERS))
    action, resource = draw(st.sampled_from(ACTIONS)), draw(st.sampled_from(RESOURCES))
    hint = (action, resource)
    is_identity = caller.kind not in (CallerKind.ROOT, CallerKind.SERVICE, CallerKind.ANONYMOUS)
    p = Policies()
    if is_identity:
        p.identity = draw(st.lists(document(hint=hint), max_size=3))
        if draw(st.integers(0, 2)) == 0:
            p.boundary = draw(
                st.lists(document(version_required=True, hint=hint), min_size=1, max_size=2)
            )
            if draw(st.booleans()):
                p.boundary.append(FULL_ACCESS)
        if caller.kind in (CallerKind.ASSUMED_ROLE, CallerKind.FEDERATED_USER) and draw(
            st.booleans()
        ):
            p.session = draw(st.lists(document(hint=hint), max_size=2))
            if draw(st.booleans()):
                p.session.append(FULL_ACCESS)
    if (
        caller.kind not in (CallerKind.SERVICE, CallerKind.ANONYMOUS)
        and draw(st.integers(0, 2)) == 0
    ):
        scp_levels = draw(
            st.lists(st.lists(document(hint=hint), max_size=1), min_size=1, max_size=3)
        )
        p.scps = [
            _with_full_access(draw, level, FULL_ACCESS) or [FULL_ACCESS] for level in scp_levels
        ]
    if draw(st.booleans()):
        p.resource_policy = draw(document(principal="any", hint=hint))
    p.resource_account = draw(st.sampled_from([None, ACCOUNT, ACCOUNT, OTHER]))
    if draw(st.integers(0, 3)) == 0:
        rcp_levels = draw(
            st.lists(
                st.lists(document(principal="star", hint=hint), max_size=1), min_size=1, max_size=2
            )
        )
        p.rcps = [
            _with_full_access(draw, level, RCP_FULL_ACCESS) or [RCP_FULL_ACCESS]
            for level in rcp_levels
        ]
    p.required = draw(st.integers(0, 4)) == 0
    has_boundary = p.boundary is not None
    if has_boundary != caller.has_boundary:
        caller = Caller(
            caller.kind,
            caller.arn,
            caller.account,
            caller.unique_id,
            caller.role_arn,
            caller.source_arn,
            has_boundary,
            caller.federated_provider,
        )
    return Scenario(caller, action, resource, draw(context()), p)
