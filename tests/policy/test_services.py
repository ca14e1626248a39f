"""grants_service: which services a policy's Allow statements could reach."""

from __future__ import annotations

import json
from typing import Any

import pytest

from rolecall.policy import parse_policy
from rolecall.policy.services import grants_action, grants_service


def policy(*statements: dict[str, Any]) -> Any:
    return parse_policy(json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


def allow(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Resource": "*", **fields}


@pytest.mark.parametrize(
    ("statement", "granted", "not_granted"),
    [
        (allow(Action="s3:GetObject"), ["s3", "S3"], ["iam", "s3control", "ec2"]),
        (allow(Action=["s3:Get*", "ec2:Describe*"]), ["s3", "ec2"], ["iam"]),
        (allow(Action="*"), ["s3", "iam", "dynamodb"], []),
        (allow(Action="s*:List*"), ["s3", "sts", "sqs"], ["iam", "ec2"]),
        (allow(Action="iam:?etUser"), ["iam"], ["s3"]),
        # NotAction grants everything it does not exclude, service by service.
        (allow(NotAction="iam:*"), ["s3", "ec2"], ["iam"]),
        (allow(NotAction=["iam:*", "s3:***"]), ["ec2"], ["iam", "s3"]),
        (allow(NotAction="s3:DeleteBucket"), ["s3", "iam"], []),
        (allow(NotAction="*"), [], ["s3", "iam"]),
        (allow(NotAction="s*:*"), ["iam", "ec2"], ["s3", "sts"]),
        # Deny never grants; resources and conditions do not matter.
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, [], ["s3"]),
        (allow(Action="s3:GetObject", Resource="arn:aws:s3:::nothing/*"), ["s3"], []),
        (
            allow(Action="kms:Decrypt", Condition={"Bool": {"aws:SecureTransport": "false"}}),
            ["kms"],
            ["s3"],
        ),
    ],
)
def test_grants_service(
    statement: dict[str, Any], granted: list[str], not_granted: list[str]
) -> None:
    parsed = policy(statement)
    for namespace in granted:
        assert grants_service(parsed, namespace), namespace
    for namespace in not_granted:
        assert not grants_service(parsed, namespace), namespace


def test_any_allow_statement_suffices() -> None:
    parsed = policy(
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        allow(Action="s3:GetObject"),
    )
    # Explicit denies are not weighed: the question is which policies *could* grant.
    assert grants_service(parsed, "s3")


@pytest.mark.parametrize(
    ("statement", "granted", "not_granted"),
    [
        (
            allow(Action="iam:Get*"),
            ["iam:GetUser", "IAM:getrole"],
            ["iam:ListUsers", "s3:GetObject"],
        ),
        (allow(Action="*"), ["iam:GetUser", "sts:AssumeRole"], []),
        (allow(NotAction="iam:Delete*"), ["iam:GetUser", "s3:PutObject"], ["iam:DeleteUser"]),
        ({"Effect": "Deny", "Action": "*", "Resource": "*"}, [], ["iam:GetUser"]),
    ],
)
def test_grants_action(
    statement: dict[str, Any], granted: list[str], not_granted: list[str]
) -> None:
    parsed = policy(statement)
    for action in granted:
        assert grants_action(parsed, action), action
    for action in not_granted:
        assert not grants_action(parsed, action), action
