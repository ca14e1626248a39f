"""Session lifetime: expiry on the development clock, revocation, the AWS CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from botocore.exceptions import ClientError
from test_assume_role import doc, make_user, session_clients, trust  # type: ignore[import-not-found]


def cli_env(
    account, key: str | None = None, secret: str | None = None, token: str | None = None
) -> dict[str, str]:  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=key or account.access_key_id,
        AWS_SECRET_ACCESS_KEY=secret or account.secret_access_key,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=account.server.endpoint,
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return env


def rolecall(account, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "rolecall", *args],
        env=cli_env(account),
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture
def clock(account) -> Iterator[None]:  # type: ignore[no-untyped-def]
    yield
    rolecall(account, "clock", "reset")


def test_expired_token_after_clock_advance(iam, account, clock) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    creds = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"]).assume_role(
        RoleArn=f"arn:aws:iam::{account.id}:role/R", RoleSessionName="s1", DurationSeconds=900
    )["Credentials"]
    _, role_sts = session_clients(account, creds)
    role_sts.get_caller_identity()
    moved = rolecall(account, "clock", "advance", "901")
    assert moved.returncode == 0, moved.stderr
    with pytest.raises(ClientError) as exc:
        role_sts.get_caller_identity()
    assert exc.value.response["Error"]["Code"] == "ExpiredToken"
    assert rolecall(account, "clock", "reset").returncode == 0
    role_sts.get_caller_identity()


def test_revoke_sessions(iam, account, clock) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    iam.create_role(RoleName="R", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    iam.put_role_policy(
        RoleName="R",
        PolicyName="p",
        PolicyDocument=doc({"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}),
    )
    sts = account.client("sts", key["AccessKeyId"], key["SecretAccessKey"])
    old = sts.assume_role(RoleArn=f"arn:aws:iam::{account.id}:role/R", RoleSessionName="old")[
        "Credentials"
    ]
    session_clients(account, old)[0].list_users()
    out = rolecall(account, "role", "revoke-sessions", "R")
    assert out.returncode == 0, out.stderr
    with pytest.raises(ClientError) as exc:
        session_clients(account, old)[0].list_users()
    assert exc.value.response["Error"]["Message"].endswith(
        "with an explicit deny in an identity-based policy"
    )
    rolecall(account, "clock", "advance", "2")
    new = sts.assume_role(RoleArn=f"arn:aws:iam::{account.id}:role/R", RoleSessionName="new")[
        "Credentials"
    ]
    session_clients(account, new)[0].list_users()
    assert "AWSRevokeOlderSessions" in iam.list_role_policies(RoleName="R")["PolicyNames"]


def test_aws_cli_assume_role_and_profile_chain(iam, account, tmp_path) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "dev")
    iam.create_role(RoleName="rdsadmin", AssumeRolePolicyDocument=trust({"AWS": user["Arn"]}))
    iam.put_role_policy(
        RoleName="rdsadmin",
        PolicyName="p",
        PolicyDocument=doc({"Effect": "Allow", "Action": "iam:ListRoles", "Resource": "*"}),
    )
    role_arn = f"arn:aws:iam::{account.id}:role/rdsadmin"
    env = cli_env(account, key["AccessKeyId"], key["SecretAccessKey"])
    out = subprocess.run(
        ["aws", "sts", "assume-role", "--role-arn", role_arn, "--role-session-name", "Session1"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    creds = json.loads(out.stdout)["Credentials"]
    env_session = cli_env(
        account, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]
    )
    who = subprocess.run(
        ["aws", "sts", "get-caller-identity"],
        env=env_session,
        capture_output=True,
        text=True,
        check=True,
    )
    assert (
        json.loads(who.stdout)["Arn"] == f"arn:aws:sts::{account.id}:assumed-role/rdsadmin/Session1"
    )
    # A profile with role_arn + source_profile assumes the role transparently.
    (tmp_path / "credentials").write_text(
        f"[dev]\naws_access_key_id = {key['AccessKeyId']}\naws_secret_access_key = {key['SecretAccessKey']}\n"
    )
    (tmp_path / "config").write_text(
        f"[profile dev]\nregion = us-east-1\n\n[profile rdsadmin]\nrole_arn = {role_arn}\nsource_profile = dev\nregion = us-east-1\n"
    )
    env_profile = cli_env(account)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env_profile.pop(k)
    env_profile.update(
        AWS_CONFIG_FILE=str(tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"),
    )
    listed = subprocess.run(
        ["aws", "iam", "list-roles", "--profile", "rdsadmin"],
        env=env_profile,
        capture_output=True,
        text=True,
    )
    assert listed.returncode == 0, listed.stderr
    assert "rdsadmin" in listed.stdout
    denied = subprocess.run(
        ["aws", "iam", "list-users", "--profile", "rdsadmin"],
        env=env_profile,
        capture_output=True,
        text=True,
    )
    assert denied.returncode != 0 and "AccessDenied" in denied.stderr


def test_clock_refused_when_off_and_for_non_root(iam, account) -> None:  # type: ignore[no-untyped-def]
    user, key = make_user(iam, account, "u")
    env = cli_env(account, key["AccessKeyId"], key["SecretAccessKey"])
    out = subprocess.run(
        [sys.executable, "-m", "rolecall", "clock", "advance", "10"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1 and "AccessDenied" in out.stderr
