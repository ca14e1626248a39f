"""Account aliases and GetAccountSummary against a real server."""

from __future__ import annotations

import json
import uuid

import pytest
from botocore.exceptions import ClientError
from identity_helpers import allow, aws_cli, error_of, policy, user_client

from rolecall.iam.accounts import create_account

SUMMARY_KEYS = {
    "Users",
    "UsersQuota",
    "Groups",
    "GroupsQuota",
    "ServerCertificates",
    "ServerCertificatesQuota",
    "UserPolicySizeQuota",
    "GroupPolicySizeQuota",
    "GroupsPerUserQuota",
    "SigningCertificatesPerUserQuota",
    "AccessKeysPerUserQuota",
    "MFADevices",
    "MFADevicesInUse",
    "AccountMFAEnabled",
    "AccountAccessKeysPresent",
    "AccountPasswordPresent",
    "AccountSigningCertificatesPresent",
    "AttachedPoliciesPerGroupQuota",
    "AttachedPoliciesPerRoleQuota",
    "AttachedPoliciesPerUserQuota",
    "Policies",
    "PoliciesQuota",
    "PolicySizeQuota",
    "PolicyVersionsInUse",
    "PolicyVersionsInUseQuota",
    "VersionsPerPolicyQuota",
    "GlobalEndpointTokenVersion",
    "AssumeRolePolicySizeQuota",
    "InstanceProfiles",
    "InstanceProfilesQuota",
    "Providers",
    "RolePolicySizeQuota",
    "Roles",
    "RolesQuota",
}

TRUST = json.dumps(
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


def _alias() -> str:
    return f"rc-{uuid.uuid4().hex[:12]}"


def test_account_alias_lifecycle(iam) -> None:  # type: ignore[no-untyped-def]
    listed = iam.list_account_aliases()
    assert listed["AccountAliases"] == [] and listed["IsTruncated"] is False
    first, second = _alias(), _alias()
    iam.create_account_alias(AccountAlias=first)
    assert iam.list_account_aliases()["AccountAliases"] == [first]
    # An account has one alias: a new one replaces the old.
    iam.create_account_alias(AccountAlias=second)
    assert iam.list_account_aliases()["AccountAliases"] == [second]
    with pytest.raises(ClientError) as exc:
        iam.delete_account_alias(AccountAlias=first)
    assert error_of(exc) == ("NoSuchEntity", f"The account alias {first} cannot be found.", 404)
    iam.delete_account_alias(AccountAlias=second)
    assert iam.list_account_aliases()["AccountAliases"] == []
    # The old alias is free again.
    iam.create_account_alias(AccountAlias=first)
    assert iam.list_account_aliases()["AccountAliases"] == [first]


def test_alias_is_unique_across_accounts(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    alias = _alias()
    iam.create_account_alias(AccountAlias=alias)
    with pytest.raises(ClientError) as exc:
        iam.create_account_alias(AccountAlias=alias)
    assert error_of(exc) == (
        "EntityAlreadyExists",
        f"The account alias {alias} already exists.",
        409,
    )
    root = create_account(server_store, account.server.keyring, name="other")
    other = account.client("iam", root.access_key_id, root.secret_access_key)
    with pytest.raises(ClientError) as exc:
        other.create_account_alias(AccountAlias=alias)
    assert error_of(exc) == (
        "EntityAlreadyExists",
        f"The account alias {alias} already exists.",
        409,
    )
    assert other.list_account_aliases()["AccountAliases"] == []
    iam.delete_account_alias(AccountAlias=alias)
    other.create_account_alias(AccountAlias=alias)
    assert other.list_account_aliases()["AccountAliases"] == [alias]


@pytest.mark.parametrize("bad", ["ab", "ab--cd", "-abc", "abc-", "Upper", "a_b_c", "x" * 64])
def test_alias_pattern(account, bad: str) -> None:  # type: ignore[no-untyped-def]
    raw = account.client("iam", validate=False)
    with pytest.raises(ClientError) as exc:
        raw.create_account_alias(AccountAlias=bad)
    code, message, status = error_of(exc)
    assert (code, status) == ("ValidationError", 400)
    assert "accountAlias" in message


def test_account_summary(iam, account) -> None:  # type: ignore[no-untyped-def]
    summary = iam.get_account_summary()["SummaryMap"]
    assert set(summary) == SUMMARY_KEYS
    assert summary["Users"] == 0 and summary["Groups"] == 0 and summary["Roles"] == 0
    assert summary["Policies"] == 0 and summary["PolicyVersionsInUse"] == 0
    assert summary["AccountAccessKeysPresent"] == 1  # the root user's key
    assert summary["AccountMFAEnabled"] == 0 and summary["MFADevices"] == 0
    assert {k: summary[k] for k in summary if k.endswith("Quota")} == {
        "UsersQuota": 5000,
        "GroupsQuota": 300,
        "RolesQuota": 1000,
        "PoliciesQuota": 1500,
        "InstanceProfilesQuota": 1000,
        "ServerCertificatesQuota": 20,
        "GroupsPerUserQuota": 10,
        "AccessKeysPerUserQuota": 2,
        "SigningCertificatesPerUserQuota": 2,
        "AttachedPoliciesPerUserQuota": 10,
        "AttachedPoliciesPerGroupQuota": 10,
        "AttachedPoliciesPerRoleQuota": 10,
        "VersionsPerPolicyQuota": 5,
        "PolicyVersionsInUseQuota": 10000,
        "PolicySizeQuota": 6144,
        "UserPolicySizeQuota": 2048,
        "GroupPolicySizeQuota": 5120,
        "RolePolicySizeQuota": 10240,
        "AssumeRolePolicySizeQuota": 2048,
    }
    assert summary["GlobalEndpointTokenVersion"] == 1

    iam.create_user(UserName="u1")
    iam.create_user(UserName="u2")
    iam.create_group(GroupName="g")
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=TRUST)
    arn = iam.create_policy(PolicyName="p", PolicyDocument=policy(allow("s3:*")))["Policy"]["Arn"]
    iam.attach_user_policy(UserName="u1", PolicyArn=arn)
    iam.attach_group_policy(GroupName="g", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    iam.create_instance_profile(InstanceProfileName="ip")
    iam.create_virtual_mfa_device(VirtualMFADeviceName="unassigned")
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["Users"] == 2
    assert summary["Groups"] == 1
    assert summary["Roles"] == 1
    assert summary["Policies"] == 1
    assert summary["PolicyVersionsInUse"] == 2
    assert summary["InstanceProfiles"] == 1
    assert summary["MFADevices"] == 1 and summary["MFADevicesInUse"] == 0


@pytest.mark.cli
def test_account_with_aws_cli(account) -> None:  # type: ignore[no-untyped-def]
    alias = _alias()
    out = aws_cli(account, "iam", "create-account-alias", "--account-alias", alias)
    assert out.returncode == 0, out.stderr
    out = aws_cli(account, "iam", "list-account-aliases")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["AccountAliases"] == [alias]
    out = aws_cli(account, "iam", "get-account-summary")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["SummaryMap"]["UsersQuota"] == 5000
    out = aws_cli(account, "iam", "delete-account-alias", "--account-alias", alias)
    assert out.returncode == 0, out.stderr


def test_security_token_service_preferences(iam, account) -> None:  # type: ignore[no-untyped-def]
    def version() -> int:
        return int(iam.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"])

    assert version() == 1
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert version() == 2
    iam.set_security_token_service_preferences(GlobalEndpointTokenVersion="v1Token")
    assert version() == 1
    raw = account.client("iam", validate=False)
    with pytest.raises(ClientError) as exc:
        raw.set_security_token_service_preferences(GlobalEndpointTokenVersion="v3Token")
    code, message, status = error_of(exc)
    assert (code, status) == ("ValidationError", 400)
    assert "globalEndpointTokenVersion" in message
    # A write like any other: only for those allowed it, and per account.
    reader = user_client(iam, account, "reader", allow("iam:GetAccountSummary"))
    with pytest.raises(ClientError) as exc:
        reader.set_security_token_service_preferences(GlobalEndpointTokenVersion="v2Token")
    assert error_of(exc)[0] == "AccessDenied"
    assert version() == 1
    out = aws_cli(
        account,
        "iam",
        "set-security-token-service-preferences",
        "--global-endpoint-token-version",
        "v2Token",
    )
    assert out.returncode == 0, out.stderr
    assert int(reader.get_account_summary()["SummaryMap"]["GlobalEndpointTokenVersion"]) == 2
