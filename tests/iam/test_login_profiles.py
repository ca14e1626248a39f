"""Login profiles, ChangePassword and the account password policy against a real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from identity_helpers import allow, aws_cli, error_of, user_client
from sqlalchemy import select, update

from rolecall.store import schema as t

GOOD = "Correct-Horse-1"  # meets the default policy: 8+ characters, 4 character types


def test_create_get_delete_login_profile(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="alice")
    before = datetime.now(UTC) - timedelta(seconds=5)
    created = iam.create_login_profile(UserName="alice", Password=GOOD)["LoginProfile"]
    assert created["UserName"] == "alice" and created["PasswordResetRequired"] is False
    assert created["CreateDate"] >= before
    got = iam.get_login_profile(UserName="ALICE")["LoginProfile"]
    assert got == created
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="alice", Password=GOOD)
    assert error_of(exc) == (
        "EntityAlreadyExists",
        "Login Profile for user alice already exists.",
        409,
    )
    iam.delete_login_profile(UserName="alice")
    with pytest.raises(ClientError) as exc:
        iam.get_login_profile(UserName="alice")
    assert error_of(exc) == ("NoSuchEntity", "Login Profile for User alice cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.delete_login_profile(UserName="alice")
    assert error_of(exc) == ("NoSuchEntity", "Login Profile for User alice cannot be found.", 404)
    with pytest.raises(ClientError) as exc:
        iam.update_login_profile(UserName="alice", Password=GOOD)
    assert error_of(exc) == ("NoSuchEntity", "Login Profile for User alice cannot be found.", 404)
    # A user with a login profile cannot be deleted.
    iam.create_login_profile(UserName="alice", Password=GOOD, PasswordResetRequired=True)
    assert iam.get_login_profile(UserName="alice")["LoginProfile"]["PasswordResetRequired"]
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="alice")
    assert error_of(exc) == (
        "DeleteConflict",
        "Cannot delete entity, must delete login profile first.",
        409,
    )


def test_login_profile_of_missing_user(iam) -> None:  # type: ignore[no-untyped-def]
    for call in (
        lambda: iam.create_login_profile(UserName="ghost", Password=GOOD),
        lambda: iam.get_login_profile(UserName="ghost"),
        lambda: iam.update_login_profile(UserName="ghost", PasswordResetRequired=True),
        lambda: iam.delete_login_profile(UserName="ghost"),
    ):
        with pytest.raises(ClientError) as exc:
            call()
        assert error_of(exc) == ("NoSuchEntity", "The user with name ghost cannot be found.", 404)


def test_create_login_profile_needs_password(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="u")
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="u")
    code, message, status = error_of(exc)
    assert (code, status) == ("ValidationError", 400)
    assert "'password'" in message


def test_default_policy_applies_without_a_custom_one(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="u")
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="u", Password="Ab1!")
    assert error_of(exc) == (
        "PasswordPolicyViolation",
        "Password should have a minimum length of 8",
        400,
    )
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="u", Password="abcdefg1")
    assert error_of(exc) == (
        "PasswordPolicyViolation",
        "Password should meet 1 more of the following requirements: Password should have at "
        "least one uppercase letter, Password should have at least one symbol",
        400,
    )
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="u", Password="abcdefgh")
    assert error_of(exc)[1].startswith("Password should meet 2 more of the following")
    iam.create_login_profile(UserName="u", Password="abcdefg1X")  # three types suffice


def test_password_policy_lifecycle(iam, account) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.get_account_password_policy()
    assert error_of(exc) == (
        "NoSuchEntity",
        f"The Password Policy with domain name {account.id} cannot be found.",
        404,
    )
    with pytest.raises(ClientError) as exc:
        iam.delete_account_password_policy()
    assert error_of(exc) == (
        "NoSuchEntity",
        "The account policy with name PasswordPolicy cannot be found.",
        404,
    )
    iam.update_account_password_policy()
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 6,
        "RequireSymbols": False,
        "RequireNumbers": False,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": False,
    }
    iam.update_account_password_policy(
        MinimumPasswordLength=12,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
        AllowUsersToChangePassword=True,
        MaxPasswordAge=90,
        PasswordReusePrevention=5,
        HardExpiry=False,
    )
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 12,
        "RequireSymbols": True,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": True,
        "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True,
        "ExpirePasswords": True,
        "MaxPasswordAge": 90,
        "PasswordReusePrevention": 5,
        "HardExpiry": False,
    }
    # No partial updates: what is left out goes back to its default.
    iam.update_account_password_policy(RequireNumbers=True)
    assert iam.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 6,
        "RequireSymbols": False,
        "RequireNumbers": True,
        "RequireUppercaseCharacters": False,
        "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False,
        "ExpirePasswords": False,
    }
    iam.delete_account_password_policy()
    with pytest.raises(ClientError) as exc:
        iam.get_account_password_policy()
    assert error_of(exc)[0] == "NoSuchEntity"


@pytest.fixture
def unvalidated(account):  # type: ignore[no-untyped-def]
    return account.client("iam", validate=False)


def test_password_policy_parameter_ranges_reach_server(unvalidated) -> None:  # type: ignore[no-untyped-def]
    for kwargs in (
        {"MinimumPasswordLength": 5},
        {"MinimumPasswordLength": 129},
        {"MaxPasswordAge": 1096},
        {"PasswordReusePrevention": 25},
    ):
        with pytest.raises(ClientError) as exc:
            unvalidated.update_account_password_policy(**kwargs)
        code, message, status = error_of(exc)
        assert (code, status) == ("ValidationError", 400), kwargs
        assert "failed to satisfy constraint" in message


def test_custom_policy_rules(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="u")
    iam.update_account_password_policy(MinimumPasswordLength=10)
    with pytest.raises(ClientError) as exc:
        iam.create_login_profile(UserName="u", Password="aaaaaaaaa")
    assert error_of(exc) == (
        "PasswordPolicyViolation",
        "Password should have a minimum length of 10",
        400,
    )
    # Without requirements, a custom policy accepts a single character type.
    iam.create_login_profile(UserName="u", Password="aaaaaaaaaa")
    cases = {
        "RequireUppercaseCharacters": ("aaaaaaaa1!", "uppercase letter"),
        "RequireLowercaseCharacters": ("AAAAAAAA1!", "lowercase letter"),
        "RequireNumbers": ("aaaaaaaaA!", "number"),
        "RequireSymbols": ("aaaaaaaaA1", "symbol"),
    }
    for flag, (password, what) in cases.items():
        iam.update_account_password_policy(MinimumPasswordLength=10, **{flag: True})
        with pytest.raises(ClientError) as exc:
            iam.update_login_profile(UserName="u", Password=password)
        assert error_of(exc) == (
            "PasswordPolicyViolation",
            f"Password should have at least one {what}",
            400,
        ), flag
    iam.update_account_password_policy(
        MinimumPasswordLength=10,
        RequireSymbols=True,
        RequireNumbers=True,
        RequireUppercaseCharacters=True,
        RequireLowercaseCharacters=True,
    )
    iam.update_login_profile(UserName="u", Password="aB3$efghij")


def test_update_login_profile_and_reuse_prevention(iam) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="u")
    iam.update_account_password_policy(PasswordReusePrevention=2)
    iam.create_login_profile(UserName="u", Password="password-A")
    iam.update_login_profile(UserName="u", Password="password-B", PasswordResetRequired=True)
    assert iam.get_login_profile(UserName="u")["LoginProfile"]["PasswordResetRequired"]
    for reused in ("password-B", "password-A"):
        with pytest.raises(ClientError) as exc:
            iam.update_login_profile(UserName="u", Password=reused)
        assert error_of(exc) == (
            "PasswordPolicyViolation",
            "Password should not be one of your previous 2 passwords",
            400,
        )
    iam.update_login_profile(UserName="u", Password="password-C")
    iam.update_login_profile(UserName="u", Password="password-A")  # three passwords ago
    iam.update_login_profile(UserName="u", PasswordResetRequired=False)
    assert not iam.get_login_profile(UserName="u")["LoginProfile"]["PasswordResetRequired"]


def _user_with_password(iam, account, name: str, *statements):  # type: ignore[no-untyped-def]
    client = user_client(iam, account, name, *statements)
    iam.create_login_profile(UserName=name, Password=GOOD, PasswordResetRequired=True)
    return client


def test_change_password(iam, account) -> None:  # type: ignore[no-untyped-def]
    client = _user_with_password(
        iam, account, "bob", allow(["iam:ChangePassword", "iam:GetLoginProfile"])
    )
    with pytest.raises(ClientError) as exc:
        client.change_password(OldPassword="wrong-Password-1", NewPassword="New-Password-2")
    assert error_of(exc) == ("AccessDenied", "The old password is incorrect.", 403)
    with pytest.raises(ClientError) as exc:
        client.change_password(OldPassword=GOOD, NewPassword="short")
    assert error_of(exc) == (
        "PasswordPolicyViolation",
        "Password should have a minimum length of 8",
        400,
    )
    client.change_password(OldPassword=GOOD, NewPassword="New-Password-2")
    # The new password is in force and the reset requirement is cleared.
    assert not client.get_login_profile()["LoginProfile"]["PasswordResetRequired"]
    with pytest.raises(ClientError) as exc:
        client.change_password(OldPassword=GOOD, NewPassword="Third-Password-3")
    assert error_of(exc)[1] == "The old password is incorrect."
    client.change_password(OldPassword="New-Password-2", NewPassword="Third-Password-3")


def test_change_password_needs_permission_or_policy_flag(iam, account) -> None:  # type: ignore[no-untyped-def]
    client = _user_with_password(iam, account, "carol")
    with pytest.raises(ClientError) as exc:
        client.change_password(OldPassword=GOOD, NewPassword="New-Password-2")
    assert error_of(exc) == (
        "AccessDenied",
        f"User: arn:aws:iam::{account.id}:user/carol is not authorized to perform: "
        f"iam:ChangePassword on resource: arn:aws:iam::{account.id}:user/carol because no "
        "identity-based policy allows the iam:ChangePassword action",
        403,
    )
    with pytest.raises(ClientError) as exc:
        client.get_account_password_policy()
    assert error_of(exc)[0] == "AccessDenied"
    # AllowUsersToChangePassword lets every IAM user change its own password and
    # read the policy.
    iam.update_account_password_policy(AllowUsersToChangePassword=True)
    assert client.get_account_password_policy()["PasswordPolicy"]["AllowUsersToChangePassword"]
    client.change_password(OldPassword=GOOD, NewPassword="New-Password-2")
    # ... but an explicit deny still wins.
    iam.put_user_policy(
        UserName="carol",
        PolicyName="deny",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "iam:ChangePassword", "Resource": "*"}],
            }
        ),
    )
    with pytest.raises(ClientError) as exc:
        client.change_password(OldPassword="New-Password-2", NewPassword="Third-Password-3")
    assert error_of(exc)[1].endswith("with an explicit deny in an identity-based policy")


def test_change_password_errors(iam, account) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ClientError) as exc:
        iam.change_password(OldPassword=GOOD, NewPassword="New-Password-2")  # root
    code, _, status = error_of(exc)
    assert (code, status) == ("InvalidUserType", 400)
    client = user_client(iam, account, "noprofile", allow("iam:ChangePassword"))
    with pytest.raises(ClientError) as exc:
        client.change_password(OldPassword=GOOD, NewPassword="New-Password-2")
    assert error_of(exc) == (
        "NoSuchEntity",
        "Login Profile for User noprofile cannot be found.",
        404,
    )


def test_change_password_reuse_and_hard_expiry(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    client = _user_with_password(iam, account, "dave", allow("iam:ChangePassword"))
    iam.update_account_password_policy(PasswordReusePrevention=1, MaxPasswordAge=30)
    with pytest.raises(ClientError) as exc:
        client.change_password(OldPassword=GOOD, NewPassword=GOOD)
    assert error_of(exc) == (
        "PasswordPolicyViolation",
        "Password should not be one of your previous 1 passwords",
        400,
    )
    _age_password(server_store, account.id, "dave", days=31)
    # An expired password may still be changed by its user without HardExpiry ...
    client.change_password(OldPassword=GOOD, NewPassword="New-Password-2")
    iam.update_account_password_policy(
        PasswordReusePrevention=1, MaxPasswordAge=30, HardExpiry=True
    )
    client.change_password(OldPassword="New-Password-2", NewPassword="Third-Password-3")
    _age_password(server_store, account.id, "dave", days=31)
    # ... but with HardExpiry only an administrator can reset it.
    with pytest.raises(ClientError) as exc:
        client.change_password(OldPassword="Third-Password-3", NewPassword="Fourth-Password-4")
    assert error_of(exc)[0] == "EntityTemporarilyUnmodifiable"
    assert error_of(exc)[2] == 409
    iam.update_login_profile(UserName="dave", Password="Admin-Reset-5")
    client.change_password(OldPassword="Admin-Reset-5", NewPassword="Fourth-Password-4")


def _age_password(store, account_id: str, user: str, *, days: int) -> None:  # type: ignore[no-untyped-def]
    with store.write(account_id) as conn:
        user_id = conn.execute(
            select(t.users.c.id).where(
                (t.users.c.account_id == account_id) & (t.users.c.name == user)
            )
        ).scalar_one()
        conn.execute(
            update(t.login_profiles)
            .where(t.login_profiles.c.user_id == user_id)
            .values(password_changed_at=datetime.now(UTC) - timedelta(days=days))
        )


def test_passwords_never_stored_in_clear_or_audited(iam, account, server_store) -> None:  # type: ignore[no-untyped-def]
    secret = "Very-Secret-Value-9"
    client = user_client(iam, account, "erin", allow("iam:ChangePassword"))
    iam.create_login_profile(UserName="erin", Password=secret)
    iam.update_login_profile(UserName="erin", Password=secret + "x")
    client.change_password(OldPassword=secret + "x", NewPassword=secret + "y")
    with server_store.read() as conn:
        stored = conn.execute(select(t.login_profiles.c.password_hash)).scalars().all()
        records = (
            conn.execute(
                select(t.audit_events.c.record).where(
                    (t.audit_events.c.account_id == account.id)
                    & t.audit_events.c.event_name.in_(
                        ["CreateLoginProfile", "UpdateLoginProfile", "ChangePassword"]
                    )
                )
            )
            .scalars()
            .all()
        )
    assert stored and all(secret not in h for h in stored)
    assert len(records) == 3
    for text in records:
        assert secret not in text
        assert "HIDDEN_DUE_TO_SECURITY_REASONS" in text


@pytest.mark.cli
def test_login_profiles_with_aws_cli(iam, account) -> None:  # type: ignore[no-untyped-def]
    iam.create_user(UserName="cli-user")
    out = aws_cli(
        account,
        "iam",
        "create-login-profile",
        "--user-name",
        "cli-user",
        "--password",
        GOOD,
        "--password-reset-required",
    )
    assert out.returncode == 0, out.stderr
    profile = json.loads(out.stdout)["LoginProfile"]
    assert profile["UserName"] == "cli-user" and profile["PasswordResetRequired"] is True
    assert GOOD not in out.stdout
    out = aws_cli(
        account, "iam", "update-account-password-policy", "--minimum-password-length", "20"
    )
    assert out.returncode == 0, out.stderr
    out = aws_cli(account, "iam", "get-account-password-policy")
    assert json.loads(out.stdout)["PasswordPolicy"]["MinimumPasswordLength"] == 20
    out = aws_cli(
        account, "iam", "update-login-profile", "--user-name", "cli-user", "--password", GOOD
    )
    assert out.returncode != 0
    assert "PasswordPolicyViolation" in out.stderr
    assert "Password should have a minimum length of 20" in out.stderr
