"""MFA with STS: MFA-authenticated sessions, MFA-protected roles, the AWS CLI's mfa_serial."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pyotp
import pytest
from botocore.exceptions import ClientError
from test_assume_role import doc, session_clients, trust  # type: ignore[import-not-found]


def code(seed: str, offset: int) -> str:
    return pyotp.TOTP(seed).generate_otp(int(time.time() // 30) + offset)


def user_with_mfa(iam, name: str, *statements: dict):  # type: ignore[no-untyped-def]
    user = iam.create_user(UserName=name)["User"]
    if statements:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=doc(*statements))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=name)["VirtualMFADevice"]
    seed = device["Base32StringSeed"]
    seed = seed.decode() if isinstance(seed, bytes) else seed
    iam.enable_mfa_device(
        UserName=name,
        SerialNumber=device["SerialNumber"],
        AuthenticationCode1=code(seed, -4),
        AuthenticationCode2=code(seed, -3),
    )
    return user, key, device["SerialNumber"], seed


MFA_ONLY_LIST_USERS = {
    "Effect": "Allow",
    "Action": "iam:ListUsers",
    "Resource": "*",
    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
}


def test_mfa_session_token_can_call_iam(iam, account) -> None:  # type: ignore[no-untyped-def]
    _, key, serial, seed = user_with_mfa(iam, "ann", MFA_ONLY_LIST_USERS)
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    # Long-term keys carry no MFA: the MFA-conditioned statement does not apply.
    with pytest.raises(ClientError):
        account.client("iam", key["AccessKeyId"], key["SecretAccessKey"]).list_users()
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=code(seed, -1))["Credentials"]
    token_iam, _ = session_clients(account, creds)
    token_iam.list_users()  # IAM with MFA-backed session credentials, MFA present


def test_mfa_protected_role(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key, serial, seed = user_with_mfa(iam, "ben")
    iam.create_role(
        RoleName="Admin",
        AssumeRolePolicyDocument=trust(
            {"AWS": user["Arn"]}, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        ),
    )
    iam.put_role_policy(
        RoleName="Admin",
        PolicyName="recent-mfa",
        PolicyDocument=doc(
            {
                "Effect": "Allow",
                "Action": "iam:ListRoles",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "600"}},
            }
        ),
    )
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    arn = f"arn:aws:iam::{account.id}:role/Admin"
    with pytest.raises(ClientError) as exc:
        sts.assume_role(RoleArn=arn, RoleSessionName="no-mfa")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    one = code(seed, -1)
    creds = sts.assume_role(RoleArn=arn, RoleSessionName="mfa", SerialNumber=serial, TokenCode=one)[
        "Credentials"
    ]
    role_iam, _ = session_clients(account, creds)
    role_iam.list_roles()
    with pytest.raises(ClientError) as exc:  # a code is good once
        sts.assume_role(RoleArn=arn, RoleSessionName="again", SerialNumber=serial, TokenCode=one)
    assert (
        exc.value.response["Error"]["Message"]
        == "MultiFactorAuthentication failed with invalid MFA one time pass code."
    )
    with pytest.raises(ClientError) as exc:
        sts.assume_role(
            RoleArn=arn,
            RoleSessionName="wrong",
            SerialNumber=serial,
            TokenCode="000000" if code(seed, 0) != "000000" else "111111",
        )
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


def test_aws_cli_profile_with_mfa_serial(iam, account, tmp_path) -> None:  # type: ignore[no-untyped-def]
    user, key, serial, seed = user_with_mfa(iam, "cli")
    iam.create_role(
        RoleName="rdsadmin",
        AssumeRolePolicyDocument=trust(
            {"AWS": user["Arn"]}, condition={"Bool": {"aws:MultiFactorAuthPresent": "true"}}
        ),
    )
    iam.put_role_policy(
        RoleName="rdsadmin",
        PolicyName="p",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}],
            }
        ),
    )
    (tmp_path / "credentials").write_text(
        f"[dev]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    (tmp_path / "config").write_text(
        "[profile dev]\nregion = us-east-1\n\n"
        f"[profile rdsadmin]\nrole_arn = arn:aws:iam::{account.id}:role/rdsadmin\n"
        f"source_profile = dev\nmfa_serial = {serial}\nregion = us-east-1\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=account.server.endpoint,
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    out = subprocess.run(
        ["aws", "iam", "list-roles", "--profile", "rdsadmin"],
        env=env,
        input=code(seed, 0) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "rdsadmin" in out.stdout
