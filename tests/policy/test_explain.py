"""Explain mode: matched statements, missing context keys, per-type details.

This is what the policy simulator answers with: SimulatePrincipalPolicy returns the
matched statements ("MatchedStatements"), the context keys a policy needed but the
request did not have ("MissingContextValues") and per-type results
(https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html,
https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html).
"""

from __future__ import annotations

from typing import Any

from rolecall.policy import (
    Outcome,
    PolicyKind,
    PolicySource,
    PolicyType,
    PrincipalPolicies,
    RequestContext,
    authorize,
    compile_policy,
    policy_group,
)

from .helpers import ACCOUNT, OTHER, allow, decide, deny, doc, role_session, root, user

RESULT = "https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html"
BUCKET = "arn:aws:s3:::bucket/key"


def sids(statements: Any) -> list[str | None]:
    return [st.statement.sid for st in statements]


def test_allow_lists_the_allowing_statements() -> None:
    identity = doc(
        {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
        {"Sid": "B", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"},
        {"Sid": "C", "Effect": "Allow", "Action": "s3:Get*", "Resource": "arn:aws:s3:::bucket/*"},
    )
    d = decide(user(), "s3:GetObject", BUCKET, identity=[identity], explain=True)
    assert d.allowed
    assert sids(d.matched) == ["A", "C"], RESULT
    assert [st.statement.index for st in d.matched] == [0, 2]
    assert d.missing_context_keys == ()


def test_explicit_deny_lists_the_denying_statements_only() -> None:
    identity = doc(
        {"Sid": "Everything", "Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "NoS3", "Effect": "Deny", "Action": "s3:*", "Resource": "*"},
    )
    boundary = doc(
        {"Sid": "NoObjects", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}, allow()
    )
    d = decide(
        user(boundary=True),
        "s3:GetObject",
        BUCKET,
        identity=[identity],
        boundary=[boundary],
        explain=True,
    )
    assert d.outcome is Outcome.EXPLICIT_DENY
    assert d.decided_by is PolicyType.IDENTITY
    assert sids(d.matched) == ["NoS3", "NoObjects"], RESULT


def test_implicit_deny_matches_nothing() -> None:
    d = decide(user(), "s3:GetObject", BUCKET, identity=[doc(allow("ec2:*"))], explain=True)
    assert d.outcome is Outcome.IMPLICIT_DENY
    assert d.matched == ()


def test_statements_carry_their_source() -> None:
    text = doc({"Sid": "ReadBucket", "Effect": "Allow", "Action": "s3:Get*", "Resource": "*"})
    policy = compile_policy(
        text, PolicyKind.MANAGED, PolicySource("arn:aws:iam::aws:policy/ReadOnly", "aws-managed")
    )
    d = authorize(
        user(),
        "s3:GetObject",
        BUCKET,
        RequestContext(),
        PrincipalPolicies(policy_group([policy])),
        explain=True,
    )
    (st,) = d.matched
    assert st.source == PolicySource("arn:aws:iam::aws:policy/ReadOnly", "aws-managed")
    assert st.statement.sid == "ReadBucket"


def test_missing_condition_keys_are_reported() -> None:
    # MissingContextValues: "A list of context keys that are required by the included input
    # policies but that were not provided by one of the input parameters."
    identity = doc(
        allow(
            "s3:*",
            "*",
            Condition={
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
            },
        ),
        allow("ec2:*", "*", Condition={"StringEquals": {"ec2:Region": "x"}}),
    )
    d = decide(
        user(),
        "s3:GetObject",
        BUCKET,
        identity=[identity],
        context={"aws:SourceIp": "10.1.1.1"},
        explain=True,
    )
    assert not d.allowed
    # written as in the policy; keys of statements for other actions are not reported
    assert d.missing_context_keys == ("aws:MultiFactorAuthPresent",), RESULT


def test_missing_variable_keys_are_reported() -> None:
    identity = doc(allow("s3:*", "arn:aws:s3:::bucket/${aws:username}/*"))
    d = decide(
        user(), "s3:GetObject", "arn:aws:s3:::bucket/alice/k", identity=[identity], explain=True
    )
    assert not d.allowed
    assert d.missing_context_keys == ("aws:username",)
    present = decide(
        user(),
        "s3:GetObject",
        "arn:aws:s3:::bucket/alice/k",
        identity=[identity],
        context={"aws:username": "alice"},
        explain=True,
    )
    assert present.allowed and present.missing_context_keys == ()


def test_details_per_policy_type() -> None:
    d = decide(
        role_session(boundary=True),
        "s3:GetObject",
        BUCKET,
        identity=[doc(allow())],
        boundary=[doc(allow("ec2:*"))],
        session=[doc(allow())],
        scps=[[doc(allow())]],
        explain=True,
    )
    assert d.outcome is Outcome.IMPLICIT_DENY and d.decided_by is PolicyType.BOUNDARY
    assert d.details == {
        PolicyType.IDENTITY: Outcome.ALLOWED,
        PolicyType.SCP: Outcome.ALLOWED,
        PolicyType.BOUNDARY: Outcome.IMPLICIT_DENY,
        PolicyType.SESSION: Outcome.ALLOWED,
    }


def test_details_include_the_resource_policy() -> None:
    bucket = doc(
        allow(Principal={"AWS": OTHER}), deny(Principal={"AWS": f"arn:aws:iam::{OTHER}:user/eve"})
    )
    d = decide(
        user("eve", OTHER),
        "s3:GetObject",
        BUCKET,
        identity=[doc(allow())],
        resource_policy=bucket,
        resource_account=ACCOUNT,
        explain=True,
    )
    assert d.outcome is Outcome.EXPLICIT_DENY and d.decided_by is PolicyType.RESOURCE
    assert d.details[PolicyType.RESOURCE] is Outcome.EXPLICIT_DENY
    assert d.details[PolicyType.IDENTITY] is Outcome.ALLOWED


def test_root_is_allowed_without_statements() -> None:
    d = decide(root(), "iam:CreateUser", explain=True)
    assert d.allowed and d.matched == ()
    assert d.details == {PolicyType.IDENTITY: Outcome.ALLOWED}


def test_explain_agrees_with_the_fast_path() -> None:
    cases: list[dict[str, Any]] = [
        {"identity": [doc(allow())]},
        {"identity": [doc(allow(), deny("s3:*"))]},
        {"identity": [doc(allow())], "boundary": [doc(allow("ec2:*"))]},
        {"identity": [doc(allow())], "scps": [[doc(allow("ec2:*"))]]},
        {"resource_policy": doc(allow(Principal="*"))},
        {"identity": [doc(allow())], "resource_account": OTHER},
    ]
    for kwargs in cases:
        fast = decide(role_session(boundary="boundary" in kwargs), "s3:GetObject", BUCKET, **kwargs)
        slow = decide(
            role_session(boundary="boundary" in kwargs),
            "s3:GetObject",
            BUCKET,
            explain=True,
            **kwargs,
        )
        assert (fast.outcome, fast.decided_by) == (slow.outcome, slow.decided_by), kwargs
