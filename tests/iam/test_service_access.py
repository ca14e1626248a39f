"""ListPoliciesGrantingServiceAccess through boto3 and the AWS CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from identity_helpers import aws_cli


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*", **extra}


def by_service(response: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    return {e["ServiceNamespace"]: e["Policies"] for e in response["PoliciesGrantingServiceAccess"]}


@pytest.fixture
def alice(iam) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName="alice", Path="/team/")["User"]
    iam.put_user_policy(UserName="alice", PolicyName="Reads", PolicyDocument=doc(allow("s3:Get*")))
    managed = iam.create_policy(
        PolicyName="Queues", PolicyDocument=doc(allow(["sqs:SendMessage", "sns:Publish"]))
    )["Policy"]
    iam.attach_user_policy(UserName="alice", PolicyArn=managed["Arn"])
    iam.attach_user_policy(UserName="alice", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    # A boundary is not a permissions policy: never listed.
    iam.put_user_permissions_boundary(
        UserName="alice", PermissionsBoundary="arn:aws:iam::aws:policy/AmazonS3FullAccess"
    )
    iam.create_group(GroupName="Ops")
    iam.add_user_to_group(GroupName="Ops", UserName="alice")
    iam.put_group_policy(GroupName="Ops", PolicyName="Everything", PolicyDocument=doc(allow("*")))
    iam.put_group_policy(
        GroupName="Ops",
        PolicyName="DenyOnly",
        PolicyDocument=doc({"Effect": "Deny", "Action": "s3:*", "Resource": "*"}),
    )
    return {"user": user, "queues": managed["Arn"]}


def test_user_policies_including_groups(iam, alice) -> None:  # type: ignore[no-untyped-def]
    response = iam.list_policies_granting_service_access(
        Arn=alice["user"]["Arn"], ServiceNamespaces=["s3", "sqs", "iam", "ec2"]
    )
    assert response["IsTruncated"] is False
    services = by_service(response)
    assert list(services) == ["s3", "sqs", "iam", "ec2"]
    everything = {
        "PolicyName": "Everything",
        "PolicyType": "INLINE",
        "EntityType": "GROUP",
        "EntityName": "Ops",
    }
    assert services["s3"] == [
        {
            "PolicyName": "Reads",
            "PolicyType": "INLINE",
            "EntityType": "USER",
            "EntityName": "alice",
        },
        everything,
    ]
    assert services["sqs"] == [
        {"PolicyName": "Queues", "PolicyType": "MANAGED", "PolicyArn": alice["queues"]},
        everything,
    ]
    assert services["iam"] == [
        {
            "PolicyName": "IAMReadOnlyAccess",
            "PolicyType": "MANAGED",
            "PolicyArn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess",
        },
        everything,
    ]
    assert services["ec2"] == [everything]


def test_group_and_role_policies_are_their_own(iam, alice) -> None:  # type: ignore[no-untyped-def]
    group = iam.get_group(GroupName="Ops")["Group"]
    services = by_service(
        iam.list_policies_granting_service_access(Arn=group["Arn"], ServiceNamespaces=["s3"])
    )
    # The group's members' policies are not the group's.
    assert [p["PolicyName"] for p in services["s3"]] == ["Everything"]
    trust = doc(
        {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    )
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=trust)["Role"]
    iam.put_role_policy(
        RoleName="app",
        PolicyName="AllButIam",
        PolicyDocument=doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
    )
    services = by_service(
        iam.list_policies_granting_service_access(
            Arn=role["Arn"], ServiceNamespaces=["iam", "dynamodb"]
        )
    )
    assert services == {
        "iam": [],
        "dynamodb": [
            {
                "PolicyName": "AllButIam",
                "PolicyType": "INLINE",
                "EntityType": "ROLE",
                "EntityName": "app",
            }
        ],
    }


def test_paging_over_many_namespaces(iam, alice) -> None:  # type: ignore[no-untyped-def]
    namespaces = [f"svc{i:03d}" for i in range(150)] + ["s3"]
    first = iam.list_policies_granting_service_access(
        Arn=alice["user"]["Arn"], ServiceNamespaces=namespaces
    )
    assert first["IsTruncated"] is True
    assert len(first["PoliciesGrantingServiceAccess"]) == 100
    second = iam.list_policies_granting_service_access(
        Arn=alice["user"]["Arn"], ServiceNamespaces=namespaces, Marker=first["Marker"]
    )
    assert second["IsTruncated"] is False
    seen = [e["ServiceNamespace"] for e in first["PoliciesGrantingServiceAccess"]]
    seen += [e["ServiceNamespace"] for e in second["PoliciesGrantingServiceAccess"]]
    assert seen == namespaces
    assert [p["PolicyName"] for p in by_service(second)["s3"]] == ["Reads", "Everything"]


def test_errors(iam, account, alice) -> None:  # type: ignore[no-untyped-def]
    def code(**params: Any) -> tuple[str, str]:
        with pytest.raises(ClientError) as exc:
            iam.list_policies_granting_service_access(**params)
        return exc.value.response["Error"]["Code"], exc.value.response["Error"]["Message"]

    assert code(Arn=f"arn:aws:iam::{account.id}:user/nobody", ServiceNamespaces=["s3"]) == (
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    )
    assert code(Arn=f"arn:aws:iam::{account.id}:role/none", ServiceNamespaces=["s3"])[0] == (
        "NoSuchEntity"
    )
    assert code(Arn=f"arn:aws:iam::{account.id}:policy/Queues", ServiceNamespaces=["s3"])[0] == (
        "InvalidInput"
    )
    assert code(Arn=alice["user"]["Arn"], ServiceNamespaces=["s3"], Marker="garbage!")[0] == (
        "InvalidInput"
    )


def test_needs_permission_on_the_identity(iam, account, alice) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="bob")
    key = iam.create_access_key(UserName="bob")["AccessKey"]
    iam.put_user_policy(
        UserName="bob",
        PolicyName="OnlyRoles",
        PolicyDocument=doc(
            {
                "Effect": "Allow",
                "Action": "iam:ListPoliciesGrantingServiceAccess",
                "Resource": f"arn:aws:iam::{account.id}:role/*",
            }
        ),
    )
    bob = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as exc:
        bob.list_policies_granting_service_access(
            Arn=alice["user"]["Arn"], ServiceNamespaces=["s3"]
        )
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    assert alice["user"]["Arn"] in exc.value.response["Error"]["Message"]


def test_aws_cli(account, alice) -> None:  # type: ignore[no-untyped-def]
    out = aws_cli(
        account,
        "iam",
        "list-policies-granting-service-access",
        "--arn",
        alice["user"]["Arn"],
        "--service-namespaces",
        "sns",
    )
    assert out.returncode == 0, out.stderr
    entry = json.loads(out.stdout)["PoliciesGrantingServiceAccess"][0]
    assert entry["ServiceNamespace"] == "sns"
    assert [p["PolicyName"] for p in entry["Policies"]] == ["Queues", "Everything"]
