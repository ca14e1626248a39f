"""The IAM policy simulator and ListEntitiesForPolicy through boto3 and the AWS CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from sqlalchemy import insert

from rolecall.iam import ids
from rolecall.store import schema as t

OTHER = "444455556666"
AWS = str(Path(sys.executable).parent / "aws")


def doc(*statements: dict[str, Any], **dumps: Any) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, **dumps)


def allow(
    action: str | list[str] = "s3:GetObject", resource: str = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(
    action: str | list[str] = "s3:GetObject", resource: str = "*", **extra: Any
) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = exc.value.response["Error"]
    return err["Code"], err["Message"]


def by_action(response: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["EvalActionName"]: r for r in response["EvaluationResults"]}


def make_group(iam, account, name: str, *members: str) -> str:  # type: ignore[no-untyped-def]
    """Create a group with members (through the API when rolecall implements it)."""
    try:
        iam.create_group(GroupName=name)
        for member in members:
            iam.add_user_to_group(GroupName=name, UserName=member)
        return str(iam.get_group(GroupName=name)["Group"]["GroupId"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotImplemented":
            raise
    store = account.server.store()
    try:
        group_id = ids.unique_id(ids.GROUP)
        with store.write(account.id) as conn:
            conn.execute(
                insert(t.groups).values(
                    id=group_id,
                    account_id=account.id,
                    name=name,
                    name_key=name.lower(),
                    path="/",
                    created_at=datetime.now(UTC),
                )
            )
            for seq, member in enumerate(members):
                user_id = iam.get_user(UserName=member)["User"]["UserId"]
                conn.execute(
                    insert(t.group_members).values(
                        group_id=group_id, user_id=user_id, added_seq=seq
                    )
                )
    finally:
        store.dispose()
    return group_id


# -- SimulateCustomPolicy --------------------------------------------------------------


def test_custom_policy_decisions_and_positions(iam) -> None:  # type: ignore[no-untyped-def]
    text = doc(allow("s3:*"), deny("s3:DeleteObject"), indent=4)
    response = iam.simulate_custom_policy(
        PolicyInputList=[text], ActionNames=["s3:GetObject", "s3:DeleteObject", "ec2:RunInstances"]
    )
    assert response["IsTruncated"] is False
    results = by_action(response)
    get = results["s3:GetObject"]
    assert get["EvalDecision"] == "allowed"
    assert get["EvalResourceName"] == "*"
    # Statement 1 starts just after "[" (line 3) and ends just after its "}" (line 8).
    assert get["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": {"Line": 3, "Column": 19},
            "EndPosition": {"Line": 8, "Column": 10},
        }
    ]
    assert get["MissingContextValues"] == []
    assert "EvalDecisionDetails" not in get and "ResourceSpecificResults" not in get
    delete = results["s3:DeleteObject"]
    assert delete["EvalDecision"] == "explicitDeny"
    assert delete["MatchedStatements"][0]["StartPosition"] == {"Line": 8, "Column": 10}
    assert delete["MatchedStatements"][0]["EndPosition"] == {"Line": 13, "Column": 10}
    run = results["ec2:RunInstances"]
    assert run["EvalDecision"] == "implicitDeny"
    assert run["MatchedStatements"] == []


def test_cli_documentation_example(iam) -> None:  # type: ignore[no-untyped-def]
    policy = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
    )

    def at(when: str) -> Any:
        return iam.simulate_custom_policy(
            PolicyInputList=[policy],
            ActionNames=["dynamodb:CreateBackup"],
            ContextEntries=[
                {
                    "ContextKeyName": "aws:CurrentTime",
                    "ContextKeyValues": [when],
                    "ContextKeyType": "date",
                }
            ],
        )["EvaluationResults"][0]

    later = at("2019-04-25T11:00:00Z")
    assert later["EvalDecision"] == "allowed"
    assert later["MatchedStatements"][0]["StartPosition"] == {"Line": 1, "Column": 38}
    assert later["MatchedStatements"][0]["EndPosition"] == {"Line": 1, "Column": 167}
    earlier = at("2014-04-25T11:00:00Z")
    assert earlier["EvalDecision"] == "implicitDeny"
    assert earlier["MatchedStatements"] == [] and earlier["MissingContextValues"] == []


def test_missing_context_values(iam) -> None:  # type: ignore[no-untyped-def]
    policy = doc(
        allow(
            "s3:ListBucket",
            "arn:aws:s3:::teambucket",
            Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        )
    )
    result = iam.simulate_custom_policy(
        PolicyInputList=[policy],
        ActionNames=["s3:ListBucket"],
        ResourceArns=["arn:aws:s3:::teambucket"],
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["EvalResourceName"] == "arn:aws:s3:::teambucket"
    assert result["MissingContextValues"] == ["aws:MultiFactorAuthAge"]
    specific = result["ResourceSpecificResults"]
    assert specific == [
        {
            "EvalResourceName": "arn:aws:s3:::teambucket",
            "EvalResourceDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": ["aws:MultiFactorAuthAge"],
        }
    ]
    assert result["EvalDecisionDetails"] == {}


CONDITIONS: list[tuple[str, str, dict[str, Any], list[str], list[str]]] = [
    # (type, key, condition block, values that allow, values that do not)
    (
        "string",
        "aws:PrincipalTag/team",
        {"StringEquals": {"aws:PrincipalTag/team": "data"}},
        ["data"],
        ["web"],
    ),
    (
        "stringList",
        "aws:TagKeys",
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}},
        ["a", "b"],
        ["a", "c"],
    ),
    ("numeric", "s3:max-keys", {"NumericLessThanEquals": {"s3:max-keys": "10"}}, ["10"], ["11"]),
    (
        "numericList",
        "my:sizes",
        {"ForAllValues:NumericLessThan": {"my:sizes": "5"}},
        ["1", "4"],
        ["1", "9"],
    ),
    (
        "boolean",
        "aws:SecureTransport",
        {"Bool": {"aws:SecureTransport": "true"}},
        ["true"],
        ["false"],
    ),
    (
        "booleanList",
        "my:flags",
        {"ForAnyValue:Bool": {"my:flags": "true"}},
        ["false", "true"],
        ["false"],
    ),
    (
        "ip",
        "aws:SourceIp",
        {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        ["10.1.2.3"],
        ["192.168.0.1"],
    ),
    (
        "ipList",
        "my:ips",
        {"ForAllValues:IpAddress": {"my:ips": "10.0.0.0/8"}},
        ["10.0.0.1", "10.0.0.2"],
        ["10.0.0.1", "11.0.0.1"],
    ),
    (
        "date",
        "aws:CurrentTime",
        {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        ["2029-12-31T23:59:59Z"],
        ["2030-06-01T00:00:00Z"],
    ),
    (
        "dateList",
        "my:dates",
        {"ForAnyValue:DateGreaterThan": {"my:dates": "2020-01-01"}},
        ["2019-01-01", "2021-01-01"],
        ["2019-01-01"],
    ),
    ("binary", "my:blob", {"BinaryEquals": {"my:blob": "aGVsbG8="}}, ["aGVsbG8="], ["d29ybGQ="]),
    (
        "binaryList",
        "my:blobs",
        {"ForAnyValue:BinaryEquals": {"my:blobs": "aGVsbG8="}},
        ["d29ybGQ=", "aGVsbG8="],
        ["d29ybGQ="],
    ),
]


@pytest.mark.parametrize(
    ("kind", "key", "condition", "good", "bad"), CONDITIONS, ids=[c[0] for c in CONDITIONS]
)
def test_context_entries_of_every_type(iam, kind, key, condition, good, bad) -> None:  # type: ignore[no-untyped-def]
    policy = doc(allow(Condition=condition))

    def decide(values: list[str]) -> str:
        entry = {"ContextKeyName": key, "ContextKeyValues": values, "ContextKeyType": kind}
        result = iam.simulate_custom_policy(
            PolicyInputList=[policy], ActionNames=["s3:GetObject"], ContextEntries=[entry]
        )["EvaluationResults"][0]
        assert result["MissingContextValues"] == []
        return str(result["EvalDecision"])

    assert decide(good) == "allowed"
    assert decide(bad) == "implicitDeny"


def test_bad_context_entry(iam) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.simulate_custom_policy(
            PolicyInputList=[doc(allow())],
            ActionNames=["s3:GetObject"],
            ContextEntries=[
                {
                    "ContextKeyName": "s3:max-keys",
                    "ContextKeyValues": ["ten"],
                    "ContextKeyType": "numeric",
                }
            ],
        )
    assert error(exc)[0] == "InvalidInput"


def test_permissions_boundary_input(iam) -> None:  # type: ignore[no-untyped-def]
    response = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow("s3:*"))],
        PermissionsBoundaryPolicyInputList=[doc(allow("s3:List*"))],
        ActionNames=["s3:GetObject", "s3:ListBucket"],
    )
    results = by_action(response)
    assert results["s3:GetObject"]["EvalDecision"] == "implicitDeny"
    assert results["s3:GetObject"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False
    }
    assert results["s3:ListBucket"]["EvalDecision"] == "allowed"
    assert results["s3:ListBucket"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": True
    }
    sources = {
        (m["SourcePolicyId"], m["SourcePolicyType"])
        for m in results["s3:ListBucket"]["MatchedStatements"]
    }
    assert sources == {
        ("PolicyInputList.1", "IAM Policy"),
        ("PermissionsBoundaryPolicyInputList.1", "Permissions Boundary Policy"),
    }


def test_service_control_policies(iam) -> None:  # type: ignore[no-untyped-def]
    root_scp = doc(allow("*"))
    account_scp = doc(allow("*"), deny("s3:DeleteBucket"))
    response = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow("s3:*"))],
        OrderedOrganizationPolicyInputList=[
            {"ServiceControlPolicyInputList": [root_scp]},
            {"ServiceControlPolicyInputList": [account_scp]},
        ],
        ActionNames=["s3:GetObject", "s3:DeleteBucket"],
    )
    results = by_action(response)
    assert results["s3:GetObject"]["EvalDecision"] == "allowed"
    assert results["s3:GetObject"]["OrganizationsDecisionDetail"] == {
        "AllowedByOrganizations": True
    }
    assert [m["SourcePolicyId"] for m in results["s3:GetObject"]["MatchedStatements"]] == [
        "PolicyInputList.1"
    ]
    assert results["s3:DeleteBucket"]["EvalDecision"] == "explicitDeny"
    assert results["s3:DeleteBucket"]["OrganizationsDecisionDetail"] == {
        "AllowedByOrganizations": False
    }
    assert results["s3:DeleteBucket"]["MatchedStatements"] == []


def test_resource_policy_same_account(iam, account) -> None:  # type: ignore[no-untyped-def]
    caller = f"arn:aws:iam::{account.id}:user/dummy"
    bucket_policy = doc(
        allow("s3:GetObject", "arn:aws:s3:::bucket/*", Principal={"AWS": caller}),
        deny("s3:DeleteObject", "arn:aws:s3:::bucket/*", Principal="*"),
    )
    response = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow("s3:DeleteObject"))],
        ActionNames=["s3:GetObject", "s3:DeleteObject"],
        ResourceArns=["arn:aws:s3:::bucket/key"],
        ResourcePolicy=bucket_policy,
        CallerArn=caller,
    )
    results = by_action(response)
    get = results["s3:GetObject"]
    assert get["EvalDecision"] == "allowed"  # the bucket policy alone grants the user
    spans = [m["SourcePolicyId"] for m in get["MatchedStatements"]]
    assert spans == ["ResourcePolicy"]
    assert get["MatchedStatements"][0]["SourcePolicyType"] == "Resource Policy"
    assert get["MatchedStatements"][0]["StartPosition"] == {"Line": 1, "Column": 41}
    assert get["EvalDecisionDetails"] == {}
    delete = results["s3:DeleteObject"]
    assert delete["EvalDecision"] == "explicitDeny"
    assert [m["SourcePolicyId"] for m in delete["MatchedStatements"]] == ["ResourcePolicy"]


def test_resource_policy_cross_account(iam, account) -> None:  # type: ignore[no-untyped-def]
    caller = f"arn:aws:iam::{account.id}:user/dummy"
    bucket_policy = doc(
        allow("s3:GetObject", "arn:aws:s3:::bucket/*", Principal={"AWS": account.id})
    )

    def simulate(identity: list[str], owner: str) -> Any:
        return iam.simulate_custom_policy(
            PolicyInputList=identity or [doc(allow("sqs:SendMessage"))],
            ActionNames=["s3:GetObject"],
            ResourceArns=["arn:aws:s3:::bucket/key"],
            ResourcePolicy=bucket_policy,
            ResourceOwner=owner,
            CallerArn=caller,
        )["EvaluationResults"][0]

    both = simulate([doc(allow("s3:GetObject"))], f"arn:aws:iam::{OTHER}:root")
    assert both["EvalDecision"] == "allowed"
    assert both["EvalDecisionDetails"] == {"IAM Policy": "allowed", "Resource Policy": "allowed"}
    assert both["ResourceSpecificResults"][0]["EvalDecisionDetails"] == both["EvalDecisionDetails"]
    resource_only = simulate([], OTHER)
    assert resource_only["EvalDecision"] == "implicitDeny"
    assert resource_only["EvalDecisionDetails"] == {
        "IAM Policy": "implicitDeny",
        "Resource Policy": "allowed",
    }
    # Within the account, a grant to the account delegates to identity policies.
    same = simulate([doc(allow("s3:GetObject"))], account.id)
    assert same["EvalDecision"] == "allowed" and same["EvalDecisionDetails"] == {}


def test_resource_policy_needs_an_iam_user_caller(iam, account) -> None:  # type: ignore[no-untyped-def]
    bucket_policy = doc(allow("s3:GetObject", "arn:aws:s3:::bucket/*", Principal="*"))
    for caller in (None, f"arn:aws:iam::{account.id}:role/R"):
        kwargs: dict[str, Any] = {"CallerArn": caller} if caller else {}
        with pytest.raises(ClientError) as exc:
            iam.simulate_custom_policy(
                PolicyInputList=[doc(allow())],
                ActionNames=["s3:GetObject"],
                ResourcePolicy=bucket_policy,
                **kwargs,
            )
        assert error(exc) == (
            "InvalidInput",
            "Invalid caller - Caller must be an IAM user in this context.",
        )


def test_several_resources_one_result_per_action(iam, account) -> None:  # type: ignore[no-untyped-def]
    alice = f"arn:aws:iam::{account.id}:user/alice"
    bob = f"arn:aws:iam::{account.id}:user/bob"
    response = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow("iam:GetUser", alice))],
        ActionNames=["iam:GetUser"],
        ResourceArns=[alice, bob],
    )
    [result] = response["EvaluationResults"]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["EvalResourceName"] == "arn:${Partition}:iam::${Account}:user/${UserNameWithPath}"
    assert [
        (r["EvalResourceName"], r["EvalResourceDecision"])
        for r in result["ResourceSpecificResults"]
    ] == [
        (alice, "allowed"),
        (bob, "implicitDeny"),
    ]
    assert (
        result["ResourceSpecificResults"][0]["MatchedStatements"][0]["SourcePolicyId"]
        == "PolicyInputList.1"
    )


def test_paging(iam) -> None:  # type: ignore[no-untyped-def]
    actions = [f"s3:Action{i}" for i in range(5)]
    first = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow("s3:*"))], ActionNames=actions, MaxItems=2
    )
    assert first["IsTruncated"] is True
    assert [r["EvalActionName"] for r in first["EvaluationResults"]] == actions[:2]
    second = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow("s3:*"))],
        ActionNames=actions,
        MaxItems=2,
        Marker=first["Marker"],
    )
    assert [r["EvalActionName"] for r in second["EvaluationResults"]] == actions[2:4]
    paginator = iam.get_paginator("simulate_custom_policy")
    pages = list(
        paginator.paginate(
            PolicyInputList=[doc(allow("s3:*"))],
            ActionNames=actions,
            PaginationConfig={"PageSize": 2},
        )
    )
    assert [len(p["EvaluationResults"]) for p in pages] == [2, 2, 1]
    assert pages[-1]["IsTruncated"] is False and "Marker" not in pages[-1]
    with pytest.raises(ClientError) as exc:
        iam.simulate_custom_policy(
            PolicyInputList=[doc(allow())], ActionNames=actions, Marker="bogus"
        )
    assert error(exc) == ("InvalidInput", "Invalid Marker.")


@pytest.mark.parametrize(
    ("kwargs", "code", "message"),
    [
        ({"PolicyInputList": ["{not json"]}, "MalformedPolicyDocument", "Syntax errors in policy."),
        (
            {"PolicyInputList": [doc(allow(Principal="*"))]},
            "MalformedPolicyDocument",
            "Policy document should not specify a principal.",
        ),
        (
            {"PolicyInputList": [doc(allow())], "ResourceArns": ["not-an-arn"]},
            "InvalidInput",
            "ResourceNames are not in a valid ARN format: not-an-arn.",
        ),
        (
            {"PolicyInputList": [doc(allow())], "ResourceOwner": "1234-5678-9012"},
            "InvalidInput",
            "'1234-5678-9012' is not a valid as a Resource Owner.",
        ),
        (
            {
                "PolicyInputList": [doc(allow())],
                "CallerArn": "arn:aws:sts::123456789012:assumed-role/R/s",
            },
            "InvalidInput",
            "Invalid Entity Arn: arn:aws:sts::123456789012:assumed-role/R/s",
        ),
    ],
)
def test_custom_policy_errors(iam, kwargs, code, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.simulate_custom_policy(ActionNames=["s3:GetObject"], **kwargs)
    assert error(exc) == (code, message)
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


# -- SimulatePrincipalPolicy -----------------------------------------------------------


def test_principal_policy_of_a_user(iam, account) -> None:  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName="alice")["User"]
    inline = doc(allow("s3:GetObject"), indent=2)
    iam.put_user_policy(UserName="alice", PolicyName="Reads", PolicyDocument=inline)
    managed = iam.create_policy(PolicyName="Writes", PolicyDocument=doc(allow("s3:PutObject")))[
        "Policy"
    ]
    iam.attach_user_policy(UserName="alice", PolicyArn=managed["Arn"])
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    make_group(iam, account, "Ops", "alice")
    iam.put_group_policy(
        GroupName="Ops", PolicyName="OpsDeny", PolicyDocument=doc(deny("s3:DeleteBucket"))
    )
    response = iam.simulate_principal_policy(
        PolicySourceArn=user["Arn"],
        ActionNames=[
            "s3:GetObject",
            "s3:PutObject",
            "iam:GetRole",
            "s3:DeleteBucket",
            "s3:ListBucket",
            "sqs:SendMessage",
        ],
        PolicyInputList=[doc(allow(["s3:ListBucket", "s3:DeleteBucket"]))],
    )
    results = by_action(response)
    assert results["s3:GetObject"]["MatchedStatements"] == [
        {
            "SourcePolicyId": "Reads",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": {"Line": 3, "Column": 17},
            "EndPosition": {"Line": 8, "Column": 6},
        }
    ]
    assert results["s3:PutObject"]["MatchedStatements"][0]["SourcePolicyId"] == "Writes"
    assert results["iam:GetRole"]["EvalDecision"] == "allowed"
    assert results["iam:GetRole"]["MatchedStatements"][0]["SourcePolicyId"] == "IAMReadOnlyAccess"
    assert results["s3:DeleteBucket"]["EvalDecision"] == "explicitDeny"
    assert [m["SourcePolicyId"] for m in results["s3:DeleteBucket"]["MatchedStatements"]] == [
        "OpsDeny"
    ]
    assert results["s3:ListBucket"]["MatchedStatements"][0]["SourcePolicyId"] == "PolicyInputList.1"
    assert results["sqs:SendMessage"]["EvalDecision"] == "implicitDeny"
    assert all("PermissionsBoundaryDecisionDetail" not in r for r in results.values())
    assert all("OrganizationsDecisionDetail" not in r for r in results.values())


def test_principal_policy_boundaries(iam, account) -> None:  # type: ignore[no-untyped-def]
    boundary = iam.create_policy(PolicyName="Bound", PolicyDocument=doc(allow("s3:Get*")))["Policy"]
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    trust = json.dumps({"Version": "2012-10-17", "Statement": [json.loads(trust)["Statement"][0]]})
    role = iam.create_role(
        RoleName="App", AssumeRolePolicyDocument=trust, PermissionsBoundary=boundary["Arn"]
    )["Role"]
    iam.put_role_policy(RoleName="App", PolicyName="S3", PolicyDocument=doc(allow("s3:*")))
    results = by_action(
        iam.simulate_principal_policy(
            PolicySourceArn=role["Arn"], ActionNames=["s3:GetObject", "s3:PutObject"]
        )
    )
    assert results["s3:GetObject"]["EvalDecision"] == "allowed"
    assert results["s3:GetObject"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": True
    }
    boundary_match = [
        m for m in results["s3:GetObject"]["MatchedStatements"] if m["SourcePolicyId"] == "Bound"
    ]
    assert boundary_match[0]["SourcePolicyType"] == "Permissions Boundary Policy"
    assert results["s3:PutObject"]["EvalDecision"] == "implicitDeny"
    assert results["s3:PutObject"]["PermissionsBoundaryDecisionDetail"] == {
        "AllowedByPermissionsBoundary": False
    }
    # PermissionsBoundaryPolicyInputList replaces the stored boundary.
    replaced = by_action(
        iam.simulate_principal_policy(
            PolicySourceArn=role["Arn"],
            ActionNames=["s3:GetObject", "s3:PutObject"],
            PermissionsBoundaryPolicyInputList=[doc(allow("s3:Put*"))],
        )
    )
    assert replaced["s3:GetObject"]["EvalDecision"] == "implicitDeny"
    assert replaced["s3:PutObject"]["EvalDecision"] == "allowed"
    # PolicyExclusionList can take the boundary (or any policy) out of the simulation.
    excluded = by_action(
        iam.simulate_principal_policy(
            PolicySourceArn=role["Arn"],
            ActionNames=["s3:PutObject"],
            PolicyExclusionList=[{"PolicyType": "permission-boundary"}],
        )
    )
    assert excluded["s3:PutObject"]["EvalDecision"] == "allowed"
    assert "PermissionsBoundaryDecisionDetail" not in excluded["s3:PutObject"]
    no_inline = iam.simulate_principal_policy(
        PolicySourceArn=role["Arn"],
        ActionNames=["s3:GetObject"],
        PolicyExclusionList=[
            {
                "InlinePolicyIdentifier": {
                    "PolicyName": "S3",
                    "AttachmentType": "role",
                    "AttachmentName": "App",
                }
            }
        ],
    )["EvaluationResults"][0]
    assert no_inline["EvalDecision"] == "implicitDeny"


def test_principal_policy_of_a_group(iam, account) -> None:  # type: ignore[no-untyped-def]
    make_group(iam, account, "Readers")
    iam.attach_group_policy(
        GroupName="Readers", PolicyArn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
    )
    result = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{account.id}:group/Readers", ActionNames=["s3:GetObject"]
    )["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyId"] == "AmazonS3ReadOnlyAccess"
    excluded = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{account.id}:group/Readers",
        ActionNames=["s3:GetObject"],
        PolicyExclusionList=[{"PolicyArn": "arn:aws:iam::aws:policy/AmazonS3*"}],
    )["EvaluationResults"][0]
    assert excluded["EvalDecision"] == "implicitDeny"


def test_principal_policy_with_resource_policy(iam, account) -> None:  # type: ignore[no-untyped-def]
    alice = iam.create_user(UserName="alice")["User"]
    bob = iam.create_user(UserName="bob")["User"]
    iam.put_user_policy(UserName="alice", PolicyName="p", PolicyDocument=doc(allow("sqs:*")))
    queue_policy = doc(allow("sqs:SendMessage", "*", Principal={"AWS": bob["Arn"]}))

    def send(**kwargs: Any) -> str:
        return str(
            iam.simulate_principal_policy(
                PolicySourceArn=alice["Arn"],
                ActionNames=["sqs:SendMessage"],
                ResourceArns=[f"arn:aws:sqs:us-east-1:{account.id}:q"],
                ResourcePolicy=queue_policy,
                **kwargs,
            )["EvaluationResults"][0]["EvalDecision"]
        )

    assert send() == "allowed"  # alice's own policy allows
    # Bob calling with alice's policies: allowed by the queue policy naming bob.
    iam.delete_user_policy(UserName="alice", PolicyName="p")
    assert send() == "implicitDeny"
    assert send(CallerArn=bob["Arn"]) == "allowed"
    # Cross-account: the queue is in another account; both sides must allow.
    cross = iam.simulate_principal_policy(
        PolicySourceArn=alice["Arn"],
        CallerArn=bob["Arn"],
        ActionNames=["sqs:SendMessage"],
        ResourceArns=[f"arn:aws:sqs:us-east-1:{OTHER}:q"],
        ResourcePolicy=queue_policy,
    )["EvaluationResults"][0]
    assert cross["EvalDecision"] == "implicitDeny"
    assert cross["EvalDecisionDetails"] == {
        "IAM Policy": "implicitDeny",
        "Resource Policy": "allowed",
    }
    role = iam.create_role(
        RoleName="R",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]
    with pytest.raises(ClientError) as exc:
        iam.simulate_principal_policy(
            PolicySourceArn=role["Arn"],
            ActionNames=["sqs:SendMessage"],
            ResourcePolicy=queue_policy,
        )
    assert error(exc) == (
        "InvalidInput",
        "Invalid caller - Caller must be an IAM user in this context.",
    )


def test_principal_policy_errors(iam, account) -> None:  # type: ignore[no-untyped-def]
    cases = [
        (
            f"arn:aws:iam::{account.id}:user/nobody",
            "NoSuchEntity",
            "The user with name nobody cannot be found.",
        ),
        (
            f"arn:aws:iam::{account.id}:role/nobody",
            "NoSuchEntity",
            "The role with name nobody cannot be found.",
        ),
        (
            f"arn:aws:iam::{account.id}:group/nobody",
            "NoSuchEntity",
            "The group with name nobody cannot be found.",
        ),
        (
            f"arn:aws:sts::{account.id}:assumed-role/R/session",
            "InvalidInput",
            f"Invalid Entity Arn: arn:aws:sts::{account.id}:assumed-role/R/session",
        ),
    ]
    for arn, code, message in cases:
        with pytest.raises(ClientError) as exc:
            iam.simulate_principal_policy(PolicySourceArn=arn, ActionNames=["s3:GetObject"])
        assert error(exc) == (code, message), arn
    iam.create_user(UserName="u")
    with pytest.raises(ClientError) as exc:
        iam.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{account.id}:user/u",
            ActionNames=["s3:GetObject"],
            PolicyExclusionList=[{"PolicyArn": "arn:aws:iam::aws:policy/a*b*"}],
        )
    assert error(exc)[0] == "InvalidInput"


def test_simulation_is_authorized_on_the_source_entity(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="target")
    iam.create_user(UserName="auditor")
    target = f"arn:aws:iam::{account.id}:user/target"
    iam.put_user_policy(
        UserName="auditor",
        PolicyName="sim",
        PolicyDocument=doc(
            allow(["iam:SimulatePrincipalPolicy", "iam:GetContextKeysForPrincipalPolicy"], target)
        ),
    )
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    auditor = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    auditor.simulate_principal_policy(PolicySourceArn=target, ActionNames=["s3:GetObject"])
    auditor.get_context_keys_for_principal_policy(PolicySourceArn=target)
    other = f"arn:aws:iam::{account.id}:user/auditor"
    with pytest.raises(ClientError) as exc:
        auditor.simulate_principal_policy(PolicySourceArn=other, ActionNames=["s3:GetObject"])
    assert error(exc) == (
        "AccessDenied",
        f"User: {other} is not authorized to perform: iam:SimulatePrincipalPolicy "
        f"on resource: {other} because no identity-based policy allows the "
        "iam:SimulatePrincipalPolicy action",
    )
    with pytest.raises(ClientError) as exc:
        auditor.simulate_custom_policy(PolicyInputList=[doc(allow())], ActionNames=["s3:GetObject"])
    assert error(exc)[0] == "AccessDenied"


def test_simulation_authorized_by_the_source_entity_tags(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="data-user", Tags=[{"Key": "team", "Value": "data"}])
    iam.create_user(UserName="web-user", Tags=[{"Key": "team", "Value": "web"}])
    iam.create_user(UserName="auditor")
    iam.put_user_policy(
        UserName="auditor",
        PolicyName="sim",
        PolicyDocument=doc(
            allow(
                "iam:SimulatePrincipalPolicy",
                Condition={"StringEquals": {"iam:ResourceTag/team": "data"}},
            )
        ),
    )
    key = iam.create_access_key(UserName="auditor")["AccessKey"]
    auditor = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    auditor.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{account.id}:user/data-user", ActionNames=["s3:GetObject"]
    )
    with pytest.raises(ClientError) as exc:
        auditor.simulate_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{account.id}:user/web-user", ActionNames=["s3:GetObject"]
        )
    assert error(exc)[0] == "AccessDenied"


def test_all_resources_listed_as_star(iam) -> None:  # type: ignore[no-untyped-def]
    result = iam.simulate_custom_policy(
        PolicyInputList=[doc(allow())], ActionNames=["s3:GetObject"], ResourceArns=["*"]
    )["EvaluationResults"][0]
    assert result["EvalResourceName"] == "*"
    assert "ResourceSpecificResults" not in result and "EvalDecisionDetails" not in result


# -- GetContextKeysFor*Policy ----------------------------------------------------------


def test_context_keys_for_custom_policy(iam) -> None:  # type: ignore[no-untyped-def]
    policy = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*",'
        '"Resource":"arn:aws:dynamodb:us-west-2:123456789012:table/${aws:username}",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2015-08-16T12:00:00Z"}}}}'
    )
    second = doc(
        allow(
            Condition={
                "Bool": {"aws:MultiFactorAuthPresent": "true"},
                "DateLessThan": {"AWS:currenttime": "2030-01-01"},
            }
        )
    )
    keys = iam.get_context_keys_for_custom_policy(PolicyInputList=[policy, second])[
        "ContextKeyNames"
    ]
    assert keys == ["aws:username", "aws:CurrentTime", "aws:MultiFactorAuthPresent"]
    bucket = doc(allow(Principal="*", Condition={"StringEquals": {"aws:SourceVpce": "vpce-1"}}))
    assert iam.get_context_keys_for_custom_policy(PolicyInputList=[bucket])["ContextKeyNames"] == [
        "aws:SourceVpce"
    ]
    with pytest.raises(ClientError) as exc:
        iam.get_context_keys_for_custom_policy(PolicyInputList=["nope"])
    assert error(exc) == ("MalformedPolicyDocument", "Syntax errors in policy.")


def test_context_keys_for_principal_policy(iam, account) -> None:  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName="saanvi")["User"]
    iam.put_user_policy(
        UserName="saanvi",
        PolicyName="p",
        PolicyDocument=doc(allow(resource="arn:aws:s3:::b/${aws:username}/*")),
    )
    make_group(iam, account, "Team", "saanvi")
    iam.put_group_policy(
        GroupName="Team",
        PolicyName="g",
        PolicyDocument=doc(allow(Condition={"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}})),
    )
    keys = iam.get_context_keys_for_principal_policy(PolicySourceArn=user["Arn"])["ContextKeyNames"]
    assert keys == ["aws:username", "aws:CurrentTime"]
    extra = doc(allow(Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    keys = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=user["Arn"], PolicyInputList=[extra]
    )
    assert keys["ContextKeyNames"] == ["aws:username", "aws:CurrentTime", "aws:SourceIp"]
    group_keys = iam.get_context_keys_for_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{account.id}:group/Team"
    )
    assert group_keys["ContextKeyNames"] == ["aws:CurrentTime"]
    with pytest.raises(ClientError) as exc:
        iam.get_context_keys_for_principal_policy(
            PolicySourceArn=f"arn:aws:iam::{account.id}:user/ghost"
        )
    assert error(exc) == ("NoSuchEntity", "The user with name ghost cannot be found.")


# -- ListEntitiesForPolicy -------------------------------------------------------------


def test_list_entities_for_policy(iam, account) -> None:  # type: ignore[no-untyped-def]
    policy = iam.create_policy(PolicyName="Shared", PolicyDocument=doc(allow()))["Policy"]
    arn = policy["Arn"]
    trust = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
    users = {
        n: iam.create_user(UserName=n, Path=p)["User"]["UserId"]
        for n, p in (("zed", "/"), ("amy", "/eng/"))
    }
    bounded = iam.create_user(UserName="bounded", PermissionsBoundary=arn)["User"]["UserId"]
    role = iam.create_role(RoleName="Worker", AssumeRolePolicyDocument=trust, Path="/eng/")["Role"][
        "RoleId"
    ]
    group = make_group(iam, account, "Devs")
    for name in users:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
    iam.attach_role_policy(RoleName="Worker", PolicyArn=arn)
    iam.attach_group_policy(GroupName="Devs", PolicyArn=arn)

    everything = iam.list_entities_for_policy(PolicyArn=arn)
    assert everything["PolicyGroups"] == [{"GroupName": "Devs", "GroupId": group}]
    assert everything["PolicyUsers"] == [
        {"UserName": "amy", "UserId": users["amy"]},
        {"UserName": "bounded", "UserId": bounded},
        {"UserName": "zed", "UserId": users["zed"]},
    ]
    assert everything["PolicyRoles"] == [{"RoleName": "Worker", "RoleId": role}]
    assert everything["IsTruncated"] is False

    attached = iam.list_entities_for_policy(PolicyArn=arn, PolicyUsageFilter="PermissionsPolicy")
    assert [u["UserName"] for u in attached["PolicyUsers"]] == ["amy", "zed"]
    as_boundary = iam.list_entities_for_policy(
        PolicyArn=arn, PolicyUsageFilter="PermissionsBoundary"
    )
    assert as_boundary["PolicyUsers"] == [{"UserName": "bounded", "UserId": bounded}]
    assert as_boundary["PolicyGroups"] == [] and as_boundary["PolicyRoles"] == []
    roles_only = iam.list_entities_for_policy(PolicyArn=arn, EntityFilter="Role")
    assert roles_only["PolicyUsers"] == [] and len(roles_only["PolicyRoles"]) == 1
    eng = iam.list_entities_for_policy(PolicyArn=arn, PathPrefix="/eng/")
    assert [u["UserName"] for u in eng["PolicyUsers"]] == ["amy"] and len(eng["PolicyRoles"]) == 1
    assert eng["PolicyGroups"] == []

    first = iam.list_entities_for_policy(PolicyArn=arn, MaxItems=2)
    assert first["IsTruncated"] is True
    assert (len(first["PolicyGroups"]), len(first["PolicyUsers"])) == (1, 1)
    rest = iam.list_entities_for_policy(PolicyArn=arn, Marker=first["Marker"])
    assert [u["UserName"] for u in rest["PolicyUsers"]] == ["bounded", "zed"] and len(
        rest["PolicyRoles"]
    ) == 1
    pages = list(
        iam.get_paginator("list_entities_for_policy").paginate(
            PolicyArn=arn, PaginationConfig={"PageSize": 1}
        )
    )
    assert len(pages) == 5

    aws = iam.list_entities_for_policy(PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    assert aws["PolicyUsers"] == aws["PolicyGroups"] == aws["PolicyRoles"] == []
    missing = f"arn:aws:iam::{account.id}:policy/Nope"
    with pytest.raises(ClientError) as exc:
        iam.list_entities_for_policy(PolicyArn=missing)
    assert error(exc) == ("NoSuchEntity", f"Policy {missing} was not found.")


# -- the AWS CLI -----------------------------------------------------------------------


def test_aws_cli_simulate_custom_policy(account, tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": account.access_key_id,
        "AWS_SECRET_ACCESS_KEY": account.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_PAGER": "",
    }
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    policy = (
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*",'
        '"Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}'
    )
    out = subprocess.run(
        [
            AWS,
            "iam",
            "simulate-custom-policy",
            "--endpoint-url",
            account.server.endpoint,
            "--policy-input-list",
            policy,
            "--action-names",
            "dynamodb:CreateBackup",
            "dynamodb:DeleteTable",
            "--context-entries",
            "ContextKeyName='aws:CurrentTime',ContextKeyValues='2019-04-25T11:00:00Z',ContextKeyType=date",
            "--output",
            "json",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    results = json.loads(out.stdout)["EvaluationResults"]
    assert [r["EvalDecision"] for r in results] == ["allowed", "allowed"]
    assert results[0]["MatchedStatements"] == [
        {
            "SourcePolicyId": "PolicyInputList.1",
            "SourcePolicyType": "IAM Policy",
            "StartPosition": {"Line": 1, "Column": 38},
            "EndPosition": {"Line": 1, "Column": 167},
        }
    ]
