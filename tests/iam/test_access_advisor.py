"""Access advisor: GenerateServiceLastAccessedDetails and its reports, from real activity."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from identity_helpers import aws_cli, error_of

TRUST_USER = "arn:aws:iam::{account}:user/alice"


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": "*"}


def services_of(iam: Any, arn: str, granularity: str = "SERVICE_LEVEL") -> dict[str, Any]:
    job = iam.generate_service_last_accessed_details(Arn=arn, Granularity=granularity)["JobId"]
    report = iam.get_service_last_accessed_details(JobId=job)
    assert report["JobStatus"] == "COMPLETED" and report["JobType"] == granularity
    return {s["ServiceNamespace"]: s for s in report["ServicesLastAccessed"]}


def wait_for(check: Any) -> Any:
    """Reads are audited by the next group commit, a few milliseconds later."""
    deadline = time.monotonic() + 10
    while True:
        try:
            return check()
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def setup(iam, account) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName="alice")["User"]
    iam.put_user_policy(
        UserName="alice",
        PolicyName="reads",
        PolicyDocument=doc(allow(["iam:Get*", "sts:GetCallerIdentity", "sts:AssumeRole"])),
    )
    iam.create_group(GroupName="Devs")
    iam.add_user_to_group(GroupName="Devs", UserName="alice")
    iam.put_group_policy(GroupName="Devs", PolicyName="s3", PolicyDocument=doc(allow("s3:*")))
    trust = doc({"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName="app_role", AssumeRolePolicyDocument=trust)["Role"]
    managed = iam.create_policy(
        PolicyName="Identity", PolicyDocument=doc(allow("sts:GetCallerIdentity"))
    )["Policy"]
    iam.attach_role_policy(RoleName="app_role", PolicyArn=managed["Arn"])
    iam.attach_group_policy(GroupName="Devs", PolicyArn=managed["Arn"])
    key = iam.create_access_key(UserName="alice")["AccessKey"]
    alice_iam = account.client("iam", key["AccessKeyId"], key["SecretAccessKey"])
    alice_sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    alice_iam.get_user()
    with pytest.raises(ClientError):
        alice_iam.list_users()  # refused attempts count too
    creds = alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="s1")["Credentials"]
    session = account.client(
        "sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    )
    session.get_caller_identity()
    return {"user": user, "role": role, "policy": managed["Arn"], "alice": alice_iam}


def test_user_report(iam, setup) -> None:  # type: ignore[no-untyped-def]
    arn = setup["user"]["Arn"]

    def check() -> dict[str, Any]:
        services = services_of(iam, arn)
        assert "LastAuthenticated" in services["iam"] and "LastAuthenticated" in services["sts"]
        return services

    services = wait_for(check)
    # What the user's policies (and its group's) could reach, sorted by namespace.
    assert list(services) == ["iam", "s3", "sts"]
    assert services["iam"]["ServiceName"] == "AWS Identity and Access Management"
    assert services["iam"]["LastAuthenticatedEntity"] == arn
    assert services["iam"]["LastAuthenticatedRegion"] == "us-east-1"
    assert services["iam"]["TotalAuthenticatedEntities"] == 1
    assert services["s3"]["TotalAuthenticatedEntities"] == 0
    assert "LastAuthenticated" not in services["s3"]


def test_action_level(iam, setup) -> None:  # type: ignore[no-untyped-def]
    arn = setup["user"]["Arn"]

    def check() -> dict[str, Any]:
        actions = {
            a["ActionName"]: a
            for a in services_of(iam, arn, "ACTION_LEVEL")["iam"]["TrackedActionsLastAccessed"]
        }
        assert "LastAccessedTime" in actions["GetUser"]
        return actions

    actions = wait_for(check)
    assert actions["GetUser"]["LastAccessedEntity"] == arn
    assert "LastAccessedTime" not in actions["GetRole"]  # allowed, never called
    assert "ListUsers" not in actions  # called, but no policy could allow it
    assert "TrackedActionsLastAccessed" not in services_of(iam, arn, "ACTION_LEVEL")["s3"]


def test_role_report_counts_its_sessions(iam, setup) -> None:  # type: ignore[no-untyped-def]
    arn = setup["role"]["Arn"]

    def check() -> dict[str, Any]:
        services = services_of(iam, arn)
        assert "LastAuthenticated" in services["sts"]
        return services

    services = wait_for(check)
    assert list(services) == ["sts"]
    assert services["sts"]["LastAuthenticatedEntity"] == arn


def test_group_and_policy_reports_with_entities(iam, setup) -> None:  # type: ignore[no-untyped-def]
    group_arn = iam.get_group(GroupName="Devs")["Group"]["Arn"]
    services = services_of(iam, group_arn)
    assert list(services) == ["s3", "sts"]  # the group's own policies only
    job = iam.generate_service_last_accessed_details(Arn=setup["policy"])["JobId"]

    def check() -> list[dict[str, Any]]:
        listed = iam.get_service_last_accessed_details_with_entities(
            JobId=job, ServiceNamespace="sts"
        )["EntityDetailsList"]
        assert all("LastAuthenticated" in e for e in listed)
        return listed

    job_ok = False
    for _ in range(100):
        job = iam.generate_service_last_accessed_details(Arn=setup["policy"])["JobId"]
        try:
            listed = check()
            job_ok = True
            break
        except AssertionError:
            time.sleep(0.1)
    assert job_ok
    # The policy applies to the role (attached) and to alice (through Devs);
    # both called STS.  Most recent first: the role's session came last.
    assert [e["EntityInfo"]["Type"] for e in listed] == ["ROLE", "USER"]
    assert listed[0]["EntityInfo"]["Name"] == "app_role"
    assert listed[1]["EntityInfo"]["Arn"] == setup["user"]["Arn"]
    assert listed[0]["LastAuthenticated"] >= listed[1]["LastAuthenticated"]
    # A service the policy cannot reach lists nobody.
    assert (
        iam.get_service_last_accessed_details_with_entities(JobId=job, ServiceNamespace="s3")[
            "EntityDetailsList"
        ]
        == []
    )


def test_paging_of_a_wide_report(iam, setup) -> None:  # type: ignore[no-untyped-def]
    iam.put_user_policy(UserName="alice", PolicyName="all", PolicyDocument=doc(allow("*")))
    job = iam.generate_service_last_accessed_details(Arn=setup["user"]["Arn"])["JobId"]
    first = iam.get_service_last_accessed_details(JobId=job, MaxItems=100)
    assert first["IsTruncated"] is True and len(first["ServicesLastAccessed"]) == 100
    namespaces = [s["ServiceNamespace"] for s in first["ServicesLastAccessed"]]
    marker = first["Marker"]
    while marker:
        more = iam.get_service_last_accessed_details(JobId=job, Marker=marker)
        namespaces += [s["ServiceNamespace"] for s in more["ServicesLastAccessed"]]
        marker = more.get("Marker")
    assert namespaces == sorted(namespaces) and len(namespaces) > 300
    assert {"ec2", "s3", "iam", "sts", "lambda"} <= set(namespaces)


def test_errors_and_privacy(iam, account, setup) -> None:  # type: ignore[no-untyped-def]
    def error(call: Any, **params: Any) -> tuple[str, str, int]:
        with pytest.raises(ClientError) as exc:
            call(**params)
        return error_of(exc)

    assert error(
        iam.generate_service_last_accessed_details, Arn=f"arn:aws:iam::{account.id}:user/nobody"
    )[:2] == ("NoSuchEntity", "The user with name nobody cannot be found.")
    assert (
        error(
            iam.generate_service_last_accessed_details,
            Arn=f"arn:aws:iam::{account.id}:policy/Missing",
        )[0]
        == "NoSuchEntity"
    )
    assert (
        error(
            iam.generate_service_last_accessed_details,
            Arn=f"arn:aws:iam::{account.id}:instance-profile/x",
        )[0]
        == "InvalidInput"
    )
    missing = "00000000-0000-4000-8000-000000000000"
    assert error(iam.get_service_last_accessed_details, JobId=missing)[0] == "NoSuchEntity"
    # Only the principal that generated a report reads it.
    job = iam.generate_service_last_accessed_details(Arn=setup["user"]["Arn"])["JobId"]
    iam.put_user_policy(UserName="alice", PolicyName="aa", PolicyDocument=doc(allow("iam:*")))
    assert error(setup["alice"].get_service_last_accessed_details, JobId=job)[0] == "NoSuchEntity"
    own = setup["alice"].generate_service_last_accessed_details(Arn=setup["user"]["Arn"])
    assert setup["alice"].get_service_last_accessed_details(JobId=own["JobId"])["JobStatus"] == (
        "COMPLETED"
    )


@pytest.mark.cli
def test_aws_cli(account, setup) -> None:  # type: ignore[no-untyped-def]
    out = aws_cli(
        account, "iam", "generate-service-last-accessed-details", "--arn", setup["user"]["Arn"]
    )
    assert out.returncode == 0, out.stderr
    job = json.loads(out.stdout)["JobId"]
    out = aws_cli(account, "iam", "get-service-last-accessed-details", "--job-id", job)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert [s["ServiceNamespace"] for s in report["ServicesLastAccessed"]] == ["iam", "s3", "sts"]
