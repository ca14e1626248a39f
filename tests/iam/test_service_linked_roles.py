"""Service-linked roles through boto3 and the AWS CLI: table, protection, deletion tasks."""

from __future__ import annotations

import json
import re
import uuid

import boto3
import pytest
from botocore.exceptions import ClientError
from identity_helpers import aws_cli

from rolecall.iam.accounts import create_account
from rolecall.iam.catalog import load_catalog
from rolecall.iam.service_linked import PATH_PREFIX, SERVICES, linked_service

ELB = "elasticloadbalancing.amazonaws.com"
ELB_POLICY = "arn:aws:iam::aws:policy/aws-service-role/AWSElasticLoadBalancingServiceRolePolicy"
TASK = re.compile(
    r"task/aws-service-role/(?P<svc>[^/]+)/(?P<role>[^/]+)/"
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, int, str]:
    response = exc.value.response
    return (
        response["Error"]["Code"],
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Message"],
    )


def _user_client(iam, account, policy: dict[str, object]):  # type: ignore[no-untyped-def]
    iam.create_user(UserName="u")
    iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName="u")["AccessKey"]
    return account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])


def test_service_table_matches_the_managed_policy_catalog() -> None:
    catalog = load_catalog()
    assert len(SERVICES) >= 25
    for principal, service in SERVICES.items():
        assert service.principal == principal
        assert principal.endswith(".amazonaws.com")
        assert service.role_name.startswith("AWSServiceRoleFor")
        assert len(service.role_name) <= 64
        policy = catalog.get(service.policy_arn)
        assert policy is not None, service.policy_arn
        assert policy.path == PATH_PREFIX
        assert service.path == f"/aws-service-role/{principal}/"
    assert linked_service("ELASTICLOADBALANCING.amazonaws.com") is None  # case-sensitive


def test_create_get_and_attached_policy(iam, account) -> None:  # type: ignore[no-untyped-def]
    role = iam.create_service_linked_role(AWSServiceName=ELB, Description="for the LB")["Role"]
    assert role["RoleName"] == "AWSServiceRoleForElasticLoadBalancing"
    assert role["Path"] == f"/aws-service-role/{ELB}/"
    assert role["Arn"] == (
        f"arn:aws:iam::{account.id}:role/aws-service-role/{ELB}/AWSServiceRoleForElasticLoadBalancing"
    )
    assert role["RoleId"].startswith("AROA")
    assert role["Description"] == "for the LB"
    trust = role["AssumeRolePolicyDocument"]
    assert trust["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": [ELB]}, "Action": ["sts:AssumeRole"]}
    ]
    got = iam.get_role(RoleName="AWSServiceRoleForElasticLoadBalancing")["Role"]
    assert got["Arn"] == role["Arn"]
    assert got["MaxSessionDuration"] == 3600
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert attached == [
        {"PolicyName": "AWSElasticLoadBalancingServiceRolePolicy", "PolicyArn": ELB_POLICY}
    ]
    assert iam.get_policy(PolicyArn=ELB_POLICY)["Policy"]["AttachmentCount"] == 1
    listed = iam.list_roles(PathPrefix="/aws-service-role/")["Roles"]
    assert [r["RoleName"] for r in listed] == [role["RoleName"]]


def test_create_errors_and_suffixes(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    with pytest.raises(ClientError) as exc:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    assert _error(exc) == (
        "InvalidInput",
        400,
        "Service role name AWSServiceRoleForECS has been taken in this account, "
        "please try a different suffix.",
    )
    with pytest.raises(ClientError) as exc:
        iam.create_service_linked_role(AWSServiceName="nosuchservice.amazonaws.com")
    assert _error(exc) == (
        "InvalidInput",
        400,
        "Cannot find Service Linked Role template for nosuchservice.amazonaws.com",
    )
    with pytest.raises(ClientError) as exc:
        iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com", CustomSuffix="two")
    assert _error(exc) == (
        "InvalidInput",
        400,
        "Custom suffix is not allowed for ecs.amazonaws.com",
    )
    made = iam.create_service_linked_role(
        AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="debug"
    )["Role"]
    assert made["RoleName"] == "AWSServiceRoleForAutoScaling_debug"
    assert made["Path"] == "/aws-service-role/autoscaling.amazonaws.com/"
    plain = iam.create_service_linked_role(AWSServiceName="autoscaling.amazonaws.com")["Role"]
    assert plain["RoleName"] == "AWSServiceRoleForAutoScaling"
    with pytest.raises(ClientError) as exc:
        iam.create_service_linked_role(
            AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="x" * 40
        )
    assert _error(exc)[:2] == ("InvalidInput", 400)
    with pytest.raises(ClientError) as exc:
        iam.create_service_linked_role(
            AWSServiceName="autoscaling.amazonaws.com", CustomSuffix="DEBUG"
        )
    assert _error(exc)[0] == "InvalidInput"  # role names are case-insensitive


def test_the_account_cannot_modify_it(iam) -> None:  # type: ignore[no-untyped-def]
    name = iam.create_service_linked_role(AWSServiceName=ELB)["Role"]["RoleName"]
    message = (
        f"Cannot perform the operation on the protected role '{name}' - "
        "this role is only modifiable by AWS"
    )
    doc = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
        }
    )
    iam.create_instance_profile(InstanceProfileName="p")
    for call in (
        lambda: iam.delete_role(RoleName=name),
        lambda: iam.update_role(RoleName=name, Description="x"),
        lambda: iam.update_assume_role_policy(RoleName=name, PolicyDocument=doc),
        lambda: iam.put_role_policy(RoleName=name, PolicyName="x", PolicyDocument=doc),
        lambda: iam.attach_role_policy(
            RoleName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess"
        ),
        lambda: iam.detach_role_policy(RoleName=name, PolicyArn=ELB_POLICY),
        lambda: iam.add_role_to_instance_profile(InstanceProfileName="p", RoleName=name),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert _error(exc) == ("UnmodifiableEntity", 400, message)
    iam.tag_role(RoleName=name, Tags=[{"Key": "k", "Value": "v"}])
    assert iam.list_role_tags(RoleName=name)["Tags"] == [{"Key": "k", "Value": "v"}]


def test_delete_and_deletion_status(iam, account) -> None:  # type: ignore[no-untyped-def]
    name = iam.create_service_linked_role(AWSServiceName=ELB)["Role"]["RoleName"]
    iam.tag_role(RoleName=name, Tags=[{"Key": "k", "Value": "v"}])
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    m = TASK.fullmatch(task)
    assert m is not None, task
    assert (m["svc"], m["role"]) == (ELB, name)
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "SUCCEEDED"
    assert "Reason" not in status
    with pytest.raises(ClientError) as exc:
        iam.get_role(RoleName=name)
    assert _error(exc)[:2] == ("NoSuchEntity", 404)
    assert iam.get_policy(PolicyArn=ELB_POLICY)["Policy"]["AttachmentCount"] == 0
    # The service can be linked again afterwards, without leftover tags.
    again = iam.create_service_linked_role(AWSServiceName=ELB)["Role"]
    assert iam.list_role_tags(RoleName=again["RoleName"])["Tags"] == []


def test_delete_errors(iam, server, server_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.delete_service_linked_role(RoleName="ghost")
    assert _error(exc) == ("NoSuchEntity", 404, "The role with name ghost cannot be found.")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": ELB}, "Action": "sts:AssumeRole"}
        ],
    }
    # An ordinary role, even at a service-linked path, is not a service-linked role.
    iam.create_role(
        RoleName="Impostor",
        Path=f"/aws-service-role/{ELB}/",
        AssumeRolePolicyDocument=json.dumps(trust),
    )
    with pytest.raises(ClientError) as exc:
        iam.delete_service_linked_role(RoleName="Impostor")
    assert _error(exc) == (
        "NoSuchEntity",
        404,
        "Service-linked role with name Impostor cannot be found.",
    )
    assert iam.get_role(RoleName="Impostor")["Role"]
    with pytest.raises(ClientError) as exc:
        iam.get_service_linked_role_deletion_status(DeletionTaskId="not-a-task")
    assert _error(exc) == ("InvalidInput", 400, "Invalid deletion task id: not-a-task")
    unknown = f"task/aws-service-role/{ELB}/AWSServiceRoleForElasticLoadBalancing/{uuid.uuid4()}"
    with pytest.raises(ClientError) as exc:
        iam.get_service_linked_role_deletion_status(DeletionTaskId=unknown)
    assert _error(exc) == ("NoSuchEntity", 404, f"Deletion task {unknown} cannot be found.")
    # Another account's task is not visible.
    name = iam.create_service_linked_role(AWSServiceName=ELB)["Role"]["RoleName"]
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    other = create_account(server_store, server.keyring, name=f"other-{uuid.uuid4().hex[:8]}")
    other_iam = boto3.client(
        "iam",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id=other.access_key_id,
        aws_secret_access_key=other.secret_access_key,
    )
    with pytest.raises(ClientError) as exc:
        other_iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert _error(exc)[:2] == ("NoSuchEntity", 404)


def test_authorization_by_service_name(iam, account) -> None:  # type: ignore[no-untyped-def]
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "iam:CreateServiceLinkedRole",
                "Resource": "arn:aws:iam::*:role/aws-service-role/*",
                "Condition": {"StringEquals": {"iam:AWSServiceName": ELB}},
            },
            {
                "Effect": "Allow",
                "Action": [
                    "iam:DeleteServiceLinkedRole",
                    "iam:GetServiceLinkedRoleDeletionStatus",
                ],
                "Resource": f"arn:aws:iam::*:role/aws-service-role/{ELB}/*",
            },
        ],
    }
    user_iam = _user_client(iam, account, policy)
    made = user_iam.create_service_linked_role(AWSServiceName=ELB)["Role"]
    assert made["RoleName"] == "AWSServiceRoleForElasticLoadBalancing"
    with pytest.raises(ClientError) as exc:
        user_iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")
    code, status, message = _error(exc)
    assert (code, status) == ("AccessDenied", 403)
    assert message == (
        f"User: arn:aws:iam::{account.id}:user/u is not authorized to perform: "
        "iam:CreateServiceLinkedRole on resource: "
        f"arn:aws:iam::{account.id}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS "
        "because no identity-based policy allows the iam:CreateServiceLinkedRole action"
    )
    task = user_iam.delete_service_linked_role(RoleName=made["RoleName"])["DeletionTaskId"]
    assert user_iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == (
        "SUCCEEDED"
    )
    ecs_task = iam.delete_service_linked_role(
        RoleName=iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"][
            "RoleName"
        ]
    )["DeletionTaskId"]
    with pytest.raises(ClientError) as exc:
        user_iam.get_service_linked_role_deletion_status(DeletionTaskId=ecs_task)
    code, _, message = _error(exc)
    assert code == "AccessDenied"
    assert "role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS" in message


@pytest.mark.cli
def testaws_cli(account) -> None:  # type: ignore[no-untyped-def]
    out = aws_cli(
        account, "iam", "create-service-linked-role", "--aws-service-name", "rds.amazonaws.com"
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["Role"]["RoleName"] == "AWSServiceRoleForRDS"
    out = aws_cli(
        account, "iam", "delete-service-linked-role", "--role-name", "AWSServiceRoleForRDS"
    )
    assert out.returncode == 0, out.stderr
    task = json.loads(out.stdout)["DeletionTaskId"]
    out = aws_cli(
        account, "iam", "get-service-linked-role-deletion-status", "--deletion-task-id", task
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == {"Status": "SUCCEEDED"}
    out = aws_cli(
        account, "iam", "create-service-linked-role", "--aws-service-name", "bogus.amazonaws.com"
    )
    assert out.returncode != 0
    assert "InvalidInput" in out.stderr
    assert "Cannot find Service Linked Role template for bogus.amazonaws.com" in out.stderr
